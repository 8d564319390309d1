#include "core/portable/machine_info.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/portable/test_dtbs.h"

namespace el2lab {
namespace {

using test_support::qemu_dtb;

// Addresses are QEMU virt's documented memory map (hw/arm/virt.c's base_memmap).
TEST(MachineInfo, GicV3Board) {
  auto blob = qemu_dtb(3, 4);
  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  MachineInfo info = read_machine_info(*fdt);
  EXPECT_EQ(info.memory.base, 0x40000000u);
  EXPECT_EQ(info.memory.size, 1ull << 30);
  EXPECT_EQ(info.cpu_count, 4u);
  EXPECT_EQ(info.cpu_mpidr[3], 3u);
  EXPECT_EQ(info.gic, GicVersion::kV3);
  EXPECT_EQ(info.gic_distributor.base, 0x08000000u);
  EXPECT_EQ(info.gic_redistributor.base, 0x080a0000u);
  EXPECT_EQ(info.uart.base, 0x09000000u);
  EXPECT_EQ(info.uart.size, 0x1000u);
  EXPECT_EQ(info.initrd.base, 0x48000000u);
  EXPECT_GT(info.initrd.size, 0u);
  EXPECT_EQ(info.pcie_ecam.base, 0x4010000000u);
  EXPECT_EQ(info.pcie_mmio32_base, 0x10000000u);
  EXPECT_EQ(info.pcie_mmio32_size, 0x2eff0000u);
  EXPECT_EQ(info.psci_method, "smc");  // virtualization=on: QEMU's PSCI conduit is SMC
  EXPECT_EQ(info.bootargs, "el2lab.test=1 console=ttyAMA0");
}

TEST(MachineInfo, GicV2BoardHasHypervisorInterfaces) {
  auto blob = qemu_dtb(2, 1);
  auto fdt = fdt::Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  MachineInfo info = read_machine_info(*fdt);
  EXPECT_EQ(info.cpu_count, 1u);
  EXPECT_EQ(info.gic, GicVersion::kV2);
  EXPECT_EQ(info.gic_distributor.base, 0x08000000u);
  EXPECT_EQ(info.gic_redistributor.base, 0x08010000u);  // GICC
  EXPECT_EQ(info.gic_hyp_interface.base, 0x08030000u);  // GICH
  EXPECT_EQ(info.gic_virtual_cpu.base, 0x08040000u);    // GICV
}

TEST(MachineInfo, Bootargs) {
  EXPECT_TRUE(bootargs_has("a b=1 el2lab.test", "el2lab.test"));
  EXPECT_TRUE(bootargs_has("a b=1", "b"));
  EXPECT_FALSE(bootargs_has("abc", "ab"));
  EXPECT_FALSE(bootargs_has("", "a"));
  EXPECT_EQ(bootargs_value("x=1 fault=el2 y", "fault"), "el2");
  EXPECT_EQ(bootargs_value("fault", "fault"), "");
}

}  // namespace
}  // namespace el2lab
