#include "core/portable/fdt.h"

namespace el2lab::fdt {
namespace {

// Header field offsets (Devicetree Specification, "Header").
constexpr std::size_t kOffMagic = 0;
constexpr std::size_t kOffTotalSize = 4;
constexpr std::size_t kOffStructOffset = 8;
constexpr std::size_t kOffStringsOffset = 12;
constexpr std::size_t kOffVersion = 20;
constexpr std::size_t kOffStringsSize = 32;
constexpr std::size_t kOffStructSize = 36;
constexpr std::uint32_t kMinVersion = 16;

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint32_t header_word(std::span<const std::uint8_t> blob, std::size_t offset) {
  return load_be32(blob.data() + offset);
}

constexpr std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// A block [offset, offset + size) must lie inside the blob.
bool block_fits(std::size_t offset, std::size_t size, std::size_t total) {
  return offset <= total && size <= total - offset;
}

}  // namespace

std::string_view error_name(Error error) {
  switch (error) {
    case Error::kNone: return "valid";
    case Error::kNullPointer: return "no device tree (null pointer)";
    case Error::kBadMagic: return "not a device tree (bad magic)";
    case Error::kBadVersion: return "device tree version older than 16";
    case Error::kBadSize: return "device tree size out of bounds";
    case Error::kBadLayout: return "device tree blocks out of bounds";
  }
  return "unknown error";
}

// ---- Property ------------------------------------------------------------------------------

std::optional<std::uint32_t> Property::as_u32() const {
  if (value_.size() != 4) return std::nullopt;
  return load_be32(value_.data());
}

std::optional<std::uint64_t> Property::as_u64() const {
  if (value_.size() == 4) return load_be32(value_.data());
  if (value_.size() == 8) return number_at(0, 2);
  return std::nullopt;
}

std::optional<std::uint64_t> Property::number_at(std::size_t index, std::uint32_t cells) const {
  if (cells != 1 && cells != 2) return std::nullopt;
  const std::size_t width = 4 * std::size_t{cells};
  if (index >= value_.size() / width) return std::nullopt;
  const std::uint8_t* p = value_.data() + index * width;
  std::uint64_t value = load_be32(p);
  if (cells == 2) value = (value << 32) | load_be32(p + 4);
  return value;
}

std::string_view Property::as_string() const {
  if (value_.empty() || value_.back() != 0) return {};
  const auto* chars = reinterpret_cast<const char*>(value_.data());
  std::size_t len = 0;
  while (chars[len] != 0) ++len;
  return {chars, len};
}

bool Property::contains_string(std::string_view s) const {
  if (value_.empty() || value_.back() != 0) return false;
  const auto* chars = reinterpret_cast<const char*>(value_.data());
  std::size_t start = 0;
  for (std::size_t i = 0; i < value_.size(); ++i) {
    if (chars[i] == 0) {
      if (std::string_view(chars + start, i - start) == s) return true;
      start = i + 1;
    }
  }
  return false;
}

// ---- Node ----------------------------------------------------------------------------------

std::string_view Node::name() const {
  std::size_t next = 0;
  return fdt_->struct_name(offset_ + 4, &next).value_or(std::string_view{});
}

std::string_view Node::base_name() const {
  std::string_view full = name();
  return full.substr(0, full.find('@'));
}

std::optional<Property> Node::property(std::string_view name) const {
  return fdt_->node_property(offset_, name);
}

bool Node::is_compatible(std::string_view compatible) const {
  auto prop = property("compatible");
  return prop && prop->contains_string(compatible);
}

std::optional<Region> Node::reg(std::size_t index) const {
  auto prop = property("reg");
  if (!prop || address_cells_ == 0 || address_cells_ > 2 || size_cells_ > 2) return std::nullopt;
  const std::size_t entry_bytes = 4 * std::size_t{address_cells_ + size_cells_};
  if (index >= prop->bytes().size() / entry_bytes) return std::nullopt;
  Property entry(prop->name(), prop->bytes().subspan(index * entry_bytes, entry_bytes));
  Region region;
  region.base = *entry.number_at(0, address_cells_);
  if (size_cells_ != 0) {
    Property size(prop->name(), entry.bytes().subspan(4 * std::size_t{address_cells_}));
    region.size = *size.number_at(0, size_cells_);
  }
  return region;
}

std::uint32_t Node::child_address_cells() const {
  auto prop = property("#address-cells");
  return prop ? prop->as_u32().value_or(2) : 2;
}

std::uint32_t Node::child_size_cells() const {
  auto prop = property("#size-cells");
  return prop ? prop->as_u32().value_or(1) : 1;
}

// ---- Fdt -----------------------------------------------------------------------------------

std::uint32_t Fdt::total_size(const void* blob) {
  if (blob == nullptr) return 0;
  const auto* bytes = static_cast<const std::uint8_t*>(blob);
  if (load_be32(bytes + kOffMagic) != kMagic) return 0;
  return load_be32(bytes + kOffTotalSize);
}

std::optional<Fdt> Fdt::from(const void* blob, std::size_t max_size, Error* error) {
  auto fail = [error](Error e) -> std::optional<Fdt> {
    if (error != nullptr) *error = e;
    return std::nullopt;
  };
  if (blob == nullptr) return fail(Error::kNullPointer);
  if (max_size < kHeaderSize) return fail(Error::kBadSize);
  std::span<const std::uint8_t> header(static_cast<const std::uint8_t*>(blob), kHeaderSize);
  if (header_word(header, kOffMagic) != kMagic) return fail(Error::kBadMagic);
  if (header_word(header, kOffVersion) < kMinVersion) return fail(Error::kBadVersion);
  const std::size_t total = header_word(header, kOffTotalSize);
  if (total < kHeaderSize || total > max_size) return fail(Error::kBadSize);

  const std::size_t struct_off = header_word(header, kOffStructOffset);
  const std::size_t struct_size = header_word(header, kOffStructSize);
  const std::size_t strings_off = header_word(header, kOffStringsOffset);
  const std::size_t strings_size = header_word(header, kOffStringsSize);
  if (!block_fits(struct_off, struct_size, total) ||
      !block_fits(strings_off, strings_size, total) || struct_off % 4 != 0 ||
      struct_size % 4 != 0 || struct_size < 4) {
    return fail(Error::kBadLayout);
  }

  Fdt fdt(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(blob), total));
  fdt.struct_block_ = fdt.blob_.subspan(struct_off, struct_size);
  fdt.strings_block_ = fdt.blob_.subspan(strings_off, strings_size);
  // The struct block must open with the root node.
  if (fdt.struct_word(0) != kBeginNode) return fail(Error::kBadLayout);
  if (error != nullptr) *error = Error::kNone;
  return fdt;
}

std::optional<std::uint32_t> Fdt::struct_word(std::size_t offset) const {
  if (offset % 4 != 0 || offset > struct_block_.size() || struct_block_.size() - offset < 4) {
    return std::nullopt;
  }
  return load_be32(struct_block_.data() + offset);
}

std::optional<std::string_view> Fdt::struct_name(std::size_t offset, std::size_t* next) const {
  const auto* chars = reinterpret_cast<const char*>(struct_block_.data());
  for (std::size_t i = offset; i < struct_block_.size(); ++i) {
    if (chars[i] == 0) {
      *next = align4(i + 1);
      return std::string_view(chars + offset, i - offset);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> Fdt::string_at(std::uint32_t offset) const {
  const auto* chars = reinterpret_cast<const char*>(strings_block_.data());
  for (std::size_t i = offset; i < strings_block_.size(); ++i) {
    if (chars[i] == 0) return std::string_view(chars + offset, i - offset);
  }
  return std::nullopt;
}

std::optional<Property> Fdt::property_at(std::size_t offset, std::size_t* next) const {
  // FDT_PROP, then len and nameoff, then len value bytes padded to 4.
  auto len = struct_word(offset + 4);
  auto name_offset = struct_word(offset + 8);
  if (!len || !name_offset) return std::nullopt;
  const std::size_t value_offset = offset + 12;
  if (*len > struct_block_.size() - value_offset) return std::nullopt;
  auto name = string_at(*name_offset);
  if (!name) return std::nullopt;
  *next = align4(value_offset + *len);
  return Property(*name, struct_block_.subspan(value_offset, *len));
}

std::optional<std::size_t> Fdt::skip_node(std::size_t offset) const {
  std::size_t pos = 0;
  if (!struct_name(offset + 4, &pos)) return std::nullopt;
  std::size_t depth = 1;
  while (auto token = struct_word(pos)) {
    switch (*token) {
      case kBeginNode:
        if (++depth > kMaxDepth || !struct_name(pos + 4, &pos)) return std::nullopt;
        break;
      case kEndNode:
        pos += 4;
        if (--depth == 0) return pos;
        break;
      case kProp:
        if (!property_at(pos, &pos)) return std::nullopt;
        break;
      case kNop: pos += 4; break;
      default: return std::nullopt;  // kEnd inside a node, or garbage.
    }
  }
  return std::nullopt;
}

std::optional<Property> Fdt::node_property(std::size_t offset, std::string_view name) const {
  std::size_t pos = 0;
  if (!struct_name(offset + 4, &pos)) return std::nullopt;
  // Properties precede subnodes, so the search ends at the first non-property token.
  while (auto token = struct_word(pos)) {
    if (*token == kNop) {
      pos += 4;
      continue;
    }
    if (*token != kProp) break;
    auto prop = property_at(pos, &pos);
    if (!prop) break;
    if (prop->name() == name) return prop;
  }
  return std::nullopt;
}

Node Fdt::root() const {
  return Node(this, 0, 2, 1);
}

std::optional<Node> Fdt::find_path(std::string_view path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  Node node = root();
  path.remove_prefix(1);
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (component.empty()) continue;
    const bool has_unit = component.find('@') != std::string_view::npos;
    std::optional<Node> found;
    node.for_each_child([&](const Node& child) {
      if ((has_unit ? child.name() : child.base_name()) == component) found = child;
      return !found;
    });
    if (!found) return std::nullopt;
    node = *found;
  }
  return node;
}

std::optional<Node> Fdt::find_compatible(std::string_view compatible) const {
  std::optional<Node> found;
  for_each_node([&](const Node& node) {
    if (node.is_compatible(compatible)) found = node;
    return !found;
  });
  return found;
}

std::optional<Node> Fdt::find_phandle(std::uint32_t phandle) const {
  std::optional<Node> found;
  for_each_node([&](const Node& node) {
    auto prop = node.property("phandle");
    if (prop && prop->as_u32() == phandle) found = node;
    return !found;
  });
  return found;
}

}  // namespace el2lab::fdt
