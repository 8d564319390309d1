// ram_fence — the edge of guest RAM is the edge of what the guest can reach.
//
// The guest reads its RAM from the device tree, then:
//   (a) reads and writes the first and the last word of RAM        -> plain memory, no fault
//   (b) loads from the first byte past RAM                         -> data abort (external)
//   (c) stores to the same address                                 -> data abort, WnR set
//   (d) loads from a page further on                               -> data abort
// Under el2lab the bytes past guest RAM are the hypervisor's own image (the link map puts it
// there), so a stage-2 map that reached a page too far would hand the guest the hypervisor's
// code: (b) and (d) would read it, (c) would overwrite it. On bare QEMU past RAM is
// nothing at all, and the board answers with the same external abort (the equivalence rule).
#include "core/portable/fdt.h"
#include "core/portable/machine_info.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "ram_fence";

namespace {

constexpr unsigned kEcDataAbortSameEl = 0x25;
constexpr unsigned kDfscExternalAbort = 0x10;
constexpr std::uint32_t kIssWnR = 1u << 6;

struct Seen {
  bool taken = false;
  std::uint64_t esr = 0, far = 0, elr = 0;
};
volatile Seen seen;

bool record_and_skip(ExceptionInfo& info) {
  seen.taken = true;
  seen.esr = info.esr;
  seen.far = info.far;
  seen.elr = info.elr();
  info.resume_after_instruction();
  return true;
}

void expect_abort(const char* what, std::uint64_t pc, std::uint64_t address, bool write,
                  std::uint64_t value_read) {
  const bool taken =
      write ? check(seen.taken, what, ": no abort reached the guest (the store went through)")
            : check(seen.taken, what, ": no abort reached the guest (the load read ",
                    fmt::Hex{value_read}, ")");
  if (!taken) return;
  println("ram_fence: ", what, ": ESR_EL1 ", fmt::Hex{seen.esr}, ", FAR_EL1 ", fmt::Hex{seen.far});
  check_eq((seen.esr >> 26) & 0x3f, kEcDataAbortSameEl, what, ": ESR_EL1.EC (0x25: data abort)");
  check_eq(seen.esr & 0x3f, kDfscExternalAbort, what, ": ESR_EL1.DFSC (0x10: external abort)");
  check_eq((seen.esr & kIssWnR) != 0, write, what, ": ESR_EL1.WnR");
  check_eq(seen.far, address, what, ": FAR_EL1");
  check_eq(seen.elr, pc, what, ": ELR_EL1 (the faulting instruction)");
}

std::uint64_t load(std::uint64_t address, std::uint64_t& pc) {
  std::uint64_t value = 0;
  asm volatile("adr %0, 1f\n1:\tldr %1, [%2]" : "=&r"(pc), "+&r"(value) : "r"(address) : "memory");
  return value;
}

void store(std::uint64_t address, std::uint64_t& pc) {
  asm volatile("adr %0, 1f\n1:\tstr %0, [%1]" : "=&r"(pc) : "r"(address) : "memory");
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!expect(device_tree != 0 && tree.has_value(), "a device tree at x0")) return report();
  const MachineInfo machine = read_machine_info(*tree);
  const std::uint64_t base = machine.memory.base, end = base + machine.memory.size;
  if (!expect(machine.memory.size >= 0x10'0000, "a /memory node")) return report();
  println("ram_fence: RAM ", fmt::Hex{base}, "..", fmt::Hex{end});

  // (a) RAM's two ends are ordinary memory. Whatever they hold (the last word may belong to
  // the device tree's space at the top of RAM) is put back.
  set_sync_handler(record_and_skip);
  for (const std::uint64_t address : {base, end - 8}) {
    seen.taken = false;
    auto* word = reinterpret_cast<volatile std::uint64_t*>(address);
    const std::uint64_t kept = *word;
    *word = 0x5a5a'a5a5'1234'5678;
    const std::uint64_t back = *word;
    *word = kept;
    check(!seen.taken, "(a) a fault on RAM at ", fmt::Hex{address});
    check_eq(back, 0x5a5a'a5a5'1234'5678, "(a) RAM at ", fmt::Hex{address}, " reads back");
  }

  std::uint64_t pc = 0;
  seen.taken = false;
  std::uint64_t value = load(end, pc);
  expect_abort("(b) ldr from the first byte past RAM", pc, end, false, value);

  seen.taken = false;
  store(end, pc);
  expect_abort("(c) str to the first byte past RAM", pc, end, true, 0);

  seen.taken = false;
  value = load(end + 0x1000, pc);
  expect_abort("(d) ldr from a page past RAM", pc, end + 0x1000, false, value);

  set_sync_handler(nullptr);
  report();
}
