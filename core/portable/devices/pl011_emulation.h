#pragma once
/// \file
/// \brief An emulated PL011 UART: the guest's console when its UART is not passed through.
///
/// Enough of the PL011 for a polling driver and for Linux's amba probe: the data register
/// sends bytes to the hypervisor's console, the flag register always says "transmit FIFO
/// empty, receive FIFO empty", control registers keep what the guest writes, and the
/// PrimeCell ID registers identify a PL011. A doubleword access is two word accesses, the low
/// word at its address and the high word 4 bytes on, as QEMU's bus splits one for QEMU's own
/// PL011 (the PL011 has no 64-bit registers; bare QEMU is the witness for what such an access
/// does).

#include <array>
#include <cstdint>
#include <optional>

namespace el2lab::devices {

/// \ingroup devices
/// \brief The virtual UART.
class Pl011Emulation {
 public:
  /// A register read; nullopt for an access no PL011 register allows.
  std::optional<std::uint64_t> read(std::uint64_t offset, unsigned width) const;
  /// A register write; false for an access no PL011 register allows. A byte written to the
  /// data register is handed to \p transmit (called with the byte, a `char`): where the guest's
  /// output goes is the caller's business, and a call it can inline.
  template <typename Transmit>
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value, Transmit&& transmit) {
    if (sends(offset, width)) [[likely]] {
      send(value, transmit);
      return true;
    }
    if (is_doubleword(offset, width)) {
      write(offset, 4, value & 0xffff'ffff, transmit);
      return write(offset + 4, 4, value >> 32, transmit);
    }
    return write_register(offset, width, value);
  }
  /// Whether a write of \p width bytes at \p offset sends a byte (its low byte), as every
  /// byte the guest prints is sent: a write of the data register. Decided by the access alone,
  /// so a caller that serialises the UART's state can decide it before it takes its lock.
  static constexpr bool sends(std::uint64_t offset, unsigned width) {
    return offset == 0 && (width == 4 || width == 1 || width == 2);  // valid(0, width)
  }
  /// The rest of a write sends() accepted: the low byte of \p value to \p transmit.
  template <typename Transmit>
  void send(std::uint64_t value, Transmit&& transmit) {
    ++bytes_sent_;
    transmit(static_cast<char>(value & 0xff));
  }
  /// Bytes the guest has transmitted so far.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  // A doubleword access inside the window, naturally aligned: two word accesses.
  static constexpr bool is_doubleword(std::uint64_t offset, unsigned width) {
    return width == 8 && offset % 8 == 0 && offset < 0x1000;
  }
  // PL011 registers are 32-bit or narrower: 8/16/32-bit aligned accesses reach one of them.
  static constexpr bool valid(std::uint64_t offset, unsigned width) {
    constexpr unsigned kWidths = (1u << 1) | (1u << 2) | (1u << 4);  // one bit test for all three
    return width < 32 && ((kWidths >> width) & 1) != 0 && (offset & (width - 1)) == 0 &&
           offset < 0x1000;
  }
  // Any other register write (write() answers the data register's low byte; a write to one
  // of its upper bytes transmits nothing).
  bool write_register(std::uint64_t offset, unsigned width, std::uint64_t value);

  std::uint64_t bytes_sent_ = 0;
  std::array<std::uint32_t, 0x50 / 4> regs_{};  ///< 0x000–0x04c: control state as written.
};

}  // namespace el2lab::devices
