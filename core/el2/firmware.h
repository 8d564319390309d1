#pragma once
/// \file
/// \brief Calls from the hypervisor to the firmware below it (QEMU's built-in PSCI).
///
/// With `virtualization=on` QEMU's PSCI conduit is SMC: an SMC at EL2 goes to QEMU's EL3
/// emulation, which powers the machine off or starts a CPU.

#include <cstdint>

namespace el2lab::firmware {

/// \ingroup boot
/// \brief Asks the firmware to power the machine off (QEMU exits with status 0).
[[noreturn]] void system_off();

/// \ingroup boot
/// \brief The firmware's PSCI_VERSION (major << 16 | minor).
std::uint32_t psci_version();

/// \ingroup boot
/// \brief Starts the physical CPU \p mpidr at \p entry (physical address) with x0 = \p context.
/// \return PSCI's status (0 = success).
std::int64_t cpu_on(std::uint64_t mpidr, std::uint64_t entry, std::uint64_t context);

}  // namespace el2lab::firmware
