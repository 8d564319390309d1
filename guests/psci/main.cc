// psci — the guest's PSCI calls: the power-management interface an OS uses to discover,
// start and stop CPUs and to power the machine off.
//
// PSCI calls are hypercalls in SMCCC's standard-service range (0x84000000 for SMC32 function
// IDs, 0xC4000000 for SMC64). The hypervisor answers them itself, for the guest's virtual
// CPUs, whichever conduit the guest uses: HVC, or SMC (which HCR_EL2.TSC traps). This guest
// asks the questions whose answers are fixed (version, features, the state of CPUs, CPU_ON
// for a CPU that is absent or already on, or with an entry point outside RAM) and ends the run
// with SYSTEM_OFF over SMC.
#include "core/portable/fdt.h"
#include "core/portable/guest_abi.h"
#include "core/portable/machine_info.h"
#include "core/portable/psci.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;
using psci::Function;
using psci::Status;

const char el2lab::guest::kGuestName[] = "psci";

extern "C" {
/// stray_cpu.S: where a CPU_ON that should fail would start its CPU.
void psci_stray_cpu_entry();
/// Set to 1 by a CPU that started there.
extern volatile std::uint32_t psci_stray_cpu_ran;
}

namespace {

constexpr std::uint64_t id(Function f) {
  return static_cast<std::uint64_t>(f);
}

/// PSCI results are 32-bit signed numbers in w0.
std::int32_t result(std::uint64_t x0) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x0));
}

void expect_status(std::uint64_t x0, Status want, std::string_view what) {
  const std::int32_t got = result(x0);
  if (got == static_cast<std::int32_t>(want)) return;
  fmt::Buffer<120> text;
  fmt::write(text, what, ": got ", got, ", expected ", static_cast<std::int32_t>(want));
  expect(false, text.view());
}

/// This CPU's affinity (Aff3.Aff2.Aff1.Aff0) as PSCI's target_cpu arguments spell it.
std::uint64_t my_affinity() {
  std::uint64_t mpidr;
  asm volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
  return mpidr & 0xff'00ff'ffff;
}

}  // namespace

/// The second CPU of the device tree, if there is one: off until someone starts it.
void ask_about_another_cpu(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  const auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!expect(tree.has_value(), "a device tree at x0")) return;
  const MachineInfo machine = read_machine_info(*tree);
  if (machine.cpu_count < 2) {
    println("psci: one CPU in the device tree: no other CPU to ask about");
    return;
  }
  const std::uint64_t other = machine.cpu_mpidr[1] & 0xff'00ff'ffff;
  expect_status(hvc(id(Function::kAffinityInfo64), other, 0), static_cast<Status>(1),
                "AFFINITY_INFO64(second CPU) (1 = OFF: nobody started it)");
  // An entry point that is not RAM: the CPU could only fault there, so CPU_ON refuses.
  constexpr std::uint64_t kNotRam = 0x1000;
  expect_status(hvc(id(Function::kCpuOn64), other, kNotRam, 0), Status::kInvalidAddress,
                "CPU_ON64(second CPU, entry 0x1000 outside RAM)");
  expect_status(hvc(id(Function::kAffinityInfo64), other, 0), static_cast<Status>(1),
                "AFFINITY_INFO64(second CPU) after the refused CPU_ON (still OFF)");
}

void guest_main(std::uint64_t device_tree) {
  const auto entry = reinterpret_cast<std::uint64_t>(&psci_stray_cpu_entry);
  constexpr std::uint64_t kNoSuchCpu = 0x99;
  const std::uint64_t self = my_affinity();
  println("psci: this CPU's affinity is ", fmt::Hex{self});

  const std::uint64_t version = hvc(id(Function::kVersion));
  println("psci: PSCI_VERSION over HVC: ", fmt::Hex{version});
  expect_eq(version, psci::kVersion1_1, "PSCI_VERSION over HVC");

  expect_status(hvc(id(Function::kFeatures), id(Function::kVersion)), Status::kSuccess,
                "PSCI_FEATURES(PSCI_VERSION)");
  expect_status(hvc(id(Function::kFeatures), id(Function::kCpuOn64)), Status::kSuccess,
                "PSCI_FEATURES(CPU_ON64)");
  expect_status(hvc(id(Function::kFeatures), id(Function::kSystemOff)), Status::kSuccess,
                "PSCI_FEATURES(SYSTEM_OFF)");
  expect_status(hvc(id(Function::kFeatures), 0x8400'001F), Status::kNotSupported,
                "PSCI_FEATURES(0x8400001F, not a PSCI function)");
  // el2lab's own calls answer too, so that a guest can probe for them on any machine.
  expect_status(
      hvc(id(Function::kFeatures), static_cast<std::uint64_t>(abi::Hypercall::kExitCount)),
      Status::kSuccess, "PSCI_FEATURES(el2lab's exit-count call)");

  // AFFINITY_INFO(target, lowest affinity level 0): 0 = ON, 1 = OFF, 2 = ON_PENDING.
  expect_status(hvc(id(Function::kAffinityInfo64), self, 0), Status::kSuccess,
                "AFFINITY_INFO64(self) (0 = ON)");
  expect_status(hvc(id(Function::kAffinityInfo64), kNoSuchCpu, 0), Status::kInvalidParameters,
                "AFFINITY_INFO64(0x99, no such CPU)");

  // CPU_ON(target, entry point, context id).
  expect_status(hvc(id(Function::kCpuOn64), kNoSuchCpu, entry, 0), Status::kInvalidParameters,
                "CPU_ON64(0x99, no such CPU)");
  expect_status(hvc(id(Function::kCpuOn64), self, entry, 0), Status::kAlreadyOn, "CPU_ON64(self)");
  ask_about_another_cpu(device_tree);

  // MIGRATE_INFO_TYPE: 2 = no Trusted OS to migrate; NOT_SUPPORTED is allowed as well.
  const std::int32_t migrate = result(hvc(id(Function::kMigrateInfoType)));
  println("psci: MIGRATE_INFO_TYPE: ", migrate);
  expect(migrate == 2 || migrate == static_cast<std::int32_t>(Status::kNotSupported),
         "MIGRATE_INFO_TYPE is neither 2 (no Trusted OS) nor NOT_SUPPORTED");

  // The same service over the other conduit.
  const std::uint64_t smc_version = smc(id(Function::kVersion));
  println("psci: PSCI_VERSION over SMC: ", fmt::Hex{smc_version});
  expect_eq(smc_version, psci::kVersion1_1, "PSCI_VERSION over SMC");
  expect_status(smc(id(Function::kFeatures), id(Function::kVersion)), Status::kSuccess,
                "PSCI_FEATURES(PSCI_VERSION) over SMC");

  expect(psci_stray_cpu_ran == 0, "a CPU_ON that returned an error started a CPU anyway");

  report();
  // Power off over SMC: the test checks that this ends the run.
  println("psci: SYSTEM_OFF over SMC");
  smc(id(Function::kSystemOff));
  fail(kGuestName, "SYSTEM_OFF over SMC returned");
  for (;;) asm volatile("wfi");
}
