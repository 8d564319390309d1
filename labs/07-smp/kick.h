#pragma once
/// \file
/// \brief Lab 07 — the kick between physical CPUs: the register values that send it, and the
/// wait for it. Plain C++, so the grader tests it on your machine too (against the GIC
/// architecture's bit layouts, and a fake GIC for the wait).

#include <cstdint>

namespace el2lab::labs::kick {

/// The interrupt ID a GIC's acknowledge returns when nothing is pending.
inline constexpr std::uint32_t kSpurious = 1023;

/// ICC_SGI1R_EL1 for SGI \p intid (0-15) to the one CPU whose MPIDR_EL1 is \p mpidr.
constexpr std::uint64_t icc_sgi1r_for(std::uint64_t mpidr, std::uint32_t intid) {
  // TODO(07.1): the GICv3 SGI register: TargetList [15:0] gets one bit for the target's Aff0
  //             (bit Aff0 % 16; RS [47:44] = Aff0 / 16 says which 16 CPUs the list covers),
  //             Aff1 [23:16], INTID [27:24], Aff2 [39:32], IRM [40] = 0, Aff3 [55:48].
  //             MPIDR_EL1 holds Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], Aff3 [39:32].
  (void)mpidr;
  (void)intid;
  return 0;
}

/// GICD_SGIR for SGI \p intid (0-15) to the CPU interfaces in \p targets (bit n: interface n).
constexpr std::uint32_t gicd_sgir_for(std::uint8_t targets, std::uint32_t intid) {
  // TODO(07.2): the GICv2 SGI register: SGIINTID [3:0], NSATT [15] = 0, CPUTargetList
  //             [23:16], TargetListFilter [25:24] = 0 (send to the CPUs in the list).
  (void)targets;
  (void)intid;
  return 0;
}

/// Sleeps until an interrupt is pending for this CPU, then takes every pending one off the
/// CPU interface. \p gic provides wfi(), acknowledge(), priority_drop(intid) and
/// deactivate(intid) (on the board: the real GIC; in the host test: a fake that records).
template <typename Gic>
void wait_for_kick_with(Gic& gic) {
  // TODO(07.4): WFI once (IRQs are masked, but a pending interrupt still ends the WFI); then
  //             acknowledge, priority-drop and deactivate interrupt after interrupt until the
  //             acknowledge answers kSpurious. Left pending, the kick would end every later
  //             WFI at once: the CPU would spin instead of sleeping.
  gic.wfi();
}

}  // namespace el2lab::labs::kick
