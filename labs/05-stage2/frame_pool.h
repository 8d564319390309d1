#pragma once
/// \file
/// \brief Lab 05 — the frame pool behind the HAL's alloc_frame(): where every stage-2 table
/// page of the VM comes from.
///
/// Stage2Hal (labs/05-stage2/stage2_hal.h) hands the core's alloc_frame(), dealloc_frame(),
/// virt_to_phys() and phys_to_virt() to one FramePool over a block of hypervisor memory. You
/// write the pool. It is plain C++ with no hardware in it, so the grader also tests it on your
/// own machine, over a fake memory region whose physical address is not its pointer value.
/// The starter compiles and boots, but its alloc() never has a frame to give, so the
/// hypervisor panics before the guest starts: "no memory for the stage-2 root table".

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/portable/vcpu_hal.h"

namespace el2lab::labs {

/// \brief 4 KiB frames carved out of one region of memory, handed out zeroed and taken back.
class FramePool {
 public:
  /// A pool over the whole frames of \p memory, whose first byte is at physical address
  /// \p phys_base. Frames start at the first 4 KiB-aligned *physical* address in it; a partial
  /// frame at either end is left unused. (Given: you need not change it.)
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
    // TODO(05.1): hand out frame after frame: first_pa_, first_pa_ + kFrameSize, ... — each
    //             4 KiB aligned, inside the pool, never one that is already handed out. Count
    //             it in in_use_.
    // TODO(05.2): a frame must reach the caller zeroed (all 4096 bytes), also when it is one
    //             that was freed and reused. Reach its bytes through phys_to_virt().
    // TODO(05.3): when no frame is left, return 0 (the documented failure value) — and keep
    //             returning 0, never a frame outside the pool.
    return 0;
  }

  /// Takes back a frame alloc() handed out; anything else (outside the pool, not on a frame
  /// boundary, already free) is ignored.
  void dealloc(std::uint64_t pa) {
    // TODO(05.4): put the frame where alloc() finds it again (a free list threaded through the
    //             free frames' first words needs no extra memory), and take it out of
    //             in_use_. Refuse what the pool never handed out, and a second free.
    (void)pa;
  }

  /// The physical address of \p p, a pointer into the pool's memory; 0 for any other pointer.
  std::uint64_t virt_to_phys(const void* p) const {
    // TODO(05.5): the offset of p in the pool's memory, added to phys_base_.
    (void)p;
    return 0;
  }

  /// The pointer for physical address \p pa inside the pool's memory; nullptr for any other.
  void* phys_to_virt(std::uint64_t pa) const {
    // TODO(05.5): the inverse of virt_to_phys().
    (void)pa;
    return nullptr;
  }

  /// Frames the pool holds in all.
  std::size_t capacity() const { return frames_; }
  /// Frames handed out and not given back.
  std::size_t in_use() const { return in_use_; }

 private:
  std::byte* virt_;             // the memory, as the hypervisor's pointers see it
  std::uint64_t phys_base_;     // the physical address of virt_[0]
  std::size_t size_;            // bytes of memory
  std::uint64_t first_pa_ = 0;  // the first frame
  std::size_t frames_ = 0;      // whole frames from first_pa_
  std::size_t in_use_ = 0;      // frames handed out and not given back
  // Add what you need: how many frames were ever handed out, the head of a free list ...
};

}  // namespace el2lab::labs
