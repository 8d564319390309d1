// Host tests of the freestanding memory functions: the word-wise fast paths must give the same
// bytes as the C standard's definition at every alignment and length, and touch nothing else.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>

// Compile the hypervisor's own definitions under other names, beside the host's libc.
#define memcpy el2lab_memcpy
#define memmove el2lab_memmove
#define memset el2lab_memset
#define memcmp el2lab_memcmp
#define memchr el2lab_memchr
#define strlen el2lab_strlen
#include "core/runtime/libc.cc"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen

namespace {

constexpr std::size_t kSpace = 96;

std::array<unsigned char, kSpace> pattern(unsigned char seed) {
  std::array<unsigned char, kSpace> a{};
  for (std::size_t i = 0; i < kSpace; ++i) a[i] = static_cast<unsigned char>(seed + 7 * i);
  return a;
}

TEST(FreestandingLibc, MemcpyCopiesExactlyTheBytesAtEveryAlignment) {
  for (std::size_t dst_off = 0; dst_off < 9; ++dst_off) {
    for (std::size_t src_off = 0; src_off < 9; ++src_off) {
      for (std::size_t n = 0; n <= 70; ++n) {
        alignas(16) auto dst = pattern(1);
        alignas(16) const auto src = pattern(100);
        auto expected = dst;
        for (std::size_t i = 0; i < n; ++i) expected[dst_off + i] = src[src_off + i];
        void* r = el2lab_memcpy(dst.data() + dst_off, src.data() + src_off, n);
        ASSERT_EQ(r, dst.data() + dst_off);
        ASSERT_EQ(dst, expected) << "dst+" << dst_off << " src+" << src_off << " n=" << n;
      }
    }
  }
}

TEST(FreestandingLibc, MemsetFillsExactlyTheBytesAtEveryAlignment) {
  for (std::size_t off = 0; off < 9; ++off) {
    for (std::size_t n = 0; n <= 70; ++n) {
      alignas(16) auto dst = pattern(3);
      auto expected = dst;
      for (std::size_t i = 0; i < n; ++i) expected[off + i] = 0xa5;
      void* r = el2lab_memset(dst.data() + off, 0x1a5, n);  // only the low byte counts
      ASSERT_EQ(r, dst.data() + off);
      ASSERT_EQ(dst, expected) << "off " << off << " n=" << n;
    }
  }
}

TEST(FreestandingLibc, TheOtherFunctionsFollowTheStandard) {
  const auto a = pattern(5);
  auto b = a;
  EXPECT_EQ(el2lab_memcmp(a.data(), b.data(), kSpace), 0);
  b[40] = static_cast<unsigned char>(a[40] + 1);
  EXPECT_LT(el2lab_memcmp(a.data(), b.data(), kSpace), 0);
  EXPECT_GT(el2lab_memcmp(b.data(), a.data(), kSpace), 0);
  EXPECT_EQ(el2lab_memchr(a.data(), a[33], kSpace), a.data() + 33);
  EXPECT_EQ(el2lab_strlen("el2lab"), 6u);
  auto m = pattern(9);
  auto expected = m;
  for (std::size_t i = 0; i < 20; ++i) expected[10 + i] = m[i];
  el2lab_memmove(m.data() + 10, m.data(), 20);  // overlapping, forwards
  EXPECT_EQ(m, expected);
}

}  // namespace
