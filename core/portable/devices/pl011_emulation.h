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
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value);
  /// Bytes the guest has transmitted so far.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  Sink sink_;
  std::uint64_t bytes_sent_ = 0;
  std::array<std::uint32_t, 0x50 / 4> regs_{};  ///< 0x000–0x04c: control state as written.
};

}  // namespace el2lab::devices
