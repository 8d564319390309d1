/// \file
/// \ingroup exception_path
/// \brief The exceptions taken while the hypervisor itself runs (vectors 0–7): an IRQ while a
/// CPU waits for a halted guest, dispatched through IRQ_HANDLER (or directly, in the static
/// build); anything else is a hypervisor bug and ends in the panic report. (arm_vcpu keeps the
/// same in `exception.rs`.) Exceptions from the guest (vectors 8–15) are exits, decoded in
/// Aarch64VCpu<H>::run().
#include <cstdint>

#include "core/el2/cpu_local.h"
#include "core/el2/hal_selection.h"
#include "core/el2/panic.h"
#include "core/el2/vcpu.h"
#include "core/portable/esr.h"

using namespace el2lab;

/// An IRQ taken while the hypervisor itself runs (it unmasks IRQs only while it waits for a
/// halted guest), called from el2lab_current_el_trap. The reference build dispatches it through the
/// per-CPU IRQ_HANDLER — a type-erased callable, an indirect branch — as arm_vcpu does; built with
/// EL2LAB_STATIC_IRQ_DISPATCH it calls H::irq_handler() directly instead, so the two can be
/// compared.
extern "C" [[gnu::noinline]] void el2lab_current_el_irq() {
  CpuLocal& cpu = this_cpu();
  trace_event(cpu, trace::Kind::kIrqEntry,
              static_cast<std::uint64_t>(esr::VectorEntry::kCurrentSpxIrq));
#ifdef EL2LAB_STATIC_IRQ_DISPATCH
  Hal::irq_handler();
  constexpr std::uint64_t kHow = 0;  // direct call
#else
  cpu.irq_handler();
  constexpr std::uint64_t kHow = 1;  // IRQ_HANDLER, indirect
#endif
  const std::uint32_t intid =
      cpu.irq_queue_length == 0 ? gic::kSpurious : cpu.irq_queue[cpu.irq_queue_length - 1];
  trace_event(cpu, trace::Kind::kIrqDispatch, intid, kHow);
}

/// Any other exception taken while the hypervisor itself runs (el2lab_current_el_fault): a
/// hypervisor bug, reported and ended.
extern "C" [[noreturn]] void el2lab_current_el_exception(std::uint64_t vector, TrapFrame* frame) {
  panic_on_exception(vector, *frame);
}
