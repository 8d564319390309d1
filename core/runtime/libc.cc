/// \file
/// \brief The few C library functions freestanding C++ still needs.
///
/// The memory functions the compiler calls for struct copies and zeroing, and the ones
/// libstdc++'s header-only parts use (std::string_view calls memchr and strlen). Built with
/// -fno-tree-loop-distribute-patterns so GCC does not turn these loops back into calls to
/// themselves. Each behaves as the C standard specifies, byte by byte.
#include <cstddef>
#include <cstdint>

extern "C" {

/// Copies \p n bytes from \p src to \p dst (the ranges must not overlap); returns \p dst.
void* memcpy(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
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

/// Fills \p n bytes at \p dst with the byte \p value; returns \p dst.
void* memset(void* dst, int value, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(value);
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
