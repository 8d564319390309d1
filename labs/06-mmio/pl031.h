#pragma once
/// \file
/// \brief Lab 06 — an emulated PL031 real-time clock: the device behind MmioHal's window.
///
/// MmioHal (labs/06-mmio/mmio_hal.h) puts one Pl031 on the guest's MMIO bus at IPA 0x0b010000
/// and in its device tree. Every load or store the guest makes in that window traps to EL2
/// (nothing is mapped there at stage 2), is decoded into an MmioRead/MmioWrite exit and lands
/// here: read() or write(), with the offset into the window and the access width in bytes.
/// It is plain C++: the grader also tests it on your machine, with a fake clock.
///
/// The starter refuses every access, so the guest gets an external abort at its first read.

#include <cstdint>
#include <optional>

namespace el2lab::labs {

/// \brief The Arm PrimeCell PL031 real-time clock, one 32-bit register access at a time.
class Pl031 {
 public:
  /// Seconds on a clock that only goes forward (the board's counter; a fake one in tests).
  using Clock = std::uint64_t (*)();
  /// What DR reads when the device is made: 2026-01-01T00:00:00Z in seconds since 1970.
  static constexpr std::uint32_t kEpoch = 1'767'225'600;

  explicit Pl031(Clock clock) : clock_(clock), base_time_(clock()) {}

  /// A load of \p width bytes at \p offset into the 4 KiB window; nullopt for an access the
  /// device refuses (the guest then gets an external abort).
  std::optional<std::uint64_t> read(std::uint64_t offset, unsigned width) {
    // TODO(06.4): refuse (nullopt) what a PL031 does not decode: any width but 4 bytes, an
    //             offset that is not a multiple of 4, an offset past the window (kWindow).
    //             Reserved offsets and ICR (write-only) read as 0.
    // TODO(06.1): DR: kEpoch when the device is made, one more every second of clock_(),
    //             32 bits wide (it wraps). LR: the last value written to it (0 at reset).
    // TODO(06.2): MR, IMSC, RIS, MIS (= RIS & IMSC). RIS becomes 1 when the count reaches MR.
    // TODO(06.3): CR reads 1 (the clock runs from reset), and the ID registers at
    //             0xFE0..0xFFC: PeriphID0-3 then PCellID0-3, one byte each in the low 8 bits
    //             (values in the PL031 TRM, and in the guide).
    (void)offset;
    (void)width;
    return std::nullopt;
  }

  /// A store; false for an access the device refuses. Stores to read-only registers and to
  /// reserved offsets are accepted and ignored, as on the real device.
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    // TODO(06.4): the same refusals as read().
    // TODO(06.1): LR: the count becomes the value written, and counts on from there.
    // TODO(06.2): MR (a match value equal to the count matches at once), IMSC (bit 0),
    //             ICR (writing 1 clears RIS).
    (void)offset;
    (void)width;
    (void)value;
    return false;
  }

 private:
  // Register offsets (PL031 TRM, ARM DDI 0224).
  static constexpr std::uint64_t kDr = 0x00, kMr = 0x04, kLr = 0x08, kCr = 0x0c, kImsc = 0x10,
                                 kRis = 0x14, kMis = 0x18, kIcr = 0x1c, kId = 0xfe0;
  static constexpr std::uint64_t kWindow = 0x1000;

  Clock clock_;
  std::uint64_t base_time_;  // clock_() when the device was made
  // Add what you need: the count at some moment, MR, LR, IMSC, RIS ...
};

}  // namespace el2lab::labs
