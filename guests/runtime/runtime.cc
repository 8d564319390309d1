#include "core/portable/psci.h"
#include "guests/runtime/guest.h"

namespace el2lab::guest {
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

unsigned current_el() {
  std::uint64_t el;
  asm volatile("mrs %0, CurrentEL" : "=r"(el));
  return static_cast<unsigned>((el >> 2) & 3);
}

void pass(std::string_view name) {
  println("PASS ", name);
}

void fail(std::string_view name, std::string_view reason) {
  println("FAIL ", name, ": ", reason);
}

}  // namespace el2lab::guest

/// Called by head.S with the device tree address.
extern "C" [[noreturn]] void guest_start(std::uint64_t device_tree) {
  guest_main(device_tree);
  el2lab::guest::system_off();
}

/// A failed precondition inside libstdc++'s header code (core/runtime/cxx_support.cc).
extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what) {
  el2lab::guest::fail("runtime", what == nullptr ? "C++ runtime error" : what);
  el2lab::guest::system_off();
}
