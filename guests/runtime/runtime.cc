// runtime.cc — what guest.h declares: the console, hypercalls, checks and the exception hook.
#include "core/portable/psci.h"
#include "guests/runtime/guest.h"

/// The vector table (vectors.S).
extern "C" char guest_vector_table[];

namespace el2lab::guest {

// ---- console --------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::uint64_t kUartFr = 0x18;
constexpr std::uint32_t kUartTxFull = 1u << 5;

volatile std::uint32_t& uart_reg(std::uint64_t offset) {
  return *reinterpret_cast<volatile std::uint32_t*>(kUartBase + offset);
}

void put_char(char c) {
  while ((uart_reg(kUartFr) & kUartTxFull) != 0) {
  }
  uart_reg(0) = static_cast<unsigned char>(c);
}

Uart the_uart;

}  // namespace

void Uart::put(std::string_view text) {
  for (char c : text) {
    if (c == '\n') put_char('\r');
    put_char(c);
  }
}

Uart& uart() {
  return the_uart;
}

// ---- calls to the hypervisor ----------------------------------------------------------------

std::uint64_t hvc(std::uint64_t function, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3) {
  register std::uint64_t x0 asm("x0") = function;
  register std::uint64_t x1 asm("x1") = a1;
  register std::uint64_t x2 asm("x2") = a2;
  register std::uint64_t x3 asm("x3") = a3;
  asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return x0;
}

std::uint64_t smc(std::uint64_t function, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3) {
  register std::uint64_t x0 asm("x0") = function;
  register std::uint64_t x1 asm("x1") = a1;
  register std::uint64_t x2 asm("x2") = a2;
  register std::uint64_t x3 asm("x3") = a3;
  asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return x0;
}

void system_off() {
  hvc(static_cast<std::uint64_t>(psci::Function::kSystemOff));
  println("guest: SYSTEM_OFF returned; spinning");
  for (;;) asm volatile("wfi");
}

std::uint64_t exit_count(abi::ExitKind kind) {
  return hvc(static_cast<std::uint64_t>(abi::Hypercall::kExitCount),
             static_cast<std::uint64_t>(kind));
}

unsigned current_el() {
  std::uint64_t el;
  asm volatile("mrs %0, CurrentEL" : "=r"(el));
  return static_cast<unsigned>((el >> 2) & 3);
}

// ---- checks and the verdict -----------------------------------------------------------------

namespace {

int failures = 0;
fmt::Buffer<200> first_failure;     // what report() prints after "FAIL <guest>: "
constexpr int kFailuresShown = 12;  // a broken feature fails many checks: show the first few

}  // namespace

bool expect(bool ok, std::string_view what) {
  if (ok) return true;
  if (failures == 0) first_failure.put(what);
  if (failures < kFailuresShown) println("  check failed: ", what);
  if (failures == kFailuresShown) println("  (further failed checks are not shown)");
  ++failures;
  return false;
}

bool expect_eq(std::uint64_t got, std::uint64_t want, std::string_view what) {
  if (got == want) return true;
  fmt::Buffer<200> text;
  fmt::write(text, what, ": got ", fmt::Hex{got}, ", expected ", fmt::Hex{want});
  return expect(false, text.view());
}

bool all_passed() {
  return failures == 0;
}

void report() {
  if (failures == 0) {
    pass(kGuestName);
    return;
  }
  if (failures > 1) println(kGuestName, ": ", failures, " checks failed, reporting the first");
  fail(kGuestName, first_failure.view());
}

void pass(std::string_view name) {
  println("PASS ", name);
}

void fail(std::string_view name, std::string_view reason) {
  println("FAIL ", name, ": ", reason);
}

// ---- exceptions taken at EL1 ----------------------------------------------------------------

namespace {

SyncHandler sync_handler = nullptr;

}  // namespace

void install_vectors() {
  asm volatile("msr vbar_el1, %0\n isb" ::"r"(guest_vector_table) : "memory");
}

void set_sync_handler(SyncHandler handler) {
  sync_handler = handler;
}

}  // namespace el2lab::guest

using namespace el2lab;
using namespace el2lab::guest;

/// Called by vectors.S for every exception taken at EL1, with the index (0–15) of the vector
/// that fired and the registers it saved. Returning resumes the guest at frame->elr.
namespace {
el2lab::guest::IrqHandler irq_handler = nullptr;
}  // namespace

void el2lab::guest::set_irq_handler(IrqHandler handler) { irq_handler = handler; }

extern "C" void guest_exception(std::uint64_t vector, ExceptionFrame* frame) {
  ExceptionInfo info{};
  asm volatile("mrs %0, esr_el1" : "=r"(info.esr));
  asm volatile("mrs %0, far_el1" : "=r"(info.far));
  info.vector = static_cast<unsigned>(vector);
  info.frame = frame;
  // Vectors 0 and 4 are the synchronous entries for exceptions taken from EL1 itself.
  const bool synchronous_from_el1 = vector == 0 || vector == 4;
  if (synchronous_from_el1 && sync_handler != nullptr && sync_handler(info)) return;
  constexpr std::uint64_t kIrqFromEl1Spx = 5;
  if (vector == kIrqFromEl1Spx && irq_handler != nullptr) {
    irq_handler();
    return;
  }

  constexpr std::string_view kKinds[] = {"synchronous", "IRQ", "FIQ", "SError"};
  println("FAIL ", kGuestName, ": unexpected exception ESR ", fmt::Hex{info.esr}, " ELR ",
          fmt::Hex{frame->elr}, " FAR ", fmt::Hex{info.far}, " (", kKinds[vector % 4], ", vector ",
          vector, ")");
  system_off();
}

/// Called by head.S with the device tree address.
extern "C" [[noreturn]] void guest_start(std::uint64_t device_tree) {
  install_vectors();
  guest_main(device_tree);
  system_off();
}

/// A failed precondition inside libstdc++'s header code (core/runtime/cxx_support.cc).
extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what) {
  fail(kGuestName, what == nullptr ? "C++ runtime error" : what);
  system_off();
}
