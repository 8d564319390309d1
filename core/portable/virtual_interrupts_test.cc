#include "core/portable/virtual_interrupts.h"

#include <gtest/gtest.h>

#include <vector>

namespace el2lab::vgic {
namespace {

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
VirtualGic guest_gic() {
  VirtualGic gic(GicVersion::kV3, 2);
  EXPECT_TRUE(gic.distributor_write(GICD_CTLR, 4, 0x3, 0));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IGROUPR0, 4, 0xffff'ffff));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_ISENABLER0, 4, 1u << 27));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IPRIORITYR + 27, 1, 0xa0));
  EXPECT_TRUE(gic.redistributor_write(SGI_BASE + GICR_IPRIORITYR + 5, 1, 0x80));
  return gic;
}

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

// send() is queue() and deliver() in one step: after `send(); deliver();` the list registers,
// the queue and the trace notifications are what `queue(); deliver();` leaves — the run loop
// calls deliver() right after (Vm<H>::deliver_locked()). Each scenario sets up the same state
// twice and compares.
struct SendScenario {
  const char* name;
  std::uint32_t intid;
  Source source;
  unsigned list_registers;
  void (*setup)(VirtualInterrupts&, FakeListRegisters&, const VirtualGic&);
};

void nothing(VirtualInterrupts&, FakeListRegisters&, const VirtualGic&) {}
void disabled_one_waits(VirtualInterrupts& irqs, FakeListRegisters& lrs, const VirtualGic& gic) {
  ASSERT_TRUE(irqs.queue(30, Source::kForwardedHw));  // not enabled: stays queued
  irqs.deliver(lrs, gic, 0);
}
void sgi_queued(VirtualInterrupts& irqs, FakeListRegisters&, const VirtualGic&) {
  ASSERT_TRUE(irqs.queue(5, Source::kVirtual));  // sent by another vCPU, not delivered yet
}
void sgi_in_lr0(VirtualInterrupts& irqs, FakeListRegisters& lrs, const VirtualGic& gic) {
  ASSERT_TRUE(irqs.queue(5, Source::kVirtual));
  irqs.deliver(lrs, gic, 0);
}
void timer_active_in_lr0(VirtualInterrupts& irqs, FakeListRegisters& lrs, const VirtualGic& gic) {
  ASSERT_TRUE(irqs.queue(27, Source::kForwardedHw));
  irqs.deliver(lrs, gic, 0);
  lrs.guest_acks(0);
}

// A vCPU's interrupts and its list registers, as the scenario sets them up.
struct Prepared {
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
};

Prepared prepare(const SendScenario& sc, const VirtualGic& gic) {
  Prepared p;
  p.lrs.lr.resize(sc.list_registers);
  sc.setup(p.irqs, p.lrs, gic);
  return p;
}

// Two vCPUs set up alike by the scenario, to do one thing to the first and another to the
// second and compare.
class Send : public ::testing::TestWithParam<SendScenario> {
 protected:
  const SendScenario& sc = GetParam();
  const VirtualGic gic = guest_gic();
  Prepared first = prepare(sc, gic);
  Prepared second = prepare(sc, gic);
};

TEST_P(Send, IsQueueThenDeliver) {
  FakeListRegisters &sent_lrs = first.lrs, &queued_lrs = second.lrs;
  VirtualInterrupts &sent = first.irqs, &queued = second.irqs;

  ASSERT_TRUE(sent.send(sent_lrs, gic, 0, sc.intid, sc.source));
  sent.deliver(sent_lrs, gic, 0);
  ASSERT_TRUE(queued.queue(sc.intid, sc.source));
  queued.deliver(queued_lrs, gic, 0);

  EXPECT_EQ(sent.pending(), queued.pending());
  EXPECT_EQ(sent.in_list_registers(), queued.in_list_registers());
  EXPECT_EQ(sent_lrs.injections, queued_lrs.injections);
  ASSERT_EQ(sent_lrs.lr.size(), queued_lrs.lr.size());
  for (std::size_t n = 0; n < sent_lrs.lr.size(); ++n) {
    const gic::ListEntry &a = sent_lrs.lr[n], &b = queued_lrs.lr[n];
    EXPECT_EQ(a.state, b.state) << "list register " << n;
    EXPECT_EQ(a.virtual_id, b.virtual_id) << "list register " << n;
    EXPECT_EQ(a.physical_id, b.physical_id) << "list register " << n;
    EXPECT_EQ(a.hw, b.hw) << "list register " << n;
    EXPECT_EQ(a.priority, b.priority) << "list register " << n;
    EXPECT_EQ(a.group1, b.group1) << "list register " << n;
    EXPECT_EQ(a.eoi_maintenance, b.eoi_maintenance) << "list register " << n;
  }
}

// The vCPU's own timer forwarding asks direct_delivery() first and then either send_direct()s
// or leaves the tick to the run loop's send(): the question must change nothing, and its answer
// must be whether send() would place the interrupt at once rather than queue it.
TEST_P(Send, DirectDeliveryChangesNothingAndTellsWhetherSendPlacesAtOnce) {
  FakeListRegisters &lrs = first.lrs, &sent_lrs = second.lrs;
  VirtualInterrupts &irqs = first.irqs, &sent = second.irqs;
  const std::size_t pending = irqs.pending();
  const bool held = irqs.in_list_registers();
  const auto writes = lrs.writes;
  const auto injections = lrs.injections;

  const VirtualGic::Delivery how = irqs.direct_delivery(lrs, gic, 0, sc.intid);
  EXPECT_EQ(irqs.pending(), pending);
  EXPECT_EQ(irqs.in_list_registers(), held);
  EXPECT_EQ(lrs.writes, writes);
  EXPECT_EQ(lrs.injections, injections);

  ASSERT_TRUE(sent.send(sent_lrs, gic, 0, sc.intid, sc.source));
  EXPECT_EQ(how.deliverable, sent.pending() == pending) << "placed at once, not queued";
  if (how.deliverable) {  // and send_direct() does what send() did
    irqs.send_direct(lrs, sc.intid, sc.source, how);
    EXPECT_EQ(lrs.injections, sent_lrs.injections);
    EXPECT_EQ(lrs.lr[0].virtual_id, sent_lrs.lr[0].virtual_id);
    EXPECT_EQ(lrs.lr[0].hw, sent_lrs.lr[0].hw);
    EXPECT_EQ(lrs.lr[0].priority, sent_lrs.lr[0].priority);
  }
}

INSTANTIATE_TEST_SUITE_P(
    VirtualInterrupts, Send,
    ::testing::Values(
        SendScenario{"Alone", 27, Source::kForwardedHw, 4, nothing},
        SendScenario{"SoftwareForwarded", 27, Source::kForwardedSw, 4, nothing},
        SendScenario{"NotEnabled", 30, Source::kForwardedHw, 4, nothing},
        SendScenario{"BehindAWaitingOne", 27, Source::kForwardedHw, 4, disabled_one_waits},
        SendScenario{"BehindAQueuedSgi", 27, Source::kForwardedHw, 4, sgi_queued},
        SendScenario{"BesideAnSgi", 27, Source::kForwardedHw, 4, sgi_in_lr0},
        SendScenario{"WhileTheLastTickIsActive", 27, Source::kForwardedHw, 4, timer_active_in_lr0},
        SendScenario{"NoListRegisters", 27, Source::kForwardedHw, 0, nothing}),
    [](const ::testing::TestParamInfo<SendScenario>& info) { return info.param.name; });

TEST(VirtualInterrupts, SendAloneWritesTheFirstListRegisterAtOnce) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.send(lrs, gic, 0, 27, Source::kForwardedHw));
  EXPECT_EQ(irqs.pending(), 0u) << "not queued: placed";
  EXPECT_EQ(lrs.writes, 1u);
  EXPECT_EQ(lrs.lr[0].virtual_id, 27u);
  EXPECT_EQ(lrs.lr[0].state, gic::LrState::kPending);
  EXPECT_TRUE(lrs.lr[0].hw);
  EXPECT_EQ(lrs.injections, (std::vector<std::pair<std::uint32_t, unsigned>>{{27, 0}}));
  EXPECT_TRUE(irqs.in_list_registers());
}

TEST(VirtualInterrupts, SendQueuesWhatCannotGoStraightIn) {
  const VirtualGic gic = guest_gic();
  FakeListRegisters lrs;
  VirtualInterrupts irqs;
  ASSERT_TRUE(irqs.send(lrs, gic, 0, 30, Source::kForwardedHw));  // not enabled
  EXPECT_EQ(irqs.pending(), 1u);
  EXPECT_EQ(lrs.writes, 0u);
  for (std::size_t i = 1; i < VirtualInterrupts::kMaxPending; ++i) {
    ASSERT_TRUE(irqs.queue(100 + static_cast<std::uint32_t>(i), Source::kVirtual));
  }
  EXPECT_FALSE(irqs.send(lrs, gic, 0, 27, Source::kForwardedHw)) << "the queue is full";
}

}  // namespace
}  // namespace el2lab::vgic
