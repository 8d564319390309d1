// regs — register integrity: a guest must not be able to tell that it was interrupted.
//
// Every exit saves the guest's registers at EL2 and loads them back on the way in; a single
// register lost, swapped or half-restored would corrupt a real guest at random. 200 times,
// round.S fills x0–x30, v0–v31 (both halves), SP_EL0 and the NZCV flags with patterns derived
// from the round number, takes one trap of a different kind each round (hypercall, MMIO read
// into various registers, MMIO write, trapped system register read and write, WFI), and
// photographs every register right after. This file computes what each register must hold and
// names the first one that does not.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;
namespace dev = el2lab::abi::test_device;

const char el2lab::guest::kGuestName[] = "regs";

/// The registers as round.S found them right after the trap (layout shared with round.S).
struct alignas(16) RegsSnapshot {
  std::uint64_t x[31];        ///< x0–x30.
  std::uint64_t sp;           ///< SP (SP_EL1: the guest runs in EL1h).
  std::uint64_t sp_expected;  ///< SP before the fill.
  std::uint64_t sp_el0;       ///< SP_EL0.
  std::uint64_t nzcv;         ///< The condition flags, as MRS NZCV reads them.
  std::uint64_t pad;          ///< Keeps v 16-byte aligned.
  std::uint64_t v[64];        ///< v0–v31: low half, high half.
};
static_assert(sizeof(RegsSnapshot) == 288 + 512);

extern "C" void regs_round(std::uint64_t seed, std::uint64_t kind, std::uint64_t x0_value,
                           RegsSnapshot* out);

namespace {

/// The trapping instruction of a round, in the order of round.S's table of arms.
enum class Kind : std::uint64_t {
  kHvc,               ///< hvc #0 with x0 = kNop
  kMmioReadX0,        ///< ldr w0, [x0]: the ID register into the address register
  kMmioReadX17,       ///< ldr w17, [x0]
  kMmioReadX30,       ///< ldr w30, [x0]
  kMmioReadXzr,       ///< ldr wzr, [x0]: the value goes nowhere
  kMmioWriteX29,      ///< str x29, [x0]: to a scratch register
  kMmioReadSignedX9,  ///< ldrsh x9, [x0]: from the pattern register
  kSysRegReadX0,      ///< mrs x0, id_aa64mmfr0_el1
  kSysRegReadX21,     ///< mrs x21, id_aa64pfr0_el1
  kSysRegWrite,       ///< msr sctlr_el1, x0 with SCTLR_EL1's own value
  kWfi,               ///< wfi
  kCount,
};

constexpr std::string_view kKindNames[] = {"hvc kNop",
                                           "MMIO read into w0",
                                           "MMIO read into w17",
                                           "MMIO read into w30",
                                           "MMIO read into wzr",
                                           "MMIO write from x29",
                                           "MMIO ldrsh into x9",
                                           "mrs x0, ID_AA64MMFR0",
                                           "mrs x21, ID_AA64PFR0",
                                           "msr SCTLR_EL1",
                                           "wfi"};
static_assert(std::size(kKindNames) == static_cast<std::size_t>(Kind::kCount));

constexpr std::uint64_t kMix = 0x9e37'79b9'7f4a'7c15;
constexpr std::uint64_t kStep = 0x0001'0001'0001'0001;  // + n in each 16-bit lane
constexpr std::uint64_t kScratchSlot = dev::kBase + dev::kScratch + 0x20;

/// Pattern \p n of the round with \p seed (round.S: seed * MIX + n * STEP).
constexpr std::uint64_t pattern(std::uint64_t seed, unsigned n) {
  return seed * kMix + n * kStep;
}

/// Values the trapped instructions must produce, read once before the rounds.
struct Reference {
  std::uint64_t mmfr0 = 0;
  std::uint64_t pfr0 = 0;
  std::uint64_t sctlr = 0;
};

/// What x0 holds when the trap happens.
std::uint64_t x0_for(Kind kind, const Reference& ref, std::uint64_t seed) {
  switch (kind) {
    case Kind::kHvc: return static_cast<std::uint64_t>(abi::Hypercall::kNop);
    case Kind::kMmioReadX0:
    case Kind::kMmioReadX17:
    case Kind::kMmioReadX30:
    case Kind::kMmioReadXzr: return dev::kBase + dev::kId;
    case Kind::kMmioWriteX29: return kScratchSlot;
    case Kind::kMmioReadSignedX9: return dev::kBase + dev::kPattern;
    case Kind::kSysRegWrite: return ref.sctlr;
    default: return pattern(seed, 0);
  }
}

/// Everything the snapshot must hold after a round.
struct Expected {
  RegsSnapshot regs{};
  bool check_x1_to_x3 = true;  ///< SMCCC lets a hypercall return results in x1–x3.
};

Expected expected_for(Kind kind, const Reference& ref, std::uint64_t seed) {
  Expected e;
  for (unsigned n = 0; n < 31; ++n) e.regs.x[n] = pattern(seed, n);
  for (unsigned n = 0; n < 64; ++n) e.regs.v[n] = pattern(seed, 32 + n);
  e.regs.sp_el0 = pattern(seed, 96);
  e.regs.nzcv = (pattern(seed, 0) >> 60) << 28;
  e.regs.x[0] = x0_for(kind, ref, seed);
  switch (kind) {
    case Kind::kHvc:
      e.regs.x[0] = 0;  // kNop's result
      e.check_x1_to_x3 = false;
      break;
    case Kind::kMmioReadX0: e.regs.x[0] = dev::kIdValue; break;
    case Kind::kMmioReadX17: e.regs.x[17] = dev::kIdValue; break;
    case Kind::kMmioReadX30: e.regs.x[30] = dev::kIdValue; break;
    case Kind::kMmioReadSignedX9: e.regs.x[9] = 0xffff'ffff'ffff'8988; break;
    case Kind::kSysRegReadX0: e.regs.x[0] = ref.mmfr0; break;
    case Kind::kSysRegReadX21: e.regs.x[21] = ref.pfr0; break;
    default: break;
  }
  return e;
}

/// Compares one register; on a mismatch records a failure naming the register and the round.
bool same(std::uint64_t got, std::uint64_t want, std::string_view name, unsigned index,
          std::string_view half, unsigned round, Kind kind) {
  if (got == want) return true;
  fmt::Buffer<160> what;
  fmt::write(what, name);
  if (index != ~0u) fmt::write(what, index);
  fmt::write(what, half, " after ", kKindNames[static_cast<unsigned>(kind)], " (round ", round,
             ")");
  return expect_eq(got, want, what.view());
}

/// Checks a whole snapshot; stops at the first wrong register.
bool check_round(const RegsSnapshot& got, const Expected& e, unsigned round, Kind kind) {
  constexpr unsigned kNone = ~0u;
  for (unsigned n = 0; n < 31; ++n) {
    if (n >= 1 && n <= 3 && !e.check_x1_to_x3) continue;
    if (!same(got.x[n], e.regs.x[n], "x", n, "", round, kind)) return false;
  }
  if (!same(got.sp, got.sp_expected, "sp", kNone, "", round, kind)) return false;
  if (!same(got.sp_el0, e.regs.sp_el0, "sp_el0", kNone, "", round, kind)) return false;
  if (!same(got.nzcv, e.regs.nzcv, "nzcv", kNone, "", round, kind)) return false;
  for (unsigned k = 0; k < 32; ++k) {
    const std::size_t low = std::size_t{2} * k, high = low + 1;  // the two halves of v<k>
    if (!same(got.v[low], e.regs.v[low], "v", k, " (low half)", round, kind)) return false;
    if (!same(got.v[high], e.regs.v[high], "v", k, " (high half)", round, kind)) {
      return false;
    }
  }
  return true;
}

/// An exception in the middle of a round (the hypervisor refused a trap) would leave the
/// registers in disarray; say which instruction it was before the runtime reports it.
bool explain(ExceptionInfo& info) {
  println("regs: exception ESR ", fmt::Hex{info.esr}, " at PC ", fmt::Hex{info.elr()},
          " during a round: the trap was not emulated");
  return false;
}

}  // namespace

void guest_main(std::uint64_t) {
  // Let EL1 use FP/SIMD without trapping (CPACR_EL1.FPEN = 0b11): round.S fills v0–v31.
  std::uint64_t cpacr;
  asm volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
  asm volatile("msr cpacr_el1, %0\n\tisb" ::"r"(cpacr | (3u << 20)) : "memory");
  // WFI must come back because the hypervisor traps it, not because an interrupt arrived.
  asm volatile("msr daifset, #0xf" ::: "memory");
  set_sync_handler(explain);

  Reference ref;
  asm volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(ref.mmfr0));
  asm volatile("mrs %0, id_aa64pfr0_el1" : "=r"(ref.pfr0));
  asm volatile("mrs %0, sctlr_el1" : "=r"(ref.sctlr));

  constexpr unsigned kRounds = 200;
  constexpr auto kKinds = static_cast<unsigned>(Kind::kCount);
  unsigned rounds_of[kKinds] = {};
  for (unsigned round = 0; round < kRounds; ++round) {
    const auto kind = static_cast<Kind>(round % kKinds);
    const std::uint64_t seed = round + 1;
    RegsSnapshot got{};
    regs_round(seed, static_cast<std::uint64_t>(kind), x0_for(kind, ref, seed), &got);
    if (!check_round(got, expected_for(kind, ref, seed), round, kind)) break;
    if (kind == Kind::kMmioWriteX29) {
      fmt::Buffer<80> what;
      fmt::write(what, "test device scratch after str x29 (round ", round, ")");
      if (!expect_eq(mmio_read<std::uint64_t>(kScratchSlot), pattern(seed, 29), what.view())) {
        break;
      }
    }
    ++rounds_of[static_cast<unsigned>(kind)];
  }
  if (all_passed()) {
    println("regs: ", kRounds, " rounds, every register intact; rounds per trap:");
    for (unsigned k = 0; k < kKinds; ++k) println("regs:   ", kKindNames[k], ": ", rounds_of[k]);
  }
  report();
}
