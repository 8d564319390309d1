#include "core/el2/guest_loader.h"

#include <cstring>

#include "core/el2/console.h"

namespace el2lab {
namespace {

bool overlaps(std::uint64_t a, std::uint64_t a_size, std::uint64_t b, std::uint64_t b_size) {
  return a < b + b_size && b < a + a_size;
}

}  // namespace

std::optional<image::LoadPlan> load_guest(const MachineInfo& machine, const GuestRam& ram) {
  if (machine.initrd.size == 0) {
    log("no guest image: QEMU was started without -initrd (try: make run GUEST=path)");
    return std::nullopt;
  }
  const auto* file = reinterpret_cast<const std::uint8_t*>(machine.initrd.base);
  image::Error error = image::Error::kNone;
  // Guest RAM is mapped 1:1, so guest physical addresses are machine physical addresses.
  auto plan = image::plan_load({file, machine.initrd.size}, ram.base, ram.size, &error);
  if (!plan) {
    log("guest image refused: ", image::error_name(error));
    return std::nullopt;
  }
  // QEMU put the initrd inside what is now guest RAM. A segment may move over its own source
  // (memmove handles that) but must not overwrite the source of a later one.
  for (std::size_t i = 0; i < plan->segment_count; ++i) {
    const image::Segment& s = plan->segments[i];
    for (std::size_t j = i + 1; j < plan->segment_count; ++j) {
      const image::Segment& later = plan->segments[j];
      if (overlaps(s.address, s.mem_size, machine.initrd.base + later.file_offset,
                   later.file_size)) {
        log("guest image refused: segment ", i, " would overwrite the file before it is loaded");
        return std::nullopt;
      }
    }
  }
  for (std::size_t i = 0; i < plan->segment_count; ++i) {
    const image::Segment& s = plan->segments[i];
    std::memmove(reinterpret_cast<void*>(s.address), file + s.file_offset, s.file_size);
  }
  // Zero-fill last: BSS may cover bytes of the file that were still needed above.
  for (std::size_t i = 0; i < plan->segment_count; ++i) {
    const image::Segment& s = plan->segments[i];
    std::memset(reinterpret_cast<void*>(s.address + s.file_size), 0, s.mem_size - s.file_size);
  }
  return plan;
}

}  // namespace el2lab
