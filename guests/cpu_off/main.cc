// cpu_off — PSCI CPU_OFF on the VM's only vCPU: a CpuDown exit, after which nothing of the VM
// runs, so the hypervisor ends the run (cleanly: it is what the guest asked for).
#include "core/portable/psci.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "cpu_off";

void guest_main(std::uint64_t) {
  println("cpu_off: switching off the only vCPU with PSCI CPU_OFF");
  // Nothing can be reported after the call, so the verdict comes first: the test checks that
  // the run then ends by itself with the CpuDown exit.
  report();
  hvc(static_cast<std::uint64_t>(psci::Function::kCpuOff));
  fail(kGuestName, "CPU_OFF returned");
}
