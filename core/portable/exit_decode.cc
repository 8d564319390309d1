#include "core/portable/exit_decode.h"

#include "core/portable/esr.h"
#include "core/portable/gic.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

std::uint64_t reg_or_zero(const SyncTrap& trap, unsigned r) {
  return esr::is_zero_register(r) ? 0 : trap.x[r];
}

constexpr std::uint64_t width_mask(unsigned bytes) {
  return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// Each decoder below builds its exit in place, in the caller's VmExit (emplace), so no exit
// record is ever copied on the way to the run loop.

// HVC or trapped SMC: PSCI power requests get their own exit reasons. Returns the exit's main
// argument: the function ID of a Hypercall, 0 for the power requests.
[[gnu::always_inline]] inline std::uint64_t decode_call(const SyncTrap& trap, bool via_smc,
                                                        VmExit& out) {
  const auto fid = static_cast<std::uint32_t>(trap.x[0]);
  // PSCI's power requests get their own exit reasons; one mask test keeps every other call
  // (el2lab's own, vendors') off the switch, which is a jump table (see psci::table_index).
  // One bit per PSCI function that is a power request, tested before the switch: the other
  // PSCI calls (PSCI_VERSION, FEATURES...) pass with a shift and a bit test.
  constexpr std::uint64_t kPowerRequests =
      (std::uint64_t{1} << psci::table_index(psci::Function::kCpuOn32)) |
      (std::uint64_t{1} << psci::table_index(psci::Function::kCpuOn64)) |
      (std::uint64_t{1} << psci::table_index(psci::Function::kCpuOff)) |
      (std::uint64_t{1} << psci::table_index(psci::Function::kSystemOff)) |
      (std::uint64_t{1} << psci::table_index(psci::Function::kSystemReset));
  if (psci::in_range(fid) && ((kPowerRequests >> psci::table_index(fid)) & 1) != 0) {
    switch (psci::table_index(fid)) {
      case psci::table_index(psci::Function::kCpuOn32):
      case psci::table_index(psci::Function::kCpuOn64):
        out.emplace<CpuUp>(CpuUp{trap.x[1], trap.x[2], trap.x[3]});
        return 0;
      case psci::table_index(psci::Function::kCpuOff):
        out.emplace<CpuDown>(CpuDown{trap.x[1]});
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
  // Every field given at once: constructed in place, nothing zeroed first.
  out.emplace<Hypercall>(Hypercall{trap.x[0],
                                   std::array<std::uint64_t, 6>{trap.x[1], trap.x[2], trap.x[3],
                                                                trap.x[4], trap.x[5], trap.x[6]},
                                   via_smc});
  return trap.x[0];
}

// Returns the IPA (the exit's main argument). The syndrome's fields are read by name straight
// from the ISS (esr::DataAbort's field descriptions), only those this exit needs.
[[gnu::always_inline]] inline std::uint64_t decode_data_abort(const SyncTrap& trap, VmExit& out) {
  using Abort = esr::DataAbort;
  const std::uint32_t iss = esr::Syndrome(trap.esr).iss();
  const std::uint64_t ipa = fault_ipa(trap.hpfar, trap.far);
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
    out.emplace<Unhandled>(Unhandled{trap.esr, ipa, refused});
    return ipa;
  }
  const unsigned width = 1u << Abort::kSas.get(iss);
  const auto reg = static_cast<unsigned>(Abort::kSrt.get(iss));
  if (Abort::kWnr.test(iss)) {
    out.emplace<MmioWrite>(MmioWrite{ipa, width, reg_or_zero(trap, reg) & width_mask(width)});
    return ipa;
  }
  out.emplace<MmioRead>(MmioRead{ipa, width, reg, Abort::kSf.test(iss), Abort::kSse.test(iss)});
  return ipa;
}

// Returns the exit's main argument: the register's key (0 for an SGI request).
[[gnu::always_inline]] inline std::uint32_t decode_sysreg(const SyncTrap& trap, VmExit& out) {
  const esr::Syndrome syndrome(trap.esr);
  const auto access = esr::SysRegAccess::decode(syndrome.iss());
  const std::uint32_t key = access.sysreg_key();
  if (access.is_read) {
    out.emplace<SysRegRead>(SysRegRead{key, access.rt});
    return key;
  }
  const std::uint64_t value = reg_or_zero(trap, access.rt);
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

SyncDecode decode_sync_exit(std::uint64_t esr, std::uint64_t far, std::uint64_t hpfar,
                            const std::uint64_t* x, VmExit& exit) {
  const SyncTrap trap{esr, far, hpfar, std::span<const std::uint64_t, 31>(x, 31)};
  const esr::Syndrome syndrome(trap.esr);
  // The PC advance and the argument as two locals returned once: the pair stays in registers
  // (x0, x1) instead of a stack slot the cases share.
  std::uint64_t advance = 4;  // past the trapping instruction
  std::uint64_t argument = 0;
  switch (syndrome.ec()) {
    case esr::ExceptionClass::kHvc64:
      advance = 0;  // the preferred return address of an HVC is already the next instruction
      argument = decode_call(trap, false, exit);
      break;
    case esr::ExceptionClass::kSmc64: argument = decode_call(trap, true, exit); break;
    case esr::ExceptionClass::kDataAbortLower: argument = decode_data_abort(trap, exit); break;
    case esr::ExceptionClass::kSysReg64: argument = decode_sysreg(trap, exit); break;
    case esr::ExceptionClass::kWfxTrap:
      exit.emplace<Halt>(Halt{esr::WfxTrap::decode(syndrome.iss()).is_wfe()});
      break;
    case esr::ExceptionClass::kInstrAbortLower:
      advance = 0;
      argument = fault_ipa(trap.hpfar, trap.far);
      exit.emplace<Unhandled>(
          Unhandled{trap.esr, argument, "instruction fetch from an address that is not guest RAM"});
      break;
    default:
      advance = 0;
      exit.emplace<Unhandled>(Unhandled{trap.esr, 0, "a trap the hypervisor does not model"});
      break;
  }
  return {advance, argument};
}

}  // namespace el2lab
