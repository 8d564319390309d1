#include "core/portable/stage2.h"

namespace el2lab::stage2 {

// ---------------------------------------------------------------------------------------------
// PagePool
// ---------------------------------------------------------------------------------------------

PagePool::PagePool(std::span<std::uint64_t> memory, ToPhysical to_pa) : to_pa_(to_pa) {
  if (to_pa == nullptr || memory.empty()) return;
  // Tables must start on a page boundary. Skip to the first one rather than trust the caller:
  // a table placed off a boundary would have its low address bits silently dropped by every
  // descriptor pointing to it.
  const auto address = reinterpret_cast<std::uintptr_t>(memory.data());
  const std::uintptr_t misalignment = address % kPageSize;
  const std::size_t skip =
      misalignment == 0 ? 0 : (kPageSize - misalignment) / sizeof(std::uint64_t);
  if (skip >= memory.size()) return;
  base_ = memory.data() + skip;
  pages_ = (memory.size() - skip) / kEntriesPerTable;
  if (pages_ == 0) base_ = nullptr;
}

PagePool::PagePool(const FrameSource& frames, std::size_t max_pages)
    : to_pa_(frames.to_pa), frames_(frames) {
  if (frames.alloc == nullptr || frames.to_virt == nullptr || frames.to_pa == nullptr) {
    to_pa_ = nullptr;
    frames_ = {};
    return;
  }
  pages_ = max_pages;
}

std::uint64_t* PagePool::allocate_frames(std::size_t pages) {
  if (used_ + pages > pages_) return nullptr;
  // Frames come one at a time; a run must be physically contiguous and aligned to its size.
  // The board's allocator hands out ascending frames, so a run usually is; if not, the frames
  // go back and the request fails (a concatenated root is only needed for wide IPA spaces).
  std::uint64_t first = 0;
  bool ok = true;
  std::size_t taken = 0;
  for (; taken < pages; ++taken) {
    const std::uint64_t pa = frames_.alloc();
    if (pa == 0) {
      ok = false;
      break;
    }
    if (taken == 0) first = pa;
    if (pa != first + taken * kPageSize || first % (pages * kPageSize) != 0) {
      ok = false;
      if (frames_.free != nullptr) frames_.free(pa);
      break;
    }
  }
  if (!ok) {
    for (std::size_t i = 0; i < taken && frames_.free != nullptr; ++i) {
      frames_.free(first + i * kPageSize);
    }
    return nullptr;
  }
  used_ += pages;
  auto* run = static_cast<std::uint64_t*>(frames_.to_virt(first));
  // The source promises zeroed frames; a table's unused entries must read as invalid, so make
  // sure rather than trust a student's allocator.
  for (std::size_t i = 0; i < pages * kEntriesPerTable; ++i) run[i] = 0;
  return run;
}

std::uint64_t* PagePool::allocate_contiguous(std::size_t pages) {
  if (pages == 0 || pages > 16 || (pages & (pages - 1)) != 0) return nullptr;
  if (frames_.alloc != nullptr) return allocate_frames(pages);
  const std::uint64_t alignment = pages * kPageSize;
  // What matters is the *physical* alignment and contiguity the walker sees, so check those
  // through to_pa rather than the pointer values.
  for (std::size_t first = used_; first + pages <= pages_; ++first) {
    const std::uint64_t pa = to_pa_(page(first));
    if (pa % alignment != 0) continue;
    bool contiguous = true;
    for (std::size_t i = 1; i < pages && contiguous; ++i) {
      contiguous = to_pa_(page(first + i)) == pa + i * kPageSize;
    }
    if (!contiguous) continue;
    // Zero before handing out: a table's unused entries must read as invalid descriptors.
    std::uint64_t* const run = page(first);
    for (std::size_t i = 0; i < pages * kEntriesPerTable; ++i) run[i] = 0;
    used_ = first + pages;
    return run;
  }
  return nullptr;
}

std::uint64_t* PagePool::table_at(std::uint64_t pa) const {
  if (used_ == 0 || pa % kPageSize != 0) return nullptr;
  if (frames_.to_virt != nullptr) return static_cast<std::uint64_t*>(frames_.to_virt(pa));
  // Fast path: memory that is contiguous in both views puts the page at the same offset.
  const std::uint64_t base_pa = to_pa_(base_);
  if (pa >= base_pa) {
    const std::uint64_t index = (pa - base_pa) / kPageSize;
    if (index < used_ && to_pa_(page(index)) == pa) return page(index);
  }
  for (std::size_t index = 0; index < used_; ++index) {
    if (to_pa_(page(index)) == pa) return page(index);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Stage2Table
// ---------------------------------------------------------------------------------------------

Stage2Table::Stage2Table(PagePool& pool, unsigned ipa_bits) : pool_(&pool), ipa_bits_(ipa_bits) {
  if (supports_ipa_bits(ipa_bits)) root_ = pool.allocate_contiguous(root_pages(ipa_bits));
}

std::size_t Stage2Table::index(unsigned level, std::uint64_t ipa) const {
  // The start level may span concatenated pages, so its index can exceed 511.
  const std::uint64_t entries =
      level == kStartLevel ? root_pages(ipa_bits_) * kEntriesPerTable : kEntriesPerTable;
  return static_cast<std::size_t>((ipa >> level_shift(level)) & (entries - 1));
}

Stage2Table::MapError Stage2Table::check_range(std::uint64_t ipa, std::uint64_t size) const {
  if (!ok()) return MapError::kOutOfTables;
  if (size == 0 || ipa % kPageSize != 0 || size % kPageSize != 0) return MapError::kMisaligned;
  const std::uint64_t limit = std::uint64_t{1} << ipa_bits_;
  // Written so that neither side can overflow: ipa + size might.
  if (ipa >= limit || size > limit - ipa) return MapError::kOutOfRange;
  return MapError::kNone;
}

Stage2Table::MapError Stage2Table::map(std::uint64_t ipa, std::uint64_t pa, std::uint64_t size,
                                       Attributes attrs) {
  if (const MapError error = check_range(ipa, size); error != MapError::kNone) return error;
  if (pa % kPageSize != 0) return MapError::kMisaligned;
  constexpr std::uint64_t kPaLimit = std::uint64_t{1} << kMaxOutputBits;
  if (pa >= kPaLimit || size > kPaLimit - pa) return MapError::kOutOfRange;

  // Unsigned wrap-around makes `ipa + delta == pa` hold whichever of the two is larger.
  const std::uint64_t delta = pa - ipa;
  // A dry run first: it finds overlaps and counts the tables needed, so that an error is
  // reported before anything has changed.
  std::size_t tables = 0;
  MapError error = map_range(root_, kStartLevel, ipa, ipa + size, delta, attrs, false, tables);
  if (error != MapError::kNone) return error;
  if (tables > pool_->available()) return MapError::kOutOfTables;
  return map_range(root_, kStartLevel, ipa, ipa + size, delta, attrs, true, tables);
}

// Visits the entries of `table` (at `level`) that cover [ipa, end). With commit false nothing
// is written and `tables` counts the pages a real run would allocate; `table` is then nullptr
// for a table that does not exist yet, whose entries all read as invalid.
Stage2Table::MapError Stage2Table::map_range(std::uint64_t* table, unsigned level,
                                             std::uint64_t ipa, std::uint64_t end,
                                             std::uint64_t delta, Attributes attrs, bool commit,
                                             std::size_t& tables) {
  const std::uint64_t span = level_size(level);
  for (std::uint64_t address = ipa; address < end;) {
    const std::uint64_t entry_end = (address & ~(span - 1)) + span;
    const std::uint64_t chunk_end = entry_end < end ? entry_end : end;
    const std::size_t i = index(level, address);
    const std::uint64_t d = table != nullptr ? table[i] : 0;

    switch (descriptor_kind(d, level)) {
      case DescriptorKind::kBlock:
      case DescriptorKind::kPage: return MapError::kAlreadyMapped;

      case DescriptorKind::kTable: {
        // Descend even if the whole entry is covered: the table may hold mappings (an
        // overlap), and if it is empty, replacing it by a block would strand its page.
        std::uint64_t* const next = pool_->table_at(next_table_address(d));
        if (next == nullptr) return MapError::kAlreadyMapped;
        const MapError error =
            map_range(next, level + 1, address, chunk_end, delta, attrs, commit, tables);
        if (error != MapError::kNone) return error;
        break;
      }

      case DescriptorKind::kInvalid: {
        const std::uint64_t out = address + delta;
        const bool whole_entry = address % span == 0 && chunk_end == entry_end;
        if (level == kLastLevel) {
          if (commit) table[i] = page_descriptor(out, attrs);
        } else if (whole_entry && out % span == 0) {
          if (commit) table[i] = block_descriptor(level, out, attrs);
        } else {
          // Part of the entry, or a PA not aligned for a block: a finer table is needed.
          std::uint64_t* next = nullptr;
          if (commit) {
            next = pool_->allocate();
            if (next == nullptr) return MapError::kOutOfTables;  // counted, so only if shared
          } else {
            ++tables;
          }
          const MapError error =
              map_range(next, level + 1, address, chunk_end, delta, attrs, commit, tables);
          if (error != MapError::kNone) return error;
          // Linked only once filled, so a walker never sees a half-built table.
          if (commit) table[i] = table_descriptor(pool_->to_pa(next));
        }
        break;
      }
    }
    address = chunk_end;
  }
  return MapError::kNone;
}

Stage2Table::MapError Stage2Table::unmap(std::uint64_t ipa, std::uint64_t size) {
  if (const MapError error = check_range(ipa, size); error != MapError::kNone) return error;
  // As for map(): check everything (blocks that would need splitting) before changing anything.
  MapError error = unmap_range(root_, kStartLevel, ipa, ipa + size, false);
  if (error != MapError::kNone) return error;
  return unmap_range(root_, kStartLevel, ipa, ipa + size, true);
}

Stage2Table::MapError Stage2Table::unmap_range(std::uint64_t* table, unsigned level,
                                               std::uint64_t ipa, std::uint64_t end, bool commit) {
  const std::uint64_t span = level_size(level);
  for (std::uint64_t address = ipa; address < end;) {
    const std::uint64_t entry_end = (address & ~(span - 1)) + span;
    const std::uint64_t chunk_end = entry_end < end ? entry_end : end;
    const std::size_t i = index(level, address);
    const std::uint64_t d = table[i];
    const bool whole_entry = address % span == 0 && chunk_end == entry_end;

    switch (descriptor_kind(d, level)) {
      case DescriptorKind::kInvalid: break;  // Nothing mapped here: already the requested state.
      case DescriptorKind::kPage:
        if (commit) table[i] = 0;
        break;
      case DescriptorKind::kBlock:
        if (!whole_entry) return MapError::kSplitsBlock;
        if (commit) table[i] = 0;
        break;
      case DescriptorKind::kTable: {
        // The table stays linked, possibly empty: the pool cannot take its page back.
        std::uint64_t* const next = pool_->table_at(next_table_address(d));
        if (next == nullptr) return MapError::kAlreadyMapped;
        const MapError error = unmap_range(next, level + 1, address, chunk_end, commit);
        if (error != MapError::kNone) return error;
        break;
      }
    }
    address = chunk_end;
  }
  return MapError::kNone;
}

Stage2Table::Walk Stage2Table::translate(std::uint64_t ipa) const {
  Walk walk;
  // An IPA above the space T0SZ describes faults before any lookup, reported as level 0.
  if (!ok() || (ipa >> ipa_bits_) != 0) return walk;
  const std::uint64_t* table = root_;
  for (unsigned level = kStartLevel; level <= kLastLevel; ++level) {
    const std::uint64_t d = table[index(level, ipa)];
    walk.level = level;
    walk.descriptor = d;
    switch (descriptor_kind(d, level)) {
      case DescriptorKind::kInvalid: return walk;
      case DescriptorKind::kTable:
        table = pool_->table_at(next_table_address(d));
        // A table outside the pool: not something this builder wrote; stop rather than
        // dereference an arbitrary address.
        if (table == nullptr) return walk;
        break;
      case DescriptorKind::kBlock:
      case DescriptorKind::kPage:
        walk.mapped = true;
        walk.pa = output_address(d, level) | (ipa & (level_size(level) - 1));
        walk.attrs = attributes_of(d);
        return walk;
    }
  }
  return walk;  // Not reached: level 3 never yields kTable.
}

std::string_view error_name(Stage2Table::MapError error) {
  switch (error) {
    using enum Stage2Table::MapError;
    case kNone: return "no error";
    case kMisaligned: return "address or size not a non-zero multiple of 4 KiB";
    case kOutOfRange: return "range outside the IPA space or above 48-bit PAs";
    case kOutOfTables: return "out of stage-2 table pages";
    case kAlreadyMapped: return "range already mapped";
    case kSplitsBlock: return "unmap would split a block";
  }
  return "unknown error";
}

}  // namespace el2lab::stage2
