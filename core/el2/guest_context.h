#pragma once
/// \file
/// \brief The guest state that lives in system registers, and how it is switched.
///
/// The trap frame holds the guest's general-purpose registers and is saved on every exit.
/// The EL1 system registers and the FP/SIMD registers are not touched by the hypervisor's
/// own code (EL2 has its own copies; el2lab is built with -mgeneral-regs-only), so they stay
/// live in the CPU across exits and are switched only when a *different* vCPU takes the
/// physical CPU: eager switching at vCPU switch, nothing at all on the exit path.

#include <cstdint>

namespace el2lab {

/// \ingroup vcpu
/// \brief The EL1 (and EL0) system registers a guest owns.
struct El1Context {
  std::uint64_t sctlr_el1 = 0;       ///< System control: MMU, caches, alignment.
  std::uint64_t ttbr0_el1 = 0;       ///< Translation table base 0.
  std::uint64_t ttbr1_el1 = 0;       ///< Translation table base 1.
  std::uint64_t tcr_el1 = 0;         ///< Translation control.
  std::uint64_t mair_el1 = 0;        ///< Memory attribute indirection.
  std::uint64_t amair_el1 = 0;       ///< Auxiliary memory attributes.
  std::uint64_t vbar_el1 = 0;        ///< Vector base.
  std::uint64_t contextidr_el1 = 0;  ///< Context ID.
  std::uint64_t tpidr_el0 = 0;       ///< EL0 thread pointer.
  std::uint64_t tpidrro_el0 = 0;     ///< EL0 read-only thread pointer.
  std::uint64_t tpidr_el1 = 0;       ///< EL1 thread pointer.
  std::uint64_t sp_el1 = 0;          ///< EL1 stack pointer.
  std::uint64_t elr_el1 = 0;         ///< EL1 exception return address.
  std::uint64_t spsr_el1 = 0;        ///< EL1 saved PSTATE.
  std::uint64_t esr_el1 = 0;         ///< EL1 syndrome.
  std::uint64_t far_el1 = 0;         ///< EL1 fault address.
  std::uint64_t afsr0_el1 = 0;       ///< Auxiliary fault status 0.
  std::uint64_t afsr1_el1 = 0;       ///< Auxiliary fault status 1.
  std::uint64_t par_el1 = 0;         ///< Address translation result.
  std::uint64_t cpacr_el1 = 0;       ///< FP/SIMD access control.
  std::uint64_t cntkctl_el1 = 0;     ///< Timer access control for EL0.
  std::uint64_t cntv_ctl_el0 = 0;    ///< Virtual timer control.
  std::uint64_t cntv_cval_el0 = 0;   ///< Virtual timer compare value.
  std::uint64_t csselr_el1 = 0;      ///< Cache size selection.

  /// The state a guest starts with: MMU and caches off, only RES1 bits set in SCTLR_EL1.
  static El1Context reset_state();
  /// Copies the CPU's EL1 registers into this context.
  void save();
  /// Loads this context into the CPU's EL1 registers.
  void restore() const;
};

/// \ingroup vcpu
/// \brief The FP/SIMD registers v0–v31, FPCR and FPSR.
struct alignas(16) FpContext {
  std::uint64_t v[64] = {};  ///< v0–v31, low half first.
  std::uint64_t fpcr = 0;    ///< Floating-point control.
  std::uint64_t fpsr = 0;    ///< Floating-point status.
};

extern "C" {
/// \ingroup vcpu
/// \brief Saves the CPU's FP/SIMD registers into \p context (fpsimd.S).
void el2lab_fpsimd_save(FpContext* context);
/// \ingroup vcpu
/// \brief Loads \p context into the CPU's FP/SIMD registers (fpsimd.S).
void el2lab_fpsimd_restore(const FpContext* context);
}

}  // namespace el2lab
