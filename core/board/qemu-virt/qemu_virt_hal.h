#pragma once
/// \file
/// \brief QemuVirtHal: the reference HAL for QEMU's virt board.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/el2/gic_driver.h"
#include "core/el2/trap_frame.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::board {

/// \ingroup hal
/// \brief The reference HAL: what the reference hypervisor is built with, and what each lab's
/// starter HAL is compared against.
///
/// Memory: the hypervisor runs with the EL2 MMU off, so its addresses are physical.
/// Interrupts: the board's GIC (v2 or v3, as the device tree says), through gic_driver.h.
struct QemuVirtHal {
  /// Acknowledges the pending physical interrupt and returns its ID (1023 if none). Called
  /// directly by Aarch64VCpu<H>::run() when an IRQ made the guest exit.
  /// Kept out of line in the reference build so the direct `bl` to it stays visible to GDB
  /// and to students comparing it with IRQ_HANDLER's indirect `blr`.
  [[gnu::noinline]] static std::size_t irq_fetch() { return gic::acknowledge(); }
  /// Handles an interrupt taken at EL2 (reached through IRQ_HANDLER): acknowledges it and
  /// queues it for the run loop, which forwards it to the guest or keeps it.
  [[gnu::noinline]] static void irq_handler() {
    const std::uint32_t intid = gic::acknowledge();
    if (intid == gic::kSpurious) return;
    if (!this_cpu().queue_irq(intid)) {
      gic::priority_drop(intid);  // no room: let it go rather than block the CPU interface
      gic::deactivate(intid);
    }
  }
  /// The name the log and GDB use.
  static std::string_view name() { return "QemuVirtHal"; }
  /// Hypervisor pointer to physical address (identity: the EL2 MMU is off).
  static std::uint64_t virt_to_phys(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  /// Physical address to hypervisor pointer (identity).
  static void* phys_to_virt(std::uint64_t pa) { return reinterpret_cast<void*>(pa); }
};

static_assert(VCpuHal<QemuVirtHal>);

}  // namespace el2lab::board
