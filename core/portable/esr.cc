#include "core/portable/esr.h"

#include <cstddef>

namespace el2lab::esr {

// String literals are written with the sv suffix: it carries the length, so no strlen() call is
// needed at run time (there is no libc at EL2).
using std::string_view_literals::operator""sv;

// One line per code, like the Arm ARM's tables.
// clang-format off
std::string_view exception_class_name(ExceptionClass ec) {
  switch (ec) {
    case ExceptionClass::kUnknown: return "Unknown reason"sv;
    case ExceptionClass::kWfxTrap: return "Trapped WFI/WFE"sv;
    case ExceptionClass::kCp15McrMrc: return "Trapped MCR/MRC (CP15, AArch32)"sv;
    case ExceptionClass::kCp15McrrMrrc: return "Trapped MCRR/MRRC (CP15, AArch32)"sv;
    case ExceptionClass::kCp14McrMrc: return "Trapped MCR/MRC (CP14, AArch32)"sv;
    case ExceptionClass::kCp14Ldc: return "Trapped LDC/STC (CP14, AArch32)"sv;
    case ExceptionClass::kSimdFpAccess: return "Trapped SVE/SIMD/floating-point access"sv;
    case ExceptionClass::kCp10Mrc: return "Trapped VMRS (CP10, AArch32)"sv;
    case ExceptionClass::kPointerAuth: return "Trapped pointer authentication instruction"sv;
    case ExceptionClass::kCp14Mrrc: return "Trapped MRRC (CP14, AArch32)"sv;
    case ExceptionClass::kBranchTarget: return "Branch Target Identification exception"sv;
    case ExceptionClass::kIllegalState: return "Illegal Execution state"sv;
    case ExceptionClass::kSvc32: return "SVC (AArch32)"sv;
    case ExceptionClass::kHvc32: return "HVC (AArch32)"sv;
    case ExceptionClass::kSmc32: return "SMC (AArch32)"sv;
    case ExceptionClass::kSvc64: return "SVC (AArch64)"sv;
    case ExceptionClass::kHvc64: return "HVC (AArch64)"sv;
    case ExceptionClass::kSmc64: return "SMC (AArch64)"sv;
    case ExceptionClass::kSysReg64: return "Trapped MSR/MRS/system instruction"sv;
    case ExceptionClass::kSve: return "Trapped SVE access"sv;
    case ExceptionClass::kEret: return "Trapped ERET"sv;
    case ExceptionClass::kPointerAuthFail: return "Pointer authentication failure"sv;
    case ExceptionClass::kInstrAbortLower: return "Instruction Abort from a lower EL"sv;
    case ExceptionClass::kInstrAbortSame: return "Instruction Abort from the same EL"sv;
    case ExceptionClass::kPcAlignment: return "PC alignment fault"sv;
    case ExceptionClass::kDataAbortLower: return "Data Abort from a lower EL"sv;
    case ExceptionClass::kDataAbortSame: return "Data Abort from the same EL"sv;
    case ExceptionClass::kSpAlignment: return "SP alignment fault"sv;
    case ExceptionClass::kFpException32: return "Floating-point exception (AArch32)"sv;
    case ExceptionClass::kFpException64: return "Floating-point exception (AArch64)"sv;
    case ExceptionClass::kSError: return "SError"sv;
    case ExceptionClass::kBreakpointLower: return "Breakpoint from a lower EL"sv;
    case ExceptionClass::kBreakpointSame: return "Breakpoint from the same EL"sv;
    case ExceptionClass::kSoftStepLower: return "Software Step from a lower EL"sv;
    case ExceptionClass::kSoftStepSame: return "Software Step from the same EL"sv;
    case ExceptionClass::kWatchpointLower: return "Watchpoint from a lower EL"sv;
    case ExceptionClass::kWatchpointSame: return "Watchpoint from the same EL"sv;
    case ExceptionClass::kBkpt32: return "BKPT (AArch32)"sv;
    case ExceptionClass::kBrk64: return "BRK (AArch64)"sv;
  }
  // Not an enumerator: the EC came from hardware (or a guest), so this is reachable.
  return "Unrecognised"sv;
}
// clang-format on

std::string_view register_name(unsigned r, bool is_64bit) {
  static constexpr std::array<std::string_view, 32> kX = {
      "x0"sv,  "x1"sv,  "x2"sv,  "x3"sv,  "x4"sv,  "x5"sv,  "x6"sv,  "x7"sv,
      "x8"sv,  "x9"sv,  "x10"sv, "x11"sv, "x12"sv, "x13"sv, "x14"sv, "x15"sv,
      "x16"sv, "x17"sv, "x18"sv, "x19"sv, "x20"sv, "x21"sv, "x22"sv, "x23"sv,
      "x24"sv, "x25"sv, "x26"sv, "x27"sv, "x28"sv, "x29"sv, "x30"sv, "xzr"sv,
  };
  static constexpr std::array<std::string_view, 32> kW = {
      "w0"sv,  "w1"sv,  "w2"sv,  "w3"sv,  "w4"sv,  "w5"sv,  "w6"sv,  "w7"sv,
      "w8"sv,  "w9"sv,  "w10"sv, "w11"sv, "w12"sv, "w13"sv, "w14"sv, "w15"sv,
      "w16"sv, "w17"sv, "w18"sv, "w19"sv, "w20"sv, "w21"sv, "w22"sv, "w23"sv,
      "w24"sv, "w25"sv, "w26"sv, "w27"sv, "w28"sv, "w29"sv, "w30"sv, "wzr"sv,
  };
  if (r >= kX.size()) return "?"sv;
  return is_64bit ? kX[r] : kW[r];
}

// One line per code, like the Arm ARM's tables.
// clang-format off
std::string_view fault_status_name(std::uint8_t fsc) {
  switch (fsc & 0x3F) {
    case 0x00: return "Address size fault, level 0"sv;
    case 0x01: return "Address size fault, level 1"sv;
    case 0x02: return "Address size fault, level 2"sv;
    case 0x03: return "Address size fault, level 3"sv;
    case 0x04: return "Translation fault, level 0"sv;
    case 0x05: return "Translation fault, level 1"sv;
    case 0x06: return "Translation fault, level 2"sv;
    case 0x07: return "Translation fault, level 3"sv;
    case 0x08: return "Access flag fault, level 0"sv;
    case 0x09: return "Access flag fault, level 1"sv;
    case 0x0A: return "Access flag fault, level 2"sv;
    case 0x0B: return "Access flag fault, level 3"sv;
    case 0x0C: return "Permission fault, level 0"sv;
    case 0x0D: return "Permission fault, level 1"sv;
    case 0x0E: return "Permission fault, level 2"sv;
    case 0x0F: return "Permission fault, level 3"sv;
    case 0x10: return "Synchronous External abort"sv;
    case 0x11: return "Synchronous Tag Check fault"sv;
    case 0x12: return "Synchronous External abort on translation table walk, level -2"sv;
    case 0x13: return "Synchronous External abort on translation table walk, level -1"sv;
    case 0x14: return "Synchronous External abort on translation table walk, level 0"sv;
    case 0x15: return "Synchronous External abort on translation table walk, level 1"sv;
    case 0x16: return "Synchronous External abort on translation table walk, level 2"sv;
    case 0x17: return "Synchronous External abort on translation table walk, level 3"sv;
    case 0x18: return "Synchronous parity or ECC error"sv;
    case 0x1B: return "Synchronous parity or ECC error on translation table walk, level -1"sv;
    case 0x1C: return "Synchronous parity or ECC error on translation table walk, level 0"sv;
    case 0x1D: return "Synchronous parity or ECC error on translation table walk, level 1"sv;
    case 0x1E: return "Synchronous parity or ECC error on translation table walk, level 2"sv;
    case 0x1F: return "Synchronous parity or ECC error on translation table walk, level 3"sv;
    case 0x21: return "Alignment fault"sv;
    case 0x22: return "Granule Protection Fault on translation table walk, level -2"sv;
    case 0x23: return "Granule Protection Fault on translation table walk, level -1"sv;
    case 0x24: return "Granule Protection Fault on translation table walk, level 0"sv;
    case 0x25: return "Granule Protection Fault on translation table walk, level 1"sv;
    case 0x26: return "Granule Protection Fault on translation table walk, level 2"sv;
    case 0x27: return "Granule Protection Fault on translation table walk, level 3"sv;
    case 0x28: return "Granule Protection Fault"sv;
    case 0x29: return "Address size fault, level -1"sv;
    case 0x2A: return "Translation fault, level -2"sv;
    case 0x2B: return "Translation fault, level -1"sv;
    case 0x2C: return "Address size fault, level -2"sv;
    case 0x30: return "TLB conflict abort"sv;
    case 0x31: return "Unsupported atomic hardware update fault"sv;
    case 0x34: return "IMPLEMENTATION DEFINED fault (Lockdown)"sv;
    case 0x35: return "IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access)"sv;
    default: return "Reserved fault status code"sv;
  }
}
// clang-format on

std::string_view vector_name(VectorEntry entry) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "Current EL with SP0, Synchronous"sv,
      "Current EL with SP0, IRQ"sv,
      "Current EL with SP0, FIQ"sv,
      "Current EL with SP0, SError"sv,
      "Current EL with SPx, Synchronous"sv,
      "Current EL with SPx, IRQ"sv,
      "Current EL with SPx, FIQ"sv,
      "Current EL with SPx, SError"sv,
      "Lower EL using AArch64, Synchronous"sv,
      "Lower EL using AArch64, IRQ"sv,
      "Lower EL using AArch64, FIQ"sv,
      "Lower EL using AArch64, SError"sv,
      "Lower EL using AArch32, Synchronous"sv,
      "Lower EL using AArch32, IRQ"sv,
      "Lower EL using AArch32, FIQ"sv,
      "Lower EL using AArch32, SError"sv,
  };
  const auto index = static_cast<std::size_t>(entry);
  if (index >= kNames.size()) return "Invalid vector"sv;
  return kNames[index];
}

}  // namespace el2lab::esr
