#include "core/board/qemu-virt/pvpanic.h"

#include "core/board/qemu-virt/memory_map.h"

namespace el2lab::board {
namespace {

// PCI configuration space header offsets and bits.
constexpr std::uint64_t kCfgVendorDevice = 0x00;
constexpr std::uint64_t kCfgCommand = 0x04;
constexpr std::uint64_t kCfgBar0 = 0x10;
constexpr std::uint32_t kCommandMemorySpace = 1u << 1;
constexpr unsigned kDevicesPerBus = 32;
constexpr std::uint8_t kPvpanicPanicked = 1;  // event bit written to the device's register

// Where the device's register lives once its BAR is assigned; 0 = no device.
std::uint64_t pvpanic_register = 0;

volatile std::uint32_t& config_word(std::uint64_t ecam, unsigned device, std::uint64_t offset) {
  // ECAM: bus << 20 | device << 15 | function << 12 | register; bus 0, function 0 here.
  return *reinterpret_cast<volatile std::uint32_t*>(ecam + (std::uint64_t{device} << 15) + offset);
}

}  // namespace

bool pvpanic_init(const MachineInfo& machine) {
  if (machine.pcie_ecam.size == 0 || machine.pcie_mmio32_size == 0) return false;
  const std::uint64_t ecam = machine.pcie_ecam.base;
  constexpr std::uint32_t kWanted = (std::uint32_t{kPvpanicDevice} << 16) | kPvpanicVendor;
  for (unsigned device = 0; device < kDevicesPerBus; ++device) {
    if (config_word(ecam, device, kCfgVendorDevice) != kWanted) continue;
    // Nothing else on the bus is used, so the first page of the window is free for it.
    const std::uint64_t bar = machine.pcie_mmio32_base;
    config_word(ecam, device, kCfgBar0) = static_cast<std::uint32_t>(bar);
    volatile std::uint32_t& command = config_word(ecam, device, kCfgCommand);
    command = command | kCommandMemorySpace;
    pvpanic_register = bar;
    return true;
  }
  return false;
}

void pvpanic_fire() {
  if (pvpanic_register == 0) return;
  *reinterpret_cast<volatile std::uint8_t*>(pvpanic_register) = kPvpanicPanicked;
}

}  // namespace el2lab::board
