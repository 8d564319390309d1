#pragma once
/// \file
/// \brief A guest's own GIC driver: just enough to take PPIs (the timer) on GICv2 or GICv3,
/// written as it would be for bare QEMU — the addresses come from the device tree.

#include <cstdint>

#include "core/portable/machine_info.h"

namespace el2lab::guest::gic {

/// Finds the GIC in the device tree at \p device_tree and enables the distributor and this
/// CPU's interface. False if there is no GIC this driver knows.
bool init(std::uint64_t device_tree);
/// The GIC generation found by init().
GicVersion version();
/// Enables PPI \p intid for this CPU with priority \p priority, in group 1 (GICv3).
void enable_ppi(std::uint32_t intid, std::uint8_t priority);
/// Acknowledges the highest-priority pending interrupt (1023 if none).
std::uint32_t acknowledge();
/// Ends (and deactivates) \p intid (for SGIs on GICv2, pass what acknowledge() returned).
void end_of_interrupt(std::uint32_t intid);
/// Sends SGI \p intid to this CPU only.
void send_sgi_to_self(std::uint32_t intid);

}  // namespace el2lab::guest::gic
