#include "core/portable/machine_info.h"

namespace el2lab {
namespace {

fdt::Region reg_or_empty(const std::optional<fdt::Node>& node, std::size_t index) {
  if (!node) return {};
  return node->reg(index).value_or(fdt::Region{});
}

std::uint64_t chosen_number(const fdt::Node& chosen, std::string_view name) {
  auto prop = chosen.property(name);
  return prop ? prop->as_u64().value_or(0) : 0;
}

void read_cpus(const fdt::Fdt& fdt, MachineInfo& info) {
  auto cpus = fdt.find_path("/cpus");
  if (!cpus) return;
  cpus->for_each_child([&](const fdt::Node& cpu) {
    auto type = cpu.property("device_type");
    if (type && type->as_string() == "cpu") {
      if (info.cpu_count < std::size(info.cpu_mpidr)) {
        info.cpu_mpidr[info.cpu_count] = cpu.reg().value_or(fdt::Region{}).base;
      }
      ++info.cpu_count;
    }
    return true;
  });
}

void read_gic(const fdt::Fdt& fdt, MachineInfo& info) {
  if (auto v3 = fdt.find_compatible("arm,gic-v3")) {
    info.gic = GicVersion::kV3;
    info.gic_distributor = reg_or_empty(v3, 0);
    info.gic_redistributor = reg_or_empty(v3, 1);
    return;
  }
  std::optional<fdt::Node> v2 = fdt.find_compatible("arm,cortex-a15-gic");
  if (!v2) v2 = fdt.find_compatible("arm,gic-400");
  if (!v2) return;
  info.gic = GicVersion::kV2;
  info.gic_distributor = reg_or_empty(v2, 0);
  info.gic_redistributor = reg_or_empty(v2, 1);
  info.gic_hyp_interface = reg_or_empty(v2, 2);
  info.gic_virtual_cpu = reg_or_empty(v2, 3);
}

void read_chosen(const fdt::Fdt& fdt, MachineInfo& info) {
  auto chosen = fdt.find_path("/chosen");
  if (!chosen) return;
  const std::uint64_t start = chosen_number(*chosen, "linux,initrd-start");
  const std::uint64_t end = chosen_number(*chosen, "linux,initrd-end");
  if (end > start) info.initrd = {start, end - start};
  if (auto args = chosen->property("bootargs")) info.bootargs = args->as_string();

  // stdout-path is "/path" or "/path:options"; fall back to the first PL011.
  std::optional<fdt::Node> uart;
  if (auto path = chosen->property("stdout-path")) {
    std::string_view p = path->as_string();
    uart = fdt.find_path(p.substr(0, p.find(':')));
  }
  if (!uart || !uart->is_compatible("arm,pl011")) uart = fdt.find_compatible("arm,pl011");
  info.uart = reg_or_empty(uart, 0);
}

void read_pcie(const fdt::Fdt& fdt, MachineInfo& info) {
  auto pcie = fdt.find_compatible("pci-host-ecam-generic");
  if (!pcie) return;
  info.pcie_ecam = reg_or_empty(pcie, 0);
  // ranges: (flags, pci address: 3 cells) (cpu address: parent cells) (size: 2 cells).
  auto ranges = pcie->property("ranges");
  if (!ranges) return;
  constexpr std::size_t kEntryCells = 3 + 2 + 2;
  const std::size_t entries = ranges->bytes().size() / (4 * kEntryCells);
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t cell = i * kEntryCells;
    const std::uint64_t flags = ranges->number_at(cell, 1).value_or(0);
    constexpr std::uint64_t kSpaceMask = 0x03000000;
    constexpr std::uint64_t kMem32 = 0x02000000;
    if ((flags & kSpaceMask) != kMem32) continue;
    // Two-cell numbers sit at odd cell positions, so read them cell by cell.
    auto cells64 = [&](std::size_t at) {
      return (ranges->number_at(at, 1).value_or(0) << 32) |
             ranges->number_at(at + 1, 1).value_or(0);
    };
    info.pcie_mmio32_base = cells64(cell + 3);
    info.pcie_mmio32_size = cells64(cell + 5);
    return;
  }
}

}  // namespace

MachineInfo read_machine_info(const fdt::Fdt& fdt) {
  MachineInfo info;
  fdt.for_each_node([&](const fdt::Node& node) {
    auto type = node.property("device_type");
    if (type && type->as_string() == "memory" && info.memory.size == 0) {
      info.memory = node.reg().value_or(fdt::Region{});
    }
    return true;
  });
  read_cpus(fdt, info);
  read_gic(fdt, info);
  read_chosen(fdt, info);
  read_pcie(fdt, info);
  if (auto psci = fdt.find_compatible("arm,psci-0.2")) {
    if (auto method = psci->property("method")) info.psci_method = method->as_string();
  }
  return info;
}

std::string_view bootargs_value(std::string_view bootargs, std::string_view option) {
  while (!bootargs.empty()) {
    const std::size_t space = bootargs.find(' ');
    std::string_view word = bootargs.substr(0, space);
    bootargs = space == std::string_view::npos ? std::string_view{} : bootargs.substr(space + 1);
    if (word.size() > option.size() && word.substr(0, option.size()) == option &&
        word[option.size()] == '=') {
      return word.substr(option.size() + 1);
    }
  }
  return {};
}

bool bootargs_has(std::string_view bootargs, std::string_view option) {
  while (!bootargs.empty()) {
    const std::size_t space = bootargs.find(' ');
    std::string_view word = bootargs.substr(0, space);
    bootargs = space == std::string_view::npos ? std::string_view{} : bootargs.substr(space + 1);
    if (word == option || word.substr(0, word.find('=')) == option) return true;
  }
  return false;
}

}  // namespace el2lab
