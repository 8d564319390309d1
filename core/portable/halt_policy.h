#pragma once
/// \file
/// \brief What a trapped WFI or WFE does, and who an SGI reaches: the run loop's two small
/// policies, pure so they are tested on the host.

#include <cstdint>

#include "core/portable/vcpu_power.h"

namespace el2lab {

/// \ingroup vmm
/// \brief What the run loop does with a Halt exit.
enum class HaltAction : std::uint8_t {
  kCompleteWfe,     ///< WFE completes at once: another vCPU's SEV does not trap, so a vCPU
                    ///< asleep at EL2 would miss it (WFE may always complete early).
  kResume,          ///< An interrupt is already waiting for the guest: back in at once.
  kCompleteAtOnce,  ///< Nothing could ever wake the vCPU (its timer is off or masked and no
                    ///< other vCPU is on): WFI completes, as the architecture allows, rather
                    ///< than park the CPU for ever.
  kSleep,           ///< Sleep at EL2 until a physical interrupt (the timer, a kick) arrives.
};

/// \ingroup vmm
/// \brief What is known when a vCPU halts.
struct HaltFacts {
  bool wfe = false;                ///< WFE rather than WFI.
  bool interrupt_waiting = false;  ///< An interrupt is pending for the guest.
  bool timer_can_fire = false;     ///< The vCPU's virtual timer is on, unmasked and deliverable.
  bool another_vcpu_on = false;    ///< Some other vCPU could send an SGI.
};

/// \ingroup vmm
/// \brief The halt policy.
constexpr HaltAction halt_action(const HaltFacts& f) {
  if (f.wfe) return HaltAction::kCompleteWfe;
  if (f.interrupt_waiting) return HaltAction::kResume;
  if (!f.timer_can_fire && !f.another_vcpu_on) return HaltAction::kCompleteAtOnce;
  return HaltAction::kSleep;
}

/// \ingroup vmm
/// \brief Whether CNTV_CTL_EL0 = \p cntv_ctl lets the timer interrupt fire: ENABLE set, IMASK
/// clear.
constexpr bool virtual_timer_armed(std::uint64_t cntv_ctl) {
  constexpr std::uint64_t kEnable = 1, kImask = 2;
  return (cntv_ctl & (kEnable | kImask)) == kEnable;
}

/// \ingroup vmm
/// \brief Whether the guest's timer can fire: armed (virtual_timer_armed()), and let through
/// by the guest's distributor (\p deliverable).
constexpr bool virtual_timer_can_fire(std::uint64_t cntv_ctl, bool deliverable) {
  return virtual_timer_armed(cntv_ctl) && deliverable;
}

/// \ingroup vmm
/// \brief The SGI fan-out: of \p targets (a bit per vCPU), the vCPUs that are not off — an off
/// CPU takes no interrupts, and nothing sent to it may reach its next power cycle.
inline std::uint32_t sgi_recipients(std::uint32_t targets, const VCpuPowerTable& power) {
  std::uint32_t reached = 0;
  for (std::uint32_t t = 0; t < power.count() && t < 32; ++t) {
    if (((targets >> t) & 1) != 0 && power.state(t) != PowerState::kOff) reached |= 1u << t;
  }
  return reached;
}

/// \ingroup vmm
/// \brief True if a vCPU other than \p self is not off.
inline bool another_vcpu_on(std::uint32_t self, const VCpuPowerTable& power) {
  for (std::uint32_t t = 0; t < power.count(); ++t) {
    if (t != self && power.state(t) != PowerState::kOff) return true;
  }
  return false;
}

}  // namespace el2lab
