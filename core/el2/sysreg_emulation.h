#pragma once
/// \file
/// \brief Emulating the system registers el2lab traps: ID registers (HCR_EL2.TID3) and the
/// EL1 virtual-memory controls (HCR_EL2.TVM).

#include <cstdint>

#include "core/el2/sysreg.h"
#include "core/portable/esr.h"

namespace el2lab {

/// \cond INTERNAL
// The helpers below are inline with the two functions: a trapped MRS/MSR is answered in its
// exit handler, without a call (a call made the handler keep a frame for it).
namespace sysreg_emulation_detail {

// The ID register space HCR_EL2.TID3 traps: op0 3, op1 0, CRn 0, CRm 1–7, any op2. CRm and op2
// are the key's lowest fields, so the space is one range of keys.
constexpr bool in_id_space(std::uint32_t key) {
  return key >= esr::sysreg_key(3, 0, 0, 1, 0) && key <= esr::sysreg_key(3, 0, 0, 7, 7);
}

// The ID registers passed on, by encoding (op0 3, op1 0, CRn 0, CRm, op2).
template <unsigned CRm, unsigned Op2>
constexpr std::uint32_t id_key = sysreg::id_register<CRm, Op2>::kKey;

template <unsigned CRm, unsigned Op2>
inline std::uint64_t read_id() {
  return sysreg::id_register<CRm, Op2>::read();
}

}  // namespace sysreg_emulation_detail
/// \endcond

/// \ingroup vcpu
/// \brief Puts into \p value what a trapped MRS of the register \p key (esr::sysreg_key)
/// returns; false if el2lab does not model that register (the guest then gets an undefined
/// instruction). ID registers read as the hardware's values; unallocated encodings in the ID
/// space read as zero, as the architecture defines them.
/// (A flag and an out-parameter rather than a std::optional: inlined into the exit handler, an
/// optional was still built on the stack.)
[[gnu::always_inline]] inline bool emulate_sysreg_read(std::uint32_t key, std::uint64_t& value) {
  using namespace sysreg_emulation_detail;
  // The registers a guest kernel reads to discover the CPU: pass the hardware's values on, so
  // the guest sees the machine it would see on bare QEMU. (Their names: sysreg_name(key).)
  switch (key) {
    case id_key<4, 0>: value = read_id<4, 0>(); return true;
    case id_key<4, 1>: value = read_id<4, 1>(); return true;
    case id_key<5, 0>: value = read_id<5, 0>(); return true;
    case id_key<5, 1>: value = read_id<5, 1>(); return true;
    case id_key<5, 4>: value = read_id<5, 4>(); return true;
    case id_key<5, 5>: value = read_id<5, 5>(); return true;
    case id_key<6, 0>: value = read_id<6, 0>(); return true;
    case id_key<6, 1>: value = read_id<6, 1>(); return true;
    case id_key<7, 0>: value = read_id<7, 0>(); return true;
    case id_key<7, 1>: value = read_id<7, 1>(); return true;
    case id_key<7, 2>: value = read_id<7, 2>(); return true;  // ID_AA64MMFR2_EL1
    case id_key<1, 0>: value = read_id<1, 0>(); return true;
    case id_key<1, 1>: value = read_id<1, 1>(); return true;
    case id_key<1, 2>: value = read_id<1, 2>(); return true;
    case id_key<1, 3>: value = read_id<1, 3>(); return true;
    case id_key<1, 4>: value = read_id<1, 4>(); return true;
    case id_key<1, 5>: value = read_id<1, 5>(); return true;
    case id_key<1, 6>: value = read_id<1, 6>(); return true;
    case id_key<1, 7>: value = read_id<1, 7>(); return true;
    case id_key<2, 0>: value = read_id<2, 0>(); return true;
    case id_key<2, 1>: value = read_id<2, 1>(); return true;
    case id_key<2, 2>: value = read_id<2, 2>(); return true;
    case id_key<2, 3>: value = read_id<2, 3>(); return true;
    case id_key<2, 4>: value = read_id<2, 4>(); return true;
    case id_key<2, 5>: value = read_id<2, 5>(); return true;
    case id_key<3, 0>: value = read_id<3, 0>(); return true;
    case id_key<3, 1>: value = read_id<3, 1>(); return true;
    case id_key<3, 2>: value = read_id<3, 2>(); return true;
    default: break;
  }
  value = 0;  // reserved ID registers are RAZ
  return in_id_space(key);
}

/// \ingroup vcpu
/// \brief Performs a trapped MSR of \p value to \p key on the guest's behalf; false if el2lab
/// does not model that register.
[[gnu::always_inline]] inline bool emulate_sysreg_write(std::uint32_t key, std::uint64_t value) {
  // HCR_EL2.TVM traps writes to the EL1 memory-management registers; el2lab lets each one
  // through unchanged (the trap exists so students can watch the guest turn its MMU on).
  switch (key) {
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
  // No ISB: nothing at EL2 uses the guest's translation regime before the ERET back into the
  // guest, and that ERET is itself a context synchronization event (SCTLR_EL2.EOS is 1 — RES1
  // on CPUs without FEAT_ExS, such as the Cortex-A72 el2lab runs on), so the guest's next
  // instruction sees the write. A later MRS of the same register at EL2 sees it anyway.
  return true;
}

}  // namespace el2lab
