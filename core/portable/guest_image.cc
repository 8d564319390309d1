#include "core/portable/guest_image.h"

namespace el2lab::image {
namespace {

std::uint64_t load_le(std::span<const std::uint8_t> b, std::size_t offset, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{b[offset + i]} << (8 * i);
  return v;
}

// arm64 Image header (Linux Documentation/arch/arm64/booting): fields we use.
constexpr std::size_t kImageTextOffset = 8;
constexpr std::size_t kImageSize = 16;
constexpr std::size_t kImageMagicOffset = 56;
constexpr std::uint32_t kImageMagic = 0x644d5241;  // "ARM\x64"
constexpr std::size_t kImageHeaderSize = 64;
constexpr std::uint64_t kDefaultTextOffset = 0x80000;

// ELF64 header and program header offsets.
constexpr std::size_t kElfHeaderSize = 64;
constexpr std::size_t kEiClass = 4, kEiData = 5;
constexpr std::size_t kEType = 16, kEMachine = 18, kEEntry = 24, kEPhoff = 32;
constexpr std::size_t kEPhentsize = 54, kEPhnum = 56;
constexpr std::size_t kPhdrSize = 56;
constexpr std::size_t kPType = 0, kPOffset = 8, kPPaddr = 24, kPFilesz = 32, kPMemsz = 40;
constexpr std::uint64_t kElfClass64 = 2, kElfDataLittle = 1, kElfTypeExec = 2;
constexpr std::uint64_t kElfMachineAarch64 = 183, kPtLoad = 1;

bool is_elf(std::span<const std::uint8_t> f) {
  return f.size() >= 4 && f[0] == 0x7f && f[1] == 'E' && f[2] == 'L' && f[3] == 'F';
}

// [address, address + size) inside [base, base + limit), with no overflow anywhere.
bool inside(std::uint64_t address, std::uint64_t size, std::uint64_t base, std::uint64_t limit) {
  return address >= base && address - base <= limit && size <= limit - (address - base);
}

std::optional<LoadPlan> fail(Error* error, Error e) {
  if (error != nullptr) *error = e;
  return std::nullopt;
}

std::optional<LoadPlan> plan_elf(std::span<const std::uint8_t> f, std::uint64_t ram_base,
                                 std::uint64_t ram_size, Error* error) {
  if (f.size() < kElfHeaderSize || f[kEiClass] != kElfClass64 || f[kEiData] != kElfDataLittle ||
      load_le(f, kEType, 2) != kElfTypeExec || load_le(f, kEMachine, 2) != kElfMachineAarch64) {
    return fail(error, Error::kNotElf64Aarch64);
  }
  const std::uint64_t phoff = load_le(f, kEPhoff, 8);
  const std::uint64_t phentsize = load_le(f, kEPhentsize, 2);
  const std::uint64_t phnum = load_le(f, kEPhnum, 2);
  if (phentsize < kPhdrSize || !inside(phoff, phentsize * phnum, 0, f.size())) {
    return fail(error, Error::kBadProgramHeaders);
  }
  LoadPlan plan;
  plan.kind = Kind::kElf;
  plan.entry = load_le(f, kEEntry, 8);
  bool entry_loaded = false;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::size_t ph = phoff + i * phentsize;
    if (load_le(f, ph + kPType, 4) != kPtLoad) continue;
    Segment s{load_le(f, ph + kPOffset, 8), load_le(f, ph + kPFilesz, 8),
              load_le(f, ph + kPPaddr, 8), load_le(f, ph + kPMemsz, 8)};
    if (s.mem_size < s.file_size || !inside(s.file_offset, s.file_size, 0, f.size())) {
      return fail(error, Error::kBadProgramHeaders);
    }
    if (s.mem_size == 0) continue;
    if (!inside(s.address, s.mem_size, ram_base, ram_size))
      return fail(error, Error::kOutsideGuestRam);
    if (plan.segment_count == LoadPlan::kMaxSegments) return fail(error, Error::kTooManySegments);
    plan.segments[plan.segment_count++] = s;
    if (plan.entry >= s.address && plan.entry - s.address < s.mem_size) entry_loaded = true;
    if (s.address + s.mem_size > plan.end) plan.end = s.address + s.mem_size;
  }
  if (!entry_loaded) return fail(error, Error::kEntryNotLoaded);
  return plan;
}

std::optional<LoadPlan> plan_flat(std::span<const std::uint8_t> f, std::uint64_t ram_base,
                                  std::uint64_t ram_size, Error* error) {
  LoadPlan plan;
  std::uint64_t text_offset = kDefaultTextOffset;
  std::uint64_t mem_size = f.size();
  if (f.size() >= kImageHeaderSize && load_le(f, kImageMagicOffset, 4) == kImageMagic) {
    plan.kind = Kind::kArm64Image;
    // The boot protocol: text_offset is meaningful only when image_size is non-zero.
    const std::uint64_t image_size = load_le(f, kImageSize, 8);
    if (image_size != 0) {
      text_offset = load_le(f, kImageTextOffset, 8);
      if (image_size > mem_size) mem_size = image_size;
    }
  } else {
    plan.kind = Kind::kRawBinary;
  }
  if (text_offset > ram_size) return fail(error, Error::kOutsideGuestRam);
  Segment s{0, f.size(), ram_base + text_offset, mem_size};
  if (!inside(s.address, s.mem_size, ram_base, ram_size))
    return fail(error, Error::kOutsideGuestRam);
  plan.segments[0] = s;
  plan.segment_count = 1;
  plan.entry = s.address;
  plan.end = s.address + s.mem_size;
  return plan;
}

}  // namespace

std::string_view error_name(Error error) {
  switch (error) {
    case Error::kNone: return "accepted";
    case Error::kEmpty: return "the image is empty";
    case Error::kNotElf64Aarch64:
      return "ELF file is not a 64-bit little-endian AArch64 executable";
    case Error::kBadProgramHeaders: return "ELF program headers are malformed";
    case Error::kTooManySegments: return "ELF has too many loadable segments";
    case Error::kOutsideGuestRam: return "the image does not fit in guest RAM";
    case Error::kEntryNotLoaded: return "the entry point is outside every loaded segment";
  }
  return "unknown error";
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kElf: return "ELF";
    case Kind::kArm64Image: return "arm64 Image";
    case Kind::kRawBinary: return "raw binary";
  }
  return "unknown";
}

std::optional<LoadPlan> plan_load(std::span<const std::uint8_t> file, std::uint64_t ram_base,
                                  std::uint64_t ram_size, Error* error) {
  if (file.empty()) return fail(error, Error::kEmpty);
  auto plan = is_elf(file) ? plan_elf(file, ram_base, ram_size, error)
                           : plan_flat(file, ram_base, ram_size, error);
  if (plan && error != nullptr) *error = Error::kNone;
  return plan;
}

}  // namespace el2lab::image
