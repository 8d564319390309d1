#include <gtest/gtest.h>

#include <string>

#include "core/portable/devices/pl011_emulation.h"
#include "core/portable/devices/test_device.h"
#include "core/portable/guest_abi.h"

namespace el2lab::devices {
namespace {

namespace td = abi::test_device;

TEST(TestDevice, ScratchIsLittleEndianAtEveryWidth) {
  TestDevice dev;
  ASSERT_TRUE(dev.write(0x10, 8, 0x0807060504030201));
  EXPECT_EQ(dev.read(0x10, 1), 0x01u);
  EXPECT_EQ(dev.read(0x11, 1), 0x02u);
  EXPECT_EQ(dev.read(0x12, 2), 0x0403u);
  EXPECT_EQ(dev.read(0x14, 4), 0x08070605u);
  ASSERT_TRUE(dev.write(0x12, 2, 0xbeef));
  EXPECT_EQ(dev.read(0x10, 8), 0x08070605beef0201u);
  EXPECT_EQ(dev.read(0xf8, 8), 0u);
}

TEST(TestDevice, IdPatternAndReservedRegisters) {
  TestDevice dev;
  EXPECT_EQ(dev.read(td::kId, 4), 0x454c3254u);  // "EL2T"
  EXPECT_EQ(dev.read(td::kPattern, 8), 0x8f8e8d8c8b8a8988u);
  EXPECT_EQ(dev.read(td::kPattern, 1), 0x88u);
  EXPECT_EQ(dev.read(td::kPattern + 6, 2), 0x8f8eu);
  EXPECT_EQ(dev.read(td::kPattern + 4, 4), 0x8f8e8d8cu);
  EXPECT_EQ(dev.read(0x800, 4), 0u);
  EXPECT_TRUE(dev.write(td::kPattern, 8, 0));  // read-only: ignored
  EXPECT_EQ(dev.read(td::kPattern, 8), 0x8f8e8d8c8b8a8988u);
}

TEST(TestDevice, RefusesMisalignedOddAndOutOfRangeAccesses) {
  TestDevice dev;
  EXPECT_FALSE(dev.read(0x11, 2));
  EXPECT_FALSE(dev.read(0x14, 8));
  EXPECT_FALSE(dev.read(0x10, 3));
  EXPECT_FALSE(dev.read(0x1000, 4));
  EXPECT_FALSE(dev.write(0x13, 4, 0));
}

TEST(Pl011Emulation, TransmitsAndLooksLikeAPl011) {
  std::string uart_out;
  const auto collect = [&uart_out](char c) { uart_out.push_back(c); };
  Pl011Emulation uart;
  for (char c : std::string("hi\n")) ASSERT_TRUE(uart.write(0x000, 4, std::uint8_t(c), collect));
  ASSERT_TRUE(uart.write(0x000, 1, 'x', collect));
  EXPECT_EQ(uart_out, "hi\nx");
  EXPECT_EQ(uart.bytes_sent(), 4u);
  EXPECT_EQ(uart.read(0x018, 4), 0x90u);  // FR: TXFE | RXFE
  // PrimeCell identification a driver probes: PeriphID0-3 and PCellID0-3.
  const std::uint64_t ids[] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(uart.read(0xfe0 + 4 * i, 4), ids[i]) << i;
  ASSERT_TRUE(uart.write(0x030, 4, 0x301, collect));  // CR keeps its value
  EXPECT_EQ(uart.read(0x030, 4), 0x301u);
  EXPECT_FALSE(uart.write(0x002, 4, 0, collect));
  // The data register's own path (write() answers it without a call) refuses what the other
  // registers refuse, and a byte lane above DR's low byte transmits nothing.
  EXPECT_FALSE(uart.write(0x000, 3, 'y', collect));
  EXPECT_FALSE(uart.write(0x000, 0, 'y', collect));
  EXPECT_TRUE(uart.write(0x001, 1, 'y', collect));
  EXPECT_TRUE(uart.write(0x000, 2, 0x7a00 | 'z', collect));  // only the low byte is sent
  EXPECT_EQ(uart_out, "hi\nxz");
  EXPECT_EQ(uart.bytes_sent(), 5u);
}

TEST(Pl011Emulation, ADoublewordAccessIsTwoWordAccessesAsOnQemusBus) {
  std::string uart_out;
  const auto collect = [&uart_out](char c) { uart_out.push_back(c); };
  Pl011Emulation uart;
  // DR and RSR/ECR: the byte is sent, the high word clears errors (there are none).
  ASSERT_TRUE(uart.write(0x000, 8, 0x1234'5678'0000'0041, collect));
  EXPECT_EQ(uart_out, "A");
  EXPECT_EQ(uart.read(0x004, 4), 0u) << "RSR: no receive error, whatever was written";
  // FR and the reserved word after it; IBRD and FBRD as written.
  EXPECT_EQ(uart.read(0x018, 8), 0x90u);
  ASSERT_TRUE(uart.write(0x024, 4, 0x27, collect));
  ASSERT_TRUE(uart.write(0x028, 4, 0x04, collect));
  EXPECT_FALSE(uart.read(0x024, 8)) << "a misaligned doubleword";
  ASSERT_TRUE(uart.write(0x020, 8, 0x0000'0027'0000'0000, collect));
  EXPECT_EQ(uart.read(0x020, 8), 0x0000'0027'0000'0000u);
  EXPECT_EQ(uart.read(0xfe0, 8), 0x10'0000'0011u) << "PeriphID0 and PeriphID1";
  EXPECT_FALSE(uart.read(0x1000, 8)) << "past the window";
  EXPECT_EQ(uart.bytes_sent(), 1u);
}

}  // namespace
}  // namespace el2lab::devices
