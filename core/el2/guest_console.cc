// The guest's console output, as the emulated PL011 delivers it byte by byte.
//
// Bytes are collected into whole lines before they reach the real UART, so that a hypervisor
// log line never lands in the middle of a line the guest is printing: the guest's text comes
// out exactly as on bare QEMU, only interleaved line by line with the log.
#include "core/el2/console.h"

namespace el2lab {
namespace {

fmt::Buffer<256> pending_line;

}  // namespace

void guest_console_put(char c) {
  if (c == '\r') return;  // Console::put turns "\n" into "\r\n" itself
  pending_line.put(c);
  if (c == '\n' || pending_line.full()) [[unlikely]]
    return guest_console_flush();
}

// Out of line: guest_console_put() then needs no frame for the byte that only goes into the
// line (a tail call here once the line is complete).
[[gnu::noinline]] void guest_console_flush() {
  const ConsoleLock lock;
  console().put(pending_line.view());
  pending_line.clear();
}

}  // namespace el2lab
