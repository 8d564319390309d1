// hvc — the hypercall exit: HVC #0 with an SMCCC function ID in x0.
//
// Checks that el2lab's kNop answers 0, that an unknown vendor call answers NOT_SUPPORTED (-1),
// that every HVC is counted as exactly one kHypercall exit, and that a hypercall leaves the
// registers SMCCC 1.1 says it must preserve (x4–x30) alone; and that the calls made after the
// log limit, which the vCPU answers by itself rather than the run loop, are answered the same.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "hvc";

/// probe.S: x1–x30 hold hvc_pattern(n) during an HVC with x0 = \p function; \p after
/// receives x0–x30 as the call left them.
extern "C" void hvc_register_probe(std::uint64_t function, std::uint64_t after[31]);

namespace {

constexpr auto kNop = static_cast<std::uint64_t>(abi::Hypercall::kNop);
constexpr std::uint64_t kUnknownVendorCall = 0xC600'0777;
constexpr auto kNotSupported = static_cast<std::uint64_t>(abi::kNotSupported);

/// The value probe.S puts in xn (HVC_PATTERN there).
constexpr std::uint64_t hvc_pattern(unsigned n) {
  return 0x5a5a'0000'0000'0000 + n * 0x0000'0100'0000'0101;
}

void check_results() {
  expect_eq(hvc(kNop), 0, "kNop result");
  expect_eq(hvc(kNop, 1, 2, 3), 0, "kNop with arguments, result");
  expect_eq(hvc(kUnknownVendorCall), kNotSupported, "unknown vendor call 0xC6000777 result");
  // A vendor call in the SMC32 range (bit 30 clear) is just as unknown.
  expect_eq(hvc(0x8600'0777), kNotSupported, "unknown vendor call 0x86000777 result");
}

void check_counting() {
  // The count query is a hypercall too: each query sees the ones made before it, not itself.
  const std::uint64_t c0 = exit_count(abi::ExitKind::kHypercall);
  if (!expect(c0 != kNotSupported, "kExitCount answered NOT_SUPPORTED: exits are not counted")) {
    return;
  }
  const std::uint64_t c1 = exit_count(abi::ExitKind::kHypercall);
  hvc(kNop);
  const std::uint64_t c2 = exit_count(abi::ExitKind::kHypercall);
  constexpr int kMany = 25;
  for (int i = 0; i < kMany; ++i) hvc(kNop);
  hvc(kUnknownVendorCall);  // refused, but still an exit
  const std::uint64_t c3 = exit_count(abi::ExitKind::kHypercall);
  expect_eq(c1 - c0, 1, "kHypercall count across one kExitCount query");
  expect_eq(c2 - c1, 2, "kHypercall count across one kNop and one query");
  expect_eq(c3 - c2, kMany + 2, "kHypercall count across 25 kNop, one unknown call, one query");
  // Hypercalls are not MMIO or system register exits.
  const std::uint64_t mmio = exit_count(abi::ExitKind::kMmioRead);
  for (int i = 0; i < 5; ++i) hvc(kNop);
  expect_eq(exit_count(abi::ExitKind::kMmioRead) - mmio, 0, "kMmioRead count across 5 kNop");
}

void check_registers(std::uint64_t function, std::uint64_t result, std::string_view what) {
  std::uint64_t after[31] = {};
  hvc_register_probe(function, after);
  fmt::Buffer<80> x0;
  fmt::write(x0, "x0 after ", what);
  expect_eq(after[0], result, x0.view());
  // SMCCC 1.1+: x0–x3 carry results (x0 is checked above); x4–x17 must be preserved, and
  // x18–x30 always are.
  for (unsigned n = 4; n <= 30; ++n) {
    fmt::Buffer<80> name;
    fmt::write(name, "x", n, " after ", what);
    if (!expect_eq(after[n], hvc_pattern(n), name.view())) return;
  }
  println("hvc: x4..x30 intact after ", what, "; x1..x3 now ", fmt::Hex{after[1]}, " ",
          fmt::Hex{after[2]}, " ", fmt::Hex{after[3]});
}

// Each call the vCPU may answer by itself, made 20 times after the checks above: by then this
// vCPU is past el2lab's log limit (12 exits of a kind), so the vCPU answers them, not the run
// loop that answered the first calls. The answers are PSCI's and the guest ABI's, as the psci
// guest gets them from the run loop (and from bare QEMU's own PSCI).
void check_answers_past_the_log_limit() {
  struct Call {
    std::uint64_t function, x1, answer;
    const char* what;
  };
  const Call calls[] = {
      {0x8400'0000, 0, 0x1'0001, "PSCI_VERSION"},
      {0x8400'000a, 0xc400'0003, 0, "PSCI_FEATURES(CPU_ON)"},
      {0x8400'000a, 0xc400'0001, kNotSupported, "PSCI_FEATURES(CPU_SUSPEND)"},
      {0x8400'0006, 0, 2, "MIGRATE_INFO_TYPE"},
      {0x8400'0015, 0, kNotSupported, "an unimplemented PSCI function"},
      {kNop, 0, 0, "kNop"},
      {kUnknownVendorCall, 0, kNotSupported, "an unknown vendor call"},
  };
  for (int i = 0; i < 20; ++i) {
    for (const Call& c : calls) {
      fmt::Buffer<80> what;
      fmt::write(what, c.what, ", call ", i + 1, " of 20");
      if (!expect_eq(hvc(c.function, c.x1), c.answer, what.view())) return;
    }
  }
  // kExitCount, answered both ways, still leaves out the query itself.
  for (int i = 0; i < 20; ++i) {
    const std::uint64_t before = exit_count(abi::ExitKind::kHypercall);
    hvc(kNop);
    if (!expect_eq(exit_count(abi::ExitKind::kHypercall) - before, 2,
                   "kHypercall count across one kNop and one query, past the log limit")) {
      return;
    }
  }
}

}  // namespace

void guest_main(std::uint64_t) {
  check_results();
  check_counting();
  check_registers(kNop, 0, "kNop");
  check_registers(kUnknownVendorCall, kNotSupported, "an unknown call");
  check_answers_past_the_log_limit();
  report();
}
