#include "core/portable/vgic.h"

#include <gtest/gtest.h>

namespace el2lab::vgic {
namespace {

// Offsets from the GIC architecture specification (GICD_*, GICR_*).
constexpr std::uint64_t GICD_CTLR = 0x0, GICD_TYPER = 0x4, GICD_ISENABLER = 0x100,
                        GICD_ICENABLER = 0x180, GICD_IPRIORITYR = 0x400, GICD_ITARGETSR = 0x800,
                        GICD_SGIR = 0xf00, GICD_IROUTER = 0x6000, GICD_PIDR2 = 0xffe8;
constexpr std::uint64_t GICR_TYPER = 0x8, GICR_WAKER = 0x14, SGI_BASE = 0x10000;

TEST(VirtualGic, V2GuestEnablesTheTimerPpiInTheDistributor) {
  VirtualGic gic(GicVersion::kV2, 2);
  EXPECT_FALSE(gic.deliverable(27, 0));
  ASSERT_TRUE(gic.distributor_write(GICD_ISENABLER, 4, 1u << 27, 0));
  EXPECT_FALSE(gic.deliverable(27, 0)) << "distributor still disabled";
  ASSERT_TRUE(gic.distributor_write(GICD_CTLR, 4, 1, 0));
  EXPECT_TRUE(gic.deliverable(27, 0));
  EXPECT_FALSE(gic.deliverable(27, 1)) << "PPIs are banked per CPU";
  EXPECT_EQ(gic.distributor_read(GICD_ISENABLER, 4, 0), (1u << 27) | 0xffffu);  // SGIs always on
  ASSERT_TRUE(gic.distributor_write(GICD_ICENABLER, 4, 1u << 27, 0));
  EXPECT_FALSE(gic.deliverable(27, 0));
  // Byte access to priorities; ITARGETSR of a banked interrupt names the reading CPU.
  ASSERT_TRUE(gic.distributor_write(GICD_IPRIORITYR + 27, 1, 0xa0, 0));
  EXPECT_EQ(gic.priority(27, 0), 0xa0);
  EXPECT_EQ(gic.distributor_read(GICD_IPRIORITYR + 24, 4, 0), 0xa0000000u);
  EXPECT_EQ(gic.distributor_read(GICD_ITARGETSR + 27, 1, 1), 0x2u);
  // TYPER: ITLinesNumber 2 (96 INTIDs), CPUNumber = 2 CPUs - 1.
  EXPECT_EQ(gic.distributor_read(GICD_TYPER, 4, 0), 2u | (1u << 5));
}

TEST(VirtualGic, V2SgirBecomesAnSgiRequest) {
  VirtualGic gic(GicVersion::kV2, 2);
  SgiRequest sgi;
  // SGI 5 to CPU interface 1: TargetListFilter 0, CPUTargetList bit 1.
  ASSERT_TRUE(gic.distributor_write(GICD_SGIR, 4, (0x2u << 16) | 5u, 0, &sgi));
  EXPECT_TRUE(sgi.valid);
  EXPECT_EQ(sgi.intid, 5u);
  EXPECT_EQ(sgi.target_list, 0x2);
  EXPECT_EQ(sgi.filter, 0);
  EXPECT_FALSE(gic.distributor_read(GICD_SGIR, 4, 0)) << "GICD_SGIR is write-only";
}

TEST(VirtualGic, V3PpisLiveInTheRedistributor) {
  VirtualGic gic(GicVersion::kV3, 2);
  EXPECT_EQ(gic.distributor_read(GICD_PIDR2, 4, 0), 0x3bu);
  EXPECT_EQ(gic.distributor_read(GICD_CTLR, 4, 0).value() & (1u << 4), 1u << 4) << "ARE";
  ASSERT_TRUE(gic.distributor_write(GICD_CTLR, 4, 0x2, 0));  // EnableGrp1
  // The distributor's banked range is RAZ/WI with affinity routing.
  ASSERT_TRUE(gic.distributor_write(GICD_ISENABLER, 4, 1u << 27, 0));
  EXPECT_EQ(gic.distributor_read(GICD_ISENABLER, 4, 0), 0u);
  // The redistributor of vCPU 1 starts 0x20000 after vCPU 0's; its SGI frame at +0x10000.
  const std::uint64_t rd1 = VirtualGic::kRedistributorStride;
  ASSERT_TRUE(gic.redistributor_write(rd1 + SGI_BASE + 0x080, 4, 1u << 27));  // IGROUPR0
  ASSERT_TRUE(gic.redistributor_write(rd1 + SGI_BASE + 0x100, 4, 1u << 27));  // ISENABLER0
  EXPECT_TRUE(gic.deliverable(27, 1));
  EXPECT_FALSE(gic.deliverable(27, 0));
  // GICR_TYPER: affinity and processor number of vCPU 1, Last set on the final one only.
  EXPECT_EQ(gic.redistributor_read(rd1 + GICR_TYPER, 8), (1ull << 32) | (1u << 8) | (1u << 4));
  EXPECT_EQ(gic.redistributor_read(GICR_TYPER, 8), 0u);
  // Waking the redistributor clears ChildrenAsleep.
  EXPECT_EQ(gic.redistributor_read(GICR_WAKER, 4), 0x6u);
  ASSERT_TRUE(gic.redistributor_write(GICR_WAKER, 4, 0));
  EXPECT_EQ(gic.redistributor_read(GICR_WAKER, 4), 0u);
  EXPECT_FALSE(gic.redistributor_read(2 * rd1, 4)) << "no third redistributor";
  // SPI routing (64-bit IROUTER).
  ASSERT_TRUE(gic.distributor_write(GICD_IROUTER + 8 * 40, 8, 0x1, 0));
  EXPECT_EQ(gic.distributor_read(GICD_IROUTER + 8 * 40, 8, 0), 0x1u);
}

TEST(VirtualGic, DeliveryIsTheThreeQueriesInOneLookUp) {
  // V2: a banked PPI and an SPI, in group 0 and group 1, enabled or not, with the distributor
  // enabling group 0 only; delivery() must agree with deliverable(), group1(), priority().
  VirtualGic gic(GicVersion::kV2, 2);
  constexpr std::uint64_t GICD_IGROUPR = 0x80;
  ASSERT_TRUE(gic.distributor_write(GICD_ISENABLER, 4, (1u << 27) | (1u << 26), 0));
  ASSERT_TRUE(gic.distributor_write(GICD_ISENABLER + 4, 4, 1u << 8, 0));  // SPI 40
  ASSERT_TRUE(gic.distributor_write(GICD_IGROUPR, 4, 1u << 26, 0));       // PPI 26: group 1
  ASSERT_TRUE(gic.distributor_write(GICD_IPRIORITYR + 27, 1, 0x40, 0));
  ASSERT_TRUE(gic.distributor_write(GICD_IPRIORITYR + 40, 1, 0x90, 0));
  ASSERT_TRUE(gic.distributor_write(GICD_CTLR, 4, 1, 0));  // EnableGrp0 only
  for (std::uint32_t vcpu : {0u, 1u, 5u}) {
    for (std::uint32_t intid : {0u, 26u, 27u, 31u, 40u, 41u, 95u, 96u, 1020u}) {
      const VirtualGic::Delivery d = gic.delivery(intid, vcpu);
      EXPECT_EQ(d.deliverable, gic.deliverable(intid, vcpu)) << intid << " on " << vcpu;
      EXPECT_EQ(d.group1, gic.group1(intid, vcpu)) << intid << " on " << vcpu;
      EXPECT_EQ(d.priority, gic.priority(intid, vcpu)) << intid << " on " << vcpu;
    }
  }
  // The expected answers, from the writes above.
  EXPECT_TRUE(gic.delivery(27, 0).deliverable);
  EXPECT_EQ(gic.delivery(27, 0).priority, 0x40);
  EXPECT_FALSE(gic.delivery(26, 0).deliverable) << "group 1 is not enabled";
  EXPECT_TRUE(gic.delivery(26, 0).group1);
  EXPECT_TRUE(gic.delivery(40, 1).deliverable) << "SPIs are shared";
  EXPECT_EQ(gic.delivery(40, 1).priority, 0x90);
  EXPECT_FALSE(gic.delivery(27, 1).deliverable) << "PPIs are banked";
  EXPECT_FALSE(gic.delivery(27, 5).deliverable) << "no vCPU 5";
}

TEST(VirtualGic, RefusesAccessesNoRegisterAllows) {
  VirtualGic gic(GicVersion::kV3, 1);
  EXPECT_FALSE(gic.distributor_read(GICD_CTLR + 1, 4, 0));
  EXPECT_FALSE(gic.distributor_read(GICD_ISENABLER, 2, 0));
  EXPECT_FALSE(gic.distributor_write(GICD_IROUTER + 8 * 40, 4, 0, 0));
  EXPECT_FALSE(gic.distributor_read(GICD_CTLR, 4, 5)) << "no such vCPU";
  VirtualGic v2(GicVersion::kV2, 1);
  EXPECT_FALSE(v2.redistributor_read(0, 4)) << "GICv2 has no redistributors";
}

}  // namespace
}  // namespace el2lab::vgic
