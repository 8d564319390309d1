/// \file
/// \brief The few C library functions freestanding C++ still needs.
///
/// The memory functions the compiler calls for struct copies and zeroing, and the ones
/// libstdc++'s header-only parts use (std::string_view calls memchr and strlen). Built with
/// -fno-tree-loop-distribute-patterns so GCC does not turn these loops back into calls to
/// themselves. Each behaves as the C standard specifies; the two the exit path uses most, memcpy
/// and memset, work a word at a time on aligned memory.
#include <cstddef>
#include <cstdint>

namespace {
// A word that may alias anything: memcpy and memset touch objects of every type.
using Word [[gnu::may_alias]] = std::uint64_t;
}  // namespace

extern "C" {

/// Copies \p n bytes from \p src to \p dst (the ranges must not overlap); returns \p dst.
///
/// Eight bytes at a time when both pointers are 8-byte aligned (the common case: the structs
/// GCC copies through here are), a byte at a time otherwise. The exit path copies and clears
/// registers files and exit records on every exit, so this loop is hot.
void* memcpy(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (((reinterpret_cast<std::uintptr_t>(d) | reinterpret_cast<std::uintptr_t>(s)) & 7) == 0) {
    auto* dw = reinterpret_cast<Word*>(d);
    const auto* sw = reinterpret_cast<const Word*>(s);
    for (; n >= 16; n -= 16, dw += 2, sw += 2) {
      const Word a = sw[0], b = sw[1];
      dw[0] = a;
      dw[1] = b;
    }
    if (n >= 8) {
      *dw++ = *sw++;
      n -= 8;
    }
    d = reinterpret_cast<unsigned char*>(dw);
    s = reinterpret_cast<const unsigned char*>(sw);
  }
  for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

/// Copies \p n bytes from \p src to \p dst, which may overlap; returns \p dst.
void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    for (std::size_t i = n; i > 0; --i) d[i - 1] = s[i - 1];
  }
  return dst;
}

/// Fills \p n bytes at \p dst with the byte \p value; returns \p dst. Aligned runs are
/// filled sixteen bytes a step (see memcpy).
void* memset(void* dst, int value, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto byte = static_cast<unsigned char>(value);
  for (; n > 0 && (reinterpret_cast<std::uintptr_t>(d) & 7) != 0; --n) *d++ = byte;
  const Word word = 0x0101'0101'0101'0101ull * byte;
  auto* dw = reinterpret_cast<Word*>(d);
  for (; n >= 16; n -= 16, dw += 2) {
    dw[0] = word;
    dw[1] = word;
  }
  if (n >= 8) {
    *dw++ = word;
    n -= 8;
  }
  d = reinterpret_cast<unsigned char*>(dw);
  for (; n > 0; --n) *d++ = byte;
  return dst;
}

/// Compares \p n bytes as unsigned chars: negative, 0 or positive as \p a sorts before,
/// equal to or after \p b.
int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

/// The first of the \p n bytes at \p s equal to (unsigned char) \p c, or nullptr.
void* memchr(const void* s, int c, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(s);
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
  }
  return nullptr;
}

/// The number of bytes before the terminating NUL of \p s.
std::size_t strlen(const char* s) {
  std::size_t n = 0;
  while (s[n] != 0) ++n;
  return n;
}

}  // extern "C"
