#include "core/portable/virtual_interrupts.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/portable/virtual_interrupts_test_util.h"

namespace el2lab::vgic {
namespace {

using namespace el2lab::vgic::test;  // NOLINT(google-build-using-namespace): the fixtures

TEST(VirtualInterrupts, DeliverWritesAPendingEntryWithTheGuestsPriorityAndGroup) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(5, Source::kVirtual));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(irqs.pending(), 0u);
  const gic::ListEntry e = lrs.lr[0];
  EXPECT_EQ(e.virtual_id, 5u);
  EXPECT_EQ(e.state, gic::LrState::kPending);
  EXPECT_EQ(e.priority, 0x80);
  EXPECT_TRUE(e.group1);
  EXPECT_FALSE(e.hw);
  EXPECT_FALSE(e.eoi_maintenance);
  ASSERT_EQ(lrs.injections.size(), 1u);
  EXPECT_EQ(lrs.injections[0], std::make_pair(5u, 0u));
}

TEST(VirtualInterrupts, ADisabledInterruptWaitsUntilTheGuestEnablesIt) {
  VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(30, Source::kForwardedHw));  // PPI 30: not enabled by the guest
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(irqs.pending(), 1u);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kInvalid);
  EXPECT_FALSE(irqs.waiting(lrs, gic, 0)) << "nothing the guest could take";
  ASSERT_TRUE(gic.redistributor_write(SGI_BASE + GICR_ISENABLER0, 4, 1u << 30));
  EXPECT_TRUE(irqs.waiting(lrs, gic, 0));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(irqs.pending(), 0u);
  EXPECT_EQ(lrs.lr[0].virtual_id, 30u);
}

TEST(VirtualInterrupts, FullListRegistersQueueTheRestInOrder) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  lrs.lr.resize(2);
  VirtualInterrupts irqs;
  for (std::uint32_t sgi : {1u, 2u, 3u}) ASSERT_TRUE(irqs.queue(sgi, Source::kVirtual));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.lr[0].virtual_id, 1u);
  EXPECT_EQ(lrs.lr[1].virtual_id, 2u);
  EXPECT_EQ(irqs.pending(), 1u) << "SGI 3 waits for a free list register";
  // The guest takes SGI 1 and finishes it: its list register is reaped and reused.
  lrs.guest_acks(0);
  irqs.reap(lrs);
  EXPECT_TRUE(lrs.eois.empty()) << "still active: not finished";
  lrs.guest_eois(0);
  irqs.reap(lrs);
  ASSERT_EQ(lrs.eois.size(), 1u);
  EXPECT_EQ(lrs.eois[0], std::make_pair(1u, 0u));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.lr[0].virtual_id, 3u);
  EXPECT_EQ(irqs.pending(), 0u);
}

TEST(VirtualInterrupts, APendingInterruptMergesButGicV2SendersAreKeptApart) {
  VirtualInterrupts irqs;
  EXPECT_TRUE(irqs.queue(7, Source::kVirtual, 1));
  EXPECT_TRUE(irqs.queue(7, Source::kVirtual, 1));
  EXPECT_EQ(irqs.pending(), 1u) << "pending is a state, not a count";
  EXPECT_TRUE(irqs.queue(7, Source::kVirtual, 2));
  EXPECT_EQ(irqs.pending(), 2u) << "GICv2: SGI 7 from CPU 2 is another interrupt";
}

TEST(VirtualInterrupts, TheQueueIsBounded) {
  VirtualInterrupts irqs;
  for (std::uint32_t i = 0; i < VirtualInterrupts::kMaxPending; ++i) {
    ASSERT_TRUE(irqs.queue(32 + i, Source::kVirtual));
  }
  EXPECT_FALSE(irqs.queue(200, Source::kVirtual)) << "full: the caller decides what to drop";
}

TEST(VirtualInterrupts, HardwareForwardingLinksThePhysicalInterrupt) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  EXPECT_TRUE(lrs.lr[0].hw);
  EXPECT_EQ(lrs.lr[0].physical_id, 27u);
  EXPECT_EQ(lrs.lr[0].priority, 0xa0);
  lrs.guest_eois(0);
  const unsigned writes = lrs.writes;
  irqs.reap(lrs);
  EXPECT_TRUE(lrs.deactivated.empty()) << "the guest's EOI deactivated it in the GIC";
  EXPECT_EQ(lrs.writes, writes) << "a finished entry is invalid already: no write on the exit";
  EXPECT_FALSE(irqs.in_list_registers());
  // The register is free again: the next interrupt goes into it.
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kPending);
}

TEST(VirtualInterrupts, NothingInFlightMeansNoListRegisterIsTouched) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  irqs.reap(lrs);
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.writes, 0u);
  EXPECT_FALSE(irqs.in_list_registers());
}

TEST(VirtualInterrupts, SoftwareForwardingAsksForTheEoiAndDeactivatesAtReap) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedSw));
  irqs.deliver(lrs, gic, 0);
  EXPECT_FALSE(lrs.lr[0].hw);
  EXPECT_TRUE(lrs.lr[0].eoi_maintenance);
  lrs.guest_acks(0);
  EXPECT_FALSE(irqs.waiting(lrs, gic, 0)) << "acknowledged: nothing left to take";
  lrs.guest_eois(0);
  irqs.reap(lrs);
  EXPECT_EQ(lrs.deactivated, std::vector<std::uint32_t>{27});
  EXPECT_EQ(lrs.lr[0].virtual_id, 0u) << "the whole entry is cleared, not just its state";
}

TEST(VirtualInterrupts, OneReapFreesEveryFinishedEntryAndOnlyThose) {
  VirtualGic gic = guest_gic();
  ASSERT_TRUE(gic.redistributor_write(SGI_BASE + GICR_ISENABLER0, 4, (1u << 5) | (1u << 26)));
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  ASSERT_TRUE(irqs.queue(5, Source::kVirtual));
  ASSERT_TRUE(irqs.queue(26, Source::kForwardedSw));
  irqs.deliver(lrs, gic, 0);  // one call fills three free registers, in the order queued
  ASSERT_EQ(lrs.injections,
            (std::vector<std::pair<std::uint32_t, unsigned>>{{27, 0}, {5, 1}, {26, 2}}));
  EXPECT_EQ(irqs.pending(), 0u);
  // The guest finishes the timer and INTID 26 between two exits; SGI 5 is still pending.
  lrs.guest_eois(0);
  lrs.guest_eois(2);
  const unsigned writes = lrs.writes;
  irqs.reap(lrs);
  EXPECT_EQ(lrs.eois, (std::vector<std::pair<std::uint32_t, unsigned>>{{27, 0}, {26, 2}}));
  EXPECT_EQ(lrs.deactivated, std::vector<std::uint32_t>{26}) << "only the software-forwarded one";
  EXPECT_EQ(lrs.writes, writes + 1)
      << "only the entry that asked for an EOI maintenance is rewritten";
  EXPECT_EQ(lrs.lr[1].state, gic::LrState::kPending) << "an unfinished entry is left alone";
  EXPECT_TRUE(irqs.in_list_registers());
  // The next interrupt goes into the lowest register freed.
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.injections.back(), (std::pair<std::uint32_t, unsigned>{27, 0}));
  lrs.guest_eois(0);
  lrs.guest_eois(1);
  irqs.reap(lrs);
  EXPECT_EQ(lrs.eois.size(), 4u);
  EXPECT_FALSE(irqs.in_list_registers());
}

// An interrupt never sits in two list registers at once (the GIC architecture leaves that
// UNPREDICTABLE); sent again, it merges with the one there, as a GIC's pending state does.
// These tests send SGI 5 (enabled by the guest) twice.
struct SgiTwice : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(gic.redistributor_write(SGI_BASE + GICR_ISENABLER0, 4, 1u << 5));
  }
  void send(std::uint8_t sender = 0) {
    ASSERT_TRUE(irqs.queue(5, Source::kVirtual, sender));
    irqs.deliver(lrs, gic, 0);
  }
  VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
};

TEST_F(SgiTwice, WhileTheFirstIsPendingItMergesWithIt) {
  send();
  send();  // before the guest took the first
  EXPECT_EQ(lrs.injections.size(), 1u);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kPending);
  EXPECT_EQ(lrs.lr[1].state, gic::LrState::kInvalid) << "no second list register for it";
  EXPECT_EQ(irqs.pending(), 0u) << "merged, not kept waiting";
}

TEST_F(SgiTwice, WhileTheFirstIsActiveTheEntryBecomesActiveAndPending) {
  send();
  lrs.guest_acks(0);  // in the guest's handler
  send();
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kPendingActive);
  EXPECT_EQ(lrs.lr[0].virtual_id, 5u);
  EXPECT_EQ(lrs.lr[1].state, gic::LrState::kInvalid);
  EXPECT_EQ(irqs.pending(), 0u);
  // The guest's EOI of the active one leaves it pending (the GIC does that): not finished yet.
  lrs.lr[0].state = gic::LrState::kPending;
  irqs.reap(lrs);
  EXPECT_TRUE(lrs.eois.empty());
  EXPECT_TRUE(irqs.in_list_registers());
}

TEST_F(SgiTwice, OnGicV2FromTwoSendersTheyAreTwoInterrupts) {
  send(1);
  send(2);
  EXPECT_EQ(lrs.injections.size(), 2u);
  EXPECT_EQ(lrs.lr[1].source_cpu, 2u);
}

TEST(VirtualInterrupts, AForwardedInterruptStillActiveKeepsTheNextOneWaiting) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  lrs.guest_acks(0);
  // A linked entry may not be made active and pending: the next one waits for the EOI.
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kActive);
  EXPECT_EQ(lrs.lr[1].state, gic::LrState::kInvalid);
  EXPECT_EQ(irqs.pending(), 1u);
  lrs.guest_eois(0);
  irqs.reap(lrs);
  irqs.deliver(lrs, gic, 0);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kPending);
  EXPECT_EQ(irqs.pending(), 0u);
}

TEST(VirtualInterrupts, ClearDeactivatesWhatWasForwardedAndDropsTheRest) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  lrs.lr.resize(1);
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));  // into the only list register
  ASSERT_TRUE(irqs.queue(5, Source::kVirtual));       // waits
  ASSERT_TRUE(irqs.queue(26, Source::kForwardedSw));  // waits (not enabled either)
  irqs.deliver(lrs, gic, 0);
  lrs.guest_acks(0);  // the vCPU is switched off in the middle of its timer handler
  irqs.clear(lrs);
  EXPECT_EQ(lrs.deactivated, (std::vector<std::uint32_t>{27, 26}));
  EXPECT_EQ(irqs.pending(), 0u);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kInvalid);
  EXPECT_FALSE(irqs.waiting(lrs, gic, 0));
}

}  // namespace
}  // namespace el2lab::vgic
