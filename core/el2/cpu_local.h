#pragma once
/// \file
/// \brief CpuLocal: the per-physical-CPU block TPIDR_EL2 points to, and this_cpu().
///
/// Owned by Aarch64PerCpu<H> (per_cpu.h), which points TPIDR_EL2 at it; C++ reaches it with
/// this_cpu().

#include <cstddef>
#include <cstdint>

#include "core/el2/irq_handler.h"
#include "core/el2/sysreg.h"
#include "core/el2/trap_frame.h"

namespace el2lab {

/// \ingroup percpu
/// \brief The per-CPU block reached through TPIDR_EL2.
struct CpuLocal {
  std::uint32_t index = 0;  ///< Logical CPU number (0 = boot CPU).
  IrqHandler irq_handler;   ///< IRQ_HANDLER: called for IRQs taken at EL2.
  /// Interrupts acknowledged at EL2 (by H::irq_handler) that the run loop has not handled.
  std::uint32_t irq_queue[8] = {};
  std::uint32_t irq_queue_length = 0;  ///< Entries used in irq_queue.
  /// The exit this CPU's run loop is handling (for the panic report); null between exits.
  const GuestTrap* exit_in_progress = nullptr;

  /// Queues an acknowledged interrupt for the run loop; false if the queue is full.
  bool queue_irq(std::uint32_t intid) {
    if (irq_queue_length == sizeof(irq_queue) / sizeof(irq_queue[0])) return false;
    irq_queue[irq_queue_length++] = intid;
    return true;
  }
};

/// The calling CPU's block.
inline CpuLocal& this_cpu() {
  return *reinterpret_cast<CpuLocal*>(sysreg::tpidr_el2::read());
}

/// Sleeps in WFI, with IRQs masked at EL2, until an IRQ has been taken and queued in \p cpu
/// (by H::irq_handler, through IRQ_HANDLER): how a CPU whose vCPU waits in WFI idles.
inline void sleep_until_interrupt(CpuLocal& cpu) {
  // WFI with IRQs still masked (it wakes on a pending interrupt all the same), then open a
  // window to take it. Unmasking first would lose an IRQ that arrives just before the WFI:
  // it would be taken, and the WFI would then sleep with nothing left to wake it.
  while (cpu.irq_queue_length == 0) {
    asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
  }
}

}  // namespace el2lab
