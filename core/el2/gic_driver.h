#pragma once
/// \file
/// \brief The physical GIC, as the hypervisor drives it: GICv3 through system registers and
/// redistributors, GICv2 through memory-mapped GICD/GICC/GICH. The version comes from the
/// device tree; the rest of the hypervisor calls these functions and never asks which.

#include <cstdint>

#include "core/portable/gic.h"
#include "core/portable/machine_info.h"

namespace el2lab::gic {

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
GicVersion version();

/// \ingroup gic
/// \brief Acknowledges the highest-priority pending interrupt; kSpurious if none.
std::uint32_t acknowledge();
/// \ingroup gic
/// \brief Drops the running priority after \p intid (EOIR); it stays active.
void priority_drop(std::uint32_t intid);
/// \ingroup gic
/// \brief Deactivates \p intid (DIR): for interrupts the hypervisor keeps for itself.
void deactivate(std::uint32_t intid);

/// \ingroup gic
/// \brief Sleeps (WFI, IRQs masked) until an interrupt is pending — another CPU's kick — then
/// acknowledges and deactivates whatever is pending without handling it: for a CPU that has no
/// vCPU to give interrupts to and only waits to be told to look again. May return early; the
/// caller checks what it waits for and calls again.
void wait_for_kick();

/// \ingroup gic
/// \brief Number of list registers of the virtual CPU interface.
unsigned list_register_count();
/// \ingroup gic
/// \brief Reads list register \p n.
ListEntry read_list_register(unsigned n);
/// \ingroup gic
/// \brief Writes list register \p n.
void write_list_register(unsigned n, const ListEntry& entry);

/// \ingroup gic
/// \brief A bit per list register that holds nothing live: empty (ICH_ELRSR_EL2 /
/// GICH_ELRSR0), or finished by the guest with an EOI maintenance request (ICH_EISR_EL2 /
/// GICH_EISR0).
std::uint32_t empty_list_registers();

/// \ingroup gic
/// \brief Physical address of the GICv2 virtual CPU interface (GICV), which the guest sees at
/// its GICC address; 0 on GICv3.
std::uint64_t virtual_cpu_interface();

}  // namespace el2lab::gic
