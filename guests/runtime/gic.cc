#include "guests/runtime/gic.h"

#include "core/portable/fdt.h"
#include "guests/runtime/guest.h"

namespace el2lab::guest::gic {
namespace {

// Written by init() on the boot CPU before it starts any other CPU (start_cpu() completes the
// writes before CPU_ON), read-only afterwards.
GicVersion gic_version = GicVersion::kUnknown;
std::uint64_t gicd = 0, gicc = 0;
fdt::Region gicr_region;
// Each CPU's own redistributor (GICv3), by logical index; each CPU writes only its own.
std::uint64_t redistributor[kMaxCpus] = {};

constexpr std::uint64_t kCtlr = 0x0, kIgroupr = 0x80, kIsenabler = 0x100, kIpriorityr = 0x400;
constexpr std::uint64_t kGicdSgir = 0xf00;
constexpr std::uint64_t kGicrTyper = 0x8, kGicrWaker = 0x14, kSgiFrame = 0x10000;
constexpr std::uint64_t kGicrStride = 0x20000;  // RD frame + SGI frame (no VLPI frames)
constexpr std::uint64_t kTyperLast = 1u << 4;
constexpr std::uint32_t kWakerProcessorSleep = 1u << 1, kWakerChildrenAsleep = 1u << 2;
constexpr std::uint64_t kGiccPmr = 0x4, kGiccIar = 0xc, kGiccEoir = 0x10;

/// MPIDR affinity (Aff3 in [39:32], Aff2.Aff1.Aff0 in [23:0]) as GICR_TYPER[63:32] packs it.
constexpr std::uint64_t typer_affinity(std::uint64_t mpidr) {
  return ((mpidr >> 8) & 0xff00'0000) | (mpidr & 0xff'ffff);
}

/// The redistributor whose GICR_TYPER names \p mpidr: the frames follow one another from the
/// region's base, and the last one says so (GICR_TYPER.Last).
std::uint64_t find_redistributor(std::uint64_t mpidr) {
  const std::uint64_t frames = gicr_region.size / kGicrStride;
  for (std::uint64_t i = 0; i < frames; ++i) {
    const std::uint64_t frame = gicr_region.base + i * kGicrStride;
    const auto typer = mmio_read<std::uint64_t>(frame + kGicrTyper);
    if ((typer >> 32) == typer_affinity(mpidr)) return frame;
    if ((typer & kTyperLast) != 0) break;
  }
  return 0;
}

/// Completes this CPU's earlier writes before an SGI goes out, so that the CPU it interrupts
/// finds whatever the SGI announces (as Linux does before every IPI). A system-register write
/// such as ICC_SGI1R_EL1 is not ordered after memory accesses by itself.
void complete_writes() {
  asm volatile("dsb sy" ::: "memory");
}

}  // namespace

bool init(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!tree) return false;
  const MachineInfo machine = read_machine_info(*tree);
  gic_version = machine.gic;
  gicd = machine.gic_distributor.base;
  if (gic_version == GicVersion::kV3) {
    gicr_region = machine.gic_redistributor;
    mmio_write<std::uint32_t>(gicd + kCtlr, (1u << 4) | 0x2);  // ARE, EnableGrp1
    return init_cpu();
  }
  if (gic_version == GicVersion::kV2) {
    gicc = machine.gic_redistributor.base;
    mmio_write<std::uint32_t>(gicd + kCtlr, 1);
    return init_cpu();
  }
  return false;
}

bool init_cpu() {
  if (gic_version == GicVersion::kV3) {
    const std::uint64_t frame = find_redistributor(mpidr_affinity());
    if (frame == 0) return false;
    redistributor[cpu_index()] = frame;
    // Wake it up: clear ProcessorSleep, then wait (bounded) until ChildrenAsleep follows.
    const auto waker = mmio_read<std::uint32_t>(frame + kGicrWaker);
    mmio_write<std::uint32_t>(frame + kGicrWaker, waker & ~kWakerProcessorSleep);
    for (int i = 0; i < 100'000; ++i) {
      if ((mmio_read<std::uint32_t>(frame + kGicrWaker) & kWakerChildrenAsleep) == 0) break;
    }
    if ((mmio_read<std::uint32_t>(frame + kGicrWaker) & kWakerChildrenAsleep) != 0) return false;
    std::uint64_t sre;
    asm volatile("mrs %0, icc_sre_el1" : "=r"(sre));
    asm volatile("msr icc_sre_el1, %0; isb" ::"r"(sre | 1));
    asm volatile("msr icc_pmr_el1, %0" ::"r"(std::uint64_t{0xff}));
    asm volatile("msr icc_igrpen1_el1, %0; isb" ::"r"(std::uint64_t{1}));
    return true;
  }
  if (gic_version == GicVersion::kV2) {
    mmio_write<std::uint32_t>(gicc + kGiccPmr, 0xff);  // banked: this CPU's interface
    mmio_write<std::uint32_t>(gicc + kCtlr, 1);
    return true;
  }
  return false;
}

GicVersion version() {
  return gic_version;
}

void enable_ppi(std::uint32_t intid, std::uint8_t priority) {
  const std::uint64_t frame =
      gic_version == GicVersion::kV3 ? redistributor[cpu_index()] + kSgiFrame : gicd;
  mmio_write<std::uint8_t>(frame + kIpriorityr + intid, priority);
  if (gic_version == GicVersion::kV3) {
    const auto groups = mmio_read<std::uint32_t>(frame + kIgroupr);
    mmio_write<std::uint32_t>(frame + kIgroupr, groups | (1u << intid));
  }
  mmio_write<std::uint32_t>(frame + kIsenabler, 1u << intid);
}

std::uint32_t acknowledge() {
  if (gic_version == GicVersion::kV3) {
    std::uint64_t iar;
    asm volatile("mrs %0, icc_iar1_el1" : "=r"(iar));
    return static_cast<std::uint32_t>(iar & 0xff'ffff);
  }
  return mmio_read<std::uint32_t>(gicc + kGiccIar) & 0x1fff;  // CPUID [12:10], INTID [9:0]
}

void end_of_interrupt(std::uint32_t iar) {
  if (gic_version == GicVersion::kV3) {
    asm volatile("msr icc_eoir1_el1, %0; isb" ::"r"(std::uint64_t{iar}));
    return;
  }
  mmio_write<std::uint32_t>(gicc + kGiccEoir, iar);
}

void send_sgi(std::uint32_t intid, std::uint64_t target_mpidr) {
  complete_writes();
  const std::uint64_t aff0 = target_mpidr & 0xff;
  if (gic_version == GicVersion::kV3) {
    // ICC_SGI1R_EL1: TargetList [15:0] (bit n = Aff0 16*RS + n), Aff1 [23:16], INTID [27:24],
    // Aff2 [39:32], RS [47:44], Aff3 [55:48].
    const std::uint64_t aff1 = (target_mpidr >> 8) & 0xff, aff2 = (target_mpidr >> 16) & 0xff;
    const std::uint64_t aff3 = (target_mpidr >> 32) & 0xff;
    const std::uint64_t value = (std::uint64_t{1} << (aff0 & 0xf)) | (aff1 << 16) |
                                (std::uint64_t{intid & 0xf} << 24) | (aff2 << 32) |
                                ((aff0 >> 4) << 44) | (aff3 << 48);
    asm volatile("msr icc_sgi1r_el1, %0; isb" ::"r"(value));
    return;
  }
  // GICD_SGIR: TargetListFilter [25:24] 0 (the list), CPUTargetList [23:16], SGIINTID [3:0].
  mmio_write<std::uint32_t>(gicd + kGicdSgir, (1u << (16 + (aff0 & 0x7))) | (intid & 0xf));
}

void send_sgi_to_others(std::uint32_t intid) {
  complete_writes();
  if (gic_version == GicVersion::kV3) {
    // IRM [40] = 1: every PE but this one; the target fields are ignored.
    const std::uint64_t value = (std::uint64_t{intid & 0xf} << 24) | (std::uint64_t{1} << 40);
    asm volatile("msr icc_sgi1r_el1, %0; isb" ::"r"(value));
    return;
  }
  // GICD_SGIR: TargetListFilter 1, every CPU interface but this one.
  mmio_write<std::uint32_t>(gicd + kGicdSgir, (1u << 24) | (intid & 0xf));
}

void send_sgi_to_self(std::uint32_t intid) {
  if (gic_version == GicVersion::kV3) {
    send_sgi(intid, mpidr_affinity());
    return;
  }
  // GICD_SGIR: TargetListFilter 2 (this CPU only), SGIINTID [3:0].
  complete_writes();
  mmio_write<std::uint32_t>(gicd + kGicdSgir, (2u << 24) | (intid & 0xf));
}

}  // namespace el2lab::guest::gic
