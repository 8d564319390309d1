#include "core/portable/format.h"

namespace el2lab::fmt {

std::string_view to_hex(std::uint64_t value, unsigned min_digits, std::span<char, 20> buf) {
  constexpr char kDigits[] = "0123456789abcdef";
  if (min_digits > 16) min_digits = 16;
  // Fill from the end so no reversal is needed.
  std::size_t pos = buf.size();
  unsigned digits = 0;
  do {
    buf[--pos] = kDigits[value & 0xf];
    value >>= 4;
    ++digits;
  } while (value != 0 || digits < min_digits);
  buf[--pos] = 'x';
  buf[--pos] = '0';
  return {buf.data() + pos, buf.size() - pos};
}

std::string_view to_dec(std::uint64_t value, std::span<char, 20> buf) {
  std::size_t pos = buf.size();
  do {
    buf[--pos] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return {buf.data() + pos, buf.size() - pos};
}

std::string_view to_dec_signed(std::int64_t value, std::span<char, 21> buf) {
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  std::string_view digits = to_dec(magnitude, buf.subspan<1, 20>());
  if (!negative) return digits;
  char* start = const_cast<char*>(digits.data()) - 1;
  *start = '-';
  return {start, digits.size() + 1};
}

}  // namespace el2lab::fmt
