#pragma once
/// \file
/// \brief The guest's MMIO bus: which emulated device answers at which IPA. One table, written
/// once when the VM is built; every MmioRead/MmioWrite exit looks its address up here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace el2lab {

/// \ingroup vmm
/// \brief The emulated devices a guest can reach (see the guest ABI in README.md).
enum class MmioDevice : std::uint8_t {
  kNone,            ///< Nothing: the access gets an external abort.
  kUart,            ///< The PL011 console.
  kDistributor,     ///< The virtual GIC distributor.
  kRedistributors,  ///< The virtual GICv3 redistributors, one frame pair per vCPU.
  kTestDevice,      ///< el2lab's test device.
  kHalDevice,       ///< A device the HAL emulates (HalHasGuestDevice), e.g. lab 06's PL031.
};

/// \ingroup vmm
/// \brief The name of \p device, for the log and GDB.
constexpr std::string_view mmio_device_name(MmioDevice device) {
  switch (device) {
    case MmioDevice::kUart: return "PL011 UART";
    case MmioDevice::kDistributor: return "GIC distributor";
    case MmioDevice::kRedistributors: return "GIC redistributors";
    case MmioDevice::kTestDevice: return "el2lab test device";
    case MmioDevice::kHalDevice: return "HAL device";
    default: return "nothing";
  }
}

/// \ingroup vmm
/// \brief One window of the bus. The layout is read by the GDB package (`devices_.bus_` of Vm<H>):
/// base, size, device, in this order.
struct MmioRegion {
  std::uint64_t base = 0;                 ///< First IPA of the window.
  std::uint64_t size = 0;                 ///< Its size in bytes (0: an unused slot).
  MmioDevice device = MmioDevice::kNone;  ///< Who answers there.
};

/// \ingroup vmm
/// \brief A device found on the bus, and the offset of the access inside its window.
struct MmioTarget {
  MmioDevice device = MmioDevice::kNone;  ///< kNone when nothing is mapped there.
  std::uint64_t offset = 0;               ///< Address minus the window's base.
};

/// \ingroup vmm
/// \brief The bus: at most kMaxRegions windows, which must not overlap.
class MmioBus {
 public:
  /// Most windows a bus holds.
  static constexpr std::size_t kMaxRegions = 8;

  /// Adds a window; false (and nothing added) if it is empty, wraps around, overlaps another
  /// one or the table is full.
  constexpr bool add(std::uint64_t base, std::uint64_t size, MmioDevice device) {
    if (size == 0 || base + size < base || count_ == kMaxRegions) return false;
    for (std::size_t i = 0; i < count_; ++i) {
      const MmioRegion& r = regions_[i];
      if (base < r.base + r.size && r.base < base + size) return false;
    }
    regions_[count_++] = {base, size, device};
    return true;
  }

  /// The device at \p address, with the offset into its window.
  constexpr MmioTarget find(std::uint64_t address) const {
    // Every slot is looked at, used or not (an unused one has size 0 and never matches): a
    // loop of fixed length, unrolled, so the first window (the UART, whose data register every
    // byte the guest prints goes to) is found with one load pair, a subtraction and a compare.
#pragma GCC unroll 8
    for (const MmioRegion& r : regions_) {
      // One unsigned compare: below the base, address - r.base wraps past any size add() took.
      if (address - r.base < r.size) return {r.device, address - r.base};
    }
    return {};
  }

  /// The windows, in the order they were added.
  constexpr const MmioRegion* begin() const {
    return regions_.data();
  }
  /// End of the windows.
  constexpr const MmioRegion* end() const {
    return regions_.data() + count_;
  }

 private:
  std::array<MmioRegion, kMaxRegions> regions_{};
  std::size_t count_ = 0;
};

}  // namespace el2lab
