#pragma once
/// \file
/// \brief Reading and writing system registers from C++, one way.
///
/// A register is a type named after it, `sysreg::esr_el2`, defined by its encoding (op0, op1,
/// CRn, CRm, op2 — the same five numbers an MSR/MRS trap reports in ESR_EL2, so
/// `sysreg::contextidr_el1::kKey` is what esr::SysRegAccess::sysreg_key() gives for it).
/// `read()` returns the register's value type — a typed value with named fields
/// (core/portable/registers.h) where el2lab has one, such as reg::Hcr, or a plain 64-bit word;
/// `write()` takes the same type. A read-only register has no write(), a write-only one no
/// read(): a typo or a wrong direction is a compile error, not an UNDEFINED instruction at run
/// time. The instruction is emitted with the generic `S<op0>_<op1>_C<n>_C<m>_<op2>` name the
/// assembler accepts for any register; disassemblers still print the architectural name.

#include <cstdint>
#include <type_traits>

#include "core/portable/esr_iss.h"
#include "core/portable/registers.h"

namespace el2lab::sysreg {

/// Which instructions a register allows.
enum class Access : std::uint8_t {
  kReadWrite,  ///< MRS and MSR.
  kReadOnly,   ///< MRS only (ID registers, acknowledge registers).
  kWriteOnly,  ///< MSR only (EOI, SGI generation).
};

/// \cond INTERNAL
namespace detail {
template <typename Value>
constexpr Value from_raw(std::uint64_t raw) {
  if constexpr (std::is_integral_v<Value>) {
    return static_cast<Value>(raw);
  } else {
    return Value(raw);
  }
}
template <typename Value>
constexpr std::uint64_t to_raw(Value value) {
  if constexpr (std::is_integral_v<Value>) {
    return static_cast<std::uint64_t>(value);
  } else {
    return value.raw();
  }
}
}  // namespace detail
/// \endcond

/// \brief The system register with encoding (\p Op0, \p Op1, \p CRn, \p CRm, \p Op2).
template <unsigned Op0, unsigned Op1, unsigned CRn, unsigned CRm, unsigned Op2,
          typename Value = std::uint64_t, Access kAccess = Access::kReadWrite>
struct Register {
  static_assert(Op0 >= 2 && Op0 <= 3 && Op1 < 8 && CRn < 16 && CRm < 16 && Op2 < 8,
                "not a system-register encoding");
  /// What read() returns and write() takes.
  using value_type = Value;
  /// The encoding as esr::sysreg_key() packs it (what a trapped access reports).
  static constexpr std::uint32_t kKey = esr::sysreg_key(Op0, Op1, CRn, CRm, Op2);

  /// MRS.
  static Value read() requires(kAccess != Access::kWriteOnly) {
    std::uint64_t raw;
    asm volatile("mrs %0, s%c1_%c2_c%c3_c%c4_%c5"
                 : "=r"(raw)
                 : "i"(Op0), "i"(Op1), "i"(CRn), "i"(CRm), "i"(Op2));
    return detail::from_raw<Value>(raw);
  }
  /// MSR. (A write that must take effect before the next instruction needs an ISB after it.)
  static void write(Value value) requires(kAccess != Access::kReadOnly) {
    asm volatile("msr s%c0_%c1_c%c2_c%c3_%c4, %5" ::"i"(Op0), "i"(Op1), "i"(CRn), "i"(CRm),
                 "i"(Op2), "r"(detail::to_raw(value))
                 : "memory");
  }
};

/// A read-only register.
template <unsigned Op0, unsigned Op1, unsigned CRn, unsigned CRm, unsigned Op2,
          typename Value = std::uint64_t>
using ReadOnly = Register<Op0, Op1, CRn, CRm, Op2, Value, Access::kReadOnly>;
/// A write-only register.
template <unsigned Op0, unsigned Op1, unsigned CRn, unsigned CRm, unsigned Op2,
          typename Value = std::uint64_t>
using WriteOnly = Register<Op0, Op1, CRn, CRm, Op2, Value, Access::kWriteOnly>;

/// \name Identification and the current state
/// \{
using currentel = ReadOnly<3, 0, 4, 2, 2>;         ///< CurrentEL.
using mpidr_el1 = ReadOnly<3, 0, 0, 0, 5>;         ///< MPIDR_EL1.
using id_aa64pfr0_el1 = ReadOnly<3, 0, 0, 4, 0>;   ///< ID_AA64PFR0_EL1.
using id_aa64mmfr0_el1 = ReadOnly<3, 0, 0, 7, 0>;  ///< ID_AA64MMFR0_EL1.
/// The ID register space HCR_EL2.TID3 traps: op0 3, op1 0, CRn 0, CRm 1–7.
template <unsigned CRm, unsigned Op2>
using id_register = ReadOnly<3, 0, 0, CRm, Op2>;
/// \}

/// \name EL2: exceptions, traps, stage 2
/// \{
using esr_el2 = Register<3, 4, 5, 2, 0>;              ///< ESR_EL2.
using far_el2 = Register<3, 4, 6, 0, 0>;              ///< FAR_EL2.
using hpfar_el2 = Register<3, 4, 6, 0, 4>;            ///< HPFAR_EL2.
using elr_el2 = Register<3, 4, 4, 0, 1>;              ///< ELR_EL2.
using spsr_el2 = Register<3, 4, 4, 0, 0, reg::Spsr>;  ///< SPSR_EL2.
using hcr_el2 = Register<3, 4, 1, 1, 0, reg::Hcr>;    ///< HCR_EL2.
using vbar_el2 = Register<3, 4, 12, 0, 0>;            ///< VBAR_EL2.
using tpidr_el2 = Register<3, 4, 13, 0, 2>;           ///< TPIDR_EL2 (el2lab: the CpuLocal).
using sctlr_el2 = Register<3, 4, 1, 0, 0>;            ///< SCTLR_EL2.
using cptr_el2 = Register<3, 4, 1, 1, 2>;             ///< CPTR_EL2.
using mdcr_el2 = Register<3, 4, 1, 1, 1>;             ///< MDCR_EL2.
using vmpidr_el2 = Register<3, 4, 0, 0, 5>;           ///< VMPIDR_EL2.
using vpidr_el2 = Register<3, 4, 0, 0, 0>;            ///< VPIDR_EL2.
using vtcr_el2 = Register<3, 4, 2, 1, 2>;             ///< VTCR_EL2.
using vttbr_el2 = Register<3, 4, 2, 1, 0>;            ///< VTTBR_EL2.
using cnthctl_el2 = Register<3, 4, 14, 1, 0>;         ///< CNTHCTL_EL2.
using cntvoff_el2 = Register<3, 4, 14, 0, 3>;         ///< CNTVOFF_EL2.
using cnthp_tval_el2 = Register<3, 4, 14, 2, 0>;      ///< CNTHP_TVAL_EL2.
using cnthp_ctl_el2 = Register<3, 4, 14, 2, 1>;       ///< CNTHP_CTL_EL2.
/// \}

/// \name The PMU cycle counter (instructions under `-icount shift=0`)
/// \{
using pmcr_el0 = Register<3, 3, 9, 12, 0>;        ///< PMCR_EL0.
using pmcntenset_el0 = Register<3, 3, 9, 12, 1>;  ///< PMCNTENSET_EL0.
using pmccntr_el0 = Register<3, 3, 9, 13, 0>;     ///< PMCCNTR_EL0.
using pmccfiltr_el0 = Register<3, 3, 14, 15, 7>;  ///< PMCCFILTR_EL0.
/// \}

/// \name The guest's EL1 and EL0 context (saved and restored at a world switch)
/// \{
using sctlr_el1 = Register<3, 0, 1, 0, 0>;        ///< SCTLR_EL1.
using ttbr0_el1 = Register<3, 0, 2, 0, 0>;        ///< TTBR0_EL1.
using ttbr1_el1 = Register<3, 0, 2, 0, 1>;        ///< TTBR1_EL1.
using tcr_el1 = Register<3, 0, 2, 0, 2>;          ///< TCR_EL1.
using mair_el1 = Register<3, 0, 10, 2, 0>;        ///< MAIR_EL1.
using amair_el1 = Register<3, 0, 10, 3, 0>;       ///< AMAIR_EL1.
using vbar_el1 = Register<3, 0, 12, 0, 0>;        ///< VBAR_EL1.
using contextidr_el1 = Register<3, 0, 13, 0, 1>;  ///< CONTEXTIDR_EL1.
using tpidr_el0 = Register<3, 3, 13, 0, 2>;       ///< TPIDR_EL0.
using tpidrro_el0 = Register<3, 3, 13, 0, 3>;     ///< TPIDRRO_EL0.
using tpidr_el1 = Register<3, 0, 13, 0, 4>;       ///< TPIDR_EL1.
using sp_el1 = Register<3, 4, 4, 1, 0>;           ///< SP_EL1 (accessible from EL2 only).
using elr_el1 = Register<3, 0, 4, 0, 1>;          ///< ELR_EL1.
using spsr_el1 = Register<3, 0, 4, 0, 0>;         ///< SPSR_EL1.
using esr_el1 = Register<3, 0, 5, 2, 0>;          ///< ESR_EL1.
using far_el1 = Register<3, 0, 6, 0, 0>;          ///< FAR_EL1.
using afsr0_el1 = Register<3, 0, 5, 1, 0>;        ///< AFSR0_EL1.
using afsr1_el1 = Register<3, 0, 5, 1, 1>;        ///< AFSR1_EL1.
using par_el1 = Register<3, 0, 7, 4, 0>;          ///< PAR_EL1.
using cpacr_el1 = Register<3, 0, 1, 0, 2>;        ///< CPACR_EL1.
using cntkctl_el1 = Register<3, 0, 14, 1, 0>;     ///< CNTKCTL_EL1.
using cntv_ctl_el0 = Register<3, 3, 14, 3, 1>;    ///< CNTV_CTL_EL0.
using cntv_cval_el0 = Register<3, 3, 14, 3, 2>;   ///< CNTV_CVAL_EL0.
using cntvct_el0 = ReadOnly<3, 3, 14, 0, 2>;      ///< CNTVCT_EL0 (the virtual count).
using csselr_el1 = Register<3, 2, 0, 0, 0>;       ///< CSSELR_EL1.
/// \}

/// \name GICv3 CPU interface (ICC_*) and virtual interface control (ICH_*)
/// \{
using icc_sre_el2 = Register<3, 4, 12, 9, 5>;       ///< ICC_SRE_EL2.
using icc_pmr_el1 = Register<3, 0, 4, 6, 0>;        ///< ICC_PMR_EL1.
using icc_bpr1_el1 = Register<3, 0, 12, 12, 3>;     ///< ICC_BPR1_EL1.
using icc_ctlr_el1 = Register<3, 0, 12, 12, 4>;     ///< ICC_CTLR_EL1.
using icc_igrpen1_el1 = Register<3, 0, 12, 12, 7>;  ///< ICC_IGRPEN1_EL1.
using icc_iar1_el1 = ReadOnly<3, 0, 12, 12, 0>;     ///< ICC_IAR1_EL1 (reading acknowledges).
using icc_eoir1_el1 = WriteOnly<3, 0, 12, 12, 1>;   ///< ICC_EOIR1_EL1.
using icc_dir_el1 = WriteOnly<3, 0, 12, 11, 1>;     ///< ICC_DIR_EL1.
using icc_sgi1r_el1 = WriteOnly<3, 0, 12, 11, 5>;   ///< ICC_SGI1R_EL1 (fields: gic::icc_sgi1r).
using ich_hcr_el2 = Register<3, 4, 12, 11, 0>;      ///< ICH_HCR_EL2.
using ich_vtr_el2 = ReadOnly<3, 4, 12, 11, 1>;      ///< ICH_VTR_EL2.
using ich_eisr_el2 = ReadOnly<3, 4, 12, 11, 3>;     ///< ICH_EISR_EL2.
using ich_elrsr_el2 = ReadOnly<3, 4, 12, 11, 5>;    ///< ICH_ELRSR_EL2.
using ich_vmcr_el2 = Register<3, 4, 12, 11, 7>;     ///< ICH_VMCR_EL2.
/// ICH_LR<N>_EL2 (fields: gic::ich_lr).
template <unsigned N>
using ich_lr_el2 = Register<3, 4, 12, 12 + N / 8, N % 8>;
/// \}

// A switch, not a table of accessor functions: the exit path writes list registers, and a
// call through a table would make its callers spill their registers around it.

/// ICH_LR<n>_EL2 for a run-time \p n (below 16; others read as 0).
inline std::uint64_t read_ich_lr(unsigned n) {
  switch (n) {
    case 0: return ich_lr_el2<0>::read();
    case 1: return ich_lr_el2<1>::read();
    case 2: return ich_lr_el2<2>::read();
    case 3: return ich_lr_el2<3>::read();
    case 4: return ich_lr_el2<4>::read();
    case 5: return ich_lr_el2<5>::read();
    case 6: return ich_lr_el2<6>::read();
    case 7: return ich_lr_el2<7>::read();
    case 8: return ich_lr_el2<8>::read();
    case 9: return ich_lr_el2<9>::read();
    case 10: return ich_lr_el2<10>::read();
    case 11: return ich_lr_el2<11>::read();
    case 12: return ich_lr_el2<12>::read();
    case 13: return ich_lr_el2<13>::read();
    case 14: return ich_lr_el2<14>::read();
    case 15: return ich_lr_el2<15>::read();
    default: return 0;
  }
}
/// Writes ICH_LR<n>_EL2 for a run-time \p n (below 16; others are ignored).
inline void write_ich_lr(unsigned n, std::uint64_t value) {
  switch (n) {
    case 0: return ich_lr_el2<0>::write(value);
    case 1: return ich_lr_el2<1>::write(value);
    case 2: return ich_lr_el2<2>::write(value);
    case 3: return ich_lr_el2<3>::write(value);
    case 4: return ich_lr_el2<4>::write(value);
    case 5: return ich_lr_el2<5>::write(value);
    case 6: return ich_lr_el2<6>::write(value);
    case 7: return ich_lr_el2<7>::write(value);
    case 8: return ich_lr_el2<8>::write(value);
    case 9: return ich_lr_el2<9>::write(value);
    case 10: return ich_lr_el2<10>::write(value);
    case 11: return ich_lr_el2<11>::write(value);
    case 12: return ich_lr_el2<12>::write(value);
    case 13: return ich_lr_el2<13>::write(value);
    case 14: return ich_lr_el2<14>::write(value);
    case 15: return ich_lr_el2<15>::write(value);
    default: return;
  }
}

/// Writes a typed HCR_EL2 value and synchronises the context so it applies at once.
inline void write_hcr(reg::Hcr hcr) {
  hcr_el2::write(hcr);
  asm volatile("isb" ::: "memory");
}

/// The exception level this code runs at (2 for the hypervisor).
inline unsigned current_el() {
  return reg::current_el_from(currentel::read());
}

}  // namespace el2lab::sysreg
