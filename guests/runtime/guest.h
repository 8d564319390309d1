#pragma once
/// \file
/// \brief The tiny runtime every el2lab guest links: console, hypercalls, PASS/FAIL.
///
/// A guest defines `void guest_main(std::uint64_t device_tree)`; when it returns the runtime
/// powers the machine off with PSCI SYSTEM_OFF. The reporting convention the tests read:
/// exactly one line "PASS <guest>" or "FAIL <guest>: <reason>".

#include <cstdint>
#include <string_view>

#include "core/portable/format.h"

namespace el2lab::guest {

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

/// An SMC Calling Convention call over HVC: x0 = \p function, x1..x3 = arguments; returns x0.
std::uint64_t hvc(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0);
/// The same over SMC (which the hypervisor traps).
std::uint64_t smc(std::uint64_t function, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0);

/// PSCI SYSTEM_OFF over HVC: ends the run.
[[noreturn]] void system_off();

/// The exception level the guest runs at (1 under el2lab).
unsigned current_el();

/// Prints "PASS <name>".
void pass(std::string_view name);
/// Prints "FAIL <name>: <reason>".
void fail(std::string_view name, std::string_view reason);

}  // namespace el2lab::guest

/// Each guest's main function.
void guest_main(std::uint64_t device_tree);
