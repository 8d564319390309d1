// The guest's console output, as the emulated PL011 delivers it byte by byte.
//
// Bytes are collected into whole lines before they reach the real UART, so that a hypervisor
// log line never lands in the middle of a line the guest is printing: the guest's text comes
// out exactly as on bare QEMU, only interleaved line by line with the log.
#include "core/el2/console.h"

namespace el2lab {
namespace {

constexpr std::size_t kLineBytes = 256;
fmt::Buffer<kLineBytes> pending_line;

// A line end, a carriage return (Console::put turns "\n" into "\r\n" itself) or the byte that
// fills the line. Out of line: the common byte needs no frame.
[[gnu::noinline]] void put_rare(char c) {
  if (c == '\r') return;
  pending_line.put(c);
  guest_console_flush();
}

}  // namespace

void guest_console_put(char c) {
  // The common byte goes into the line and that is all.
  if (c == '\n' || c == '\r' || pending_line.view().size() + 1 >= kLineBytes) [[unlikely]]
    return put_rare(c);
  pending_line.put(c);
}

// Out of line: kept off the path of the common byte.
[[gnu::noinline]] void guest_console_flush() {
  const ConsoleLock lock;
  console().put(pending_line.view());
  pending_line.clear();
}

}  // namespace el2lab
