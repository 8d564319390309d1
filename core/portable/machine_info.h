#pragma once
/// \file
/// \brief What the hypervisor needs to know about the machine, read from its device tree.

#include <cstdint>
#include <string_view>

#include "core/portable/fdt.h"

namespace el2lab {

/// \ingroup fdt
/// \brief The interrupt controller generation the board was built with.
enum class GicVersion : std::uint8_t {
  kUnknown = 0,  ///< No GIC node was found.
  kV2 = 2,       ///< GICv2: memory-mapped CPU interface (GICC), GICH/GICV for virtualization.
  kV3 = 3,       ///< GICv3: system-register CPU interface, per-CPU redistributors.
};

/// \ingroup fdt
/// \brief A summary of QEMU's device tree: the facts the boot code acts on.
///
/// Everything is read from the tree, nothing assumed: the same image boots with any `-m`,
/// `-smp` and `gic-version`, and a field left 0 means "not described".
struct MachineInfo {
  fdt::Region memory;                     ///< The first RAM bank.
  std::uint32_t cpu_count = 0;            ///< Children of /cpus with device_type "cpu".
  std::uint64_t cpu_mpidr[8] = {};        ///< Affinity (reg) of the first eight CPUs.
  GicVersion gic = GicVersion::kUnknown;  ///< Which GIC the board has.
  fdt::Region gic_distributor;            ///< GICD.
  fdt::Region gic_redistributor;          ///< GICR (v3) or GICC, the CPU interface (v2).
  fdt::Region gic_hyp_interface;          ///< GICH (v2 only).
  fdt::Region gic_virtual_cpu;            ///< GICV (v2 only).
  fdt::Region uart;                       ///< The PL011 that /chosen/stdout-path names.
  fdt::Region initrd;                     ///< /chosen linux,initrd-start..end: the guest image.
  fdt::Region pcie_ecam;                  ///< Configuration space of the generic PCIe host.
  std::uint64_t pcie_mmio32_base = 0;     ///< CPU address of the 32-bit PCIe memory window.
  std::uint64_t pcie_mmio32_size = 0;     ///< Its size.
  std::string_view bootargs;              ///< /chosen bootargs (QEMU's -append).
  std::string_view psci_method;           ///< "smc" or "hvc": the firmware's conduit.
};

/// \ingroup fdt
/// \brief Reads a MachineInfo out of \p fdt. Missing nodes leave their fields zero.
MachineInfo read_machine_info(const fdt::Fdt& fdt);

/// \ingroup fdt
/// \brief True if the space-separated \p bootargs contain the word \p option
/// (exactly, or as "option=value").
bool bootargs_has(std::string_view bootargs, std::string_view option);

/// \ingroup fdt
/// \brief The value of "option=value" in \p bootargs, or an empty view.
std::string_view bootargs_value(std::string_view bootargs, std::string_view option);

}  // namespace el2lab
