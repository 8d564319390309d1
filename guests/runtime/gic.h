#pragma once
/// \file
/// \brief A guest's own GIC driver: just enough to take PPIs (the timer) and SGIs on GICv2 or
/// GICv3, on every CPU of the VM, written as it would be for bare QEMU — the addresses come
/// from the device tree.
///
/// Much of a GIC is per CPU. On GICv3 each CPU has its own redistributor (its SGIs' and PPIs'
/// enables, priorities and groups), found by matching GICR_TYPER's affinity with the CPU's
/// MPIDR, and a CPU interface in system registers. On GICv2 the CPU interface (GICC) and the
/// SGI/PPI registers of the distributor are banked: every CPU sees its own at the same address.
/// So the boot CPU calls init() and each other CPU init_cpu() for itself; every other call
/// acts on the calling CPU's own banked state.

#include <cstdint>

#include "core/portable/machine_info.h"

namespace el2lab::guest::gic {

/// What acknowledge() returns when no interrupt is pending.
inline constexpr std::uint32_t kSpurious = 1023;

/// Finds the GIC in the device tree at \p device_tree, enables the distributor and the calling
/// (boot) CPU's interface. False if there is no GIC this driver knows.
bool init(std::uint64_t device_tree);
/// On a CPU other than the one that called init(): wakes its own redistributor (GICv3) and
/// enables its CPU interface. False if no redistributor matches this CPU's affinity.
bool init_cpu();
/// The GIC generation found by init().
GicVersion version();
/// Enables PPI or SGI \p intid for the calling CPU with priority \p priority, in group 1
/// (GICv3). SGIs are banked like PPIs: each CPU that is to take an SGI enables it for itself.
void enable_ppi(std::uint32_t intid, std::uint8_t priority);
/// Acknowledges the highest-priority pending interrupt on the calling CPU: its INTID (1023 if
/// none), and on GICv2 for an SGI the sending CPU's interface number in bits [12:10].
std::uint32_t acknowledge();
/// The INTID in what acknowledge() returned.
constexpr std::uint32_t interrupt_id(std::uint32_t iar) {
  return iar & 0x3ff;
}
/// GICv2 only: the CPU interface that sent the SGI acknowledge() returned.
constexpr unsigned sgi_source(std::uint32_t iar) {
  return (iar >> 10) & 0x7;
}
/// Ends (and deactivates) the interrupt \p iar: pass exactly what acknowledge() returned (on
/// GICv2 an SGI's EOI must name its source CPU too).
void end_of_interrupt(std::uint32_t iar);
/// Sends SGI \p intid to the calling CPU only.
void send_sgi_to_self(std::uint32_t intid);
/// Sends SGI \p intid to the CPU whose affinity (MPIDR Aff3.Aff2.Aff1.Aff0) is \p target_mpidr.
/// GICv2 addresses CPU interfaces, not affinities: interface n is the CPU with Aff0 = n, as on
/// QEMU virt (GICv2 has at most 8 CPUs, all with Aff1-3 = 0).
void send_sgi(std::uint32_t intid, std::uint64_t target_mpidr);
/// Sends SGI \p intid to every CPU but the calling one (GICv3 IRM = 1, GICv2 filter 1).
void send_sgi_to_others(std::uint32_t intid);

}  // namespace el2lab::guest::gic
