#pragma once
/// \file
/// \brief The stage-2 translation regime: the geometry of a walk (granule, levels, IPA widths),
/// VTCR_EL2 and VTTBR_EL2. Part of the stage-2 headers (stage2.h explains stage 2 and includes
/// this).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/portable/registers.h"

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

/// \}

}  // namespace el2lab::stage2
