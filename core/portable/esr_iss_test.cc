#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/portable/esr.h"
#include "core/portable/esr_test_util.h"

namespace el2lab::esr {
namespace {

using namespace el2lab::esr::test;

// The instruction-specific syndromes (esr_iss.h), checked against the Arm ARM's layouts.

TEST(Esr, DataAbortAccessSizes) {
  const struct {
    unsigned sas;
    AccessSize size;
    unsigned bytes;
  } kCases[] = {{0, AccessSize::kByte, 1},
                {1, AccessSize::kHalfword, 2},
                {2, AccessSize::kWord, 4},
                {3, AccessSize::kDoubleword, 8}};
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.sas);
    const DataAbort d = DataAbort::decode(DataAbortIss({.isv = 1, .sas = c.sas}));
    EXPECT_TRUE(d.isv);
    EXPECT_EQ(d.sas, c.size);
    EXPECT_EQ(d.access_bytes(), c.bytes);
  }
}

TEST(Esr, DataAbortTransferRegister) {
  for (unsigned sf = 0; sf <= 1; ++sf) {
    for (unsigned srt = 0; srt <= 31; ++srt) {
      SCOPED_TRACE(srt);
      const DataAbort d =
          DataAbort::decode(DataAbortIss({.isv = 1, .sas = 2, .srt = srt, .sf = sf}));
      EXPECT_EQ(d.srt, srt);
      EXPECT_EQ(d.sf, sf == 1);
      EXPECT_EQ(is_zero_register(d.srt), srt == 31);
      EXPECT_EQ(d.sas, AccessSize::kWord);  // Neighbouring fields are untouched.
      EXPECT_FALSE(d.sse);
    }
  }
}

TEST(Esr, DataAbortEachFlagDecodesAlone) {
  using Flag = bool DataAbort::*;
  const struct {
    const char* name;
    DaFields fields;
    Flag flag;
  } kCases[] = {
      {"SSE", {.isv = 1, .sse = 1}, &DataAbort::sse},
      {"SF", {.isv = 1, .sf = 1}, &DataAbort::sf},
      {"AR", {.isv = 1, .ar = 1}, &DataAbort::ar},
      {"VNCR", {.isv = 1, .vncr = 1}, &DataAbort::vncr},
      {"FnV", {.isv = 1, .fnv = 1}, &DataAbort::fnv},
      {"EA", {.isv = 1, .ea = 1}, &DataAbort::ea},
      {"CM", {.isv = 1, .cm = 1}, &DataAbort::cm},
      {"S1PTW", {.isv = 1, .s1ptw = 1}, &DataAbort::s1ptw},
      {"WnR", {.isv = 1, .wnr = 1}, &DataAbort::wnr},
  };
  const Flag kAllFlags[] = {&DataAbort::sse,  &DataAbort::sf,    &DataAbort::ar,
                            &DataAbort::vncr, &DataAbort::fnv,   &DataAbort::ea,
                            &DataAbort::cm,   &DataAbort::s1ptw, &DataAbort::wnr};
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const DataAbort d = DataAbort::decode(DataAbortIss(c.fields));
    EXPECT_TRUE(d.isv);
    for (Flag f : kAllFlags) EXPECT_EQ(d.*f, f == c.flag);
    EXPECT_EQ(d.srt, 0);
    EXPECT_EQ(d.dfsc, 0);
  }
}

TEST(Esr, DataAbortWithoutIsvIgnoresAccessFields) {
  // e.g. `ldp x0, x1, [x2]` to MMIO: no syndrome, but WnR and DFSC are still reported. The
  // access bits are set here as garbage that the decoder must not report.
  const DataAbort d = DataAbort::decode(DataAbortIss(
      {.isv = 0, .sas = 3, .sse = 1, .srt = 7, .sf = 1, .ar = 1, .wnr = 1, .dfsc = 0x07}));
  EXPECT_FALSE(d.isv);
  EXPECT_EQ(d.sas, AccessSize::kByte);
  EXPECT_FALSE(d.sse);
  EXPECT_EQ(d.srt, 0);
  EXPECT_FALSE(d.sf);
  EXPECT_FALSE(d.ar);
  EXPECT_TRUE(d.wnr);
  EXPECT_EQ(d.dfsc, 0x07);
  EXPECT_TRUE(is_translation_fault(d.dfsc));
}

TEST(Esr, QemuGuestMmioAccesses) {
  // QEMU: `str w1, [x0]` to an IPA with no stage 2 mapping; the level 1 entry is invalid.
  // EC 0x24, IL 1, ISV 1, SAS 0b10 (word), SRT 1, SF 0 (W register), WnR 1, DFSC 0b000101.
  constexpr std::uint64_t kStoreW1 = 0x93810045;
  ASSERT_EQ(kStoreW1,
            Esr(0x24, 1, DataAbortIss({.isv = 1, .sas = 2, .srt = 1, .wnr = 1, .dfsc = 0x05})));
  const Syndrome s(kStoreW1);
  ASSERT_EQ(s.ec(), ExceptionClass::kDataAbortLower);
  const DataAbort st = DataAbort::decode(s.iss());
  EXPECT_TRUE(st.isv);
  EXPECT_EQ(st.access_bytes(), 4u);
  EXPECT_FALSE(st.sse);
  EXPECT_EQ(st.srt, 1);
  EXPECT_FALSE(st.sf);
  EXPECT_TRUE(st.wnr);
  EXPECT_FALSE(st.s1ptw);
  EXPECT_EQ(fault_status_name(st.dfsc), "Translation fault, level 1");
  EXPECT_EQ(register_name(st.srt, st.sf), "w1");

  // QEMU: `str x1, [x0]`, the 64-bit variant: SAS 0b11 and SF set.
  constexpr std::uint64_t kStoreX1 = 0x93c18045;
  ASSERT_EQ(
      kStoreX1,
      Esr(0x24, 1, DataAbortIss({.isv = 1, .sas = 3, .srt = 1, .sf = 1, .wnr = 1, .dfsc = 0x05})));
  const DataAbort st64 = DataAbort::decode(Syndrome(kStoreX1).iss());
  EXPECT_EQ(st64.access_bytes(), 8u);
  EXPECT_TRUE(st64.sf);
  EXPECT_EQ(register_name(st64.srt, st64.sf), "x1");

  // QEMU: `ldrsh x2, [x0]`: SAS 0b01, SSE (sign-extend), SRT 2, SF, a read.
  constexpr std::uint64_t kLoadSignedHalf = 0x93628005;
  ASSERT_EQ(
      kLoadSignedHalf,
      Esr(0x24, 1, DataAbortIss({.isv = 1, .sas = 1, .sse = 1, .srt = 2, .sf = 1, .dfsc = 0x05})));
  const DataAbort ld = DataAbort::decode(Syndrome(kLoadSignedHalf).iss());
  EXPECT_EQ(ld.access_bytes(), 2u);
  EXPECT_TRUE(ld.sse);
  EXPECT_EQ(ld.srt, 2);
  EXPECT_TRUE(ld.sf);
  EXPECT_FALSE(ld.wnr);

  // QEMU: `ldp x1, x2, [x0]` transfers two registers, which SRT cannot describe: ISV = 0.
  constexpr std::uint64_t kLoadPair = 0x92000005;
  ASSERT_EQ(kLoadPair, Esr(0x24, 1, DataAbortIss({.dfsc = 0x05})));
  const DataAbort pair = DataAbort::decode(Syndrome(kLoadPair).iss());
  EXPECT_FALSE(pair.isv);
  EXPECT_FALSE(pair.wnr);
  EXPECT_EQ(fault_level(pair.dfsc), 1);
}

TEST(Esr, FaultStatusNames) {
  EXPECT_EQ(fault_status_name(0x04), "Translation fault, level 0");
  EXPECT_EQ(fault_status_name(0x05), "Translation fault, level 1");
  EXPECT_EQ(fault_status_name(0x06), "Translation fault, level 2");
  EXPECT_EQ(fault_status_name(0x07), "Translation fault, level 3");
  EXPECT_EQ(fault_status_name(0x2B), "Translation fault, level -1");
  EXPECT_EQ(fault_status_name(0x00), "Address size fault, level 0");
  EXPECT_EQ(fault_status_name(0x03), "Address size fault, level 3");
  EXPECT_EQ(fault_status_name(0x09), "Access flag fault, level 1");
  EXPECT_EQ(fault_status_name(0x0B), "Access flag fault, level 3");
  EXPECT_EQ(fault_status_name(0x0D), "Permission fault, level 1");
  EXPECT_EQ(fault_status_name(0x0E), "Permission fault, level 2");
  EXPECT_EQ(fault_status_name(0x0F), "Permission fault, level 3");
  EXPECT_EQ(fault_status_name(0x10), "Synchronous External abort");
  EXPECT_EQ(fault_status_name(0x15),
            "Synchronous External abort on translation table walk, level 1");
  EXPECT_EQ(fault_status_name(0x21), "Alignment fault");
  EXPECT_EQ(fault_status_name(0x30), "TLB conflict abort");
  EXPECT_EQ(fault_status_name(0x19), "Reserved fault status code");
  EXPECT_EQ(fault_status_name(0x3F), "Reserved fault status code");
  EXPECT_EQ(fault_status_name(0xC7), "Translation fault, level 3");  // Only [5:0] count.
}

TEST(Esr, FaultKindsAndLevels) {
  for (unsigned level = 0; level <= 3; ++level) {
    SCOPED_TRACE(level);
    const auto l = static_cast<int>(level);
    EXPECT_TRUE(is_address_size_fault(static_cast<std::uint8_t>(0x00 + level)));
    EXPECT_TRUE(is_translation_fault(static_cast<std::uint8_t>(0x04 + level)));
    EXPECT_TRUE(is_access_flag_fault(static_cast<std::uint8_t>(0x08 + level)));
    EXPECT_TRUE(is_permission_fault(static_cast<std::uint8_t>(0x0C + level)));
    EXPECT_EQ(fault_level(static_cast<std::uint8_t>(0x00 + level)), l);
    EXPECT_EQ(fault_level(static_cast<std::uint8_t>(0x04 + level)), l);
    EXPECT_EQ(fault_level(static_cast<std::uint8_t>(0x08 + level)), l);
    EXPECT_EQ(fault_level(static_cast<std::uint8_t>(0x0C + level)), l);
    EXPECT_EQ(fault_level(static_cast<std::uint8_t>(0x14 + level)), l);
  }
  EXPECT_FALSE(is_translation_fault(0x0D));
  EXPECT_FALSE(is_permission_fault(0x05));
  // is_translation_fault() is a bit mask made from fault_kind(): they agree on every code, and
  // the bits above the 6-bit code are ignored.
  unsigned translation_codes = 0;
  for (unsigned code = 0; code < 256; ++code) {
    const auto fsc = static_cast<std::uint8_t>(code);
    EXPECT_EQ(is_translation_fault(fsc), fault_kind(fsc) == FaultKind::kTranslation) << code;
    translation_codes += code < 64 && is_translation_fault(fsc) ? 1 : 0;
  }
  EXPECT_EQ(translation_codes, 6u);  // levels 0-3, -1 and -2
  EXPECT_TRUE(is_translation_fault(0x44));
  EXPECT_EQ(fault_kind(0x10), FaultKind::kSyncExternal);
  EXPECT_EQ(fault_kind(0x16), FaultKind::kSyncExternalOnWalk);
  EXPECT_EQ(fault_kind(0x21), FaultKind::kAlignment);
  EXPECT_EQ(fault_kind(0x30), FaultKind::kTlbConflict);
  EXPECT_EQ(fault_kind(0x19), FaultKind::kReserved);
  // FEAT_LPA2 / FEAT_D128 extra levels live outside the blocks of four.
  EXPECT_TRUE(is_translation_fault(0x2B));
  EXPECT_EQ(fault_level(0x2B), -1);
  EXPECT_TRUE(is_address_size_fault(0x29));
  EXPECT_EQ(fault_level(0x29), -1);
  EXPECT_EQ(fault_level(0x2A), -2);
  EXPECT_EQ(fault_level(0x13), -1);
  // Codes that are not about a walk level.
  EXPECT_EQ(fault_level(0x10), std::nullopt);
  EXPECT_EQ(fault_level(0x21), std::nullopt);
  EXPECT_EQ(fault_level(0x30), std::nullopt);
  EXPECT_EQ(fault_level(0x3F), std::nullopt);
}

TEST(Esr, EveryFaultStatusCodeIsConsistent) {
  for (unsigned code = 0; code < 64; ++code) {
    SCOPED_TRACE(code);
    const auto fsc = static_cast<std::uint8_t>(code);
    const std::string name(fault_status_name(fsc));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name == "Reserved fault status code", fault_kind(fsc) == FaultKind::kReserved);
    // A code has a level exactly when its name ends in ", level N", and they agree.
    const std::optional<int> level = fault_level(fsc);
    const std::size_t at = name.rfind(", level ");
    ASSERT_EQ(level.has_value(), at != std::string::npos);
    if (level) {
      EXPECT_EQ(name.substr(at + 8), std::to_string(*level));
    }
  }
}

TEST(Esr, InstructionAbortDecode) {
  // Instruction Abort ISS: FnV [10], EA [9], S1PTW [7], IFSC [5:0]. A guest fetch from an
  // unmapped IPA during its own page-table walk, translation fault at level 1:
  const std::uint32_t iss = (1u << 7) | 0x05;
  const Syndrome s(Esr(0x20, 1, iss));
  ASSERT_EQ(s.ec(), ExceptionClass::kInstrAbortLower);
  const InstructionAbort a = InstructionAbort::decode(s.iss());
  EXPECT_FALSE(a.fnv);
  EXPECT_FALSE(a.ea);
  EXPECT_TRUE(a.s1ptw);
  EXPECT_EQ(a.ifsc, 0x05);
  EXPECT_EQ(fault_status_name(a.ifsc), "Translation fault, level 1");

  const InstructionAbort b = InstructionAbort::decode((1u << 10) | (1u << 9) | 0x10);
  EXPECT_TRUE(b.fnv);
  EXPECT_TRUE(b.ea);
  EXPECT_FALSE(b.s1ptw);
  EXPECT_EQ(fault_kind(b.ifsc), FaultKind::kSyncExternal);
}

TEST(Esr, SysRegTrapMrsCntpct) {
  // QEMU: `mrs x3, cntpct_el0` with CNTHCTL_EL2.EL1PCTEN clear. CNTPCT_EL0 is S3_3_C14_C0_1
  // (op0 3, op1 3, CRn 14, CRm 0, op2 1); read into x3.
  constexpr std::uint64_t kQemu = 0x6232f861;
  ASSERT_EQ(kQemu, Esr(0x18, 1, SysRegIss(3, 3, 14, 0, 1, 3, /*read=*/true)));
  const Syndrome s(kQemu);
  ASSERT_EQ(s.ec(), ExceptionClass::kSysReg64);
  const SysRegAccess a = SysRegAccess::decode(s.iss());
  EXPECT_EQ(a.op0, 3);
  EXPECT_EQ(a.op1, 3);
  EXPECT_EQ(a.crn, 14);
  EXPECT_EQ(a.crm, 0);
  EXPECT_EQ(a.op2, 1);
  EXPECT_EQ(a.rt, 3);
  EXPECT_TRUE(a.is_read);
  EXPECT_FALSE(a.is_write());
  EXPECT_EQ(a.sysreg_key(), sysreg_key(3, 3, 14, 0, 1));
}

TEST(Esr, SysRegTrapMsrIccSgi1r) {
  // msr icc_sgi1r_el1, x5 = S3_0_C12_C11_5, written from x5: how a GICv3 guest sends an SGI.
  const std::uint32_t iss = SysRegIss(3, 0, 12, 11, 5, 5, /*read=*/false);
  ASSERT_EQ(iss, 0x3A30B6u);
  const SysRegAccess a = SysRegAccess::decode(Syndrome(Esr(0x18, 1, iss)).iss());
  EXPECT_EQ(a.op0, 3);
  EXPECT_EQ(a.op1, 0);
  EXPECT_EQ(a.crn, 12);
  EXPECT_EQ(a.crm, 11);
  EXPECT_EQ(a.op2, 5);
  EXPECT_EQ(a.rt, 5);
  EXPECT_FALSE(a.is_read);
  EXPECT_TRUE(a.is_write());
  EXPECT_EQ(a.sysreg_key(), sysreg_key(3, 0, 12, 11, 5));
  EXPECT_NE(a.sysreg_key(), sysreg_key(3, 3, 14, 0, 1));
}

TEST(Esr, SysRegKeyIsInstructionBits20To5) {
  // Encodings from the A64 instruction set: MRS is 0xd5200000 | op0:op1:CRn:CRm:op2 << 5 | Rt,
  // MSR the same with bit 21 clear, so the key is what a disassembler shows in bits [20:5].
  const auto key_of = [](std::uint32_t insn) { return (insn >> 5) & 0xFFFFu; };
  EXPECT_EQ(sysreg_key(3, 3, 14, 0, 1), key_of(0xd53be023));   // mrs x3, cntpct_el0
  EXPECT_EQ(sysreg_key(3, 0, 12, 11, 5), key_of(0xd518cba5));  // msr icc_sgi1r_el1, x5
  EXPECT_EQ(sysreg_key(3, 3, 14, 0, 1), 0xDF01u);
  EXPECT_EQ(sysreg_key(3, 0, 12, 11, 5), 0xC65Du);
}

TEST(Esr, SysRegDecodeCoversEveryEncoding) {
  // All 2^16 register encodings (2+3+4+4+3 bits) decode to themselves and give distinct keys.
  std::set<std::uint32_t> keys;
  for (unsigned op0 = 0; op0 < 4; ++op0) {
    for (unsigned op1 = 0; op1 < 8; ++op1) {
      for (unsigned crn = 0; crn < 16; ++crn) {
        for (unsigned crm = 0; crm < 16; ++crm) {
          for (unsigned op2 = 0; op2 < 8; ++op2) {
            const unsigned rt = (op1 * 7 + crm) % 32;
            const bool read = ((crn + op2) & 1) != 0;
            const SysRegAccess a =
                SysRegAccess::decode(SysRegIss(op0, op1, crn, crm, op2, rt, read));
            ASSERT_EQ(a.op0, op0);
            ASSERT_EQ(a.op1, op1);
            ASSERT_EQ(a.crn, crn);
            ASSERT_EQ(a.crm, crm);
            ASSERT_EQ(a.op2, op2);
            ASSERT_EQ(a.rt, rt);
            ASSERT_EQ(a.is_read, read);
            ASSERT_EQ(a.sysreg_key(), sysreg_key(op0, op1, crn, crm, op2));
            // The exit path's shortcut, with every Rt and direction around the encoding.
            for (unsigned other : {0u, 1u, 0x3e0u, 0x3e1u}) {
              const std::uint32_t iss = SysRegIss(op0, op1, crn, crm, op2, 0, false) | other;
              ASSERT_EQ(SysRegAccess::key_of(iss), sysreg_key(op0, op1, crn, crm, op2));
            }
            keys.insert(a.sysreg_key());
          }
        }
      }
    }
  }
  EXPECT_EQ(keys.size(), 1u << 16);
  EXPECT_LT(*keys.rbegin(), 1u << 16);
}

TEST(Esr, WfiVersusWfe) {
  // WF* ISS: CV [24], COND [23:20], RN [9:5], RV [2], TI [1:0]. QEMU: `wfi` with HCR_EL2.TWI
  // traps as 0x07e00000, reporting CV = 1 and COND = 0b1110 ("always") for AArch64 code. QEMU
  // 7.2 treats WFE as a plain yield and never traps it, so that value is built from the fields.
  constexpr std::uint64_t kWfi = 0x07e00000;
  constexpr std::uint64_t kWfe = 0x07e00001;
  ASSERT_EQ(kWfi, Esr(0x01, 1, (1u << 24) | (0xEu << 20) | 0));
  ASSERT_EQ(kWfe, Esr(0x01, 1, (1u << 24) | (0xEu << 20) | 1));

  const Syndrome wfi_syndrome(kWfi);
  ASSERT_EQ(wfi_syndrome.ec(), ExceptionClass::kWfxTrap);
  const WfxTrap wfi = WfxTrap::decode(wfi_syndrome.iss());
  EXPECT_EQ(wfi.ti, WfxKind::kWfi);
  EXPECT_FALSE(wfi.is_wfe());
  EXPECT_FALSE(wfi.has_timeout());
  EXPECT_TRUE(wfi.cv);
  EXPECT_EQ(wfi.cond, 0xE);

  const WfxTrap wfe = WfxTrap::decode(Syndrome(kWfe).iss());
  EXPECT_EQ(wfe.ti, WfxKind::kWfe);
  EXPECT_TRUE(wfe.is_wfe());
  EXPECT_FALSE(wfe.has_timeout());

  // wfit x9 / wfet x9 (FEAT_WFxT): RV set, RN = 9.
  const WfxTrap wfit = WfxTrap::decode((9u << 5) | (1u << 2) | 2);
  EXPECT_EQ(wfit.ti, WfxKind::kWfit);
  EXPECT_FALSE(wfit.is_wfe());
  EXPECT_TRUE(wfit.has_timeout());
  EXPECT_TRUE(wfit.rv);
  EXPECT_EQ(wfit.rn, 9);
  const WfxTrap wfet = WfxTrap::decode((9u << 5) | (1u << 2) | 3);
  EXPECT_EQ(wfet.ti, WfxKind::kWfet);
  EXPECT_TRUE(wfet.is_wfe());
  EXPECT_TRUE(wfet.has_timeout());
}

TEST(Esr, SErrorDecode) {
  // SError ISS: IDS [24], AET [12:10], EA [9], DFSC [5:0]; DFSC 0b010001 = asynchronous SError.
  const Syndrome s(Esr(0x2F, 1, (2u << 10) | (1u << 9) | 0x11));
  ASSERT_EQ(s.ec(), ExceptionClass::kSError);
  const SError e = SError::decode(s.iss());
  EXPECT_FALSE(e.ids);
  EXPECT_EQ(e.aet, AsyncErrorType::kRestartable);
  EXPECT_TRUE(e.ea);
  EXPECT_EQ(e.dfsc, 0x11);

  EXPECT_EQ(SError::decode(6u << 10 | 0x11).aet, AsyncErrorType::kCorrected);

  // With IDS set the remaining bits are IMPLEMENTATION DEFINED and not interpreted.
  const SError impdef = SError::decode((1u << 24) | (3u << 10) | (1u << 9) | 0x11);
  EXPECT_TRUE(impdef.ids);
  EXPECT_EQ(impdef.aet, AsyncErrorType::kUncontainable);
  EXPECT_FALSE(impdef.ea);
  EXPECT_EQ(impdef.dfsc, 0);
}

}  // namespace
}  // namespace el2lab::esr
