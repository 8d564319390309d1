#pragma once
/// \file
/// \brief What lab 07's HAL may touch of the physical GIC to send and take the kick: the
/// GICv3 SGI system register, GICv2's distributor, and the driver's acknowledge/EOI calls.

#include <cstdint>

#include "core/el2/gic_driver.h"
#include "core/portable/gic.h"

namespace el2lab::labs::gic_kick_access {

/// True when the board's GIC is a GICv3 (system-register CPU interface).
inline bool is_gicv3() {
  return gic::version() == GicVersion::kV3;
}
/// True when the board's GIC is a GICv2 (memory-mapped distributor and CPU interface).
inline bool is_gicv2() {
  return gic::version() == GicVersion::kV2;
}

/// Physical (= hypervisor: the EL2 MMU is off) address of the distributor, GICD, on QEMU's
/// virt board (hw/arm/virt.c, VIRT_GIC_DIST).
inline constexpr std::uint64_t kGicdBase = 0x0800'0000;
/// GICD_SGIR's offset in the distributor (GICv2).
inline constexpr std::uint64_t kGicdSgirOffset = 0xf00;
/// GICD_ITARGETSR0's offset: its bytes read as the reading CPU's own interface bit (GICv2).
inline constexpr std::uint64_t kGicdItargetsrOffset = 0x800;

/// Writes ICC_SGI1R_EL1 (GICv3): the SGI leaves at once.
inline void write_icc_sgi1r_el1(std::uint64_t value) {
  asm volatile("msr icc_sgi1r_el1, %0; isb" ::"r"(value) : "memory");
}
/// Writes a 32-bit memory-mapped register.
inline void write32(std::uint64_t address, std::uint32_t value) {
  *reinterpret_cast<volatile std::uint32_t*>(address) = value;
}
/// Reads an 8-bit memory-mapped register.
inline std::uint8_t read8(std::uint64_t address) {
  return *reinterpret_cast<volatile const std::uint8_t*>(address);
}

/// The real GIC, in the shape kick::wait_for_kick_with() takes.
struct RealGic {
  void wfi() { asm volatile("wfi" ::: "memory"); }
  std::uint32_t acknowledge() { return gic::acknowledge(); }
  void priority_drop(std::uint32_t intid) { gic::priority_drop(intid); }
  void deactivate(std::uint32_t intid) { gic::deactivate(intid); }
};

}  // namespace el2lab::labs::gic_kick_access
