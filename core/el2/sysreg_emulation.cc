#include "core/el2/sysreg_emulation.h"

#include "core/portable/esr.h"

namespace el2lab {
namespace {

constexpr std::uint32_t key(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  return esr::sysreg_key(op0, op1, crn, crm, op2);
}

// The ID register space HCR_EL2.TID3 traps: op0 3, op1 0, CRn 0, CRm 1–7.
bool in_id_space(std::uint32_t k) {
  for (unsigned crm = 1; crm <= 7; ++crm) {
    for (unsigned op2 = 0; op2 <= 7; ++op2) {
      if (k == key(3, 0, 0, crm, op2)) return true;
    }
  }
  return false;
}

#define EL2LAB_READ(name)                     \
  [] {                                        \
    std::uint64_t v;                          \
    asm volatile("mrs %0, " #name : "=r"(v)); \
    return v;                                 \
  }()
#define EL2LAB_WRITE(name, value) asm volatile("msr " #name ", %0" ::"r"(value))

}  // namespace

std::optional<std::uint64_t> emulate_sysreg_read(std::uint32_t k) {
  // The registers a guest kernel reads to discover the CPU: pass the hardware's values on, so
  // the guest sees the machine it would see on bare QEMU.
  switch (k) {
    case key(3, 0, 0, 4, 0): return EL2LAB_READ(id_aa64pfr0_el1);
    case key(3, 0, 0, 4, 1): return EL2LAB_READ(id_aa64pfr1_el1);
    case key(3, 0, 0, 5, 0): return EL2LAB_READ(id_aa64dfr0_el1);
    case key(3, 0, 0, 5, 1): return EL2LAB_READ(id_aa64dfr1_el1);
    case key(3, 0, 0, 5, 4): return EL2LAB_READ(id_aa64afr0_el1);
    case key(3, 0, 0, 5, 5): return EL2LAB_READ(id_aa64afr1_el1);
    case key(3, 0, 0, 6, 0): return EL2LAB_READ(id_aa64isar0_el1);
    case key(3, 0, 0, 6, 1): return EL2LAB_READ(id_aa64isar1_el1);
    case key(3, 0, 0, 7, 0): return EL2LAB_READ(id_aa64mmfr0_el1);
    case key(3, 0, 0, 7, 1): return EL2LAB_READ(id_aa64mmfr1_el1);
    case key(3, 0, 0, 7, 2): return EL2LAB_READ(s3_0_c0_c7_2);  // ID_AA64MMFR2_EL1
    case key(3, 0, 0, 1, 0): return EL2LAB_READ(id_pfr0_el1);
    case key(3, 0, 0, 1, 1): return EL2LAB_READ(id_pfr1_el1);
    case key(3, 0, 0, 1, 2): return EL2LAB_READ(id_dfr0_el1);
    case key(3, 0, 0, 1, 3): return EL2LAB_READ(id_afr0_el1);
    case key(3, 0, 0, 1, 4): return EL2LAB_READ(id_mmfr0_el1);
    case key(3, 0, 0, 1, 5): return EL2LAB_READ(id_mmfr1_el1);
    case key(3, 0, 0, 1, 6): return EL2LAB_READ(id_mmfr2_el1);
    case key(3, 0, 0, 1, 7): return EL2LAB_READ(id_mmfr3_el1);
    case key(3, 0, 0, 2, 0): return EL2LAB_READ(id_isar0_el1);
    case key(3, 0, 0, 2, 1): return EL2LAB_READ(id_isar1_el1);
    case key(3, 0, 0, 2, 2): return EL2LAB_READ(id_isar2_el1);
    case key(3, 0, 0, 2, 3): return EL2LAB_READ(id_isar3_el1);
    case key(3, 0, 0, 2, 4): return EL2LAB_READ(id_isar4_el1);
    case key(3, 0, 0, 2, 5): return EL2LAB_READ(id_isar5_el1);
    case key(3, 0, 0, 3, 0): return EL2LAB_READ(mvfr0_el1);
    case key(3, 0, 0, 3, 1): return EL2LAB_READ(mvfr1_el1);
    case key(3, 0, 0, 3, 2): return EL2LAB_READ(mvfr2_el1);
    default: break;
  }
  if (in_id_space(k)) return 0;  // reserved ID registers are RAZ
  return std::nullopt;
}

bool emulate_sysreg_write(std::uint32_t k, std::uint64_t value) {
  // HCR_EL2.TVM traps writes to the EL1 memory-management registers; el2lab lets each one
  // through unchanged (the trap exists so students can watch the guest turn its MMU on).
  switch (k) {
    case key(3, 0, 1, 0, 0): EL2LAB_WRITE(sctlr_el1, value); break;
    case key(3, 0, 2, 0, 0): EL2LAB_WRITE(ttbr0_el1, value); break;
    case key(3, 0, 2, 0, 1): EL2LAB_WRITE(ttbr1_el1, value); break;
    case key(3, 0, 2, 0, 2): EL2LAB_WRITE(tcr_el1, value); break;
    case key(3, 0, 5, 1, 0): EL2LAB_WRITE(afsr0_el1, value); break;
    case key(3, 0, 5, 1, 1): EL2LAB_WRITE(afsr1_el1, value); break;
    case key(3, 0, 5, 2, 0): EL2LAB_WRITE(esr_el1, value); break;
    case key(3, 0, 6, 0, 0): EL2LAB_WRITE(far_el1, value); break;
    case key(3, 0, 10, 2, 0): EL2LAB_WRITE(mair_el1, value); break;
    case key(3, 0, 10, 3, 0): EL2LAB_WRITE(amair_el1, value); break;
    case key(3, 0, 13, 0, 1): EL2LAB_WRITE(contextidr_el1, value); break;
    default: return false;
  }
  asm volatile("isb");
  return true;
}

}  // namespace el2lab
