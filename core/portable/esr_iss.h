#pragma once
/// \file
/// \brief The instruction-specific syndromes a hypervisor decodes: data and instruction aborts,
/// trapped system-register accesses, call immediates, trapped WFI/WFE, SErrors.
///
/// Part of the ESR decoding of esr.h, which includes it; the same conventions hold.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/portable/esr_core.h"

namespace el2lab::esr {

/// \addtogroup esr
/// \{

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

  /// \brief The key of the register a trapped access names, straight from its ISS: the same
  /// value as decode(iss).sysreg_key(), in fewer steps (Op1 and CRn are neighbours in both
  /// layouts, so they move as one field). The exit path uses this one.
  /// \param iss Syndrome::iss() of an exception whose EC is 0x18.
  /// \return The packed encoding described at esr::sysreg_key().
  static constexpr std::uint32_t key_of(std::uint32_t iss) {
    constexpr BitField kOp1Crn{10, 7};  // Op1:CRn, ISS[16:10]; key bits [13:7]
    return static_cast<std::uint32_t>((kOp0.get(iss) << 14) | (kOp1Crn.get(iss) << 7) |
                                      (kCrm.get(iss) << 3) | kOp2.get(iss));
  }

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

/// \}

}  // namespace el2lab::esr
