#pragma once
/// \file
/// \brief Lab 04 — virtual interrupts: a list register's 64 (GICv3) or 32 (GICv2) bits from a
/// gic::ListEntry, and back. Pure functions: the host test checks them bit by bit.

#include <cstdint>

#include "core/portable/gic.h"

namespace el2lab::labs::lr_codec {

/// Bits [hi:lo] of \p word, shifted down.
constexpr std::uint64_t bits(std::uint64_t word, unsigned hi, unsigned lo) {
  return (word >> lo) & ((std::uint64_t{1} << (hi - lo + 1)) - 1);
}
/// \p value placed at bits [hi:lo] (cut to the field's width).
constexpr std::uint64_t place(std::uint64_t value, unsigned hi, unsigned lo) {
  return (value & ((std::uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
}

// ---- GICv3: ICH_LR<n>_EL2 ---------------------------------------------------------------------

/// ICH_LR<n>_EL2 for \p e: vINTID [31:0]; with HW, pINTID [44:32]; without HW, EOI [41] (a
/// maintenance interrupt when the guest EOIs it); Priority [55:48]; Group [60]; HW [61];
/// State [63:62].
constexpr std::uint64_t encode_v3(const gic::ListEntry& e) {
  std::uint64_t lr = place(e.virtual_id, 31, 0) | place(e.priority, 55, 48) |
                     place(e.group1, 60, 60) | place(e.hw, 61, 61) |
                     place(static_cast<std::uint64_t>(e.state), 63, 62);
  if (e.hw) {
    lr |= place(e.physical_id, 44, 32);
  } else if (e.eoi_maintenance) {
    lr |= place(1, 41, 41);
  }
  return lr;
}

/// The entry an ICH_LR<n>_EL2 value holds.
constexpr gic::ListEntry decode_v3(std::uint64_t lr) {
  gic::ListEntry e;
  e.virtual_id = static_cast<std::uint32_t>(bits(lr, 31, 0));
  e.hw = bits(lr, 61, 61) != 0;
  e.physical_id = e.hw ? static_cast<std::uint32_t>(bits(lr, 44, 32)) : 0;
  e.eoi_maintenance = !e.hw && bits(lr, 41, 41) != 0;
  e.priority = static_cast<std::uint8_t>(bits(lr, 55, 48));
  e.group1 = bits(lr, 60, 60) != 0;
  e.state = static_cast<gic::LrState>(bits(lr, 63, 62));
  return e;
}

// ---- GICv2: GICH_LR<n> ------------------------------------------------------------------------

/// GICH_LR<n> for \p e: VirtualID [9:0]; with HW, PhysicalID [19:10]; without HW, EOI [19]
/// and, for an SGI, the source CPUID [12:10]; Priority [27:23] (the top five bits of the 8-bit
/// priority); State [29:28]; Grp1 [30]; HW [31].
constexpr std::uint32_t encode_v2(const gic::ListEntry& e) {
  std::uint64_t lr = place(e.virtual_id, 9, 0) | place(e.priority >> 3, 27, 23) |
                     place(static_cast<std::uint64_t>(e.state), 29, 28) | place(e.group1, 30, 30) |
                     place(e.hw, 31, 31);
  if (e.hw) {
    lr |= place(e.physical_id, 19, 10);
  } else {
    lr |= place(e.source_cpu, 12, 10) | place(e.eoi_maintenance, 19, 19);
  }
  return static_cast<std::uint32_t>(lr);
}

/// The entry a GICH_LR<n> value holds.
constexpr gic::ListEntry decode_v2(std::uint32_t lr) {
  gic::ListEntry e;
  e.virtual_id = static_cast<std::uint32_t>(bits(lr, 9, 0));
  e.hw = bits(lr, 31, 31) != 0;
  e.physical_id = e.hw ? static_cast<std::uint32_t>(bits(lr, 19, 10)) : 0;
  e.source_cpu = e.hw ? 0 : static_cast<std::uint8_t>(bits(lr, 12, 10));
  e.eoi_maintenance = !e.hw && bits(lr, 19, 19) != 0;
  e.priority = static_cast<std::uint8_t>(bits(lr, 27, 23) << 3);
  e.group1 = bits(lr, 30, 30) != 0;
  e.state = static_cast<gic::LrState>(bits(lr, 29, 28));
  return e;
}

}  // namespace el2lab::labs::lr_codec
