#pragma once
/// \file
/// \brief The hypervisor's log: every line it prints starts with "[el2lab] ".

#include <cstdint>
#include <string_view>

#include "core/portable/format.h"

namespace el2lab {

/// \defgroup boot Boot
/// \brief From QEMU's jump to el2lab_entry to the first guest instruction.
/// \{

/// \brief The console: an fmt::Output that writes to the board's UART.
class Console {
 public:
  /// Writes \p text to the UART.
  void put(std::string_view text);
  /// Switches output to the PL011 at \p base (read from the device tree).
  static void use_uart(std::uint64_t base);
};

/// The one console instance.
Console& console();

/// Serialises whole log lines between CPUs (a spinlock).
class ConsoleLock {
 public:
  /// Waits until this CPU owns the console.
  ConsoleLock();
  /// Lets the next CPU print.
  ~ConsoleLock();
  ConsoleLock(const ConsoleLock&) = delete;
  ConsoleLock& operator=(const ConsoleLock&) = delete;
};

/// Prints one log line: "[el2lab] " followed by \p args and a newline.
template <typename... Args>
void log(const Args&... args) {
  const ConsoleLock lock;
  fmt::write(console(), "[el2lab] ", args..., "\n");
}

/// \}

}  // namespace el2lab
