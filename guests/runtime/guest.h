#pragma once
/// \file
/// \brief The tiny runtime every el2lab guest links: console, hypercalls, checks, exceptions.
///
/// A guest defines `void guest_main(std::uint64_t device_tree)` and its name (kGuestName);
/// when guest_main returns, the runtime powers the machine off with PSCI SYSTEM_OFF. The
/// reporting convention the tests read: exactly one line "PASS <guest>" or
/// "FAIL <guest>: <reason>".
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

/// Prints \p args and a newline.
template <typename... Args>
void println(const Args&... args) {
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

/// Installs \p handler for IRQs; without one, an IRQ is an unexpected exception (FAIL).
void set_irq_handler(IrqHandler handler);

}  // namespace el2lab::guest

/// Each guest's main function.
void guest_main(std::uint64_t device_tree);
