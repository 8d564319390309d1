#pragma once
/// \file
/// \brief Polled driver for the PL011 UART: the hypervisor's console.

#include <cstdint>
#include <string_view>

namespace el2lab::board {

/// \ingroup board
/// \brief A PL011 UART used for output only, by polling (no interrupts at EL2 for it).
class Pl011 {
 public:
  /// A UART whose registers start at physical address \p base.
  explicit constexpr Pl011(std::uint64_t base) : base_(base) {}
  /// Writes \p text, turning "\n" into "\r\n" for terminals.
  void put(std::string_view text) const;
  /// Waits until every queued character has left the transmitter.
  void flush() const;
  /// The register base address.
  constexpr std::uint64_t base() const { return base_; }

 private:
  void put_char(char c) const;
  std::uint64_t base_;
};

}  // namespace el2lab::board
