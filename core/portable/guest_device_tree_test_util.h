#pragma once
// Shared by the guest device tree's tests: QEMU's own tree for a board, and a guest tree built
// into a buffer of its own size.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/portable/guest_device_tree.h"
#include "core/portable/test_dtbs.h"
#include "core/portable/test_dtc.h"

namespace el2lab::guest_device_tree_test {

using std::string_view_literals::operator""sv;

using test_support::DtcResult;
using test_support::qemu_dtb;

// QEMU's own tree for a board, kept alive alongside the MachineInfo that points into it.
struct Board {
  std::vector<std::uint8_t> blob;
  std::optional<fdt::Fdt> fdt;
  MachineInfo info;
};

inline Board qemu_board(int gic, int smp) {
  Board board;
  board.blob = qemu_dtb(gic, smp);
  EXPECT_FALSE(board.blob.empty()) << "missing test DTB; run the build first";
  board.fdt = fdt::Fdt::from(board.blob.data(), board.blob.size());
  EXPECT_TRUE(board.fdt);
  if (board.fdt) board.info = read_machine_info(*board.fdt);
  return board;
}

// A guest tree written into a buffer trimmed to the blob's size.
inline std::vector<std::uint8_t> build(const GuestDeviceTreeConfig& config) {
  std::vector<std::uint8_t> out(4096);
  auto size = build_guest_device_tree(config, out);
  EXPECT_TRUE(size);
  out.resize(size.value_or(0));
  return out;
}

inline DtcResult run_dtc(const std::vector<std::uint8_t>& blob) {
  return test_support::run_dtc(blob, "guest_device_tree_test");
}

inline std::vector<std::uint8_t> bytes_of(const std::optional<fdt::Node>& node,
                                          std::string_view name) {
  if (!node) return {};
  auto prop = node->property(name);
  if (!prop) return {};
  return {prop->bytes().begin(), prop->bytes().end()};
}

}  // namespace el2lab::guest_device_tree_test
