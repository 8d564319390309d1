#include "core/portable/guest_device_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/portable/test_dtbs.h"
#include "core/portable/test_dtc.h"

namespace el2lab {
namespace {

using std::string_view_literals::operator""sv;

using test_support::DtcResult;
using test_support::qemu_dtb;

// QEMU's own tree for a board, kept alive alongside the MachineInfo that points into it.
struct Board {
  std::vector<std::uint8_t> blob;
  std::optional<fdt::Fdt> fdt;
  MachineInfo info;
};

Board qemu_board(int gic, int smp) {
  Board board;
  board.blob = qemu_dtb(gic, smp);
  EXPECT_FALSE(board.blob.empty()) << "missing test DTB; run the build first";
  board.fdt = fdt::Fdt::from(board.blob.data(), board.blob.size());
  EXPECT_TRUE(board.fdt);
  if (board.fdt) board.info = read_machine_info(*board.fdt);
  return board;
}

// A guest tree written into a buffer trimmed to the blob's size.
std::vector<std::uint8_t> build(const GuestDeviceTreeConfig& config) {
  std::vector<std::uint8_t> out(4096);
  auto size = build_guest_device_tree(config, out);
  EXPECT_TRUE(size);
  out.resize(size.value_or(0));
  return out;
}

DtcResult run_dtc(const std::vector<std::uint8_t>& blob) {
  return test_support::run_dtc(blob, "guest_device_tree_test");
}

std::vector<std::uint8_t> bytes_of(const std::optional<fdt::Node>& node, std::string_view name) {
  if (!node) return {};
  auto prop = node->property(name);
  if (!prop) return {};
  return {prop->bytes().begin(), prop->bytes().end()};
}

TEST(GuestDeviceTree, GicV3GuestReadsBack) {
  Board board = qemu_board(3, 4);
  GuestDeviceTreeConfig config;
  config.ram_base = 0x5000'0000;
  config.ram_size = 256ull << 20;
  config.vcpu_count = 2;
  config.machine = &board.info;
  config.bootargs = "console=ttyAMA0 earlycon";
  config.initrd_start = 0x5800'0000;
  config.initrd_end = 0x5812'3456;
  auto blob = build(config);

  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  MachineInfo guest = read_machine_info(*fdt);
  EXPECT_EQ(guest.memory.base, config.ram_base);
  EXPECT_EQ(guest.memory.size, config.ram_size);
  EXPECT_EQ(guest.cpu_count, 2u);
  EXPECT_EQ(guest.cpu_mpidr[0], 0u);
  EXPECT_EQ(guest.cpu_mpidr[1], 1u);
  EXPECT_EQ(guest.gic, GicVersion::kV3);
  EXPECT_EQ(guest.gic_distributor.base, board.info.gic_distributor.base);
  EXPECT_EQ(guest.gic_distributor.size, board.info.gic_distributor.size);
  EXPECT_EQ(guest.gic_redistributor.base, board.info.gic_redistributor.base);
  EXPECT_EQ(guest.gic_redistributor.size, 2u * 0x20000u);  // Two vCPUs' frames, not QEMU's 123.
  EXPECT_EQ(guest.uart.base, board.info.uart.base);
  EXPECT_EQ(guest.uart.size, board.info.uart.size);
  EXPECT_EQ(guest.psci_method, "hvc");
  EXPECT_EQ(guest.bootargs, "console=ttyAMA0 earlycon");
  EXPECT_EQ(guest.initrd.base, 0x5800'0000u);
  EXPECT_EQ(guest.initrd.size, 0x12'3456u);
  EXPECT_EQ(guest.pcie_ecam.size, 0u);  // No PCIe for guests.
}

TEST(GuestDeviceTree, GicV2GuestReadsBack) {
  Board board = qemu_board(2, 4);
  GuestDeviceTreeConfig config;
  config.ram_base = 0x4000'0000;
  config.ram_size = 64ull << 20;
  config.vcpu_count = 3;
  config.machine = &board.info;
  auto blob = build(config);

  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  MachineInfo guest = read_machine_info(*fdt);
  EXPECT_EQ(guest.memory.base, 0x4000'0000u);
  EXPECT_EQ(guest.memory.size, 64ull << 20);
  EXPECT_EQ(guest.cpu_count, 3u);
  EXPECT_EQ(guest.cpu_mpidr[2], 2u);
  EXPECT_EQ(guest.gic, GicVersion::kV2);
  EXPECT_EQ(guest.gic_distributor.base, board.info.gic_distributor.base);
  EXPECT_EQ(guest.gic_redistributor.base, board.info.gic_redistributor.base);  // GICC
  EXPECT_EQ(guest.gic_redistributor.size, board.info.gic_redistributor.size);
  // A guest has no EL2, so it is shown no hypervisor interface.
  EXPECT_EQ(guest.gic_hyp_interface.size, 0u);
  EXPECT_EQ(guest.gic_virtual_cpu.size, 0u);
  EXPECT_EQ(guest.uart.base, 0x0900'0000u);
  EXPECT_EQ(guest.psci_method, "hvc");
  // Neither bootargs nor initrd configured: neither property written.
  EXPECT_EQ(guest.bootargs, "");
  EXPECT_EQ(guest.initrd.size, 0u);
  auto chosen = fdt->find_path("/chosen");
  ASSERT_TRUE(chosen);
  EXPECT_FALSE(chosen->property("bootargs"));
  EXPECT_FALSE(chosen->property("linux,initrd-start"));
  EXPECT_EQ(chosen->property("stdout-path")->as_string(), "/pl011@9000000");
}

TEST(GuestDeviceTree, ReferencesResolve) {
  Board board = qemu_board(3, 1);
  GuestDeviceTreeConfig config{
      .ram_base = 0x4000'0000, .ram_size = 1ull << 30, .vcpu_count = 1, .machine = &board.info};
  auto blob = build(config);
  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);

  // Every interrupt's parent is the GIC.
  auto parent = fdt->root().property("interrupt-parent")->as_u32();
  ASSERT_TRUE(parent);
  auto gic = fdt->find_phandle(*parent);
  ASSERT_TRUE(gic);
  EXPECT_TRUE(gic->is_compatible("arm,gic-v3"));
  EXPECT_TRUE(gic->property("interrupt-controller"));
  EXPECT_EQ(gic->property("#interrupt-cells")->as_u32(), 3u);

  // The UART's two clocks are the 24 MHz fixed clock.
  auto uart = fdt->find_path("/pl011@9000000");
  ASSERT_TRUE(uart);
  auto clocks = uart->property("clocks");
  ASSERT_TRUE(clocks);
  ASSERT_EQ(clocks->bytes().size(), 8u);
  for (std::size_t i = 0; i < 2; ++i) {
    auto clock = fdt->find_phandle(static_cast<std::uint32_t>(*clocks->number_at(i, 1)));
    ASSERT_TRUE(clock);
    EXPECT_TRUE(clock->is_compatible("fixed-clock"));
    EXPECT_EQ(clock->property("clock-frequency")->as_u32(), 24'000'000u);
  }

  // stdout-path names the UART node.
  auto chosen = fdt->find_path("/chosen");
  ASSERT_TRUE(chosen);
  auto stdout_node = fdt->find_path(chosen->property("stdout-path")->as_string());
  ASSERT_TRUE(stdout_node);
  EXPECT_TRUE(stdout_node->is_compatible("arm,pl011"));

  auto cpu = fdt->find_path("/cpus/cpu@0");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->property("enable-method")->as_string(), "psci");
  EXPECT_TRUE(cpu->is_compatible("arm,cortex-a72"));
}

// The guest's tree is shaped like QEMU's: for the devices both have, with the same RAM and CPU
// count, property values must match QEMU's byte for byte (phandle numbers aside).
TEST(GuestDeviceTree, MatchesQemuTreeForSharedDevices) {
  for (int gic : {2, 3}) {
    for (int smp : {1, 2, 4}) {
      SCOPED_TRACE("gicv" + std::to_string(gic) + " smp" + std::to_string(smp));
      Board board = qemu_board(gic, smp);
      ASSERT_TRUE(board.fdt);
      GuestDeviceTreeConfig config{.ram_base = board.info.memory.base,
                                   .ram_size = board.info.memory.size,
                                   .vcpu_count = static_cast<std::uint32_t>(smp),
                                   .machine = &board.info};
      auto blob = build(config);
      auto fdt = fdt::Fdt::from(blob.data(), blob.size());
      ASSERT_TRUE(fdt);
      const fdt::Fdt& qemu = *board.fdt;

      auto same = [&](std::string_view path, std::initializer_list<std::string_view> names) {
        auto ours = fdt->find_path(path);
        auto theirs = qemu.find_path(path);
        ASSERT_TRUE(ours) << path;
        ASSERT_TRUE(theirs) << path;
        for (std::string_view name : names) {
          EXPECT_TRUE(theirs->property(name)) << path << " " << name;
          EXPECT_TRUE(ours->property(name)) << path << " " << name;
          EXPECT_EQ(bytes_of(ours, name), bytes_of(theirs, name)) << path << " " << name;
        }
      };
      same("/", {"compatible", "model", "#address-cells", "#size-cells"});
      same("/psci", {"compatible", "cpu_suspend", "cpu_off", "cpu_on", "migrate"});
      same("/memory", {"device_type", "reg"});
      same("/cpus", {"#address-cells", "#size-cells"});
      for (int i = 0; i < smp; ++i) {
        same("/cpus/cpu@" + std::to_string(i), {"device_type", "compatible", "reg"});
        // QEMU names an enable method only when there are CPUs to enable; ours always does.
        if (smp > 1) same("/cpus/cpu@" + std::to_string(i), {"enable-method"});
      }
      // The timer's flags carry a CPU mask under GICv2, so this checks it per CPU count.
      same("/timer", {"compatible", "interrupts", "always-on"});
      same("/apb-pclk", {"compatible", "#clock-cells", "clock-frequency", "clock-output-names"});
      same("/pl011@9000000", {"compatible", "reg", "interrupts", "clock-names"});
      same("/intc@8000000", {"compatible", "#interrupt-cells", "interrupt-controller",
                             "#address-cells", "#size-cells", "ranges"});
      if (gic == 3) same("/intc@8000000", {"#redistributor-regions"});
      // GICD's entry is QEMU's; so is GICC's under GICv2 (QEMU lists GICH and GICV after it).
      auto ours_reg = bytes_of(fdt->find_path("/intc@8000000"), "reg");
      auto qemu_reg = bytes_of(qemu.find_path("/intc@8000000"), "reg");
      ASSERT_EQ(ours_reg.size(), 32u);
      const std::size_t shared = gic == 2 ? 32 : 16;
      EXPECT_TRUE(std::equal(ours_reg.begin(), ours_reg.begin() + std::ptrdiff_t(shared),
                             qemu_reg.begin()));
    }
  }
}

TEST(GuestDeviceTree, DtcAcceptsBothGicVersions) {
  for (int gic : {2, 3}) {
    SCOPED_TRACE("gicv" + std::to_string(gic));
    Board board = qemu_board(gic, 2);
    GuestDeviceTreeConfig config{.ram_base = 0x4000'0000,
                                 .ram_size = 512ull << 20,
                                 .vcpu_count = 2,
                                 .machine = &board.info,
                                 .bootargs = "console=ttyAMA0",
                                 .initrd_start = 0x4800'0000,
                                 .initrd_end = 0x4810'0000};
    DtcResult dtc = run_dtc(build(config));
    EXPECT_EQ(dtc.exit_status, 0) << dtc.warnings;
    EXPECT_EQ(dtc.warnings, "");  // dtc's checks find nothing to warn about.
    std::vector<std::string> lines = {
        "compatible = \"linux,dummy-virt\";",
        "interrupt-parent = <0x01>;",
        "method = \"hvc\";",
        "compatible = \"arm,psci-1.0\\0arm,psci-0.2\\0arm,psci\";",
        "cpu_on = <0xc4000003>;",
        "memory@40000000 {",
        "reg = <0x00 0x40000000 0x00 0x20000000>;",
        "cpu@1 {",
        "enable-method = \"psci\";",
        "compatible = \"arm,armv8-timer\\0arm,armv7-timer\";",
        "always-on;",
        "pl011@9000000 {",
        "clock-names = \"uartclk\\0apb_pclk\";",
        "clock-frequency = <0x16e3600>;",
        "stdout-path = \"/pl011@9000000\";",
        "bootargs = \"console=ttyAMA0\";",
        "linux,initrd-start = <0x00 0x48000000>;",
        "linux,initrd-end = <0x00 0x48100000>;",
    };
    if (gic == 3) {
      lines.push_back("compatible = \"arm,gic-v3\";");
      lines.push_back("reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x40000>;");
      lines.push_back(
          "interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>;");
    } else {
      lines.push_back("compatible = \"arm,cortex-a15-gic\";");
      lines.push_back("reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>;");
      lines.push_back(
          "interrupts = <0x01 0x0d 0x304 0x01 0x0e 0x304 0x01 0x0b 0x304 0x01 0x0a 0x304>;");
    }
    for (const std::string& line : lines) {
      EXPECT_NE(dtc.dts.find(line), std::string::npos) << line << "\n" << dtc.dts;
    }
  }
}

TEST(GuestDeviceTree, RejectsUnusableConfigs) {
  Board v3 = qemu_board(3, 1);
  Board v2 = qemu_board(2, 1);
  std::vector<std::uint8_t> out(4096);
  const GuestDeviceTreeConfig good{
      .ram_base = 0x4000'0000, .ram_size = 1ull << 30, .vcpu_count = 1, .machine = &v3.info};
  EXPECT_TRUE(build_guest_device_tree(good, out));

  auto with = [&](auto change) {
    GuestDeviceTreeConfig config = good;
    change(config);
    return build_guest_device_tree(config, out);
  };
  EXPECT_FALSE(with([](auto& c) { c.machine = nullptr; }));
  EXPECT_FALSE(with([](auto& c) { c.vcpu_count = 0; }));
  EXPECT_FALSE(with([](auto& c) { c.ram_size = 0; }));
  EXPECT_FALSE(with([](auto& c) { c.initrd_start = 0x4800'0000; }));  // No end.
  EXPECT_FALSE(with([](auto& c) {
    c.initrd_start = 0x4800'0000;
    c.initrd_end = 0x4700'0000;
  }));
  EXPECT_FALSE(with([](auto& c) { c.bootargs = "a\0b"sv; }));

  MachineInfo no_gic = v3.info;
  no_gic.gic = GicVersion::kUnknown;
  EXPECT_FALSE(with([&](auto& c) { c.machine = &no_gic; }));

  // QEMU's redistributor region holds 0xf60000 / 0x20000 = 123 CPUs' frames.
  ASSERT_EQ(v3.info.gic_redistributor.size, 0xf6'0000u);
  std::vector<std::uint8_t> big(64 * 1024);
  GuestDeviceTreeConfig many = good;
  many.vcpu_count = 123;
  EXPECT_TRUE(build_guest_device_tree(many, big));
  many.vcpu_count = 124;
  EXPECT_FALSE(build_guest_device_tree(many, big));

  // GICv2 target lists stop at eight CPUs.
  GuestDeviceTreeConfig eight = good;
  eight.machine = &v2.info;
  eight.vcpu_count = 8;
  EXPECT_TRUE(build_guest_device_tree(eight, out));
  eight.vcpu_count = 9;
  EXPECT_FALSE(build_guest_device_tree(eight, out));
}

TEST(GuestDeviceTree, MachineWithoutUartGivesGuestWithoutUart) {
  Board board = qemu_board(3, 1);
  MachineInfo machine = board.info;
  machine.uart = {};
  GuestDeviceTreeConfig config{
      .ram_base = 0x4000'0000, .ram_size = 1ull << 30, .vcpu_count = 1, .machine = &machine};
  auto blob = build(config);
  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  EXPECT_FALSE(fdt->find_compatible("arm,pl011"));
  EXPECT_FALSE(fdt->find_path("/chosen")->property("stdout-path"));
  DtcResult dtc = run_dtc(blob);
  EXPECT_EQ(dtc.exit_status, 0);
  EXPECT_EQ(dtc.warnings, "");
}

TEST(GuestDeviceTree, FourKibHoldsEightCpusAndLongBootargs) {
  Board board = qemu_board(2, 1);
  const std::string bootargs(512, 'x');
  GuestDeviceTreeConfig config{.ram_base = 0x4000'0000,
                               .ram_size = 1ull << 30,
                               .vcpu_count = 8,
                               .machine = &board.info,
                               .bootargs = bootargs,
                               .initrd_start = 0x4800'0000,
                               .initrd_end = 0x4900'0000};
  std::vector<std::uint8_t> out(4096);
  auto size = build_guest_device_tree(config, out);
  ASSERT_TRUE(size);
  EXPECT_LT(*size, 4096u);
}

TEST(GuestDeviceTree, EveryTooSmallBufferFails) {
  Board board = qemu_board(3, 2);
  GuestDeviceTreeConfig config{.ram_base = 0x4000'0000,
                               .ram_size = 1ull << 30,
                               .vcpu_count = 2,
                               .machine = &board.info,
                               .bootargs = "console=ttyAMA0"};
  const std::size_t needed = build(config).size();
  for (std::size_t size = 0; size < needed; ++size) {
    std::vector<std::uint8_t> out(size);  // Exact size: ASan sees any write past it.
    EXPECT_FALSE(build_guest_device_tree(config, out)) << size;
  }
  std::vector<std::uint8_t> exact(needed);
  EXPECT_EQ(build_guest_device_tree(config, exact), needed);
}

// A HAL's own device (lab 06's PL031) gets a node shaped like the one QEMU writes for its own
// PL031: the same compatible list and clock name, its clock the tree's APB clock.
TEST(GuestDeviceTree, ExtraDeviceNodeLooksLikeQemusPrimecell) {
  Board board = qemu_board(3, 1);
  GuestDeviceTreeConfig config{
      .ram_base = 0x4000'0000, .ram_size = 1ull << 30, .vcpu_count = 1, .machine = &board.info};
  config.extra_device = {.name = "pl031",
                         .compatible = "arm,pl031",
                         .primecell = true,
                         .base = 0x0b10'0000,
                         .size = 0x1000};
  auto blob = build(config);
  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  auto node = fdt->find_path("/pl031@b100000");
  ASSERT_TRUE(node);
  auto reg = node->reg();
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->base, 0x0b10'0000u);
  EXPECT_EQ(reg->size, 0x1000u);
  auto qemu_rtc = board.fdt->find_compatible("arm,pl031");
  ASSERT_TRUE(qemu_rtc) << "QEMU's virt tree has a PL031 to compare with";
  EXPECT_EQ(bytes_of(node, "compatible"), bytes_of(qemu_rtc, "compatible"));
  EXPECT_EQ(bytes_of(node, "clock-names"), bytes_of(qemu_rtc, "clock-names"));
  const std::vector<std::uint8_t> clock = {0, 0, 0, kGuestClockPhandle};
  EXPECT_EQ(bytes_of(node, "clocks"), clock);
  EXPECT_EQ(bytes_of(fdt->find_path("/apb-pclk"), "phandle"), clock);
  DtcResult dtc = run_dtc(blob);
  EXPECT_EQ(dtc.exit_status, 0);
  EXPECT_EQ(dtc.warnings, "");
}

// Without a device (the default), no extra node; a plain device gets one compatible string
// and no clock.
TEST(GuestDeviceTree, ExtraDeviceOnlyWhenAsked) {
  Board board = qemu_board(2, 1);
  GuestDeviceTreeConfig config{
      .ram_base = 0x4000'0000, .ram_size = 1ull << 30, .vcpu_count = 1, .machine = &board.info};
  auto plain = build(config);
  auto fdt = fdt::Fdt::from(plain.data(), plain.size());
  ASSERT_TRUE(fdt);
  EXPECT_FALSE(fdt->find_compatible("arm,pl031"));
  config.extra_device = {
      .name = "widget", .compatible = "el2lab,widget", .base = 0x0c00'0000, .size = 0x100};
  auto blob = build(config);
  fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  auto node = fdt->find_path("/widget@c000000");
  ASSERT_TRUE(node);
  EXPECT_EQ(bytes_of(node, "compatible"),
            (std::vector<std::uint8_t>{'e', 'l', '2', 'l', 'a', 'b', ',', 'w', 'i', 'd', 'g', 'e',
                                       't', 0}));
  EXPECT_FALSE(node->property("clocks"));
}

}  // namespace
}  // namespace el2lab
