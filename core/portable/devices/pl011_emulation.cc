#include "core/portable/devices/pl011_emulation.h"

namespace el2lab::devices {
namespace {

constexpr std::uint64_t kDr = 0x000;
constexpr std::uint64_t kRsr = 0x004;  // receive status / error clear
constexpr std::uint64_t kFr = 0x018;
constexpr std::uint64_t kRis = 0x03c;
constexpr std::uint64_t kMis = 0x040;
constexpr std::uint64_t kIcr = 0x044;
constexpr std::uint32_t kFrRxEmpty = 1u << 4;
constexpr std::uint32_t kFrTxEmpty = 1u << 7;
constexpr std::uint64_t kIdBase = 0xfe0;
// PeriphID0-3 then PCellID0-3 (PL011 TRM): part 0x011, designer ARM (0x41), revision 1.
constexpr std::uint8_t kIds[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

}  // namespace

std::optional<std::uint64_t> Pl011Emulation::read(std::uint64_t offset, unsigned width) const {
  if (is_doubleword(offset, width)) {  // (two word reads, which an aligned word always passes)
    return read(offset, 4).value_or(0) | (read(offset + 4, 4).value_or(0) << 32);
  }
  if (!valid(offset, width)) return std::nullopt;
  const std::uint64_t reg = offset & ~std::uint64_t{3};
  // DR reads 0 (nothing is ever received), RSR 0 (nor any receive error), RIS and MIS read 0
  // (no interrupt is ever raised).
  std::uint32_t value = 0;
  if (reg == kFr) {
    value = kFrTxEmpty | kFrRxEmpty;
  } else if (reg == kDr || reg == kRsr || reg == kRis || reg == kMis) {
    value = 0;
  } else if (reg >= kIdBase) {
    value = kIds[(reg - kIdBase) / 4];
  } else if (reg / 4 < regs_.size()) {
    value = regs_[reg / 4];
  }
  const unsigned shift = 8 * static_cast<unsigned>(offset & 3);
  const std::uint64_t mask = width == 4 ? 0xffff'ffff : (std::uint64_t{1} << (8 * width)) - 1;
  return (value >> shift) & mask;
}

bool Pl011Emulation::write_register(std::uint64_t offset, unsigned width, std::uint64_t value) {
  if (!valid(offset, width)) return false;
  const std::uint64_t reg = offset & ~std::uint64_t{3};
  if (reg == kDr || reg == kRsr || reg == kIcr || reg == kFr || reg >= kIdBase) {
    // DR's upper bytes send nothing (write() sends its low byte); error clear and interrupt
    // clear have nothing to clear; flags and IDs are read-only.
  } else if (reg / 4 < regs_.size() && width == 4) {
    regs_[reg / 4] = static_cast<std::uint32_t>(value);
  }
  return true;
}

}  // namespace el2lab::devices
