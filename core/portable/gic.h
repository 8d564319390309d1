#pragma once
/// \file
/// \brief GIC facts and encodings shared by the physical driver and the virtual GIC: interrupt
/// ID ranges, the PPIs the architecture assigns, and the list-register formats of GICv3
/// (ICH_LR<n>_EL2) and GICv2 (GICH_LR<n>) through which a hypervisor injects interrupts.

#include <cstdint>

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

/// ICH_LR<n>_EL2: vINTID [31:0], pINTID [44:32] (with HW; without HW, bit 41 is EOI),
/// Priority [55:48], Group [60], HW [61], State [63:62].
constexpr std::uint64_t encode_lr_v3(const ListEntry& e) {
  return std::uint64_t{e.virtual_id} | (e.hw ? (std::uint64_t{e.physical_id & 0x1fff} << 32) : 0) |
         (!e.hw && e.eoi_maintenance ? (std::uint64_t{1} << 41) : 0) |
         (std::uint64_t{e.priority} << 48) | (std::uint64_t{e.group1} << 60) |
         (std::uint64_t{e.hw} << 61) | (std::uint64_t{static_cast<std::uint8_t>(e.state)} << 62);
}

/// Decodes an ICH_LR<n>_EL2 value.
constexpr ListEntry decode_lr_v3(std::uint64_t lr) {
  ListEntry e;
  e.virtual_id = static_cast<std::uint32_t>(lr & 0xffff'ffff);
  e.hw = ((lr >> 61) & 1) != 0;
  e.physical_id = e.hw ? static_cast<std::uint32_t>((lr >> 32) & 0x1fff) : 0;
  e.eoi_maintenance = !e.hw && ((lr >> 41) & 1) != 0;
  e.priority = static_cast<std::uint8_t>((lr >> 48) & 0xff);
  e.group1 = ((lr >> 60) & 1) != 0;
  e.state = static_cast<LrState>((lr >> 62) & 3);
  return e;
}

/// GICH_LR<n>: VirtualID [9:0], PhysicalID [19:10] (with HW; without HW, bit 19 is EOI and
/// bits [12:10] the CPUID of an SGI's source), Priority [27:23] (top 5 bits of the 8-bit
/// priority), State [29:28], Grp1 [30], HW [31].
constexpr std::uint32_t encode_lr_v2(const ListEntry& e) {
  return (e.virtual_id & 0x3ff) | (e.hw ? ((e.physical_id & 0x3ff) << 10) : 0) |
         (!e.hw && e.eoi_maintenance ? (1u << 19) : 0) |
         (!e.hw ? (std::uint32_t{e.source_cpu & 7u} << 10) : 0) |
         (std::uint32_t{static_cast<std::uint8_t>(e.priority >> 3)} << 23) |
         (std::uint32_t{static_cast<std::uint8_t>(e.state)} << 28) |
         (std::uint32_t{e.group1} << 30) | (std::uint32_t{e.hw} << 31);
}

/// Decodes a GICH_LR<n> value.
constexpr ListEntry decode_lr_v2(std::uint32_t lr) {
  ListEntry e;
  e.virtual_id = lr & 0x3ff;
  e.hw = ((lr >> 31) & 1) != 0;
  e.physical_id = e.hw ? (lr >> 10) & 0x3ff : 0;
  e.eoi_maintenance = !e.hw && ((lr >> 19) & 1) != 0;
  e.source_cpu = e.hw ? 0 : static_cast<std::uint8_t>((lr >> 10) & 7);
  e.priority = static_cast<std::uint8_t>(((lr >> 23) & 0x1f) << 3);
  e.group1 = ((lr >> 30) & 1) != 0;
  e.state = static_cast<LrState>((lr >> 28) & 3);
  return e;
}

/// \}

}  // namespace el2lab::gic
