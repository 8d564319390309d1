#pragma once
/// \file
/// \brief What the run loop did with an exit, as data: the handlers return an ExitOutcome and
/// the log makes text of it only for the lines it prints (most exits print nothing, so the
/// exit path formats nothing).

#include <cstdint>
#include <string_view>

#include "core/portable/format.h"

namespace el2lab {

/// \ingroup vmm
/// \brief Each thing the run loop can do with an exit.
enum class Outcome : std::uint8_t {
  kNone,  ///< Nothing to report (Nothing, the console's own traffic).
  // Hypercalls
  kPsciVersion,       ///< PSCI_VERSION answered.
  kAnswered,          ///< PSCI_FEATURES / AFFINITY_INFO answered.
  kNoTrustedOs,       ///< MIGRATE_INFO_TYPE: no Trusted OS.
  kExitCount,         ///< el2lab's exit-count query answered.
  kNop,               ///< el2lab's no-op answered.
  kTestFaultRefused,  ///< The deliberate EL2 fault, refused (boot argument absent).
  kTestFaultTaken,    ///< The deliberate EL2 fault, allowed: the hypervisor faults now.
  kNotSupported,      ///< Unknown call: NOT_SUPPORTED.
  // Devices and system registers
  kEmulated,           ///< An emulated device or register answered.
  kNoDevice,           ///< MMIO where nothing is: external abort injected.
  kAccessRefused,      ///< MMIO the device there refuses: external abort injected.
  kWrittenThrough,     ///< A trapped system-register write went to the register.
  kSysRegNotModelled,  ///< A trapped system register el2lab does not model.
  // Physical interrupts
  kSpurious,        ///< The GIC had nothing pending.
  kTimerForwarded,  ///< The virtual timer, forwarded to the guest.
  kTimerDropped,    ///< The virtual timer, with no room to queue it.
  kMaintenance,     ///< A maintenance interrupt: the guest finished an interrupt.
  kKick,            ///< Another vCPU's kick.
  kNotTheGuests,    ///< An interrupt that is not the guest's, deactivated.
  // Power
  kCpuOnStarted,         ///< CPU_ON: vCPU `arg` switched on.
  kCpuOnInvalidAddress,  ///< CPU_ON with an entry point outside guest RAM.
  kCpuOnAlreadyOn,       ///< CPU_ON for a vCPU that is on.
  kCpuOnPending,         ///< CPU_ON for a vCPU already being switched on.
  kCpuOnNoSuchVcpu,      ///< CPU_ON for an MPIDR that names no vCPU.
  kCpuOffWaits,          ///< CPU_OFF; other vCPUs are still on.
  kLastVcpuOff,          ///< CPU_OFF of the last vCPU that was on: the run ends.
  kPoweredOff,           ///< SYSTEM_OFF / SYSTEM_RESET: the run ends.
  // SGIs
  kSgiSent,    ///< SGI `arg` queued for the vCPUs in `mask`.
  kSgiNobody,  ///< SGI `arg` with no target that is on.
  // WFI / WFE
  kWfeCompletes,      ///< WFE completes at once.
  kInterruptWaiting,  ///< WFI with an interrupt already waiting: resumed.
  kNothingCanWake,    ///< WFI that nothing could end: completes at once.
  kWoke,              ///< WFI slept and woke on an interrupt.
  // Failures
  kRefusingEntry,      ///< A vCPU state that must not be entered.
  kExceptionInjected,  ///< An exit el2lab does not model: exception injected.
  kCount,              ///< Number of outcomes.
};

/// \ingroup vmm
/// \brief An Outcome with its numbers: what a handler returns.
struct ExitOutcome {
  Outcome what = Outcome::kNone;  ///< What was done.
  std::uint16_t arg = 0;          ///< kCpuOnStarted: the vCPU; kSgiSent/kSgiNobody: the SGI.
  std::uint32_t mask = 0;         ///< kSgiSent: the vCPUs it was queued for, a bit each.
};
// Eight bytes: the handlers pass it around in one register.
static_assert(sizeof(ExitOutcome) == 8);

/// \ingroup vmm
/// \brief True for outcomes that are always logged, past the per-kind limit: errors, and the
/// exits that end a vCPU or the run. Inline: the run loop asks on every exit.
constexpr bool always_logged(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNoDevice:
    case Outcome::kAccessRefused:
    case Outcome::kSysRegNotModelled:
    case Outcome::kLastVcpuOff:
    case Outcome::kPoweredOff:
    case Outcome::kRefusingEntry:
    case Outcome::kExceptionInjected: return true;
    default: return false;
  }
}

/// \ingroup vmm
/// \brief The log's words for \p outcome ("PSCI 1.1", "SGI 6 to vCPU 1", ...).
fmt::Buffer<80> describe_outcome(const ExitOutcome& outcome);

}  // namespace el2lab
