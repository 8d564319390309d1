#pragma once
/// \file
/// \brief Lab 06's HAL: the reference HAL plus one emulated device, a PL031 real-time clock,
/// handed to the core through the optional HAL members of HalHasGuestDevice.
///
/// Included by labs/06-mmio/hal.h after your pl031.h (and by solution/hal.h after the
/// reference one).

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "core/portable/hal_guest_device.h"

namespace el2lab::labs {

/// \brief QemuVirtHal with a PL031 at IPA 0x0b010000: in a hole of QEMU virt's memory map, so
/// no real device is there, and beside el2lab's test device (0x0b000000).
struct MmioHal : board::QemuVirtHal {
  static constexpr std::uint64_t kRtcBase = 0x0b01'0000;
  static constexpr std::uint64_t kRtcSize = 0x1000;

  static std::string_view name() { return "MmioHal"; }

  /// Seconds since the board started: the physical counter over its frequency.
  static std::uint64_t seconds() {
    std::uint64_t count, frequency;
    asm volatile("isb; mrs %0, cntpct_el0" : "=r"(count)::"memory");
    asm volatile("mrs %0, cntfrq_el0" : "=r"(frequency));
    return frequency != 0 ? count / frequency : 0;
  }

  /// The one PL031, made at its first access (the run loop's lock serialises them).
  static Pl031& rtc() {
    static Pl031 device(&seconds);
    return device;
  }

  /// Where the device is, and its node in the guest's device tree.
  static GuestDeviceNode guest_device() {
    return {.name = "pl031",
            .compatible = "arm,pl031",
            .primecell = true,
            .base = kRtcBase,
            .size = kRtcSize};
  }
  [[gnu::noinline]] static std::optional<std::uint64_t> guest_device_read(std::uint64_t offset,
                                                                          unsigned width) {
    return rtc().read(offset, width);
  }
  [[gnu::noinline]] static bool guest_device_write(std::uint64_t offset, unsigned width,
                                                   std::uint64_t value) {
    return rtc().write(offset, width, value);
  }
};

static_assert(VCpuHal<MmioHal> && HalHasGuestDevice<MmioHal>);

}  // namespace el2lab::labs
