// What libstdc++'s header-only parts call when a precondition fails (e.g. string_view::substr
// past the end). There are no exceptions here: each image decides what "fatal" means by
// defining el2lab_cxx_fatal (the hypervisor panics, a guest reports FAIL and powers off).
#include <cstddef>

extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what);

namespace std {
[[noreturn]] void __throw_out_of_range_fmt(const char* what, ...) {
  el2lab_cxx_fatal(what);
}
[[noreturn]] void __throw_out_of_range(const char* what) {
  el2lab_cxx_fatal(what);
}
[[noreturn]] void __throw_length_error(const char* what) {
  el2lab_cxx_fatal(what);
}
[[noreturn]] void __throw_logic_error(const char* what) {
  el2lab_cxx_fatal(what);
}
[[noreturn]] void __throw_bad_optional_access() {
  el2lab_cxx_fatal("bad optional access");
}
}  // namespace std
