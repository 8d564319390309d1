#include "core/portable/exit_outcome.h"

namespace el2lab {
namespace {

// One row per Outcome, in enum order (checked below): the log's words.
constexpr std::string_view kOutcomes[] = {
    "",
    "PSCI 1.1",
    "answered",
    "no Trusted OS",
    "exit count",
    "nop",
    "refused: booted without el2lab.test_faults",
    "taken: faulting at EL2 on purpose (el2lab.test_faults)",
    "not implemented: NOT_SUPPORTED",
    "emulated",
    "no device there: external abort injected",
    "the device refuses this access: external abort injected",
    "written through",
    "not modelled: undefined instruction injected",
    "spurious: nothing to do",
    "virtual timer: forwarded to the guest",
    "virtual timer: no room to queue it, dropped",
    "maintenance: the guest finished an interrupt",
    "kick: another vCPU has work for this one",
    "not the guest's: deactivated",
    "switched on (its CPU is kicked)",
    "entry outside guest RAM: INVALID_ADDRESS",
    "ALREADY_ON",
    "ON_PENDING",
    "no such vCPU: INVALID_PARAMETERS",
    "vCPU off; its CPU waits for the next CPU_ON",
    "the VM's last vCPU is off: ending the run",
    "guest powered the VM off",
    "to",
    "to nobody (no target is on)",
    "WFE: completes at once (events are not trapped)",
    "an interrupt is waiting: resumed",
    "nothing can wake the vCPU: WFI completes at once",
    "woke on an interrupt",
    "refusing to enter the guest",
    "exception injected into the guest",
};
static_assert(std::size(kOutcomes) == static_cast<std::size_t>(Outcome::kCount));

std::string_view text(Outcome outcome) {
  const auto i = static_cast<std::size_t>(outcome);
  return kOutcomes[i < std::size(kOutcomes) ? i : 0];
}

}  // namespace

fmt::Buffer<80> describe_outcome(const ExitOutcome& outcome) {
  fmt::Buffer<80> out;
  switch (outcome.what) {
    case Outcome::kCpuOnStarted: fmt::write(out, "vCPU ", outcome.arg, " "); break;
    case Outcome::kSgiSent:
    case Outcome::kSgiNobody: fmt::write(out, "SGI ", outcome.arg, " "); break;
    default: break;
  }
  fmt::write(out, text(outcome.what));
  if (outcome.what == Outcome::kSgiSent) {
    for (std::uint32_t v = 0; v < 32; ++v) {
      if (((outcome.mask >> v) & 1) != 0) fmt::write(out, " vCPU ", v);
    }
  }
  return out;
}

}  // namespace el2lab
