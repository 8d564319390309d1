#pragma once
/// \file
/// \brief The turn tick: the EL2 physical timer (CNTHP, PPI 26), armed while a vCPU runs and
/// another vCPU is on, so a guest that spins without trapping cannot keep its physical CPU's
/// turn for ever.
///
/// Why: under `-icount`, QEMU 7.2 runs every CPU on one host thread and lets each run until the
/// next virtual-clock timer (its own kick timer, 100 million instructions away). A vCPU that
/// spins on RAM waiting for another vCPU never gives its turn back, and the other vCPU never
/// runs (docs/architecture.md, "SMP under -icount"). When the tick fires the vCPU leaves its
/// guest, the hypervisor re-arms the tick and executes YIELD — which ends a CPU's turn in QEMU —
/// and re-enters the guest at once. The guest sees nothing: no exit is counted or logged, no
/// interrupt is injected. On hardware YIELD is a hint and the tick costs one trip per period.

#include <cstdint>

#include "core/el2/sysreg.h"

namespace el2lab::turn_tick {

/// \ingroup exception_path
/// \brief The tick's period in counter ticks: 62 500, 1 ms at QEMU virt's 62.5 MHz counter
/// (a million instructions under `-icount shift=0`).
inline constexpr std::uint64_t kPeriod = 62'500;

/// \ingroup exception_path
/// \brief Starts (or restarts) the tick: it fires kPeriod from now.
inline void arm() {
  sysreg::cnthp_tval_el2::write(kPeriod);
  sysreg::cnthp_ctl_el2::write(1);  // ENABLE, not masked
  asm volatile("isb" ::: "memory");
}

/// \ingroup exception_path
/// \brief Stops the tick (and lowers its interrupt line).
inline void disarm() {
  sysreg::cnthp_ctl_el2::write(0);
  asm volatile("isb" ::: "memory");
}

/// \ingroup exception_path
/// \brief Gives the rest of this CPU's turn to the other CPUs (QEMU), a hint on hardware.
inline void yield_turn() {
  asm volatile("yield" ::: "memory");
}

}  // namespace el2lab::turn_tick
