// el2_fault — asks the hypervisor to fault at EL2 on purpose (abi::Hypercall::kTestFaultAtEl2).
//
// Booted with `el2lab.test_faults`, the hypervisor honours it: the run must end with its panic
// report and a failure status, so this guest never gets control back. Booted without, the
// hypervisor must refuse with NOT_SUPPORTED and carry on — a guest cannot crash it.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "el2_fault";

void guest_main(std::uint64_t) {
  println("el2_fault: asking the hypervisor to fault at EL2");
  const auto result =
      static_cast<std::int64_t>(hvc(static_cast<std::uint64_t>(abi::Hypercall::kTestFaultAtEl2)));
  if (result == abi::kNotSupported) {
    println("el2_fault: refused with NOT_SUPPORTED");
    pass("el2_fault");
  } else {
    fail("el2_fault", "the test-fault hypercall returned something other than NOT_SUPPORTED");
  }
}
