// busywait — vCPUs that wait for each other by spinning on RAM, without ever trapping.
//
// Most guests wait politely (WFI, or a hypercall in the loop), which hands the physical CPU
// back to whoever schedules it. This one does not: after PSCI CPU_ON the boot CPU spins on a
// flag in RAM that only the new vCPU can set, with no WFI, no HVC, no MMIO and no counter read
// in the loop — the way a spinlock or a Linux secondary-boot handshake waits. It then checks
// the other direction (the secondary spins until the boot CPU writes), and finally that the
// secondary's CPU_OFF shows up in AFFINITY_INFO.
//
// On a machine whose CPUs really run in parallel all of this is immediate. Under QEMU's
// -icount the CPUs take turns on one host thread, and a guest that never traps must still
// let the others run: the turns are what this guest checks (docs/architecture.md, "SMP").
// Every wait is bounded, so a CPU that never runs ends the test with a FAIL that names it.
//
// The equivalence rule: the same image passes on bare QEMU (QEMU's PSCI, no hypervisor).
#include <cstdint>

#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "busywait";

namespace {

// A spin is bounded by iterations of a 4-instruction loop (busy_wait): 2^29 of them are about
// 2 billion instructions. Generous on purpose: under -icount QEMU gives each CPU a turn of up
// to 100 million instructions (its round-robin kick period, 100 ms of virtual time at one
// instruction per ns), and without -icount the host may stall one CPU's thread for a while.
constexpr std::uint64_t kSpinLimit = std::uint64_t{1} << 29;
// How long the boot CPU asks AFFINITY_INFO for a CPU that has called CPU_OFF (guest time: the
// loop traps, so reading the counter in it changes nothing about the scheduling it tests).
constexpr std::uint64_t kOffTimeoutMs = 10'000;
constexpr std::int64_t kOff = 1;  // AFFINITY_INFO's answer for OFF

MachineInfo machine;

/// What each secondary and the boot CPU tell each other, by logical index. Each word has one
/// writer; the reader spins on it. Plain volatile words on purpose: no exclusives, no barriers
/// the waiting side could trap or stall on, just stores and loads of RAM.
struct Handshake {
  volatile std::uint32_t arrived;  // secondary -> boot: "I run"
  volatile std::uint32_t go;       // boot -> secondary: "I saw you"
  volatile std::uint32_t done;     // secondary -> boot: "I saw that"
  volatile std::uint32_t seen_go;  // secondary: 1 if its own spin on `go` succeeded
};
Handshake hs[kMaxCpus];

/// Spins until the word at \p flag is non-zero, at most \p limit times round a loop that
/// touches nothing but that word. Returns the iterations left (0: it never became non-zero).
/// Written in assembly so that the loop is exactly what the comment says, whatever the
/// compiler would make of it.
std::uint64_t busy_wait(const volatile std::uint32_t* flag, std::uint64_t limit) {
  std::uint64_t left = limit;
  std::uint32_t value;
  asm volatile(
      "1: ldr %w[value], [%[flag]]\n"
      "   cbnz %w[value], 2f\n"
      "   subs %[left], %[left], #1\n"
      "   b.ne 1b\n"
      "2:\n"
      : [left] "+r"(left), [value] "=&r"(value)
      : [flag] "r"(flag)
      : "cc", "memory");
  return left;
}

// What each started CPU runs: announce itself, wait (spinning) to be answered, answer back,
// and return, which switches it off with CPU_OFF.
void secondary(unsigned me) {
  Handshake& h = hs[me];
  h.arrived = 1;
  if (busy_wait(&h.go, kSpinLimit) != 0) {
    h.seen_go = 1;
    h.done = 1;
  }
}

/// The boot CPU's side for vCPU \p i: CPU_ON, spin for its arrival, release it, spin for its
/// answer, then wait (bounded, in guest time) for AFFINITY_INFO to say OFF.
bool handshake_with(unsigned i) {
  const std::uint64_t mpidr = machine.cpu_mpidr[i];
  Handshake& h = hs[i];
  const std::int64_t on = start_cpu(mpidr, i, secondary);
  if (!check(on == 0, "CPU_ON of vCPU ", i, " (MPIDR ", fmt::Hex{mpidr}, "): got ", on)) {
    return false;
  }
  const std::uint64_t t0 = counter();
  const std::uint64_t arrive_left = busy_wait(&h.arrived, kSpinLimit);
  const std::uint64_t t1 = counter();
  if (arrive_left == 0) {
    return check(false, "vCPU ", i, " never set its flag: the boot CPU spun ", kSpinLimit,
                 " times after CPU_ON (AFFINITY_INFO says ", affinity_info(mpidr), ")");
  }
  h.go = 1;
  const std::uint64_t done_left = busy_wait(&h.done, kSpinLimit);
  if (done_left == 0) {
    return check(false, "vCPU ", i, " did not answer: ",
                 h.seen_go != 0 ? "it saw the boot CPU's flag but its answer never arrived"
                                : "its own spin never saw the boot CPU's flag");
  }
  println("busywait: vCPU ", i, " arrived after ", kSpinLimit - arrive_left, " spins (", t1 - t0,
          " counter ticks) and answered after ", kSpinLimit - done_left);

  const std::uint64_t per_ms = counter_frequency() / 1000;
  const std::uint64_t deadline = counter() + kOffTimeoutMs * per_ms;
  std::int64_t state = -1;
  std::uint64_t calls = 0;
  do {
    state = affinity_info(mpidr);
    ++calls;
  } while (state != kOff && counter() < deadline);
  return check(state == kOff, "vCPU ", i, " returned (CPU_OFF) but AFFINITY_INFO still says ",
               state, " after ", calls, " calls in ", kOffTimeoutMs, " ms (1 = OFF)");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!expect(device_tree != 0 && tree.has_value(), "a device tree at x0")) return report();
  machine = read_machine_info(*tree);
  const unsigned count = machine.cpu_count < kMaxCpus ? machine.cpu_count : kMaxCpus;
  if (!expect(count >= 2, "at least 2 CPUs in the device tree (boot QEMU with -smp 2 or more)")) {
    return report();
  }
  println("busywait: ", count, " vCPUs; each started with CPU_ON while the boot CPU spins");
  unsigned answered = 0;
  for (unsigned i = 1; i < count; ++i) {
    if (!handshake_with(i)) return report();
    ++answered;
  }
  println("busywait: ", answered, " of ", count - 1, " vCPUs answered spinning handshakes");
  report();
}
