#pragma once
/// \file
/// \brief Stage-2 translation (IPA → PA) for a non-VHE EL2 hypervisor with a 4 KiB granule.
///
/// With HCR_EL2.VM set, every address a guest produces — after its own (stage-1) translation —
/// is an *intermediate physical address* (IPA) that the CPU translates a second time, through
/// tables the hypervisor owns, into a real physical address (PA). That second translation is
/// how a hypervisor decides which memory a guest can touch: an IPA with no stage-2 mapping
/// faults to EL2, which is also how MMIO emulation gets its exits.
///
/// This header holds the pure part of stage 2:
/// - the value of VTCR_EL2 (shape of the walk: IPA width, granule, starting level, PA size);
/// - the value of VTTBR_EL2 (where the root table is, and the VM's VMID);
/// - builders and decoders for the descriptors in the tables;
/// - Stage2Table, which builds tables in memory the caller provides (no heap) and walks them in
///   software, for the tests, for GDB-facing debugging and for the hypervisor's own checks.
///
/// Writing the registers, cache maintenance and TLB invalidation are the EL2 code's job; nothing
/// here touches the CPU, so it runs unchanged in the hypervisor and in host unit tests.
///
/// Field positions follow the Arm ARM (DDI 0487): VTCR_EL2, VTTBR_EL2, and "Stage 2 translation
/// table descriptor formats" / "Stage 2 memory region attributes" in the VMSAv8-64 chapter.
///
/// The geometry used throughout: 4 KiB granule, so each table is one page of 512 eight-byte
/// descriptors and each level resolves 9 address bits. The walk always starts at level 1:
///
/// | level | IPA bits indexed | one entry maps               |
/// |-------|------------------|------------------------------|
/// | 1     | [ipa_bits-1:30]  | 1 GiB block, or a table      |
/// | 2     | [29:21]          | 2 MiB block, or a table      |
/// | 3     | [20:12]          | 4 KiB page                   |

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/portable/registers.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::stage2 {

/// \defgroup stage2 Stage-2 translation
/// \brief VTCR_EL2, VTTBR_EL2, stage-2 descriptors and a heap-free table builder.
/// \{

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

/// \brief Size of a translation granule, a page and a table, in bytes (4 KiB granule).
inline constexpr std::uint64_t kPageSize = 4096;

/// \brief Descriptors in one table: a 4 KiB page of 8-byte entries.
inline constexpr std::size_t kEntriesPerTable = 512;

/// \brief The level every walk starts at (VTCR_EL2.SL0 = 1 for a 4 KiB granule).
///
/// Starting at level 1 keeps the walk at three lookups. A level-0 start would add a lookup for
/// nothing (IPA spaces here are at most 1 TiB); a level-2 start would cap the IPA space at
/// 16 GiB even with the maximum of 16 concatenated tables.
inline constexpr unsigned kStartLevel = 1;

/// \brief The last level: it holds pages only.
inline constexpr unsigned kLastLevel = 3;

/// \brief Smallest supported IPA width: 4 GiB of guest physical address space.
///
/// A level-1 start table must resolve at least one address bit, i.e. the IPA space must be
/// larger than the 1 GiB one level-1 entry maps; 32 bits is the smallest PARange encoding too.
inline constexpr unsigned kMinIpaBits = 32;

/// \brief Largest supported IPA width: 1 TiB, with two concatenated level-1 tables.
///
/// One level-1 table resolves 9 bits, i.e. covers 39 bits of IPA. Instead of adding a level-0
/// lookup for a 40-bit space, stage 2 lets the start level use up to 16 physically contiguous
/// tables as one big table ("concatenation"); 40 bits needs two, aligned to their combined
/// size (8 KiB). Wider spaces would need more concatenated pages than a teaching kit's guests
/// ever use, so the builder stops at 40.
inline constexpr unsigned kMaxIpaBits = 40;

/// \brief Output (physical) addresses must fit in 48 bits.
///
/// That is what a 4 KiB-granule descriptor can hold without FEAT_LPA2's 52-bit format.
inline constexpr unsigned kMaxOutputBits = 48;

/// \brief The lowest IPA bit a level indexes: 30 for level 1, 21 for level 2, 12 for level 3.
/// \param level A level from 0 to 3.
/// \return The shift that turns an IPA into the level's index (before masking).
constexpr unsigned level_shift(unsigned level) {
  return 39 - 9 * level;
}

/// \brief How much address space one entry of a level maps: 1 GiB, 2 MiB or 4 KiB.
/// \param level A level from 0 to 3.
/// \return The size in bytes of a block (levels 1 and 2) or page (level 3) at that level.
constexpr std::uint64_t level_size(unsigned level) {
  return std::uint64_t{1} << level_shift(level);
}

/// \brief True if the builder and vtcr_for() support an IPA space of \p ipa_bits bits.
/// \param ipa_bits The IPA width to check.
/// \return True for kMinIpaBits to kMaxIpaBits inclusive.
constexpr bool supports_ipa_bits(unsigned ipa_bits) {
  return ipa_bits >= kMinIpaBits && ipa_bits <= kMaxIpaBits;
}

/// \brief How many concatenated pages the level-1 start table of an IPA space needs.
/// \param ipa_bits A supported IPA width.
/// \return 1 up to 39 bits, 2 for 40 bits.
constexpr std::size_t root_pages(unsigned ipa_bits) {
  // One level-1 page covers 9 index bits above bit 30; each further bit doubles the pages.
  constexpr unsigned kOnePage = level_shift(kStartLevel) + 9;
  return ipa_bits > kOnePage ? std::size_t{1} << (ipa_bits - kOnePage) : 1;
}

// ---------------------------------------------------------------------------------------------
// VTCR_EL2
// ---------------------------------------------------------------------------------------------

/// \brief VTCR_EL2, the Virtualization Translation Control Register: the shape of the stage-2
/// walk and the memory attributes the walker itself uses to read the tables.
///
/// Bit 31 is RES1 and is set by every constructor and kept by with(), so any Vtcr is a value
/// the register may legally hold.
class Vtcr {
 public:
  using T0sz = reg::Field<5, 0>;     ///< 64 minus the IPA width.
  using Sl0 = reg::Field<7, 6>;      ///< Starting level of the walk; encoding depends on TG0.
  using Irgn0 = reg::Field<9, 8>;    ///< Inner cacheability of the walker's table reads.
  using Orgn0 = reg::Field<11, 10>;  ///< Outer cacheability of the walker's table reads.
  using Sh0 = reg::Field<13, 12>;    ///< Shareability of the walker's table reads.
  using Tg0 = reg::Field<15, 14>;    ///< Translation granule.
  using Ps = reg::Field<18, 16>;     ///< Physical (output) address size, PARange encoding.
  using Vs = reg::Flag<19>;          ///< VMID size: 0 = 8 bits, 1 = 16 bits (FEAT_VMID16).
  using Ha = reg::Flag<21>;          ///< Hardware sets Access Flags (FEAT_HAFDBS); not used.
  using Hd = reg::Flag<22>;          ///< Hardware tracks dirty pages (FEAT_HAFDBS); not used.
  using Res1 = reg::Flag<31>;        ///< Reserved, must be 1.

  /// \brief SL0 encodings for a 4 KiB granule (they differ for 16 and 64 KiB).
  enum StartLevel4K : std::uint64_t {
    kSl0Level2 = 0b00,  ///< Walk starts at level 2.
    kSl0Level1 = 0b01,  ///< Walk starts at level 1.
    kSl0Level0 = 0b10,  ///< Walk starts at level 0.
  };

  /// \brief IRGN0/ORGN0 encodings.
  enum Cacheability : std::uint64_t {
    kNonCacheable = 0b00,         ///< Table reads bypass the caches.
    kWriteBackAllocate = 0b01,    ///< Write-back, read- and write-allocate.
    kWriteThrough = 0b10,         ///< Write-through, read-allocate.
    kWriteBackNoAllocate = 0b11,  ///< Write-back, read-allocate only.
  };

  /// \brief SH0 encodings.
  enum Shareability : std::uint64_t {
    kNonShareable = 0b00,    ///< Not coherent with other observers.
    kOuterShareable = 0b10,  ///< Coherent within the outer shareable domain.
    kInnerShareable = 0b11,  ///< Coherent with the other CPUs of the cluster.
  };

  /// \brief TG0 encodings.
  enum Granule : std::uint64_t {
    kGranule4K = 0b00,   ///< 4 KiB pages, the only granule this file builds tables for.
    kGranule64K = 0b01,  ///< 64 KiB pages.
    kGranule16K = 0b10,  ///< 16 KiB pages.
  };

  /// \brief A value with every field 0 except the RES1 bit.
  constexpr Vtcr() = default;

  /// \brief Wraps a raw value (e.g. read from the CPU); the RES1 bit is forced on.
  /// \param raw The register value.
  constexpr explicit Vtcr(std::uint64_t raw) : raw_(raw | Res1::kMask) {}

  /// \brief The raw 64-bit value, ready for `msr vtcr_el2`.
  /// \return The register value.
  constexpr std::uint64_t raw() const { return raw_; }

  /// \brief Field F of this value.
  /// \return The field, shifted down to bit 0.
  template <typename F>
  constexpr std::uint64_t get() const {
    return F::get(raw_);
  }

  /// \brief A copy with field F set to \p value (truncated to the field's width).
  /// \param value The new field value; a flag defaults to 1.
  /// \return The modified copy; the RES1 bit stays set.
  template <typename F>
  constexpr Vtcr with(std::uint64_t value = 1) const {
    return Vtcr(F::set(raw_, value));
  }

  /// \brief The IPA width T0SZ describes.
  /// \return 64 - T0SZ.
  constexpr unsigned ipa_bits() const { return 64 - static_cast<unsigned>(get<T0sz>()); }

  /// \brief The level the walk starts at, reading SL0 with the 4 KiB encodings.
  /// \return 0, 1 or 2; 3 for the encoding 0b11, which is only meaningful with FEAT_TTST.
  constexpr unsigned start_level_4k() const {
    const auto sl0 = static_cast<unsigned>(get<Sl0>());
    return sl0 <= kSl0Level0 ? 2 - sl0 : 3;
  }

  /// \brief Values are equal when their raw values are.
  /// \param other The value to compare with.
  /// \return True if both hold the same 64 bits.
  constexpr bool operator==(const Vtcr& other) const = default;

 private:
  std::uint64_t raw_ = Res1::kMask;  ///< The register value.
};

/// \brief The PS value to use for a given ID_AA64MMFR0_EL1.PARange on a 4 KiB granule.
///
/// PARange 0b0000–0b0101 (32 to 48 bits) are copied unchanged. 0b0110 (52 bits) and the
/// reserved encodings above it become 0b101 (48 bits): without FEAT_LPA2 a 4 KiB descriptor
/// cannot hold a 52-bit output address, and a reserved value must not reach the register.
/// \param pa_range_field ID_AA64MMFR0_EL1 bits [3:0].
/// \return The value for VTCR_EL2.PS.
constexpr unsigned ps_for_pa_range(unsigned pa_range_field) {
  return pa_range_field <= 0b101 ? pa_range_field : 0b101;
}

/// \brief The width in bits of a physical address range encoding (PARange or PS).
/// \param pa_range_field A PARange or PS value.
/// \return 32, 36, 40, 42, 44, 48 or 52; 48 for reserved encodings.
constexpr unsigned pa_range_bits(unsigned pa_range_field) {
  constexpr unsigned kBits[] = {32, 36, 40, 42, 44, 48, 52};
  return pa_range_field < 7 ? kBits[pa_range_field] : 48;
}

/// \brief VTCR_EL2 for an IPA space of \p ipa_bits bits, walked from level 1 with 4 KiB pages.
///
/// - T0SZ = 64 - ipa_bits; SL0 = level 1. Up to 39 bits the start table is one page; 40 bits
///   uses two concatenated level-1 pages (see kMaxIpaBits), which SL0 = 1 with T0SZ = 24
///   selects on its own: the hardware infers the concatenation from T0SZ and SL0.
/// - The walker reads tables as Normal write-back, inner shareable memory (IRGN0 = ORGN0 = 1,
///   SH0 = 3), like any other RAM the CPUs share. Note that the EL2 code writes the tables
///   with its MMU off, i.e. non-cacheable: on hardware with caches it must clean and invalidate
///   the tables' lines to the point of coherency before the guest runs. (QEMU does not model
///   caches, so forgetting this only shows up on real silicon.)
/// - PS comes from \p pa_range_field via ps_for_pa_range().
/// - VS = 0: 8-bit VMIDs, which every CPU implements; use `with<Vtcr::Vs>()` on a CPU with
///   FEAT_VMID16 if more than 256 VMs are needed.
/// - HA = HD = 0: the builder sets the Access Flag itself and nothing tracks dirty pages.
///
/// The IPA space must not be wider than the PA size: that combination is CONSTRAINED
/// UNPREDICTABLE, and QEMU chooses to fault every guest access. Check with pa_range_bits().
/// \param ipa_bits The IPA width; values outside kMinIpaBits..kMaxIpaBits are clamped into it
///        (Stage2Table refuses such widths, so a mismatch cannot reach the CPU unnoticed).
/// \param pa_range_field ID_AA64MMFR0_EL1.PARange, bits [3:0] of that register.
/// \return The register value.
constexpr Vtcr vtcr_for(unsigned ipa_bits, unsigned pa_range_field) {
  const unsigned bits = ipa_bits < kMinIpaBits   ? kMinIpaBits
                        : ipa_bits > kMaxIpaBits ? kMaxIpaBits
                                                 : ipa_bits;
  return Vtcr{}
      .with<Vtcr::T0sz>(64 - bits)
      .with<Vtcr::Sl0>(Vtcr::kSl0Level1)
      .with<Vtcr::Irgn0>(Vtcr::kWriteBackAllocate)
      .with<Vtcr::Orgn0>(Vtcr::kWriteBackAllocate)
      .with<Vtcr::Sh0>(Vtcr::kInnerShareable)
      .with<Vtcr::Tg0>(Vtcr::kGranule4K)
      .with<Vtcr::Ps>(ps_for_pa_range(pa_range_field))
      .with<Vtcr::Vs>(0);
}

// ---------------------------------------------------------------------------------------------
// VTTBR_EL2
// ---------------------------------------------------------------------------------------------

/// \brief VTTBR_EL2 fields.
namespace vttbr_bits {
using Cnp = reg::Flag<0>;          ///< Common not Private: TLB entries may be shared across CPUs.
using Baddr = reg::Field<47, 1>;   ///< Base address of the start table.
using Vmid = reg::Field<63, 48>;   ///< VMID; only [55:48] count when VTCR_EL2.VS = 0.
using Vmid8 = reg::Field<55, 48>;  ///< The part of the VMID an 8-bit-VMID configuration uses.
}  // namespace vttbr_bits

/// \brief VTTBR_EL2 for a stage-2 root table and a VMID.
///
/// The root address is kept to bits [47:12]. Every root this file builds is page aligned (an
/// 8 KiB-aligned pair of pages for 40 bits), so bits [11:1] of BADDR are RES0 for it, and bit 0
/// is CnP, left 0: the kit makes no promise that all CPUs use the same tables for a VMID.
/// \param root_pa Physical address of the start table, as Stage2Table::root_pa() returns.
/// \param vmid The VM's identifier, which tags its TLB entries so that switching VMs needs no
///        TLB flush. With VTCR_EL2.VS = 0 (vtcr_for()'s choice) the CPU ignores bits [15:8],
///        so keep it below 256 there; it is placed whole in [63:48] either way.
/// \return The register value.
constexpr std::uint64_t vttbr(std::uint64_t root_pa, std::uint16_t vmid) {
  return (root_pa & reg::Field<47, 12>::kMask) | vttbr_bits::Vmid::set(0, vmid);
}

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

// ---------------------------------------------------------------------------------------------
// Table memory
// ---------------------------------------------------------------------------------------------

/// \brief Where a PagePool takes its pages when it does not own an array: a platform's frame
/// allocator (the HAL's `alloc_frame()`, see frames_of()) and its address translation.
struct FrameSource {
  std::uint64_t (*alloc)() = nullptr;               ///< A zeroed 4 KiB frame's PA, 0 if none.
  void (*free)(std::uint64_t pa) = nullptr;         ///< Gives a frame back.
  void* (*to_virt)(std::uint64_t pa) = nullptr;     ///< PA to a pointer the builder can use.
  std::uint64_t (*to_pa)(const void* p) = nullptr;  ///< Pointer to PA, for descriptors.
};

/// \brief The frame source of HAL \p H: stage-2 tables come from `H::alloc_frame()`.
template <HalMemory H>
constexpr FrameSource frames_of() {
  return {&H::alloc_frame, &H::dealloc_frame, &H::phys_to_virt, &H::virt_to_phys};
}

/// \brief Zeroed 4 KiB table pages: a bump allocator over memory the caller provides, or pages
/// taken one at a time from a FrameSource (the HAL's frame allocator).
///
/// The hypervisor has no heap: its pages come from the HAL's frame pool. Pages are never
/// freed; a VM's tables live as long as the VM, and tables emptied by unmap() are reused by
/// later maps into the same range. Not thread-safe: one CPU builds the tables.
class PagePool {
 public:
  /// \brief A pool that takes each page from \p frames (up to \p max_pages of them).
  /// \param frames The allocator; a source without alloc/to_virt/to_pa makes an empty pool.
  /// \param max_pages How many pages it may take in all.
  PagePool(const FrameSource& frames, std::size_t max_pages);

  /// \brief Converts a pointer into the pool to the physical address descriptors hold.
  ///
  /// A plain function pointer, not a template parameter, so the pool is one type whatever the
  /// platform: identity in the hypervisor (its MMU is off), the pointer value in host tests.
  using ToPhysical = std::uint64_t (*)(const void*);

  /// \brief Makes a pool of the whole pages inside \p memory.
  /// \param memory The table memory; should be 4096-byte aligned and a multiple of 512
  ///        entries. Entries before the first 4096-byte boundary and a partial last page are
  ///        not used, so a misaligned array still yields correctly aligned tables.
  /// \param to_pa The pointer-to-physical conversion; nullptr makes an empty pool.
  PagePool(std::span<std::uint64_t> memory, ToPhysical to_pa);

  PagePool(const PagePool&) = delete;             ///< Tables point into the memory: no copies.
  PagePool& operator=(const PagePool&) = delete;  ///< Tables point into the memory: no copies.

  /// \brief A zeroed table page (512 invalid descriptors).
  /// \return The page, or nullptr when the pool is exhausted.
  std::uint64_t* allocate() { return allocate_contiguous(1); }

  /// \brief \p pages zeroed, physically contiguous pages aligned to their combined size, as a
  /// concatenated start table needs.
  ///
  /// Pages skipped to reach the alignment are consumed (they count in used()).
  /// \param pages A power of two, 1 to 16.
  /// \return The first page, or nullptr if no such run is left (or \p pages is invalid).
  std::uint64_t* allocate_contiguous(std::size_t pages);

  /// \brief Pages consumed so far, including any skipped for alignment.
  /// \return The count.
  std::size_t used() const { return used_; }

  /// \brief Pages the pool holds in all.
  /// \return The count.
  std::size_t capacity() const { return pages_; }

  /// \brief Pages allocate() can still return.
  /// \return capacity() - used().
  std::size_t available() const { return pages_ - used_; }

  /// \brief The physical address of a pointer into the pool, as descriptors hold it.
  /// \param p A pointer into the pool's memory.
  /// \return to_pa(p), or 0 for an empty pool without a conversion.
  std::uint64_t to_pa(const void* p) const { return to_pa_ != nullptr ? to_pa_(p) : 0; }

  /// \brief The page this pool handed out at physical address \p pa: the inverse of to_pa().
  ///
  /// Lets the software walk follow table descriptors without a phys-to-virt hook. Assumes
  /// nothing about the conversion: the pool's memory is usually physically contiguous, so the
  /// page is computed from the offset and checked, and otherwise searched for.
  /// \param pa A physical address read from a table descriptor.
  /// \return The page, or nullptr if \p pa is not a page this pool has handed out (a
  ///         descriptor this builder did not write).
  std::uint64_t* table_at(std::uint64_t pa) const;

 private:
  /// Page \p index of the pool, counted from base_.
  std::uint64_t* page(std::size_t index) const { return base_ + index * kEntriesPerTable; }

  /// allocate_contiguous() for a pool over a FrameSource.
  std::uint64_t* allocate_frames(std::size_t pages);

  std::uint64_t* base_ = nullptr;  ///< First whole, aligned page of the memory.
  std::size_t pages_ = 0;          ///< Whole pages from base_ (or pages the source may give).
  std::size_t used_ = 0;           ///< Pages consumed.
  ToPhysical to_pa_ = nullptr;     ///< Pointer-to-physical conversion.
  FrameSource frames_{};           ///< Set for a pool over a frame allocator.
};

// ---------------------------------------------------------------------------------------------
// The table builder
// ---------------------------------------------------------------------------------------------

/// \brief One VM's stage-2 tables: built in a PagePool, walked in software.
///
/// map() picks the largest mapping granularity the alignment of IPA, PA and size allows —
/// 1 GiB blocks, 2 MiB blocks, 4 KiB pages — so 768 MiB of RAM at 1 GiB costs two table pages.
/// map() and unmap() are all-or-nothing: they check the whole range (overlaps, tables needed)
/// before writing a single descriptor, so an error leaves the tables as they were.
///
/// Writing descriptors is all this class does. When tables the CPU may already be using
/// change, the EL2 code must follow with a DSB and, after an unmap, TLBI IPAS2E1IS for each
/// page plus TLBI VMALLE1IS (the guest's stage-1 entries cache the combined translation).
class Stage2Table {
 public:
  /// \brief Why a map() or unmap() was refused.
  enum class MapError : std::uint8_t {
    kNone,           ///< Done.
    kMisaligned,     ///< IPA, PA or size is not a multiple of 4 KiB, or size is 0.
    kOutOfRange,     ///< The IPA range leaves the IPA space, or the PA range 48 bits.
    kOutOfTables,    ///< The pool cannot supply the tables needed (or the root is missing).
    kAlreadyMapped,  ///< Part of the range is mapped already (map), or holds a descriptor this
                     ///< builder did not write.
    kSplitsBlock,    ///< unmap() of part of a block; splitting blocks is not supported, since
                     ///< replacing a live block by a table needs break-before-make.
  };

  /// \brief The result of a software walk.
  struct Walk {
    /// A valid block or page maps the IPA.
    bool mapped = false;
    /// The PA the IPA translates to, when mapped.
    std::uint64_t pa = 0;
    /// Level of the descriptor the walk ended on: the leaf, or the invalid entry (the level a
    /// translation fault would report, to compare with the fault status in ESR_EL2). 0 for an
    /// IPA outside the IPA space, which faults before any lookup.
    unsigned level = 0;
    /// The leaf's attributes, when mapped.
    Attributes attrs{};
    /// The raw descriptor the walk ended on.
    std::uint64_t descriptor = 0;
  };

  /// \brief Allocates the (zeroed) start table from \p pool.
  /// \param pool Where tables come from; must outlive this object.
  /// \param ipa_bits Width of the guest's IPA space, kMinIpaBits to kMaxIpaBits; give the
  ///        same value to vtcr_for().
  Stage2Table(PagePool& pool, unsigned ipa_bits);

  Stage2Table(const Stage2Table&) = delete;             ///< One owner per set of tables.
  Stage2Table& operator=(const Stage2Table&) = delete;  ///< One owner per set of tables.

  /// \brief Whether the table is usable.
  /// \return False if \p ipa_bits was unsupported or the pool had no room for the root.
  bool ok() const { return root_ != nullptr; }

  /// \brief Maps [ipa, ipa + size) to [pa, pa + size) with \p attrs.
  /// \param ipa First guest physical address; 4 KiB aligned.
  /// \param pa First physical address; 4 KiB aligned.
  /// \param size Length in bytes; a non-zero multiple of 4 KiB.
  /// \param attrs The attributes of every block and page of the range.
  /// \return kNone, or why nothing was mapped.
  MapError map(std::uint64_t ipa, std::uint64_t pa, std::uint64_t size, Attributes attrs);

  /// \brief Removes every mapping in [ipa, ipa + size); unmapped parts are fine.
  ///
  /// Tables emptied this way stay linked (the pool cannot free them), and later map() calls
  /// into their range fill them with pages.
  /// \param ipa First guest physical address; 4 KiB aligned.
  /// \param size Length in bytes; a non-zero multiple of 4 KiB.
  /// \return kNone, or why nothing was unmapped (kSplitsBlock if a block is partly covered).
  MapError unmap(std::uint64_t ipa, std::uint64_t size);

  /// \brief Walks the tables for \p ipa as the CPU would.
  /// \param ipa Any address.
  /// \return Where the walk ended and, if mapped, the PA and attributes.
  Walk translate(std::uint64_t ipa) const;

  /// \brief Physical address of the start table, for vttbr().
  /// \return The address, or 0 if !ok().
  std::uint64_t root_pa() const { return ok() ? pool_->to_pa(root_) : 0; }

  /// \brief The IPA width the tables were built for.
  /// \return The value given to the constructor.
  unsigned ipa_bits() const { return ipa_bits_; }

 private:
  /// The checks map() and unmap() share: usable table, alignment, IPA range.
  MapError check_range(std::uint64_t ipa, std::uint64_t size) const;
  /// The index of \p ipa's entry in its table at \p level.
  std::size_t index(unsigned level, std::uint64_t ipa) const;
  /// map()'s walk over [ipa, end) at \p level; a dry run (commit false) only checks and counts.
  MapError map_range(std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t end,
                     std::uint64_t delta, Attributes attrs, bool commit, std::size_t& tables);
  /// unmap()'s walk over [ipa, end) at \p level; a dry run (commit false) only checks.
  MapError unmap_range(std::uint64_t* table, unsigned level, std::uint64_t ipa, std::uint64_t end,
                       bool commit);

  PagePool* pool_;                 ///< Source of table pages.
  std::uint64_t* root_ = nullptr;  ///< Start (level-1) table; 1 or 2 concatenated pages.
  unsigned ipa_bits_;              ///< Width of the IPA space.
};

/// \brief A short explanation of a map/unmap error, for log lines and panics.
/// \param error The error.
/// \return E.g. "range already mapped"; "unknown error" for values that are not enumerators.
std::string_view error_name(Stage2Table::MapError error);

/// \}

}  // namespace el2lab::stage2
