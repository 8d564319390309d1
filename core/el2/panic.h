#pragma once
/// \file
/// \brief The hypervisor's last words: a decoded report, then QEMU exits with a failure.

#include <cstdint>
#include <string_view>

#include "core/el2/trap_frame.h"

namespace el2lab {

/// \ingroup exception_path
/// \brief What the run loop is doing, so a panic can say which guest exit it was handling.
struct ExitInProgress {
  std::string_view what;       ///< e.g. "HVC"; empty when no exit is being handled.
  std::uint64_t esr = 0;       ///< The guest's syndrome.
  std::uint64_t guest_pc = 0;  ///< The guest's ELR_EL2.
};

/// \ingroup exception_path
/// \brief Records the exit being handled (or clears it with an empty \p exit.what).
void set_exit_in_progress(const ExitInProgress& exit);

/// \ingroup exception_path
/// \brief Reports an exception the hypervisor did not expect at EL2 and ends the run.
/// \param vector Index (0–15) of the vector that fired.
/// \param frame  The registers saved on entry.
[[noreturn]] void panic_on_exception(std::uint64_t vector, const TrapFrame& frame);

/// \ingroup exception_path
/// \brief Reports a fatal condition that is not an exception (e.g. no guest image) and ends the
/// run with a failure status.
[[noreturn]] void panic(std::string_view reason);

}  // namespace el2lab
