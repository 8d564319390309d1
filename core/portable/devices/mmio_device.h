#pragma once
/// \file
/// \brief What an emulated MMIO device looks like to the run loop.

#include <cstdint>
#include <optional>

namespace el2lab::devices {

/// \defgroup devices Emulated devices
/// \brief Register blocks the hypervisor emulates for guests, one MMIO access at a time.
/// \{

/// True if an access of \p width bytes at \p offset is naturally aligned and 1, 2, 4 or 8
/// bytes wide — the only accesses el2lab's devices accept, like most real device registers.
constexpr bool is_natural_access(std::uint64_t offset, unsigned width) {
  return (width == 1 || width == 2 || width == 4 || width == 8) && offset % width == 0;
}

/// Bytes [offset, offset + width) of a little-endian 64-bit register value, as a load of that
/// width would see them.
constexpr std::uint64_t extract_bytes(std::uint64_t reg, unsigned offset, unsigned width) {
  const std::uint64_t shifted = reg >> (8 * offset);
  return width >= 8 ? shifted : shifted & ((std::uint64_t{1} << (8 * width)) - 1);
}

/// \}

}  // namespace el2lab::devices
