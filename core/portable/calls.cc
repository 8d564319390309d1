#include "core/portable/calls.h"

#include "core/portable/guest_abi.h"
#include "core/portable/psci.h"

namespace el2lab {

std::int64_t psci_feature(std::uint32_t function) {
  switch (static_cast<psci::Function>(function)) {
    case psci::Function::kVersion:
    case psci::Function::kFeatures:
    case psci::Function::kCpuOn32:
    case psci::Function::kCpuOn64:
    case psci::Function::kCpuOff:
    case psci::Function::kAffinityInfo32:
    case psci::Function::kAffinityInfo64:
    case psci::Function::kMigrateInfoType:
    case psci::Function::kSystemOff:
    case psci::Function::kSystemReset: return static_cast<std::int64_t>(psci::Status::kSuccess);
    default: break;
  }
  // el2lab's own calls answer too: on a machine without el2lab an unknown HVC is an undefined
  // instruction, but PSCI_FEATURES is not.
  switch (static_cast<abi::Hypercall>(function)) {
    case abi::Hypercall::kExitCount:
    case abi::Hypercall::kNop: return static_cast<std::int64_t>(psci::Status::kSuccess);
    default: return static_cast<std::int64_t>(psci::Status::kNotSupported);
  }
}

}  // namespace el2lab
