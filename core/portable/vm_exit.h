#pragma once
/// \file
/// \brief VmExit: why a guest stopped running, decoded — the C++ form of arm_vcpu's
/// `AxVCpuExitReason`.
///
/// A guest exit arrives as a vector index and a syndrome; decode_exit() (exit_decode.h) turns
/// them into one of the types below, and the run loop handles each with std::visit. Keeping the
/// reasons as plain value types makes the decoder a pure function the host tests can drive.

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>

#include "core/portable/format.h"

namespace el2lab {

/// \defgroup vm_exit VM exits
/// \brief The reasons a vCPU stops running, as values.
/// \{

/// A hypercall (HVC, or an SMC the hypervisor trapped) that is not a PSCI power request.
struct Hypercall {
  std::uint64_t function = 0;           ///< x0: the SMCCC function ID.
  std::array<std::uint64_t, 6> args{};  ///< x1–x6.
  bool via_smc = false;                 ///< True if the guest used SMC.
};

/// A guest load from an address that is not RAM (a stage-2 fault with a valid syndrome).
struct MmioRead {
  std::uint64_t address = 0;  ///< Guest physical address (IPA).
  unsigned width = 0;         ///< Access size in bytes: 1, 2, 4 or 8.
  unsigned reg = 0;           ///< Destination register x0–x30, or 31 for xzr.
  bool reg_is_64bit = false;  ///< Xn (true) or Wn (false) destination.
  bool sign_extend = false;   ///< LDRSB/LDRSH/LDRSW: sign-extend to the register width.
};

/// A guest store to an address that is not RAM.
struct MmioWrite {
  std::uint64_t address = 0;  ///< Guest physical address (IPA).
  unsigned width = 0;         ///< Access size in bytes: 1, 2, 4 or 8.
  std::uint64_t data = 0;     ///< The stored value, truncated to width.
};

/// A trapped MRS (read of a system register).
struct SysRegRead {
  std::uint32_t key = 0;  ///< The register's encoding, esr::sysreg_key(op0, op1, CRn, CRm, op2).
  unsigned reg = 0;       ///< Destination register (31 = xzr).
};

/// A trapped MSR (write of a system register).
struct SysRegWrite {
  std::uint32_t key = 0;    ///< The register's encoding, as in SysRegRead.
  std::uint64_t value = 0;  ///< The value the guest writes.
};

/// A physical interrupt arrived while the guest ran.
struct ExternalInterrupt {
  std::uint64_t vector = 0;  ///< The interrupt ID, from H::irq_fetch().
};

/// PSCI CPU_ON: the guest starts another of its vCPUs.
struct CpuUp {
  std::uint64_t target_mpidr = 0;  ///< x1: affinity of the vCPU to start.
  std::uint64_t entry_point = 0;   ///< x2: its first instruction (IPA).
  std::uint64_t context_id = 0;    ///< x3: its x0 at entry.
};

/// PSCI CPU_OFF: the calling vCPU stops.
struct CpuDown {
  std::uint64_t power_state = 0;  ///< Reserved by PSCI for CPU_OFF; kept for the log.
};

/// PSCI SYSTEM_OFF or SYSTEM_RESET: the whole VM ends.
struct SystemDown {
  bool reset = false;  ///< SYSTEM_RESET rather than SYSTEM_OFF.
};

/// The guest wrote an SGI register: an inter-processor interrupt between vCPUs.
struct SendIpi {
  std::uint64_t target_cpu = 0;   ///< Affinity of the target (Aff3.Aff2.Aff1 of the request).
  std::uint64_t target_list = 0;  ///< Bitmap of Aff0 targets within target_cpu's cluster.
  bool send_to_all = false;       ///< To every vCPU but the sender (IRM = 1).
  bool send_to_self = false;      ///< To the sender only.
  std::uint64_t vector = 0;       ///< SGI number 0–15.
};

/// WFI or WFE: the guest has nothing to do until an interrupt (or event).
struct Halt {
  bool wfe = false;  ///< WFE rather than WFI.
};

/// The exit was handled inside the vCPU; the run loop has nothing to do.
struct Nothing {};

/// The guest could not be entered.
struct FailEntry {
  std::uint64_t reason = 0;  ///< Implementation-defined reason code.
};

/// A trap the core does not model: the vCPU answers it the architectural way (an exception
/// injected into the guest) and the run loop logs it.
struct Unhandled {
  std::uint64_t esr = 0;      ///< The syndrome.
  std::uint64_t address = 0;  ///< The fault address (IPA) when there was one.
  std::string_view why;       ///< A short reason for the log.
};

/// Every reason a vCPU returns from run().
using VmExit =
    std::variant<Hypercall, MmioRead, MmioWrite, SysRegRead, SysRegWrite, ExternalInterrupt, CpuUp,
                 CpuDown, SystemDown, SendIpi, Halt, Nothing, FailEntry, Unhandled>;

/// \ingroup vm_exit
/// \brief The index of alternative \p T in VmExit: its abi::ExitKind, as a number.
template <typename T>
constexpr std::size_t exit_index() {
  return VmExit(std::in_place_type<T>).index();
}

/// \ingroup vm_exit
/// \brief Alternative \p T of \p exit, which is known to hold it (the caller has switched on
/// the exit's kind): unchecked, so the compiler emits no test of the variant's index.
/// (Artificial: in a debugger its code is the caller's line, not libstdc++'s.)
template <typename T>
[[gnu::always_inline, gnu::artificial]] inline const T& exit_as(const VmExit& exit) {
  if (!std::holds_alternative<T>(exit)) __builtin_unreachable();
  return *std::get_if<T>(&exit);
}

/// \ingroup vm_exit
/// \brief The name of exit kind \p kind (a VmExit alternative's index, abi::ExitKind), as the
/// log prints it; "?" for a number that is no kind.
std::string_view exit_kind_name(std::size_t kind);

/// The exit's type name as arm_vcpu spells it ("MmioRead", "SendIPI", ...).
std::string_view exit_name(const VmExit& exit);

/// One line describing the exit and its arguments, e.g.
/// "MmioWrite 0xb000010 width 4 data 0x2a" or "SysRegRead ID_AA64MMFR0_EL1 -> x3".
fmt::Buffer<160> describe_exit(const VmExit& exit);

/// The architectural name of the system register with encoding \p key (esr::sysreg_key), or
/// an "S3_op1_Cn_Cm_op2"-style name for registers the table does not know.
fmt::Buffer<32> sysreg_name(std::uint32_t key);

/// \}

}  // namespace el2lab
