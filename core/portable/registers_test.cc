#include "core/portable/registers.h"

#include <gtest/gtest.h>

namespace el2lab::reg {
namespace {

// Expected values are assembled from the ARM ARM's bit positions, one bit at a time.
TEST(Registers, HcrFieldsSitAtTheirArchitecturalBits) {
  EXPECT_EQ(Hcr().with<Hcr::Vm>().raw(), 1ull << 0);
  EXPECT_EQ(Hcr().with<Hcr::Imo>().raw(), 1ull << 4);
  EXPECT_EQ(Hcr().with<Hcr::Twi>().raw(), 1ull << 13);
  EXPECT_EQ(Hcr().with<Hcr::Tsc>().raw(), 1ull << 19);
  EXPECT_EQ(Hcr().with<Hcr::Rw>().raw(), 1ull << 31);
  EXPECT_EQ(Hcr().with<Hcr::Tid3>().raw(), 1ull << 18);
  EXPECT_EQ(Hcr().with<Hcr::Tacr>().raw(), 1ull << 21);
  EXPECT_EQ(Hcr().with<Hcr::Tvm>().raw(), 1ull << 26);
  EXPECT_EQ(Hcr().with<Hcr::Twe>().raw(), 1ull << 14);
  EXPECT_EQ(Hcr().with<Hcr::Swio>().raw(), 1ull << 1);
  EXPECT_EQ(Hcr().with<Hcr::Bsu>(1).raw(), 1ull << 10);
  const Hcr hcr = Hcr().with<Hcr::Rw>().with<Hcr::Tsc>().with<Hcr::Vm>();
  EXPECT_EQ(hcr.raw(), (1ull << 31) | (1ull << 19) | 1ull);
  EXPECT_EQ(hcr.with<Hcr::Vm>(0).raw(), (1ull << 31) | (1ull << 19));
  EXPECT_EQ(Hcr(hcr.raw()).get<Hcr::Tsc>(), 1u);
}

TEST(Registers, FieldTruncatesToItsWidth) {
  using Two = Field<5, 4>;
  EXPECT_EQ(Two::set(0, 0x7), 0x3ull << 4);
  EXPECT_EQ(Two::get(0xffull), 0x3ull);
  EXPECT_EQ((Field<63, 0>::kMask), ~0ull);
}

TEST(Registers, GuestEntrySpsrIsEl1hWithDaifMasked) {
  // QEMU logs the first guest entry as PSTATE 0x3c5: D, A, I, F set and M = EL1h.
  EXPECT_EQ(Spsr::el1h_masked().raw(), 0x3c5u);
  EXPECT_EQ(Spsr::el1h_masked().el(), 1u);
  EXPECT_TRUE(Spsr::el1h_masked().uses_spx());
  // QEMU starts the hypervisor with cpsr 0x3c9: EL2h, DAIF masked.
  EXPECT_EQ(Spsr(0x3c9).el(), 2u);
  EXPECT_FALSE(Spsr(0x3c9).is_aarch32());
  EXPECT_TRUE(Spsr(0x10).is_aarch32());
}

TEST(Registers, CurrentEl) {
  EXPECT_EQ(current_el_from(0x8), 2u);
  EXPECT_EQ(current_el_from(0x4), 1u);
}

}  // namespace
}  // namespace el2lab::reg
