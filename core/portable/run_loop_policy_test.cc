// The run loop's decisions that need no hardware: answers to calls, the MMIO bus, and the log's
// words for each outcome.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "core/portable/calls.h"
#include "core/portable/exit_outcome.h"
#include "core/portable/guest_abi.h"
#include "core/portable/halt_policy.h"
#include "core/portable/mmio_bus.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

Hypercall call(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0) {
  Hypercall c;
  c.function = function;
  c.args[0] = a1;
  c.args[1] = a2;
  return c;
}

constexpr auto kSuccess = static_cast<std::int64_t>(psci::Status::kSuccess);
constexpr auto kNotSupported = static_cast<std::int64_t>(psci::Status::kNotSupported);

TEST(Calls, PsciVersionIsOnePointOneAndUpperBitsOfX0AreIgnored) {
  const CallAnswer a = answer_call(call(0x8400'0000), {});
  EXPECT_EQ(a.x0, 0x1'0001);
  EXPECT_EQ(a.outcome, Outcome::kPsciVersion);
  // SMCCC: w0 is the function ID; garbage above it does not change the call.
  EXPECT_EQ(answer_call(call(0xdead'beef'8400'0000), {}).x0, 0x1'0001);
}

TEST(Calls, PsciFunctionsAreMatchedWithTheirCallingConvention) {
  // PSCI_VERSION exists in the SMC32 form only: its SMC64 twin is no PSCI function (bare
  // QEMU answers NOT_SUPPORTED too), while AFFINITY_INFO has both.
  EXPECT_EQ(answer_call(call(0xc400'0000), {}).x0, kNotSupported);
  EXPECT_EQ(answer_call(call(0xc400'0006), {}).x0, kNotSupported);  // MIGRATE_INFO_TYPE64
  EXPECT_EQ(answer_call(call(0x8400'0006), {}).x0, 2);
  const std::array<std::uint64_t, 2> mpidrs{0x8000'0000, 0x8000'0001};
  VCpuPowerTable power(mpidrs);
  power.cpu_on(0x8000'0000, {0x4008'0000, 0});
  const CallContext context{&power, {}, false};
  EXPECT_EQ(answer_call(call(0x8400'0004, 0x8000'0000, 0), context).x0, 2);  // ON_PENDING
  EXPECT_EQ(answer_call(call(0xc400'0004, 0x8000'0000, 0), context).x0, 2);
  EXPECT_EQ(answer_call(call(0x8400'0004, 0x8000'0001, 0), context).x0, 1);  // OFF
  EXPECT_EQ(answer_call(call(0xc400'0004, 0x8000'0001, 0), context).x0, 1);
  // Just outside the range: not PSCI, and not one of el2lab's calls either.
  EXPECT_EQ(answer_call(call(0x8400'0020), {}).x0, kNotSupported);
  EXPECT_EQ(answer_call(call(0x8500'0000), {}).x0, kNotSupported);
}

TEST(Psci, RangeAndTableIndex) {
  EXPECT_TRUE(psci::in_range(0x8400'0000));
  EXPECT_TRUE(psci::in_range(0x8400'001f));
  EXPECT_TRUE(psci::in_range(0xc400'0003));
  EXPECT_FALSE(psci::in_range(0x8400'0020));
  EXPECT_FALSE(psci::in_range(0xc600'0000));
  EXPECT_FALSE(psci::in_range(0x0400'0000));
  // Each function and convention has its own index: SMC32 0-31, SMC64 32-63.
  EXPECT_EQ(psci::table_index(psci::Function::kVersion), 0u);
  EXPECT_EQ(psci::table_index(psci::Function::kCpuOn32), 3u);
  EXPECT_EQ(psci::table_index(psci::Function::kCpuOn64), 35u);
  EXPECT_EQ(psci::table_index(0xc400'001f), 63u);
}

TEST(Calls, PsciFeaturesAnswersForWhatIsImplementedAndForEl2labsOwnCalls) {
  EXPECT_EQ(answer_call(call(0x8400'000a, 0xc400'0003), {}).x0, kSuccess);       // CPU_ON
  EXPECT_EQ(answer_call(call(0x8400'000a, 0x8400'0008), {}).x0, kSuccess);       // SYSTEM_OFF
  EXPECT_EQ(answer_call(call(0x8400'000a, 0xc400'0001), {}).x0, kNotSupported);  // CPU_SUSPEND
  EXPECT_EQ(psci_feature(static_cast<std::uint32_t>(abi::Hypercall::kNop)), kSuccess);
  EXPECT_EQ(psci_feature(static_cast<std::uint32_t>(abi::Hypercall::kTestFaultAtEl2)),
            kNotSupported);
}

TEST(Calls, AffinityInfoReadsThePowerTable) {
  const std::array<std::uint64_t, 2> mpidrs{0x8000'0000, 0x8000'0001};
  VCpuPowerTable power(mpidrs);
  power.cpu_on(0x8000'0000, {0x4008'0000, 0});
  const CallContext context{&power, {}, false};
  // AFFINITY_INFO answers 1 (OFF) for the second vCPU, INVALID_PARAMETERS for a stranger.
  EXPECT_EQ(answer_call(call(0xc400'0004, 0x1, 0), context).x0, 1);
  EXPECT_EQ(answer_call(call(0xc400'0004, 0x7, 0), context).x0,
            static_cast<std::int64_t>(psci::Status::kInvalidParameters));
  // Without a power table (a lab that has none yet) it is refused rather than guessed.
  EXPECT_EQ(answer_call(call(0xc400'0004, 0x1, 0), {}).x0,
            static_cast<std::int64_t>(psci::Status::kInvalidParameters));
}

TEST(Calls, ExitCountLeavesOutTheQueryItself) {
  std::array<std::uint64_t, static_cast<std::size_t>(abi::ExitKind::kCount)> counts{};
  counts[static_cast<std::size_t>(abi::ExitKind::kHypercall)] = 5;
  counts[static_cast<std::size_t>(abi::ExitKind::kMmioRead)] = 7;
  const CallContext context{nullptr, counts, false};
  const auto exit_count = static_cast<std::uint64_t>(abi::Hypercall::kExitCount);
  EXPECT_EQ(answer_call(call(exit_count, 0), context).x0, 4);  // 5 hypercalls, this one of them
  EXPECT_EQ(answer_call(call(exit_count, 1), context).x0, 7);
  EXPECT_EQ(answer_call(call(exit_count, 99), context).x0, 0);  // no such kind: none taken
}

TEST(Calls, TheDeliberateEl2FaultNeedsTheBootArgument) {
  const auto fault = static_cast<std::uint64_t>(abi::Hypercall::kTestFaultAtEl2);
  EXPECT_EQ(answer_call(call(fault), {nullptr, {}, false}).outcome, Outcome::kTestFaultRefused);
  EXPECT_EQ(answer_call(call(fault), {nullptr, {}, true}).outcome, Outcome::kTestFaultTaken);
}

TEST(Calls, UnknownCallsAreNotSupported) {
  const CallAnswer a = answer_call(call(0xc600'0777), {});
  EXPECT_EQ(a.x0, kNotSupported);
  EXPECT_EQ(a.outcome, Outcome::kNotSupported);
  EXPECT_EQ(answer_call(call(0x8400'0015), {}).x0, kNotSupported);  // a PSCI ID el2lab lacks
}

// The calls a vCPU answers by itself (Aarch64VCpu::run()) are exactly those whose answer does
// not depend on what only the VM knows: the power states and the test-fault boot argument.
TEST(Calls, WhatAVCpuAnswersAloneIsAnsweredTheSameWithTheVmsState) {
  const std::array<std::uint64_t, 2> mpidrs{0x8000'0000, 0x8000'0001};
  VCpuPowerTable power(mpidrs);
  power.cpu_on(0x8000'0000, {0x4008'0000, 0});
  std::array<std::uint64_t, static_cast<std::size_t>(abi::ExitKind::kCount)> counts{};
  counts[static_cast<std::size_t>(abi::ExitKind::kHypercall)] = 20;
  counts[static_cast<std::size_t>(abi::ExitKind::kMmioWrite)] = 3;
  const CallContext alone{nullptr, counts, false};
  const CallContext with_vm{&power, counts, true};
  std::vector<std::uint64_t> functions;
  for (std::uint64_t n = 0; n < 32; ++n) {  // every PSCI ID, both conventions
    functions.push_back(0x8400'0000 + n);
    functions.push_back(0xc400'0000 + n);
  }
  for (const abi::Hypercall h :
       {abi::Hypercall::kExitCount, abi::Hypercall::kNop, abi::Hypercall::kTestFaultAtEl2}) {
    functions.push_back(static_cast<std::uint64_t>(h));
  }
  functions.insert(functions.end(), {0xc600'0777, 0x8600'0777, 0x8400'0020, 0, 0xffff'ffff});
  int answerable = 0;
  for (const std::uint64_t f : functions) {
    SCOPED_TRACE(testing::Message() << std::hex << "function 0x" << f);
    // Each argument a vCPU ID, a feature, an exit kind, as the call reads it.
    for (const std::uint64_t a1 : {0ull, 1ull, 4ull, 0xc400'0003ull}) {
      const CallAnswer a = answer_call(call(f, a1), alone);
      const CallAnswer b = answer_call(call(f, a1), with_vm);
      if (answerable_by_vcpu(f)) {
        EXPECT_EQ(a.x0, b.x0);
        EXPECT_EQ(a.outcome, b.outcome);
      }
    }
    answerable += answerable_by_vcpu(f) ? 1 : 0;
  }
  // And the ones it leaves to the VM do depend on it, or are exits of their own.
  EXPECT_NE(answer_call(call(0x8400'0004, 1), alone).x0,
            answer_call(call(0x8400'0004, 1), with_vm).x0);  // AFFINITY_INFO
  EXPECT_FALSE(answerable_by_vcpu(0x8400'0004));
  EXPECT_FALSE(answerable_by_vcpu(0xc400'0004));
  const auto fault = static_cast<std::uint64_t>(abi::Hypercall::kTestFaultAtEl2);
  EXPECT_NE(answer_call(call(fault), alone).outcome, answer_call(call(fault), with_vm).outcome);
  EXPECT_FALSE(answerable_by_vcpu(fault));
  for (const std::uint64_t power_request :
       {0x8400'0003ull, 0xc400'0003ull, 0x8400'0002ull, 0x8400'0008ull, 0x8400'0009ull}) {
    EXPECT_FALSE(answerable_by_vcpu(power_request)) << std::hex << power_request;
  }
  // SMCCC: only w0 names the function.
  EXPECT_TRUE(answerable_by_vcpu(0xdead'beef'8400'0000));
  EXPECT_FALSE(answerable_by_vcpu(0xdead'beef'8400'0004));
  // 64 PSCI IDs less the 7 above, kExitCount, kNop and the five strangers.
  EXPECT_EQ(answerable, 64 - 7 + 2 + 5);
}

TEST(MmioBus, FindsTheDeviceAndTheOffsetInItsWindow) {
  MmioBus bus;
  ASSERT_TRUE(bus.add(0x0900'0000, 0x1000, MmioDevice::kUart));
  ASSERT_TRUE(bus.add(0x0800'0000, 0x1'0000, MmioDevice::kDistributor));
  ASSERT_TRUE(bus.add(0x080a'0000, 0x4'0000, MmioDevice::kRedistributors));
  const MmioTarget t = bus.find(0x0900'0018);
  EXPECT_EQ(t.device, MmioDevice::kUart);
  EXPECT_EQ(t.offset, 0x18u);
  EXPECT_EQ(bus.find(0x080c'0014).device, MmioDevice::kRedistributors);
  EXPECT_EQ(bus.find(0x080c'0014).offset, 0x2'0014u);
  // Just past a window, just below one (find() makes one unsigned compare: below the base the
  // difference wraps past any size), and far away: nothing.
  EXPECT_EQ(bus.find(0x0900'1000).device, MmioDevice::kNone);
  EXPECT_EQ(bus.find(0x0900'0000 - 1).device, MmioDevice::kNone);
  EXPECT_EQ(bus.find(0x080a'0000 - 8).device, MmioDevice::kNone);
  EXPECT_EQ(bus.find(0x080e'0000).device, MmioDevice::kNone);
  EXPECT_EQ(bus.find(0).device, MmioDevice::kNone);
  EXPECT_EQ(bus.find(~0ull).device, MmioDevice::kNone);
}

TEST(MmioBus, FindsEveryWindowOfAFullTableAndNothingInTheUnusedSlots) {
  MmioBus bus;
  for (std::uint64_t i = 0; i < MmioBus::kMaxRegions; ++i) {
    ASSERT_TRUE(bus.add(0x1000'0000 + i * 0x1'0000, 0x100, MmioDevice::kTestDevice)) << i;
  }
  for (std::uint64_t i = 0; i < MmioBus::kMaxRegions; ++i) {
    const MmioTarget t = bus.find(0x1000'0000 + i * 0x1'0000 + 0xfc);
    EXPECT_EQ(t.device, MmioDevice::kTestDevice) << i;
    EXPECT_EQ(t.offset, 0xfcu) << i;
  }
  EXPECT_FALSE(bus.add(0x2000'0000, 0x100, MmioDevice::kUart)) << "the table is full";
  // An empty bus: every slot unused (size 0), so not even address 0, a slot's base, matches.
  EXPECT_EQ(MmioBus{}.find(0).device, MmioDevice::kNone);
}

TEST(MmioBus, RefusesOverlapsEmptyWindowsWrapAroundAndOverflow) {
  MmioBus bus;
  ASSERT_TRUE(bus.add(0x1000, 0x1000, MmioDevice::kUart));
  EXPECT_FALSE(bus.add(0x1800, 0x1000, MmioDevice::kTestDevice));  // overlaps
  EXPECT_FALSE(bus.add(0x0800, 0x1000, MmioDevice::kTestDevice));  // overlaps from below
  EXPECT_FALSE(bus.add(0x5000, 0, MmioDevice::kTestDevice));
  EXPECT_FALSE(bus.add(~0ull - 0xfff, 0x2000, MmioDevice::kTestDevice));
  EXPECT_TRUE(bus.add(0x2000, 0x1000, MmioDevice::kTestDevice));  // adjacent is fine
  for (std::uint64_t i = 2; i < MmioBus::kMaxRegions; ++i) {
    EXPECT_TRUE(bus.add(0x10'0000 * i, 0x1000, MmioDevice::kTestDevice));
  }
  EXPECT_FALSE(bus.add(0x7000'0000, 0x1000, MmioDevice::kTestDevice));  // full
  EXPECT_EQ(bus.end() - bus.begin(), static_cast<std::ptrdiff_t>(MmioBus::kMaxRegions));
}

std::string text(const ExitOutcome& o) {
  return std::string(describe_outcome(o).view());
}

TEST(ExitOutcome, TheLogsWordsComeFromTheOutcomeAndItsNumbers) {
  EXPECT_EQ(text({Outcome::kPsciVersion}), "PSCI 1.1");
  EXPECT_EQ(text({Outcome::kCpuOnStarted, 3}), "vCPU 3 switched on (its CPU is kicked)");
  EXPECT_EQ(text({Outcome::kSgiSent, 6, 0b1010}), "SGI 6 to vCPU 1 vCPU 3");
  EXPECT_EQ(text({Outcome::kSgiNobody, 2}), "SGI 2 to nobody (no target is on)");
  EXPECT_EQ(text({Outcome::kNoDevice}), "no device there: external abort injected");
  EXPECT_EQ(text({Outcome::kAccessRefused}),
            "the device refuses this access: external abort injected");
  EXPECT_EQ(text({static_cast<Outcome>(200)}), "");  // out of range: nothing, not a crash
}

TEST(ExitOutcome, ErrorsAndTheEndOfARunAreAlwaysLogged) {
  EXPECT_TRUE(always_logged(Outcome::kNoDevice));
  EXPECT_TRUE(always_logged(Outcome::kAccessRefused));
  EXPECT_TRUE(always_logged(Outcome::kSysRegNotModelled));
  EXPECT_TRUE(always_logged(Outcome::kPoweredOff));
  EXPECT_TRUE(always_logged(Outcome::kLastVcpuOff));
  EXPECT_FALSE(always_logged(Outcome::kCpuOffWaits));
  EXPECT_FALSE(always_logged(Outcome::kEmulated));
  EXPECT_FALSE(always_logged(Outcome::kTimerForwarded));
}

TEST(ExitKindNames, OneTableNamesEveryKindInAbiOrder) {
  EXPECT_EQ(exit_kind_name(static_cast<std::size_t>(abi::ExitKind::kHypercall)), "Hypercall");
  EXPECT_EQ(exit_kind_name(static_cast<std::size_t>(abi::ExitKind::kSendIpi)), "SendIPI");
  EXPECT_EQ(exit_kind_name(static_cast<std::size_t>(abi::ExitKind::kUnhandled)), "Unhandled");
  EXPECT_EQ(exit_kind_name(static_cast<std::size_t>(abi::ExitKind::kCount)), "?");
  EXPECT_EQ(exit_name(VmExit{Halt{}}), "Halt");
}

TEST(HaltPolicy, WfeCompletesAWaitingInterruptResumesAndAHopelessWfiCompletes) {
  EXPECT_EQ(halt_action({true, false, true, true}), HaltAction::kCompleteWfe);
  EXPECT_EQ(halt_action({false, true, false, false}), HaltAction::kResume);
  EXPECT_EQ(halt_action({false, false, false, false}), HaltAction::kCompleteAtOnce);
  EXPECT_EQ(halt_action({false, false, true, false}), HaltAction::kSleep);
  EXPECT_EQ(halt_action({false, false, false, true}), HaltAction::kSleep);
}

TEST(HaltPolicy, TheTimerCanFireOnlyWhenEnabledUnmaskedAndDeliverable) {
  EXPECT_TRUE(virtual_timer_can_fire(0b001, true));
  EXPECT_TRUE(virtual_timer_can_fire(0b101, true));    // ISTATUS set: still fires
  EXPECT_FALSE(virtual_timer_can_fire(0b011, true));   // masked
  EXPECT_FALSE(virtual_timer_can_fire(0b000, true));   // off
  EXPECT_FALSE(virtual_timer_can_fire(0b001, false));  // the guest's GIC keeps it out
}

TEST(SgiFanOut, OnlyVCpusThatAreNotOffReceive) {
  const std::array<std::uint64_t, 4> mpidrs{0x8000'0000, 0x8000'0001, 0x8000'0002, 0x8000'0003};
  VCpuPowerTable power(mpidrs);
  power.cpu_on(0x8000'0000, {0x4008'0000, 0});
  power.cpu_on(0x8000'0002, {0x4008'0000, 0});  // ON_PENDING counts: it will run
  EXPECT_EQ(sgi_recipients(0b1111, power), 0b0101u);
  EXPECT_EQ(sgi_recipients(0b1010, power), 0u);
  EXPECT_EQ(sgi_recipients(1u << 31, power), 0u);  // beyond the VM: nobody
  EXPECT_TRUE(another_vcpu_on(0, power));
  power.cpu_off(2);
  EXPECT_FALSE(another_vcpu_on(0, power));
}

}  // namespace
}  // namespace el2lab
