// lifecycle — the vCPU power life cycle over and over, with SGIs in flight around each change.
//
// The boot CPU runs 25 cycles. In each, for every other vCPU k: it sends k an SGI while k is OFF
// (kOffSgi), starts k with CPU_ON, waits until k has set up its GIC CPU interface and said
// "ready", sends it one SGI (kPing), waits for k's answer (kPong), sends k another SGI at once
// (kStoppingSgi) — while k is on its way out through CPU_OFF, IRQs masked — and waits until
// AFFINITY_INFO reads OFF before the next cycle. In even cycles k waits, masked, until that SGI
// has been sent before it calls CPU_OFF, so that it goes off with an SGI certainly queued for
// it; in odd ones it goes off at once, and the SGI races with its CPU_OFF. Each run of k must
// take exactly one SGI, the kPing sent after it said ready: neither of the others may ever
// reach it.
//
// For a hypervisor this is where power and interrupts meet: an SGI for an off vCPU must be
// dropped (under PSCI a CPU powers up with none of its old interrupt state), one queued for a
// vCPU that then goes off must be forgotten with it, and nothing of one run — list registers,
// the per-vCPU queue, the kick SGI that woke its physical CPU — may leak into the next. A
// hypervisor that keeps an old SGI delivers it to the next run of k, which then takes two or
// three; one that loses track of a vCPU in the churn hangs in a bounded wait, which names the
// vCPU, the cycle and what did not happen.
//
// The equivalence rule, with one exception, measured on bare QEMU (7.2): there an SGI sent to a
// CPU that is off, or about to be, stays pending in its redistributor (GICv3) or in the
// distributor's banked state (GICv2), which QEMU's PSCI CPU_ON does not reset, and the CPU takes
// it as soon as it enables that SGI again: every kOffSgi and kStoppingSgi is taken by k's next
// run — except, on GICv3, the first cycle's kOffSgi, which QEMU discards because k's
// redistributor still has that SGI in group 0 (its reset value) while the sender's
// ICC_SGI1R_EL1 asks for group 1. So those two counts are checked only under el2lab
// (el2lab_present()); on bare QEMU the guest prints them, and checks everything else.
#include <atomic>

#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "guests/runtime/gic.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "lifecycle";

namespace {

constexpr std::uint32_t kPing = 9;          // vCPU 0 to vCPU k, after k said ready
constexpr std::uint32_t kPong = 10;         // vCPU k's answer to vCPU 0
constexpr std::uint32_t kOffSgi = 11;       // vCPU 0 to vCPU k while k is OFF, before CPU_ON
constexpr std::uint32_t kStoppingSgi = 12;  // vCPU 0 to vCPU k after its answer, as it goes off
constexpr unsigned kCycles = 25;
constexpr std::int64_t kOff = 1;  // AFFINITY_INFO's answer
// Generous bounds, as in every SMP guest: the counter follows the host's clock, and a loaded
// host can stall QEMU for seconds. A lost SGI or a vCPU that never starts or stops still fails
// well inside the test harness's 30 s.
constexpr std::uint64_t kTimeoutMs = 10'000;

// Filled in by the boot CPU before it starts anyone, read-only afterwards.
MachineInfo machine;

/// One run of a secondary: reset by vCPU 0 while that CPU is OFF, then written by its handler
/// and its code while it runs, and read by vCPU 0 after AFFINITY_INFO said OFF again (or, for
/// `ready` and vCPU 0's own `pongs`, while it runs, through the atomics).
struct Run {
  std::atomic<unsigned> ready;      // the cycle whose run said ready (0: not yet)
  volatile unsigned pings;          // kPing taken
  volatile unsigned off_sgis;       // kOffSgi taken
  volatile unsigned stopping_sgis;  // kStoppingSgi taken
  volatile unsigned unexpected;     // any other interrupt taken by k
  volatile unsigned sgis;           // every SGI taken by k
  volatile bool waited_out;         // k's own wait for the kPing ran out
  std::atomic<unsigned> pongs;      // kPong taken by vCPU 0 from this run
  std::atomic<bool> stopping_sent;  // vCPU 0 has sent it kStoppingSgi (after its answer)
  volatile bool held_out;           // k's own wait for stopping_sent ran out
  volatile unsigned wrong_source;   // GICv2: a kPong whose source was not k
};
Run runs[kMaxCpus];

std::atomic<unsigned> cycle{0};   // the cycle vCPU 0 is in (read by each run as it starts)
std::atomic<unsigned> pinged{0};  // the CPU vCPU 0 is playing with; its kPongs count for it
volatile unsigned wrong = 0;      // vCPU 0: interrupts other than kPong and its alarm

// One handler for every CPU.
void on_irq() {
  const unsigned me = cpu_index();
  const std::uint32_t iar = gic::acknowledge();
  const std::uint32_t intid = gic::interrupt_id(iar);
  if (intid == gic::kSpurious) return;
  if (intid == kAlarmIntid) {
    stop_alarm();
  } else if (me == 0) {
    const unsigned from = pinged.load(std::memory_order_relaxed);
    if (intid == kPong && from != 0) {
      Run& run = runs[from];
      if (gic::version() == GicVersion::kV2 && gic::sgi_source(iar) != from) {
        run.wrong_source = run.wrong_source + 1;
      }
      run.pongs.fetch_add(1, std::memory_order_release);
    } else {
      wrong = wrong + 1;
    }
  } else {
    Run& run = runs[me];
    if (intid < 16) run.sgis = run.sgis + 1;
    if (intid == kPing) {
      run.pings = run.pings + 1;
    } else if (intid == kOffSgi) {
      run.off_sgis = run.off_sgis + 1;
    } else if (intid == kStoppingSgi) {
      run.stopping_sgis = run.stopping_sgis + 1;
    } else {
      run.unexpected = run.unexpected + 1;
    }
  }
  gic::end_of_interrupt(iar);
}

/// Whether runs of cycle \p c wait, after their answer, until vCPU 0 has sent them
/// kStoppingSgi: then it is certainly queued for the CPU when it calls CPU_OFF. In the other
/// cycles the CPU goes off at once, and the SGI races with its CPU_OFF (reaching it still on, or
/// already off).
constexpr bool held(unsigned c) {
  return c % 2 == 0;
}

// What each started CPU runs: its GIC, "ready", one kPing, the answer (and in held cycles a
// wait for kStoppingSgi). Returning switches it off (CPU_OFF), with IRQs masked from the end of
// the wait for kPing on: whatever comes after the kPing is never taken in this run.
void secondary(unsigned me) {
  Run& run = runs[me];
  if (!check(gic::init_cpu(), "vCPU ", me, ", cycle ", cycle.load(),
             ": no GIC redistributor matches its affinity")) {
    return;
  }
  // Above kPing: if one of the SGIs that must not come is pending, it is taken first.
  gic::enable_ppi(kOffSgi, 0x70);
  gic::enable_ppi(kStoppingSgi, 0x70);
  gic::enable_ppi(kPing, 0x80);
  gic::enable_ppi(kAlarmIntid, 0xa0);
  run.ready.store(cycle.load(std::memory_order_relaxed), std::memory_order_release);
  if (!wait_until([&] { return run.pings != 0; }, kTimeoutMs, Wake::kAlarm)) {
    run.waited_out = true;  // vCPU 0 names it: it knows whether it sent the kPing
    return;
  }
  gic::send_sgi(kPong, machine.cpu_mpidr[0]);
  if (held(cycle.load(std::memory_order_relaxed))) {
    // Go off only once kStoppingSgi is certainly queued for this CPU. IRQs stay masked: WFI
    // wakes on that SGI pending (or on the alarm) without taking it.
    const std::uint64_t per_ms = counter_frequency() / 1000;
    const std::uint64_t deadline = counter() + kTimeoutMs * per_ms;
    while (!run.stopping_sent.load(std::memory_order_acquire)) {
      const std::uint64_t now = counter();
      if (now >= deadline) {
        run.held_out = true;
        break;
      }
      detail::arm_alarm(now + per_ms < deadline ? now + per_ms : deadline);
      asm volatile("wfi" ::: "memory");
    }
    stop_alarm();
  }
}

/// Waits (bounded) until AFFINITY_INFO says vCPU \p k is OFF; a failure names \p what the CPU
/// was doing when it should have gone off.
bool wait_until_off(unsigned k, unsigned c, const char* what) {
  std::int64_t answer = 0;
  if (wait_until(
          [&] {
            answer = affinity_info(machine.cpu_mpidr[k]);
            return answer == kOff;
          },
          kTimeoutMs, Wake::kAlarm)) {
    return true;
  }
  return check(false, "vCPU ", k, ", cycle ", c, ": AFFINITY_INFO still answers ", answer,
               " (1 = OFF) ", kTimeoutMs, " ms after ", what);
}

/// One life of vCPU \p k in cycle \p c, from OFF to OFF. False if it went wrong in a way that
/// leaves k in an unknown state (the run cannot go on).
bool one_life(unsigned k, unsigned c, bool el2lab) {
  const std::uint64_t mpidr = machine.cpu_mpidr[k];
  Run& run = runs[k];
  // k is OFF (checked before the first cycle, waited for at the end of each): nobody writes
  // its record now.
  run.ready.store(0, std::memory_order_relaxed);
  run.pings = 0;
  run.off_sgis = 0;
  run.stopping_sgis = 0;
  run.unexpected = 0;
  run.sgis = 0;
  run.waited_out = false;
  run.pongs.store(0, std::memory_order_relaxed);
  run.wrong_source = 0;
  run.stopping_sent.store(false, std::memory_order_relaxed);
  run.held_out = false;
  cycle.store(c, std::memory_order_relaxed);
  pinged.store(k, std::memory_order_relaxed);

  gic::send_sgi(kOffSgi, mpidr);  // to an OFF CPU: nothing of it may survive the CPU_ON
  const std::int64_t answer = start_cpu(mpidr, k, secondary);  // completes the writes above
  if (!check(answer == 0, "vCPU ", k, ", cycle ", c, ": CPU_ON answered ", answer,
             ", not 0 (SUCCESS)")) {
    return false;
  }
  if (!wait_until([&] { return run.ready.load(std::memory_order_acquire) == c; }, kTimeoutMs,
                  Wake::kAlarm)) {
    return check(false, "vCPU ", k, ", cycle ", c, ": did not say ready within ", kTimeoutMs,
                 " ms of its CPU_ON (AFFINITY_INFO answers ", affinity_info(mpidr), ")");
  }
  gic::send_sgi(kPing, mpidr);
  if (!wait_until([&] { return run.pongs.load(std::memory_order_acquire) != 0; }, kTimeoutMs,
                  Wake::kAlarm)) {
    return check(false, "vCPU ", k, ", cycle ", c, ": did not answer the SGI sent after it said ",
                 "ready within ", kTimeoutMs, " ms (SGIs it took: ", run.sgis, ", ", run.pings,
                 " of them the one awaited", run.waited_out ? "; it gave up waiting" : "", ")");
  }
  // k is between its answer and CPU_OFF, IRQs masked: an SGI now is queued for a vCPU that is
  // about to go off (or already is), and must go with it.
  gic::send_sgi(kStoppingSgi, mpidr);
  run.stopping_sent.store(true, std::memory_order_release);
  if (!wait_until_off(k, c, "it answered")) return false;
  check(!run.held_out, "vCPU ", k, ", cycle ", c, ": did not see within ", kTimeoutMs,
        " ms that vCPU 0 had sent its last SGI");

  // k is OFF again: its record is final.
  check_eq(run.pings, 1, "vCPU ", k, ", cycle ", c, ": SGIs ", kPing, " taken");
  if (el2lab) {
    check_eq(run.off_sgis, 0, "vCPU ", k, ", cycle ", c, ": SGIs ", kOffSgi,
             " taken (sent while it was OFF, before its CPU_ON)");
    check_eq(run.stopping_sgis, 0, "vCPU ", k, ", cycle ", c, ": SGIs ", kStoppingSgi,
             " taken (sent as its previous run went off)");
    check_eq(run.sgis, 1, "vCPU ", k, ", cycle ", c, ": SGIs taken in its run");
  }
  check_eq(run.unexpected, 0, "vCPU ", k, ", cycle ", c, ": interrupts other than its SGIs");
  check_eq(run.pongs.load(), 1, "vCPU ", k, ", cycle ", c, ": answers vCPU 0 took");
  check_eq(run.wrong_source, 0, "vCPU ", k, ", cycle ", c,
           ": answers whose GICv2 source CPU was another one");
  return true;
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  if (!expect(gic::init(device_tree), "a GIC in the device tree")) return report();
  auto tree = fdt::Fdt::from(reinterpret_cast<const void*>(device_tree),
                             fdt::Fdt::total_size(reinterpret_cast<const void*>(device_tree)));
  machine = read_machine_info(*tree);  // gic::init() parsed the same tree
  const bool el2lab = el2lab_present();
  println(el2lab ? "lifecycle: under el2lab"
                 : "lifecycle: on bare hardware (no el2lab hypercalls)");

  const unsigned count = machine.cpu_count < kMaxCpus ? machine.cpu_count : kMaxCpus;
  if (count <= 1) {
    println("lifecycle: 1 vCPU in the device tree: no other vCPU to switch on and off");
    return report();
  }
  set_irq_handler(on_irq);
  gic::enable_ppi(kPong, 0x80);
  gic::enable_ppi(kAlarmIntid, 0xa0);
  for (unsigned k = 1; k < count; ++k) {
    if (!check_eq(affinity_info(machine.cpu_mpidr[k]), kOff, "AFFINITY_INFO of vCPU ", k,
                  " before its first CPU_ON (1 = OFF)")) {
      return report();
    }
  }

  unsigned off_taken = 0, stopping_taken = 0, answered = 0;
  for (unsigned c = 1; c <= kCycles; ++c) {
    for (unsigned k = 1; k < count; ++k) {
      if (!one_life(k, c, el2lab)) return report();
      off_taken += runs[k].off_sgis;
      stopping_taken += runs[k].stopping_sgis;
      answered += runs[k].pongs.load();
    }
  }
  check_eq(wrong, 0, "vCPU 0: interrupts other than the answers and its alarm");
  if (!el2lab) {
    // (The last cycle's kStoppingSgis have no next run to reach.)
    println("lifecycle: bare QEMU: the next run of the CPU took ", off_taken, " of the ",
            kCycles * (count - 1), " SGIs sent to it while OFF and ", stopping_taken, " of the ",
            (kCycles - 1) * (count - 1), " sent to it as it stopped");
  }
  println("lifecycle: ", count, " vCPUs, ", kCycles, " cycles, ", answered, " SGIs answered");
  report();
}
