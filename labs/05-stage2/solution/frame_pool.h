#pragma once
/// \file
/// \brief Lab 05's reference solution: the frame pool behind the HAL's alloc_frame().

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/portable/vcpu_hal.h"

namespace el2lab::labs {

/// \brief 4 KiB frames carved out of one region of memory, handed out zeroed and taken back.
///
/// The pool knows its memory two ways: the pointer the hypervisor uses (\p memory) and the
/// physical address of its first byte (\p phys_base). At EL2 with the MMU off both are the same
/// number; in the host tests they are not, which is why virt_to_phys() must do the arithmetic.
class FramePool {
 public:
  /// A pool over the whole frames of \p memory: frames start at the first 4 KiB-aligned
  /// *physical* address in it; a partial frame at either end is left unused.
  FramePool(std::span<std::byte> memory, std::uint64_t phys_base)
      : virt_(memory.data()), phys_base_(phys_base), size_(memory.size()) {
    const std::uint64_t skip = (kFrameSize - phys_base % kFrameSize) % kFrameSize;
    if (skip < size_) {
      first_pa_ = phys_base + skip;
      frames_ = (size_ - skip) / kFrameSize;
    }
  }

  /// A zeroed frame's physical address, or 0 when every frame is handed out.
  std::uint64_t alloc() {
    std::uint64_t pa = 0;
    if (free_list_ != 0) {
      pa = free_list_;
      // A free frame's first word holds the next free frame's address (0 ends the list).
      free_list_ = *static_cast<std::uint64_t*>(phys_to_virt(pa));
    } else if (next_unused_ < frames_) {
      pa = first_pa_ + next_unused_++ * kFrameSize;
    } else {
      return 0;
    }
    auto* bytes = static_cast<std::byte*>(phys_to_virt(pa));
    for (std::size_t i = 0; i < kFrameSize; ++i) bytes[i] = std::byte{0};
    ++in_use_;
    return pa;
  }

  /// Takes back a frame alloc() handed out. Anything else — an address outside the pool, not
  /// on a frame boundary, or a frame that is already free — is ignored: a stray free must not
  /// put a frame on the list twice or a foreign page on it at all.
  void dealloc(std::uint64_t pa) {
    if (!owns(pa) || (pa - first_pa_) / kFrameSize >= next_unused_) return;
    for (std::uint64_t f = free_list_; f != 0; f = *static_cast<std::uint64_t*>(phys_to_virt(f))) {
      if (f == pa) return;  // double free
    }
    *static_cast<std::uint64_t*>(phys_to_virt(pa)) = free_list_;
    free_list_ = pa;
    --in_use_;
  }

  /// The physical address of \p p, a pointer into the pool's memory; 0 for any other pointer.
  std::uint64_t virt_to_phys(const void* p) const {
    const auto* b = static_cast<const std::byte*>(p);
    if (b < virt_ || b >= virt_ + size_) return 0;
    return phys_base_ + static_cast<std::uint64_t>(b - virt_);
  }

  /// The pointer for physical address \p pa inside the pool's memory; nullptr for any other.
  void* phys_to_virt(std::uint64_t pa) const {
    if (pa < phys_base_ || pa - phys_base_ >= size_) return nullptr;
    return virt_ + (pa - phys_base_);
  }

  /// Frames the pool holds in all.
  std::size_t capacity() const { return frames_; }
  /// Frames handed out and not given back.
  std::size_t in_use() const { return in_use_; }

 private:
  bool owns(std::uint64_t pa) const {
    return frames_ != 0 && pa >= first_pa_ && pa < first_pa_ + frames_ * kFrameSize &&
           (pa - first_pa_) % kFrameSize == 0;
  }

  std::byte* virt_;
  std::uint64_t phys_base_;
  std::size_t size_;
  std::uint64_t first_pa_ = 0;   // the first frame
  std::size_t frames_ = 0;       // whole frames from first_pa_
  std::size_t next_unused_ = 0;  // frames [next_unused_, frames_) were never handed out
  std::uint64_t free_list_ = 0;  // the most recently freed frame, 0 if none
  std::size_t in_use_ = 0;
};

}  // namespace el2lab::labs
