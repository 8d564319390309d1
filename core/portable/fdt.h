#pragma once
/// \file
/// \brief A read-only parser for flattened device trees (FDT / DTB).
///
/// QEMU describes the machine to the hypervisor with a device tree whose address it passes in
/// x0: memory, CPUs, the GIC, the UART, the initrd (our guest image). This parser walks the blob
/// in place — no allocation, no copies — and checks every offset against the blob's size, because
/// later the same code reads device trees that come from guests.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace el2lab::fdt {

/// \defgroup fdt Device tree parsing
/// \brief Reading QEMU's description of the machine.
/// \{

/// Why a blob was rejected.
enum class Error : std::uint8_t {
  kNone,         ///< The blob is valid.
  kNullPointer,  ///< No blob at all (x0 was 0).
  kBadMagic,     ///< The first word is not 0xd00dfeed.
  kBadVersion,   ///< Older than version 16, the first one with the layout parsed here.
  kBadSize,      ///< totalsize is smaller than the header or larger than the caller allows.
  kBadLayout,    ///< A block lies outside the blob or is misaligned.
};

/// A short explanation of \p error for log lines.
std::string_view error_name(Error error);

/// One `reg` entry: a region in the parent bus's address space.
struct Region {
  std::uint64_t base = 0;  ///< First address.
  std::uint64_t size = 0;  ///< Length in bytes (0 when the parent has #size-cells = 0).
};

/// A property: its name and raw big-endian value.
class Property {
 public:
  /// Wraps a property whose value is \p value.
  Property(std::string_view name, std::span<const std::uint8_t> value)
      : name_(name), value_(value) {}

  /// The property's name, e.g. "compatible".
  std::string_view name() const { return name_; }
  /// The raw value bytes.
  std::span<const std::uint8_t> bytes() const { return value_; }
  /// The value as one big-endian 32-bit cell, if it is exactly 4 bytes long.
  std::optional<std::uint32_t> as_u32() const;
  /// The value as a number of 1 or 2 cells (4 or 8 bytes).
  std::optional<std::uint64_t> as_u64() const;
  /// Cell \p index of the value read as a list of \p cells -cell numbers (cells 1 or 2).
  std::optional<std::uint64_t> number_at(std::size_t index, std::uint32_t cells) const;
  /// The first string of a string (list) value; empty if the value is not NUL-terminated.
  std::string_view as_string() const;
  /// True if the value is a string list containing \p s (as in "compatible").
  bool contains_string(std::string_view s) const;

 private:
  std::string_view name_;
  std::span<const std::uint8_t> value_;
};

class Fdt;

/// A node of the tree. Cheap to copy: it is a position in the blob plus the cell sizes its
/// parent declared, which are needed to read its `reg`.
class Node {
 public:
  /// The node's name with unit address, e.g. "memory@40000000"; "" for the root.
  std::string_view name() const;
  /// The name without "@unit-address".
  std::string_view base_name() const;
  /// The property called \p name, if present.
  std::optional<Property> property(std::string_view name) const;
  /// True if the "compatible" list contains \p compatible.
  bool is_compatible(std::string_view compatible) const;
  /// Entry \p index of the "reg" property, decoded with the parent's \#address-cells/\#size-cells.
  std::optional<Region> reg(std::size_t index = 0) const;
  /// The \#address-cells this node declares for its children (2 if absent).
  std::uint32_t child_address_cells() const;
  /// The \#size-cells this node declares for its children (1 if absent).
  std::uint32_t child_size_cells() const;

  /// Calls \p visit(Node) for each direct child, in blob order; stops early if it returns false.
  template <typename Visitor>
  void for_each_child(Visitor&& visit) const;

 private:
  friend class Fdt;
  Node(const Fdt* fdt, std::size_t offset, std::uint32_t address_cells, std::uint32_t size_cells)
      : fdt_(fdt), offset_(offset), address_cells_(address_cells), size_cells_(size_cells) {}

  const Fdt* fdt_;
  std::size_t offset_;           ///< Offset of the node's FDT_BEGIN_NODE token in the struct block.
  std::uint32_t address_cells_;  ///< Parent's #address-cells: how to read this node's reg.
  std::uint32_t size_cells_;     ///< Parent's #size-cells.
};

/// A validated device tree blob.
class Fdt {
 public:
  /// The magic number at offset 0 of every blob.
  static constexpr std::uint32_t kMagic = 0xd00dfeed;
  /// Size of the header; the smallest possible totalsize.
  static constexpr std::size_t kHeaderSize = 40;

  /// Checks the header of the blob at \p blob, which may be at most \p max_size bytes long
  /// (\p max_size bounds how far the parser may ever read). Sets \p error on failure.
  static std::optional<Fdt> from(const void* blob, std::size_t max_size, Error* error = nullptr);

  /// Reads only the header's totalsize (the caller needs it before it can bound the blob).
  /// Returns 0 if \p blob is null or not a device tree.
  static std::uint32_t total_size(const void* blob);

  /// The root node "/".
  Node root() const;
  /// The node at an absolute \p path such as "/chosen" or "/cpus"; unit addresses must match
  /// exactly when given ("/memory@40000000"), or may be left out ("/memory").
  std::optional<Node> find_path(std::string_view path) const;
  /// The first node, in blob order, whose "compatible" list contains \p compatible.
  std::optional<Node> find_compatible(std::string_view compatible) const;
  /// The node whose "phandle" is \p phandle.
  std::optional<Node> find_phandle(std::uint32_t phandle) const;

  /// Calls \p visit(Node) for every node of the tree in blob order (root first);
  /// stops early if it returns false.
  template <typename Visitor>
  void for_each_node(Visitor&& visit) const;

  /// The whole blob.
  std::span<const std::uint8_t> bytes() const { return blob_; }

 private:
  friend class Node;
  /// Structure-block tokens.
  enum Token : std::uint32_t { kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9 };
  /// Deepest nesting the walker follows; QEMU's trees are 4 levels deep.
  static constexpr std::size_t kMaxDepth = 16;

  explicit Fdt(std::span<const std::uint8_t> blob) : blob_(blob) {}

  /// A 32-bit big-endian word of the struct block, or nullopt past its end.
  std::optional<std::uint32_t> struct_word(std::size_t offset) const;
  /// The NUL-terminated name at \p offset in the struct block; sets \p next past its padding.
  std::optional<std::string_view> struct_name(std::size_t offset, std::size_t* next) const;
  /// The string at \p offset of the strings block.
  std::optional<std::string_view> string_at(std::uint32_t offset) const;
  /// Decodes the FDT_PROP token at \p offset; sets \p next to the token after it.
  std::optional<Property> property_at(std::size_t offset, std::size_t* next) const;
  /// Offset of the token following the node that begins at \p offset (skipping its subtree).
  std::optional<std::size_t> skip_node(std::size_t offset) const;
  /// The property \p name of the node at \p offset.
  std::optional<Property> node_property(std::size_t offset, std::string_view name) const;
  /// Calls visit(child offset) for each child of the node at \p offset.
  template <typename Visitor>
  void walk_children(std::size_t offset, Visitor&& visit) const;

  std::span<const std::uint8_t> blob_;
  std::span<const std::uint8_t> struct_block_;
  std::span<const std::uint8_t> strings_block_;
};

/// \}

// ---- template implementations ------------------------------------------------------------

template <typename Visitor>
void Fdt::walk_children(std::size_t offset, Visitor&& visit) const {
  std::size_t pos = 0;
  if (!struct_name(offset + 4, &pos)) return;
  while (auto token = struct_word(pos)) {
    if (*token == kProp) {
      if (!property_at(pos, &pos)) return;
    } else if (*token == kNop) {
      pos += 4;
    } else if (*token == kBeginNode) {
      if (!visit(pos)) return;
      auto next = skip_node(pos);
      if (!next) return;
      pos = *next;
    } else {
      return;  // kEndNode of this node, kEnd, or garbage.
    }
  }
}

template <typename Visitor>
void Node::for_each_child(Visitor&& visit) const {
  const std::uint32_t ac = child_address_cells();
  const std::uint32_t sc = child_size_cells();
  fdt_->walk_children(offset_, [&](std::size_t child) {
    return static_cast<bool>(visit(Node(fdt_, child, ac, sc)));
  });
}

template <typename Visitor>
void Fdt::for_each_node(Visitor&& visit) const {
  // Recursion is bounded by kMaxDepth, so a hostile blob cannot exhaust the EL2 stack.
  auto visit_tree = [&](auto&& self, const Node& node, std::size_t depth) -> bool {
    if (!visit(node)) return false;
    if (depth + 1 >= kMaxDepth) return true;
    bool go_on = true;
    node.for_each_child([&](const Node& child) {
      go_on = self(self, child, depth + 1);
      return go_on;
    });
    return go_on;
  };
  visit_tree(visit_tree, root(), 0);
}

}  // namespace el2lab::fdt
