#include "core/portable/exit_decode.h"

#include <gtest/gtest.h>

#include <array>

#include "core/portable/esr.h"

namespace el2lab {
namespace {

// Syndromes are built from ARM ARM field positions here: EC [31:26], IL [25], ISS [24:0].
constexpr std::uint64_t esr(std::uint32_t ec, std::uint32_t iss) {
  return (std::uint64_t{ec} << 26) | (1u << 25) | iss;
}
// Data abort ISS: ISV [24], SAS [23:22], SSE [21], SRT [20:16], SF [15], WnR [6], DFSC [5:0].
constexpr std::uint32_t dabt(bool isv, unsigned sas, bool sse, unsigned srt, bool sf, bool wnr,
                             unsigned dfsc) {
  return (isv << 24) | (sas << 22) | (sse << 21) | (srt << 16) | (sf << 15) | (wnr << 6) | dfsc;
}
constexpr std::uint32_t kTranslationL3 = 0x07;

struct Regs {
  std::array<std::uint64_t, 31> x{};
  DecodedExit decode(std::uint64_t e, std::uint64_t far = 0, std::uint64_t hpfar = 0) const {
    return decode_sync_exit(SyncTrap{e, far, hpfar, std::span<const std::uint64_t, 31>(x)});
  }
};

TEST(ExitDecode, HvcPsciBecomesPowerExits) {
  Regs r;
  r.x[0] = 0xC4000003, r.x[1] = 1, r.x[2] = 0x40080000, r.x[3] = 0x1234;
  auto d = r.decode(esr(0x16, 0));
  auto* up = std::get_if<CpuUp>(&d.exit);
  ASSERT_NE(up, nullptr) << exit_name(d.exit);
  EXPECT_EQ(up->target_mpidr, 1u);
  EXPECT_EQ(up->entry_point, 0x40080000u);
  EXPECT_EQ(up->context_id, 0x1234u);
  EXPECT_EQ(d.pc_advance, 0u) << "HVC leaves ELR after the instruction";

  r.x[0] = 0x84000008;
  EXPECT_FALSE(std::get<SystemDown>(r.decode(esr(0x16, 0)).exit).reset);
  r.x[0] = 0x84000009;
  EXPECT_TRUE(std::get<SystemDown>(r.decode(esr(0x16, 0)).exit).reset);
  r.x[0] = 0x84000002;
  EXPECT_TRUE(std::holds_alternative<CpuDown>(r.decode(esr(0x16, 0)).exit));
}

TEST(ExitDecode, OtherCallsAreHypercallsAndSmcAdvancesPc) {
  Regs r;
  for (unsigned i = 0; i < 7; ++i) r.x[i] = 100 + i;
  r.x[0] = 0xC6000001;
  auto d = r.decode(esr(0x17, 0));  // trapped SMC
  auto& call = std::get<Hypercall>(d.exit);
  EXPECT_EQ(call.function, 0xC6000001u);
  EXPECT_EQ(call.args[0], 101u);
  EXPECT_EQ(call.args[5], 106u);
  EXPECT_TRUE(call.via_smc);
  EXPECT_EQ(d.pc_advance, 4u) << "a trapped SMC leaves ELR on the SMC";
  r.x[0] = 0x84000000;  // PSCI_VERSION is not a power request: the VMM answers it
  EXPECT_EQ(exit_name(r.decode(esr(0x16, 0)).exit), "Hypercall");
}

TEST(ExitDecode, MmioWritesTruncateToTheAccessWidth) {
  Regs r;
  r.x[1] = 0x1122334455667788;
  // The IPA comes from HPFAR_EL2 (page, FIPA at [47:4] = IPA[55:12]) plus FAR's page offset.
  const std::uint64_t hpfar = (0x0b000000ull >> 12) << 4;
  const std::uint64_t far = 0xffff000000000123;  // guest VA; only [11:0] matter
  for (unsigned sas = 0; sas < 4; ++sas) {
    auto d =
        r.decode(esr(0x24, dabt(true, sas, false, 1, sas == 3, true, kTranslationL3)), far, hpfar);
    auto& w = std::get<MmioWrite>(d.exit);
    EXPECT_EQ(w.address, 0x0b000123u);
    EXPECT_EQ(w.width, 1u << sas);
    const std::uint64_t mask = sas == 3 ? ~0ull : (1ull << (8 << sas)) - 1;
    EXPECT_EQ(w.data, 0x1122334455667788ull & mask);
    EXPECT_EQ(d.pc_advance, 4u);
  }
  // xzr as the source stores zero, whatever x31 would hold.
  auto d = r.decode(esr(0x24, dabt(true, 2, false, 31, false, true, kTranslationL3)));
  EXPECT_EQ(std::get<MmioWrite>(d.exit).data, 0u);
}

TEST(ExitDecode, MmioReadsCarryRegisterAndSignExtension) {
  Regs r;
  // A real QEMU syndrome: ldrsh x2, [x0] on an unmapped IPA.
  auto d = r.decode(0x93628005, 0x40, (0x0b000000ull >> 12) << 4);
  auto& read = std::get<MmioRead>(d.exit);
  EXPECT_EQ(read.address, 0x0b000040u);
  EXPECT_EQ(read.width, 2u);
  EXPECT_EQ(read.reg, 2u);
  EXPECT_TRUE(read.sign_extend);
  EXPECT_TRUE(read.reg_is_64bit);
}

TEST(ExitDecode, AbortsThatCannotBeEmulatedAreUnhandled) {
  Regs r;
  // ldp on MMIO: ISV = 0 (real QEMU value).
  auto d = r.decode(0x92000005);
  EXPECT_EQ(exit_name(d.exit), "Unhandled");
  EXPECT_NE(std::get<Unhandled>(d.exit).why.find("ISV=0"), std::string_view::npos);
  // A permission fault (DFSC 0x0f), even with a syndrome.
  d = r.decode(esr(0x24, dabt(true, 2, false, 1, false, false, 0x0f)));
  EXPECT_EQ(exit_name(d.exit), "Unhandled");
  // Instruction fetch from outside RAM, and an exception class nobody models (BRK).
  EXPECT_EQ(exit_name(r.decode(esr(0x20, 0x07)).exit), "Unhandled");
  EXPECT_EQ(exit_name(r.decode(esr(0x3c, 0)).exit), "Unhandled");
}

TEST(ExitDecode, SysRegTrapsAndSgi) {
  Regs r;
  // mrs x3, cntpct_el0 as QEMU reports it.
  auto d = r.decode(0x6232f861);
  auto& read = std::get<SysRegRead>(d.exit);
  EXPECT_EQ(read.reg, 3u);
  EXPECT_EQ(d.pc_advance, 4u);

  // msr sctlr_el1, x5 (op0 3, op1 0, CRn 1, CRm 0, op2 0), direction 0 = write.
  auto iss = [](unsigned op0, unsigned op2, unsigned op1, unsigned crn, unsigned rt, unsigned crm,
                bool read) {
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
           unsigned(read);
  };
  r.x[5] = 0x30d00800;
  auto w = std::get<SysRegWrite>(r.decode(esr(0x18, iss(3, 0, 0, 1, 5, 0, false))).exit);
  EXPECT_EQ(w.value, 0x30d00800u);

  // msr icc_sgi1r_el1, x6: SGI 7 to Aff1 2 targets {0, 3}.
  r.x[6] = (7ull << 24) | (2ull << 16) | 0b1001;
  auto ipi = std::get<SendIpi>(r.decode(esr(0x18, iss(3, 5, 0, 12, 6, 11, false))).exit);
  EXPECT_EQ(ipi.vector, 7u);
  EXPECT_EQ(ipi.target_list, 0b1001u);
  EXPECT_EQ(ipi.target_cpu, 2u << 8);
  EXPECT_FALSE(ipi.send_to_all);
  r.x[6] = (1ull << 40) | (3ull << 24);
  EXPECT_TRUE(
      std::get<SendIpi>(r.decode(esr(0x18, iss(3, 5, 0, 12, 6, 11, false))).exit).send_to_all);
}

TEST(ExitDecode, GuestEntryStateIsChecked) {
  EXPECT_FALSE(check_guest_entry(0x3c5));  // EL1h, DAIF masked: how guests start
  EXPECT_FALSE(check_guest_entry(0x3c4));  // EL1t
  EXPECT_FALSE(check_guest_entry(0x0));    // EL0t
  EXPECT_FALSE(check_guest_entry(0x10));   // AArch32 User
  // EL2h and EL3h would run the guest's code with the hypervisor's (or firmware's) privilege.
  EXPECT_EQ(check_guest_entry(0x3c9)->reason,
            static_cast<std::uint64_t>(EntryFailure::kWouldRunAtEl2));
  EXPECT_EQ(check_guest_entry(0x3cd)->reason,
            static_cast<std::uint64_t>(EntryFailure::kWouldRunAtEl2));
  // AArch32 SVC (0b10011) is an EL1 mode, impossible with HCR_EL2.RW set.
  EXPECT_EQ(check_guest_entry(0x13)->reason, static_cast<std::uint64_t>(EntryFailure::kAarch32El1));
}

TEST(ExitDecode, WfiAndWfeHalt) {
  Regs r;
  auto d = r.decode(0x07e00000);  // QEMU's WFI trap
  EXPECT_FALSE(std::get<Halt>(d.exit).wfe);
  EXPECT_EQ(d.pc_advance, 4u);
  EXPECT_TRUE(std::get<Halt>(r.decode(esr(0x01, 1)).exit).wfe);
}

}  // namespace
}  // namespace el2lab

namespace el2lab {
namespace {

TEST(VmExitDescription, NamesArgumentsAndRegisters) {
  EXPECT_EQ(describe_exit(MmioWrite{0x0b000010, 4, 0x2a}).view(),
            "MmioWrite 0xb000010 width 4 data 0x2a");
  EXPECT_EQ(describe_exit(MmioRead{0x09000018, 4, 3, false, false}).view(),
            "MmioRead 0x9000018 width 4 -> w3");
  EXPECT_EQ(describe_exit(SysRegRead{esr::sysreg_key(3, 0, 0, 7, 0), 3}).view(),
            "SysRegRead ID_AA64MMFR0_EL1 -> x3");
  EXPECT_EQ(sysreg_name(esr::sysreg_key(3, 4, 15, 2, 7)).view(), "S3_4_C15_C2_7");
  Hypercall psci_version;
  psci_version.function = 0x84000000;
  EXPECT_EQ(describe_exit(psci_version).view(),
            "Hypercall HVC function 0x84000000 (PSCI_VERSION) x1 0x0");
  EXPECT_EQ(describe_exit(SystemDown{false}).view(), "SystemDown (SYSTEM_OFF)");
  EXPECT_EQ(exit_name(SendIpi{}), "SendIPI");
}

}  // namespace
}  // namespace el2lab
