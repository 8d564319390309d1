/// \file
/// \brief The board's frame pool behind QemuVirtHal::alloc_frame(): 4 KiB frames of hypervisor
/// BSS, handed out zeroed. Freed frames go on a free list threaded through their first word.
#include <cstddef>
#include <cstdint>

#include "core/board/qemu-virt/qemu_virt_hal.h"

namespace el2lab::board {
namespace {

// Enough for the stage-2 tables of one VM with 768 MiB of RAM (3 pages) and its devices, with
// room for a lab that maps at page granularity.
constexpr std::size_t kFrames = 64;
constexpr std::size_t kWords = kFrameSize / sizeof(std::uint64_t);

alignas(kFrameSize) std::uint64_t frames[kFrames][kWords];
std::size_t next_unused = 0;  // frames[next_unused..] were never handed out
std::uint64_t free_list = 0;  // PA of the first freed frame; each holds the next one's PA
std::size_t in_use = 0;

std::uint64_t pa_of(const void* p) {
  return QemuVirtPlatform::virt_to_phys(p);
}

}  // namespace

std::uint64_t alloc_frame() {
  std::uint64_t* frame = nullptr;
  if (free_list != 0) {
    frame = static_cast<std::uint64_t*>(QemuVirtPlatform::phys_to_virt(free_list));
    free_list = frame[0];
  } else if (next_unused < kFrames) {
    frame = frames[next_unused++];
  } else {
    return 0;
  }
  for (std::size_t i = 0; i < kWords; ++i) frame[i] = 0;
  ++in_use;
  return pa_of(frame);
}

void dealloc_frame(std::uint64_t pa) {
  const std::uint64_t first = pa_of(frames[0]);
  // Refuse what the pool never handed out: a stray free must not corrupt the list.
  if (pa < first || pa >= first + kFrames * kFrameSize || pa % kFrameSize != 0) return;
  auto* frame = static_cast<std::uint64_t*>(QemuVirtPlatform::phys_to_virt(pa));
  frame[0] = free_list;
  free_list = pa;
  if (in_use > 0) --in_use;
}

std::size_t frame_pool_capacity() {
  return kFrames;
}

std::size_t frames_in_use() {
  return in_use;
}

}  // namespace el2lab::board
