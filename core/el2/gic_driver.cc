#include "core/el2/gic_driver.h"

#include "core/board/qemu-virt/memory_map.h"
#include "core/portable/gic_registers.h"

namespace el2lab::gic {
namespace {

GicVersion gic_version = GicVersion::kUnknown;
// List registers per CPU interface, read in init_cpu(): the run loop asks on every exit, and on
// GICv2 the answer would otherwise be an MMIO read each time.
unsigned lr_count = 0;
std::uint64_t gicd_base = 0, gicr_base = 0, gicr_size = 0, gicc_base = 0, gich_base = 0,
              gicv_base = 0;
// How send_kick() addresses each logical CPU: its MPIDR (GICv3 affinity routing) or its CPU
// interface's bit in a GICD_SGIR target list (GICv2), recorded by the CPU itself in init_cpu().
std::uint64_t cpu_mpidr[board::kMaxCpus] = {};
std::uint8_t cpu_interface_mask[board::kMaxCpus] = {};

volatile std::uint32_t& mmio32(std::uint64_t address) {
  return *reinterpret_cast<volatile std::uint32_t*>(address);
}
volatile std::uint64_t& mmio64(std::uint64_t address) {
  return *reinterpret_cast<volatile std::uint64_t*>(address);
}

constexpr std::uint8_t kHypervisorPriority = 0xa0;

#define EL2LAB_MRS(reg)                       \
  ({                                          \
    std::uint64_t v_;                         \
    asm volatile("mrs %0, " #reg : "=r"(v_)); \
    v_;                                       \
  })
#define EL2LAB_MSR(reg, v) asm volatile("msr " #reg ", %0" ::"r"(static_cast<std::uint64_t>(v)))

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
  EL2LAB_MSR(icc_sre_el2, EL2LAB_MRS(icc_sre_el2) | 0x9);
  asm volatile("isb");
  EL2LAB_MSR(icc_pmr_el1, 0xff);
  EL2LAB_MSR(icc_bpr1_el1, 0);
  EL2LAB_MSR(icc_ctlr_el1, EL2LAB_MRS(icc_ctlr_el1) | 0x2);  // EOImode = 1
  EL2LAB_MSR(icc_igrpen1_el1, 1);
  // The guest's virtual CPU interface: on, with the guest's own controls at reset values.
  EL2LAB_MSR(ich_vmcr_el2, 0);
  EL2LAB_MSR(ich_hcr_el2, 1);  // En
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
  mmio32(gicc_base + gicc::kPmr) = 0xff;
  mmio32(gicc_base + gicd::kCtlr) = 0x1 | (1u << 9);
  mmio32(gich_base + gich::kHcr) = 1;  // En
}

}  // namespace

void init_distributor(const MachineInfo& machine) {
  gic_version = machine.gic;
  gicd_base = machine.gic_distributor.base;
  if (gic_version == GicVersion::kV3) {
    gicr_base = machine.gic_redistributor.base;
    gicr_size = machine.gic_redistributor.size;
    mmio32(gicd_base + gicd::kCtlr) = (1u << 4) | 0x2;  // ARE, EnableGrp1 (single security state)
  } else if (gic_version == GicVersion::kV2) {
    gicc_base = machine.gic_redistributor.base;
    gich_base = machine.gic_hyp_interface.base;
    gicv_base = machine.gic_virtual_cpu.base;
    mmio32(gicd_base + gicd::kCtlr) = 0x1;  // EnableGrp0
  }
}

void init_cpu(std::uint32_t index, std::uint64_t mpidr) {
  if (index < board::kMaxCpus) {
    cpu_mpidr[index] = mpidr;
    // GICD_ITARGETSR0..7 are banked: each byte reads as the reading CPU's own interface bit.
    if (gic_version == GicVersion::kV2) {
      cpu_interface_mask[index] =
          *reinterpret_cast<volatile std::uint8_t*>(gicd_base + gicd::kItargetsr);
    }
  }
  if (gic_version == GicVersion::kV3) {
    init_cpu_v3(mpidr);
    lr_count = static_cast<unsigned>(EL2LAB_MRS(ich_vtr_el2) & 0x1f) + 1;
  }
  if (gic_version == GicVersion::kV2) {
    init_cpu_v2();
    lr_count = (mmio32(gich_base + gich::kVtr) & 0x3f) + 1;
  }
}

void send_kick(std::uint32_t index) {
  if (index >= board::kMaxCpus) return;
  asm volatile("dsb ishst" ::: "memory");  // what the kick announces is visible first
  if (gic_version == GicVersion::kV3) {
    // ICC_SGI1R_EL1: INTID [27:24], Aff3 [55:48], Aff2 [39:32], Aff1 [23:16], TargetList =
    // the Aff0 bit.
    const std::uint64_t mpidr = cpu_mpidr[index];
    const std::uint64_t aff0 = mpidr & 0xf, aff1 = (mpidr >> 8) & 0xff;
    const std::uint64_t aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;
    const std::uint64_t value = (std::uint64_t{kKickSgi} << 24) | (aff3 << 48) | (aff2 << 32) |
                                (aff1 << 16) | (std::uint64_t{1} << aff0);
    EL2LAB_MSR(icc_sgi1r_el1, value);
    asm volatile("isb");
  } else if (gic_version == GicVersion::kV2) {
    mmio32(gicd_base + gicd::kSgir) = (std::uint32_t{cpu_interface_mask[index]} << 16) | kKickSgi;
  }
}

GicVersion version() {
  return gic_version;
}

std::uint32_t acknowledge() {
  if (gic_version == GicVersion::kV3) {
    const auto intid = static_cast<std::uint32_t>(EL2LAB_MRS(icc_iar1_el1) & 0xff'ffff);
    asm volatile("dsb sy" ::: "memory");
    return intid;
  }
  if (gic_version == GicVersion::kV2) return mmio32(gicc_base + gicc::kIar) & 0x3ff;
  return kSpurious;
}

void priority_drop(std::uint32_t intid) {
  if (gic_version == GicVersion::kV3) {
    EL2LAB_MSR(icc_eoir1_el1, intid);
    asm volatile("isb");
  } else if (gic_version == GicVersion::kV2) {
    mmio32(gicc_base + gicc::kEoir) = intid;
  }
}

void deactivate(std::uint32_t intid) {
  if (gic_version == GicVersion::kV3) {
    EL2LAB_MSR(icc_dir_el1, intid);
    asm volatile("isb");
  } else if (gic_version == GicVersion::kV2) {
    mmio32(gicc_base + gicc::kDir) = intid;
  }
}

void wait_for_kick() {
  asm volatile("wfi" ::: "memory");
  for (std::uint32_t intid = acknowledge(); intid != kSpurious; intid = acknowledge()) {
    priority_drop(intid);
    deactivate(intid);
  }
}

unsigned list_register_count() {
  return lr_count;
}

// ICH_LR<n>_EL2 are sixteen separate system registers: one case each.
#define EL2LAB_LR_CASES(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

ListEntry read_list_register(unsigned n) {
  if (gic_version == GicVersion::kV2)
    return decode_lr_v2(mmio32(gich_base + gich::kLr0 + 4ull * n));
  std::uint64_t v = 0;
  switch (n) {
#define EL2LAB_READ_LR(i) \
  case i: v = EL2LAB_MRS(ich_lr##i##_el2); break;
    EL2LAB_LR_CASES(EL2LAB_READ_LR)
#undef EL2LAB_READ_LR
    default: break;
  }
  return decode_lr_v3(v);
}

void write_list_register(unsigned n, const ListEntry& entry) {
  if (gic_version == GicVersion::kV2) {
    mmio32(gich_base + gich::kLr0 + 4ull * n) = encode_lr_v2(entry);
    return;
  }
  const std::uint64_t v = encode_lr_v3(entry);
  switch (n) {
#define EL2LAB_WRITE_LR(i) \
  case i: EL2LAB_MSR(ich_lr##i##_el2, v); break;
    EL2LAB_LR_CASES(EL2LAB_WRITE_LR)
#undef EL2LAB_WRITE_LR
    default: break;
  }
  asm volatile("isb");
}

std::uint32_t empty_list_registers() {
  const std::uint32_t all = lr_count >= 32 ? ~0u : (1u << lr_count) - 1;
  // ELRSR alone is not enough: an entry asking for an EOI maintenance interrupt does not count
  // as empty there even once the guest has finished it; EISR names those.
  if (gic_version == GicVersion::kV3) {
    return static_cast<std::uint32_t>(EL2LAB_MRS(ich_elrsr_el2) | EL2LAB_MRS(ich_eisr_el2)) & all;
  }
  if (gic_version == GicVersion::kV2) {
    return (mmio32(gich_base + gich::kElrsr0) | mmio32(gich_base + gich::kEisr0)) & all;
  }
  return 0;
}

std::uint64_t virtual_cpu_interface() {
  return gicv_base;
}

}  // namespace el2lab::gic
