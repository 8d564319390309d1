#pragma once
/// \file
/// \brief Lab 01 — your first HAL: the two interrupt entry points of el2lab's HAL.
///
/// FirstHal derives from board::QemuVirtPlatform, which already provides every member of the
/// VCpuHal concept except irq_fetch() and irq_handler(). You write those two (see the lab's
/// README.md). The starter compiles and boots, but it never acknowledges an interrupt, so the
/// guest's timer ticks are lost.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "core/el2/trap_frame.h"
#include "labs/01-first-hal/gic_access.h"

namespace el2lab::labs {

struct FirstHal : board::QemuVirtPlatform {
  static std::string_view name() { return "FirstHal"; }

  /// Acknowledges the pending physical interrupt and returns its INTID (1023 if none).
  /// The vCPU calls it directly when an IRQ made the guest exit (ExternalInterrupt).
  [[gnu::noinline]] static std::size_t irq_fetch() {
    // TODO(01.1): acknowledge the interrupt on a GICv3: read ICC_IAR1_EL1
    //             (gic_access::read_icc_iar1_el1()) and return the INTID, bits [23:0].
    // TODO(01.2): on a GICv2 the CPU interface is memory-mapped: read GICC_IAR at
    //             gic_access::kGiccBase + gic_access::kGiccIarOffset; the INTID is bits [9:0].
    //             gic_access::is_gicv3() / is_gicv2() tell you which one the board has.
    return kSpuriousInterrupt;  // "nothing pending": the interrupt is never acknowledged
  }

  /// Handles an interrupt taken at EL2 (through IRQ_HANDLER), for instance while the vCPU
  /// sleeps in WFI.
  [[gnu::noinline]] static void irq_handler() {
    // TODO(01.3): acknowledge the interrupt (irq_fetch() does it), ignore a spurious one, and
    //             queue the INTID for the run loop with this_cpu().queue_irq(intid). If the
    //             queue is full, give the interrupt back: irq_priority_drop() then
    //             irq_deactivate().
  }
};

}  // namespace el2lab::labs
