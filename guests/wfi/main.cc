// wfi — the Halt exit: WFI, "wait for interrupt".
//
// With HCR_EL2.TWI set, a guest's WFI traps to the hypervisor instead of stopping the physical
// CPU, so the hypervisor can run something else (or, here, simply resume the guest after the
// WFI). Interrupts are masked, so on a machine that did not trap WFI the first one would wait
// for an interrupt that never comes and the run would time out.
#include "core/portable/guest_abi.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "wfi";

void guest_main(std::uint64_t) {
  constexpr int kCount = 10;
  const std::uint64_t before = exit_count(abi::ExitKind::kHalt);
  const bool counting = expect(before != static_cast<std::uint64_t>(abi::kNotSupported),
                               "kExitCount answered NOT_SUPPORTED: exits are not counted");

  println("wfi: executing ", kCount,
          " WFIs with IRQs masked (if the hypervisor does not trap them, this hangs)");
  std::uint64_t daif;
  asm volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(daif)::"memory");  // mask IRQs
  for (int i = 0; i < kCount; ++i) asm volatile("wfi" ::: "memory");
  asm volatile("msr daif, %0" ::"r"(daif) : "memory");  // put the mask back as it was
  println("wfi: all ", kCount, " returned");

  if (counting) {
    expect_eq(exit_count(abi::ExitKind::kHalt) - before, kCount, "kHalt exits for 10 WFIs");
  }
  report();
}
