#pragma once
/// \file
/// \brief What lab 04's HAL may touch of the GIC's virtual interface: the raw list registers
/// and the registers that say how many there are and which are empty — as 64-bit system
/// registers (GICv3) or 32-bit words of the GICH frame (GICv2). Encoding is yours (lr_codec.h).

#include <cstdint>

#include "core/el2/gic_driver.h"
#include "core/portable/gic.h"

namespace el2lab::labs::lr_access {

/// True when the board's GIC is a GICv3 (list registers are system registers).
inline bool is_gicv3() {
  return gic::version() == GicVersion::kV3;
}

// ---- GICv3 -----------------------------------------------------------------------------------

/// ICH_VTR_EL2: bits [4:0] are the number of list registers minus one.
inline std::uint64_t read_ich_vtr_el2() {
  std::uint64_t v;
  asm volatile("mrs %0, ich_vtr_el2" : "=r"(v));
  return v;
}
/// ICH_ELRSR_EL2: a bit per list register whose state is invalid (empty).
inline std::uint64_t read_ich_elrsr_el2() {
  std::uint64_t v;
  asm volatile("mrs %0, ich_elrsr_el2" : "=r"(v));
  return v;
}
/// ICH_EISR_EL2: a bit per list register the guest EOI'd with its EOI maintenance bit set.
inline std::uint64_t read_ich_eisr_el2() {
  std::uint64_t v;
  asm volatile("mrs %0, ich_eisr_el2" : "=r"(v));
  return v;
}

// ICH_LR<n>_EL2 are sixteen registers with their own names: one case each.
#define EL2LAB_LAB04_LRS(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

/// ICH_LR<n>_EL2's raw value (0 for n > 15).
inline std::uint64_t read_ich_lr(unsigned n) {
  std::uint64_t v = 0;
  switch (n) {
#define EL2LAB_LAB04_READ(i) \
  case i: asm volatile("mrs %0, ich_lr" #i "_el2" : "=r"(v)); break;
    EL2LAB_LAB04_LRS(EL2LAB_LAB04_READ)
#undef EL2LAB_LAB04_READ
    default: break;
  }
  return v;
}

/// Writes ICH_LR<n>_EL2 (ignored for n > 15), then an ISB so the write takes effect before the
/// guest runs.
inline void write_ich_lr(unsigned n, std::uint64_t value) {
  switch (n) {
#define EL2LAB_LAB04_WRITE(i) \
  case i: asm volatile("msr ich_lr" #i "_el2, %0" ::"r"(value)); break;
    EL2LAB_LAB04_LRS(EL2LAB_LAB04_WRITE)
#undef EL2LAB_LAB04_WRITE
    default: break;
  }
  asm volatile("isb" ::: "memory");
}
#undef EL2LAB_LAB04_LRS

// ---- GICv2: the GICH frame (memory-mapped; the EL2 MMU is off, so physical addresses) --------

/// Physical address of GICH on QEMU's virt board (hw/arm/virt.c, VIRT_GIC_HYP).
inline constexpr std::uint64_t kGichBase = 0x0803'0000;
/// GICH_VTR (bits [5:0]: list registers minus one), GICH_EISR0, GICH_ELRSR0, GICH_LR0.
inline constexpr std::uint64_t kGichVtr = 0x04, kGichEisr0 = 0x20, kGichElrsr0 = 0x30,
                               kGichLr0 = 0x100;

/// Reads the 32-bit GICH register at \p offset.
inline std::uint32_t read_gich(std::uint64_t offset) {
  return *reinterpret_cast<volatile const std::uint32_t*>(kGichBase + offset);
}
/// Writes the 32-bit GICH register at \p offset.
inline void write_gich(std::uint64_t offset, std::uint32_t value) {
  *reinterpret_cast<volatile std::uint32_t*>(kGichBase + offset) = value;
}

}  // namespace el2lab::labs::lr_access
