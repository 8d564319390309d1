#pragma once
/// \file
/// \brief Stage-2 descriptors: the attribute fields of a block, page or table entry, and the
/// functions that build and decode them. Part of the stage-2 headers (stage2.h includes it).

#include <cstdint>
#include <string_view>

#include "core/portable/registers.h"
#include "core/portable/stage2_regime.h"

namespace el2lab::stage2 {

/// \addtogroup stage2
/// \{

// ---------------------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------------------

/// \brief Bit fields of stage-2 descriptors (VMSAv8-64, 4 KiB granule, no FEAT_LPA2).
namespace desc {
using Valid = reg::Flag<0>;  ///< 1: the descriptor is used; 0: any access faults.
/// Bit 1: 1 = table (levels 0–2) or page (level 3); 0 = block (levels 1–2).
using TableOrPage = reg::Flag<1>;
using MemAttr = reg::Field<5, 2>;    ///< Stage-2 memory type and cacheability (see MemoryType).
using S2ap = reg::Field<7, 6>;       ///< Stage-2 access permissions (see Access).
using Sh = reg::Field<9, 8>;         ///< Shareability of Normal memory.
using Af = reg::Flag<10>;            ///< Access Flag; 0 makes every access fault.
using Address = reg::Field<47, 12>;  ///< Next-level table or output address (before level mask).
using Contiguous = reg::Flag<52>;    ///< Hint: part of a run of 16 contiguous entries.
using Xn = reg::Field<54, 53>;       ///< Execute-never, XN[1:0].

/// \brief SH encoding for inner shareable memory, the one all leaves here use.
inline constexpr std::uint64_t kInnerShareable = 0b11;
/// \brief XN encoding: executable at EL1 and EL0.
inline constexpr std::uint64_t kXnExecutable = 0b00;
/// \brief XN encoding: never executable. Only XN[1] is set, so the meaning is the same with
/// and without FEAT_XNX (without it, XN[0] is RES0).
inline constexpr std::uint64_t kXnNever = 0b10;
}  // namespace desc

/// \brief What kind of memory a mapping is, encoded as stage-2 MemAttr[3:0].
///
/// Stage 2 encodes the type directly in the descriptor (there is no MAIR for stage 2). The
/// effective type is the more restrictive of the guest's stage-1 type and this one, so RAM is
/// mapped with the least restrictive type and the guest stays in control of its caching.
/// Decoding a descriptor casts MemAttr to this type, so other encodings (e.g. Normal
/// non-cacheable, 0b0101) survive as values that are not enumerators.
enum class MemoryType : std::uint8_t {
  kDevice = 0b0001,  ///< Device-nGnRE: MemAttr[3:2] = 00 (Device), [1:0] = 01 (nGnRE).
  kNormal = 0b1111,  ///< Normal memory, outer ([3:2]) and inner ([1:0]) write-back.
};

/// \brief What the guest may do with a mapping: stage-2 S2AP[1:0].
///
/// Unlike stage 1's AP, stage 2 can grant write without read.
enum class Access : std::uint8_t {
  kNone = 0b00,       ///< Every data access faults (instruction fetches are governed by XN).
  kReadOnly = 0b01,   ///< Reads allowed, writes fault: e.g. to trap writes to a ROM.
  kWriteOnly = 0b10,  ///< Writes allowed, reads fault.
  kReadWrite = 0b11,  ///< Reads and writes allowed.
};

/// \brief The attributes of a stage-2 mapping.
struct Attributes {
  MemoryType type = MemoryType::kNormal;  ///< Memory type and cacheability.
  Access access = Access::kNone;          ///< Data access the guest is granted.
  bool executable = false;                ///< The guest may execute from it at EL1 and EL0.

  /// \brief Attributes are equal when all fields are.
  /// \param other The attributes to compare with.
  /// \return True if type, access and executable all match.
  constexpr bool operator==(const Attributes& other) const = default;
};

/// \brief Guest RAM: Normal write-back, read-write, executable.
inline constexpr Attributes kRamAttributes{MemoryType::kNormal, Access::kReadWrite, true};

/// \brief A device passed through to the guest: Device-nGnRE, read-write, never executable
/// (speculative instruction fetches from device memory could have side effects).
inline constexpr Attributes kDeviceAttributes{MemoryType::kDevice, Access::kReadWrite, false};

/// \brief What a descriptor is, which depends on the level it was read at.
enum class DescriptorKind : std::uint8_t {
  kInvalid,  ///< Bit 0 clear, or an encoding reserved at this level: accesses fault.
  kTable,    ///< Points to a next-level table (levels 0–2, bits [1:0] = 0b11).
  kBlock,    ///< Maps a 1 GiB (level 1) or 2 MiB (level 2) block (bits [1:0] = 0b01).
  kPage,     ///< Maps a 4 KiB page (level 3, bits [1:0] = 0b11).
};

/// \brief The attribute bits shared by block and page descriptors.
///
/// Sets AF (a clear AF would fault every first access, and nothing here handles access flag
/// faults) and SH = inner shareable (ignored for Device memory, required for RAM shared between
/// the guest's CPUs and the hypervisor).
/// \param attrs The mapping's attributes.
/// \return MemAttr, S2AP, SH, AF and XN in place; address and type bits zero.
constexpr std::uint64_t leaf_attribute_bits(Attributes attrs) {
  std::uint64_t d = 0;
  d = desc::MemAttr::set(d, static_cast<std::uint64_t>(attrs.type));
  d = desc::S2ap::set(d, static_cast<std::uint64_t>(attrs.access));
  d = desc::Sh::set(d, desc::kInnerShareable);
  d = desc::Af::set(d, 1);
  return desc::Xn::set(d, attrs.executable ? desc::kXnExecutable : desc::kXnNever);
}

/// \brief The output-address bits a leaf at \p level keeps: [47:30], [47:21] or [47:12].
/// \param level 1, 2 or 3.
/// \return The mask of the output address field for that level.
constexpr std::uint64_t leaf_address_mask(unsigned level) {
  return desc::Address::kMask & ~(level_size(level) - 1);
}

/// \brief A level-1 (1 GiB) or level-2 (2 MiB) block descriptor.
/// \param level 1 or 2; other levels cannot hold blocks with a 4 KiB granule (level 0 only
///        with FEAT_LPA2), so they yield 0, an invalid descriptor.
/// \param pa The block's physical address; bits below the block size and above bit 47 are
///        dropped rather than allowed to spill into attribute bits.
/// \param attrs The mapping's attributes.
/// \return The descriptor.
constexpr std::uint64_t block_descriptor(unsigned level, std::uint64_t pa, Attributes attrs) {
  if (level != 1 && level != 2) return 0;
  return (pa & leaf_address_mask(level)) | leaf_attribute_bits(attrs) | desc::Valid::kMask;
}

/// \brief A level-3 (4 KiB) page descriptor.
/// \param pa The page's physical address; bits [11:0] and above bit 47 are dropped.
/// \param attrs The mapping's attributes.
/// \return The descriptor.
constexpr std::uint64_t page_descriptor(std::uint64_t pa, Attributes attrs) {
  return (pa & leaf_address_mask(kLastLevel)) | leaf_attribute_bits(attrs) |
         desc::TableOrPage::kMask | desc::Valid::kMask;
}

/// \brief A table descriptor pointing to a next-level table.
///
/// Stage-2 table descriptors carry no attributes: the hierarchical APTable/XNTable bits of
/// stage 1 do not exist here, so a table grants nothing by itself.
/// \param table_pa Physical address of the next table; bits [11:0] and above 47 are dropped.
/// \return The descriptor.
constexpr std::uint64_t table_descriptor(std::uint64_t table_pa) {
  return (table_pa & desc::Address::kMask) | desc::TableOrPage::kMask | desc::Valid::kMask;
}

/// \brief Classifies a descriptor read at \p level.
/// \param d The descriptor.
/// \param level The level it was read at, 0 to 3.
/// \return kInvalid also for the encodings reserved at a level (0b01 at levels 0 and 3).
constexpr DescriptorKind descriptor_kind(std::uint64_t d, unsigned level) {
  if (!desc::Valid::get(d)) return DescriptorKind::kInvalid;
  if (desc::TableOrPage::get(d)) {
    return level == kLastLevel ? DescriptorKind::kPage : DescriptorKind::kTable;
  }
  return level == 1 || level == 2 ? DescriptorKind::kBlock : DescriptorKind::kInvalid;
}

/// \brief The output address of a block or page descriptor.
/// \param d A block or page descriptor.
/// \param level The level it was read at (1, 2 or 3), which sets how many low bits are address.
/// \return The first physical address of the block or page.
constexpr std::uint64_t output_address(std::uint64_t d, unsigned level) {
  return d & leaf_address_mask(level);
}

/// \brief The next-level table a table descriptor points to.
/// \param d A table descriptor.
/// \return The table's physical address.
constexpr std::uint64_t next_table_address(std::uint64_t d) {
  return d & desc::Address::kMask;
}

/// \brief The attributes of a block or page descriptor.
/// \param d A block or page descriptor.
/// \return Its type (MemAttr cast as is), access (S2AP) and whether XN is 0b00.
constexpr Attributes attributes_of(std::uint64_t d) {
  return Attributes{static_cast<MemoryType>(desc::MemAttr::get(d)),
                    static_cast<Access>(desc::S2ap::get(d)),
                    desc::Xn::get(d) == desc::kXnExecutable};
}

/// \brief Whether a block or page descriptor has its Access Flag set.
/// \param d A block or page descriptor.
/// \return True if AF is 1, i.e. an access will not take an Access flag fault.
constexpr bool access_flag(std::uint64_t d) {
  return desc::Af::get(d) != 0;
}

/// \}

}  // namespace el2lab::stage2
