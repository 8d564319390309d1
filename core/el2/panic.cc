#include "core/el2/panic.h"

#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/pl011.h"
#include "core/board/qemu-virt/pvpanic.h"
#include "core/el2/console.h"
#include "core/el2/cpu_local.h"
#include "core/el2/firmware.h"
#include "core/el2/guest_console.h"
#include "core/el2/sysreg.h"
#include "core/portable/esr.h"
#include "core/portable/registers.h"
#include "core/portable/vm_exit.h"

namespace el2lab {
namespace {

// The calling CPU's index; 0 before hardware_enable() has pointed TPIDR_EL2 at its block.
std::uint32_t cpu_index() {
  const std::uint64_t block = sysreg::tpidr_el2::read();
  const std::uint32_t index = block == 0 ? 0 : reinterpret_cast<const CpuLocal*>(block)->index;
  return index < board::kMaxCpus ? index : 0;
}

// The exit the calling CPU's run loop was handling, if any (none before TPIDR_EL2 is set).
const GuestTrap* exit_in_progress() {
  const std::uint64_t block = sysreg::tpidr_el2::read();
  return block == 0 ? nullptr : reinterpret_cast<const CpuLocal*>(block)->exit_in_progress;
}

std::string_view mode_name(const reg::Spsr& spsr) {
  if (spsr.is_aarch32()) return "AArch32";
  constexpr std::string_view kModes[] = {"EL0t", "EL0t?", "EL1t", "EL1h",
                                         "EL2t", "EL2h",  "EL3t", "EL3h"};
  return kModes[spsr.el() * 2 + (spsr.uses_spx() ? 1 : 0)];
}

// "DAIF masked", "I masked", "nothing masked": which of PSTATE.{D,A,I,F} were set.
fmt::Buffer<24> masked_interrupts(const reg::Spsr& spsr) {
  fmt::Buffer<24> out;
  const std::uint64_t v = spsr.raw();
  if (reg::Spsr::D::get(v)) out.put("D");
  if (reg::Spsr::A::get(v)) out.put("A");
  if (reg::Spsr::I::get(v)) out.put("I");
  if (reg::Spsr::F::get(v)) out.put("F");
  out.put(out.view().empty() ? "nothing masked" : " masked");
  return out;
}

void report_syndrome(std::uint64_t raw) {
  const esr::Syndrome syndrome(raw);
  log("  ESR_EL2   ", fmt::Hex{raw, 8}, "  EC ",
      fmt::Hex{static_cast<std::uint8_t>(syndrome.ec()), 2}, " (",
      esr::exception_class_name(syndrome.ec()), ")  IL ", syndrome.il() ? 1 : 0, "  ISS ",
      fmt::Hex{syndrome.iss(), 7});
  switch (syndrome.ec()) {
    case esr::ExceptionClass::kDataAbortLower:
    case esr::ExceptionClass::kDataAbortSame: {
      const auto abort = esr::DataAbort::decode(syndrome.iss());
      log("            data abort: ", esr::fault_status_name(abort.dfsc), ", ",
          abort.wnr ? "write" : "read", abort.isv ? ", syndrome valid" : ", no syndrome (ISV 0)");
      break;
    }
    case esr::ExceptionClass::kInstrAbortLower:
    case esr::ExceptionClass::kInstrAbortSame: {
      const auto abort = esr::InstructionAbort::decode(syndrome.iss());
      log("            instruction abort: ", esr::fault_status_name(abort.ifsc));
      break;
    }
    case esr::ExceptionClass::kHvc64:
    case esr::ExceptionClass::kSmc64:
    case esr::ExceptionClass::kSvc64:
    case esr::ExceptionClass::kBrk64:
      log("            immediate ", fmt::Hex{esr::call_immediate(syndrome.iss())});
      break;
    default: break;
  }
}

[[noreturn]] void end_run_with_failure() {
  log("ending the run with a failure status");
  board::pvpanic_fire();
  // No pvpanic device (QEMU started without it): power off so the run still ends.
  log("no pvpanic device: powering off instead (exit status 0!)");
  firmware::system_off();
}

}  // namespace

void panic_on_exception(std::uint64_t vector, const TrapFrame& frame) {
  guest_console.flush();  // what the guest printed last comes before the report
  const auto entry = static_cast<esr::VectorEntry>(vector & 0xf);
  log("PANIC: unexpected exception at EL", sysreg::current_el());
  log("  CPU       ", cpu_index());
  log("  vector    ", esr::vector_name(entry), "  (VBAR_EL2 + ",
      fmt::Hex{esr::vector_offset(entry), 3}, ")");
  // IRQ/FIQ/SError entries do not set ESR_EL2 for *this* exception; say so instead of
  // decoding a stale value.
  if (entry == esr::VectorEntry::kCurrentSpxSync || entry == esr::VectorEntry::kCurrentSp0Sync ||
      entry == esr::VectorEntry::kLowerA64Sync || entry == esr::VectorEntry::kLowerA32Sync) {
    report_syndrome(sysreg::esr_el2::read());
    log("  FAR_EL2   ", fmt::Reg(sysreg::far_el2::read()));
  } else {
    log("  ESR_EL2   not set by an asynchronous exception");
  }
  const reg::Spsr spsr(frame.spsr);
  log("  ELR_EL2   ", fmt::Reg(frame.elr));
  log("  SPSR_EL2  ", fmt::Reg(frame.spsr), "  (", mode_name(spsr), ", ",
      masked_interrupts(spsr).view(), ")");
  const GuestTrap* exit = exit_in_progress();
  // The run loop points at its vCPU's last exit for as long as it runs it; before the vCPU's
  // first exit there is none (its vector is then 0, not one of the lower-EL vectors 8-15).
  if (exit == nullptr ||
      exit->vector < static_cast<std::uint64_t>(esr::VectorEntry::kLowerA64Sync)) {
    log("  exit in progress: none (the hypervisor was running its own code)");
  } else {
    log("  exit in progress: ", exit_kind_name(exit->kind), " from guest PC ", fmt::Hex{exit->pc},
        ", guest ESR ", fmt::Hex{exit->esr});
  }
  end_run_with_failure();
}

void panic(std::string_view reason) {
  guest_console.flush();
  log("PANIC: ", reason);
  end_run_with_failure();
}

}  // namespace el2lab

/// A failed precondition inside libstdc++'s header code (core/runtime/cxx_support.cc).
extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what) {
  el2lab::panic(what == nullptr ? "C++ runtime error" : what);
}
