/// \file
/// \ingroup boot
/// \brief The boot CPU's path from el2lab_entry (head.S) to the guest, and the secondary
/// CPUs' path to EL2.
///
/// Read top to bottom: check we are at EL2, install the vectors, read the device tree, print
/// the banner, enable EL2 on every CPU, build the guest's stage-2 tables and device tree, load
/// the guest, and hand its vCPU to the run loop, which runs until the guest powers off.
#include <atomic>

#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/pvpanic.h"
#include "core/el2/console.h"
#include "core/el2/cpu_local.h"
#include "core/el2/firmware.h"
#include "core/el2/gic_driver.h"
#include "core/el2/guest_loader.h"
#include "core/el2/hal_selection.h"
#include "core/el2/panic.h"
#include "core/el2/per_cpu.h"
#include "core/el2/sysreg.h"
#include "core/el2/trap_frame.h"
#include "core/el2/vcpu.h"
#include "core/el2/vm.h"
#include "core/portable/fdt.h"
#include "core/portable/guest_device_tree.h"
#include "core/portable/hal_guest_device.h"
#include "core/portable/machine_info.h"
#include "core/portable/stage2.h"

/// Where secondary CPUs start (head.S); its address goes to the firmware's PSCI CPU_ON.
extern "C" char el2lab_secondary_entry[];

/// The trace ring (see core/portable/trace.h and vcpu.h); GDB and graders find it by this symbol.
el2lab::TraceRing el2lab_trace;

namespace el2lab {

namespace {

// A device tree larger than this is not QEMU's; refuse to parse past it.
constexpr std::size_t kMaxDeviceTreeSize = std::size_t{2} * 1024 * 1024;
// The guest's device tree goes at the top of guest RAM, in this much space.
constexpr std::uint64_t kGuestDeviceTreeSpace = 64 * 1024ull;
// Guest IPAs are 39 bits wide (512 GiB): a stage-2 walk starts at level 1 with one table.
constexpr unsigned kGuestIpaBits = 39;
// The VMID of the (only) VM: tags its TLB entries.
constexpr std::uint16_t kVmid = 1;

// Most table pages the VM's stage 2 may take from the HAL's frame allocator.
constexpr std::size_t kMaxStage2Tables = 16;

// One Aarch64PerCpu<H> per physical CPU; index 0 is the boot CPU.
Aarch64PerCpu<Hal> cpus[board::kMaxCpus];
std::atomic<std::uint32_t> cpus_online{0};
// The VM, once the boot CPU has built it; the other CPUs wait for it (el2lab_secondary_main).
std::atomic<Vm<Hal>*> the_vm{nullptr};

// Brings every other physical CPU up at EL2 through the firmware's PSCI CPU_ON. Each runs
// el2lab_secondary_main, enables EL2 on itself and waits for its vCPU. CPUs come up in
// order and the first that fails ends the bring-up, so CPUs 0..online-1 are all there: vCPU n
// runs on CPU n.
void start_secondary_cpus(const MachineInfo& machine) {
  const std::uint32_t count =
      machine.cpu_count < board::kMaxCpus ? machine.cpu_count : board::kMaxCpus;
  for (std::uint32_t i = 1; i < count; ++i) {
    cpus[i].set_index(i);
    const std::int64_t status = firmware::cpu_on(
        machine.cpu_mpidr[i], reinterpret_cast<std::uint64_t>(el2lab_secondary_entry), i);
    if (status != 0) {
      log("CPU ", i, " (MPIDR ", fmt::Hex{machine.cpu_mpidr[i]}, ") did not start: PSCI ", status,
          "; the VM gets ", i, " vCPUs");
      return;
    }
    // Wait for it to report in, so CPUs come up one at a time and in order.
    while (cpus_online.load(std::memory_order_acquire) < i + 1) {
    }
  }
}

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
      fmt::Hex{sysreg::vbar_el2::read()}, ", HAL ", Hal::name());
  log("  guest RAM   ", fmt::Size{guest_ram.size}, " at IPA ", fmt::Hex{guest_ram.base},
      " (1:1 with physical memory)");
}

// The stage-2 translation of the VM: what every vCPU loads into VTTBR_EL2 and VTCR_EL2.
struct Stage2Regime {
  std::uint64_t vttbr;
  std::uint64_t vtcr;
};

// Stage 2: guest RAM is the only thing mapped. Every device access faults to EL2, so the
// run loop sees it as MmioRead/MmioWrite and emulates it (or refuses it).
Stage2Regime build_stage2(const MachineInfo& machine, const GuestRam& ram) {
  // Every table page comes from the HAL's frame allocator (H::alloc_frame()).
  static stage2::PagePool pool(stage2::frames_of<Hal>(), kMaxStage2Tables);
  static stage2::Stage2Table table(pool, kGuestIpaBits);
  if (!table.ok()) panic("no memory for the stage-2 root table");
  const auto error = table.map(ram.base, ram.base, ram.size, stage2::kRamAttributes);
  if (error != stage2::Stage2Table::MapError::kNone) panic("could not map guest RAM at stage 2");
  // GICv2: the guest's CPU interface (its GICC address) is the hardware's virtual CPU
  // interface, GICV — the one device a guest touches directly.
  if (machine.gic == GicVersion::kV2) {
    constexpr std::uint64_t kGicvSize = 0x2000;
    if (table.map(machine.gic_redistributor.base, gic::virtual_cpu_interface(), kGicvSize,
                  stage2::kDeviceAttributes) != stage2::Stage2Table::MapError::kNone) {
      panic("could not map GICV at stage 2");
    }
  }
  const std::uint64_t mmfr0 = sysreg::id_aa64mmfr0_el1::read();
  const auto vtcr = stage2::vtcr_for(kGuestIpaBits, static_cast<unsigned>(mmfr0 & 0xf));
  log("stage 2: ", fmt::Size{ram.size}, " of RAM mapped with ", pool.used(),
      " table pages; devices left unmapped (emulated)");
  return {stage2::vttbr(table.root_pa(), kVmid), vtcr.raw()};
}

// The guest's own device tree, describing the machine it sees, at the top of its RAM.
std::uint64_t build_guest_device_tree(const MachineInfo& machine, const GuestRam& ram,
                                      std::uint32_t vcpu_count) {
  const std::uint64_t address = ram.base + ram.size - kGuestDeviceTreeSpace;
  GuestDeviceTreeConfig config;
  config.ram_base = ram.base;
  config.ram_size = ram.size;
  config.vcpu_count = vcpu_count;
  config.machine = &machine;
  config.extra_device = guest_device_of<Hal>();  // a HAL's own device (lab 06), if any
  auto size = el2lab::build_guest_device_tree(
      config, {reinterpret_cast<std::uint8_t*>(address), kGuestDeviceTreeSpace});
  if (!size) panic("the guest device tree does not fit");
  log("guest device tree: ", fmt::Size{*size}, " at IPA ", fmt::Hex{address}, ", ", vcpu_count,
      vcpu_count == 1 ? " vCPU" : " vCPUs");
  return address;
}

}  // namespace
}  // namespace el2lab

using namespace el2lab;

/// \cond LINKER_SYMBOLS
extern "C" {
extern void (*__init_array_start[])();  // constructors of global objects (linker.ld)
extern void (*__init_array_end[])();
}
/// \endcond

/// A secondary CPU's C++ entry (head.S), with its logical index.
extern "C" [[noreturn]] void el2lab_secondary_main(std::uint64_t index) {
  cpus[index].hardware_enable();
  log("CPU ", index, " online at EL", sysreg::current_el(), ", MPIDR ",
      fmt::Hex{sysreg::mpidr_el1::read() & 0xff'00ff'ffff});
  cpus_online.fetch_add(1, std::memory_order_release);
  // Sleep until the boot CPU has built the VM (it kicks every CPU then), and serve its vCPU.
  Vm<Hal>* vm;
  while ((vm = the_vm.load(std::memory_order_acquire)) == nullptr) Hal::wait_for_kick();
  vm->serve(static_cast<std::uint32_t>(index));
}

/// The boot CPU's C++ entry point, called by head.S with the device tree QEMU passed in x0.
extern "C" [[noreturn]] void el2lab_main(const void* device_tree) {
  if (const unsigned el = sysreg::current_el(); el != 2) refuse_to_run_below_el2(el);

  // C++ constructors of global objects (the linker collects them in .init_array).
  for (auto* init = __init_array_start; init != __init_array_end; ++init) (*init)();

  // Vectors first: from here on any mistake produces a panic report.
  sysreg::vbar_el2::write(reinterpret_cast<std::uint64_t>(el2lab_vector_table));
  asm volatile("isb");

  fdt::Error error = fdt::Error::kNone;
  const std::size_t dtb_size = fdt::Fdt::total_size(device_tree);
  auto tree = fdt::Fdt::from(device_tree, dtb_size <= kMaxDeviceTreeSize ? dtb_size : 0, &error);
  if (!tree) panic(fdt::error_name(error));
  const MachineInfo machine = read_machine_info(*tree);
  if (machine.uart.base != 0) Console::use_uart(machine.uart.base);
  board::pvpanic_init(machine);
  gic::init_distributor(machine);
  cpus[0].hardware_enable();
  cpus_online.store(1, std::memory_order_release);

  // Guest RAM: from the start of RAM up to the hypervisor (linker.ld puts it at the top).
  const std::uint64_t hyp_start = reinterpret_cast<std::uint64_t>(__hyp_start);
  const GuestRam guest_ram{machine.memory.base, hyp_start - machine.memory.base};
  print_banner(machine, guest_ram);
  start_secondary_cpus(machine);
  log("  online      ", cpus_online.load(), " of ", machine.cpu_count, " CPUs at EL2");

  auto plan = load_guest(machine, guest_ram);
  if (!plan) panic("nothing to run");
  log("guest image ", image::kind_name(plan->kind), ", ", fmt::Size{machine.initrd.size},
      ", entry ", fmt::Hex{plan->entry});

  // One vCPU per physical CPU that came up; the guest switches the others on with CPU_ON.
  const std::uint32_t vcpu_count = cpus_online.load(std::memory_order_acquire);
  StartRequest boot;
  boot.entry = plan->entry;
  // Written after the image is loaded: the tree goes where the initrd may have been.
  boot.context = build_guest_device_tree(machine, guest_ram, vcpu_count);

  VmConfig config;
  config.vcpu_count = vcpu_count;
  const Stage2Regime stage2 = build_stage2(machine, guest_ram);
  config.vttbr = stage2.vttbr;
  config.vtcr = stage2.vtcr;
  config.ram_base = guest_ram.base;
  config.ram_size = guest_ram.size;
  config.uart_ipa = machine.uart.base;
  config.allow_test_faults = bootargs_has(machine.bootargs, "el2lab.test_faults");
  config.gic = machine.gic;
  // el2lab.log_exits=N: print up to N exits of each kind (default 12), e.g. to follow a hang.
  if (auto n = bootargs_value(machine.bootargs, "el2lab.log_exits"); !n.empty()) {
    std::uint32_t value = 0;
    for (char c : n)
      value = (c >= '0' && c <= '9') ? value * 10 + static_cast<std::uint32_t>(c - '0') : value;
    config.exits_logged = value;
  }
  config.gicd_ipa = machine.gic_distributor.base;
  config.gicr_ipa = machine.gic == GicVersion::kV3 ? machine.gic_redistributor.base : 0;
  static Vm<Hal> vm(config, boot);
  the_vm.store(&vm, std::memory_order_release);
  for (std::uint32_t i = 1; i < vcpu_count; ++i) Hal::send_kick(i);
  // cppcheck-suppress ignoredReturnValue ; el2lab::log, which cppcheck takes for std::log
  log("entering the guest at EL1");
  vm.serve(0);
}
