#pragma once
/// \file
/// \brief Lab 04 — virtual interrupts: a list register's 64 (GICv3) or 32 (GICv2) bits from a
/// gic::ListEntry, and back. Pure functions: the host test (tests/lr_test.cc) checks them bit
/// by bit against the GIC architecture's layout, and drives the core's VirtualInterrupts
/// through them. Write them from the architecture's description (the comments below), not
/// from core/portable/gic.h.

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
  // TODO(04.1): build the 64-bit value field by field (place() helps).
  (void)e;
  return 0;
}

/// The entry an ICH_LR<n>_EL2 value holds.
constexpr gic::ListEntry decode_v3(std::uint64_t lr) {
  // TODO(04.1): the inverse of encode_v3 (bits() helps); pINTID only with HW, EOI only without.
  (void)lr;
  return {};
}

// ---- GICv2: GICH_LR<n> ------------------------------------------------------------------------

/// GICH_LR<n> for \p e: VirtualID [9:0]; with HW, PhysicalID [19:10]; without HW, EOI [19]
/// and, for an SGI, the source CPUID [12:10]; Priority [27:23] (the top five bits of the 8-bit
/// priority); State [29:28]; Grp1 [30]; HW [31].
constexpr std::uint32_t encode_v2(const gic::ListEntry& e) {
  // TODO(04.2): the 32-bit GICH_LR value; only the top five bits of the priority fit.
  (void)e;
  return 0;
}

/// The entry a GICH_LR<n> value holds.
constexpr gic::ListEntry decode_v2(std::uint32_t lr) {
  // TODO(04.2): the inverse of encode_v2; the priority comes back with its low three bits zero.
  (void)lr;
  return {};
}

}  // namespace el2lab::labs::lr_codec
