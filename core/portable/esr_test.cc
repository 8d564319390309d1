#include "core/portable/esr.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/portable/esr_test_util.h"

namespace el2lab::esr {
namespace {

using namespace el2lab::esr::test;

// Compile-time checks: the decoders are usable in constant expressions (e.g. switch labels).
static_assert(Syndrome(0x5a000042).ec() == ExceptionClass::kHvc64);
static_assert(call_immediate(Syndrome(0x5a000042).iss()) == 0x42);
static_assert(DataAbort::decode(DataAbortIss({.isv = 1, .sas = 3})).access_bytes() == 8);
static_assert(fault_level(0x07) == 3);
static_assert(sysreg_key(3, 3, 14, 0, 1) == 0xdf01);
static_assert(vector_offset(VectorEntry::kLowerA64Sync) == 0x400);
static_assert(vector_from_offset(0x480) == VectorEntry::kLowerA64Irq);

TEST(Esr, BitFieldGetTestPut) {
  constexpr BitField kField{4, 3};
  EXPECT_EQ(kField.ones(), 0x7u);
  EXPECT_EQ(kField.get(0xFFu), 0x7u);
  EXPECT_EQ(kField.get(0x50u), 0x5u);
  EXPECT_EQ(kField.put(0x5u), 0x50u);
  EXPECT_EQ(kField.put(0xFu), 0x70u);  // Too-wide values are truncated, not spilled.
  EXPECT_TRUE(kField.test(0x10u));
  EXPECT_FALSE(kField.test(0x8Fu));
}

TEST(Esr, SyndromeSplitsCommonFields) {
  // ISS2 = 0b10101 at [36:32], and a stray bit 40 that iss2() must not pick up.
  const std::uint64_t raw =
      (std::uint64_t{1} << 40) | (std::uint64_t{0x15} << 32) | Esr(0x24, 1, 0x1ABCDEF);
  const Syndrome s(raw);
  EXPECT_EQ(s.raw(), raw);
  EXPECT_EQ(s.ec(), ExceptionClass::kDataAbortLower);
  EXPECT_TRUE(s.il());
  EXPECT_EQ(s.iss(), 0x1ABCDEFu);
  EXPECT_EQ(s.iss2(), 0x15u);

  const Syndrome t(Esr(0x38, 0, 0));  // A 16-bit T32 BKPT: IL = 0.
  EXPECT_EQ(t.ec(), ExceptionClass::kBkpt32);
  EXPECT_FALSE(t.il());
  EXPECT_EQ(t.iss(), 0u);
  EXPECT_EQ(t.iss2(), 0u);
}

TEST(Esr, EveryExceptionClassRoundTrips) {
  std::set<std::string_view> names;
  for (ExceptionClass ec : kAllExceptionClasses) {
    const auto value = static_cast<unsigned>(ec);
    SCOPED_TRACE(value);
    const Syndrome s(Esr(value, 1, 0x1FFFFFF));
    EXPECT_EQ(s.ec(), ec);
    EXPECT_EQ(s.iss(), 0x1FFFFFFu);  // A full ISS does not leak into EC, and vice versa.
    EXPECT_EQ(make_syndrome(ec, 0x1FFFFFF).raw(), s.raw());
    const std::string_view name = exception_class_name(ec);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "Unrecognised");
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

TEST(Esr, EveryEcValueHasAName) {
  std::set<unsigned> known;
  for (ExceptionClass ec : kAllExceptionClasses) known.insert(static_cast<unsigned>(ec));
  for (unsigned value = 0; value < 64; ++value) {
    SCOPED_TRACE(value);
    const std::string_view name = exception_class_name(Syndrome(Esr(value, 1, 0)).ec());
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name == "Unrecognised", known.count(value) == 0);
  }
  // Values past the 6-bit field cannot come from hardware but must not crash either.
  EXPECT_EQ(exception_class_name(static_cast<ExceptionClass>(0xFF)), "Unrecognised");
}

TEST(Esr, UnlistedClassesAreUnrecognised) {
  // 0x02 and 0x3F are unallocated; 0x0A (LD64B/ST64B traps, FEAT_LS64) and 0x27 (FEAT_MOPS)
  // are allocated by newer extensions this kit does not decode.
  for (unsigned value : {0x02u, 0x0Au, 0x10u, 0x27u, 0x3Fu}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(exception_class_name(Syndrome(Esr(value, 1, 0)).ec()), "Unrecognised");
  }
}

TEST(Esr, ExceptionClassNames) {
  EXPECT_EQ(exception_class_name(ExceptionClass::kHvc64), "HVC (AArch64)");
  EXPECT_EQ(exception_class_name(ExceptionClass::kSmc64), "SMC (AArch64)");
  EXPECT_EQ(exception_class_name(ExceptionClass::kDataAbortLower), "Data Abort from a lower EL");
  EXPECT_EQ(exception_class_name(ExceptionClass::kSysReg64), "Trapped MSR/MRS/system instruction");
  EXPECT_EQ(exception_class_name(ExceptionClass::kUnknown), "Unknown reason");
}

// Values marked "QEMU" were captured from QEMU 7.2 (-M virt,virtualization=on -cpu cortex-a72)
// with a small EL2 harness printing ESR_EL2: an EL1 guest with HCR_EL2.{VM,TSC,TWI,TWE} set,
// CNTHCTL_EL2.EL1PCTEN clear, and a stage 2 table starting at level 1 that maps only the RAM
// gigabyte at 0x40000000, the guest accessing IPA 0x10000000. Each is also rebuilt from the
// field definitions, so a test fails loudly if either the capture or the layout is misread.

TEST(Esr, QemuHvc64Syndrome) {
  constexpr std::uint64_t kQemu = 0x5a000042;  // hvc #0x42
  ASSERT_EQ(kQemu, Esr(0x16, 1, 0x42));
  const Syndrome s(kQemu);
  EXPECT_EQ(s.ec(), ExceptionClass::kHvc64);
  EXPECT_TRUE(s.il());
  EXPECT_EQ(call_immediate(s.iss()), 0x42);
}

TEST(Esr, QemuSmc64Syndrome) {
  constexpr std::uint64_t kQemu = 0x5e000000;  // smc #0, trapped by HCR_EL2.TSC
  ASSERT_EQ(kQemu, Esr(0x17, 1, 0));
  const Syndrome s(kQemu);
  EXPECT_EQ(s.ec(), ExceptionClass::kSmc64);
  EXPECT_TRUE(s.il());
  EXPECT_EQ(call_immediate(s.iss()), 0);
}

TEST(Esr, CallImmediates) {
  EXPECT_EQ(call_immediate(Syndrome(Esr(0x15, 1, 0xBEEF)).iss()), 0xBEEF);  // svc #0xbeef
  EXPECT_EQ(call_immediate(Syndrome(Esr(0x12, 1, 0x0001)).iss()), 0x0001);  // AArch32 hvc #1
  EXPECT_EQ(call_immediate(Syndrome(Esr(0x3C, 1, 0x0800)).iss()), 0x0800);  // brk #0x800
  // Bits above [15:0] are RES0 for these classes and must not leak into the immediate.
  EXPECT_EQ(call_immediate(0x1FF0042u), 0x0042);
}

TEST(Esr, MakeSyndromeMatchesFieldLayout) {
  EXPECT_EQ(make_syndrome(ExceptionClass::kHvc64, 0x42), Syndrome(0x5a000042));
  EXPECT_EQ(make_syndrome(ExceptionClass::kBkpt32, 7, /*il=*/false).raw(), Esr(0x38, 0, 7));
  // An ISS wider than 25 bits is truncated rather than corrupting IL and EC.
  EXPECT_EQ(make_syndrome(ExceptionClass::kUnknown, 0xFFFFFFFF, false).raw(), 0x1FFFFFFu);
}

TEST(Esr, RegisterNames) {
  EXPECT_FALSE(is_zero_register(0));
  EXPECT_FALSE(is_zero_register(30));
  EXPECT_TRUE(is_zero_register(31));
  EXPECT_EQ(register_name(0), "x0");
  EXPECT_EQ(register_name(30), "x30");
  EXPECT_EQ(register_name(31), "xzr");
  EXPECT_EQ(register_name(7, /*is_64bit=*/false), "w7");
  EXPECT_EQ(register_name(31, /*is_64bit=*/false), "wzr");
  EXPECT_EQ(register_name(32), "?");
  for (unsigned r = 0; r < 31; ++r) {
    EXPECT_EQ(register_name(r), "x" + std::to_string(r));
    EXPECT_EQ(register_name(r, false), "w" + std::to_string(r));
  }
}

TEST(Esr, VectorOffsetsAndNames) {
  const struct {
    VectorEntry entry;
    std::uint32_t offset;
    std::string_view name;
  } kTable[] = {
      {VectorEntry::kCurrentSp0Sync, 0x000, "Current EL with SP0, Synchronous"},
      {VectorEntry::kCurrentSp0Irq, 0x080, "Current EL with SP0, IRQ"},
      {VectorEntry::kCurrentSp0Fiq, 0x100, "Current EL with SP0, FIQ"},
      {VectorEntry::kCurrentSp0SError, 0x180, "Current EL with SP0, SError"},
      {VectorEntry::kCurrentSpxSync, 0x200, "Current EL with SPx, Synchronous"},
      {VectorEntry::kCurrentSpxIrq, 0x280, "Current EL with SPx, IRQ"},
      {VectorEntry::kCurrentSpxFiq, 0x300, "Current EL with SPx, FIQ"},
      {VectorEntry::kCurrentSpxSError, 0x380, "Current EL with SPx, SError"},
      {VectorEntry::kLowerA64Sync, 0x400, "Lower EL using AArch64, Synchronous"},
      {VectorEntry::kLowerA64Irq, 0x480, "Lower EL using AArch64, IRQ"},
      {VectorEntry::kLowerA64Fiq, 0x500, "Lower EL using AArch64, FIQ"},
      {VectorEntry::kLowerA64SError, 0x580, "Lower EL using AArch64, SError"},
      {VectorEntry::kLowerA32Sync, 0x600, "Lower EL using AArch32, Synchronous"},
      {VectorEntry::kLowerA32Irq, 0x680, "Lower EL using AArch32, IRQ"},
      {VectorEntry::kLowerA32Fiq, 0x700, "Lower EL using AArch32, FIQ"},
      {VectorEntry::kLowerA32SError, 0x780, "Lower EL using AArch32, SError"},
  };
  for (const auto& row : kTable) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(vector_offset(row.entry), row.offset);
    EXPECT_EQ(vector_name(row.entry), row.name);
    EXPECT_EQ(vector_from_offset(row.offset), row.entry);
  }
  EXPECT_EQ(vector_name(static_cast<VectorEntry>(16)), "Invalid vector");
}

TEST(Esr, VectorFromOffsetRejectsBadOffsets) {
  for (std::uint32_t offset : {0x81u, 0x800u, 0x40u, 0x7FFu, 0x880u, 0xFFFFFF80u}) {
    SCOPED_TRACE(offset);
    EXPECT_EQ(vector_from_offset(offset), std::nullopt);
  }
}

}  // namespace
}  // namespace el2lab::esr
