#include "core/portable/devices/test_device.h"

#include "core/portable/devices/mmio_device.h"
#include "core/portable/guest_abi.h"

namespace el2lab::devices {

namespace td = abi::test_device;

std::optional<std::uint64_t> TestDevice::read(std::uint64_t offset, unsigned width) const {
  if (!is_natural_access(offset, width) || offset >= td::kSize) return std::nullopt;
  if (offset < td::kScratch + td::kScratchSize) {
    std::uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i) value |= std::uint64_t{scratch_[offset + i]} << (8 * i);
    return value;
  }
  if (offset >= td::kId && offset < td::kId + 4) {
    return extract_bytes(td::kIdValue, static_cast<unsigned>(offset - td::kId), width);
  }
  if (offset >= td::kPattern && offset < td::kPattern + 8) {
    return extract_bytes(td::kPatternValue, static_cast<unsigned>(offset - td::kPattern), width);
  }
  return 0;  // reserved: reads as zero
}

bool TestDevice::write(std::uint64_t offset, unsigned width, std::uint64_t value) {
  if (!is_natural_access(offset, width) || offset >= td::kSize) return false;
  if (offset < td::kScratch + td::kScratchSize) {
    for (unsigned i = 0; i < width; ++i)
      scratch_[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
  return true;  // writes elsewhere are ignored
}

}  // namespace el2lab::devices
