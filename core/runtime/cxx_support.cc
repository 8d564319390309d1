/// \file
/// \brief What libstdc++'s header-only parts call when a precondition fails.
///
/// For example std::string_view::substr past the end. There are no exceptions here: each
/// image decides what "fatal" means by defining el2lab_cxx_fatal (the hypervisor panics, a
/// guest reports FAIL and powers off). The `std::__throw_*` functions below replace
/// libstdc++'s, which would throw; each passes its message to el2lab_cxx_fatal.
#include <cstddef>

/// Ends the image with the message \p what; defined once per image (hypervisor, guest).
extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what);

namespace std {
/// A bounds check failed (libstdc++ passes a printf-style message; only the format is shown).
[[noreturn]] void __throw_out_of_range_fmt(const char* what, ...) {
  el2lab_cxx_fatal(what);
}
/// A bounds check failed, e.g. string_view::substr past the end.
[[noreturn]] void __throw_out_of_range(const char* what) {
  el2lab_cxx_fatal(what);
}
/// A size would exceed a container's maximum.
[[noreturn]] void __throw_length_error(const char* what) {
  el2lab_cxx_fatal(what);
}
/// A precondition of the library was violated.
[[noreturn]] void __throw_logic_error(const char* what) {
  el2lab_cxx_fatal(what);
}
/// std::optional::value() on an empty optional.
[[noreturn]] void __throw_bad_optional_access() {
  el2lab_cxx_fatal("bad optional access");
}
}  // namespace std
