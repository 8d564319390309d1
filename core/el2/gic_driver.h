#pragma once
/// \file
/// \brief The physical GIC, as the hypervisor drives it: GICv3 through system registers and
/// redistributors, GICv2 through memory-mapped GICD/GICC/GICH. The version comes from the
/// device tree; the rest of the hypervisor calls these functions and never asks which.

#include <cstdint>

#include "core/el2/sysreg.h"
#include "core/portable/gic.h"
#include "core/portable/gic_registers.h"
#include "core/portable/machine_info.h"

namespace el2lab::gic {

namespace detail {
/// \ingroup gic
/// \brief What the per-exit operations below read: set by init_distributor() and init_cpu(),
/// read-only afterwards. Those operations run on every IRQ exit, so they are inline: one load
/// of the version and the access itself, with no call.
struct ExitPathState {
  GicVersion version = GicVersion::kUnknown;  ///< The GIC generation in use.
  unsigned lr_count = 0;        ///< List registers per CPU interface (the same on every CPU).
  std::uint32_t lr_mask = 0;    ///< A bit per list register.
  std::uint64_t gicc_base = 0;  ///< GICv2 CPU interface (GICC); 0 on GICv3.
  std::uint64_t gich_base = 0;  ///< GICv2 virtual interface control (GICH); 0 on GICv3.
};
/// \brief The driver's ExitPathState (defined in gic_driver.cc).
extern ExitPathState exit_path;

/// \brief A 32-bit GICv2 register at \p address.
inline volatile std::uint32_t& mmio32(std::uint64_t address) {
  return *reinterpret_cast<volatile std::uint32_t*>(address);
}
}  // namespace detail

/// \ingroup gic
/// \brief Sets up the distributor (once, on the boot CPU) and remembers the addresses.
void init_distributor(const MachineInfo& machine);

/// \ingroup gic
/// \brief Sets up the calling CPU — logical CPU \p index, with MPIDR \p mpidr: its
/// redistributor (v3), CPU interface (EOImode 1: priority drop and deactivation are separate,
/// so a forwarded interrupt stays active until the guest is done with it) and virtual CPU
/// interface, and enables the interrupts the hypervisor takes (the timer and maintenance PPIs,
/// the kick SGI). Records how other CPUs reach this one with send_kick().
void init_cpu(std::uint32_t index, std::uint64_t mpidr);

/// \ingroup gic
/// \brief Sends the kick SGI (kKickSgi) to logical CPU \p index (set up by init_cpu): it
/// makes that CPU leave its guest, or wake from WFI, and look at its vCPU again.
void send_kick(std::uint32_t index);

/// \ingroup gic
/// \brief The GIC generation in use.
inline GicVersion version() {
  return detail::exit_path.version;
}

/// \ingroup gic
/// \brief Acknowledges the highest-priority pending interrupt; kSpurious if none.
inline std::uint32_t acknowledge() {
  const detail::ExitPathState& gic = detail::exit_path;
  if (gic.version == GicVersion::kV3) {
    const auto intid = static_cast<std::uint32_t>(sysreg::icc_iar1_el1::read() & 0xff'ffff);
    asm volatile("dsb sy" ::: "memory");
    return intid;
  }
  if (gic.version == GicVersion::kV2) return detail::mmio32(gic.gicc_base + gicc::kIar) & 0x3ff;
  return kSpurious;
}

/// \ingroup gic
/// \brief Drops the running priority after \p intid (EOIR); it stays active.
inline void priority_drop(std::uint32_t intid) {
  const detail::ExitPathState& gic = detail::exit_path;
  if (gic.version == GicVersion::kV3) {
    sysreg::icc_eoir1_el1::write(intid);
    asm volatile("isb");
  } else if (gic.version == GicVersion::kV2) {
    detail::mmio32(gic.gicc_base + gicc::kEoir) = intid;
  }
}

/// \ingroup gic
/// \brief Deactivates \p intid (DIR): for interrupts the hypervisor keeps for itself.
inline void deactivate(std::uint32_t intid) {
  const detail::ExitPathState& gic = detail::exit_path;
  if (gic.version == GicVersion::kV3) {
    sysreg::icc_dir_el1::write(intid);
    asm volatile("isb");
  } else if (gic.version == GicVersion::kV2) {
    detail::mmio32(gic.gicc_base + gicc::kDir) = intid;
  }
}

/// \ingroup gic
/// \brief Sleeps (WFI, IRQs masked) until an interrupt is pending — another CPU's kick — then
/// acknowledges and deactivates whatever is pending without handling it: for a CPU that has no
/// vCPU to give interrupts to and only waits to be told to look again. May return early; the
/// caller checks what it waits for and calls again.
void wait_for_kick();

/// \ingroup gic
/// \brief Number of list registers of the virtual CPU interface.
inline unsigned list_register_count() {
  return detail::exit_path.lr_count;
}
/// \ingroup gic
/// \brief Reads list register \p n.
inline ListEntry read_list_register(unsigned n) {
  const detail::ExitPathState& gic = detail::exit_path;
  if (gic.version == GicVersion::kV2)
    return decode_lr_v2(detail::mmio32(gic.gich_base + gich::kLr0 + 4ull * n));
  return decode_lr_v3(sysreg::read_ich_lr(n));
}
/// \ingroup gic
/// \brief Writes list register \p n.
[[gnu::always_inline]] inline void write_list_register(unsigned n, const ListEntry& entry) {
  const detail::ExitPathState& gic = detail::exit_path;
  if (gic.version == GicVersion::kV2) {
    detail::mmio32(gic.gich_base + gich::kLr0 + 4ull * n) = encode_lr_v2(entry);
    return;
  }
  // No ISB: the guest sees the entry after the ERET that enters it (a context synchronization
  // event), and nothing at EL2 reads the interface's state between the write and that ERET.
  sysreg::write_ich_lr(n, encode_lr_v3(entry));
}

/// \ingroup gic
/// \brief A bit per list register that holds nothing live: empty (ICH_ELRSR_EL2 /
/// GICH_ELRSR0), or finished by the guest with an EOI maintenance request (ICH_EISR_EL2 /
/// GICH_EISR0).
inline std::uint32_t empty_list_registers() {
  const detail::ExitPathState& gic = detail::exit_path;
  // ELRSR alone is not enough: an entry asking for an EOI maintenance interrupt does not count
  // as empty there even once the guest has finished it; EISR names those.
  if (gic.version == GicVersion::kV3) {
    return static_cast<std::uint32_t>(sysreg::ich_elrsr_el2::read() |
                                      sysreg::ich_eisr_el2::read()) &
           gic.lr_mask;
  }
  if (gic.version == GicVersion::kV2) {
    return (detail::mmio32(gic.gich_base + gich::kElrsr0) |
            detail::mmio32(gic.gich_base + gich::kEisr0)) &
           gic.lr_mask;
  }
  return 0;
}

/// \ingroup gic
/// \brief Physical address of the GICv2 virtual CPU interface (GICV), which the guest sees at
/// its GICC address; 0 on GICv3.
std::uint64_t virtual_cpu_interface();

}  // namespace el2lab::gic
