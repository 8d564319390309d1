#include "core/el2/firmware.h"

#include "core/portable/psci.h"

namespace el2lab::firmware {
namespace {

// An SMC Calling Convention call with up to three arguments; the result comes back in x0.
std::uint64_t smc(psci::Function function, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                  std::uint64_t a3 = 0) {
  register std::uint64_t x0 asm("x0") = static_cast<std::uint64_t>(function);
  register std::uint64_t x1 asm("x1") = a1;
  register std::uint64_t x2 asm("x2") = a2;
  register std::uint64_t x3 asm("x3") = a3;
  asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return x0;
}

}  // namespace

void system_off() {
  smc(psci::Function::kSystemOff);
  // The call does not return; if the firmware refused, stop here rather than run on.
  for (;;) asm volatile("wfi");
}

std::uint32_t psci_version() {
  return static_cast<std::uint32_t>(smc(psci::Function::kVersion));
}

std::int64_t cpu_on(std::uint64_t mpidr, std::uint64_t entry, std::uint64_t context) {
  return static_cast<std::int64_t>(smc(psci::Function::kCpuOn64, mpidr, entry, context));
}

}  // namespace el2lab::firmware
