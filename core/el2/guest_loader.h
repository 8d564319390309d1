#pragma once
/// \file
/// \brief Copies the guest image (QEMU's initrd) into guest RAM.

#include <cstdint>
#include <optional>

#include "core/portable/guest_image.h"
#include "core/portable/machine_info.h"

namespace el2lab {

/// \ingroup boot
/// \brief Where guest RAM is, in the guest's (IPA) and the machine's (PA) terms.
struct GuestRam {
  std::uint64_t base = 0;  ///< First IPA of guest RAM (0x40000000, as on bare virt).
  std::uint64_t size = 0;  ///< Bytes of guest RAM.
};

/// \ingroup boot
/// \brief Plans and performs the load of the initrd described by \p machine into \p ram.
/// Logs a clear line and returns nullopt if there is no image or it does not fit.
std::optional<image::LoadPlan> load_guest(const MachineInfo& machine, const GuestRam& ram);

}  // namespace el2lab
