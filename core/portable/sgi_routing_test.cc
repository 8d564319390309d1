#include "core/portable/sgi_routing.h"

#include <gtest/gtest.h>

#include "core/portable/exit_decode.h"

namespace el2lab::vgic {
namespace {

constexpr std::uint64_t kMpidrs[] = {0x8000'0000, 0x8000'0001, 0x8000'0002, 0x8000'0003};

// ICC_SGI1R_EL1 as a guest writes it: INTID [27:24], Aff1 [23:16], TargetList [15:0], IRM [40].
constexpr std::uint64_t sgi1r(std::uint64_t intid, std::uint64_t target_list,
                              std::uint64_t aff1 = 0, bool irm = false) {
  return (intid << 24) | (aff1 << 16) | target_list | (std::uint64_t{irm} << 40);
}

TEST(SgiRouting, V3TargetListSelectsByAff0) {
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(3, 0b0100)), 0, kMpidrs), 0b0100u);
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(3, 0b1011)), 2, kMpidrs), 0b1011u);
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(3, 0b0001)), 0, kMpidrs), 0b0001u) << "self";
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(3, 1u << 9)), 0, kMpidrs), 0u) << "no vCPU 9";
}

TEST(SgiRouting, V3OtherClustersReachNobodyHere) {
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(3, 0xffff, 1)), 0, kMpidrs), 0u);
}

TEST(SgiRouting, V3IrmMeansEveryoneButTheSender) {
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(0, 0, 0, true)), 1, kMpidrs), 0b1101u);
  EXPECT_EQ(sgi_targets(decode_sgi1r(sgi1r(0, 0, 0, true)), 0, std::span(kMpidrs, 1)), 0u);
}

TEST(SgiRouting, V2FilterAndTargetList) {
  SgiRequest sgi{true, 5, 0b0110, 0};
  EXPECT_EQ(sgi_targets(sgi, 0, 4), 0b0110u);
  sgi.target_list = 0xff;
  EXPECT_EQ(sgi_targets(sgi, 0, 2), 0b11u) << "CPU interfaces without a vCPU are dropped";
  sgi.filter = 1;
  EXPECT_EQ(sgi_targets(sgi, 3, 4), 0b0111u) << "all but self";
  sgi.filter = 2;
  EXPECT_EQ(sgi_targets(sgi, 3, 4), 0b1000u) << "self only";
  sgi.filter = 3;
  EXPECT_EQ(sgi_targets(sgi, 0, 4), 0u) << "reserved filter";
}

}  // namespace
}  // namespace el2lab::vgic
