#pragma once
/// \file
/// \brief Lab 07's reference solution: the kick's register values, and the wait for one.

#include <cstdint>

namespace el2lab::labs::kick {

/// The interrupt ID a GIC's acknowledge returns when nothing is pending.
inline constexpr std::uint32_t kSpurious = 1023;

/// ICC_SGI1R_EL1 for SGI \p intid (0-15) to the one CPU whose MPIDR_EL1 is \p mpidr.
/// Fields (GICv3 architecture, ICC_SGI1R_EL1): TargetList [15:0] (one bit per Aff0 within the
/// range), Aff1 [23:16], INTID [27:24], Aff2 [39:32], IRM [40] (0: use the list), RS [47:44]
/// (which 16 Aff0 values TargetList covers), Aff3 [55:48].
constexpr std::uint64_t icc_sgi1r_for(std::uint64_t mpidr, std::uint32_t intid) {
  const std::uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff;
  const std::uint64_t aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;
  return (std::uint64_t{1} << (aff0 % 16)) | (aff1 << 16) | (std::uint64_t{intid & 0xf} << 24) |
         (aff2 << 32) | ((aff0 / 16) << 44) | (aff3 << 48);
}

/// GICD_SGIR for SGI \p intid (0-15) to the CPU interfaces in \p targets (bit n: interface n).
/// Fields (GICv2 architecture, GICD_SGIR): SGIINTID [3:0], NSATT [15] (0), CPUTargetList
/// [23:16], TargetListFilter [25:24] (0: use the list).
constexpr std::uint32_t gicd_sgir_for(std::uint8_t targets, std::uint32_t intid) {
  return (std::uint32_t{targets} << 16) | (intid & 0xf);
}

/// Sleeps until an interrupt is pending for this CPU, then takes every pending one off the
/// CPU interface: acknowledge, priority drop, deactivate, until the acknowledge says spurious.
/// \p gic provides wfi(), acknowledge(), priority_drop(intid) and deactivate(intid).
template <typename Gic>
void wait_for_kick_with(Gic& gic) {
  gic.wfi();
  for (std::uint32_t intid = gic.acknowledge(); intid != kSpurious; intid = gic.acknowledge()) {
    gic.priority_drop(intid);
    gic.deactivate(intid);
  }
}

}  // namespace el2lab::labs::kick
