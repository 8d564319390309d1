#pragma once
/// \file
/// \brief Lab 06's reference solution: an emulated PL031 real-time clock.

#include <cstdint>
#include <optional>

namespace el2lab::labs {

/// \brief The Arm PrimeCell PL031 real-time clock, one 32-bit register access at a time.
///
/// Register map (PL031 TRM, ARM DDI 0224): DR 0x000 (the count, read-only), MR 0x004 (match),
/// LR 0x008 (load), CR 0x00C (start; always running here), IMSC 0x010 (interrupt mask),
/// RIS 0x014 (raw interrupt status), MIS 0x018 (masked status), ICR 0x01C (interrupt clear,
/// write-only), PeriphID0-3 and PCellID0-3 at 0xFE0-0xFFC.
class Pl031 {
 public:
  /// Seconds on a clock that only goes forward (the board's counter; a fake one in tests).
  using Clock = std::uint64_t (*)();
  /// What DR reads when the device is made: 2026-01-01T00:00:00Z in seconds since 1970.
  static constexpr std::uint32_t kEpoch = 1'767'225'600;

  explicit Pl031(Clock clock) : clock_(clock), base_time_(clock()), checked_(kEpoch) {}

  /// A load of \p width bytes at \p offset; nullopt for an access the device refuses.
  std::optional<std::uint64_t> read(std::uint64_t offset, unsigned width) {
    if (!word_access(offset, width)) return std::nullopt;
    update();
    switch (offset) {
      case kDr: return count();
      case kMr: return mr_;
      case kLr: return lr_;
      case kCr: return 1;  // running since reset; the start bit cannot be cleared
      case kImsc: return imsc_;
      case kRis: return ris_;
      case kMis: return ris_ & imsc_;
      default: break;
    }
    if (offset >= kId && offset < kId + 0x20) return kIdBytes[(offset - kId) / 4];
    return 0;  // ICR (write-only) and reserved offsets read as zero
  }

  /// A store; false for an access the device refuses. Stores to read-only registers and
  /// reserved offsets are ignored, as on the real device.
  bool write(std::uint64_t offset, unsigned width, std::uint64_t value) {
    if (!word_access(offset, width)) return false;
    update();
    const auto v = static_cast<std::uint32_t>(value);
    switch (offset) {
      case kMr:
        mr_ = v;
        match_now();
        break;
      case kLr:
        // The count becomes v now and goes on from there.
        base_count_ = v;
        base_time_ = clock_();
        lr_ = v;
        checked_ = v;
        match_now();
        break;
      case kImsc: imsc_ = v & 1; break;
      case kIcr: ris_ &= ~v & 1; break;
      default: break;
    }
    return true;
  }

 private:
  static constexpr std::uint64_t kDr = 0x00, kMr = 0x04, kLr = 0x08, kCr = 0x0c, kImsc = 0x10,
                                 kRis = 0x14, kMis = 0x18, kIcr = 0x1c, kId = 0xfe0;
  static constexpr std::uint64_t kWindow = 0x1000;
  static constexpr std::uint32_t kIdBytes[8] = {0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

  static bool word_access(std::uint64_t offset, unsigned width) {
    return width == 4 && offset % 4 == 0 && offset < kWindow;
  }

  std::uint32_t count() const {
    return static_cast<std::uint32_t>(base_count_ + (clock_() - base_time_));
  }

  // The interrupt fires when the count reaches MR: if it went from checked_ to now past MR
  // (or onto it), latch RIS. The subtraction wraps as the 32-bit count does.
  void update() {
    const std::uint32_t now = count();
    const std::uint32_t moved = now - checked_;
    if (moved != 0 && static_cast<std::uint32_t>(mr_ - checked_ - 1) < moved) ris_ = 1;
    checked_ = now;
  }

  // A match register written equal to the count (or a count loaded equal to it) matches at once.
  void match_now() {
    if (mr_ == count()) ris_ = 1;
  }

  Clock clock_;
  std::uint64_t base_time_;            // the clock when the count was base_count_
  std::uint32_t base_count_ = kEpoch;  // the count at base_time_
  std::uint32_t checked_;              // the count at the last access (for the match)
  std::uint32_t mr_ = 0, lr_ = 0, imsc_ = 0, ris_ = 0;
};

}  // namespace el2lab::labs
