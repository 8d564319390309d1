// smp — a VM with several vCPUs: bring them up with PSCI, let each run on its own, take them down.
//
// The boot CPU reads the CPUs from the device tree and starts every other one with CPU_ON (the
// context id is its logical index). Each starts at EL1 in head.S's secondary entry, checks that
// its MPIDR_EL1 is the affinity the device tree gave for it, reports in, brings up its own GIC
// redistributor or banked CPU interface and takes ten ticks of its own virtual timer (PPI 27:
// per CPU, like every PPI) before it returns, which switches it off with CPU_OFF. The boot CPU
// then checks PSCI's view of all that: AFFINITY_INFO says OFF for each, CPU_ON answers
// ALREADY_ON for a CPU that runs and INVALID_PARAMETERS for one that does not exist, and a CPU
// that went OFF can be started again.
//
// The equivalence rule: the guest behaves the same on bare QEMU (whose PSCI firmware answers)
// as under el2lab (whose vCPUs are threads of its own scheduling). Under el2lab it also checks
// that every CPU_ON reached the hypervisor as a CpuUp exit.
#include <atomic>

#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "core/portable/psci.h"
#include "guests/runtime/gic.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "smp";

namespace {

constexpr std::uint32_t kTimerPpi = 27;
constexpr unsigned kTicks = 10;
constexpr std::int64_t kOn = 0, kOff = 1;           // AFFINITY_INFO's answers
constexpr std::uint64_t kFinishTimeoutMs = 10'000;  // every secondary's whole run
constexpr std::uint64_t kOffTimeoutMs = 10'000;     // from its last instruction to OFF
// (generous, as every bound here: a loaded host can stall QEMU for seconds of counter time)
constexpr unsigned kRestarted = 1;  // the CPU started a second time

// Filled in by the boot CPU before it starts anyone, read-only afterwards.
MachineInfo machine;
std::uint64_t period = 0;  // of the secondaries' timer ticks: 1 ms

/// What each secondary records about its run, by logical index. Only that CPU writes it while
/// it runs; the boot CPU reads it after the CPU has said it finished (`finishes`, release).
struct Run {
  volatile unsigned ticks;
  volatile unsigned unexpected;
  std::uint64_t tick_time[kTicks + 1];
};
Run runs[kMaxCpus];

std::atomic<unsigned> reported_mask{0};  // bit n: vCPU n reported in, at least once
std::atomic<unsigned> reports{0};        // how many times a secondary reported in
std::atomic<unsigned> finished_mask{0};  // bit n: vCPU n's last run is over
std::atomic<unsigned> finishes{0};
std::atomic<unsigned> stray_runs{0};  // CPUs started by a CPU_ON that had to fail

/// The number of bits set in \p mask. Not the compiler's popcount builtin: libgcc's version
/// uses SIMD registers, which these guests never enable (CPACR_EL1.FPEN).
unsigned bits_set(unsigned mask) {
  unsigned n = 0;
  for (; mask != 0; mask &= mask - 1) ++n;
  return n;
}

/// Checks a PSCI answer; a failure names both numbers in decimal, as PSCI's codes are spelt
/// (-2 INVALID_PARAMETERS, -4 ALREADY_ON).
template <typename... What>
bool check_psci(std::int64_t got, std::int64_t want, const What&... what) {
  return check(got == want, what..., ": got ", got, ", expected ", want);
}

void arm_tick() {
  asm volatile("msr cntv_tval_el0, %0" ::"r"(period));
  asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(std::uint64_t{1}));  // ENABLE, not masked
}

// One handler for every CPU: the boot CPU's timer is its wake-up alarm, each secondary's
// timer is the ticks it counts.
void on_irq() {
  const unsigned me = cpu_index();
  const std::uint32_t iar = gic::acknowledge();
  const std::uint32_t intid = gic::interrupt_id(iar);
  if (intid == gic::kSpurious) return;
  Run& run = runs[me];
  if (intid == kTimerPpi && me == 0) {
    stop_alarm();
  } else if (intid == kTimerPpi) {
    const unsigned n = run.ticks;
    if (n < kTicks) run.tick_time[n + 1] = counter();
    run.ticks = n + 1;
    if (n + 1 < kTicks) {
      arm_tick();  // also drops the timer's interrupt line
    } else {
      asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(std::uint64_t{0}));
    }
  } else {
    run.unexpected = run.unexpected + 1;
  }
  gic::end_of_interrupt(iar);
}

// What each started CPU runs (from head.S's secondary entry, IRQs masked); returning switches
// it off.
void secondary(unsigned me) {
  Run& run = runs[me];
  const std::uint64_t mpidr = mpidr_affinity();
  check_eq(mpidr, machine.cpu_mpidr[me], "vCPU ", me,
           ": MPIDR_EL1 affinity against its cpu node's reg in the device tree");
  check_eq(current_el(), 1, "vCPU ", me, ": exception level");
  println("smp: vCPU ", me, " (MPIDR ", fmt::Hex{mpidr}, ") reporting in");
  reported_mask.fetch_or(1u << me);
  reports.fetch_add(1);

  if (check(gic::init_cpu(), "vCPU ", me, ": no GIC redistributor matches its affinity")) {
    gic::enable_ppi(kTimerPpi, 0xa0);
    run.tick_time[0] = counter();
    arm_tick();
    // The ticks themselves wake the CPU; if they stop coming, the boot CPU's bounded wait for
    // this one is what ends the run, naming it.
    wait_until([&] { return run.ticks >= kTicks; }, kFinishTimeoutMs, Wake::kInterruptsOnly);
    asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(std::uint64_t{0}));
    check_eq(run.ticks, kTicks, "vCPU ", me, ": virtual timer ticks taken");
    check_eq(run.unexpected, 0, "vCPU ", me, ": interrupts other than its timer");
    std::uint64_t shortest = ~0ull;
    for (unsigned i = 1; i <= kTicks && i <= run.ticks; ++i) {
      const std::uint64_t gap = run.tick_time[i] - run.tick_time[i - 1];
      if (gap < shortest) shortest = gap;
    }
    // The timer condition is CNTVCT >= CVAL: a tick can be late, never early.
    check(shortest >= period, "vCPU ", me, ": a timer tick came ", shortest, " counts after the ",
          "one before it, less than its period of ", period);
  }
  finished_mask.fetch_or(1u << me, std::memory_order_release);
  finishes.fetch_add(1, std::memory_order_release);
}

// Where the CPU_ON calls that must fail would start a CPU.
void stray(unsigned) {
  stray_runs.fetch_add(1);
}

std::int64_t cpu_on(std::uint64_t mpidr, unsigned index, void (*fn)(unsigned), unsigned& calls) {
  ++calls;
  return start_cpu(mpidr, index, fn);
}

/// Waits (bounded) until \p total secondary runs have finished; on a timeout, names the CPUs
/// among \p cpus (a bit mask) that did not.
bool wait_for_finishes(unsigned total, unsigned cpus) {
  if (wait_until([&] { return finishes.load(std::memory_order_acquire) >= total; },
                 kFinishTimeoutMs, Wake::kAlarm)) {
    return true;
  }
  for (unsigned i = 1; i < kMaxCpus; ++i) {
    if ((cpus & (1u << i)) == 0 || (finished_mask.load() & (1u << i)) != 0) continue;
    if ((reported_mask.load() & (1u << i)) == 0) {
      check(false, "vCPU ", i, " did not report in within ", kFinishTimeoutMs, " ms of its CPU_ON");
    } else {
      check(false, "vCPU ", i, " reported in but did not finish its ", kTicks,
            " timer ticks within ", kFinishTimeoutMs, " ms (it took ", runs[i].ticks, ")");
    }
  }
  return false;
}

/// Waits (bounded) until AFFINITY_INFO says vCPU \p index is OFF. A CPU that has called
/// CPU_OFF may still read ON for a moment while the firmware powers it down.
bool wait_until_off(unsigned index) {
  std::int64_t answer = kOn;
  if (wait_until(
          [&] {
            answer = affinity_info(machine.cpu_mpidr[index]);
            return answer == kOff;
          },
          kOffTimeoutMs, Wake::kAlarm)) {
    return true;
  }
  return check(false, "AFFINITY_INFO of vCPU ", index, " still answers ", answer, " (1 = OFF) ",
               kOffTimeoutMs, " ms after its run finished");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!expect(device_tree != 0 && tree.has_value(), "a device tree at x0")) return report();
  machine = read_machine_info(*tree);
  if (!expect(gic::init(device_tree), "a GIC in the device tree")) return report();
  const bool el2lab = el2lab_present();
  println(el2lab ? "smp: under el2lab" : "smp: on bare hardware (no el2lab hypercalls)");

  const unsigned count = machine.cpu_count < kMaxCpus ? machine.cpu_count : kMaxCpus;
  if (!expect(count >= 1, "a CPU in the device tree's /cpus")) return report();
  check_eq(mpidr_affinity(), machine.cpu_mpidr[0],
           "the boot CPU's MPIDR_EL1 against the device tree's first CPU");
  if (machine.cpu_count > kMaxCpus) {
    println("smp: ", machine.cpu_count, " CPUs in the device tree; using the first ", kMaxCpus);
  }
  set_irq_handler(on_irq);
  gic::enable_ppi(kTimerPpi, 0xa0);  // the boot CPU's wake-up alarm while it waits
  period = counter_frequency() / 1000;
  unsigned cpu_on_calls = 0;
  const std::uint64_t cpu_ups_before = el2lab ? exit_count(abi::ExitKind::kCpuUp) : 0;

  unsigned secondaries = 0;  // bit mask
  if (count == 1) {
    println("smp: GICv", static_cast<unsigned>(gic::version()),
            ", 1 CPU in the device tree: no other vCPU to start");
  } else {
    if (count == 2) {
      println("smp: GICv", static_cast<unsigned>(gic::version()),
              ", 2 CPUs in the device tree: starting vCPU 1 with PSCI CPU_ON");
    } else {
      println("smp: GICv", static_cast<unsigned>(gic::version()), ", ", count,
              " CPUs in the device tree: starting vCPUs 1..", count - 1, " with PSCI CPU_ON");
    }
    // Before anyone started them, every other CPU is OFF.
    for (unsigned i = 1; i < count; ++i) {
      check_psci(affinity_info(machine.cpu_mpidr[i]), kOff, "AFFINITY_INFO of vCPU ", i,
                 " before its CPU_ON (1 = OFF)");
    }
    for (unsigned i = 1; i < count; ++i) {
      const std::int64_t answer = cpu_on(machine.cpu_mpidr[i], i, secondary, cpu_on_calls);
      if (check_psci(answer, 0, "CPU_ON of vCPU ", i, " (MPIDR ", fmt::Hex{machine.cpu_mpidr[i]},
                     ")")) {
        secondaries |= 1u << i;
      }
    }
    if (!wait_for_finishes(bits_set(secondaries), secondaries)) return report();
    for (unsigned i = 1; i < count; ++i) {
      if (!wait_until_off(i)) return report();
    }
  }

  // The CPU_ON calls that must fail: for a CPU that is on (this one), and for the first
  // affinity after the last CPU's, which does not exist (an off-by-one in a CPU lookup would
  // find something there). Every secondary is OFF by now, so the index handed along (its stack)
  // is free, should a CPU start anyway.
  constexpr std::int64_t kAlreadyOn = static_cast<std::int64_t>(psci::Status::kAlreadyOn);
  constexpr std::int64_t kInvalid = static_cast<std::int64_t>(psci::Status::kInvalidParameters);
  const unsigned stray_index = kMaxCpus - 1;
  check_psci(cpu_on(mpidr_affinity(), stray_index, stray, cpu_on_calls), kAlreadyOn,
             "CPU_ON of the running boot CPU (-4 = ALREADY_ON)");
  std::uint64_t no_such_cpu = machine.cpu_count;
  for (unsigned i = 0; i < count; ++i) {
    if (machine.cpu_mpidr[i] == no_such_cpu) no_such_cpu = 0xfe;
  }
  check_psci(cpu_on(no_such_cpu, stray_index, stray, cpu_on_calls), kInvalid, "CPU_ON of MPIDR ",
             fmt::Hex{no_such_cpu}, ", not in the device tree (-2 = INVALID_PARAMETERS)");
  println("smp: CPU_ON answers ALREADY_ON for the running boot CPU, INVALID_PARAMETERS for MPIDR ",
          fmt::Hex{no_such_cpu});

  // A CPU that went OFF starts again, from the entry point, as if for the first time.
  if ((secondaries & (1u << kRestarted)) != 0) {
    println("smp: restarting vCPU ", kRestarted, " after it went OFF");
    runs[kRestarted].ticks = 0;
    runs[kRestarted].unexpected = 0;
    finished_mask.fetch_and(~(1u << kRestarted));
    const unsigned reports_before = reports.load();
    const unsigned finishes_before = finishes.load();
    const std::int64_t answer =
        cpu_on(machine.cpu_mpidr[kRestarted], kRestarted, secondary, cpu_on_calls);
    if (!check_psci(answer, 0, "CPU_ON of vCPU ", kRestarted,
                    " a second time, after it went OFF")) {
      return report();
    }
    if (!wait_for_finishes(finishes_before + 1, 1u << kRestarted)) return report();
    check_eq(reports.load(), reports_before + 1, "vCPU ", kRestarted,
             " reported in again after its restart");
    if (!wait_until_off(kRestarted)) return report();
  }

  // Give a CPU that a failing CPU_ON started after all the time it needs to show up.
  wait_until([] { return stray_runs.load() != 0; }, 20, Wake::kAlarm);
  check_eq(stray_runs.load(), 0, "CPUs started by a CPU_ON that returned an error");
  if (el2lab) {
    const std::uint64_t cpu_ups = exit_count(abi::ExitKind::kCpuUp) - cpu_ups_before;
    check_eq(cpu_ups, cpu_on_calls, "CpuUp exits of vCPU 0 for its CPU_ON calls");
  }

  const unsigned reported = 1 + bits_set(reported_mask.load());
  println("smp: ", reported, reported == 1 ? " vCPU reported in" : " vCPUs reported in");
  report();
}
