#pragma once
/// \file
/// \brief GIC facts and encodings shared by the physical driver and the virtual GIC: interrupt
/// ID ranges, the PPIs the architecture assigns, and the list-register formats of GICv3
/// (ICH_LR<n>_EL2) and GICv2 (GICH_LR<n>) through which a hypervisor injects interrupts.

#include <cstdint>

#include "core/portable/registers.h"

namespace el2lab::gic {

/// \defgroup gic GIC
/// \brief Interrupt controller: physical driver, list registers, virtual distributor.
/// \{

/// Interrupt ID ranges: SGIs 0–15, PPIs 16–31, SPIs from 32.
inline constexpr std::uint32_t kSgiCount = 16;
/// First PPI.
inline constexpr std::uint32_t kPpiBase = 16;
/// First SPI.
inline constexpr std::uint32_t kSpiBase = 32;
/// What acknowledging returns when nothing is pending.
inline constexpr std::uint32_t kSpurious = 1023;
/// PPI of the GIC's virtual CPU interface maintenance interrupt (QEMU virt).
inline constexpr std::uint32_t kMaintenancePpi = 25;
/// PPI of the EL1 virtual timer (CNTV): the guest's timer.
inline constexpr std::uint32_t kVirtualTimerPpi = 27;
/// PPI of the EL2 physical timer (CNTHP): the hypervisor's own turn tick (see turn_tick.h).
inline constexpr std::uint32_t kHypervisorTimerPpi = 26;
/// PPI of the EL1 physical timer (CNTP).
inline constexpr std::uint32_t kPhysicalTimerPpi = 30;
/// The physical SGI one CPU of the hypervisor sends another to make it look at its vCPU again:
/// a virtual interrupt was queued for it, or its vCPU was switched on. Physical SGIs belong
/// to the hypervisor; the guest's own SGIs are virtual and travel in list registers.
inline constexpr std::uint32_t kKickSgi = 1;

/// State of a list-register entry (both generations use the same two-bit encoding).
enum class LrState : std::uint8_t {
  kInvalid = 0,        ///< Empty: free for a new interrupt (or the guest finished this one).
  kPending = 1,        ///< Waiting for the guest to acknowledge it.
  kActive = 2,         ///< Acknowledged, not yet deactivated by the guest.
  kPendingActive = 3,  ///< Active and pending again.
};

/// A decoded list-register entry.
struct ListEntry {
  std::uint32_t virtual_id = 0;       ///< INTID the guest sees.
  std::uint32_t physical_id = 0;      ///< Physical INTID deactivated with it (when hw).
  std::uint8_t priority = 0;          ///< 8-bit priority (GICv2 keeps the top 5 bits).
  bool group1 = true;                 ///< Group 1 (GICv3 guests use group 1 only).
  bool hw = false;                    ///< Linked to a physical interrupt: the guest's EOI
                                      ///< deactivates it, so a level-triggered device (the timer)
                                      ///< cannot fire again before the guest has handled it.
  LrState state = LrState::kInvalid;  ///< Where the interrupt is in its life.
  bool eoi_maintenance = false;       ///< Raise a maintenance interrupt when the guest EOIs it
                                      ///< (software-forwarded interrupts only, hw = false).
  std::uint8_t source_cpu = 0;        ///< GICv2 SGIs: the sending CPU interface, which the
                                      ///< guest reads in GICC_IAR[12:10]. GICv3 has no field.
};

/// \brief ICH_LR<n>_EL2's fields (GICv3 list register), named once.
namespace ich_lr {
using VIntid = reg::Field<31, 0>;     ///< The INTID the guest sees.
using PIntid = reg::Field<44, 32>;    ///< The physical INTID (with HW).
using Eoi = reg::Flag<41>;            ///< Without HW: a maintenance interrupt on the guest's EOI.
using Priority = reg::Field<55, 48>;  ///< The virtual priority.
using Group = reg::Flag<60>;          ///< Group 1.
using Hw = reg::Flag<61>;             ///< Linked to a physical interrupt.
using State = reg::Field<63, 62>;     ///< An LrState.
}  // namespace ich_lr

/// \brief GICH_LR<n>'s fields (GICv2 list register), named once.
namespace gich_lr {
using VirtualId = reg::Field<9, 0>;     ///< The INTID the guest sees.
using PhysicalId = reg::Field<19, 10>;  ///< The physical INTID (with HW).
using Eoi = reg::Flag<19>;              ///< Without HW: a maintenance interrupt on the guest's EOI.
using CpuId = reg::Field<12, 10>;       ///< Without HW: an SGI's source CPU interface.
using Priority = reg::Field<27, 23>;    ///< The top 5 bits of the 8-bit priority.
using State = reg::Field<29, 28>;       ///< An LrState.
using Grp1 = reg::Flag<30>;             ///< Group 1.
using Hw = reg::Flag<31>;               ///< Linked to a physical interrupt.
}  // namespace gich_lr

/// \brief ICC_SGI1R_EL1's fields (a GICv3 SGI request), named once.
namespace icc_sgi1r {
using TargetList = reg::Field<15, 0>;  ///< Aff0 targets, a bit each, within Aff3.Aff2.Aff1.
using Aff1 = reg::Field<23, 16>;       ///< Affinity level 1 of the targets.
using Intid = reg::Field<27, 24>;      ///< The SGI, 0-15.
using Aff2 = reg::Field<39, 32>;       ///< Affinity level 2.
using Irm = reg::Flag<40>;             ///< To every PE but the sender (TargetList ignored).
using Aff3 = reg::Field<55, 48>;       ///< Affinity level 3.
}  // namespace icc_sgi1r

/// The ICC_SGI1R_EL1 value that sends SGI \p intid to the one PE whose MPIDR is \p mpidr
/// (Aff0 as a TargetList bit; Aff0 must be below 16, as with affinity routing).
constexpr std::uint64_t encode_sgi1r(std::uint32_t intid, std::uint64_t mpidr) {
  std::uint64_t v = icc_sgi1r::Intid::set(0, intid);
  v = icc_sgi1r::TargetList::set(v, std::uint64_t{1} << (mpidr & 0xf));
  v = icc_sgi1r::Aff1::set(v, (mpidr >> 8) & 0xff);
  v = icc_sgi1r::Aff2::set(v, (mpidr >> 16) & 0xff);
  return icc_sgi1r::Aff3::set(v, (mpidr >> 32) & 0xff);
}

/// Encodes \p e as an ICH_LR<n>_EL2 value (without HW, the physical field's bit 41 is EOI).
[[gnu::always_inline]] constexpr std::uint64_t encode_lr_v3(const ListEntry& e) {
  std::uint64_t lr = ich_lr::VIntid::set(0, e.virtual_id);
  lr = e.hw ? ich_lr::PIntid::set(lr, e.physical_id) : ich_lr::Eoi::set(lr, e.eoi_maintenance);
  lr = ich_lr::Priority::set(lr, e.priority);
  lr = ich_lr::Group::set(lr, e.group1);
  lr = ich_lr::Hw::set(lr, e.hw);
  return ich_lr::State::set(lr, static_cast<std::uint64_t>(e.state));
}

/// Decodes an ICH_LR<n>_EL2 value.
constexpr ListEntry decode_lr_v3(std::uint64_t lr) {
  ListEntry e;
  e.virtual_id = static_cast<std::uint32_t>(ich_lr::VIntid::get(lr));
  e.hw = ich_lr::Hw::get(lr) != 0;
  e.physical_id = e.hw ? static_cast<std::uint32_t>(ich_lr::PIntid::get(lr)) : 0;
  e.eoi_maintenance = !e.hw && ich_lr::Eoi::get(lr) != 0;
  e.priority = static_cast<std::uint8_t>(ich_lr::Priority::get(lr));
  e.group1 = ich_lr::Group::get(lr) != 0;
  e.state = static_cast<LrState>(ich_lr::State::get(lr));
  return e;
}

/// Encodes \p e as a GICH_LR<n> value: with HW the physical INTID, without it the EOI bit and
/// an SGI's source CPU share those bits; the priority keeps its top 5 bits.
constexpr std::uint32_t encode_lr_v2(const ListEntry& e) {
  std::uint64_t lr = gich_lr::VirtualId::set(0, e.virtual_id);
  if (e.hw) {
    lr = gich_lr::PhysicalId::set(lr, e.physical_id);
  } else {
    lr = gich_lr::Eoi::set(lr, e.eoi_maintenance);
    lr = gich_lr::CpuId::set(lr, e.source_cpu);
  }
  lr = gich_lr::Priority::set(lr, e.priority >> 3);
  lr = gich_lr::State::set(lr, static_cast<std::uint64_t>(e.state));
  lr = gich_lr::Grp1::set(lr, e.group1);
  return static_cast<std::uint32_t>(gich_lr::Hw::set(lr, e.hw));
}

/// Decodes a GICH_LR<n> value.
constexpr ListEntry decode_lr_v2(std::uint32_t lr) {
  ListEntry e;
  e.virtual_id = static_cast<std::uint32_t>(gich_lr::VirtualId::get(lr));
  e.hw = gich_lr::Hw::get(lr) != 0;
  e.physical_id = e.hw ? static_cast<std::uint32_t>(gich_lr::PhysicalId::get(lr)) : 0;
  e.eoi_maintenance = !e.hw && gich_lr::Eoi::get(lr) != 0;
  e.source_cpu = e.hw ? 0 : static_cast<std::uint8_t>(gich_lr::CpuId::get(lr));
  e.priority = static_cast<std::uint8_t>(gich_lr::Priority::get(lr) << 3);
  e.group1 = gich_lr::Grp1::get(lr) != 0;
  e.state = static_cast<LrState>(gich_lr::State::get(lr));
  return e;
}

/// \}

}  // namespace el2lab::gic
