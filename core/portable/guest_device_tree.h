#pragma once
/// \file
/// \brief The device tree a guest boots with: the virtual machine el2lab presents.
///
/// A guest kernel learns its machine the same way the hypervisor does, from a device tree. The
/// guest's machine is a cut-down QEMU virt board: its own RAM, its own vCPUs, the GIC and the
/// UART at the addresses the real board has them (they are passed through or emulated there),
/// and PSCI over HVC because the hypervisor, not firmware, answers the guest's PSCI calls. The
/// tree is shaped like the one QEMU writes for virt, so a Linux guest needs nothing special.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/portable/machine_info.h"

namespace el2lab {

/// \ingroup fdt
/// \brief Phandle of the interrupt controller in a guest tree; every interrupt refers to it.
inline constexpr std::uint32_t kGuestGicPhandle = 1;

/// \ingroup fdt
/// \brief Phandle of the fixed 24 MHz clock the guest's PL011 names as its clocks.
inline constexpr std::uint32_t kGuestClockPhandle = 2;

/// \ingroup fdt
/// \brief One more device node in the guest's tree: a device a HAL emulates on the guest's MMIO
/// bus (see HalHasGuestDevice). A size of 0 means none.
struct GuestDeviceNode {
  std::string_view name = {};        ///< Node name before the unit address, e.g. "pl031".
  std::string_view compatible = {};  ///< The first compatible string, e.g. "arm,pl031".
  /// An AMBA PrimeCell: "arm,primecell" follows in compatible, and the node names the APB
  /// clock as `apb_pclk` (when the tree has one, that is, when the machine has a UART).
  bool primecell = false;
  std::uint64_t base = 0;  ///< First guest-physical address of its registers.
  std::uint64_t size = 0;  ///< Bytes of registers; 0: no device.
};

/// \ingroup fdt
/// \brief What the guest's machine looks like.
struct GuestDeviceTreeConfig {
  std::uint64_t ram_base = 0;  ///< Guest-physical address of the guest's RAM.
  std::uint64_t ram_size = 0;  ///< Its size in bytes; must not be 0.
  /// Number of vCPUs: /cpus gets cpu@0 .. cpu@(n-1), each with MPIDR affinity (reg) equal to
  /// its index. GICv2 can address at most 8; GICv3 as many as the redistributor region holds.
  std::uint32_t vcpu_count = 1;
  /// The real machine, for the GIC's version and addresses and the UART's address. Required.
  const MachineInfo* machine = nullptr;
  std::string_view bootargs = {};  ///< The guest's /chosen/bootargs; "" writes none.
  /// First byte of the guest's initrd (guest-physical); with initrd_end both 0 means none.
  std::uint64_t initrd_start = 0;
  std::uint64_t initrd_end = 0;  ///< One past the initrd's last byte; must exceed initrd_start.
  GuestDeviceNode extra_device = {};  ///< A HAL's own emulated device, if any (size 0: none).
};

/// \ingroup fdt
/// \brief Writes the guest's device tree for \p config into \p out.
///
/// The GIC node describes only what a guest can use: GICD plus the GICv3 redistributors of
/// its vCPUs (0x20000 bytes each), or GICD plus the GICv2 CPU interface (GICC). The hypervisor
/// interfaces (GICH, GICV) and the maintenance interrupt are left out, as QEMU leaves them out
/// for a board without virtualization. If the machine has no UART, the tree has none either.
///
/// 4 KiB is ample for eight vCPUs and a few hundred bytes of bootargs.
/// \param config the guest's machine.
/// \param out where the blob goes; the caller aligns it to 8 bytes for Linux.
/// \return the blob's size, or nullopt if \p out is too small or \p config is unusable (no
/// machine or GIC, no RAM or vCPUs, more vCPUs than the GIC can address, an initrd ending
/// before it starts, or bootargs containing a NUL).
std::optional<std::size_t> build_guest_device_tree(const GuestDeviceTreeConfig& config,
                                                   std::span<std::uint8_t> out);

}  // namespace el2lab
