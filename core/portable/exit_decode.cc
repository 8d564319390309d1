#include "core/portable/exit_decode.h"

#include "core/portable/esr.h"
#include "core/portable/gic.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

std::uint64_t reg_or_zero(const std::uint64_t* x, unsigned r) {
  return esr::is_zero_register(r) ? 0 : x[r];
}

// The low 8 << sas bits of a register (SAS: 0 byte ... 3 doubleword): shifted up and back down
// by 64 minus that many bits, which is 0 for a doubleword, so no case of its own.
constexpr std::uint64_t low_bits(std::uint64_t value, unsigned sas) {
  const unsigned drop = (64 - (8u << sas)) & 63;
  return (value << drop) >> drop;
}

// Each decoder below builds its exit in place, in the caller's VmExit (emplace), so no exit
// record is ever copied on the way to the run loop. They take the syndrome registers and the
// guest's registers as plain values and a pointer (a SyncTrap built here cost a stack frame).

// HVC or trapped SMC: PSCI power requests get their own exit reasons. Returns the exit's main
// argument: the function ID of a Hypercall, 0 for the power requests.
[[gnu::always_inline]] inline std::uint64_t decode_call(const std::uint64_t* x, bool via_smc,
                                                        VmExit& out) {
  const auto fid = static_cast<std::uint32_t>(x[0]);
  // PSCI's power requests get their own exit reasons; one mask test keeps every other call
  // (el2lab's own, vendors') off the switch, which is a jump table (see psci::table_index).
  // One bit per PSCI function that is a power request, tested before the switch: the other
  // PSCI calls (PSCI_VERSION, FEATURES...) pass with a shift and a bit test.
  if (psci::in_range(fid) && ((psci::kPowerRequests >> psci::table_index(fid)) & 1) != 0) {
    switch (psci::table_index(fid)) {
      case psci::table_index(psci::Function::kCpuOn32):
      case psci::table_index(psci::Function::kCpuOn64):
        out.emplace<CpuUp>(CpuUp{x[1], x[2], x[3]});
        return 0;
      case psci::table_index(psci::Function::kCpuOff):
        out.emplace<CpuDown>(CpuDown{x[1]});
        return 0;
      case psci::table_index(psci::Function::kSystemOff):
        out.emplace<SystemDown>(SystemDown{false});
        return 0;
      case psci::table_index(psci::Function::kSystemReset):
        out.emplace<SystemDown>(SystemDown{true});
        return 0;
      default: break;
    }
  }
  out.emplace<Hypercall>(hypercall_from(x, via_smc));
  return x[0];
}

// Returns the IPA (the exit's main argument); moves `pc` past the access if it is emulated. The
// syndrome's fields are read by name straight from the ISS (esr::DataAbort's field descriptions),
// only those this exit needs.
[[gnu::always_inline]] inline std::uint64_t decode_data_abort(std::uint64_t esr, std::uint64_t far,
                                                              std::uint64_t hpfar,
                                                              const std::uint64_t* x,
                                                              std::uint64_t& pc, VmExit& out) {
  using Abort = esr::DataAbort;
  // The ISS is ESR_EL2[24:0], so each of its fields lies at the same bit of ESR_EL2 itself:
  // read from there, with no mask of the ISS first (which would make the tests below slower).
  const std::uint64_t iss = esr;
  const std::uint64_t ipa = fault_ipa(hpfar, far);
  const char* refused = nullptr;
  if (Abort::kS1ptw.test(iss)) {
    refused = "stage-2 fault on the guest's own page-table walk";
  } else if (!esr::is_translation_fault(static_cast<std::uint8_t>(Abort::kDfsc.get(iss)))) {
    refused = "stage-2 abort that is not a translation fault";
  } else if (!Abort::kIsv.test(iss)) {
    // Load/store pair, writeback or SIMD access: the syndrome does not say which register,
    // so the access cannot be emulated without decoding the instruction.
    refused = "MMIO access without a valid syndrome (ISV=0)";
  }
  if (refused != nullptr) [[unlikely]] {
    out.emplace<Unhandled>(Unhandled{esr, ipa, refused});
    return ipa;
  }
  const auto sas = static_cast<unsigned>(Abort::kSas.get(iss));
  const unsigned width = 1u << sas;
  const auto reg = static_cast<unsigned>(Abort::kSrt.get(iss));
  pc += 4;  // the access is emulated: the guest goes on after it
  if (Abort::kWnr.test(iss)) {
    out.emplace<MmioWrite>(MmioWrite{ipa, width, low_bits(reg_or_zero(x, reg), sas)});
    return ipa;
  }
  out.emplace<MmioRead>(MmioRead{ipa, width, reg, Abort::kSf.test(iss), Abort::kSse.test(iss)});
  return ipa;
}

// Returns the exit's main argument: the register's key (0 for an SGI request).
[[gnu::always_inline]] inline std::uint32_t decode_sysreg(std::uint64_t esr, const std::uint64_t* x,
                                                          VmExit& out) {
  using Access = esr::SysRegAccess;
  const std::uint32_t iss = esr::Syndrome(esr).iss();
  const std::uint32_t key = Access::key_of(iss);  // only the fields this exit needs
  const auto rt = static_cast<unsigned>(Access::kRt.get(iss));
  if (Access::kDirection.test(iss)) {  // MRS: the guest reads the register
    out.emplace<SysRegRead>(SysRegRead{key, rt});
    return key;
  }
  const std::uint64_t value = reg_or_zero(x, rt);
  if (key == icc_sgi1r_key()) {
    out.emplace<SendIpi>(decode_sgi1r(value));
    return 0;
  }
  out.emplace<SysRegWrite>(SysRegWrite{key, value});
  return key;
}

}  // namespace

std::uint32_t icc_sgi1r_key() {
  return esr::sysreg_key(3, 0, 12, 11, 5);
}

SendIpi decode_sgi1r(std::uint64_t value) {
  namespace f = gic::icc_sgi1r;
  SendIpi ipi;
  ipi.target_list = f::TargetList::get(value);
  ipi.vector = f::Intid::get(value);
  ipi.send_to_all = f::Irm::get(value) != 0;
  ipi.target_cpu =
      (f::Aff3::get(value) << 32) | (f::Aff2::get(value) << 16) | (f::Aff1::get(value) << 8);
  return ipi;
}

std::uint64_t decode_sync_exit(std::uint64_t esr, std::uint64_t far, std::uint64_t hpfar,
                               const std::uint64_t* x, std::uint64_t& pc, VmExit& exit) {
  const esr::Syndrome syndrome(esr);
  // Only the argument is returned (in x0): the PC is moved here, where each case knows whether
  // it moves (a pair returned in registers was spilled to the stack by the caller).
  std::uint64_t argument = 0;
  // MMIO first: the most common trap that comes here (HVC and WFI rarely do: run() answers
  // most of those itself), and the one with the most decoding to do.
  if (syndrome.ec() == esr::ExceptionClass::kDataAbortLower) [[likely]]
    return decode_data_abort(esr, far, hpfar, x, pc, exit);
  switch (syndrome.ec()) {
    case esr::ExceptionClass::kHvc64:
      // The preferred return address of an HVC is already the next instruction.
      return decode_call(x, false, exit);
    case esr::ExceptionClass::kSmc64: argument = decode_call(x, true, exit); break;
    case esr::ExceptionClass::kSysReg64: argument = decode_sysreg(esr, x, exit); break;
    case esr::ExceptionClass::kWfxTrap: decode_wait(esr, pc, exit); return 0;
    case esr::ExceptionClass::kInstrAbortLower:
      argument = fault_ipa(hpfar, far);
      exit.emplace<Unhandled>(
          Unhandled{esr, argument, "instruction fetch from an address that is not guest RAM"});
      return argument;
    default:
      exit.emplace<Unhandled>(Unhandled{esr, 0, "a trap the hypervisor does not model"});
      return 0;
  }
  pc += 4;  // past the trapping instruction, which the exit completes once handled
  return argument;
}

}  // namespace el2lab
