#pragma once
/// \file
/// \brief What lab 01's HAL may read of the physical GIC: which generation the board has, the
/// GICv3 acknowledge register, and where GICv2's memory-mapped CPU interface is.
///
/// The reference driver (core/el2/gic_driver.cc) keeps these to itself; this small read-only
/// header hands a lab HAL exactly what it needs to acknowledge an interrupt on its own.

#include <cstdint>

#include "core/el2/gic_driver.h"
#include "core/portable/gic.h"

namespace el2lab::labs::gic_access {

/// True when the board's GIC is a GICv3 (system-register CPU interface).
inline bool is_gicv3() {
  return gic::version() == GicVersion::kV3;
}
/// True when the board's GIC is a GICv2 (memory-mapped CPU interface).
inline bool is_gicv2() {
  return gic::version() == GicVersion::kV2;
}

/// Physical (= hypervisor, the EL2 MMU is off) address of the GICv2 CPU interface, GICC.
/// QEMU's virt board places it at a fixed address (hw/arm/virt.c, VIRT_GIC_CPU); the
/// hypervisor reads the same address from the device tree at boot.
inline constexpr std::uint64_t kGiccBase = 0x0801'0000;

/// Offset of GICC_IAR, the interrupt acknowledge register, in the GICC frame.
inline constexpr std::uint64_t kGiccIarOffset = 0x0c;

/// Reads a 32-bit memory-mapped register (volatile: every read reaches the device).
inline std::uint32_t read32(std::uint64_t address) {
  return *reinterpret_cast<volatile const std::uint32_t*>(address);
}

/// Reads ICC_IAR1_EL1: acknowledges the highest-priority pending Group 1 interrupt and
/// returns its 24-bit INTID field (1023 when nothing is pending).
inline std::uint32_t read_icc_iar1_el1() {
  std::uint64_t value;
  asm volatile("mrs %0, icc_iar1_el1" : "=r"(value)::"memory");
  return static_cast<std::uint32_t>(value);
}

}  // namespace el2lab::labs::gic_access
