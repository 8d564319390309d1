// sysreg — the SysRegRead and SysRegWrite exits.
//
// The hypervisor traps reads of the ID registers (HCR_EL2.TID3), so it can decide which CPU
// features the guest sees, and writes of the EL1 virtual-memory controls (HCR_EL2.TVM:
// SCTLR_EL1, TCR_EL1, MAIR_EL1, TTBR0_EL1, CONTEXTIDR_EL1, ...), so it sees how the guest sets up
// its MMU. Reads of the latter are not trapped. Every trapped MRS/MSR is one exit, emulated so that
// the guest cannot tell: a read gives a stable, sensible value, a write takes effect.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "sysreg";

namespace {

#define READ_SYSREG(name)                                   \
  [] {                                                      \
    std::uint64_t value;                                    \
    asm volatile("mrs %0, " #name : "=r"(value)::"memory"); \
    return value;                                           \
  }()
#define WRITE_SYSREG(name, value) \
  asm volatile("msr " #name ", %0\n\tisb" ::"r"(static_cast<std::uint64_t>(value)) : "memory")

constexpr auto kNotCounted = static_cast<std::uint64_t>(abi::kNotSupported);
bool counting = false;

/// Checks that the exits of \p kind grew by \p want since \p before.
void expect_exits(abi::ExitKind kind, std::uint64_t before, std::uint64_t want,
                  std::string_view what) {
  if (counting) expect_eq(exit_count(kind) - before, want, what);
}

/// An undefined-instruction exception means the hypervisor trapped the access but did not
/// emulate it: a failed check, after which the guest goes on with the next instruction.
bool undefined_is_a_failure(ExceptionInfo& info) {
  if (info.ec() != 0x00) return false;
  std::uint32_t insn = *reinterpret_cast<const std::uint32_t*>(info.elr());
  fmt::Buffer<120> what;
  fmt::write(what, "undefined instruction ", fmt::Hex{insn, 8}, " at PC ", fmt::Hex{info.elr()},
             ": a trapped MRS/MSR was not emulated");
  expect(false, what.view());
  info.resume_after_instruction();
  return true;
}

void id_registers() {
  const std::uint64_t reads = exit_count(abi::ExitKind::kSysRegRead);
  const std::uint64_t mmfr0 = READ_SYSREG(id_aa64mmfr0_el1);
  expect_exits(abi::ExitKind::kSysRegRead, reads, 1, "kSysRegRead exits for ID_AA64MMFR0_EL1");

  const std::uint64_t reads2 = exit_count(abi::ExitKind::kSysRegRead);
  const std::uint64_t pfr0 = READ_SYSREG(id_aa64pfr0_el1);
  expect_exits(abi::ExitKind::kSysRegRead, reads2, 1, "kSysRegRead exits for ID_AA64PFR0_EL1");

  const std::uint64_t reads3 = exit_count(abi::ExitKind::kSysRegRead);
  expect_eq(READ_SYSREG(id_aa64mmfr0_el1), mmfr0, "ID_AA64MMFR0_EL1, read twice");
  expect_eq(READ_SYSREG(id_aa64pfr0_el1), pfr0, "ID_AA64PFR0_EL1, read twice");
  expect_exits(abi::ExitKind::kSysRegRead, reads3, 2, "kSysRegRead exits for two more reads");

  // Unallocated encodings in the ID space read as zero (the architecture's RAZ): one inside it
  // and the space's last one, both trapped by TID3 and answered, not undefined.
  const std::uint64_t reads4 = exit_count(abi::ExitKind::kSysRegRead);
  expect_eq(READ_SYSREG(s3_0_c0_c4_3), 0u, "unallocated ID register S3_0_C0_C4_3 reads as zero");
  expect_eq(READ_SYSREG(s3_0_c0_c7_7), 0u, "unallocated ID register S3_0_C0_C7_7 reads as zero");
  expect_exits(abi::ExitKind::kSysRegRead, reads4, 2, "kSysRegRead exits for the two RAZ reads");

  println("sysreg: ID_AA64PFR0_EL1 ", fmt::Hex{pfr0}, " (EL0 ", pfr0 & 0xf, ", EL1 ",
          (pfr0 >> 4) & 0xf, ", EL2 ", (pfr0 >> 8) & 0xf, "), ID_AA64MMFR0_EL1 ", fmt::Hex{mmfr0},
          " (PARange ", mmfr0 & 0xf, ")");
  // EL0 and EL1 fields: 1 = AArch64 only, 2 = AArch64 and AArch32; 0 would mean "no such EL".
  expect((pfr0 & 0xf) != 0, "ID_AA64PFR0_EL1.EL0 says EL0 does not exist");
  expect(((pfr0 >> 4) & 0xf) != 0, "ID_AA64PFR0_EL1.EL1 says EL1 has no AArch64");
  // PARange: 0 (32 bits) to 6 (52 bits); TGran4 [31:28]: 0 = 4 KiB pages supported.
  expect((mmfr0 & 0xf) <= 6, "ID_AA64MMFR0_EL1.PARange is not a defined size");
  expect(((mmfr0 >> 28) & 0xf) == 0, "ID_AA64MMFR0_EL1.TGran4 says no 4 KiB pages");
}

void zero_register() {
  // Register 31 as an MRS destination is xzr: the value goes nowhere, SP stays as it was.
  constexpr std::uint64_t kSpEl0 = 0x5350'5f45'4c30'0001;
  std::uint64_t sp_before, sp_after, sp_el0_after;
  asm volatile(
      "msr sp_el0, %3\n\t"
      "mov %0, sp\n\t"
      "mrs xzr, id_aa64pfr0_el1\n\t"
      "mov %1, sp\n\t"
      "mrs %2, sp_el0"
      : "=&r"(sp_before), "=&r"(sp_after), "=&r"(sp_el0_after)
      : "r"(kSpEl0)
      : "memory");
  expect_eq(sp_after, sp_before, "SP after mrs xzr, ID_AA64PFR0_EL1");
  expect_eq(sp_el0_after, kSpEl0, "SP_EL0 after mrs xzr, ID_AA64PFR0_EL1");
}

void vm_controls() {
  // SCTLR_EL1 written with its own value: harmless, and one trapped write.
  std::uint64_t reads = exit_count(abi::ExitKind::kSysRegRead);
  const std::uint64_t sctlr = READ_SYSREG(sctlr_el1);
  expect_exits(abi::ExitKind::kSysRegRead, reads, 0, "kSysRegRead exits for SCTLR_EL1 (untrapped)");
  std::uint64_t writes = exit_count(abi::ExitKind::kSysRegWrite);
  WRITE_SYSREG(sctlr_el1, sctlr);
  expect_exits(abi::ExitKind::kSysRegWrite, writes, 1, "kSysRegWrite exits for SCTLR_EL1");
  expect_eq(READ_SYSREG(sctlr_el1), sctlr, "SCTLR_EL1 after writing its own value");

  // TCR_EL1 and MAIR_EL1 take effect only with the MMU on, so any value is safe here. The
  // values use only Armv8.0 fields, which every CPU keeps as written.
  //   TCR: T0SZ 25, inner/outer write-back, inner shareable, 4 KiB granule; T1SZ 25, EPD1,
  //        TG1 4 KiB; IPS 36 bits.
  constexpr std::uint64_t kTcr = 0x0000'0001'8099'3519;
  //   MAIR: attr0 Device-nGnRnE, attr1 Normal write-back, attr2 Normal non-cacheable,
  //         attr3 Device-nGnRE.
  constexpr std::uint64_t kMair = 0x0000'0000'0444'ff00;
  const std::uint64_t old_tcr = READ_SYSREG(tcr_el1);
  const std::uint64_t old_mair = READ_SYSREG(mair_el1);
  writes = exit_count(abi::ExitKind::kSysRegWrite);
  WRITE_SYSREG(tcr_el1, kTcr);
  WRITE_SYSREG(mair_el1, kMair);
  expect_exits(abi::ExitKind::kSysRegWrite, writes, 2, "kSysRegWrite exits for TCR_EL1, MAIR_EL1");
  reads = exit_count(abi::ExitKind::kSysRegRead);
  const std::uint64_t tcr = READ_SYSREG(tcr_el1);
  const std::uint64_t mair = READ_SYSREG(mair_el1);
  expect_exits(abi::ExitKind::kSysRegRead, reads, 0, "kSysRegRead exits for TCR/MAIR (untrapped)");
  expect_eq(tcr, kTcr, "TCR_EL1 read back");
  expect_eq(mair, kMair, "MAIR_EL1 read back");

  // A second value, so a write that merely happened to match the old contents is caught.
  WRITE_SYSREG(mair_el1, 0x44);
  expect_eq(READ_SYSREG(mair_el1), 0x44, "MAIR_EL1 read back after a second write");

  WRITE_SYSREG(tcr_el1, old_tcr);
  WRITE_SYSREG(mair_el1, old_mair);
  expect_eq(READ_SYSREG(tcr_el1), old_tcr, "TCR_EL1 restored");
  expect_eq(READ_SYSREG(mair_el1), old_mair, "MAIR_EL1 restored");

  // Two more registers TVM traps: a translation table base and the context ID.
  constexpr std::uint64_t kTtbr0 = 0x0000'0000'4012'3000;
  constexpr std::uint64_t kContextId = 0x1234'5678;
  const std::uint64_t old_ttbr0 = READ_SYSREG(ttbr0_el1);
  const std::uint64_t old_context_id = READ_SYSREG(contextidr_el1);
  writes = exit_count(abi::ExitKind::kSysRegWrite);
  WRITE_SYSREG(ttbr0_el1, kTtbr0);
  WRITE_SYSREG(contextidr_el1, kContextId);
  expect_exits(abi::ExitKind::kSysRegWrite, writes, 2,
               "kSysRegWrite exits for TTBR0_EL1, CONTEXTIDR_EL1");
  expect_eq(READ_SYSREG(ttbr0_el1), kTtbr0, "TTBR0_EL1 read back");
  expect_eq(READ_SYSREG(contextidr_el1), kContextId, "CONTEXTIDR_EL1 read back");
  WRITE_SYSREG(ttbr0_el1, old_ttbr0);
  WRITE_SYSREG(contextidr_el1, old_context_id);
}

// Past the log's limit (13 exits of a kind) the vCPU emulates a trapped MRS or MSR itself,
// without the run loop: the answers must not change. Enough accesses that most of them are
// answered that way, each checked, with the exits still counted one per access.
void past_the_log_limit() {
  constexpr unsigned kTimes = 24;
  const std::uint64_t mmfr0 = READ_SYSREG(id_aa64mmfr0_el1);
  const std::uint64_t old_context_id = READ_SYSREG(contextidr_el1);
  const std::uint64_t reads = exit_count(abi::ExitKind::kSysRegRead);
  const std::uint64_t writes = exit_count(abi::ExitKind::kSysRegWrite);
  bool same = true;
  bool written = true;
  for (unsigned i = 0; i < kTimes; ++i) {
    same = same && READ_SYSREG(id_aa64mmfr0_el1) == mmfr0;
    WRITE_SYSREG(contextidr_el1, 0x100 + i);
    written = written && READ_SYSREG(contextidr_el1) == 0x100 + i;
  }
  expect_exits(abi::ExitKind::kSysRegRead, reads, kTimes, "kSysRegRead exits past the log limit");
  expect_exits(abi::ExitKind::kSysRegWrite, writes, kTimes,
               "kSysRegWrite exits past the log limit");
  expect(same, "ID_AA64MMFR0_EL1 read past the log limit differs from its first read");
  expect(written, "CONTEXTIDR_EL1 written past the log limit does not read back");
  WRITE_SYSREG(contextidr_el1, old_context_id);
}

}  // namespace

void guest_main(std::uint64_t) {
  counting = expect(exit_count(abi::ExitKind::kSysRegRead) != kNotCounted,
                    "kExitCount answered NOT_SUPPORTED: exits are not counted");
  set_sync_handler(undefined_is_a_failure);
  id_registers();
  zero_register();
  vm_controls();
  past_the_log_limit();
  report();
}
