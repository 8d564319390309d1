// spin — never ends: the test harness must report it as a timeout, not hang.
#include "guests/runtime/guest.h"

using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "spin";

void guest_main(std::uint64_t) {
  println("spin: looping forever on purpose");
  for (;;) asm volatile("" ::: "memory");
}
