#pragma once
/// \file
/// \brief QEMU's pvpanic-pci device: how the hypervisor ends a run with a failure status.
///
/// A guest-visible escape hatch such as semihosting would also let an untrusted guest end (or
/// worse, read host files through) the run. pvpanic sits on the PCIe bus, which no guest's
/// stage-2 map reaches, so only the hypervisor can report a panic. QEMU runs with
/// `-device pvpanic-pci -action panic=exit-failure` and exits with status 1 when it fires.

#include <cstdint>

#include "core/portable/machine_info.h"

namespace el2lab::board {

/// \ingroup board
/// \brief Finds the pvpanic-pci device on PCIe bus 0 and, if present, assigns its BAR.
/// \return true if the device was found and can be fired.
bool pvpanic_init(const MachineInfo& machine);

/// \ingroup board
/// \brief Tells QEMU the machine panicked. Returns only if no pvpanic device was found.
void pvpanic_fire();

}  // namespace el2lab::board
