// VirtualInterrupts::send() and its two halves, direct_delivery() and send_direct(): the
// fast way a forwarded timer tick reaches a list register must end exactly where queue() and
// deliver() would.
#include <gtest/gtest.h>

#include <vector>

#include "core/portable/virtual_interrupts.h"
#include "core/portable/virtual_interrupts_test_util.h"

namespace el2lab::vgic {
namespace {

using namespace el2lab::vgic::test;  // NOLINT(google-build-using-namespace): the fixtures

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
