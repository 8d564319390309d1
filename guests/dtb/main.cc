// dtb — the device tree the hypervisor hands its guest.
//
// A guest learns about its machine the way Linux does: from a flattened device tree whose
// address arrives in x0. The hypervisor writes that tree itself, describing the *virtual*
// machine — the guest's RAM, not the host's; PSCI over HVC, because the hypervisor answers
// it — so the guest parses it here with the same parser the hypervisor uses for QEMU's tree
// and checks what it says.
#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "dtb";

/// The guest image's extent (runtime/linker.ld).
extern "C" char __guest_start[], __guest_end[];

namespace {

constexpr std::uint64_t kRamBase = 0x4000'0000;
constexpr std::uint64_t kRamSize = 0x3000'0000;  // 768 MiB
constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::size_t kMaxTreeSize = std::size_t{2} * 1024 * 1024;

std::uint32_t load_be32(std::uint64_t address) {
  const auto* p = reinterpret_cast<const volatile std::uint8_t*>(address);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void check_tree(std::uint64_t address) {
  println("dtb: x0 at entry: ", fmt::Hex{address});
  if (!expect(address != 0, "x0 is 0 at entry: the hypervisor passed no device tree")) return;
  if (!expect(address >= kRamBase && address < kRamBase + kRamSize && address % 8 == 0,
              "the device tree is not at an 8-byte aligned address in guest RAM")) {
    return;
  }
  if (!expect_eq(load_be32(address), fdt::Fdt::kMagic, "device tree magic (big-endian)")) return;

  const std::uint32_t size = fdt::Fdt::total_size(reinterpret_cast<const void*>(address));
  println("dtb: totalsize ", size, " bytes");
  if (!expect(size <= kMaxTreeSize && address + size <= kRamBase + kRamSize,
              "the device tree's totalsize runs past guest RAM or is implausibly large")) {
    return;
  }
  fdt::Error error = fdt::Error::kNone;
  const auto tree = fdt::Fdt::from(reinterpret_cast<const void*>(address), size, &error);
  if (!tree) {
    fmt::Buffer<100> what;
    fmt::write(what, "the device tree does not parse: ", fdt::error_name(error));
    expect(false, what.view());
    return;
  }

  const MachineInfo m = read_machine_info(*tree);
  println("dtb: memory ", fmt::Size{m.memory.size}, " at ", fmt::Hex{m.memory.base}, ", ",
          m.cpu_count, " CPU(s), PSCI method \"", m.psci_method, "\", UART ", fmt::Hex{m.uart.base},
          ", GIC v", static_cast<unsigned>(m.gic));
  expect_eq(m.memory.base, kRamBase, "memory base");
  expect_eq(m.memory.size, kRamSize, "memory size (768 MiB)");
  expect(m.psci_method == "hvc", "PSCI method is not \"hvc\"");
  expect_eq(m.uart.base, kUartBase, "PL011 (stdout-path) base");
  expect(m.cpu_count >= 1, "no CPUs in /cpus");
  // The tree must not overlap the guest image itself (its stack included).
  const auto image_start = reinterpret_cast<std::uint64_t>(__guest_start);
  const auto image_end = reinterpret_cast<std::uint64_t>(__guest_end);
  expect(address + size <= image_start || address >= image_end,
         "the device tree overlaps the guest image");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  check_tree(device_tree);
  report();
}
