// main.cc — the boot CPU's path from el2lab_entry (head.S) to the guest.
//
// Read top to bottom: check we are at EL2, install the vectors, read the device tree, print
// the banner, configure EL2 for a guest, load the guest, and run it until it powers off.
#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/pvpanic.h"
#include "core/el2/console.h"
#include "core/el2/exits.h"
#include "core/el2/firmware.h"
#include "core/el2/guest_loader.h"
#include "core/el2/panic.h"
#include "core/el2/sysreg.h"
#include "core/el2/trap_frame.h"
#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "core/portable/registers.h"

namespace el2lab {
namespace {

// A device tree larger than this is not QEMU's; refuse to parse past it.
constexpr std::size_t kMaxDeviceTreeSize = 2 * 1024 * 1024;

CpuLocal boot_cpu;

[[noreturn]] void refuse_to_run_below_el2(unsigned el) {
  log("started at EL", el, ", but a hypervisor needs EL2:");
  log("run QEMU with -M virt,virtualization=on (make run does)");
  // At EL1 the firmware's PSCI conduit is HVC; ask it to power off so the run ends.
  register std::uint64_t x0 asm("x0") = 0x8400'0008;  // PSCI SYSTEM_OFF
  asm volatile("hvc #0" : "+r"(x0)::"memory");
  for (;;) asm volatile("wfi");
}

void print_banner(const MachineInfo& m, const GuestRam& guest_ram) {
  log("el2lab reference hypervisor");
  log("  CurrentEL   EL", sysreg::current_el());
  log("  CPUs        ", m.cpu_count);
  log("  memory      ", fmt::Size{m.memory.size}, " at ", fmt::Hex{m.memory.base});
  if (m.gic == GicVersion::kV3) {
    log("  GIC         v3 (distributor ", fmt::Hex{m.gic_distributor.base}, ", redistributors ",
        fmt::Hex{m.gic_redistributor.base}, ")");
  } else if (m.gic == GicVersion::kV2) {
    log("  GIC         v2 (distributor ", fmt::Hex{m.gic_distributor.base}, ", CPU interface ",
        fmt::Hex{m.gic_redistributor.base}, ")");
  } else {
    log("  GIC         none found");
  }
  log("  UART        PL011 at ", fmt::Hex{m.uart.base});
  log("  hypervisor  ", fmt::Hex{reinterpret_cast<std::uint64_t>(__hyp_start)}, "..",
      fmt::Hex{reinterpret_cast<std::uint64_t>(__hyp_end)}, ", VBAR_EL2 ",
      fmt::Hex{sysreg::vbar_el2::read()});
  log("  guest RAM   ", fmt::Size{guest_ram.size}, " at IPA ", fmt::Hex{guest_ram.base},
      " (1:1 with physical memory)");
}

// EL2 settings for running a guest at EL1.
void configure_el2_for_guest() {
  // EL1 is AArch64; the guest's SMCs trap here instead of reaching the firmware.
  sysreg::write_hcr(reg::Hcr().with<reg::Hcr::Rw>().with<reg::Hcr::Tsc>());
  // CPTR_EL2: RES1 bits only, so FP/SIMD and trace stay usable by the guest without traps.
  constexpr std::uint64_t kCptrRes1 = 0x33ff;
  sysreg::cptr_el2::write(kCptrRes1);
  // The guest may read the physical counter and use the physical timer (EL1PCTEN, EL1PCEN).
  sysreg::cnthctl_el2::write(0b11);
  sysreg::cntvoff_el2::write(0);
  // The guest sees this CPU's own MPIDR.
  sysreg::vmpidr_el2::write(sysreg::mpidr_el1::read());
  // SCTLR_EL1 with only its RES1 bits: MMU and caches off, as the boot protocol requires.
  constexpr std::uint64_t kSctlrEl1Res1 =
      (1u << 29) | (1u << 28) | (1u << 23) | (1u << 22) | (1u << 20) | (1u << 11);
  sysreg::sctlr_el1::write(kSctlrEl1Res1);
  asm volatile("isb");
}

}  // namespace
}  // namespace el2lab

using namespace el2lab;

/// The boot CPU's C++ entry point, called by head.S with the device tree QEMU passed in x0.
extern "C" [[noreturn]] void el2lab_main(const void* device_tree) {
  if (const unsigned el = sysreg::current_el(); el != 2) refuse_to_run_below_el2(el);

  // Vectors first: from here on any mistake produces a panic report instead of silence.
  sysreg::vbar_el2::write(reinterpret_cast<std::uint64_t>(el2lab_vector_table));
  sysreg::tpidr_el2::write(reinterpret_cast<std::uint64_t>(&boot_cpu));
  asm volatile("isb");

  fdt::Error error = fdt::Error::kNone;
  const std::size_t dtb_size = fdt::Fdt::total_size(device_tree);
  auto tree = fdt::Fdt::from(device_tree, dtb_size <= kMaxDeviceTreeSize ? dtb_size : 0, &error);
  if (!tree) panic(fdt::error_name(error));
  const MachineInfo machine = read_machine_info(*tree);
  if (machine.uart.base != 0) Console::use_uart(machine.uart.base);
  board::pvpanic_init(machine);

  // Guest RAM: from the start of RAM up to the hypervisor (linker.ld puts it at the top).
  const std::uint64_t hyp_start = reinterpret_cast<std::uint64_t>(__hyp_start);
  const GuestRam guest_ram{machine.memory.base, hyp_start - machine.memory.base};
  print_banner(machine, guest_ram);

  ExitPolicy policy;
  policy.allow_test_faults = bootargs_has(machine.bootargs, "el2lab.test_faults");

  auto plan = load_guest(machine, guest_ram);
  if (!plan) panic("nothing to run");
  log("guest image ", image::kind_name(plan->kind), ", ", fmt::Size{machine.initrd.size},
      ", entry ", fmt::Hex{plan->entry});

  configure_el2_for_guest();
  TrapFrame guest{};
  guest.elr = plan->entry;
  guest.spsr = reg::Spsr::el1h_masked().raw();
  guest.x[0] = 0;  // no guest device tree yet
  log("entering the guest at EL1");
  for (;;) {
    const std::uint64_t vector = el2lab_enter_guest(&guest);
    handle_exit(vector, guest, policy);
  }
}

/// Exceptions taken while the hypervisor itself runs (vectors 0–7).
extern "C" void el2lab_current_el_exception(std::uint64_t vector, TrapFrame* frame) {
  panic_on_exception(vector, *frame);
}
