// mmio — the MmioRead and MmioWrite exits, through el2lab's test device (abi::test_device).
//
// Nothing backs the test device: every load and store below traps to the hypervisor, which
// decodes the syndrome (address, width, register, sign extension) and emulates the access.
// The guest checks every part of that decoding: all four widths, byte order, sign and zero
// extension into X and W registers, the zero register as source and destination, read-only
// and unlisted registers, and that each access is counted as exactly one exit.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;
namespace dev = el2lab::abi::test_device;

const char el2lab::guest::kGuestName[] = "mmio";

namespace {

constexpr std::uint64_t kScratch = dev::kBase + dev::kScratch;
constexpr std::uint64_t kPattern = dev::kBase + dev::kPattern;

// ---- accesses, counted ----------------------------------------------------------------------
// Every access the guest makes goes through these, so a section knows how many exits of each
// kind it must have caused.

std::uint64_t reads = 0;
std::uint64_t writes = 0;
bool counting = false;  // the hypervisor answers kExitCount
constexpr auto kNotCounted = static_cast<std::uint64_t>(abi::kNotSupported);

template <typename T>
T read(std::uint64_t address) {
  ++reads;
  return mmio_read<T>(address);
}

template <typename T>
void write(std::uint64_t address, T value) {
  ++writes;
  mmio_write<T>(address, value);
}

/// One load instruction `insn` (its operands: %0 destination, %1 address) with the destination
/// preloaded with `before`, so the result shows which bits the emulated load wrote.
#define LOAD(insn, address, before)                                                            \
  [&] {                                                                                        \
    ++reads;                                                                                   \
    std::uint64_t value;                                                                       \
    asm volatile("mov %0, %2\n\t" insn : "=&r"(value) : "r"(address), "r"(before) : "memory"); \
    return value;                                                                              \
  }()

/// Runs \p body, which makes device accesses through the counted helpers (and prints nothing,
/// in case the hypervisor emulates the UART too), and checks that the hypervisor counted
/// exactly that many kMmioRead and kMmioWrite exits.
template <typename Body>
void section(std::string_view name, Body body) {
  const std::uint64_t reads_before = exit_count(abi::ExitKind::kMmioRead);
  const std::uint64_t writes_before = exit_count(abi::ExitKind::kMmioWrite);
  reads = writes = 0;
  body();
  const std::uint64_t read_exits = exit_count(abi::ExitKind::kMmioRead) - reads_before;
  const std::uint64_t write_exits = exit_count(abi::ExitKind::kMmioWrite) - writes_before;
  if (counting) {
    fmt::Buffer<80> what;
    fmt::write(what, name, ": kMmioRead exits");
    expect_eq(read_exits, reads, what.view());
    what.clear();
    fmt::write(what, name, ": kMmioWrite exits");
    expect_eq(write_exits, writes, what.view());
  }
  println("mmio: ", name, ": ", reads, " reads, ", writes, " writes");
}

/// "<what> at +0x<offset>", written into \p out, for check messages.
std::string_view at(fmt::Buffer<80>& out, std::string_view what, std::uint64_t offset) {
  out.clear();
  fmt::write(out, what, " at +", fmt::Hex{offset});
  return out.view();
}

/// A data abort on a device access means the hypervisor did not emulate it: a failed check,
/// after which the guest goes on with the next instruction.
bool abort_is_a_failure(ExceptionInfo& info) {
  if (info.ec() != 0x25) return false;
  fmt::Buffer<120> what;
  fmt::write(what, "data abort (ESR ", fmt::Hex{info.esr}, ") on the access to ",
             fmt::Hex{info.far}, " at PC ", fmt::Hex{info.elr()}, ": not emulated?");
  expect(false, what.view());
  info.resume_after_instruction();
  return true;
}

// ---- the checks -----------------------------------------------------------------------------

void identification() {
  expect_eq(read<std::uint32_t>(dev::kBase + dev::kId), dev::kIdValue, "ID register (32-bit)");
  expect_eq(read<std::uint64_t>(kPattern), dev::kPatternValue, "pattern register (64-bit)");
  // Read-only registers ignore writes.
  write<std::uint32_t>(dev::kBase + dev::kId, 0x1234'5678);
  expect_eq(read<std::uint32_t>(dev::kBase + dev::kId), dev::kIdValue, "ID after a write");
  write<std::uint64_t>(kPattern, 0);
  expect_eq(read<std::uint64_t>(kPattern), dev::kPatternValue, "pattern after a write");
  // Offsets the device does not list read as zero, at any width, and ignore writes. (Accesses
  // must be naturally aligned, so the 32-bit hole after the ID gets 32-bit accesses only.)
  write<std::uint32_t>(dev::kBase + 0x104, ~0u);
  expect_eq(read<std::uint32_t>(dev::kBase + 0x104), 0, "unlisted, 32-bit at +0x104");
  expect_eq(read<std::uint16_t>(dev::kBase + 0x106), 0, "unlisted, 16-bit at +0x106");
  fmt::Buffer<80> what;
  for (std::uint64_t offset : {0x110ull, 0x200ull, 0x800ull, 0xff8ull}) {
    write<std::uint64_t>(dev::kBase + offset, ~0ull);
    expect_eq(read<std::uint64_t>(dev::kBase + offset), 0, at(what, "unlisted, 64-bit", offset));
    expect_eq(read<std::uint32_t>(dev::kBase + offset), 0, at(what, "unlisted, 32-bit", offset));
    expect_eq(read<std::uint8_t>(dev::kBase + offset + 3), 0, at(what, "unlisted, 8-bit", offset));
  }
}

template <typename T>
void scratch_round_trip(std::uint64_t offset, std::uint64_t seed) {
  const auto value = static_cast<T>(0x8877'6655'4433'2211ull * (2 * seed + 1));  // never 0
  write<T>(kScratch + offset, value);
  fmt::Buffer<80> what;
  fmt::Buffer<40> kind;
  fmt::write(kind, sizeof(T) * 8, "-bit scratch round trip");
  expect_eq(read<T>(kScratch + offset), value, at(what, kind.view(), offset));
}

void scratch_widths() {
  // Each width at the start, the end and in the middle of the scratch area.
  constexpr std::uint64_t kEnd = dev::kScratchSize;
  constexpr std::uint64_t kBytes[] = {0, 1, 0x37, kEnd - 1};
  constexpr std::uint64_t kHalves[] = {0, 2, 0x3a, kEnd - 2};
  constexpr std::uint64_t kWords[] = {0, 4, 0x54, kEnd - 4};
  constexpr std::uint64_t kDoubles[] = {0, 8, 0x68, kEnd - 8};
  for (std::uint64_t offset : kBytes) scratch_round_trip<std::uint8_t>(offset, offset + 1);
  for (std::uint64_t offset : kHalves) scratch_round_trip<std::uint16_t>(offset, offset + 3);
  for (std::uint64_t offset : kWords) scratch_round_trip<std::uint32_t>(offset, offset + 5);
  for (std::uint64_t offset : kDoubles) scratch_round_trip<std::uint64_t>(offset, offset + 7);

  // The scratch area is memory: 32 different values in 32 places, all still there afterwards.
  auto slot_value = [](std::uint64_t offset) {
    return 0x5c00'0000'0000'0000 | offset << 24 | offset;
  };
  for (std::uint64_t offset = 0; offset < kEnd; offset += 8) {
    write<std::uint64_t>(kScratch + offset, slot_value(offset));
  }
  fmt::Buffer<80> what;
  for (std::uint64_t offset = 0; offset < kEnd; offset += 8) {
    if (!expect_eq(read<std::uint64_t>(kScratch + offset), slot_value(offset),
                   at(what, "scratch slot, after filling all 32", offset))) {
      break;
    }
  }
}

void byte_lanes() {
  // A 64-bit store, read back in pieces: little-endian, so byte 0 is the lowest.
  constexpr std::uint64_t kAt = kScratch + 0x80;
  write<std::uint64_t>(kAt, 0x0807'0605'0403'0201);
  fmt::Buffer<80> what;
  for (std::uint64_t i = 0; i < 8; ++i) {
    expect_eq(read<std::uint8_t>(kAt + i), i + 1,
              at(what, "byte lane of a 64-bit store", 0x80 + i));
  }
  for (std::uint64_t i = 0; i < 8; i += 2) {
    const std::uint64_t want = ((i + 2) << 8) | (i + 1);
    expect_eq(read<std::uint16_t>(kAt + i), want, at(what, "16-bit lane", 0x80 + i));
  }
  expect_eq(read<std::uint32_t>(kAt), 0x0403'0201, "low 32-bit lane at +0x80");
  expect_eq(read<std::uint32_t>(kAt + 4), 0x0807'0605, "high 32-bit lane at +0x84");

  // Byte stores assembled into a 64-bit load; a narrow store leaves its neighbours alone.
  constexpr std::uint64_t kAt2 = kScratch + 0x90;
  for (std::uint64_t i = 0; i < 8; ++i) write<std::uint8_t>(kAt2 + i, (i + 1) * 0x11);
  expect_eq(read<std::uint64_t>(kAt2), 0x8877'6655'4433'2211, "64-bit load of 8 byte stores");
  write<std::uint16_t>(kAt2 + 2, 0xbeef);
  expect_eq(read<std::uint64_t>(kAt2), 0x8877'6655'beef'2211, "64-bit load after a 16-bit store");
  write<std::uint32_t>(kAt2 + 4, 0xcafe'f00d);
  expect_eq(read<std::uint64_t>(kAt2), 0xcafe'f00d'beef'2211, "64-bit load after a 32-bit store");
}

/// Byte \p i (0–7) of the pattern register, and its halfwords and words.
constexpr std::uint64_t pattern_bits(unsigned byte, unsigned bits) {
  const std::uint64_t v = dev::kPatternValue >> (byte * 8);
  return bits == 64 ? v : v & ((1ull << bits) - 1);
}
/// \p value of \p bits bits, sign-extended to 64 bits.
constexpr std::uint64_t sext64(std::uint64_t value, unsigned bits) {
  const std::uint64_t sign = 1ull << (bits - 1);
  return (value ^ sign) - sign;
}
/// The same, sign-extended to 32 bits: what lands in a W register (whose upper half is zeroed).
constexpr std::uint64_t sext32(std::uint64_t value, unsigned bits) {
  return sext64(value, bits) & 0xffff'ffff;
}
static_assert(sext64(pattern_bits(0, 8), 8) == 0xffff'ffff'ffff'ff88);
static_assert(sext32(pattern_bits(0, 8), 8) == 0x0000'0000'ffff'ff88);

void extension() {
  // Before each load the destination holds `before`: 0 for loads that must set the upper bits,
  // all ones for loads that must clear them, so a load that leaves them alone is caught.
  constexpr std::uint64_t kZero = 0;
  constexpr std::uint64_t kOnes = ~0ull;
  fmt::Buffer<80> what;
  for (unsigned i = 0; i < 8; ++i) {
    const std::uint64_t a = kPattern + i;
    const std::uint64_t b = pattern_bits(i, 8);
    expect_eq(LOAD("ldrsb %0, [%1]", a, kZero), sext64(b, 8), at(what, "ldrsb x", 0x108 + i));
    expect_eq(LOAD("ldrsb %w0, [%1]", a, kOnes), sext32(b, 8), at(what, "ldrsb w", 0x108 + i));
    expect_eq(LOAD("ldrb %w0, [%1]", a, kOnes), b, at(what, "ldrb w", 0x108 + i));
  }
  for (unsigned i = 0; i < 8; i += 2) {
    const std::uint64_t a = kPattern + i;
    const std::uint64_t h = pattern_bits(i, 16);
    expect_eq(LOAD("ldrsh %0, [%1]", a, kZero), sext64(h, 16), at(what, "ldrsh x", 0x108 + i));
    expect_eq(LOAD("ldrsh %w0, [%1]", a, kOnes), sext32(h, 16), at(what, "ldrsh w", 0x108 + i));
    expect_eq(LOAD("ldrh %w0, [%1]", a, kOnes), h, at(what, "ldrh w", 0x108 + i));
  }
  for (unsigned i = 0; i < 8; i += 4) {
    const std::uint64_t a = kPattern + i;
    const std::uint64_t w = pattern_bits(i, 32);
    expect_eq(LOAD("ldrsw %0, [%1]", a, kZero), sext64(w, 32), at(what, "ldrsw x", 0x108 + i));
    expect_eq(LOAD("ldr %w0, [%1]", a, kOnes), w, at(what, "ldr w", 0x108 + i));
  }
  expect_eq(LOAD("ldr %0, [%1]", kPattern, kZero), dev::kPatternValue, "ldr x at +0x108");
  // The ID register into W and X: a 32-bit load clears the upper half either way.
  expect_eq(LOAD("ldr %w0, [%1]", dev::kBase + dev::kId, kOnes), dev::kIdValue, "ldr w of ID");
  expect_eq(LOAD("ldrsw %0, [%1]", dev::kBase + dev::kId, kOnes), dev::kIdValue, "ldrsw x of ID");
}

void zero_register() {
  // Register 31 in a load or store is the zero register, never SP.
  constexpr std::uint64_t kAt = kScratch + 0xa0;
  write<std::uint64_t>(kAt, ~0ull);
  ++writes;
  asm volatile("str xzr, [%0]" ::"r"(kAt) : "memory");
  expect_eq(read<std::uint64_t>(kAt), 0, "str xzr");
  write<std::uint64_t>(kAt + 8, ~0ull);
  ++writes;
  asm volatile("str wzr, [%0]" ::"r"(kAt + 8) : "memory");
  expect_eq(read<std::uint64_t>(kAt + 8), 0xffff'ffff'0000'0000, "str wzr, then a 64-bit load");
  ++writes;
  asm volatile("strh wzr, [%0]" ::"r"(kAt + 12) : "memory");
  expect_eq(read<std::uint64_t>(kAt + 8), 0xffff'0000'0000'0000, "strh wzr, then a 64-bit load");

  // A load into the zero register discards the value; SP and SP_EL0 must not change.
  constexpr std::uint64_t kSpEl0 = 0x5350'5f45'4c30'0000;  // "SP_EL0"
  std::uint64_t sp_before, sp_after, sp_el0_after;
  reads += 2;
  asm volatile(
      "msr sp_el0, %3\n\t"
      "mov %0, sp\n\t"
      "ldr xzr, [%4]\n\t"
      "ldr wzr, [%5]\n\t"
      "mov %1, sp\n\t"
      "mrs %2, sp_el0"
      : "=&r"(sp_before), "=&r"(sp_after), "=&r"(sp_el0_after)
      : "r"(kSpEl0), "r"(kPattern), "r"(dev::kBase + dev::kId)
      : "memory");
  expect_eq(sp_after, sp_before, "SP after loads into xzr/wzr");
  expect_eq(sp_el0_after, kSpEl0, "SP_EL0 after loads into xzr/wzr");
}

}  // namespace

void guest_main(std::uint64_t) {
  println("mmio: test device at ", fmt::Hex{dev::kBase});
  counting = expect(exit_count(abi::ExitKind::kMmioRead) != kNotCounted,
                    "kExitCount answered NOT_SUPPORTED: exits are not counted");
  set_sync_handler(abort_is_a_failure);
  // The ID first: if the device does not answer at all, the other checks would only say so
  // again, a hundred times.
  const std::uint32_t id = mmio_read<std::uint32_t>(dev::kBase + dev::kId);
  if (!expect_eq(id, dev::kIdValue, "ID register: is the test device emulated?")) {
    report();
    return;
  }
  section("identification", identification);
  section("scratch widths", scratch_widths);
  section("byte lanes", byte_lanes);
  section("sign and zero extension", extension);
  section("zero register", zero_register);
  report();
}
