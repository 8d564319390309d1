#pragma once
/// \file
/// \brief el2lab's test device (abi::test_device): scratch memory, an ID and a pattern.

#include <array>
#include <cstdint>
#include <optional>

namespace el2lab::devices {

/// \ingroup devices
/// \brief The emulated test device guests use to exercise MMIO of every width.
class TestDevice {
 public:
  /// A read of \p width bytes at \p offset; nullopt for a misaligned or odd-sized access
  /// (the guest then gets an external abort).
  std::optional<std::uint64_t> read(std::uint64_t offset, unsigned width) const;
  /// A write; false for an access the device refuses (as read()).
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value);

 private:
  std::array<std::uint8_t, 0x100> scratch_{};
};

}  // namespace el2lab::devices
