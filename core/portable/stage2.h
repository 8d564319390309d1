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

#include "core/portable/stage2_descriptors.h"
#include "core/portable/stage2_regime.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::stage2 {

/// \addtogroup stage2
/// \{

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
