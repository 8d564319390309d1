#pragma once
/// \file
/// \brief Writes flattened device tree blobs into caller-provided memory.
///
/// The hypervisor hands each guest a device tree describing the machine the guest sees, which
/// is not the machine QEMU describes to us: fewer CPUs, a slice of RAM, a PSCI conduit of HVC.
/// So the tree has to be written, not forwarded. There is no heap at EL2, so the writer fills
/// one fixed buffer and checks every byte it writes against the buffer's end.
///
/// Layout of the buffer while writing:
///
///     0        40            56                                          out.size()
///     | header | reserve map | struct block ->   (free)   <- property names |
///
/// The struct block grows up from offset 56; the property names grow down from the end of the
/// buffer, so neither needs a size guessed in advance and the two meet only when the buffer is
/// really full. finish() slides the names down to sit right after the struct block and then
/// fixes the name offsets the struct block refers to them by.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/portable/fdt.h"

namespace el2lab::fdt {

/// \ingroup fdt
/// \brief Why a Writer gave up. The first error sticks: later calls do nothing.
enum class WriterError : std::uint8_t {
  kNone,        ///< Nothing went wrong (yet).
  kOverflow,    ///< The buffer is too small for the tree (or over 4 GiB, the format's limit).
  kUnbalanced,  ///< end_node() without a matching begin_node(), or finish() with nodes open.
  kBadName,     ///< A node or property name that the format cannot hold.
  kBadValue,    ///< A value that does not fit (a string with a NUL, a number too wide).
  kMisplaced,   ///< A call out of order: a property after a child node, or outside any node.
};

/// \ingroup fdt
/// \brief A short explanation of \p error for log lines.
std::string_view writer_error_name(WriterError error);

/// \ingroup fdt
/// \brief Builds a device tree blob (version 17) in a caller-provided buffer.
///
/// Usage: begin_node("") for the root, then for each node its properties first and its
/// children after (the format requires that order), end_node() for each begin_node(), and
/// finally finish(). Nothing is ever written outside the buffer; if it runs out, or a call is
/// invalid, the writer records the error, ignores every later call, and finish() returns
/// nullopt. The caller can therefore write the whole tree without checking each step.
///
/// Property names are stored once each, however many nodes use them. Value spans must not
/// point into the output buffer itself.
class Writer {
 public:
  /// Size of the blob header (Devicetree Specification, "Header").
  static constexpr std::size_t kHeaderSize = 40;
  /// Offset of the memory reservation block: right after the header, 8-byte aligned.
  static constexpr std::size_t kReserveMapOffset = kHeaderSize;
  /// Offset of the struct block: after one all-zero reservation entry (an empty list).
  static constexpr std::size_t kStructOffset = kReserveMapOffset + 16;

  /// Prepares to write into \p out. The blob starts at out[0]; the caller aligns \p out as its
  /// consumer requires (Linux wants 8 bytes). Bytes past the final totalsize are unspecified.
  explicit Writer(std::span<std::uint8_t> out);

  /// Opens a node called \p name ("name" or "name@unit-address"). The first node must be the
  /// root, whose name is ""; every other node must have a non-empty name without '/'.
  void begin_node(std::string_view name);
  /// Closes the innermost open node.
  void end_node();

  /// Adds a property with the raw bytes \p value to the open node.
  /// \param name the property name, e.g. "reg"; must not be empty or contain a NUL.
  /// \param value the value, copied as is.
  void property(std::string_view name, std::span<const std::uint8_t> value);
  /// Adds a property holding the one cell \p v.
  void property_u32(std::string_view name, std::uint32_t v);
  /// Adds a property holding \p v as two cells, high cell first.
  void property_u64(std::string_view name, std::uint64_t v);
  /// Adds a property holding \p cells, each written big-endian.
  void property_cells(std::string_view name, std::span<const std::uint32_t> cells);
  /// Adds a NUL-terminated string property; \p s must not contain a NUL.
  void property_string(std::string_view name, std::string_view s);
  /// Adds a string list (each string NUL-terminated, back to back), as "compatible" uses.
  void property_strings(std::string_view name, std::span<const std::string_view> list);
  /// Adds a property without a value, a flag such as "interrupt-controller".
  void property_empty(std::string_view name);
  /// Adds a "reg"-style property: each region as \p address_cells cells of base followed by
  /// \p size_cells cells of size (the cell counts the parent node declared).
  /// \param name the property name, normally "reg".
  /// \param regions the regions, in order.
  /// \param address_cells 1 or 2; a base that does not fit is an error, not truncated.
  /// \param size_cells 0, 1 or 2; with 0 every size must be 0.
  void property_reg(std::string_view name, std::span<const Region> regions,
                    std::uint32_t address_cells, std::uint32_t size_cells);

  /// Completes the blob: the end token, the property names, the reservation map and the
  /// header. Calling it again returns the same size; any other call after it is an error.
  /// \return the blob's totalsize, or nullopt if the buffer overflowed, nodes are unbalanced,
  /// or any earlier call failed (see error()).
  std::optional<std::size_t> finish();

  /// True while no call has failed.
  bool ok() const { return error_ == WriterError::kNone; }
  /// The first failure, or WriterError::kNone.
  WriterError error() const { return error_; }

 private:
  /// Records \p error unless an earlier one is already recorded.
  void fail(WriterError error);
  /// Claims \p size bytes at the end of the struct block; nullptr (and kOverflow) if they do
  /// not fit below the names.
  std::uint8_t* claim(std::size_t size);
  /// Appends a big-endian word to the struct block.
  void put_word(std::uint32_t word);
  /// Stores \p name among the property names unless it is already there. Returns its
  /// distance from the end of the buffer, the only position known before finish().
  std::optional<std::uint32_t> intern(std::string_view name);
  /// Writes an FDT_PROP header for a \p size -byte value and returns where the value goes
  /// (padding already zeroed), or nullptr after recording why not.
  std::uint8_t* begin_property(std::string_view name, std::size_t size);
  /// Rewrites every property's name offset, from distance-from-buffer-end to offset into the
  /// strings block of \p strings_size bytes.
  void fix_name_offsets(std::size_t strings_size);

  std::span<std::uint8_t> out_;
  std::size_t struct_end_ = kStructOffset;  ///< First free byte after the struct block.
  std::size_t strings_start_ = 0;           ///< First byte of the names (they end at out_'s end).
  std::size_t depth_ = 0;                   ///< Nodes currently open.
  bool root_closed_ = false;                ///< The root has been ended: only finish() is left.
  bool after_child_ = false;                ///< The open node already has a (closed) child.
  std::size_t total_size_ = 0;              ///< Set by a successful finish().
  WriterError error_ = WriterError::kNone;
};

}  // namespace el2lab::fdt
