#include "core/el2/gic_driver.h"

#include "core/board/qemu-virt/memory_map.h"
#include "core/el2/sysreg.h"
#include "core/portable/gic_registers.h"

namespace el2lab::gic {

detail::ExitPathState detail::exit_path;

namespace {

// The version, the list-register count (read in init_cpu(): the run loop asks on every exit,
// and on GICv2 the answer would otherwise be an MMIO read each time) and the GICv2 CPU
// interfaces are in detail::exit_path, which the inline operations of gic_driver.h read.
std::uint64_t gicd_base = 0, gicr_base = 0, gicr_size = 0, gicv_base = 0;
// How send_kick() addresses each logical CPU: its MPIDR (GICv3 affinity routing) or its CPU
// interface's bit in a GICD_SGIR target list (GICv2), recorded by the CPU itself in init_cpu().
std::uint64_t cpu_mpidr[board::kMaxCpus] = {};
std::uint8_t cpu_interface_mask[board::kMaxCpus] = {};

using detail::exit_path;
using detail::mmio32;
volatile std::uint64_t& mmio64(std::uint64_t address) {
  return *reinterpret_cast<volatile std::uint64_t*>(address);
}

constexpr std::uint8_t kHypervisorPriority = 0xa0;

// The redistributor whose affinity matches this CPU's (GICR_TYPER[63:32]).
std::uint64_t find_redistributor(std::uint64_t mpidr) {
  const std::uint64_t affinity = (mpidr & 0xff'ffff) | ((mpidr >> 8) & 0xff00'0000);
  for (std::uint64_t rd = gicr_base; rd < gicr_base + gicr_size; rd += gicr::kStride) {
    const std::uint64_t typer = mmio64(rd + gicr::kTyper);
    if ((typer >> 32) == affinity) return rd;
    if (typer & gicr::kTyperLast) break;
  }
  return 0;
}

void enable_ppi(std::uint64_t frame, std::uint32_t intid, bool group1) {
  volatile std::uint8_t* prio = reinterpret_cast<volatile std::uint8_t*>(frame + gicd::kIpriorityr);
  prio[intid] = kHypervisorPriority;
  if (group1) mmio32(frame + gicd::kIgroupr) = mmio32(frame + gicd::kIgroupr) | (1u << intid);
  mmio32(frame + gicd::kIsenabler) = 1u << intid;
}

void init_cpu_v3(std::uint64_t mpidr) {
  const std::uint64_t rd = find_redistributor(mpidr);
  if (rd != 0) {
    // Wake the redistributor (real hardware needs it; QEMU does not model the sleep bits).
    mmio32(rd + gicr::kWaker) = mmio32(rd + gicr::kWaker) & ~gicr::kWakerProcessorSleep;
    while ((mmio32(rd + gicr::kWaker) & gicr::kWakerChildrenAsleep) != 0) {
    }
    enable_ppi(rd + gicr::kSgiFrame, kVirtualTimerPpi, true);
    enable_ppi(rd + gicr::kSgiFrame, kMaintenancePpi, true);
    enable_ppi(rd + gicr::kSgiFrame, kKickSgi, true);
    enable_ppi(rd + gicr::kSgiFrame, kHypervisorTimerPpi, true);
  }
  // ICC_SRE_EL2: system-register interface (SRE) for EL2, and let EL1 use it too (Enable).
  sysreg::icc_sre_el2::write(sysreg::icc_sre_el2::read() | 0x9);
  asm volatile("isb");
  sysreg::icc_pmr_el1::write(0xff);
  sysreg::icc_bpr1_el1::write(0);
  sysreg::icc_ctlr_el1::write(sysreg::icc_ctlr_el1::read() | 0x2);  // EOImode = 1
  sysreg::icc_igrpen1_el1::write(1);
  // The guest's virtual CPU interface: on, with the guest's own controls at reset values.
  sysreg::ich_vmcr_el2::write(0);
  sysreg::ich_hcr_el2::write(1);  // En
  asm volatile("isb");
}

void init_cpu_v2() {
  // Group 0 only (no security extensions on virt), EOImode 1 (GICC_CTLR bit 9).
  volatile std::uint8_t* prio =
      reinterpret_cast<volatile std::uint8_t*>(gicd_base + gicd::kIpriorityr);
  prio[kVirtualTimerPpi] = kHypervisorPriority;
  prio[kMaintenancePpi] = kHypervisorPriority;
  prio[kKickSgi] = kHypervisorPriority;
  prio[kHypervisorTimerPpi] = kHypervisorPriority;
  mmio32(gicd_base + gicd::kIsenabler) = (1u << kVirtualTimerPpi) | (1u << kMaintenancePpi) |
                                         (1u << kKickSgi) | (1u << kHypervisorTimerPpi);
  mmio32(exit_path.gicc_base + gicc::kPmr) = 0xff;
  mmio32(exit_path.gicc_base + gicd::kCtlr) = 0x1 | (1u << 9);
  mmio32(exit_path.gich_base + gich::kHcr) = 1;  // En
}

void set_list_register_count(unsigned count) {
  exit_path.lr_count = count;
  exit_path.lr_mask = count >= 32 ? ~0u : (1u << count) - 1;
}

}  // namespace

void init_distributor(const MachineInfo& machine) {
  exit_path.version = machine.gic;
  gicd_base = machine.gic_distributor.base;
  if (exit_path.version == GicVersion::kV3) {
    gicr_base = machine.gic_redistributor.base;
    gicr_size = machine.gic_redistributor.size;
    mmio32(gicd_base + gicd::kCtlr) = (1u << 4) | 0x2;  // ARE, EnableGrp1 (single security state)
  } else if (exit_path.version == GicVersion::kV2) {
    exit_path.gicc_base = machine.gic_redistributor.base;
    exit_path.gich_base = machine.gic_hyp_interface.base;
    gicv_base = machine.gic_virtual_cpu.base;
    mmio32(gicd_base + gicd::kCtlr) = 0x1;  // EnableGrp0
  }
}

void init_cpu(std::uint32_t index, std::uint64_t mpidr) {
  if (index < board::kMaxCpus) {
    cpu_mpidr[index] = mpidr;
    // GICD_ITARGETSR0..7 are banked: each byte reads as the reading CPU's own interface bit.
    if (exit_path.version == GicVersion::kV2) {
      cpu_interface_mask[index] =
          *reinterpret_cast<volatile std::uint8_t*>(gicd_base + gicd::kItargetsr);
    }
  }
  if (exit_path.version == GicVersion::kV3) {
    init_cpu_v3(mpidr);
    set_list_register_count(static_cast<unsigned>(sysreg::ich_vtr_el2::read() & 0x1f) + 1);
  }
  if (exit_path.version == GicVersion::kV2) {
    init_cpu_v2();
    set_list_register_count((mmio32(exit_path.gich_base + gich::kVtr) & 0x3f) + 1);
  }
}

void send_kick(std::uint32_t index) {
  if (index >= board::kMaxCpus) return;
  asm volatile("dsb ishst" ::: "memory");  // what the kick announces is visible first
  if (exit_path.version == GicVersion::kV3) {
    const std::uint64_t value = encode_sgi1r(kKickSgi, cpu_mpidr[index]);
    sysreg::icc_sgi1r_el1::write(value);
    asm volatile("isb");
  } else if (exit_path.version == GicVersion::kV2) {
    mmio32(gicd_base + gicd::kSgir) = (std::uint32_t{cpu_interface_mask[index]} << 16) | kKickSgi;
  }
}

void wait_for_kick() {
  asm volatile("wfi" ::: "memory");
  for (std::uint32_t intid = acknowledge(); intid != kSpurious; intid = acknowledge()) {
    priority_drop(intid);
    deactivate(intid);
  }
}

std::uint64_t virtual_cpu_interface() {
  return gicv_base;
}

}  // namespace el2lab::gic
