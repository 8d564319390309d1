#pragma once
/// \file
/// \brief An emulated PL011 UART: the guest's console when its UART is not passed through.
///
/// Enough of the PL011 for a polling driver and for Linux's amba probe: the data register
/// sends bytes to the hypervisor's console, the flag register always says "transmit FIFO
/// empty, receive FIFO empty", control registers keep what the guest writes, and the
/// PrimeCell ID registers identify a PL011.

#include <array>
#include <cstdint>
#include <optional>

namespace el2lab::devices {

/// \ingroup devices
/// \brief The virtual UART.
class Pl011Emulation {
 public:
  /// Where transmitted bytes go.
  using Sink = void (*)(char);
  /// A UART that hands each transmitted byte to \p sink.
  explicit Pl011Emulation(Sink sink) : sink_(sink) {}
  /// A register read; nullopt for an access no PL011 register allows.
  std::optional<std::uint64_t> read(std::uint64_t offset, unsigned width) const;
  /// A register write; false for an access no PL011 register allows.
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    // The data register takes every byte the guest prints: answered here, without a call.
    if (offset == 0 && valid(offset, width)) [[likely]] {
      ++bytes_sent_;
      sink_(static_cast<char>(value & 0xff));
      return true;
    }
    return write_register(offset, width, value);
  }
  /// Bytes the guest has transmitted so far.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  // PL011 registers are 32-bit or narrower: 8/16/32-bit aligned accesses are allowed.
  static constexpr bool valid(std::uint64_t offset, unsigned width) {
    constexpr unsigned kWidths = (1u << 1) | (1u << 2) | (1u << 4);  // one bit test for all three
    return width < 32 && ((kWidths >> width) & 1) != 0 && (offset & (width - 1)) == 0 &&
           offset < 0x1000;
  }
  // Any other register write (write() is the data register's).
  bool write_register(std::uint64_t offset, unsigned width, std::uint64_t value);

  Sink sink_;
  std::uint64_t bytes_sent_ = 0;
  std::array<std::uint32_t, 0x50 / 4> regs_{};  ///< 0x000–0x04c: control state as written.
};

}  // namespace el2lab::devices
