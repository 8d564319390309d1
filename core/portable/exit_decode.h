#pragma once
/// \file
/// \brief From a trap's raw syndrome to a VmExit: the pure heart of the exit path.
///
/// The EL2 code snapshots ESR_EL2, FAR_EL2, HPFAR_EL2 and the guest's registers, and this
/// decoder — no system register access, no side effects — says what the guest asked for.
/// PSCI power requests become CpuUp/CpuDown/SystemDown as in arm_vcpu; every other HVC or
/// trapped SMC is a Hypercall; stage-2 data aborts with a valid syndrome become MMIO; trapped
/// MRS/MSR become SysRegRead/SysRegWrite, except a write of ICC_SGI1R_EL1, which is SendIpi.

#include <cstdint>
#include <optional>
#include <span>

#include "core/portable/esr_core.h"
#include "core/portable/esr_iss.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \ingroup vm_exit
/// \brief What the EL2 code captured at a synchronous exit from the guest.
struct SyncTrap {
  std::uint64_t esr = 0;                 ///< ESR_EL2.
  std::uint64_t far = 0;                 ///< FAR_EL2: the guest's virtual fault address.
  std::uint64_t hpfar = 0;               ///< HPFAR_EL2: the faulting IPA's page (stage-2 faults).
  std::span<const std::uint64_t, 31> x;  ///< The guest's x0–x30 at the trap.
};

/// \ingroup vm_exit
/// \brief A decoded exit and how far the guest's PC must move once it has been handled.
struct DecodedExit {
  VmExit exit;                   ///< What the guest asked for.
  std::uint64_t pc_advance = 0;  ///< 4 for traps that leave ELR on the trapping instruction
                                 ///< (SMC, MRS/MSR, WFx, MMIO), 0 for HVC (ELR is past it).
};

/// \ingroup vm_exit
/// \brief Decodes a synchronous exit from a guest running in AArch64 state into \p exit, in
/// place (the exit path never copies a VmExit), and returns the exit's main argument as the
/// trace ring records it: the function ID, the IPA, the register key, or the fault address of
/// an Unhandled exit (known here, so nobody asks the variant again).
/// \p pc is the guest's ELR_EL2: moved past the trapping instruction when the exit, once
/// handled, completes it (SMC, MRS/MSR, WFx, MMIO); left alone for an HVC, whose ELR is already
/// past it, and for an Unhandled exit, which leaves the guest on the instruction.
/// The syndrome registers come in registers (no SyncTrap built in memory on the exit path):
/// \p esr, \p far and \p hpfar are ESR_EL2, FAR_EL2 and HPFAR_EL2; \p x the guest's x0–x30.
std::uint64_t decode_sync_exit(std::uint64_t esr, std::uint64_t far, std::uint64_t hpfar,
                               const std::uint64_t* x, std::uint64_t& pc, VmExit& exit);

/// \ingroup vm_exit
/// \brief decode_sync_exit() from a SyncTrap, returning the exit by value, for tests and tools
/// (the PC advance as the distance the PC moved).
inline DecodedExit decode_sync_exit(const SyncTrap& trap) {
  DecodedExit decoded;
  std::uint64_t pc = 0;
  decode_sync_exit(trap.esr, trap.far, trap.hpfar, trap.x.data(), pc, decoded.exit);
  decoded.pc_advance = pc;
  return decoded;
}

/// \ingroup vm_exit
/// \brief The Hypercall an HVC or SMC with the guest's registers \p x makes: x0 the function,
/// x1–x6 its arguments. Every field given at once (constructed in place by emplace, nothing
/// zeroed first).
[[gnu::always_inline]] inline Hypercall hypercall_from(const std::uint64_t* x, bool via_smc) {
  return Hypercall{x[0], std::array<std::uint64_t, 6>{x[1], x[2], x[3], x[4], x[5], x[6]}, via_smc};
}

/// \ingroup vm_exit
/// \brief Whether ESR_EL2 \p esr is a trapped WFI or WFE (the exit decode_wait() decodes).
constexpr bool is_wait(std::uint64_t esr) {
  return esr::Syndrome(esr).ec() == esr::ExceptionClass::kWfxTrap;
}

/// \ingroup vm_exit
/// \brief Decodes a trapped WFI or WFE into \p exit (a Halt, in place) and moves \p pc past
/// it: decode_sync_exit()'s answer for one, which Aarch64VCpu::run() also asks for directly,
/// so a vCPU that sleeps through the WFI itself does not go through the decoder's switch.
[[gnu::always_inline]] inline void decode_wait(std::uint64_t esr, std::uint64_t& pc, VmExit& exit) {
  exit.emplace<Halt>(Halt{esr::WfxTrap::decode(esr::Syndrome(esr).iss()).is_wfe()});
  pc += 4;  // past the WFI or WFE, which the exit completes once handled
}

/// \ingroup vm_exit
/// \brief The faulting IPA of a stage-2 abort: HPFAR_EL2.FIPA gives the page, FAR_EL2 the
/// offset within it.
constexpr std::uint64_t fault_ipa(std::uint64_t hpfar, std::uint64_t far) {
  constexpr std::uint64_t kFipaMask = (std::uint64_t{1} << 44) - 1;  // HPFAR_EL2[47:4]
  return (((hpfar >> 4) & kFipaMask) << 12) | (far & 0xfff);
}

/// \ingroup vm_exit
/// \brief Reasons FailEntry carries.
enum class EntryFailure : std::uint64_t {
  kNone = 0,           ///< The state can be entered.
  kWouldRunAtEl2 = 1,  ///< SPSR names EL2 or EL3: an ERET would run guest code in the hypervisor.
  kAarch32El1 = 2,     ///< SPSR names AArch32 EL1, but HCR_EL2.RW makes EL1 AArch64.
};

/// \ingroup vm_exit
/// \brief Checks the PSTATE a vCPU is about to be entered with (its SPSR_EL2): a guest may
/// only run at EL1 or EL0. Returns FailEntry with an EntryFailure reason if not. Inline: it
/// runs before every guest entry.
constexpr std::optional<FailEntry> check_guest_entry(std::uint64_t spsr) {
  const bool aarch32 = ((spsr >> 4) & 1) != 0;
  if (aarch32) {
    // AArch32 modes: only User (0b10000) is allowed below an AArch64 EL1.
    constexpr std::uint64_t kUser = 0b10000;
    if ((spsr & 0x1f) != kUser) {
      return FailEntry{static_cast<std::uint64_t>(EntryFailure::kAarch32El1)};
    }
    return std::nullopt;
  }
  const std::uint64_t el = (spsr >> 2) & 3;
  if (el >= 2) return FailEntry{static_cast<std::uint64_t>(EntryFailure::kWouldRunAtEl2)};
  return std::nullopt;
}

/// \ingroup vm_exit
/// \brief The encoding key of ICC_SGI1R_EL1 (op0 3, op1 0, CRn 12, CRm 11, op2 5).
std::uint32_t icc_sgi1r_key();

/// \ingroup vm_exit
/// \brief Decodes a value written to ICC_SGI1R_EL1 into the IPI it requests.
SendIpi decode_sgi1r(std::uint64_t value);

}  // namespace el2lab
