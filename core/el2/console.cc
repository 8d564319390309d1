#include "core/el2/console.h"

#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/pl011.h"
#include "core/el2/spinlock.h"

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
SpinLock console_lock;
}  // namespace

ConsoleLock::ConsoleLock() {
  console_lock.lock();
}

ConsoleLock::~ConsoleLock() {
  console_lock.unlock();
}

}  // namespace el2lab
