// The guest device tree's limits: configurations it refuses, buffers too small, the machine
// without a UART, the largest tree 4 KiB holds, and the HAL's extra device node.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/portable/guest_device_tree.h"
#include "core/portable/guest_device_tree_test_util.h"

namespace el2lab {
namespace {

using namespace guest_device_tree_test;  // NOLINT(google-build-using-namespace)

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
