#pragma once
/// \file
/// \brief Lab 01's reference solution: irq_fetch() and irq_handler() for GICv3 and GICv2.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "core/el2/trap_frame.h"
#include "labs/01-first-hal/gic_access.h"

namespace el2lab::labs {

struct FirstHal : board::QemuVirtPlatform {
  static std::string_view name() { return "FirstHal"; }

  [[gnu::noinline]] static std::size_t irq_fetch() {
    if (gic_access::is_gicv3()) {
      const std::uint32_t intid = gic_access::read_icc_iar1_el1() & 0xff'ffff;
      // The acknowledge must complete before the interrupt's handling touches the GIC again.
      asm volatile("dsb sy" ::: "memory");
      return intid;
    }
    if (gic_access::is_gicv2()) {
      return gic_access::read32(gic_access::kGiccBase + gic_access::kGiccIarOffset) & 0x3ff;
    }
    return kSpuriousInterrupt;
  }

  [[gnu::noinline]] static void irq_handler() {
    const std::size_t intid = irq_fetch();
    if (intid == kSpuriousInterrupt) return;
    const auto id = static_cast<std::uint32_t>(intid);
    if (!this_cpu().queue_irq(id)) {
      // No room: let it go rather than leave the CPU interface blocked at its priority.
      irq_priority_drop(id);
      irq_deactivate(id);
    }
  }
};

}  // namespace el2lab::labs
