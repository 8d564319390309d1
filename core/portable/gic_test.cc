#include "core/portable/gic.h"

#include <gtest/gtest.h>

namespace el2lab::gic {
namespace {

// Expected values assembled from the GIC architecture specification's field positions.
TEST(Gic, ListRegisterV3) {
  ListEntry timer{27, 27, 0xa0, true, true, LrState::kPending};
  const std::uint64_t expected =
      27ull | (27ull << 32) | (0xa0ull << 48) | (1ull << 60) | (1ull << 61) | (1ull << 62);
  EXPECT_EQ(encode_lr_v3(timer), expected);
  const ListEntry back = decode_lr_v3(expected);
  EXPECT_EQ(back.virtual_id, 27u);
  EXPECT_EQ(back.physical_id, 27u);
  EXPECT_EQ(back.priority, 0xa0);
  EXPECT_TRUE(back.hw);
  EXPECT_EQ(back.state, LrState::kPending);
  // A software interrupt (an SGI between vCPUs) has no physical ID, whatever the caller put.
  ListEntry sgi{3, 99, 0x80, true, false, LrState::kPending};
  EXPECT_EQ(encode_lr_v3(sgi), 3ull | (0x80ull << 48) | (1ull << 60) | (1ull << 62));
  EXPECT_EQ(decode_lr_v3(encode_lr_v3(sgi)).physical_id, 0u);
  EXPECT_EQ(decode_lr_v3(2ull << 62).state, LrState::kActive);
}

TEST(Gic, ListRegisterV2) {
  ListEntry timer{27, 27, 0xa0, false, true, LrState::kPending};
  const std::uint32_t expected = 27u | (27u << 10) | ((0xa0u >> 3) << 23) | (1u << 28) | (1u << 31);
  EXPECT_EQ(encode_lr_v2(timer), expected);
  const ListEntry back = decode_lr_v2(expected);
  EXPECT_EQ(back.virtual_id, 27u);
  EXPECT_EQ(back.physical_id, 27u);
  EXPECT_EQ(back.priority, 0xa0);
  EXPECT_FALSE(back.group1);
  EXPECT_EQ(decode_lr_v2(3u << 28).state, LrState::kPendingActive);
  EXPECT_EQ(encode_lr_v2({1023, 0, 0, false, false, LrState::kInvalid}), 1023u);
  // Software-forwarded with an EOI maintenance interrupt: EOI is bit 19, only without HW.
  ListEntry sw{27, 0, 0xa0, false, false, LrState::kPending, true};
  EXPECT_EQ(encode_lr_v2(sw), 27u | (0x14u << 23) | (1u << 28) | (1u << 19));
  EXPECT_TRUE(decode_lr_v2(encode_lr_v2(sw)).eoi_maintenance);
  EXPECT_EQ(encode_lr_v3(sw), 27ull | (1ull << 41) | (0xa0ull << 48) | (1ull << 62));
}

TEST(Gic, ListRegisterV2SgiCarriesItsSource) {
  // SGI 5 from CPU interface 3: CPUID in bits [12:10], which the guest reads back in GICC_IAR.
  ListEntry sgi{5, 0, 0x80, false, false, LrState::kPending, false, 3};
  EXPECT_EQ(encode_lr_v2(sgi), 5u | (3u << 10) | (0x10u << 23) | (1u << 28));
  EXPECT_EQ(decode_lr_v2(encode_lr_v2(sgi)).source_cpu, 3);
  // With HW the same bits are the physical INTID, not a source.
  ListEntry hw{27, 27, 0, false, true, LrState::kPending, false, 3};
  EXPECT_EQ((encode_lr_v2(hw) >> 10) & 0x3ff, 27u);
  EXPECT_EQ(decode_lr_v2(encode_lr_v2(hw)).source_cpu, 0);
}

TEST(Gic, Sgi1rTargetsOnePeByAffinity) {
  // The architecture's layout, written out: INTID [27:24], TargetList [15:0] (a bit per Aff0),
  // Aff1 [23:16], Aff2 [39:32], Aff3 [55:48].
  const std::uint64_t mpidr = (0x7full << 32) | (0x23u << 16) | (0x45u << 8) | 0x3u;
  const std::uint64_t v = encode_sgi1r(1, mpidr);
  EXPECT_EQ(v, (1ull << 24) | (1ull << 3) | (0x45ull << 16) | (0x23ull << 32) | (0x7full << 48));
  EXPECT_EQ(encode_sgi1r(15, 0), (15ull << 24) | 1u);
}

}  // namespace
}  // namespace el2lab::gic
