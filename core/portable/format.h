#pragma once
/// \file
/// \brief Type-safe text formatting without libc: `write(out, "x = ", Hex{x}, "\n")`.
///
/// The hypervisor has no printf. Instead each argument's type picks how it is written, so a
/// wrong format string cannot exist. Any type with `void put(std::string_view)` is an output:
/// the UART at EL2, a fixed buffer in the host tests.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace el2lab::fmt {

/// \defgroup format Text formatting
/// \brief printf-free, type-checked output for the hypervisor's log.
/// \{

/// Something text can be written to.
template <typename T>
concept Output = requires(T& out, std::string_view s) {
  out.put(s);
};

/// An unsigned number written in hexadecimal with a "0x" prefix.
struct Hex {
  std::uint64_t value;      ///< The number.
  unsigned min_digits = 1;  ///< Pad with zeros to at least this many digits.
};

/// A number written in hexadecimal zero-padded to 16 digits (a full 64-bit register).
constexpr Hex Reg(std::uint64_t value) {
  return Hex{value, 16};
}

/// A byte count written with a binary unit ("512 MiB", "4 KiB", "100 B").
struct Size {
  std::uint64_t bytes;  ///< The number of bytes.
};

/// A string written left-aligned in a field of \p width characters.
struct Padded {
  std::string_view text;  ///< What to write.
  std::size_t width;      ///< Field width; longer text is not cut.
};

/// Writes \p value in hex ("0x2a") into \p buf and returns the written part.
std::string_view to_hex(std::uint64_t value, unsigned min_digits, std::span<char, 20> buf);
/// Writes \p value in decimal into \p buf and returns the written part.
std::string_view to_dec(std::uint64_t value, std::span<char, 20> buf);
/// Writes a signed \p value in decimal into \p buf and returns the written part.
std::string_view to_dec_signed(std::int64_t value, std::span<char, 21> buf);

/// \cond INTERNAL
namespace detail {
template <Output Out>
void put_one(Out& out, std::string_view s) {
  out.put(s);
}
template <Output Out>
void put_one(Out& out, const char* s) {
  out.put(std::string_view(s == nullptr ? "(null)" : s));
}
template <Output Out>
void put_one(Out& out, char c) {
  out.put(std::string_view(&c, 1));
}
template <Output Out>
void put_one(Out& out, bool b) {
  out.put(b ? "true" : "false");
}
template <Output Out, std::unsigned_integral T>
void put_one(Out& out, T value) {
  char buf[20];
  out.put(to_dec(value, buf));
}
template <Output Out, std::signed_integral T>
void put_one(Out& out, T value) {
  char buf[21];
  out.put(to_dec_signed(value, buf));
}
template <Output Out>
void put_one(Out& out, Hex hex) {
  char buf[20];
  out.put(to_hex(hex.value, hex.min_digits, buf));
}
template <Output Out>
void put_one(Out& out, Size size) {
  constexpr std::string_view kUnits[] = {" B", " KiB", " MiB", " GiB", " TiB"};
  std::size_t unit = 0;
  std::uint64_t n = size.bytes;
  // Step up a unit only while the number stays exact, so "1536 KiB" is not rounded.
  while (unit + 1 < std::size(kUnits) && n >= 1024 && n % 1024 == 0) {
    n /= 1024;
    ++unit;
  }
  put_one(out, n);
  out.put(kUnits[unit]);
}
template <Output Out>
void put_one(Out& out, Padded p) {
  out.put(p.text);
  for (std::size_t i = p.text.size(); i < p.width; ++i) out.put(" ");
}
}  // namespace detail
/// \endcond

/// Writes every argument to \p out in order; see the overloads above for how each type looks.
template <Output Out, typename... Args>
void write(Out& out, const Args&... args) {
  (detail::put_one(out, args), ...);
}

/// An Output into a fixed character array; text that does not fit is dropped.
template <std::size_t N>
class Buffer {
 public:
  /// Appends \p s, as much of it as fits.
  void put(std::string_view s) {
    for (char c : s) {
      if (len_ < N) data_[len_++] = c;
    }
  }
  /// Appends \p c if it fits.
  void put(char c) {
    if (len_ < N) data_[len_++] = c;
  }
  /// What has been written so far.
  std::string_view view() const { return {data_, len_}; }
  /// True once nothing more fits.
  bool full() const { return len_ == N; }
  /// Forgets the contents.
  void clear() { len_ = 0; }

 private:
  char data_[N] = {};
  std::size_t len_ = 0;
};

/// \}

}  // namespace el2lab::fmt
