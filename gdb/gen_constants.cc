// Writes the constants the GDB package shares with the hypervisor as a Python module, computed
// by the hypervisor's own C++ (as the Linux kernel's scripts/gdb generates constants.py from
// its headers): the exit-kind names, the 16 vector names, the system-register names the log
// uses, the MMIO bus's device kinds, the GIC's register names, the trace ring's event kinds and
// HAL-call names. Built and run on the host at build time; the package loads the result
// (el2lab/constants.py) and a test fails if the package's own tables drift from it.
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "core/portable/calls.h"
#include "core/portable/esr.h"
#include "core/portable/gic_registers.h"
#include "core/portable/guest_abi.h"
#include "core/portable/mmio_bus.h"
#include "core/portable/trace.h"
#include "core/portable/vm_exit.h"

namespace {

void print_string(std::string_view s) {
  std::printf("\"%.*s\"", static_cast<int>(s.size()), s.data());
}

}  // namespace

int main() {
  using namespace el2lab;
  std::printf("# Generated at build time by gdb/gen_constants.cc from the hypervisor's C++.\n");
  std::printf("# Do not edit: rebuild instead.\n\n");

  std::printf("EXIT_KINDS = [");
  for (std::size_t k = 0; k < static_cast<std::size_t>(abi::ExitKind::kCount); ++k) {
    std::printf(k == 0 ? "" : ", ");
    print_string(exit_kind_name(k));
  }
  std::printf("]\n\nVECTOR_NAMES = [\n");
  for (unsigned v = 0; v < 16; ++v) {
    std::printf("    ");
    print_string(esr::vector_name(static_cast<esr::VectorEntry>(v)));
    std::printf(",\n");
  }
  std::printf(
      "]\n\n# System registers the log names (the others print as "
      "S<op0>_<op1>_C<n>_C<m>_<op2>).\n");
  std::printf("KNOWN_SYSREGS = {\n");
  for (std::uint32_t key = 0; key < (1u << 16); ++key) {
    const auto name = sysreg_name(key);
    const std::string_view text = name.view();
    const bool generic = text.size() > 1 && text[0] == 'S' && text[1] >= '0' && text[1] <= '9';
    if (text.empty() || generic) continue;  // the generic spelling: not a named register
    std::printf("    %#x: ", key);
    print_string(name.view());
    std::printf(",\n");
  }
  std::printf("}\n\nMMIO_DEVICES = {\n");
  for (auto device : {MmioDevice::kUart, MmioDevice::kDistributor, MmioDevice::kRedistributors,
                      MmioDevice::kTestDevice, MmioDevice::kHalDevice}) {
    std::printf("    %u: ", static_cast<unsigned>(device));
    print_string(mmio_device_name(device));
    std::printf(",\n");
  }
  std::printf("}\n\n# GIC registers by offset (gic_registers.h); GICD_BANKS are arrays.\n");
  std::printf("GICD_REGS = {\n");
  for (const auto& r : gic::kDistributorRegisters) {
    if (r.bank) continue;
    std::printf("    %#llx: ", static_cast<unsigned long long>(r.offset));
    print_string(r.name);
    std::printf(",\n");
  }
  std::printf("}\n\nGICD_BANKS = [\n");
  for (const auto& r : gic::kDistributorRegisters) {
    if (!r.bank) continue;
    std::printf("    (%#llx, ", static_cast<unsigned long long>(r.offset));
    print_string(r.name);
    std::printf("),\n");
  }
  std::printf("]\n\nGICR_REGS = {\n");
  for (const auto& r : gic::kRedistributorRegisters) {
    std::printf("    %#llx: ", static_cast<unsigned long long>(r.offset));
    print_string(r.name);
    std::printf(",\n");
  }
  std::printf("}\n\n");
  std::printf("# Trace ring events that are not exits (core/portable/trace.h).\n");
  std::printf("EVENT_KINDS = {\n");
  for (unsigned k = 0x100; k < 0x200; ++k) {
    const auto name = trace::event_kind_name(static_cast<trace::Kind>(k));
    if (name.empty()) continue;
    std::printf("    %#x: ", k);
    print_string(name);
    std::printf(",\n");
  }
  std::printf("}\n\n# The HAL members a HalCall record names.\nHAL_CALLS = {\n");
  for (std::uint16_t c = 1; c < trace::kHalCallEnd; ++c) {
    std::printf("    %u: ", static_cast<unsigned>(c));
    print_string(trace::hal_call_name(static_cast<trace::HalCall>(c)));
    std::printf(",\n");
  }
  std::printf("}\n\n");
  // The hypercalls a vCPU answers by itself past the log limit (calls.h): GDB's narration says
  // when an exit never reached the run loop.
  std::uint64_t psci_mask = 0;
  for (std::uint32_t index = 0; index < 64; ++index) {
    const std::uint32_t function = 0x8400'0000u | (index & 0x1fu) | ((index & 0x20u) << 25);
    if (answerable_by_vcpu(function)) psci_mask |= std::uint64_t{1} << psci::table_index(function);
  }
  std::printf("# Hypercalls the vCPU answers by itself (calls.h, answerable_by_vcpu): a bit per\n");
  std::printf("# PSCI table index, and el2lab's calls outside PSCI's range it leaves to the VM.\n");
  std::printf("VCPU_ANSWERS_PSCI = %#llx\nVCPU_LEAVES_CALLS = [",
              static_cast<unsigned long long>(psci_mask));
  const char* separator = "";
  for (const auto call :
       {abi::Hypercall::kExitCount, abi::Hypercall::kNop, abi::Hypercall::kTestFaultAtEl2}) {
    if (answerable_by_vcpu(static_cast<std::uint64_t>(call))) continue;
    std::printf("%s%#x", separator, static_cast<unsigned>(call));
    separator = ", ";
  }
  std::printf("]\n");
  return 0;
}
