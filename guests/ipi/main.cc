// ipi — a software-generated interrupt (SGI) the guest sends to itself.
//
// On GICv3 the guest writes ICC_SGI1R_EL1, which traps (HCR_EL2.IMO): a SendIPI exit. On GICv2
// it writes GICD_SGIR in its (emulated) distributor: an MmioWrite exit. Either way the
// hypervisor queues the SGI for the target vCPU and injects it through a list register; the
// guest must take it with the right ID, several times.
#include "guests/runtime/gic.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "ipi";

namespace {

constexpr std::uint32_t kSgi = 5;
constexpr unsigned kRounds = 10;
volatile unsigned received = 0;
volatile unsigned wrong = 0;

void on_irq() {
  const std::uint32_t iar = gic::acknowledge();
  const std::uint32_t intid = iar & 0x3ff;
  if (intid == 1023) return;
  if (intid == kSgi) {
    received = received + 1;
  } else {
    wrong = wrong + 1;
  }
  gic::end_of_interrupt(iar);
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  if (!expect(gic::init(device_tree), "a GIC in the device tree")) return report();
  set_irq_handler(on_irq);
  gic::enable_ppi(kSgi, 0x80);  // SGIs are banked like PPIs: group and priority per CPU
  const std::uint64_t ipis_before = exit_count(abi::ExitKind::kSendIpi);
  asm volatile("msr daifclr, #2; isb" ::: "memory");
  for (unsigned round = 0; round < kRounds; ++round) {
    const unsigned before = received;
    gic::send_sgi_to_self(kSgi);
    // The SGI is injected on the way back from the exit: by now it must have been taken.
    for (int spin = 0; spin < 1000 && received == before; ++spin) asm volatile("" ::: "memory");
    expect_eq(received, before + 1, "SGI taken after sending it");
  }
  asm volatile("msr daifset, #2" ::: "memory");
  expect_eq(wrong, 0, "interrupts other than the SGI");
  const std::uint64_t ipis = exit_count(abi::ExitKind::kSendIpi) - ipis_before;
  println("ipi: GICv", static_cast<unsigned>(gic::version()), ", ", received, " SGIs received, ",
          ipis, " SendIPI exits");
  if (gic::version() == GicVersion::kV3)
    expect_eq(ipis, kRounds, "SendIPI exits (ICC_SGI1R_EL1 traps)");
  report();
}
