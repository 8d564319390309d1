#pragma once
/// \file
/// \brief The guest's console output, as the emulated PL011 delivers it byte by byte.
///
/// Bytes are collected into whole lines before they reach the real UART, so that a hypervisor
/// log line never lands in the middle of a line the guest is printing: the guest's text comes
/// out exactly as on bare QEMU, only interleaved line by line with the log.

#include <array>
#include <cstddef>

namespace el2lab {

/// \ingroup vmm
/// \brief The line the guest is printing. Its bytes come from the UART's data register, under
/// the lock of the devices (MmioDevices); the line goes out under the console's.
class GuestConsole {
 public:
  /// One byte the guest wrote to its UART. The common byte goes into the line and that is all
  /// (inline: it is on the path of every byte the guest prints).
  [[gnu::always_inline]] void put(char c) {
    if (c == '\n' || c == '\r' || length_ == kLineBytes - 1) [[unlikely]]
      return end_line(c);
    line_[length_++] = c;
  }
  /// Writes out the line so far, ended or not. Called under the devices' lock
  /// (MmioDevices::flush_console(), before the run's summary), or by a panic report, which
  /// cannot wait for a lock its own CPU may hold.
  void flush();

 private:
  static constexpr std::size_t kLineBytes = 256;
  // A line end, a carriage return (the console turns "\n" into "\r\n" itself) or the byte that
  // fills the line. Out of line: the common byte needs no frame.
  [[gnu::noinline]] void end_line(char c);

  std::array<char, kLineBytes> line_{};
  std::size_t length_ = 0;
};

/// The guest's console (one VM, one console).
extern GuestConsole guest_console;

}  // namespace el2lab
