#pragma once
/// \file
/// \brief QEMU virt's memory map, as far as the hypervisor relies on fixed addresses.
///
/// Device addresses are read from the device tree at boot; the constants here are only those
/// the architecture of el2lab fixes (where guests live) and the console the hypervisor uses
/// before it has parsed the tree.

#include <cstdint>

namespace el2lab::board {

/// \defgroup board Board: QEMU virt
/// \brief Addresses, devices and the link map of the machine el2lab runs on.
/// \{

/// Start of RAM on virt, and of guest RAM in the guest's IPA space.
inline constexpr std::uint64_t kRamBase = 0x4000'0000;
/// Where QEMU places an arm64 Image with text_offset 0 — and where el2lab loads a guest's.
inline constexpr std::uint64_t kDefaultTextOffset = 0x8'0000;
/// The PL011 UART QEMU's virt board always has; used until the device tree is read.
inline constexpr std::uint64_t kEarlyUartBase = 0x0900'0000;
/// PCI IDs of QEMU's pvpanic-pci device: the hypervisor's way to end a run with a failure.
inline constexpr std::uint16_t kPvpanicVendor = 0x1b36;
/// \copydoc kPvpanicVendor
inline constexpr std::uint16_t kPvpanicDevice = 0x0011;
/// Largest number of physical CPUs the link map reserves stacks for.
inline constexpr unsigned kMaxCpus = 8;
/// Size of each CPU's EL2 stack (must match linker.ld).
inline constexpr std::uint64_t kStackSizePerCpu = 16 * 1024ull;

/// \}

}  // namespace el2lab::board

/// \cond LINKER_SYMBOLS
extern "C" {
extern char __hyp_start[];  // first byte of the hypervisor image
extern char __hyp_end[];    // end of image, BSS and stacks
extern char __bss_start[];
extern char __bss_end[];
extern char __stacks_start[];
extern char __stacks_end[];
}
/// \endcond
