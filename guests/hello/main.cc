// hello — the smallest guest: prove it runs at EL1, print a line, power off.
#include "guests/runtime/guest.h"

using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "hello";

void guest_main(std::uint64_t) {
  const unsigned el = current_el();
  println("hello from a guest at EL", el);
  if (el == 1) {
    pass("hello");
  } else {
    fail("hello", "expected to run at EL1");
  }
}
