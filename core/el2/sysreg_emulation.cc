#include "core/el2/sysreg_emulation.h"

#include "core/el2/sysreg.h"
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

// The ID registers passed on, by encoding (op0 3, op1 0, CRn 0, CRm, op2).
template <unsigned CRm, unsigned Op2>
constexpr std::uint32_t id_key = sysreg::id_register<CRm, Op2>::kKey;

template <unsigned CRm, unsigned Op2>
std::uint64_t read_id() {
  return sysreg::id_register<CRm, Op2>::read();
}

}  // namespace

std::optional<std::uint64_t> emulate_sysreg_read(std::uint32_t k) {
  // The registers a guest kernel reads to discover the CPU: pass the hardware's values on, so
  // the guest sees the machine it would see on bare QEMU. (Their names: sysreg_name(k).)
  switch (k) {
    case id_key<4, 0>: return read_id<4, 0>();
    case id_key<4, 1>: return read_id<4, 1>();
    case id_key<5, 0>: return read_id<5, 0>();
    case id_key<5, 1>: return read_id<5, 1>();
    case id_key<5, 4>: return read_id<5, 4>();
    case id_key<5, 5>: return read_id<5, 5>();
    case id_key<6, 0>: return read_id<6, 0>();
    case id_key<6, 1>: return read_id<6, 1>();
    case id_key<7, 0>: return read_id<7, 0>();
    case id_key<7, 1>: return read_id<7, 1>();
    case id_key<7, 2>: return read_id<7, 2>();  // ID_AA64MMFR2_EL1
    case id_key<1, 0>: return read_id<1, 0>();
    case id_key<1, 1>: return read_id<1, 1>();
    case id_key<1, 2>: return read_id<1, 2>();
    case id_key<1, 3>: return read_id<1, 3>();
    case id_key<1, 4>: return read_id<1, 4>();
    case id_key<1, 5>: return read_id<1, 5>();
    case id_key<1, 6>: return read_id<1, 6>();
    case id_key<1, 7>: return read_id<1, 7>();
    case id_key<2, 0>: return read_id<2, 0>();
    case id_key<2, 1>: return read_id<2, 1>();
    case id_key<2, 2>: return read_id<2, 2>();
    case id_key<2, 3>: return read_id<2, 3>();
    case id_key<2, 4>: return read_id<2, 4>();
    case id_key<2, 5>: return read_id<2, 5>();
    case id_key<3, 0>: return read_id<3, 0>();
    case id_key<3, 1>: return read_id<3, 1>();
    case id_key<3, 2>: return read_id<3, 2>();
    default: break;
  }
  if (in_id_space(k)) return 0;  // reserved ID registers are RAZ
  return std::nullopt;
}

bool emulate_sysreg_write(std::uint32_t k, std::uint64_t value) {
  // HCR_EL2.TVM traps writes to the EL1 memory-management registers; el2lab lets each one
  // through unchanged (the trap exists so students can watch the guest turn its MMU on).
  switch (k) {
    case sysreg::sctlr_el1::kKey: sysreg::sctlr_el1::write(value); break;
    case sysreg::ttbr0_el1::kKey: sysreg::ttbr0_el1::write(value); break;
    case sysreg::ttbr1_el1::kKey: sysreg::ttbr1_el1::write(value); break;
    case sysreg::tcr_el1::kKey: sysreg::tcr_el1::write(value); break;
    case sysreg::afsr0_el1::kKey: sysreg::afsr0_el1::write(value); break;
    case sysreg::afsr1_el1::kKey: sysreg::afsr1_el1::write(value); break;
    case sysreg::esr_el1::kKey: sysreg::esr_el1::write(value); break;
    case sysreg::far_el1::kKey: sysreg::far_el1::write(value); break;
    case sysreg::mair_el1::kKey: sysreg::mair_el1::write(value); break;
    case sysreg::amair_el1::kKey: sysreg::amair_el1::write(value); break;
    case sysreg::contextidr_el1::kKey: sysreg::contextidr_el1::write(value); break;
    default: return false;
  }
  asm volatile("isb");
  return true;
}

}  // namespace el2lab
