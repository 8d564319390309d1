#pragma once
/// \file
/// \brief The tiny runtime every el2lab guest links: console, hypercalls, checks, exceptions.
///
/// A guest defines `void guest_main(std::uint64_t device_tree)` and its name (kGuestName);
/// when guest_main returns, the runtime powers the machine off with PSCI SYSTEM_OFF. The
/// reporting convention the tests read: exactly one line "PASS <guest>" or
/// "FAIL <guest>: <reason>".
///
/// guest_main runs on the boot CPU (cpu_index() 0). A guest may start the other CPUs of the
/// device tree with start_cpu(); the console and the checks may be used from all of them at
/// once. The verdict is the boot CPU's to give, after it has waited for the others.
///
/// A self-checking guest looks like this:
///
///     const char el2lab::guest::kGuestName[] = "mmio";
///     void guest_main(std::uint64_t) {
///       expect_eq(mmio_read<std::uint32_t>(id_address), kIdValue, "ID register");
///       report();  // "PASS mmio", or "FAIL mmio: ID register: got ..., expected ..."
///     }

#include <cstdint>
#include <string_view>

#include "core/portable/format.h"
#include "core/portable/guest_abi.h"

namespace el2lab::guest {

// ---- console --------------------------------------------------------------------------------

/// The console: QEMU virt's PL011, the same address with or without the hypervisor.
class Uart {
 public:
  /// Writes \p text, "\n" as "\r\n".
  void put(std::string_view text);
};

/// The guest's console.
Uart& uart();

/// Holds the console for the scope, so that a line printed by one CPU is never interleaved
/// with another CPU's. It masks IRQs on this CPU while held (an IRQ handler that prints must not
/// spin on a lock its own CPU holds) and is re-entrant on the same CPU (an exception taken in
/// the middle of a line can still report itself). println(), expect() and report() take it.
class ConsoleLock {
 public:
  /// Waits for the console (briefly: nobody holds it for longer than a line).
  ConsoleLock();
  /// Lets go of it and restores this CPU's IRQ mask.
  ~ConsoleLock();
  ConsoleLock(const ConsoleLock&) = delete;
  ConsoleLock& operator=(const ConsoleLock&) = delete;

 private:
  std::uint64_t daif_ = 0;  // the interrupt masks to restore (set by the constructor's mrs)
  bool nested_ = false;
};

/// Prints \p args and a newline, as one line even when several CPUs print at once.
template <typename... Args>
void println(const Args&... args) {
  const ConsoleLock lock;
  fmt::write(uart(), args..., "\n");
}

// ---- calls to the hypervisor ----------------------------------------------------------------

/// An SMC Calling Convention call over HVC: x0 = \p function, x1..x3 = arguments; returns x0.
std::uint64_t hvc(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0);
/// The same over SMC (which the hypervisor traps).
std::uint64_t smc(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0);

/// PSCI SYSTEM_OFF over HVC: ends the run.
[[noreturn]] void system_off();

/// How many exits of \p kind this vCPU has taken so far (abi::Hypercall::kExitCount).
/// The query is itself a hypercall: it counts as one kHypercall exit, seen by the *next* query.
/// Returns 0xffff'ffff'ffff'ffff (NOT_SUPPORTED) if the hypervisor does not offer the call.
std::uint64_t exit_count(abi::ExitKind kind);

/// The exception level the guest runs at (1 under el2lab).
unsigned current_el();

/// True when the guest runs under el2lab, i.e. el2lab's own hypercalls (exit_count() and the
/// rest of guest_abi.h) exist. Asked once with PSCI_FEATURES(kExitCount), which el2lab answers
/// SUCCESS and plain firmware NOT_SUPPORTED, then cached. A guest that must also run on bare
/// QEMU (the equivalence rule) calls the el2lab-only hypercalls only when this is true: on a
/// machine without el2lab an unknown HVC need not be answered at all.
bool el2lab_present();

// ---- CPUs -----------------------------------------------------------------------------------

/// How many CPUs the runtime has stacks for (linker.ld); logical indexes are 0 .. kMaxCpus-1.
inline constexpr unsigned kMaxCpus = 8;

/// This CPU's logical index: 0 on the boot CPU, the index start_cpu() was given on the others
/// (kept in TPIDR_EL1).
unsigned cpu_index();

/// This CPU's affinity, MPIDR_EL1 Aff3.Aff2.Aff1.Aff0 (bits [39:32] and [23:0]): what the device
/// tree's cpu@N `reg` and PSCI's target_cpu arguments hold.
std::uint64_t mpidr_affinity();

/// Starts the CPU whose affinity is \p mpidr with PSCI CPU_ON. It runs \p fn(\p index) on its
/// own stack with cpu_index() == \p index, IRQs masked, this runtime's vectors installed, and
/// switches itself off (PSCI CPU_OFF) when \p fn returns. Returns CPU_ON's answer (0 SUCCESS,
/// -4 ALREADY_ON, -2 INVALID_PARAMETERS, ...); an \p index without a stack (>= kMaxCpus) is
/// refused with INVALID_PARAMETERS without asking. Two running CPUs must not share an index.
std::int64_t start_cpu(std::uint64_t mpidr, unsigned index, void (*fn)(unsigned));

/// PSCI AFFINITY_INFO(\p mpidr, level 0): 0 ON, 1 OFF, 2 ON_PENDING, or a negative error.
std::int64_t affinity_info(std::uint64_t mpidr);

/// PSCI CPU_OFF for the calling CPU, with its IRQs masked. Does not return.
[[noreturn]] void cpu_off();

// ---- time and waiting -----------------------------------------------------------------------

/// The virtual counter, CNTVCT_EL0.
std::uint64_t counter();
/// Its frequency in Hz, CNTFRQ_EL0.
std::uint64_t counter_frequency();

/// The interrupt of the wake-up alarm wait_until() uses: the virtual timer's PPI. A guest that
/// waits with Wake::kAlarm enables it on that CPU (gic::enable_ppi) and its IRQ handler calls
/// stop_alarm() when it acknowledges it (else the level-triggered timer fires again at once).
inline constexpr std::uint32_t kAlarmIntid = 27;
/// Disables this CPU's virtual timer, which silences the alarm.
void stop_alarm();

/// What wakes a CPU sleeping in wait_until().
enum class Wake {
  /// Only the interrupts the caller expects (its own timer ticks, an SGI): the wait is
  /// bounded only if one of them comes. For a CPU whose virtual timer is already in use.
  kInterruptsOnly,
  /// Those, and the wake-up alarm: this CPU's virtual timer, armed for every millisecond
  /// of the wait and stopped afterwards, so that the timeout is honoured even if nothing else
  /// ever comes. Needs kAlarmIntid set up as described there.
  kAlarm,
};

/// \cond INTERNAL
namespace detail {
void arm_alarm(std::uint64_t counter_value);
inline constexpr std::uint64_t kAlarmPeriodMs = 1;
}  // namespace detail
/// \endcond

/// Sleeps until \p done() returns true (then returns true), or until \p timeout_ms milliseconds
/// have passed (then false). The caller decides what a timeout means and names it in a FAIL.
///
/// A waiting CPU sleeps rather than spins: with several vCPUs per host core, a spinning one
/// steals the time the others need. The loop is the one that loses no wake-up: mask IRQs,
/// check, WFI (which wakes on a pending interrupt even while masked), unmask to take the
/// interrupt, mask, check again. \p done() runs with IRQs masked. IRQs are unmasked while it
/// waits; the caller's mask is restored on return.
template <typename Done>
bool wait_until(Done&& done, std::uint64_t timeout_ms, Wake wake) {
  const std::uint64_t per_ms = counter_frequency() / 1000;
  const std::uint64_t deadline = counter() + timeout_ms * per_ms;
  std::uint64_t daif;
  asm volatile("mrs %0, daif; msr daifset, #2" : "=r"(daif)::"memory");
  bool ok = false;
  for (;;) {
    if (done()) {
      ok = true;
      break;
    }
    const std::uint64_t now = counter();
    if (now >= deadline) break;
    if (wake == Wake::kAlarm) {
      const std::uint64_t next = now + detail::kAlarmPeriodMs * per_ms;
      detail::arm_alarm(next < deadline ? next : deadline);
    }
    asm volatile("wfi" ::: "memory");
    asm volatile("msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
  }
  if (wake == Wake::kAlarm) stop_alarm();
  asm volatile("msr daif, %0; isb" ::"r"(daif) : "memory");
  return ok;
}

// ---- device access --------------------------------------------------------------------------

/// Reads a \p T (1, 2, 4 or 8 bytes) from the device register at physical address \p address.
///
/// Written as a single plain load (`ldrb`, `ldrh`, `ldr w`, `ldr x`) in inline assembly, so the
/// compiler can neither merge, split nor drop it, nor pick a form with writeback: for those the
/// CPU gives the hypervisor no syndrome to emulate the access with.
template <typename T>
T mmio_read(std::uint64_t address) {
  static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
  std::uint64_t value;
  if constexpr (sizeof(T) == 1) {
    asm volatile("ldrb %w0, [%1]" : "=r"(value) : "r"(address) : "memory");
  } else if constexpr (sizeof(T) == 2) {
    asm volatile("ldrh %w0, [%1]" : "=r"(value) : "r"(address) : "memory");
  } else if constexpr (sizeof(T) == 4) {
    asm volatile("ldr %w0, [%1]" : "=r"(value) : "r"(address) : "memory");
  } else {
    asm volatile("ldr %0, [%1]" : "=r"(value) : "r"(address) : "memory");
  }
  return static_cast<T>(value);
}

/// Writes \p value (1, 2, 4 or 8 bytes wide) to the device register at \p address, as a single
/// plain store (see mmio_read).
template <typename T>
void mmio_write(std::uint64_t address, T value) {
  static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
  const auto v = static_cast<std::uint64_t>(value);
  if constexpr (sizeof(T) == 1) {
    asm volatile("strb %w0, [%1]" ::"r"(v), "r"(address) : "memory");
  } else if constexpr (sizeof(T) == 2) {
    asm volatile("strh %w0, [%1]" ::"r"(v), "r"(address) : "memory");
  } else if constexpr (sizeof(T) == 4) {
    asm volatile("str %w0, [%1]" ::"r"(v), "r"(address) : "memory");
  } else {
    asm volatile("str %0, [%1]" ::"r"(v), "r"(address) : "memory");
  }
}

// ---- checks and the verdict -----------------------------------------------------------------

/// This guest's name, as its PASS/FAIL line spells it. Every guest defines it once:
/// `const char el2lab::guest::kGuestName[] = "mmio";`.
extern const char kGuestName[];

/// A check: if \p ok is false, prints "  check failed: <what>" and remembers the first failure
/// for report(). Returns \p ok, so a guest can skip checks that depend on this one.
bool expect(bool ok, std::string_view what);

/// Checks that \p got equals \p want; a failure reads "<what>: got 0x.., expected 0x..".
bool expect_eq(std::uint64_t got, std::uint64_t want, std::string_view what);

/// expect() with the description written from \p what (fmt::write's arguments), for checks
/// that name a CPU or a round: `check(ok, "vCPU ", n, ": timer ticks")`.
template <typename... What>
bool check(bool ok, const What&... what) {
  if (ok) return true;
  fmt::Buffer<200> text;
  fmt::write(text, what...);
  return expect(false, text.view());
}

/// expect_eq() with the description written from \p what.
template <typename... What>
bool check_eq(std::uint64_t got, std::uint64_t want, const What&... what) {
  if (got == want) return true;
  fmt::Buffer<200> text;
  fmt::write(text, what...);
  return expect_eq(got, want, text.view());
}

/// True while no check has failed.
bool all_passed();

/// Prints the verdict: "PASS <kGuestName>" if every check passed, otherwise
/// "FAIL <kGuestName>: <the first failure>". Call it once, at the end.
void report();

/// Prints "PASS <name>" (for guests that decide by themselves, without expect()).
void pass(std::string_view name);
/// Prints "FAIL <name>: <reason>".
void fail(std::string_view name, std::string_view reason);

// ---- exceptions taken at EL1 ----------------------------------------------------------------

/// The registers vectors.S saves when the guest takes an exception, in this order. A handler
/// may change them; the vector code loads them back before its ERET.
struct ExceptionFrame {
  std::uint64_t x[31];  ///< x0–x30 at the moment of the exception.
  std::uint64_t elr;    ///< ELR_EL1: where execution resumes (the faulting instruction).
  std::uint64_t spsr;   ///< SPSR_EL1: the interrupted PSTATE.
  std::uint64_t pad;    ///< Keeps the frame a multiple of 16 bytes (SP alignment).
};
static_assert(sizeof(ExceptionFrame) == 272);

/// What a handler learns about a synchronous exception taken at EL1.
struct ExceptionInfo {
  std::uint64_t esr;      ///< ESR_EL1: the syndrome (why).
  std::uint64_t far;      ///< FAR_EL1: the faulting address (meaningful for aborts only).
  unsigned vector;        ///< Which of the 16 vectors fired (0 = SP_EL0 sync, 4 = SP_EL1 sync).
  ExceptionFrame* frame;  ///< The saved registers.

  /// ESR_EL1.EC, bits [31:26]: the exception class (0x00 undefined, 0x25 data abort, ...).
  unsigned ec() const { return static_cast<unsigned>(esr >> 26) & 0x3f; }
  /// ESR_EL1.ISS, bits [24:0]: the class-specific details.
  std::uint32_t iss() const { return static_cast<std::uint32_t>(esr) & 0x1ff'ffff; }
  /// The address of the instruction that raised the exception.
  std::uint64_t elr() const { return frame->elr; }
  /// Makes the exception return to the instruction after the faulting one, instead of
  /// running the faulting one again.
  void resume_after_instruction() { frame->elr += 4; }
};

/// A handler for synchronous exceptions: returns true if it dealt with the exception (the
/// guest then resumes at frame->elr), false to let the runtime report it as unexpected.
using SyncHandler = bool (*)(ExceptionInfo&);

/// Points VBAR_EL1 at the runtime's vector table (vectors.S). guest_start does this before
/// guest_main, so every guest reports a stray exception instead of hanging.
void install_vectors();

/// Sends synchronous exceptions taken at EL1 to \p handler (nullptr: none). Any exception the
/// handler declines, and every IRQ, FIQ and SError, prints
/// "FAIL <guest>: unexpected exception ESR ... ELR ..." and powers the machine off.
void set_sync_handler(SyncHandler handler);

/// Handles an IRQ taken at EL1 (vector 5, EL1 with SP_EL1); installed with set_irq_handler().
using IrqHandler = void (*)();

/// Installs \p handler for IRQs, on every CPU (a handler that must tell them apart asks
/// cpu_index()); without one, an IRQ is an unexpected exception (FAIL).
void set_irq_handler(IrqHandler handler);

}  // namespace el2lab::guest

/// Each guest's main function.
void guest_main(std::uint64_t device_tree);
