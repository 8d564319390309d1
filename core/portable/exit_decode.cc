#include "core/portable/exit_decode.h"

#include "core/portable/esr.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

std::uint64_t reg_or_zero(const SyncTrap& trap, unsigned r) {
  return esr::is_zero_register(r) ? 0 : trap.x[r];
}

constexpr std::uint64_t width_mask(unsigned bytes) {
  return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// HVC or trapped SMC: PSCI power requests get their own exit reasons.
VmExit decode_call(const SyncTrap& trap, bool via_smc) {
  const auto function = static_cast<psci::Function>(trap.x[0] & 0xffff'ffff);
  switch (function) {
    case psci::Function::kCpuOn32:
    case psci::Function::kCpuOn64: return CpuUp{trap.x[1], trap.x[2], trap.x[3]};
    case psci::Function::kCpuOff: return CpuDown{trap.x[1]};
    case psci::Function::kSystemOff: return SystemDown{false};
    case psci::Function::kSystemReset: return SystemDown{true};
    default: break;
  }
  Hypercall call;
  call.function = trap.x[0];
  for (unsigned i = 0; i < call.args.size(); ++i) call.args[i] = trap.x[i + 1];
  call.via_smc = via_smc;
  return call;
}

VmExit decode_data_abort(const SyncTrap& trap) {
  const esr::Syndrome syndrome(trap.esr);
  const auto abort = esr::DataAbort::decode(syndrome.iss());
  const std::uint64_t ipa = fault_ipa(trap.hpfar, trap.far);
  if (abort.s1ptw) {
    return Unhandled{trap.esr, ipa, "stage-2 fault on the guest's own page-table walk"};
  }
  if (!esr::is_translation_fault(abort.dfsc)) {
    return Unhandled{trap.esr, ipa, "stage-2 abort that is not a translation fault"};
  }
  if (!abort.isv) {
    // Load/store pair, writeback or SIMD access: the syndrome does not say which register,
    // so the access cannot be emulated without decoding the instruction.
    return Unhandled{trap.esr, ipa, "MMIO access without a valid syndrome (ISV=0)"};
  }
  const unsigned width = abort.access_bytes();
  if (abort.wnr) {
    return MmioWrite{ipa, width, reg_or_zero(trap, abort.srt) & width_mask(width)};
  }
  return MmioRead{ipa, width, abort.srt, abort.sf, abort.sse};
}

VmExit decode_sysreg(const SyncTrap& trap) {
  const esr::Syndrome syndrome(trap.esr);
  const auto access = esr::SysRegAccess::decode(syndrome.iss());
  if (access.is_read) return SysRegRead{access.sysreg_key(), access.rt};
  const std::uint64_t value = reg_or_zero(trap, access.rt);
  if (access.sysreg_key() == icc_sgi1r_key()) return decode_sgi1r(value);
  return SysRegWrite{access.sysreg_key(), value};
}

}  // namespace

std::optional<FailEntry> check_guest_entry(std::uint64_t spsr) {
  const bool aarch32 = ((spsr >> 4) & 1) != 0;
  if (aarch32) {
    // AArch32 modes: only User (0b10000) is allowed below an AArch64 EL1.
    constexpr std::uint64_t kUser = 0b10000;
    if ((spsr & 0x1f) != kUser)
      return FailEntry{static_cast<std::uint64_t>(EntryFailure::kAarch32El1)};
    return std::nullopt;
  }
  const std::uint64_t el = (spsr >> 2) & 3;
  if (el >= 2) return FailEntry{static_cast<std::uint64_t>(EntryFailure::kWouldRunAtEl2)};
  return std::nullopt;
}

std::uint32_t icc_sgi1r_key() {
  return esr::sysreg_key(3, 0, 12, 11, 5);
}

SendIpi decode_sgi1r(std::uint64_t value) {
  // ICC_SGI1R_EL1: TargetList [15:0], Aff1 [23:16], INTID [27:24], Aff2 [39:32], IRM [40],
  // Aff3 [55:48].
  SendIpi ipi;
  ipi.target_list = value & 0xffff;
  ipi.vector = (value >> 24) & 0xf;
  ipi.send_to_all = ((value >> 40) & 1) != 0;
  const std::uint64_t aff1 = (value >> 16) & 0xff;
  const std::uint64_t aff2 = (value >> 32) & 0xff;
  const std::uint64_t aff3 = (value >> 48) & 0xff;
  ipi.target_cpu = (aff3 << 32) | (aff2 << 16) | (aff1 << 8);
  return ipi;
}

DecodedExit decode_sync_exit(const SyncTrap& trap) {
  const esr::Syndrome syndrome(trap.esr);
  switch (syndrome.ec()) {
    case esr::ExceptionClass::kHvc64: return {decode_call(trap, false), 0};
    case esr::ExceptionClass::kSmc64: return {decode_call(trap, true), 4};
    case esr::ExceptionClass::kDataAbortLower: return {decode_data_abort(trap), 4};
    case esr::ExceptionClass::kSysReg64: return {decode_sysreg(trap), 4};
    case esr::ExceptionClass::kWfxTrap:
      return {Halt{esr::WfxTrap::decode(syndrome.iss()).is_wfe()}, 4};
    case esr::ExceptionClass::kInstrAbortLower:
      return {Unhandled{trap.esr, fault_ipa(trap.hpfar, trap.far),
                        "instruction fetch from an address that is not guest RAM"},
              0};
    default: return {Unhandled{trap.esr, 0, "a trap the hypervisor does not model"}, 0};
  }
}

}  // namespace el2lab
