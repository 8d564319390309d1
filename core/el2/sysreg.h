#pragma once
/// \file
/// \brief Reading and writing system registers from C++.
///
/// `sysreg::esr_el2::read()`, `sysreg::hcr_el2::write(v)`: one type per register so a typo is a
/// compile error, not an UNDEFINED instruction at run time. Typed values with named fields live
/// in core/portable/registers.h.

#include <cstdint>

#include "core/portable/registers.h"

namespace el2lab::sysreg {

/// \cond INTERNAL
#define EL2LAB_SYSREG_RW(name)                                   \
  struct name {                                                  \
    static std::uint64_t read() {                                \
      std::uint64_t value;                                       \
      asm volatile("mrs %0, " #name : "=r"(value));              \
      return value;                                              \
    }                                                            \
    static void write(std::uint64_t value) {                     \
      asm volatile("msr " #name ", %0" ::"r"(value) : "memory"); \
    }                                                            \
  };
#define EL2LAB_SYSREG_RO(name)                      \
  struct name {                                     \
    static std::uint64_t read() {                   \
      std::uint64_t value;                          \
      asm volatile("mrs %0, " #name : "=r"(value)); \
      return value;                                 \
    }                                               \
  };
/// \endcond

EL2LAB_SYSREG_RO(currentel)
EL2LAB_SYSREG_RO(mpidr_el1)
EL2LAB_SYSREG_RO(id_aa64pfr0_el1)
EL2LAB_SYSREG_RO(id_aa64mmfr0_el1)
EL2LAB_SYSREG_RW(esr_el2)
EL2LAB_SYSREG_RW(far_el2)
EL2LAB_SYSREG_RW(hpfar_el2)
EL2LAB_SYSREG_RW(elr_el2)
EL2LAB_SYSREG_RW(spsr_el2)
EL2LAB_SYSREG_RW(hcr_el2)
EL2LAB_SYSREG_RW(vbar_el2)
EL2LAB_SYSREG_RW(tpidr_el2)
EL2LAB_SYSREG_RW(sctlr_el2)
EL2LAB_SYSREG_RW(cptr_el2)
EL2LAB_SYSREG_RW(cnthctl_el2)
EL2LAB_SYSREG_RW(cntvoff_el2)
EL2LAB_SYSREG_RW(vmpidr_el2)
EL2LAB_SYSREG_RW(vpidr_el2)
EL2LAB_SYSREG_RW(mdcr_el2)
EL2LAB_SYSREG_RW(sctlr_el1)
EL2LAB_SYSREG_RW(vbar_el1)
EL2LAB_SYSREG_RW(sp_el1)

#undef EL2LAB_SYSREG_RW
#undef EL2LAB_SYSREG_RO

/// Writes a typed HCR_EL2 value and synchronises the context so it applies at once.
inline void write_hcr(reg::Hcr hcr) {
  hcr_el2::write(hcr.raw());
  asm volatile("isb" ::: "memory");
}

/// The exception level this code runs at (2 for the hypervisor).
inline unsigned current_el() {
  return reg::current_el_from(currentel::read());
}

}  // namespace el2lab::sysreg
