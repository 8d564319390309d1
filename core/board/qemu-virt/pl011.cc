#include "core/board/qemu-virt/pl011.h"

namespace el2lab::board {
namespace {

// Register offsets and flag bits (PL011 TRM).
constexpr std::uint64_t kDr = 0x000;  // data register
constexpr std::uint64_t kFr = 0x018;  // flag register
constexpr std::uint32_t kFrBusy = 1u << 3;
constexpr std::uint32_t kFrTxFull = 1u << 5;

volatile std::uint32_t& reg(std::uint64_t base, std::uint64_t offset) {
  return *reinterpret_cast<volatile std::uint32_t*>(base + offset);
}

}  // namespace

void Pl011::put_char(char c) const {
  while ((reg(base_, kFr) & kFrTxFull) != 0) {
  }
  reg(base_, kDr) = static_cast<unsigned char>(c);
}

void Pl011::put(std::string_view text) const {
  for (char c : text) {
    if (c == '\n') put_char('\r');
    put_char(c);
  }
}

void Pl011::flush() const {
  while ((reg(base_, kFr) & kFrBusy) != 0) {
  }
}

}  // namespace el2lab::board
