#include "guests/runtime/gic.h"

#include "core/portable/fdt.h"
#include "guests/runtime/guest.h"

namespace el2lab::guest::gic {
namespace {

GicVersion gic_version = GicVersion::kUnknown;
std::uint64_t gicd = 0, gicr = 0, gicc = 0;

constexpr std::uint64_t kCtlr = 0x0, kIgroupr = 0x80, kIsenabler = 0x100, kIpriorityr = 0x400;
constexpr std::uint64_t kGicrWaker = 0x14, kSgiFrame = 0x10000;
constexpr std::uint64_t kGiccPmr = 0x4, kGiccIar = 0xc, kGiccEoir = 0x10;

}  // namespace

bool init(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!tree) return false;
  const MachineInfo machine = read_machine_info(*tree);
  gic_version = machine.gic;
  gicd = machine.gic_distributor.base;
  if (gic_version == GicVersion::kV3) {
    gicr = machine.gic_redistributor.base;                     // vCPU 0's redistributor comes first
    mmio_write<std::uint32_t>(gicd + kCtlr, (1u << 4) | 0x2);  // ARE, EnableGrp1
    mmio_write<std::uint32_t>(gicr + kGicrWaker, 0);           // wake up
    std::uint64_t sre;
    asm volatile("mrs %0, icc_sre_el1" : "=r"(sre));
    asm volatile("msr icc_sre_el1, %0; isb" ::"r"(sre | 1));
    asm volatile("msr icc_pmr_el1, %0" ::"r"(std::uint64_t{0xff}));
    asm volatile("msr icc_igrpen1_el1, %0; isb" ::"r"(std::uint64_t{1}));
    return true;
  }
  if (gic_version == GicVersion::kV2) {
    gicc = machine.gic_redistributor.base;
    mmio_write<std::uint32_t>(gicd + kCtlr, 1);
    mmio_write<std::uint32_t>(gicc + kGiccPmr, 0xff);
    mmio_write<std::uint32_t>(gicc + kCtlr, 1);
    return true;
  }
  return false;
}

GicVersion version() {
  return gic_version;
}

void enable_ppi(std::uint32_t intid, std::uint8_t priority) {
  const std::uint64_t frame = gic_version == GicVersion::kV3 ? gicr + kSgiFrame : gicd;
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
  return mmio_read<std::uint32_t>(gicc + kGiccIar) & 0x3ff;
}

void end_of_interrupt(std::uint32_t intid) {
  if (gic_version == GicVersion::kV3) {
    asm volatile("msr icc_eoir1_el1, %0; isb" ::"r"(std::uint64_t{intid}));
    return;
  }
  mmio_write<std::uint32_t>(gicc + kGiccEoir, intid);
}

void send_sgi_to_self(std::uint32_t intid) {
  if (gic_version == GicVersion::kV3) {
    // ICC_SGI1R_EL1: INTID [27:24], TargetList [15:0] = this CPU (Aff0 0), Aff1-3 = 0.
    const std::uint64_t value = (std::uint64_t{intid & 0xf} << 24) | 1u;
    asm volatile("msr icc_sgi1r_el1, %0; isb" ::"r"(value));
    return;
  }
  // GICD_SGIR: TargetListFilter 2 (this CPU only), SGIINTID [3:0].
  mmio_write<std::uint32_t>(gicd + 0xf00, (2u << 24) | (intid & 0xf));
}

}  // namespace el2lab::guest::gic
