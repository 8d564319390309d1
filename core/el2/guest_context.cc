#include "core/el2/guest_context.h"

#include "core/el2/sysreg.h"

namespace el2lab {

namespace {

// Each field of El1Context and the register it holds, in one list: save() and restore() walk
// the same list, so a register cannot be saved and forgotten on the way back.
template <typename Reg, std::uint64_t El1Context::*Field>
struct Held {
  static void save(El1Context& c) { c.*Field = Reg::read(); }
  static void restore(const El1Context& c) { Reg::write(c.*Field); }
};

template <typename... Registers>
struct RegisterList {
  static void save(El1Context& c) { (Registers::save(c), ...); }
  static void restore(const El1Context& c) { (Registers::restore(c), ...); }
};

using El1Registers = RegisterList<
    Held<sysreg::sctlr_el1, &El1Context::sctlr_el1>,
    Held<sysreg::ttbr0_el1, &El1Context::ttbr0_el1>,
    Held<sysreg::ttbr1_el1, &El1Context::ttbr1_el1>, Held<sysreg::tcr_el1, &El1Context::tcr_el1>,
    Held<sysreg::mair_el1, &El1Context::mair_el1>, Held<sysreg::amair_el1, &El1Context::amair_el1>,
    Held<sysreg::vbar_el1, &El1Context::vbar_el1>,
    Held<sysreg::contextidr_el1, &El1Context::contextidr_el1>,
    Held<sysreg::tpidr_el0, &El1Context::tpidr_el0>,
    Held<sysreg::tpidrro_el0, &El1Context::tpidrro_el0>,
    Held<sysreg::tpidr_el1, &El1Context::tpidr_el1>, Held<sysreg::sp_el1, &El1Context::sp_el1>,
    Held<sysreg::elr_el1, &El1Context::elr_el1>, Held<sysreg::spsr_el1, &El1Context::spsr_el1>,
    Held<sysreg::esr_el1, &El1Context::esr_el1>, Held<sysreg::far_el1, &El1Context::far_el1>,
    Held<sysreg::afsr0_el1, &El1Context::afsr0_el1>,
    Held<sysreg::afsr1_el1, &El1Context::afsr1_el1>, Held<sysreg::par_el1, &El1Context::par_el1>,
    Held<sysreg::cpacr_el1, &El1Context::cpacr_el1>,
    Held<sysreg::cntkctl_el1, &El1Context::cntkctl_el1>,
    Held<sysreg::cntv_ctl_el0, &El1Context::cntv_ctl_el0>,
    Held<sysreg::cntv_cval_el0, &El1Context::cntv_cval_el0>,
    Held<sysreg::csselr_el1, &El1Context::csselr_el1>>;

}  // namespace

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
  El1Registers::save(*this);
}

void El1Context::restore() const {
  El1Registers::restore(*this);
  asm volatile("isb" ::: "memory");
}

}  // namespace el2lab
