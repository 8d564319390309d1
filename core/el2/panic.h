#pragma once
/// \file
/// \brief The hypervisor's last words: a decoded report, then QEMU exits with a failure.

#include <cstdint>
#include <string_view>

#include "core/el2/cpu_local.h"
#include "core/el2/trap_frame.h"

namespace el2lab {

/// \ingroup exception_path
/// \brief Records which guest exit the calling CPU's run loop is handling (null: none), so a
/// panic can name it. One store: it runs on every exit.
inline void set_exit_in_progress(const GuestTrap* trap) {
  this_cpu().exit_in_progress = trap;
}

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
