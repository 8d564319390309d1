#pragma once
/// \file
/// \brief ESR_EL2's common part: bit fields, the exception class, the syndrome, register numbers
/// and fault status codes (esr.h includes it with the rest).
///
/// See esr.h for what ESR_EL2 is and where the bit positions come from.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace el2lab::esr {

/// \defgroup esr Exception syndrome decoding
/// \brief Turning ESR_EL2 into named fields.
/// \{

// ---------------------------------------------------------------------------------------------
// Bit fields
// ---------------------------------------------------------------------------------------------

/// \brief A named bit range [lsb + width - 1 : lsb] of a register.
///
/// Each syndrome field is declared once, at the position the Arm ARM gives, so decoders read
/// `kSrt.get(iss)` rather than `(iss >> 16) & 0x1f` and a wrong shift has only one place to hide.
struct BitField {
  unsigned lsb;    ///< Position of the field's lowest bit.
  unsigned width;  ///< Number of bits, 1 to 32.

  /// \brief The all-ones value of the field, i.e. its mask before shifting.
  /// \return `(1 << width) - 1`.
  constexpr std::uint64_t ones() const { return (std::uint64_t{1} << width) - 1; }

  /// \brief Reads the field.
  /// \param reg The register value to read from.
  /// \return The field's value, shifted down to bit 0.
  constexpr std::uint64_t get(std::uint64_t reg) const { return (reg >> lsb) & ones(); }

  /// \brief Reads a one-bit field as a flag.
  /// \param reg The register value to read from.
  /// \return True if any bit of the field is set.
  constexpr bool test(std::uint64_t reg) const { return get(reg) != 0; }

  /// \brief Places a value in the field, for building a syndrome (e.g. to inject into a guest).
  /// \param value The field value; bits that do not fit in the field are dropped.
  /// \return \p value shifted into position, all other bits zero.
  constexpr std::uint64_t put(std::uint64_t value) const { return (value & ones()) << lsb; }
};

// ---------------------------------------------------------------------------------------------
// Exception class and the syndrome itself
// ---------------------------------------------------------------------------------------------

/// \brief Exception Class: ESR_ELx.EC, bits [31:26], the first thing a trap handler switches on.
///
/// "Lower" classes are exceptions taken from a lower Exception level — for ESR_EL2 that means
/// from the guest. "Same" classes come from EL2 itself, i.e. a bug in the hypervisor. Newer
/// architecture extensions allocate more values (0x0A LD64B/ST64B, 0x1D SME, 0x27 memory copy
/// and set, ...); this kit does not configure the traps that produce them, so it does not name
/// them and exception_class_name() reports them as unrecognised.
enum class ExceptionClass : std::uint8_t {
  kUnknown = 0x00,          ///< Unknown reason, e.g. an UNDEFINED instruction.
  kWfxTrap = 0x01,          ///< WFI/WFE trapped (HCR_EL2.TWI/TWE); see WfxTrap.
  kCp15McrMrc = 0x03,       ///< AArch32 MCR/MRC to coprocessor 15 trapped.
  kCp15McrrMrrc = 0x04,     ///< AArch32 MCRR/MRRC to coprocessor 15 trapped.
  kCp14McrMrc = 0x05,       ///< AArch32 MCR/MRC to coprocessor 14 trapped.
  kCp14Ldc = 0x06,          ///< AArch32 LDC/STC to coprocessor 14 trapped.
  kSimdFpAccess = 0x07,     ///< SVE, Advanced SIMD or floating-point access trapped (CPTR_EL2).
  kCp10Mrc = 0x08,          ///< AArch32 VMRS of an ID register trapped.
  kPointerAuth = 0x09,      ///< Pointer authentication instruction or key register trapped.
  kCp14Mrrc = 0x0C,         ///< AArch32 MRRC to coprocessor 14 trapped.
  kBranchTarget = 0x0D,     ///< Branch Target Identification violation.
  kIllegalState = 0x0E,     ///< Illegal Execution state (e.g. a bad ERET).
  kSvc32 = 0x11,            ///< SVC executed in AArch32 state.
  kHvc32 = 0x12,            ///< HVC executed in AArch32 state.
  kSmc32 = 0x13,            ///< SMC executed in AArch32 state and trapped.
  kSvc64 = 0x15,            ///< SVC executed in AArch64 state.
  kHvc64 = 0x16,            ///< HVC executed in AArch64 state: a guest's hypercall.
  kSmc64 = 0x17,            ///< SMC executed in AArch64 state, trapped by HCR_EL2.TSC.
  kSysReg64 = 0x18,         ///< MSR, MRS or system instruction trapped; see SysRegAccess.
  kSve = 0x19,              ///< SVE access trapped (CPTR_EL2.ZEN/TZ).
  kEret = 0x1A,             ///< ERET, ERETAA or ERETAB trapped (nested virtualization).
  kPointerAuthFail = 0x1C,  ///< Pointer authentication check failed (FEAT_FPAC).
  kInstrAbortLower = 0x20,  ///< Instruction Abort from a lower EL; see InstructionAbort.
  kInstrAbortSame = 0x21,   ///< Instruction Abort taken at the same EL.
  kPcAlignment = 0x22,      ///< PC alignment fault.
  kDataAbortLower = 0x24,   ///< Data Abort from a lower EL; see DataAbort.
  kDataAbortSame = 0x25,    ///< Data Abort taken at the same EL.
  kSpAlignment = 0x26,      ///< SP alignment fault.
  kFpException32 = 0x28,    ///< Trapped floating-point exception in AArch32 state.
  kFpException64 = 0x2C,    ///< Trapped floating-point exception in AArch64 state.
  kSError = 0x2F,           ///< SError exception (asynchronous abort); see SError.
  kBreakpointLower = 0x30,  ///< Hardware breakpoint from a lower EL.
  kBreakpointSame = 0x31,   ///< Hardware breakpoint at the same EL.
  kSoftStepLower = 0x32,    ///< Software step from a lower EL.
  kSoftStepSame = 0x33,     ///< Software step at the same EL.
  kWatchpointLower = 0x34,  ///< Watchpoint from a lower EL.
  kWatchpointSame = 0x35,   ///< Watchpoint at the same EL.
  kBkpt32 = 0x38,           ///< BKPT executed in AArch32 state.
  kBrk64 = 0x3C,            ///< BRK executed in AArch64 state.
};

/// \brief Every ExceptionClass enumerator, in encoding order, so code and tests can iterate them.
// clang-format off
inline constexpr std::array<ExceptionClass, 39> kAllExceptionClasses = [] {
  using enum ExceptionClass;
  return std::array{
      kUnknown,         kWfxTrap,         kCp15McrMrc,      kCp15McrrMrrc,    kCp14McrMrc,
      kCp14Ldc,         kSimdFpAccess,    kCp10Mrc,         kPointerAuth,     kCp14Mrrc,
      kBranchTarget,    kIllegalState,    kSvc32,           kHvc32,           kSmc32,
      kSvc64,           kHvc64,           kSmc64,           kSysReg64,        kSve,
      kEret,            kPointerAuthFail, kInstrAbortLower, kInstrAbortSame,  kPcAlignment,
      kDataAbortLower,  kDataAbortSame,   kSpAlignment,     kFpException32,   kFpException64,
      kSError,          kBreakpointLower, kBreakpointSame,  kSoftStepLower,   kSoftStepSame,
      kWatchpointLower, kWatchpointSame,  kBkpt32,          kBrk64};
}();
// clang-format on

/// \brief A short human-readable name for an exception class, for log lines.
/// \param ec Any value, including ones that are not enumerators (a syndrome is untrusted data).
/// \return E.g. "HVC (AArch64)" or "Data Abort from a lower EL"; "Unrecognised" for values
///         that are not ExceptionClass enumerators.
std::string_view exception_class_name(ExceptionClass ec);

/// \brief A raw ESR_ELx value with typed accessors for the fields common to all exceptions.
///
/// Layout: ISS2 in the high word, then EC [31:26], IL [25] and ISS [24:0]. The ISS is decoded
/// further by DataAbort, SysRegAccess, etc., chosen by ec().
class Syndrome {
 public:
  static constexpr BitField kEc{26, 6};    ///< EC: the exception class.
  static constexpr BitField kIl{25, 1};    ///< IL: instruction length.
  static constexpr BitField kIss{0, 25};   ///< ISS: class-specific details.
  static constexpr BitField kIss2{32, 5};  ///< ISS2, low five bits (see iss2()).

  /// \brief Wraps a value read from ESR_EL2 (or ESR_EL1).
  /// \param raw The register value; reserved bits are kept but ignored by the accessors.
  constexpr explicit Syndrome(std::uint64_t raw) : raw_(raw) {}

  /// \brief The register value as given.
  /// \return The raw 64-bit syndrome.
  constexpr std::uint64_t raw() const { return raw_; }

  /// \brief The exception class, bits [31:26].
  /// \return The EC; may be a value that is not an ExceptionClass enumerator.
  constexpr ExceptionClass ec() const { return static_cast<ExceptionClass>(kEc.get(raw_)); }

  /// \brief IL, bit [25]: the trapped instruction was 32 bits long (A64 or A32), not 16 (T32).
  ///
  /// When emulating an instruction the hypervisor skips it by adding 4 or 2 to ELR_EL2; for an
  /// AArch64 guest this is always 4. IL also reads 1 for exceptions that have no instruction to
  /// skip (aborts with ISV = 0, SErrors, ...), so only trust it for the traps you emulate.
  /// \return True for a 32-bit instruction.
  constexpr bool il() const { return kIl.test(raw_); }

  /// \brief The Instruction Specific Syndrome, bits [24:0]; its layout depends on ec().
  /// \return The ISS, ready for DataAbort::decode() and friends.
  constexpr std::uint32_t iss() const { return static_cast<std::uint32_t>(kIss.get(raw_)); }

  /// \brief ISS2, bits [36:32]: extra syndrome added in Armv8.7 (e.g. the Xs register of ST64BV).
  ///
  /// Later extensions widen ISS2 to bits [55:32]; nothing this kit traps uses those upper bits.
  /// \return The low five bits of ISS2.
  constexpr std::uint8_t iss2() const { return static_cast<std::uint8_t>(kIss2.get(raw_)); }

  /// \brief Syndromes are equal when their raw values are.
  /// \param other The syndrome to compare with.
  /// \return True if both hold the same 64-bit value.
  constexpr bool operator==(const Syndrome& other) const = default;

 private:
  std::uint64_t raw_;  ///< The register value, unmodified.
};

/// \brief Builds a syndrome from its parts, e.g. to write ESR_EL1 when injecting an abort.
/// \param ec The exception class.
/// \param iss The ISS; bits above 24 are dropped.
/// \param il The IL bit; true (32-bit instruction) is right for every AArch64 exception.
/// \return The assembled syndrome with ISS2 zero.
constexpr Syndrome make_syndrome(ExceptionClass ec, std::uint32_t iss, bool il = true) {
  return Syndrome(Syndrome::kEc.put(static_cast<std::uint8_t>(ec)) | Syndrome::kIl.put(il ? 1 : 0) |
                  Syndrome::kIss.put(iss));
}

// ---------------------------------------------------------------------------------------------
// General-purpose register numbers (SRT, Rt)
// ---------------------------------------------------------------------------------------------

/// \brief True if a register number taken from a syndrome (SRT, Rt) names the zero register.
///
/// In the transfer-register fields of these syndromes 31 means XZR/WZR, never SP: a guest's
/// `str wzr, [x0]` stores zero and `mrs xzr, ...` discards the result. An emulator must read 0
/// and drop writes for 31 instead of indexing a 32nd saved register, which the trap frame (x0 to
/// x30) does not have.
/// \param r A register number, 0 to 31.
/// \return True for 31.
constexpr bool is_zero_register(unsigned r) {
  return r == 31;
}

/// \brief The assembler name of a register number taken from a syndrome, for log lines.
/// \param r A register number; 31 is the zero register (see is_zero_register()).
/// \param is_64bit True for the X (64-bit) name, false for the W (32-bit) name.
/// \return "x0".."x30", "xzr", "w0".."w30", "wzr"; "?" if \p r is above 31.
std::string_view register_name(unsigned r, bool is_64bit = true);

// ---------------------------------------------------------------------------------------------
// Fault status codes (DFSC / IFSC)
// ---------------------------------------------------------------------------------------------

/// \brief The broad kind of a fault status code, for handlers that care about the kind and not
/// the level (e.g. "any translation fault at stage 2 means: map the page or emulate MMIO").
enum class FaultKind : std::uint8_t {
  kAddressSize,              ///< Output address too large for the configured size.
  kTranslation,              ///< No valid descriptor: the address is not mapped.
  kAccessFlag,               ///< Descriptor valid but its Access Flag is clear.
  kPermission,               ///< Mapped, but the access is not permitted.
  kSyncExternal,             ///< Synchronous External abort on the access itself.
  kSyncExternalOnWalk,       ///< Synchronous External abort while walking translation tables.
  kTagCheck,                 ///< Synchronous Tag Check fault (MTE).
  kParityEcc,                ///< Parity/ECC error on the access (no RAS extension).
  kParityEccOnWalk,          ///< Parity/ECC error while walking translation tables.
  kAlignment,                ///< Misaligned access.
  kGranuleProtection,        ///< Granule Protection Check fault (Realm Management Extension).
  kTlbConflict,              ///< Overlapping TLB entries matched (broken break-before-make).
  kUnsupportedAtomicUpdate,  ///< Hardware access-flag/dirty update could not be done atomically.
  kImplementationDefined,    ///< IMPLEMENTATION DEFINED fault (lockdown, exclusive/atomic).
  kReserved,                 ///< Not an allocated fault status code.
};

/// \brief Classifies a fault status code.
/// \param fsc A DFSC or IFSC value; only bits [5:0] are used.
/// \return The code's FaultKind; FaultKind::kReserved for unallocated codes.
constexpr FaultKind fault_kind(std::uint8_t fsc) {
  const unsigned code = fsc & 0x3Fu;
  const auto in = [code](unsigned first, unsigned last) { return code >= first && code <= last; };
  // Levels -1 and -2 were added later, outside the original blocks of four.
  if (in(0x00, 0x03) || code == 0x29 || code == 0x2C) return FaultKind::kAddressSize;
  if (in(0x04, 0x07) || code == 0x2A || code == 0x2B) return FaultKind::kTranslation;
  if (in(0x08, 0x0B)) return FaultKind::kAccessFlag;
  if (in(0x0C, 0x0F)) return FaultKind::kPermission;
  if (in(0x12, 0x17)) return FaultKind::kSyncExternalOnWalk;
  if (in(0x1B, 0x1F)) return FaultKind::kParityEccOnWalk;
  if (in(0x22, 0x28)) return FaultKind::kGranuleProtection;
  switch (code) {
    case 0x10: return FaultKind::kSyncExternal;
    case 0x11: return FaultKind::kTagCheck;
    case 0x18: return FaultKind::kParityEcc;
    case 0x21: return FaultKind::kAlignment;
    case 0x30: return FaultKind::kTlbConflict;
    case 0x31: return FaultKind::kUnsupportedAtomicUpdate;
    case 0x34:
    case 0x35: return FaultKind::kImplementationDefined;
    default: return FaultKind::kReserved;
  }
}

/// \brief The translation table level a fault status code reports, if it reports one.
///
/// Levels run 0 to 3 for the classic 4-level walk; FEAT_LPA2 adds level -1 and FEAT_D128 level
/// -2 for the extra table levels above level 0, encoded out of line (e.g. 0x2B, not 0x03).
/// \param fsc A DFSC or IFSC value; only bits [5:0] are used.
/// \return The level, -2 to 3, or nullopt for codes that are not about a walk level.
constexpr std::optional<int> fault_level(std::uint8_t fsc) {
  const unsigned code = fsc & 0x3Fu;
  const auto in = [code](unsigned first, unsigned last) { return code >= first && code <= last; };
  if (code == 0x12 || code == 0x22 || code == 0x2A || code == 0x2C) return -2;
  if (code == 0x13 || code == 0x1B || code == 0x23 || code == 0x29 || code == 0x2B) return -1;
  // In the first sixteen codes and in each "on translation table walk" block, the low two bits
  // are the level.
  if (in(0x00, 0x0F) || in(0x14, 0x17) || in(0x1C, 0x1F) || in(0x24, 0x27)) {
    return static_cast<int>(code & 3u);
  }
  return std::nullopt;
}

/// \brief True for a translation fault (nothing mapped) at any level.
/// \param fsc A DFSC or IFSC value.
/// \return Whether fault_kind(fsc) is FaultKind::kTranslation.
constexpr bool is_translation_fault(std::uint8_t fsc) {
  // One bit per 6-bit code, from fault_kind() at compile time: the exit path tests a stage-2
  // abort with a shift and a bit test rather than a chain of ranges.
  constexpr std::uint64_t kTranslationCodes = [] {
    std::uint64_t codes = 0;
    for (unsigned code = 0; code < 64; ++code) {
      if (fault_kind(static_cast<std::uint8_t>(code)) == FaultKind::kTranslation)
        codes |= std::uint64_t{1} << code;
    }
    return codes;
  }();
  return ((kTranslationCodes >> (fsc & 0x3Fu)) & 1) != 0;
}

/// \brief True for a permission fault at any level.
/// \param fsc A DFSC or IFSC value.
/// \return Whether fault_kind(fsc) is FaultKind::kPermission.
constexpr bool is_permission_fault(std::uint8_t fsc) {
  return fault_kind(fsc) == FaultKind::kPermission;
}

/// \brief True for an access flag fault at any level.
/// \param fsc A DFSC or IFSC value.
/// \return Whether fault_kind(fsc) is FaultKind::kAccessFlag.
constexpr bool is_access_flag_fault(std::uint8_t fsc) {
  return fault_kind(fsc) == FaultKind::kAccessFlag;
}

/// \brief True for an address size fault at any level.
/// \param fsc A DFSC or IFSC value.
/// \return Whether fault_kind(fsc) is FaultKind::kAddressSize.
constexpr bool is_address_size_fault(std::uint8_t fsc) {
  return fault_kind(fsc) == FaultKind::kAddressSize;
}

/// \brief A human-readable name for a fault status code, worded after the Arm ARM.
/// \param fsc A DFSC or IFSC value; only bits [5:0] are used.
/// \return E.g. "Translation fault, level 1", "Alignment fault"; "Reserved fault status code"
///         for unallocated codes.
std::string_view fault_status_name(std::uint8_t fsc);

/// \}

}  // namespace el2lab::esr
