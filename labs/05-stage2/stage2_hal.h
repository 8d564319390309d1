#pragma once
/// \file
/// \brief Lab 05's HAL: the reference HAL with its memory members served by a FramePool.
///
/// Included by labs/05-stage2/hal.h after your frame_pool.h (and by solution/hal.h after the
/// reference one), so the same HAL runs over either pool. The pool's memory is hypervisor BSS;
/// at EL2 the MMU is off, so its physical address is its pointer value.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"

namespace el2lab::labs {

/// \brief QemuVirtHal whose alloc_frame(), dealloc_frame(), virt_to_phys() and phys_to_virt()
/// are one FramePool's.
struct Stage2Hal : board::QemuVirtHal {
  /// Frames in the pool: the VM's stage-2 tables need a handful (see "stage 2: ..." in the log).
  static constexpr std::size_t kPoolFrames = 32;

  static std::string_view name() { return "Stage2Hal"; }

  /// The pool's memory: hypervisor BSS.
  alignas(kFrameSize) static inline std::byte memory[kPoolFrames * kFrameSize];
  /// The pool (built by the C++ constructors el2lab_main runs first). At EL2 the MMU is off,
  /// so the memory's physical address is its pointer value.
  static inline FramePool frames{std::span<std::byte>(memory, sizeof memory),
                                 reinterpret_cast<std::uintptr_t>(memory)};

  static FramePool& pool() { return frames; }

  [[gnu::noinline]] static std::uint64_t alloc_frame() { return pool().alloc(); }
  [[gnu::noinline]] static void dealloc_frame(std::uint64_t pa) { pool().dealloc(pa); }
  static std::uint64_t virt_to_phys(const void* p) { return pool().virt_to_phys(p); }
  static void* phys_to_virt(std::uint64_t pa) { return pool().phys_to_virt(pa); }
};

static_assert(VCpuHal<Stage2Hal>);

}  // namespace el2lab::labs
