#include "core/el2/console.h"

#include <atomic>

#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/pl011.h"

namespace el2lab {
namespace {

// QEMU's virt UART is always at this address; the device tree may move it on other boards.
board::Pl011 uart(board::kEarlyUartBase);
Console the_console;

}  // namespace

void Console::put(std::string_view text) {
  uart.put(text);
}

void Console::use_uart(std::uint64_t base) {
  uart = board::Pl011(base);
}

Console& console() {
  return the_console;
}

namespace {
std::atomic<bool> console_busy{false};
}  // namespace

ConsoleLock::ConsoleLock() {
  while (console_busy.exchange(true, std::memory_order_acquire)) {
  }
}

ConsoleLock::~ConsoleLock() {
  console_busy.store(false, std::memory_order_release);
}

}  // namespace el2lab
