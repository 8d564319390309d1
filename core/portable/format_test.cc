#include "core/portable/format.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace el2lab::fmt {
namespace {

template <typename... Args>
std::string format(const Args&... args) {
  Buffer<256> out;
  write(out, args...);
  return std::string(out.view());
}

TEST(Format, Decimal) {
  EXPECT_EQ(format(0u), "0");
  EXPECT_EQ(format(42), "42");
  EXPECT_EQ(format(-7), "-7");
  EXPECT_EQ(format(UINT64_MAX), "18446744073709551615");
  EXPECT_EQ(format(INT64_MIN), "-9223372036854775808");
}

TEST(Format, Hex) {
  EXPECT_EQ(format(Hex{0}), "0x0");
  EXPECT_EQ(format(Hex{0x5a000042}), "0x5a000042");
  EXPECT_EQ(format(Hex{0x3c9, 4}), "0x03c9");
  EXPECT_EQ(format(Reg(0x40080000)), "0x0000000040080000");
  EXPECT_EQ(format(Hex{UINT64_MAX}), "0xffffffffffffffff");
}

TEST(Format, SizeUsesExactUnits) {
  EXPECT_EQ(format(Size{1u << 30}), "1 GiB");
  EXPECT_EQ(format(Size{768ull << 20}), "768 MiB");
  EXPECT_EQ(format(Size{1536ull << 10}), "1536 KiB");
  EXPECT_EQ(format(Size{100}), "100 B");
}

TEST(Format, MixedArgumentsAndPadding) {
  EXPECT_EQ(format("EC ", Hex{0x16, 2}, " (", std::string_view("HVC"), ") ", true, '!'),
            "EC 0x16 (HVC) true!");
  EXPECT_EQ(format("[", Padded{"ab", 4}, "]"), "[ab  ]");
  EXPECT_EQ(format("[", Padded{"abcdef", 4}, "]"), "[abcdef]");
  EXPECT_EQ(format(static_cast<const char*>(nullptr)), "(null)");
}

TEST(Format, BufferDropsWhatDoesNotFit) {
  Buffer<4> out;
  write(out, "abcdef");
  EXPECT_EQ(out.view(), "abcd");
}

}  // namespace
}  // namespace el2lab::fmt
