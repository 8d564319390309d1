// unhandled — the Unhandled exit: traps the hypervisor does not model.
//
// A hypervisor cannot emulate everything. When a guest does something el2lab does not model,
// it answers the way a real machine without that thing would: it injects an exception into
// the guest, which the guest's own vector table then sees. Each fault still counts once, under
// the exit the vCPU decoded: an access to an address with no device is an MmioRead/MmioWrite
// exit the run loop refuses, ACTLR_EL1 is a SysRegRead exit it refuses, and only an access the
// vCPU cannot even decode (no syndrome) is an Unhandled exit.
//   (a) a load from an address where nothing is    -> synchronous external abort (data abort)
//   (b) an LDP from the test device                -> the same: a load pair gives the hypervisor
//                                                     no syndrome to emulate it from
//   (c) a store to an address where nothing is     -> data abort, with WnR set (a write)
//   (d) MRS of ACTLR_EL1 (trapped by HCR_EL2.TACR) -> undefined instruction
// And two that are not faults, for contrast: a PL011 has no 64-bit registers, yet QEMU's bus
// splits a doubleword access to its PL011 into two word accesses, and el2lab does the same
// (bare QEMU is the witness where the device leaves a choice):
//   (e) a 64-bit store of '\n' to the data register -> the newline is sent (it ends a line)
//   (f) a 64-bit load from the flag register        -> FR in the low word, 0 in the high word
// Both come after many lines printed — every byte a load of FR and a store to DR — so the vCPU
// answers the UART's accesses itself by then (Aarch64VCpu<H>::run(), MmioDevices).
// The handler below records each exception and resumes after the faulting instruction.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "unhandled";

namespace {

constexpr unsigned kEcUnknown = 0x00;           // undefined instruction
constexpr unsigned kEcDataAbortSameEl = 0x25;   // data abort taken without a change of EL
constexpr unsigned kDfscExternalAbort = 0x10;   // synchronous external abort, not on a walk
constexpr std::uint32_t kIssWnR = 1u << 6;      // the access was a write
constexpr std::uint32_t kIssFnV = 1u << 10;     // FAR is not valid
constexpr std::uint64_t kEsrIl = 1ull << 25;    // 32-bit instruction
constexpr std::uint64_t kUartDr = 0x0900'0000;  // QEMU virt's PL011: data register
constexpr std::uint64_t kUartFr = 0x0900'0018;  // flag register
constexpr std::uint64_t kUartFrEmpty = 0x90;    // FR: TXFE | RXFE

/// The last exception the handler saw.
struct Seen {
  bool taken = false;
  std::uint64_t esr = 0;
  std::uint64_t far = 0;
  std::uint64_t elr = 0;
};
Seen seen;

/// The exit counters a fault could show up in.
struct Counts {
  std::uint64_t unhandled, mmio_read, mmio_write, sysreg_read;
};

Counts counts() {
  return {exit_count(abi::ExitKind::kUnhandled), exit_count(abi::ExitKind::kMmioRead),
          exit_count(abi::ExitKind::kMmioWrite), exit_count(abi::ExitKind::kSysRegRead)};
}

bool counting = false;  // the hypervisor answers kExitCount

/// Checks that the one faulting instruction between \p before and \p after was counted as
/// exactly one exit, in the counter \p expected; if not, says where it went instead.
void expect_one_exit(std::string_view what, const Counts& before, const Counts& after,
                     std::uint64_t Counts::*expected, std::string_view expected_name) {
  if (!counting) return;
  const Counts delta{after.unhandled - before.unhandled, after.mmio_read - before.mmio_read,
                     after.mmio_write - before.mmio_write, after.sysreg_read - before.sysreg_read};
  const std::uint64_t total =
      delta.unhandled + delta.mmio_read + delta.mmio_write + delta.sysreg_read;
  if (delta.*expected == 1 && total == 1) return;
  fmt::Buffer<200> text;
  fmt::write(text, what, ": expected one ", expected_name, " exit, got kUnhandled +",
             delta.unhandled, ", kMmioRead +", delta.mmio_read, ", kMmioWrite +", delta.mmio_write,
             ", kSysRegRead +", delta.sysreg_read);
  expect(false, text.view());
}

bool record_and_skip(ExceptionInfo& info) {
  seen = {true, info.esr, info.far, info.elr()};
  info.resume_after_instruction();
  return true;
}

/// Checks that the instruction at \p pc raised a data abort: an external abort on a \p write
/// to \p address.
void expect_data_abort(std::string_view what, std::uint64_t pc, std::uint64_t address, bool write) {
  fmt::Buffer<80> text;
  fmt::write(text, what, ": no exception reached the guest");
  if (!expect(seen.taken, text.view())) return;
  println("unhandled: ", what, ": ESR_EL1 ", fmt::Hex{seen.esr}, ", FAR_EL1 ", fmt::Hex{seen.far},
          ", ELR_EL1 ", fmt::Hex{seen.elr});
  const auto iss = static_cast<std::uint32_t>(seen.esr & 0x1ff'ffff);
  text.clear();
  fmt::write(text, what, ": ESR_EL1.EC (want 0x25, data abort)");
  expect_eq((seen.esr >> 26) & 0x3f, kEcDataAbortSameEl, text.view());
  text.clear();
  fmt::write(text, what, ": ESR_EL1.DFSC (want 0x10, synchronous external abort)");
  expect_eq(iss & 0x3f, kDfscExternalAbort, text.view());
  text.clear();
  fmt::write(text, what, ": ESR_EL1.WnR");
  expect_eq((iss & kIssWnR) != 0, write, text.view());
  text.clear();
  fmt::write(text, what, ": ESR_EL1.FnV says FAR_EL1 is not valid");
  expect((iss & kIssFnV) == 0, text.view());
  text.clear();
  fmt::write(text, what, ": FAR_EL1");
  expect_eq(seen.far, address, text.view());
  text.clear();
  fmt::write(text, what, ": ELR_EL1 (the faulting instruction)");
  expect_eq(seen.elr, pc, text.view());
}

void load_from_nowhere() {
  seen = {};
  std::uint64_t pc, value;
  const Counts before = counts();
  asm volatile("adr %0, 1f\n1:\tldr %1, [%2]"
               : "=&r"(pc), "=&r"(value)
               : "r"(abi::kUnmappedAddress)
               : "memory");
  const Counts after = counts();
  expect_data_abort("(a) ldr from kUnmappedAddress", pc, abi::kUnmappedAddress, false);
  expect_one_exit("(a) ldr from kUnmappedAddress", before, after, &Counts::mmio_read, "kMmioRead");
}

void load_pair_from_device() {
  seen = {};
  const std::uint64_t address = abi::test_device::kBase + abi::test_device::kScratch + 0x10;
  std::uint64_t pc, first, second;
  const Counts before = counts();
  asm volatile("adr %0, 1f\n1:\tldp %1, %2, [%3]"
               : "=&r"(pc), "=&r"(first), "=&r"(second)
               : "r"(address)
               : "memory");
  const Counts after = counts();
  expect_data_abort("(b) ldp from the test device", pc, address, false);
  expect_one_exit("(b) ldp from the test device", before, after, &Counts::unhandled, "kUnhandled");
}

void store_to_nowhere() {
  seen = {};
  const std::uint64_t address = abi::kUnmappedAddress + 0x88;
  std::uint64_t pc;
  const Counts before = counts();
  asm volatile("adr %0, 1f\n1:\tstr %0, [%1]" : "=&r"(pc) : "r"(address) : "memory");
  const Counts after = counts();
  expect_data_abort("(c) str to kUnmappedAddress + 0x88", pc, address, true);
  expect_one_exit("(c) str to kUnmappedAddress + 0x88", before, after, &Counts::mmio_write,
                  "kMmioWrite");
}

void store_doubleword_to_uart() {
  seen = {};
  Counts before, after;
  {
    const ConsoleLock lock;  // the line and the store that ends it, as one line
    fmt::write(uart(), "unhandled: (e) a 64-bit str of a newline to the UART's DR ends this line");
    before = counts();  // after the line's other bytes, each an exit of its own
    const std::uint64_t newline = '\n';
    asm volatile("str %0, [%1]" : : "r"(newline), "r"(kUartDr) : "memory");
    after = counts();
  }
  expect(!seen.taken, "(e) 64-bit str to the UART's DR: an exception reached the guest");
  expect_one_exit("(e) 64-bit str to the UART's DR", before, after, &Counts::mmio_write,
                  "kMmioWrite");
}

void load_doubleword_from_uart() {
  seen = {};
  std::uint64_t value;
  const Counts before = counts();
  asm volatile("ldr %0, [%1]" : "=r"(value) : "r"(kUartFr) : "memory");
  const Counts after = counts();
  expect(!seen.taken, "(f) 64-bit ldr from the UART's FR: an exception reached the guest");
  println("unhandled: (f) a 64-bit ldr from the UART's FR reads ", fmt::Hex{value});
  expect_eq(value >> 32, 0u, "(f) the high word (the reserved word after FR)");
  expect_eq(value & kUartFrEmpty, kUartFrEmpty, "(f) FR says TXFE and RXFE (both FIFOs empty)");
  expect_one_exit("(f) 64-bit ldr from the UART's FR", before, after, &Counts::mmio_read,
                  "kMmioRead");
}

void read_actlr() {
  seen = {};
  std::uint64_t pc, value;
  const Counts before = counts();
  asm volatile("adr %0, 1f\n1:\tmrs %1, actlr_el1" : "=&r"(pc), "=&r"(value)::"memory");
  const Counts after = counts();
  expect_one_exit("(d) mrs actlr_el1", before, after, &Counts::sysreg_read, "kSysRegRead");
  if (!expect(seen.taken, "(d) mrs actlr_el1: no exception reached the guest")) return;
  println("unhandled: (d) mrs actlr_el1: ESR_EL1 ", fmt::Hex{seen.esr}, ", ELR_EL1 ",
          fmt::Hex{seen.elr});
  expect_eq((seen.esr >> 26) & 0x3f, kEcUnknown, "(d) mrs actlr_el1: ESR_EL1.EC (want 0x00)");
  expect((seen.esr & kEsrIl) != 0, "(d) mrs actlr_el1: ESR_EL1.IL is 0 for a 32-bit instruction");
  expect_eq(seen.elr, pc, "(d) mrs actlr_el1: ELR_EL1 (the faulting instruction)");
}

}  // namespace

void guest_main(std::uint64_t) {
  set_sync_handler(record_and_skip);
  counting = expect(
      exit_count(abi::ExitKind::kUnhandled) != static_cast<std::uint64_t>(abi::kNotSupported),
      "kExitCount answered NOT_SUPPORTED: exits are not counted");
  load_from_nowhere();
  load_pair_from_device();
  store_to_nowhere();
  read_actlr();
  store_doubleword_to_uart();
  load_doubleword_from_uart();
  set_sync_handler(nullptr);
  report();
}
