#include "core/portable/fdt_writer.h"

#include <array>

namespace el2lab::fdt {
namespace {

// Struct block tokens (Devicetree Specification, "Structure Block").
constexpr std::uint32_t kBeginNode = 1;
constexpr std::uint32_t kEndNode = 2;
constexpr std::uint32_t kProp = 3;
constexpr std::uint32_t kEnd = 9;

// The version written, and the oldest version a reader must understand to read it.
constexpr std::uint32_t kVersion = 17;
constexpr std::uint32_t kLastCompatibleVersion = 16;

constexpr std::uint32_t kMaxU32 = 0xffff'ffff;

constexpr std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// Byte by byte: the blob has no alignment guarantee and EL2 runs with strict alignment checks.
void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void copy_bytes(std::uint8_t* to, const char* from, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) to[i] = static_cast<std::uint8_t>(from[i]);
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// Stores \p value in \p cells big-endian cells at \p p; false if it needs more cells.
bool store_cells(std::uint8_t* p, std::uint64_t value, std::uint32_t cells) {
  if (cells == 1) {
    if (value > kMaxU32) return false;
    store_be32(p, static_cast<std::uint32_t>(value));
  } else if (cells == 2) {
    store_be32(p, static_cast<std::uint32_t>(value >> 32));
    store_be32(p + 4, static_cast<std::uint32_t>(value));
  } else if (value != 0) {
    return false;  // No cells: only a zero can be "stored".
  }
  return true;
}

}  // namespace

std::string_view writer_error_name(WriterError error) {
  switch (error) {
    case WriterError::kNone: return "no error";
    case WriterError::kOverflow: return "device tree buffer too small";
    case WriterError::kUnbalanced: return "device tree nodes not balanced";
    case WriterError::kBadName: return "invalid device tree node or property name";
    case WriterError::kBadValue: return "device tree property value does not fit";
    case WriterError::kMisplaced: return "device tree call out of order";
  }
  return "unknown error";
}

Writer::Writer(std::span<std::uint8_t> out) : out_(out), strings_start_(out.size()) {
  // Even an empty tree needs the header and the reservation map.
  if (out.size() < kStructOffset) fail(WriterError::kOverflow);
}

void Writer::fail(WriterError error) {
  if (error_ == WriterError::kNone) error_ = error;
}

std::uint8_t* Writer::claim(std::size_t size) {
  if (!ok()) return nullptr;
  // ok() implies struct_end_ <= strings_start_, so the subtraction cannot wrap.
  if (size > strings_start_ - struct_end_) {
    fail(WriterError::kOverflow);
    return nullptr;
  }
  std::uint8_t* p = out_.data() + struct_end_;
  struct_end_ += size;
  return p;
}

void Writer::put_word(std::uint32_t word) {
  if (std::uint8_t* p = claim(4)) store_be32(p, word);
}

void Writer::begin_node(std::string_view name) {
  if (!ok()) return;
  if (root_closed_) return fail(WriterError::kMisplaced);
  const bool is_root = depth_ == 0;
  if (is_root != name.empty() || has_nul(name) || name.find('/') != std::string_view::npos) {
    return fail(WriterError::kBadName);
  }
  // FDT_BEGIN_NODE, then the name with its NUL, padded to a word.
  std::uint8_t* p = claim(4 + align4(name.size() + 1));
  if (p == nullptr) return;
  store_be32(p, kBeginNode);
  copy_bytes(p + 4, name.data(), name.size());
  for (std::size_t i = 4 + name.size(); i < 4 + align4(name.size() + 1); ++i) p[i] = 0;
  ++depth_;
  after_child_ = false;
}

void Writer::end_node() {
  if (!ok()) return;
  if (depth_ == 0) return fail(WriterError::kUnbalanced);
  put_word(kEndNode);
  if (!ok()) return;
  --depth_;
  // Back in the parent, which now has a child: its property list is closed.
  after_child_ = true;
  if (depth_ == 0) root_closed_ = true;
}

std::optional<std::uint32_t> Writer::intern(std::string_view name) {
  const std::size_t end = out_.size();
  // Any earlier name that ends with this one will do: the format only asks that the offset
  // point at the name's characters followed by a NUL.
  for (std::size_t at = strings_start_; at + name.size() < end; ++at) {
    bool match = out_[at + name.size()] == 0;
    for (std::size_t i = 0; match && i < name.size(); ++i) {
      match = out_[at + i] == static_cast<std::uint8_t>(name[i]);
    }
    if (match) {
      if (end - at > kMaxU32) break;
      return static_cast<std::uint32_t>(end - at);
    }
  }
  const std::size_t size = name.size() + 1;
  if (size > strings_start_ - struct_end_ || end - (strings_start_ - size) > kMaxU32) {
    fail(WriterError::kOverflow);
    return std::nullopt;
  }
  strings_start_ -= size;
  copy_bytes(out_.data() + strings_start_, name.data(), name.size());
  out_[strings_start_ + name.size()] = 0;
  return static_cast<std::uint32_t>(end - strings_start_);
}

std::uint8_t* Writer::begin_property(std::string_view name, std::size_t size) {
  if (!ok()) return nullptr;
  // The format lists a node's properties before its children, and every property in a node.
  if (depth_ == 0 || after_child_) {
    fail(WriterError::kMisplaced);
    return nullptr;
  }
  if (name.empty() || has_nul(name)) {
    fail(WriterError::kBadName);
    return nullptr;
  }
  if (size > kMaxU32) {
    fail(WriterError::kBadValue);
    return nullptr;
  }
  auto name_offset = intern(name);
  if (!name_offset) return nullptr;
  // FDT_PROP, value length, name offset, then the value padded to a word.
  std::uint8_t* p = claim(12 + align4(size));
  if (p == nullptr) return nullptr;
  store_be32(p, kProp);
  store_be32(p + 4, static_cast<std::uint32_t>(size));
  store_be32(p + 8, *name_offset);
  for (std::size_t i = 12 + size; i < 12 + align4(size); ++i) p[i] = 0;
  return p + 12;
}

void Writer::property(std::string_view name, std::span<const std::uint8_t> value) {
  std::uint8_t* p = begin_property(name, value.size());
  if (p == nullptr) return;
  for (std::size_t i = 0; i < value.size(); ++i) p[i] = value[i];
}

void Writer::property_u32(std::string_view name, std::uint32_t v) {
  if (std::uint8_t* p = begin_property(name, 4)) store_be32(p, v);
}

void Writer::property_u64(std::string_view name, std::uint64_t v) {
  if (std::uint8_t* p = begin_property(name, 8)) store_cells(p, v, 2);
}

void Writer::property_cells(std::string_view name, std::span<const std::uint32_t> cells) {
  std::uint8_t* p = begin_property(name, 4 * cells.size());
  if (p == nullptr) return;
  for (std::size_t i = 0; i < cells.size(); ++i) store_be32(p + 4 * i, cells[i]);
}

void Writer::property_string(std::string_view name, std::string_view s) {
  property_strings(name, std::span<const std::string_view>(&s, 1));
}

void Writer::property_strings(std::string_view name, std::span<const std::string_view> list) {
  if (!ok()) return;
  std::size_t size = 0;
  for (std::string_view s : list) {
    // A NUL inside would split the string in two for every reader.
    if (has_nul(s)) return fail(WriterError::kBadValue);
    size += s.size() + 1;
  }
  std::uint8_t* p = begin_property(name, size);
  if (p == nullptr) return;
  for (std::string_view s : list) {
    copy_bytes(p, s.data(), s.size());
    p[s.size()] = 0;
    p += s.size() + 1;
  }
}

void Writer::property_empty(std::string_view name) {
  begin_property(name, 0);
}

void Writer::property_reg(std::string_view name, std::span<const Region> regions,
                          std::uint32_t address_cells, std::uint32_t size_cells) {
  if (!ok()) return;
  if (address_cells < 1 || address_cells > 2 || size_cells > 2) {
    return fail(WriterError::kBadValue);
  }
  const std::size_t entry_size = 4 * std::size_t{address_cells + size_cells};
  // Check every region before claiming space, so a bad one leaves no half-written property.
  std::array<std::uint8_t, 8> scratch{};
  for (const Region& r : regions) {
    if (!store_cells(scratch.data(), r.base, address_cells) ||
        !store_cells(scratch.data(), r.size, size_cells)) {
      return fail(WriterError::kBadValue);
    }
  }
  std::uint8_t* p = begin_property(name, entry_size * regions.size());
  if (p == nullptr) return;
  for (const Region& r : regions) {
    store_cells(p, r.base, address_cells);
    store_cells(p + std::size_t{4} * address_cells, r.size, size_cells);
    p += entry_size;
  }
}

void Writer::fix_name_offsets(std::size_t strings_size) {
  // Walk the struct block just written; its shape is known, so no bounds surprises.
  std::size_t pos = kStructOffset;
  while (pos < struct_end_) {
    std::uint8_t* token = out_.data() + pos;
    switch (load_be32(token)) {
      case kBeginNode: {
        std::size_t name_end = pos + 4;
        while (out_[name_end] != 0) ++name_end;
        pos = align4(name_end + 1);  // kStructOffset is word aligned, so this is too.
        break;
      }
      case kProp: {
        const std::uint32_t distance = load_be32(token + 8);
        store_be32(token + 8, static_cast<std::uint32_t>(strings_size - distance));
        pos += 12 + align4(load_be32(token + 4));
        break;
      }
      default: pos += 4; break;  // kEndNode or kEnd.
    }
  }
}

std::optional<std::size_t> Writer::finish() {
  if (!ok()) return std::nullopt;
  if (total_size_ != 0) return total_size_;
  if (depth_ != 0 || !root_closed_) {
    fail(WriterError::kUnbalanced);
    return std::nullopt;
  }
  put_word(kEnd);
  if (!ok()) return std::nullopt;

  const std::size_t strings_size = out_.size() - strings_start_;
  const std::size_t total = struct_end_ + strings_size;
  if (total > kMaxU32) {
    fail(WriterError::kOverflow);
    return std::nullopt;
  }
  fix_name_offsets(strings_size);
  // Slide the names down to the struct block's end. The destination is never above the
  // source, so copying upwards from the first byte is safe even when they overlap.
  for (std::size_t i = 0; i < strings_size; ++i) {
    out_[struct_end_ + i] = out_[strings_start_ + i];
  }

  // One all-zero entry: the reservation list is empty.
  for (std::size_t i = kReserveMapOffset; i < kStructOffset; ++i) out_[i] = 0;

  const std::array<std::uint32_t, kHeaderSize / 4> header = {
      Fdt::kMagic,
      static_cast<std::uint32_t>(total),
      static_cast<std::uint32_t>(kStructOffset),
      static_cast<std::uint32_t>(struct_end_),  // Strings block offset.
      static_cast<std::uint32_t>(kReserveMapOffset),
      kVersion,
      kLastCompatibleVersion,
      0,  // boot_cpuid_phys: CPU 0 boots.
      static_cast<std::uint32_t>(strings_size),
      static_cast<std::uint32_t>(struct_end_ - kStructOffset),
  };
  for (std::size_t i = 0; i < header.size(); ++i) store_be32(out_.data() + 4 * i, header[i]);

  total_size_ = total;
  return total;
}

}  // namespace el2lab::fdt
