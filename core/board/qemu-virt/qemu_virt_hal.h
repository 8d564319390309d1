#pragma once
/// \file
/// \brief QemuVirtHal: the reference HAL for QEMU's virt board.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/portable/vcpu_hal.h"

namespace el2lab::board {

/// \ingroup hal
/// \brief The reference HAL: what the reference hypervisor is built with, and what each lab's
/// starter HAL is compared against.
///
/// Memory: the hypervisor runs with the EL2 MMU off, so its addresses are physical.
/// Interrupts: no physical interrupt is routed to EL2 yet (HCR_EL2.IMO stays clear until the
/// GIC driver is in), so irq_fetch() reports a spurious interrupt and irq_handler() has
/// nothing to acknowledge.
struct QemuVirtHal {
  /// Acknowledges the pending physical interrupt and returns its ID.
  static std::size_t irq_fetch() { return kSpuriousInterrupt; }
  /// Handles an interrupt taken at EL2.
  static void irq_handler() {}
  /// The name the log and GDB use.
  static std::string_view name() { return "QemuVirtHal"; }
  /// Hypervisor pointer to physical address (identity: the EL2 MMU is off).
  static std::uint64_t virt_to_phys(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  /// Physical address to hypervisor pointer (identity).
  static void* phys_to_virt(std::uint64_t pa) { return reinterpret_cast<void*>(pa); }
};

static_assert(VCpuHal<QemuVirtHal>);

}  // namespace el2lab::board
