#pragma once
/// \file
/// \brief An optional HAL member: a device the HAL emulates for the guest on its MMIO bus.
///
/// Not part of VCpuHal — the reference HAL has none. When a HAL has all three members, the VM
/// puts the device on its bus (MmioDevice::kHalDevice) and sends every access inside its window
/// to the HAL, under the run loop's lock, and the guest's device tree gets a node for it. The
/// core checks with `if constexpr (HalHasGuestDevice<H>)`, so a HAL without it costs nothing.
/// Lab 06 uses it for an emulated PL031 real-time clock.

#include <concepts>
#include <cstdint>
#include <optional>

#include "core/portable/guest_device_tree.h"

namespace el2lab {

/// \ingroup hal
/// \brief `H::guest_device()` says where the device is and what it is (its device-tree node);
/// `H::guest_device_read(offset, width)` answers a load of \p width bytes at \p offset into
/// its window (nullopt: the device refuses it, and the guest gets an external abort);
/// `H::guest_device_write(offset, width, value)` a store (false: refused, likewise).
template <typename H>
concept HalHasGuestDevice = requires(std::uint64_t offset, unsigned width, std::uint64_t value) {
  { H::guest_device() } -> std::same_as<GuestDeviceNode>;
  { H::guest_device_read(offset, width) } -> std::same_as<std::optional<std::uint64_t>>;
  { H::guest_device_write(offset, width, value) } -> std::same_as<bool>;
};

/// \ingroup hal
/// \brief The device HAL \p H emulates for the guest, or none (size 0) if it has no such members.
template <typename H>
constexpr GuestDeviceNode guest_device_of() {
  if constexpr (HalHasGuestDevice<H>) {
    return H::guest_device();
  } else {
    return {};
  }
}

}  // namespace el2lab
