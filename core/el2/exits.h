#pragma once
/// \file
/// \brief Turning a guest trap into an action: the hypervisor's side of every guest exit.

#include <cstdint>

#include "core/el2/trap_frame.h"
#include "core/portable/machine_info.h"

namespace el2lab {

/// \ingroup exception_path
/// \brief Settings the exit handler needs from boot.
struct ExitPolicy {
  /// Honour abi::Hypercall::kTestFaultAtEl2 (bootargs `el2lab.test_faults`).
  bool allow_test_faults = false;
};

/// \ingroup exception_path
/// \brief Handles one exit of the guest whose registers are in \p guest, taken through
/// vector \p vector (8–15, a lower-EL entry). Updates \p guest so that entering it again
/// resumes the guest correctly. Does not return if the guest powered the machine off.
void handle_exit(std::uint64_t vector, TrapFrame& guest, const ExitPolicy& policy);

}  // namespace el2lab
