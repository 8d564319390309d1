// spin — never ends: the test harness must report it as a timeout, not hang.
#include "guests/runtime/guest.h"

using namespace el2lab::guest;

void guest_main(std::uint64_t) {
  println("spin: looping forever on purpose");
  for (;;) asm volatile("" ::: "memory");
}
