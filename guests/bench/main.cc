// bench — the exits `make bench` measures, each repeated often enough to reach a steady state.
//
// For every kind of exit the guest first warms up (more round trips than the hypervisor logs
// of one kind, 12, so that no log line is printed in the measured part), then makes the
// measured round trips between bench_measure_begin() and bench_measure_end(). The trapping
// instructions sit at global labels in kinds.S, which is where tools/bench finds them in the
// instruction trace; this file only orchestrates and checks that every round trip did what it
// should (a PSCI version came back, every tick and every SGI arrived), so that a broken run is
// a FAIL, not a table of wrong numbers.
//
// Kinds, in order: HVC PSCI_VERSION, PL011 data write, ID register read (TID3), CONTEXTIDR_EL1
// write (TVM), virtual timer IRQ while the guest spins, virtual timer IRQ while it waits in
// WFI, and an SGI from vCPU 0 to vCPU 1 (the sender's ICC_SGI1R_EL1 write, and vCPU 1 woken
// from WFI). GICv3 only (the SGI is sent through ICC_SGI1R_EL1), 2 or more CPUs.
//
// It runs on bare QEMU as well (tools/el2lab_run.py --hypervisor none), which gives the floor.
#include <cstdint>

#include "guests/runtime/gic.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "bench";

// kinds.S
extern "C" {
void bench_measure_begin();
void bench_measure_end();
std::uint64_t bench_psci_version();
void bench_uart_write(std::uint64_t data_register, std::uint32_t byte);
std::uint64_t bench_sysreg_read();
std::uint64_t bench_sysreg_write();
void bench_irq_running(volatile std::uint32_t* ticks, std::uint64_t tval);
void bench_irq_wfi(volatile std::uint32_t* ticks, std::uint64_t tval);
void bench_sgi_send(std::uint64_t icc_sgi1r);
void bench_sgi_wait(volatile std::uint32_t* count);
}

namespace {

#ifdef EL2LAB_BENCH_QUICK
// The quick variant (bench_quick) for the tests: the same code, few round trips.
constexpr unsigned kWarmup = 2;
constexpr unsigned kMeasured = 6;
#else
// More than the hypervisor's per-kind log limit (12), so that log printing is over.
constexpr unsigned kWarmup = 16;
constexpr unsigned kMeasured = 128;
#endif
constexpr unsigned kRoundTrips = kWarmup + kMeasured;

constexpr std::uint64_t kUartData = 0x0900'0000;  // PL011 UARTDR
constexpr std::uint32_t kTimerPpi = 27;
constexpr std::uint32_t kPing = 6;  // vCPU 0 -> vCPU 1
constexpr std::uint32_t kPong = 7;  // vCPU 1 -> vCPU 0
// How long vCPU 0 waits for vCPU 1. Generous: without -icount the counter follows the host's
// clock, and a loaded host can stall QEMU for seconds (under -icount waiting is free).
constexpr std::uint64_t kWaitMs = 10'000;

volatile std::uint32_t ticks = 0;       // virtual timer interrupts taken (vCPU 0)
volatile std::uint32_t pings = 0;       // kPing taken by vCPU 1
volatile std::uint32_t pongs = 0;       // kPong taken by vCPU 0
volatile std::uint32_t unexpected = 0;  // any other interrupt
volatile bool secondary_ready = false;
volatile bool secondary_done = false;
// Affinities of vCPU 0 and vCPU 1: on QEMU virt (and so under el2lab) CPU n is affinity
// 0.0.0.n. Taken from there rather than from the device tree, whose parse (QEMU's own tree is
// large) would be most of what the trace of a bare-QEMU run holds.
constexpr std::uint64_t kVcpu1Affinity = 1;
std::uint64_t vcpu0_affinity = 0;

std::uint64_t sgi1r_for(std::uint32_t intid, std::uint64_t mpidr) {
  // ICC_SGI1R_EL1: TargetList [15:0], Aff1 [23:16], INTID [27:24], Aff2 [39:32], RS [47:44],
  // Aff3 [55:48].
  const std::uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff;
  const std::uint64_t aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;
  return (std::uint64_t{1} << (aff0 & 0xf)) | (aff1 << 16) | (std::uint64_t{intid} << 24) |
         (aff2 << 32) | ((aff0 >> 4) << 44) | (aff3 << 48);
}

void on_irq() {
  const std::uint32_t iar = gic::acknowledge();
  const std::uint32_t intid = gic::interrupt_id(iar);
  if (intid == gic::kSpurious) return;
  if (intid == kTimerPpi) {
    stop_alarm();  // the timer is level-triggered: silence it before the EOI
    ticks = ticks + 1;
  } else if (intid == kPing && cpu_index() == 1) {
    pings = pings + 1;
    asm volatile("dsb sy" ::: "memory");
    gic::send_sgi(kPong, vcpu0_affinity);
  } else if (intid == kPong && cpu_index() == 0) {
    pongs = pongs + 1;
  } else {
    unexpected = unexpected + 1;
  }
  gic::end_of_interrupt(iar);
}

/// Runs \p round_trip kRoundTrips times, the last kMeasured of them between the markers.
template <typename RoundTrip>
void measure(RoundTrip&& round_trip) {
  for (unsigned i = 0; i < kRoundTrips; ++i) {
    if (i == kWarmup) bench_measure_begin();
    round_trip();
  }
  bench_measure_end();
}

/// Sleeps in WFI (IRQs masked around the check) for \p counts of the virtual counter: the
/// virtual timer wakes it. Not a measured WFI.
void sleep_counts(std::uint64_t counts) {
  const std::uint32_t before = ticks;
  asm volatile("msr daifset, #2" ::: "memory");
  asm volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(counts),
               "r"(std::uint64_t{1})
               : "memory");
  while (ticks == before) {
    asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
  }
}

// vCPU 1: enables its SGI, says so, then is woken kRoundTrips times by vCPU 0's ping.
void secondary(unsigned) {
  if (!gic::init_cpu()) {
    unexpected = unexpected + 1000;  // reported by vCPU 0 as unexpected interrupts
    secondary_done = true;
    return;
  }
  gic::enable_ppi(kPing, 0x80);
  asm volatile("dsb sy" ::: "memory");
  secondary_ready = true;
  unsigned round = 0;
  measure([&round] {
    ++round;
    // Wait for ping number `round`, unless it has come already: without -icount a stalled host
    // can let the next ping land in the same IRQ window as the last one (under -icount, vCPU 0's
    // sleep before each ping rules that out, and every round waits).
    if (pings < round) bench_sgi_wait(&pings);
  });
  secondary_done = true;
}

void sgi_kind(std::uint64_t frequency) {
  gic::enable_ppi(kPong, 0x80);
  const std::int64_t on = start_cpu(kVcpu1Affinity, 1, secondary);
  if (!check(on == 0, "CPU_ON of vCPU 1 (affinity 0.0.0.1; boot with 2 CPUs) answered ", on)) {
    return;
  }
  // kAlarm: the waits below must end even if vCPU 1 never answers (then the run FAILs).
  if (!expect(wait_until([] { return secondary_ready; }, kWaitMs, Wake::kAlarm),
              "vCPU 1 set up its GIC")) {
    return;
  }
  const std::uint64_t ping = sgi1r_for(kPing, kVcpu1Affinity);
  unsigned answered = 0;
  measure([&] {
    // Give vCPU 1 time to reach its WFI (and the hypervisor's sleep), so each SGI finds it
    // asleep: idle time costs no instructions under -icount sleep=off.
    sleep_counts(frequency / 5000);  // 200 us
    const std::uint32_t before = pongs;
    bench_sgi_send(ping);
    if (wait_until([&] { return pongs != before; }, kWaitMs, Wake::kAlarm)) ++answered;
  });
  expect_eq(answered, kRoundTrips, "SGI round trips answered by vCPU 1");
  expect(wait_until([] { return secondary_done; }, kWaitMs, Wake::kAlarm), "vCPU 1 finished");
  expect_eq(pings, kRoundTrips, "SGIs taken by vCPU 1");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  if (!expect(gic::init(device_tree), "a GIC in the device tree")) return report();
  if (!expect(gic::version() == GicVersion::kV3, "GICv3 (the SGI kind uses ICC_SGI1R_EL1)")) {
    return report();
  }
  vcpu0_affinity = mpidr_affinity();
  set_irq_handler(on_irq);
  gic::enable_ppi(kTimerPpi, 0xa0);
  const std::uint64_t frequency = counter_frequency();
  println("bench: ", kWarmup, " warm-up and ", kMeasured, " measured round trips of each kind");

  std::uint64_t version = 0;
  measure([&] { version = bench_psci_version(); });
  check((version >> 16) >= 1 && (version >> 31) == 0, "PSCI_VERSION answered 1.x, got ",
        fmt::Hex{version});

  measure([] { bench_uart_write(kUartData, '.'); });
  bench_uart_write(kUartData, '\n');

  std::uint64_t mmfr0 = 0;
  measure([&] { mmfr0 = bench_sysreg_read(); });
  expect(mmfr0 != 0, "ID_AA64MMFR0_EL1 reads non-zero");
  measure([] { bench_sysreg_write(); });

  // Ticks: 4 counts (~64 instructions) ahead while spinning, so the IRQ lands in the loop;
  // 100 us ahead in WFI, so the vCPU is asleep (the hypervisor too) before it fires.
  std::uint32_t before = ticks;
  measure([] { bench_irq_running(&ticks, 4); });
  expect_eq(ticks - before, kRoundTrips, "timer IRQs taken while running");
  before = ticks;
  measure([&] { bench_irq_wfi(&ticks, frequency / 10000); });
  expect_eq(ticks - before, kRoundTrips, "timer IRQs taken in WFI");

  sgi_kind(frequency);
  expect_eq(unexpected, 0, "unexpected interrupts");
  if (all_passed()) println("bench: all round trips done");
  report();
}
