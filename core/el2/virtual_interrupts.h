#pragma once
/// \file
/// \brief The calling CPU's list registers, as vgic::VirtualInterrupts drives them: the GIC's
/// virtual CPU interface, with each injection and each guest EOI recorded in the trace ring.

#include <cstdint>

#include "core/el2/gic_driver.h"
#include "core/el2/vcpu.h"
#include "core/portable/trace.h"
#include "core/portable/virtual_interrupts.h"

namespace el2lab {

/// \ingroup vmm
/// \brief The list registers of the physical CPU that runs vCPU \p vcpu (a
/// vgic::ListRegisterFile); \p guest_pc goes into the trace records.
struct HardwareListRegisters {
  std::uint32_t vcpu = 0;      ///< The vCPU they belong to, for the trace ring.
  std::uint64_t guest_pc = 0;  ///< The guest PC the trace records carry.

  /// Number of list registers (read once per CPU at init).
  static unsigned count() { return gic::list_register_count(); }
  /// Reads list register \p n.
  static gic::ListEntry read(unsigned n) { return gic::read_list_register(n); }
  /// Writes list register \p n.
  static void write(unsigned n, const gic::ListEntry& entry) { gic::write_list_register(n, entry); }
  /// Deactivates physical interrupt \p intid.
  static void deactivate(std::uint32_t intid) { gic::deactivate(intid); }
  /// Records the injection of \p intid into list register \p n.
  void injected(std::uint32_t intid, unsigned n) const {
    trace_event(trace::Kind::kIrqInjected, intid, n, guest_pc, vcpu);
  }
  /// Records that the guest finished \p intid (list register \p n emptied).
  void finished(std::uint32_t intid, unsigned n) const {
    trace_event(trace::Kind::kGuestEoi, intid, n, guest_pc, vcpu);
  }
};

static_assert(vgic::ListRegisterFile<HardwareListRegisters>);

}  // namespace el2lab
