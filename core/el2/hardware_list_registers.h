#pragma once
/// \file
/// \brief The calling CPU's list registers, as vgic::VirtualInterrupts drives them: the GIC's
/// virtual CPU interface, with each injection and each guest EOI recorded in the trace ring.

#include <cstdint>

#include "core/el2/vcpu.h"
#include "core/portable/trace.h"
#include "core/portable/vcpu_hal.h"
#include "core/portable/virtual_interrupts.h"

namespace el2lab {

/// \ingroup vmm
/// \brief The list registers of the physical CPU that runs \p vcpu (a vgic::ListRegisterFile),
/// reached through the HAL; \p guest_pc goes into the trace records.
template <VCpuHal H>
struct HardwareListRegisters {
  const Aarch64VCpu<H>& vcpu;  ///< The vCPU they belong to (its trace records' source).
  std::uint64_t guest_pc = 0;  ///< The guest PC the trace records carry.

  /// Number of list registers (read once per CPU at init).
  static unsigned count() { return H::list_register_count(); }
  /// Reads list register \p n.
  static gic::ListEntry read(unsigned n) { return H::read_list_register(n); }
  /// The empty list registers, a bit each (no list register is read).
  static std::uint32_t empty() { return H::empty_list_registers(); }
  /// Writes list register \p n. (Always inline: it is on every forwarded interrupt's path.)
  [[gnu::always_inline]] static void write(unsigned n, const gic::ListEntry& entry) {
    H::write_list_register(n, entry);
  }
  /// Deactivates physical interrupt \p intid.
  static void deactivate(std::uint32_t intid) { H::irq_deactivate(intid); }
  /// Records the injection of \p intid into list register \p n.
  void injected(std::uint32_t intid, unsigned n) const {
    vcpu.record_event(trace::Kind::kIrqInjected, intid, n, guest_pc);
  }
  /// Records that the guest finished \p intid (list register \p n emptied).
  void finished(std::uint32_t intid, unsigned n) const {
    vcpu.record_event(trace::Kind::kGuestEoi, intid, n, guest_pc);
  }
};

}  // namespace el2lab
