#include "core/portable/exception_injection.h"

#include "core/portable/esr.h"
#include "core/portable/registers.h"

namespace el2lab {
namespace {

// Offsets into the guest's vector table for a synchronous exception taken to EL1.
constexpr std::uint64_t kFromEl1Sp0 = 0x000;
constexpr std::uint64_t kFromEl1Spx = 0x200;
constexpr std::uint64_t kFromLowerAarch64 = 0x400;
constexpr std::uint64_t kFromLowerAarch32 = 0x600;

constexpr std::uint32_t kSyncExternalAbort = 0x10;  // DFSC/IFSC
constexpr std::uint32_t kWnrBit = 1u << 6;

std::uint64_t vector_offset(const reg::Spsr& from) {
  if (from.is_aarch32()) return kFromLowerAarch32;
  if (from.el() == 0) return kFromLowerAarch64;
  return from.uses_spx() ? kFromEl1Spx : kFromEl1Sp0;
}

}  // namespace

Injection plan_injection(InjectedException kind, const GuestTrapState& state) {
  const reg::Spsr from(state.pstate);
  const bool from_el0 = from.is_aarch32() || from.el() == 0;
  Injection out;
  out.elr_el1 = state.pc;
  out.spsr_el1 = state.pstate;
  switch (kind) {
    case InjectedException::kUndefined:
      out.esr_el1 = esr::make_syndrome(esr::ExceptionClass::kUnknown, 0).raw();
      break;
    case InjectedException::kDataAbort:
      out.esr_el1 = esr::make_syndrome(from_el0 ? esr::ExceptionClass::kDataAbortLower
                                                : esr::ExceptionClass::kDataAbortSame,
                                       kSyncExternalAbort | (state.write ? kWnrBit : 0))
                        .raw();
      out.far_el1 = state.fault_va;
      out.sets_far = true;
      break;
    case InjectedException::kInstructionAbort:
      out.esr_el1 = esr::make_syndrome(from_el0 ? esr::ExceptionClass::kInstrAbortLower
                                                : esr::ExceptionClass::kInstrAbortSame,
                                       kSyncExternalAbort)
                        .raw();
      out.far_el1 = state.fault_va;
      out.sets_far = true;
      break;
  }
  out.new_pc = state.vbar_el1 + vector_offset(from);
  out.new_pstate = reg::Spsr::el1h_masked().raw();
  return out;
}

}  // namespace el2lab
