#pragma once
/// \file
/// \brief Working out how to load a guest image: ELF, arm64 Image, or raw binary.
///
/// The guest arrives as QEMU's initrd, an untrusted blob. This code only *reads* it and
/// produces a LoadPlan — which bytes go to which guest physical addresses — after checking
/// that every byte lands inside guest RAM. Copying is left to the EL2 code, so everything
/// here is host-testable.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace el2lab::image {

/// \defgroup guest_image Guest images
/// \brief Recognising and placing the guest's kernel image.
/// \{

/// The formats a guest image may have.
enum class Kind : std::uint8_t {
  kElf,         ///< ELF64 AArch64 executable: segments at their physical addresses.
  kArm64Image,  ///< Linux arm64 Image: loaded at RAM base + text_offset.
  kRawBinary,   ///< No header: loaded like an Image with text_offset 0x80000.
};

/// Why an image was refused.
enum class Error : std::uint8_t {
  kNone,               ///< Accepted.
  kEmpty,              ///< Zero bytes.
  kNotElf64Aarch64,    ///< ELF, but not a 64-bit little-endian AArch64 executable.
  kBadProgramHeaders,  ///< Program headers out of the file, or malformed.
  kTooManySegments,    ///< More loadable segments than a LoadPlan holds.
  kOutsideGuestRam,    ///< Some byte would land outside guest RAM.
  kEntryNotLoaded,     ///< The entry point is not inside a loaded segment.
};

/// A short explanation of \p error for log lines.
std::string_view error_name(Error error);
/// The name of \p kind ("ELF", "arm64 Image", "raw binary").
std::string_view kind_name(Kind kind);

/// One contiguous copy: file bytes [file_offset, +file_size) to IPA address, then zeros up to
/// mem_size (an ELF's BSS, or an Image's image_size beyond the file).
struct Segment {
  std::uint64_t file_offset = 0;  ///< Where the bytes start in the image file.
  std::uint64_t file_size = 0;    ///< How many bytes to copy.
  std::uint64_t address = 0;      ///< Guest physical (IPA) destination.
  std::uint64_t mem_size = 0;     ///< Bytes the segment occupies in memory (>= file_size).
};

/// The result of planning: what to copy where, and where the guest starts.
struct LoadPlan {
  /// Most segments an ELF guest may have.
  static constexpr std::size_t kMaxSegments = 8;
  Kind kind = Kind::kRawBinary;         ///< The recognised format.
  Segment segments[kMaxSegments] = {};  ///< The copies, in file order.
  std::size_t segment_count = 0;        ///< How many of segments are used.
  std::uint64_t entry = 0;              ///< IPA of the first instruction.
  std::uint64_t end = 0;                ///< One past the highest IPA the image occupies.
};

/// Plans how to place \p file in guest RAM [ram_base, ram_base + ram_size).
std::optional<LoadPlan> plan_load(std::span<const std::uint8_t> file, std::uint64_t ram_base,
                                  std::uint64_t ram_size, Error* error = nullptr);

/// \}

}  // namespace el2lab::image
