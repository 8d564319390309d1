// ipi — software-generated interrupts (SGIs): to the sending CPU itself, then between vCPUs.
//
// On GICv3 the guest writes ICC_SGI1R_EL1, which traps (HCR_EL2.IMO): a SendIPI exit. On GICv2
// it writes GICD_SGIR in its (emulated) distributor: an MmioWrite exit. Either way the
// hypervisor queues the SGI for the target vCPU and injects it through a list register; the
// guest must take it with the right ID, several times.
//
// First the boot CPU sends itself 10 SGIs. Then, if the device tree has more CPUs, it starts
// them and plays ping-pong with each in turn: an SGI to vCPU k, whose IRQ handler answers with
// an SGI back to vCPU 0, 10 rounds each, every round checked on both sides (on GICv2 the
// answer's acknowledge value also names the CPU that sent it). Last, one SGI to all but self,
// which every other vCPU must take exactly once and vCPU 0 not at all. For the hypervisor this
// is the hard part: an SGI for a vCPU that runs elsewhere, or sleeps in WFI, must reach it.
//
// The same guest runs on bare QEMU (the equivalence rule); under el2lab on GICv3 it also checks
// that each vCPU's own SendIPI exit count rose by the ICC_SGI1R_EL1 writes that vCPU made.
#include <atomic>

#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "guests/runtime/gic.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "ipi";

namespace {

constexpr std::uint32_t kSgi = 5;        // vCPU 0 to itself
constexpr std::uint32_t kPing = 6;       // vCPU 0 to vCPU k
constexpr std::uint32_t kPong = 7;       // vCPU k's answer to vCPU 0
constexpr std::uint32_t kBroadcast = 8;  // vCPU 0 to all but itself
constexpr unsigned kRounds = 10;
// Generous bounds: the counter follows the host's clock, and a loaded host (tests running in
// parallel) can stall QEMU for seconds, so a tight bound would fail a correct hypervisor. A lost
// SGI still fails well inside the test harness's 30 s.
constexpr std::uint64_t kStartTimeoutMs = 10'000;
constexpr std::uint64_t kAnswerTimeoutMs = 10'000;
constexpr std::uint64_t kStopTimeoutMs = 30'000;

// The self part (vCPU 0 only).
volatile unsigned received = 0;
volatile unsigned wrong = 0;

// Filled in by the boot CPU before it starts anyone, read-only afterwards.
MachineInfo machine;
bool count_exits = false;  // under el2lab on GICv3: each ICC_SGI1R_EL1 write is a SendIPI exit

/// What each CPU's IRQ handler counts, by logical index. Each entry is written by its own CPU;
/// the boot CPU reads the secondaries' once they said `done` (release/acquire).
struct Counts {
  volatile unsigned pings;         // kPing taken (secondaries)
  volatile unsigned pongs;         // kPong taken by vCPU 0 while it pinged this CPU
  volatile unsigned broadcasts;    // kBroadcast taken
  volatile unsigned sgis_sent;     // ICC_SGI1R_EL1 / GICD_SGIR writes made by this CPU's handler
  volatile unsigned unexpected;    // any other interrupt
  volatile unsigned wrong_source;  // GICv2: a kPong whose source was not the CPU pinged
};
Counts counts[kMaxCpus];

std::atomic<unsigned> pinged{0};  // the CPU vCPU 0 is playing with; its kPongs count for it
std::atomic<unsigned> ready{0};   // secondaries that can take SGIs
std::atomic<unsigned> done{0};    // secondaries whose checks are over
std::atomic<bool> stop{false};    // set by vCPU 0 when every SGI has been sent

// One handler for every CPU; each counts what it takes in its own entry.
void on_irq() {
  const unsigned me = cpu_index();
  const std::uint32_t iar = gic::acknowledge();
  const std::uint32_t intid = gic::interrupt_id(iar);
  if (intid == gic::kSpurious) return;
  Counts& mine = counts[me];
  if (intid == kAlarmIntid) {
    stop_alarm();
  } else if (me == 0 && intid == kSgi) {
    received = received + 1;
  } else if (me == 0 && intid == kPong) {
    const unsigned from = pinged.load(std::memory_order_relaxed);
    if (gic::version() == GicVersion::kV2 && gic::sgi_source(iar) != from) {
      counts[from].wrong_source = counts[from].wrong_source + 1;
    }
    counts[from].pongs = counts[from].pongs + 1;
  } else if (me != 0 && intid == kPing) {
    mine.pings = mine.pings + 1;
    mine.sgis_sent = mine.sgis_sent + 1;
    gic::send_sgi(kPong, machine.cpu_mpidr[0]);
  } else if (intid == kBroadcast) {
    mine.broadcasts = mine.broadcasts + 1;
  } else if (me == 0) {
    wrong = wrong + 1;
  } else {
    mine.unexpected = mine.unexpected + 1;
  }
  gic::end_of_interrupt(iar);
}

// What each started CPU runs: answer pings until vCPU 0 says stop, then check its own exits.
void secondary(unsigned me) {
  if (check(gic::init_cpu(), "vCPU ", me, ": no GIC redistributor matches its affinity")) {
    gic::enable_ppi(kPing, 0x80);
    gic::enable_ppi(kBroadcast, 0x80);
    gic::enable_ppi(kAlarmIntid, 0xa0);
    const std::uint64_t ipis_before = count_exits ? exit_count(abi::ExitKind::kSendIpi) : 0;
    ready.fetch_add(1, std::memory_order_release);
    // Asleep between SGIs: each ping wakes the CPU, its handler answers.
    check(wait_until([] { return stop.load(std::memory_order_acquire); }, kStopTimeoutMs,
                     Wake::kAlarm),
          "vCPU ", me, " was not told to stop within ", kStopTimeoutMs, " ms");
    if (count_exits) {
      const std::uint64_t ipis = exit_count(abi::ExitKind::kSendIpi) - ipis_before;
      check_eq(ipis, counts[me].sgis_sent, "vCPU ", me,
               ": SendIPI exits for its ICC_SGI1R_EL1 writes");
    }
  }
  done.fetch_add(1, std::memory_order_release);
}

void self_part(bool el2lab) {
  gic::enable_ppi(kSgi, 0x80);  // SGIs are banked like PPIs: group and priority per CPU
  const bool counting = el2lab && gic::version() == GicVersion::kV3;
  const std::uint64_t ipis_before = counting ? exit_count(abi::ExitKind::kSendIpi) : 0;
  asm volatile("msr daifclr, #2; isb" ::: "memory");
  for (unsigned round = 0; round < kRounds; ++round) {
    const unsigned before = received;
    gic::send_sgi_to_self(kSgi);
    // The SGI is injected on the way back from the exit: by now it must have been taken.
    for (int spin = 0; spin < 1000 && received == before; ++spin) asm volatile("" ::: "memory");
    expect_eq(received, before + 1, "SGI taken after sending it");
  }
  asm volatile("msr daifset, #2" ::: "memory");
  expect_eq(wrong, 0, "interrupts other than the SGI");
  if (counting) {
    const std::uint64_t ipis = exit_count(abi::ExitKind::kSendIpi) - ipis_before;
    println("ipi: GICv3, ", received, " SGIs received, ", ipis, " SendIPI exits");
    expect_eq(ipis, kRounds, "SendIPI exits (ICC_SGI1R_EL1 traps)");
  } else {
    println("ipi: GICv", static_cast<unsigned>(gic::version()), ", ", received, " SGIs received");
  }
}

/// Sums one field of the secondaries' counts.
template <typename Field>
unsigned total(unsigned count, Field field) {
  unsigned sum = 0;
  for (unsigned k = 1; k < count; ++k) sum += counts[k].*field;
  return sum;
}

void cross_part(unsigned count, bool el2lab) {
  gic::enable_ppi(kPong, 0x80);
  gic::enable_ppi(kBroadcast, 0x80);  // not for vCPU 0: enabled to see it if it comes anyway
  gic::enable_ppi(kAlarmIntid, 0xa0);
  count_exits = el2lab && gic::version() == GicVersion::kV3;
  const std::uint64_t ipis_before = count_exits ? exit_count(abi::ExitKind::kSendIpi) : 0;
  unsigned sgi_writes = 0;

  unsigned started = 0;
  for (unsigned k = 1; k < count; ++k) {
    const std::int64_t answer = start_cpu(machine.cpu_mpidr[k], k, secondary);
    if (check(answer == 0, "CPU_ON of vCPU ", k, " answered ", answer, ", not 0 (SUCCESS)")) {
      ++started;
    }
  }
  if (started != count - 1) return;
  if (!check(wait_until([&] { return ready.load(std::memory_order_acquire) == started; },
                        kStartTimeoutMs, Wake::kAlarm),
             "only ", ready.load(), " of ", started, " started vCPUs set up their GIC within ",
             kStartTimeoutMs, " ms")) {
    return;
  }

  for (unsigned k = 1; k < count; ++k) {
    pinged.store(k, std::memory_order_relaxed);
    for (unsigned round = 1; round <= kRounds; ++round) {
      const unsigned before = counts[k].pongs;
      gic::send_sgi(kPing, machine.cpu_mpidr[k]);
      ++sgi_writes;
      if (!check(
              wait_until([&] { return counts[k].pongs != before; }, kAnswerTimeoutMs, Wake::kAlarm),
              "vCPU ", k, " did not answer ping ", round, " within ", kAnswerTimeoutMs,
              " ms (pings it took: ", counts[k].pings, ")")) {
        return;
      }
      check_eq(counts[k].pings, round, "pings vCPU ", k, " took by round ", round);
      check_eq(counts[k].pongs, before + 1, "answers from vCPU ", k, " in round ", round);
    }
  }

  gic::send_sgi_to_others(kBroadcast);
  ++sgi_writes;
  auto all_took_it = [&] {
    for (unsigned k = 1; k < count; ++k) {
      if (counts[k].broadcasts == 0) return false;
    }
    return true;
  };
  if (!wait_until(all_took_it, kAnswerTimeoutMs, Wake::kAlarm)) {
    for (unsigned k = 1; k < count; ++k) {
      check(counts[k].broadcasts != 0, "vCPU ", k, " did not take the SGI to all but self within ",
            kAnswerTimeoutMs, " ms");
    }
    return;
  }

  stop.store(true, std::memory_order_release);
  if (!check(wait_until([&] { return done.load(std::memory_order_acquire) == started; },
                        kStartTimeoutMs, Wake::kAlarm),
             "only ", done.load(), " of ", started, " vCPUs finished within ", kStartTimeoutMs,
             " ms of being told to stop")) {
    return;
  }

  for (unsigned k = 1; k < count; ++k) {
    check_eq(counts[k].broadcasts, 1, "vCPU ", k, ": SGIs to all but self taken");
    check_eq(counts[k].pongs, kRounds, "answers from vCPU ", k);
    check_eq(counts[k].wrong_source, 0, "vCPU ", k,
             ": answers whose GICv2 source CPU was another one");
    check_eq(counts[k].unexpected, 0, "vCPU ", k, ": unexpected interrupts");
  }
  check_eq(counts[0].broadcasts, 0, "vCPU 0 took its own SGI to all but self");
  check_eq(wrong, 0, "vCPU 0: unexpected interrupts");
  if (count_exits) {
    const std::uint64_t ipis = exit_count(abi::ExitKind::kSendIpi) - ipis_before;
    check_eq(ipis, sgi_writes, "vCPU 0: SendIPI exits for its ICC_SGI1R_EL1 writes");
  }
  const unsigned delivered = total(count, &Counts::pings) + total(count, &Counts::pongs) +
                             total(count, &Counts::broadcasts);
  println("ipi: ", count, " vCPUs, ", delivered, " cross-vCPU SGIs delivered");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  if (!expect(gic::init(device_tree), "a GIC in the device tree")) return report();
  auto tree = fdt::Fdt::from(reinterpret_cast<const void*>(device_tree),
                             fdt::Fdt::total_size(reinterpret_cast<const void*>(device_tree)));
  machine = read_machine_info(*tree);  // gic::init() parsed the same tree
  const bool el2lab = el2lab_present();
  println(el2lab ? "ipi: under el2lab" : "ipi: on bare hardware (no el2lab hypercalls)");
  set_irq_handler(on_irq);

  self_part(el2lab);

  const unsigned count = machine.cpu_count < kMaxCpus ? machine.cpu_count : kMaxCpus;
  if (count <= 1) {
    println("ipi: 1 vCPU in the device tree: no other vCPU to send SGIs to");
  } else {
    cross_part(count, el2lab);
  }
  report();
}
