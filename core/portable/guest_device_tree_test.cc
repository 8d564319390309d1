#include "core/portable/guest_device_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/portable/guest_device_tree_test_util.h"

namespace el2lab {
namespace {

using namespace guest_device_tree_test;  // NOLINT(google-build-using-namespace)

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

}  // namespace
}  // namespace el2lab
