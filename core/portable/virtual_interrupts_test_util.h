#pragma once
// Test helpers shared by virtual_interrupts_test.cc and virtual_interrupts_send_test.cc: list
// registers in memory and a guest's virtual GIC set up as a GICv3 guest would.
#include <gtest/gtest.h>

#include <vector>

#include "core/portable/virtual_interrupts.h"

namespace el2lab::vgic::test {

using Source = VirtualInterrupts::Source;

// A CPU interface's list registers in memory; the test plays the guest by changing states.
struct FakeListRegisters {
  std::vector<gic::ListEntry> lr = std::vector<gic::ListEntry>(4);
  std::vector<std::uint32_t> deactivated;
  std::vector<std::pair<std::uint32_t, unsigned>> injections, eois;

  unsigned count() const { return static_cast<unsigned>(lr.size()); }
  gic::ListEntry read(unsigned n) const { return lr.at(n); }
  // ICH_ELRSR_EL2: a bit per entry whose state is invalid.
  std::uint32_t empty() const {
    std::uint32_t mask = 0;
    for (unsigned n = 0; n < count(); ++n) {
      if (lr[n].state == gic::LrState::kInvalid) mask |= 1u << n;
    }
    return mask;
  }
  void write(unsigned n, const gic::ListEntry& e) {
    lr.at(n) = e;
    ++writes;
  }
  unsigned writes = 0;
  void deactivate(std::uint32_t intid) { deactivated.push_back(intid); }
  void injected(std::uint32_t intid, unsigned n) { injections.emplace_back(intid, n); }
  void finished(std::uint32_t intid, unsigned n) { eois.emplace_back(intid, n); }

  // The guest acknowledges list register n, then EOIs it (the GIC empties the entry).
  void guest_acks(unsigned n) { lr.at(n).state = gic::LrState::kActive; }
  void guest_eois(unsigned n) { lr.at(n).state = gic::LrState::kInvalid; }
};
static_assert(ListRegisterFile<FakeListRegisters>);

// Offsets from the GIC architecture specification.
constexpr std::uint64_t GICD_CTLR = 0x0, SGI_BASE = 0x10000, GICR_ISENABLER0 = 0x100,
                        GICR_IGROUPR0 = 0x80, GICR_IPRIORITYR = 0x400;

// A GICv3 guest that enabled both groups, put everything in group 1 and enabled the timer.
inline VirtualGic guest_gic() {
  VirtualGic gic(GicVersion::kV3, 2);
  EXPECT_TRUE(gic.distributor_write(GICD_CTLR, 4, 0x3, 0));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IGROUPR0, 4, 0xffff'ffff));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_ISENABLER0, 4, 1u << 27));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IPRIORITYR + 27, 1, 0xa0));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IPRIORITYR + 5, 1, 0x80));
  return gic;
}

}  // namespace el2lab::vgic::test
