#include "core/el2/exits.h"

#include "core/el2/console.h"
#include "core/el2/firmware.h"
#include "core/el2/panic.h"
#include "core/el2/sysreg.h"
#include "core/portable/esr.h"
#include "core/portable/guest_abi.h"
#include "core/portable/psci.h"
#include "core/portable/registers.h"

namespace el2lab {
namespace {

constexpr std::uint64_t kVectorLower64Sync = 8;

std::int64_t status(psci::Status s) {
  return static_cast<std::int64_t>(s);
}

// The guest's PSCI calls (function ID in w0, arguments in x1..x3).
std::int64_t guest_psci(TrapFrame& guest, psci::Function function) {
  switch (function) {
    case psci::Function::kVersion: return psci::kVersion1_1;
    case psci::Function::kFeatures: {
      const auto asked = static_cast<psci::Function>(guest.x[1] & 0xffff'ffff);
      const bool known = asked == psci::Function::kVersion || asked == psci::Function::kFeatures ||
                         asked == psci::Function::kSystemOff;
      return known ? status(psci::Status::kSuccess) : status(psci::Status::kNotSupported);
    }
    case psci::Function::kSystemOff:
    case psci::Function::kSystemReset:
      log("guest called PSCI ",
          function == psci::Function::kSystemOff ? "SYSTEM_OFF" : "SYSTEM_RESET (treated as off)",
          ": powering the machine off");
      firmware::system_off();
    default: return status(psci::Status::kNotSupported);
  }
}

[[noreturn]] void fault_at_el2_on_purpose() {
  log("test hypercall: faulting at EL2 on purpose (bootargs allow it)");
  // An address beyond the physical address range: with the MMU off this raises an address
  // size fault, a data abort taken at EL2 — the panic report's job to explain.
  volatile auto* nowhere = reinterpret_cast<volatile std::uint64_t*>(0xffff'0000'0000'0000);
  (void)*nowhere;
  panic("the deliberate EL2 fault did not fault");
}

// HVC or trapped SMC: PSCI, el2lab's own calls, or NOT_SUPPORTED.
void hypercall(TrapFrame& guest, const ExitPolicy& policy, std::string_view conduit) {
  const auto function = static_cast<std::uint32_t>(guest.x[0]);
  // PSCI owns SMCCC's standard secure service range 0x84000000/0xC4000000 + 0x00..0x1F.
  if ((function & 0xbfff'ffe0) == 0x8400'0000) {
    guest.x[0] =
        static_cast<std::uint64_t>(guest_psci(guest, static_cast<psci::Function>(function)));
    return;
  }
  if (function == static_cast<std::uint32_t>(abi::Hypercall::kTestFaultAtEl2)) {
    if (policy.allow_test_faults) fault_at_el2_on_purpose();
    log("guest asked for a test fault at EL2 (", conduit,
        "); refused: booted without el2lab.test_faults");
  } else {
    log("guest ", conduit, " function ", fmt::Hex{function, 8},
        " is not implemented: NOT_SUPPORTED");
  }
  guest.x[0] = static_cast<std::uint64_t>(abi::kNotSupported);
}

// Makes the guest take an Undefined Instruction exception at EL1, as if its instruction at
// ELR had been undefined: what hardware does for an instruction the machine does not offer.
void inject_undefined(TrapFrame& guest) {
  const reg::Spsr from(guest.spsr);
  // VBAR_EL1 offsets: 0x000 from EL1 on SP_EL0, 0x200 from EL1 on SP_EL1, 0x400 from EL0.
  const std::uint64_t offset = from.el() == 0 ? 0x400 : (from.uses_spx() ? 0x200 : 0x000);
  constexpr std::uint64_t kEsrUnknownIl32 = 1u << 25;  // EC 0 (unknown reason), 32-bit insn
  asm volatile("msr esr_el1, %0" ::"r"(kEsrUnknownIl32));
  asm volatile("msr elr_el1, %0" ::"r"(guest.elr));
  asm volatile("msr spsr_el1, %0" ::"r"(guest.spsr));
  guest.elr = sysreg::vbar_el1::read() + offset;
  guest.spsr = reg::Spsr::el1h_masked().raw();
}

}  // namespace

void handle_exit(std::uint64_t vector, TrapFrame& guest, const ExitPolicy& policy) {
  if (vector != kVectorLower64Sync) {
    // IRQs, FIQs and SErrors stay at EL1 (HCR_EL2.IMO/FMO/AMO are clear) and AArch32 guests
    // are refused, so another lower-EL vector means the configuration is broken.
    panic_on_exception(vector, guest);
  }
  const std::uint64_t raw = sysreg::esr_el2::read();
  const esr::Syndrome syndrome(raw);
  switch (syndrome.ec()) {
    case esr::ExceptionClass::kHvc64:
      set_exit_in_progress({"HVC", raw, guest.elr});
      hypercall(guest, policy, "HVC");  // ELR already points after the HVC
      break;
    case esr::ExceptionClass::kSmc64:
      set_exit_in_progress({"SMC", raw, guest.elr});
      hypercall(guest, policy, "SMC");
      guest.elr += 4;  // a trapped SMC leaves ELR on the SMC itself
      break;
    default:
      log("guest exit ", esr::exception_class_name(syndrome.ec()), " (ESR ", fmt::Hex{raw, 8},
          ") at PC ", fmt::Hex{guest.elr}, " is not handled: injecting an undefined instruction");
      inject_undefined(guest);
      break;
  }
  set_exit_in_progress({});
}

}  // namespace el2lab
