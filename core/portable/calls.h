#pragma once
/// \file
/// \brief The answers to a guest's calls that are not power requests: PSCI's informational
/// functions and el2lab's own hypercalls. Pure: the run loop puts the value in x0.

#include <cstdint>
#include <span>

#include "core/portable/exit_outcome.h"
#include "core/portable/guest_abi.h"
#include "core/portable/psci.h"
#include "core/portable/vcpu_power.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \ingroup vmm
/// \brief What a Hypercall exit is answered with.
/// (Two fields: returned in two registers. Outcome::kTestFaultTaken says the guest asked for
/// the deliberate EL2 fault and may have it.)
struct CallAnswer {
  std::int64_t x0 = 0;                       ///< The return value (SMCCC: in x0).
  Outcome outcome = Outcome::kNotSupported;  ///< For the log, and kTestFaultTaken.
};

/// \ingroup vmm
/// \brief What the answers depend on besides the call.
struct CallContext {
  const VCpuPowerTable* power = nullptr;       ///< For AFFINITY_INFO.
  std::span<const std::uint64_t> exit_counts;  ///< The caller's exits, by abi::ExitKind.
  bool allow_test_faults = false;              ///< Booted with el2lab.test_faults.
};

/// \ingroup vmm
/// \brief PSCI_FEATURES for \p function: SUCCESS for every PSCI function el2lab implements and
/// for el2lab's own calls (so a guest can probe for them safely), NOT_SUPPORTED otherwise.
inline std::int64_t psci_feature(std::uint32_t function) {
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

/// \ingroup vmm
/// \brief Whether answering \p call reads state the vCPUs share (AFFINITY_INFO reads the power
/// states): the run loop takes the VM's lock only for those.
constexpr bool reads_power_states(const Hypercall& call) {
  const auto function = static_cast<std::uint32_t>(call.function);
  return function == static_cast<std::uint32_t>(psci::Function::kAffinityInfo32) ||
         function == static_cast<std::uint32_t>(psci::Function::kAffinityInfo64);
}

/// \ingroup vmm
/// \brief Whether answer_call() answers a call of SMCCC function \p function from the call and
/// the caller's exit counts alone: not a PSCI power request (those are exits of their own), not
/// AFFINITY_INFO (it reads the power states every vCPU shares), not the test fault (the VM
/// allows or refuses it). A vCPU answers these by itself once the log is done with them
/// (Aarch64VCpu::run()).
constexpr bool answerable_by_vcpu(std::uint64_t function) {
  const auto fid = static_cast<std::uint32_t>(function);
  // One bit per PSCI function that needs more than the call (one shift and a bit test).
  constexpr std::uint64_t kNeedsTheVm =
      psci::kPowerRequests |
      (std::uint64_t{1} << psci::table_index(psci::Function::kAffinityInfo32)) |
      (std::uint64_t{1} << psci::table_index(psci::Function::kAffinityInfo64));
  if (psci::in_range(fid)) return ((kNeedsTheVm >> psci::table_index(fid)) & 1) == 0;
  return fid != static_cast<std::uint32_t>(abi::Hypercall::kTestFaultAtEl2);
}

/// \ingroup vmm
/// \brief Answers \p call: PSCI_VERSION (1.1), PSCI_FEATURES, AFFINITY_INFO,
/// MIGRATE_INFO_TYPE, el2lab's kExitCount / kNop / kTestFaultAtEl2; NOT_SUPPORTED for the rest.
/// Inline: it is on the hypercall exit path.
[[gnu::always_inline]] inline CallAnswer answer_call(const Hypercall& call,
                                                     const CallContext& context) {
  // SMCCC: the function ID is w0; the upper half of x0 is ignored.
  const auto function = static_cast<std::uint32_t>(call.function);
  // PSCI's IDs are one range (0x8400_00xx SMC32, 0xC400_00xx SMC64): one mask test, then a
  // switch on the function number and the convention bit that compiles to a jump table, so a
  // PSCI call costs the same few instructions whichever it is.
  if (psci::in_range(function)) {
    switch (psci::table_index(function)) {
      case psci::table_index(psci::Function::kVersion):
        return {psci::kVersion1_1, Outcome::kPsciVersion};
      case psci::table_index(psci::Function::kFeatures):
        return {psci_feature(static_cast<std::uint32_t>(call.args[0])), Outcome::kAnswered};
      case psci::table_index(psci::Function::kAffinityInfo32):
      case psci::table_index(psci::Function::kAffinityInfo64):
        if (context.power == nullptr) {
          return {static_cast<std::int64_t>(psci::Status::kInvalidParameters), Outcome::kAnswered};
        }
        return {context.power->affinity_info(call.args[0], call.args[1]), Outcome::kAnswered};
      case psci::table_index(psci::Function::kMigrateInfoType):
        return {2, Outcome::kNoTrustedOs};  // 2: no Trusted OS that would need migrating
      default: return {abi::kNotSupported, Outcome::kNotSupported};
    }
  }
  switch (function) {
    case static_cast<std::uint32_t>(abi::Hypercall::kExitCount): {
      const std::uint64_t kind = call.args[0];
      std::uint64_t count = kind < context.exit_counts.size() ? context.exit_counts[kind] : 0;
      // The count includes this very call; the ABI promises it does not.
      if (kind == static_cast<std::uint64_t>(abi::ExitKind::kHypercall) && count > 0) --count;
      return {static_cast<std::int64_t>(count), Outcome::kExitCount};
    }
    case static_cast<std::uint32_t>(abi::Hypercall::kNop): return {0, Outcome::kNop};
    case static_cast<std::uint32_t>(abi::Hypercall::kTestFaultAtEl2):
      return {abi::kNotSupported,
              context.allow_test_faults ? Outcome::kTestFaultTaken : Outcome::kTestFaultRefused};
    default: return {abi::kNotSupported, Outcome::kNotSupported};
  }
}

}  // namespace el2lab
