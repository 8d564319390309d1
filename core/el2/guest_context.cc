#include "core/el2/guest_context.h"

namespace el2lab {

// MRS/MSR need the register name in the instruction, hence one line per register.
#define EL2LAB_SAVE(reg) asm volatile("mrs %0, " #reg : "=r"(reg))
#define EL2LAB_RESTORE(reg) asm volatile("msr " #reg ", %0" ::"r"(reg))
#define EL2LAB_EL1_REGISTERS(X) \
  X(sctlr_el1);                 \
  X(ttbr0_el1);                 \
  X(ttbr1_el1);                 \
  X(tcr_el1);                   \
  X(mair_el1);                  \
  X(amair_el1);                 \
  X(vbar_el1);                  \
  X(contextidr_el1);            \
  X(tpidr_el0);                 \
  X(tpidrro_el0);               \
  X(tpidr_el1);                 \
  X(sp_el1);                    \
  X(elr_el1);                   \
  X(spsr_el1);                  \
  X(esr_el1);                   \
  X(far_el1);                   \
  X(afsr0_el1);                 \
  X(afsr1_el1);                 \
  X(par_el1);                   \
  X(cpacr_el1);                 \
  X(cntkctl_el1);               \
  X(cntv_ctl_el0);              \
  X(cntv_cval_el0);             \
  X(csselr_el1)

El1Context El1Context::reset_state() {
  El1Context context;
  // SCTLR_EL1's RES1 bits (29, 28, 23, 22, 20, 11): MMU, caches and alignment checks off,
  // as the Linux boot protocol requires at entry.
  context.sctlr_el1 = (1u << 29) | (1u << 28) | (1u << 23) | (1u << 22) | (1u << 20) | (1u << 11);
  // FP/SIMD usable at EL1 and EL0 without traps (CPACR_EL1.FPEN = 0b11), as Linux expects.
  context.cpacr_el1 = 3u << 20;
  return context;
}

void El1Context::save() {
  EL2LAB_EL1_REGISTERS(EL2LAB_SAVE);
}

void El1Context::restore() const {
  EL2LAB_EL1_REGISTERS(EL2LAB_RESTORE);
  asm volatile("isb" ::: "memory");
}

#undef EL2LAB_EL1_REGISTERS
#undef EL2LAB_RESTORE
#undef EL2LAB_SAVE

}  // namespace el2lab
