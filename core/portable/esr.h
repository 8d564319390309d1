#pragma once
/// \file
/// \brief Decoding ESR_EL2, the register that says why the CPU just entered the hypervisor.
///
/// Every trap from a guest arrives at one of the EL2 vectors with ESR_EL2 (the Exception
/// Syndrome Register) describing the cause. Its Exception Class (EC) says *what* happened — an
/// HVC, a trapped MSR, a stage 2 Data Abort — and its Instruction Specific Syndrome (ISS) carries
/// the details a hypervisor needs to emulate the operation *without* fetching and decoding the
/// guest's instruction. This header names those bits and decodes them into typed fields.
///
/// Bit positions are those of the Arm ARM (DDI 0487), register ESR_ELx and its "ISS encoding for
/// ..." subsections. ESR_EL1 has the same layout, so the same definitions also serve to build a
/// syndrome when the hypervisor injects an exception into a guest. Everything here is pure and
/// almost all of it constexpr: it runs unchanged in the EL2 kernel and in host unit tests.

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
  return fault_kind(fsc) == FaultKind::kTranslation;
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

// ---------------------------------------------------------------------------------------------
// Data and Instruction Aborts (EC 0x24/0x25, 0x20/0x21)
// ---------------------------------------------------------------------------------------------

/// \brief The size of the access that caused a Data Abort (ISS.SAS).
enum class AccessSize : std::uint8_t {
  kByte = 0,        ///< 8 bits, e.g. LDRB/STRB.
  kHalfword = 1,    ///< 16 bits, e.g. LDRH/STRH.
  kWord = 2,        ///< 32 bits, e.g. LDR/STR of a W register.
  kDoubleword = 3,  ///< 64 bits, e.g. LDR/STR of an X register.
};

/// \brief The ISS of a Data Abort (EC 0x24 from the guest, 0x25 from EL2 itself).
///
/// For a hypervisor the key case is a stage 2 fault on an address with no RAM behind it: the
/// guest touching an emulated device. When ISV is set the hardware has already decoded the load
/// or store — size, register, sign extension — so the access can be emulated from this struct
/// alone and the guest resumed at ELR_EL2 + 4. ISV is clear for instructions that do not fit
/// that model (load/store pair, writeback addressing, SIMD registers...); those would need the
/// instruction fetched and decoded. The faulting IPA comes from HPFAR_EL2, not from this ISS.
struct DataAbort {
  static constexpr BitField kIsv{24, 1};   ///< ISV: instruction syndrome valid.
  static constexpr BitField kSas{22, 2};   ///< SAS: syndrome access size.
  static constexpr BitField kSse{21, 1};   ///< SSE: syndrome sign extend.
  static constexpr BitField kSrt{16, 5};   ///< SRT: syndrome register transfer.
  static constexpr BitField kSf{15, 1};    ///< SF: sixty-four bit register.
  static constexpr BitField kAr{14, 1};    ///< AR: acquire/release.
  static constexpr BitField kVncr{13, 1};  ///< VNCR: fault from VNCR_EL2 use.
  static constexpr BitField kFnv{10, 1};   ///< FnV: FAR not valid.
  static constexpr BitField kEa{9, 1};     ///< EA: external abort type.
  static constexpr BitField kCm{8, 1};     ///< CM: cache maintenance.
  static constexpr BitField kS1ptw{7, 1};  ///< S1PTW: stage 2 fault on a stage 1 walk.
  static constexpr BitField kWnr{6, 1};    ///< WnR: write not read.
  static constexpr BitField kDfsc{0, 6};   ///< DFSC: data fault status code.

  bool isv = false;                    ///< sas, sse, srt, sf and ar describe the access.
  AccessSize sas = AccessSize::kByte;  ///< Access size; see access_bytes().
  bool sse = false;                    ///< Sign-extend the loaded value (LDRSB, LDRSH...).
  std::uint8_t srt = 0;                ///< Register loaded or stored; 31 = zero register.
  bool sf = false;                     ///< srt names an X register (else a W register).
  bool ar = false;                     ///< Acquire/release access (LDAR, STLR...).
  bool vncr = false;                   ///< Fault on EL1's use of VNCR_EL2 (nested virt).
  bool fnv = false;                    ///< FAR_EL2 does not hold the faulting address.
  bool ea = false;                     ///< IMPLEMENTATION DEFINED External abort class.
  bool cm = false;                     ///< Caused by cache maintenance or an AT instruction.
  bool s1ptw = false;                  ///< Stage 2 fault on the guest's stage 1 table walk.
  bool wnr = false;                    ///< A write (cache maintenance also reports 1).
  std::uint8_t dfsc = 0;               ///< Fault status code; see fault_status_name().

  /// \brief Decodes a Data Abort ISS.
  ///
  /// SAS, SSE, SRT, SF and AR are only filled in when ISV is set: otherwise those bits are RES0
  /// or, with newer extensions, mean something else, and a stale value could mislead an emulator.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x24 or 0x25.
  /// \return The decoded fields.
  static constexpr DataAbort decode(std::uint32_t iss) {
    DataAbort d;
    d.isv = kIsv.test(iss);
    if (d.isv) {
      d.sas = static_cast<AccessSize>(kSas.get(iss));
      d.sse = kSse.test(iss);
      d.srt = static_cast<std::uint8_t>(kSrt.get(iss));
      d.sf = kSf.test(iss);
      d.ar = kAr.test(iss);
    }
    d.vncr = kVncr.test(iss);
    d.fnv = kFnv.test(iss);
    d.ea = kEa.test(iss);
    d.cm = kCm.test(iss);
    d.s1ptw = kS1ptw.test(iss);
    d.wnr = kWnr.test(iss);
    d.dfsc = static_cast<std::uint8_t>(kDfsc.get(iss));
    return d;
  }

  /// \brief The access size in bytes.
  /// \return 1, 2, 4 or 8 (1 when isv is false, as sas is then left at kByte).
  constexpr unsigned access_bytes() const { return 1u << static_cast<unsigned>(sas); }
};

/// \brief The ISS of an Instruction Abort (EC 0x20 from the guest, 0x21 from EL2 itself).
///
/// A guest instruction fetch that faults at stage 2 usually means the guest jumped into memory
/// the hypervisor never mapped, or mapped without execute permission.
struct InstructionAbort {
  static constexpr BitField kFnv{10, 1};   ///< FnV: FAR not valid.
  static constexpr BitField kEa{9, 1};     ///< EA: external abort type.
  static constexpr BitField kS1ptw{7, 1};  ///< S1PTW: stage 2 fault on a stage 1 walk.
  static constexpr BitField kIfsc{0, 6};   ///< IFSC: instruction fault status code.

  bool fnv = false;       ///< FAR_EL2 does not hold the faulting virtual address.
  bool ea = false;        ///< IMPLEMENTATION DEFINED classification of an External abort.
  bool s1ptw = false;     ///< Stage 2 fault while walking the guest's stage 1 tables.
  std::uint8_t ifsc = 0;  ///< Fault status code; see fault_status_name().

  /// \brief Decodes an Instruction Abort ISS.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x20 or 0x21.
  /// \return The decoded fields.
  static constexpr InstructionAbort decode(std::uint32_t iss) {
    InstructionAbort a;
    a.fnv = kFnv.test(iss);
    a.ea = kEa.test(iss);
    a.s1ptw = kS1ptw.test(iss);
    a.ifsc = static_cast<std::uint8_t>(kIfsc.get(iss));
    return a;
  }
};

// ---------------------------------------------------------------------------------------------
// Trapped MSR / MRS / system instructions (EC 0x18)
// ---------------------------------------------------------------------------------------------

/// \brief Packs a system register encoding into one integer, for switch statements and tables.
///
/// Layout, 16 bits: `op0[15:14] op1[13:11] CRn[10:7] CRm[6:3] op2[2:0]`. That is the order of
/// the generic register name (CNTPCT_EL0 is S3_3_C14_C0_1) and exactly bits [20:5] of the
/// MRS/MSR instruction, so a key can be checked against a disassembly: `mrs x0, cntpct_el0` is
/// 0xd53be020, and `(0xd53be020 >> 5) & 0xffff` is CNTPCT_EL0's key, 0xdf01.
/// \param op0 Op0, 0 to 3 (3 for ordinary system registers).
/// \param op1 Op1, 0 to 7.
/// \param crn CRn, 0 to 15.
/// \param crm CRm, 0 to 15.
/// \param op2 Op2, 0 to 7.
/// \return The key; out-of-range inputs are truncated to their field width.
constexpr std::uint32_t sysreg_key(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                                   unsigned op2) {
  return ((op0 & 0x3u) << 14) | ((op1 & 0x7u) << 11) | ((crn & 0xFu) << 7) | ((crm & 0xFu) << 3) |
         (op2 & 0x7u);
}

/// \brief The ISS of a trapped MSR, MRS or system instruction (EC 0x18).
///
/// Enough to emulate the access: which register (op0, op1, CRn, CRm, op2), which direction, and
/// which guest general-purpose register Rt supplies or receives the value. After emulating,
/// advance ELR_EL2 by 4: the trap leaves it pointing at the trapped instruction.
struct SysRegAccess {
  static constexpr BitField kOp0{20, 2};       ///< Op0.
  static constexpr BitField kOp2{17, 3};       ///< Op2.
  static constexpr BitField kOp1{14, 3};       ///< Op1.
  static constexpr BitField kCrn{10, 4};       ///< CRn.
  static constexpr BitField kRt{5, 5};         ///< Rt: the general-purpose register.
  static constexpr BitField kCrm{1, 4};        ///< CRm.
  static constexpr BitField kDirection{0, 1};  ///< Direction: 1 = read (MRS), 0 = write (MSR).

  std::uint8_t op0 = 0;  ///< Op0 of the register encoding.
  std::uint8_t op2 = 0;  ///< Op2 of the register encoding.
  std::uint8_t op1 = 0;  ///< Op1 of the register encoding.
  std::uint8_t crn = 0;  ///< CRn of the register encoding.
  std::uint8_t rt = 0;   ///< Guest register read or written; 31 is the zero register.
  std::uint8_t crm = 0;  ///< CRm of the register encoding.
  bool is_read = false;  ///< True for MRS (guest reads the register into Rt), false for MSR.

  /// \brief Decodes a trapped MSR/MRS/system instruction ISS.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x18.
  /// \return The decoded fields.
  static constexpr SysRegAccess decode(std::uint32_t iss) {
    SysRegAccess s;
    s.op0 = static_cast<std::uint8_t>(kOp0.get(iss));
    s.op2 = static_cast<std::uint8_t>(kOp2.get(iss));
    s.op1 = static_cast<std::uint8_t>(kOp1.get(iss));
    s.crn = static_cast<std::uint8_t>(kCrn.get(iss));
    s.rt = static_cast<std::uint8_t>(kRt.get(iss));
    s.crm = static_cast<std::uint8_t>(kCrm.get(iss));
    s.is_read = kDirection.test(iss);
    return s;
  }

  /// \brief The accessed register as a key, to compare with esr::sysreg_key(op0, ...).
  /// \return The packed encoding described at esr::sysreg_key().
  constexpr std::uint32_t sysreg_key() const { return esr::sysreg_key(op0, op1, crn, crm, op2); }

  /// \brief The opposite of is_read, for readability at call sites.
  /// \return True for MSR (guest writes Rt to the register).
  constexpr bool is_write() const { return !is_read; }
};

// ---------------------------------------------------------------------------------------------
// HVC, SMC, SVC and BRK immediates
// ---------------------------------------------------------------------------------------------

/// \brief Position of the 16-bit immediate in the ISS of HVC, SVC, SMC (AArch64) and BRK.
inline constexpr BitField kCallImmediate{0, 16};

/// \brief The immediate of `hvc #imm`, `svc #imm`, `smc #imm` (AArch64) or `brk #imm`.
///
/// Most hypercall ABIs (e.g. SMCCC) pass the function number in x0 and use immediate 0, so the
/// immediate is a cheap way to tell protocols apart. Note the return addresses differ: after
/// HVC and SVC, ELR_EL2 already points past the instruction; a trapped SMC leaves it *at* the
/// SMC, so the hypervisor adds 4 itself. The AArch32 SMC ISS has no immediate.
/// \param iss Syndrome::iss() of an exception whose EC is 0x15, 0x16, 0x17, 0x11, 0x12 or 0x3C.
/// \return The immediate.
constexpr std::uint16_t call_immediate(std::uint32_t iss) {
  return static_cast<std::uint16_t>(kCallImmediate.get(iss));
}

// ---------------------------------------------------------------------------------------------
// Trapped WFI / WFE (EC 0x01)
// ---------------------------------------------------------------------------------------------

/// \brief Which wait instruction was trapped (ISS.TI).
enum class WfxKind : std::uint8_t {
  kWfi = 0,   ///< Wait for interrupt.
  kWfe = 1,   ///< Wait for event.
  kWfit = 2,  ///< Wait for interrupt with timeout (FEAT_WFxT).
  kWfet = 3,  ///< Wait for event with timeout (FEAT_WFxT).
};

/// \brief The ISS of a trapped WFI/WFE (EC 0x01).
///
/// A hypervisor traps these so an idle vCPU gives its physical CPU back: WFI means "nothing to
/// do until an interrupt", so the vCPU can sleep until one is pending; WFE is typically a
/// spinlock backing off, so yielding briefly is the right response.
struct WfxTrap {
  static constexpr BitField kCv{24, 1};    ///< CV: condition field valid.
  static constexpr BitField kCond{20, 4};  ///< COND: condition code of an AArch32 instruction.
  static constexpr BitField kRn{5, 5};     ///< RN: timeout register of WFIT/WFET.
  static constexpr BitField kRv{2, 1};     ///< RV: RN is valid.
  static constexpr BitField kTi{0, 2};     ///< TI: trapped instruction.

  bool cv = false;             ///< cond is valid (AArch64 traps report 1 with cond 0b1110).
  std::uint8_t cond = 0;       ///< Condition code; only matters for conditional AArch32 code.
  std::uint8_t rn = 0;         ///< Register holding the WFIT/WFET timeout, if rv.
  bool rv = false;             ///< rn is valid.
  WfxKind ti = WfxKind::kWfi;  ///< The trapped instruction.

  /// \brief Decodes a trapped WFI/WFE ISS.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x01.
  /// \return The decoded fields.
  static constexpr WfxTrap decode(std::uint32_t iss) {
    WfxTrap w;
    w.cv = kCv.test(iss);
    w.cond = static_cast<std::uint8_t>(kCond.get(iss));
    w.rn = static_cast<std::uint8_t>(kRn.get(iss));
    w.rv = kRv.test(iss);
    w.ti = static_cast<WfxKind>(kTi.get(iss));
    return w;
  }

  /// \brief True for WFE and WFET: both wait for an event, so both are treated as a yield.
  /// \return Whether the instruction waits for an event rather than an interrupt.
  constexpr bool is_wfe() const { return ti == WfxKind::kWfe || ti == WfxKind::kWfet; }

  /// \brief True for WFIT and WFET, which carry a timeout in register rn.
  /// \return Whether the instruction has a timeout.
  constexpr bool has_timeout() const { return ti == WfxKind::kWfit || ti == WfxKind::kWfet; }
};

// ---------------------------------------------------------------------------------------------
// SError (EC 0x2F)
// ---------------------------------------------------------------------------------------------

/// \brief How bad an asynchronous error is (ISS.AET, with the RAS extension).
enum class AsyncErrorType : std::uint8_t {
  kUncontainable = 0,  ///< UC: the error may have spread; the system cannot safely continue.
  kUnrecoverable = 1,  ///< UEU: contained, but the interrupted context cannot continue.
  kRestartable = 2,    ///< UEO: contained; the interrupted context can be restarted.
  kRecoverable = 3,    ///< UER: contained; software can recover and continue.
  kCorrected = 6,      ///< CE: already corrected by hardware.
};

/// \brief The ISS of an SError exception (EC 0x2F): a minimal decoding.
///
/// SErrors are asynchronous: they report an error (often a bus error on a write) some time after
/// the access, so ELR_EL2 does not point at the culprit. A teaching hypervisor usually just logs
/// them and stops the guest.
struct SError {
  static constexpr BitField kIds{24, 1};  ///< IDS: IMPLEMENTATION DEFINED syndrome.
  static constexpr BitField kAet{10, 3};  ///< AET: asynchronous error type.
  static constexpr BitField kEa{9, 1};    ///< EA: external abort type.
  static constexpr BitField kDfsc{0, 6};  ///< DFSC: 0x00 uncategorized, 0x11 asynchronous SError.

  bool ids = false;  ///< The rest of the ISS is IMPLEMENTATION DEFINED and left 0.
  AsyncErrorType aet = AsyncErrorType::kUncontainable;  ///< Severity, if dfsc is 0x11.
  bool ea = false;                                      ///< External abort classification.
  std::uint8_t dfsc = 0;                                ///< 0x00 uncategorized, 0x11 async.

  /// \brief Decodes an SError ISS.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x2F.
  /// \return The decoded fields.
  static constexpr SError decode(std::uint32_t iss) {
    SError s;
    s.ids = kIds.test(iss);
    if (!s.ids) {
      s.aet = static_cast<AsyncErrorType>(kAet.get(iss));
      s.ea = kEa.test(iss);
      s.dfsc = static_cast<std::uint8_t>(kDfsc.get(iss));
    }
    return s;
  }
};

// ---------------------------------------------------------------------------------------------
// The exception vector table
// ---------------------------------------------------------------------------------------------

/// \brief The sixteen entries of an exception vector table (VBAR_ELx), in table order.
///
/// Four groups of four (Synchronous, IRQ, FIQ, SError), chosen by where the exception came from.
/// For the hypervisor, guest traps arrive at kLowerA64Sync (offset 0x400) and interrupts that
/// fire while a guest runs at kLowerA64Irq; an exception in EL2 itself lands in the kCurrentSpx
/// group. Injecting an exception into a guest means branching it to VBAR_EL1 plus the offset of
/// the entry the guest's own state selects.
enum class VectorEntry : std::uint8_t {
  kCurrentSp0Sync,    ///< Current EL using SP_EL0: Synchronous.
  kCurrentSp0Irq,     ///< Current EL using SP_EL0: IRQ.
  kCurrentSp0Fiq,     ///< Current EL using SP_EL0: FIQ.
  kCurrentSp0SError,  ///< Current EL using SP_EL0: SError.
  kCurrentSpxSync,    ///< Current EL using SP_ELx: Synchronous.
  kCurrentSpxIrq,     ///< Current EL using SP_ELx: IRQ.
  kCurrentSpxFiq,     ///< Current EL using SP_ELx: FIQ.
  kCurrentSpxSError,  ///< Current EL using SP_ELx: SError.
  kLowerA64Sync,      ///< Lower EL running AArch64: Synchronous.
  kLowerA64Irq,       ///< Lower EL running AArch64: IRQ.
  kLowerA64Fiq,       ///< Lower EL running AArch64: FIQ.
  kLowerA64SError,    ///< Lower EL running AArch64: SError.
  kLowerA32Sync,      ///< Lower EL running AArch32: Synchronous.
  kLowerA32Irq,       ///< Lower EL running AArch32: IRQ.
  kLowerA32Fiq,       ///< Lower EL running AArch32: FIQ.
  kLowerA32SError,    ///< Lower EL running AArch32: SError.
};

/// \brief Bytes per vector entry: room for 32 instructions, enough for a register-saving stub.
inline constexpr std::uint32_t kVectorEntryBytes = 0x80;
/// \brief Bytes in the whole table, which is also the alignment VBAR_ELx requires.
inline constexpr std::uint32_t kVectorTableBytes = 16 * kVectorEntryBytes;

/// \brief Where an entry lives relative to VBAR_ELx.
/// \param entry The vector entry.
/// \return `entry * 0x80`.
constexpr std::uint32_t vector_offset(VectorEntry entry) {
  return static_cast<std::uint32_t>(entry) * kVectorEntryBytes;
}

/// \brief A human-readable name for a vector entry, e.g. "Current EL with SPx, IRQ".
/// \param entry The vector entry.
/// \return The name; "Invalid vector" for values outside the table.
std::string_view vector_name(VectorEntry entry);

/// \brief The entry that starts at an offset from VBAR_ELx, e.g. to name a faulting vector.
/// \param offset Bytes from the table base.
/// \return The entry, or nullopt unless \p offset is a multiple of 0x80 below 0x800.
constexpr std::optional<VectorEntry> vector_from_offset(std::uint32_t offset) {
  if (offset % kVectorEntryBytes != 0 || offset >= kVectorTableBytes) return std::nullopt;
  return static_cast<VectorEntry>(offset / kVectorEntryBytes);
}

/// \}

}  // namespace el2lab::esr
