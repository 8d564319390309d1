#include "core/portable/guest_device_tree.h"

#include <array>

#include "core/portable/fdt_writer.h"
#include "core/portable/format.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

// Each vCPU's GICv3 redistributor: an RD_base frame and an SGI_base frame of 64 KiB each.
constexpr std::uint64_t kRedistributorStride = 0x20000;
// GICv2's target lists have one bit per CPU interface, eight in all.
constexpr std::uint32_t kGicV2MaxCpus = 8;

// Interrupt specifier cells for the three-cell GIC binding: kind, number, flags.
constexpr std::uint32_t kSpi = 0;
constexpr std::uint32_t kPpi = 1;
constexpr std::uint32_t kLevelHigh = 4;  // The trigger QEMU declares for its timer and UART.

// PPIs of the generic timer, in the order the binding lists them: secure physical,
// non-secure physical, virtual, hypervisor physical.
constexpr std::array<std::uint32_t, 4> kTimerPpis = {13, 14, 11, 10};
constexpr std::uint32_t kUartSpi = 1;  // QEMU virt wires the PL011 to SPI 1 (INTID 33).

// Only the original "arm,psci" binding reads these IDs; 0.2 and later imply the standard
// ones. QEMU lists the 64-bit calls, so the guest's tree does too.
constexpr std::uint32_t kPsciMigrate64 = 0xc400'0005;

constexpr std::uint32_t kApbClockHz = 24'000'000;

// A node name "base@unit" (or path "/base@unit"), unit in hex without "0x" as the
// Devicetree Specification spells unit addresses.
class UnitName {
 public:
  UnitName(std::string_view base, std::uint64_t unit) {
    std::array<char, 20> hex{};
    std::string_view digits = fmt::to_hex(unit, 1, hex);
    digits.remove_prefix(2);  // The "0x".
    append(base);
    append("@");
    append(digits);
  }
  std::string_view view() const { return {chars_.data(), size_}; }

 private:
  void append(std::string_view s) {
    for (char c : s) {
      if (size_ < chars_.size()) chars_[size_++] = c;
    }
  }
  std::array<char, 40> chars_{};  // Callers' bases are short constants; 40 always suffices.
  std::size_t size_ = 0;
};

bool config_is_usable(const GuestDeviceTreeConfig& config) {
  const MachineInfo* machine = config.machine;
  if (machine == nullptr || config.ram_size == 0 || config.vcpu_count == 0) return false;
  if (config.initrd_start != 0 || config.initrd_end != 0) {
    if (config.initrd_end <= config.initrd_start) return false;
  }
  switch (machine->gic) {
    case GicVersion::kV2: return config.vcpu_count <= kGicV2MaxCpus;
    case GicVersion::kV3:
      // The vCPUs' redistributors must lie inside the machine's redistributor region.
      return kRedistributorStride * config.vcpu_count <= machine->gic_redistributor.size;
    case GicVersion::kUnknown: return false;
  }
  return false;
}

void write_psci(fdt::Writer& w) {
  w.begin_node("psci");
  const std::array<std::string_view, 3> compatible = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
  w.property_strings("compatible", compatible);
  // The hypervisor is the guest's firmware: PSCI calls trap to EL2 as HVCs.
  w.property_string("method", "hvc");
  w.property_u32("cpu_suspend", static_cast<std::uint32_t>(psci::Function::kCpuSuspend64));
  w.property_u32("cpu_off", static_cast<std::uint32_t>(psci::Function::kCpuOff));
  w.property_u32("cpu_on", static_cast<std::uint32_t>(psci::Function::kCpuOn64));
  w.property_u32("migrate", kPsciMigrate64);
  w.end_node();
}

void write_memory(fdt::Writer& w, const GuestDeviceTreeConfig& config) {
  w.begin_node(UnitName("memory", config.ram_base).view());
  w.property_string("device_type", "memory");
  const fdt::Region ram{config.ram_base, config.ram_size};
  w.property_reg("reg", std::span(&ram, 1), 2, 2);
  w.end_node();
}

void write_cpus(fdt::Writer& w, std::uint32_t count) {
  w.begin_node("cpus");
  // A CPU's reg is its MPIDR affinity, one cell, with no size.
  w.property_u32("#address-cells", 1);
  w.property_u32("#size-cells", 0);
  for (std::uint32_t i = 0; i < count; ++i) {
    w.begin_node(UnitName("cpu", i).view());
    w.property_string("device_type", "cpu");
    w.property_string("compatible", "arm,cortex-a72");
    w.property_u32("reg", i);
    w.property_string("enable-method", "psci");
    w.end_node();
  }
  w.end_node();
}

void write_gic(fdt::Writer& w, const GuestDeviceTreeConfig& config) {
  const MachineInfo& machine = *config.machine;
  w.begin_node(UnitName("intc", machine.gic_distributor.base).view());
  std::array<fdt::Region, 2> regs = {machine.gic_distributor, machine.gic_redistributor};
  if (machine.gic == GicVersion::kV3) {
    w.property_string("compatible", "arm,gic-v3");
    // Only the vCPUs' own redistributors: the GIC driver probes every frame in the region
    // and would find more CPUs' worth than the guest has.
    regs[1].size = kRedistributorStride * config.vcpu_count;
    w.property_u32("#redistributor-regions", 1);
  } else {
    // GICC here is where the guest finds its CPU interface (backed by GICV underneath).
    w.property_string("compatible", "arm,cortex-a15-gic");
  }
  w.property_reg("reg", regs, 2, 2);
  w.property_u32("#interrupt-cells", 3);
  w.property_empty("interrupt-controller");
  // An interrupt provider states its address cells, which interrupt-map entries pointing at it
  // (a PCIe host's, say) must supply. QEMU's two cells and identity ranges also leave room for
  // an ITS or v2m frame as a child node.
  w.property_u32("#address-cells", 2);
  w.property_u32("#size-cells", 2);
  w.property_empty("ranges");
  w.property_u32("phandle", kGuestGicPhandle);
  w.end_node();
}

void write_timer(fdt::Writer& w, const GuestDeviceTreeConfig& config) {
  // GICv2 PPI specifiers also carry, in flags bits [15:8], the CPUs the PPI reaches.
  std::uint32_t flags = kLevelHigh;
  if (config.machine->gic == GicVersion::kV2) {
    flags |= ((1u << config.vcpu_count) - 1) << 8;
  }
  std::array<std::uint32_t, 3 * kTimerPpis.size()> interrupts{};
  for (std::size_t i = 0; i < kTimerPpis.size(); ++i) {
    interrupts[3 * i] = kPpi;
    interrupts[3 * i + 1] = kTimerPpis[i];
    interrupts[3 * i + 2] = flags;
  }
  w.begin_node("timer");
  const std::array<std::string_view, 2> compatible = {"arm,armv8-timer", "arm,armv7-timer"};
  w.property_strings("compatible", compatible);
  w.property_cells("interrupts", interrupts);
  // The counter keeps running in every idle state, so Linux need not fall back to a
  // broadcast timer.
  w.property_empty("always-on");
  w.end_node();
}

void write_uart(fdt::Writer& w, const fdt::Region& uart) {
  // PrimeCell devices name an APB bus clock besides their functional clock; QEMU feeds both
  // from one fixed 24 MHz clock, and the Linux PL011 driver reads the rate from it.
  w.begin_node("apb-pclk");
  w.property_string("compatible", "fixed-clock");
  w.property_u32("#clock-cells", 0);
  w.property_u32("clock-frequency", kApbClockHz);
  w.property_string("clock-output-names", "clk24mhz");
  w.property_u32("phandle", kGuestClockPhandle);
  w.end_node();

  w.begin_node(UnitName("pl011", uart.base).view());
  const std::array<std::string_view, 2> compatible = {"arm,pl011", "arm,primecell"};
  w.property_strings("compatible", compatible);
  w.property_reg("reg", std::span(&uart, 1), 2, 2);
  const std::array<std::uint32_t, 3> interrupts = {kSpi, kUartSpi, kLevelHigh};
  w.property_cells("interrupts", interrupts);
  const std::array<std::string_view, 2> clock_names = {"uartclk", "apb_pclk"};
  w.property_strings("clock-names", clock_names);
  const std::array<std::uint32_t, 2> clocks = {kGuestClockPhandle, kGuestClockPhandle};
  w.property_cells("clocks", clocks);
  w.end_node();
}

void write_extra_device(fdt::Writer& w, const GuestDeviceNode& device, bool have_clock) {
  w.begin_node(UnitName(device.name, device.base).view());
  if (device.primecell) {
    const std::array<std::string_view, 2> compatible = {device.compatible, "arm,primecell"};
    w.property_strings("compatible", compatible);
  } else {
    w.property_string("compatible", device.compatible);
  }
  const fdt::Region reg{device.base, device.size};
  w.property_reg("reg", std::span(&reg, 1), 2, 2);
  // Linux's AMBA bus enables a PrimeCell's bus clock before it reads the ID registers.
  if (device.primecell && have_clock) {
    w.property_u32("clocks", kGuestClockPhandle);
    w.property_string("clock-names", "apb_pclk");
  }
  w.end_node();
}

void write_chosen(fdt::Writer& w, const GuestDeviceTreeConfig& config) {
  w.begin_node("chosen");
  if (config.machine->uart.base != 0) {
    w.property_string("stdout-path", UnitName("/pl011", config.machine->uart.base).view());
  }
  if (!config.bootargs.empty()) w.property_string("bootargs", config.bootargs);
  if (config.initrd_end != 0) {
    w.property_u64("linux,initrd-start", config.initrd_start);
    w.property_u64("linux,initrd-end", config.initrd_end);
  }
  w.end_node();
}

}  // namespace

std::optional<std::size_t> build_guest_device_tree(const GuestDeviceTreeConfig& config,
                                                   std::span<std::uint8_t> out) {
  if (!config_is_usable(config)) return std::nullopt;

  fdt::Writer w(out);
  w.begin_node("");
  w.property_string("compatible", "linux,dummy-virt");
  w.property_string("model", "linux,dummy-virt");
  w.property_u32("#address-cells", 2);
  w.property_u32("#size-cells", 2);
  // Every device's interrupts go to the GIC unless a node says otherwise.
  w.property_u32("interrupt-parent", kGuestGicPhandle);

  write_psci(w);
  write_memory(w, config);
  write_cpus(w, config.vcpu_count);
  write_gic(w, config);
  write_timer(w, config);
  if (config.machine->uart.base != 0) write_uart(w, config.machine->uart);
  if (config.extra_device.size != 0) {
    write_extra_device(w, config.extra_device, config.machine->uart.base != 0);
  }
  write_chosen(w, config);
  w.end_node();
  // The writer ignores calls after a failure, so one check at the end covers every step.
  return w.finish();
}

}  // namespace el2lab
