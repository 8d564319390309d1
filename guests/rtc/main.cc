// rtc — a PL031 real-time clock, wherever the device tree says one is.
//
// el2lab's reference hypervisor has no RTC; lab 06's HAL adds an emulated PL031 at IPA
// 0x0b010000 and a node for it in the guest's device tree. Bare QEMU's virt board has a real
// one at 0x09010000. The guest looks for "arm,pl031" in its tree and checks whichever it finds
// the same way — so QEMU's own device model is the reference the emulated one is held to:
//   (a) PeriphID0-3 / PCellID0-3 (PL031, PrimeCell), CR reads 1
//   (b) DR holds a plausible date and counts seconds (against the generic counter)
//   (c) LR loads the count; LR reads back what was loaded
//   (d) the match: MR = DR + 1, RIS rises within 3 s, MIS follows IMSC, ICR clears RIS
//   (e) under el2lab only: a byte-wide load is refused with a data abort (el2lab's devices
//       take naturally aligned accesses of the register's width; QEMU's model is laxer)
// With no PL031 in the tree at all the guest says so and passes: the device is optional.
#include "core/portable/fdt.h"
#include "guests/runtime/guest.h"

using namespace el2lab;
using namespace el2lab::guest;

const char el2lab::guest::kGuestName[] = "rtc";

namespace {

constexpr std::uint64_t kDr = 0x00, kMr = 0x04, kLr = 0x08, kCr = 0x0c, kImsc = 0x10, kRis = 0x14,
                        kMis = 0x18, kIcr = 0x1c;
constexpr std::uint32_t kIds[8] = {0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
constexpr std::uint32_t k2020 = 1'577'836'800;  // 2020-01-01T00:00:00Z: "a plausible date"
constexpr unsigned kEcDataAbortSameEl = 0x25;

std::uint64_t rtc = 0;

std::uint32_t reg(std::uint64_t offset) {
  return mmio_read<std::uint32_t>(rtc + offset);
}
void set(std::uint64_t offset, std::uint32_t value) {
  mmio_write<std::uint32_t>(rtc + offset, value);
}

void spin_ms(std::uint64_t ms) {
  const std::uint64_t end = counter() + ms * (counter_frequency() / 1000);
  while (counter() < end) {
  }
}

volatile bool aborted = false;
volatile std::uint64_t abort_esr = 0;
bool record_and_skip(ExceptionInfo& info) {
  aborted = true;
  abort_esr = info.esr;
  info.resume_after_instruction();
  return true;
}

}  // namespace

void guest_main(std::uint64_t device_tree) {
  const auto* blob = reinterpret_cast<const void*>(device_tree);
  auto tree = fdt::Fdt::from(blob, fdt::Fdt::total_size(blob));
  if (!expect(device_tree != 0 && tree.has_value(), "a device tree at x0")) return report();
  const auto node = tree->find_compatible("arm,pl031");
  const bool el2lab = el2lab_present();
  if (!node || !node->reg()) {
    println("rtc: no PL031 in the device tree: nothing to check",
            el2lab ? " (el2lab's reference HAL has none; lab 06's adds one)" : "");
    return report();
  }
  rtc = node->reg()->base;
  println("rtc: PL031 at ", fmt::Hex{rtc}, el2lab ? " (emulated by el2lab)" : " (QEMU's own)");

  // (a)
  for (unsigned i = 0; i < 8; ++i) {
    check_eq(reg(0xfe0 + 4 * i), kIds[i], "(a) ", i < 4 ? "PeriphID" : "PCellID", i % 4);
  }
  check_eq(reg(kCr), 1, "(a) CR (the clock runs)");

  // (b)
  const std::uint32_t start = reg(kDr);
  check(start >= k2020, "(b) DR = ", start, " is before 2020");
  spin_ms(1500);
  const std::uint32_t later = reg(kDr);
  check(later - start >= 1 && later - start <= 3, "(b) DR went from ", start, " to ", later,
        " in 1.5 s");

  // (c)
  set(kLr, 0x1000'0000);
  check_eq(reg(kLr), 0x1000'0000, "(c) LR reads back the value loaded");
  const std::uint32_t loaded = reg(kDr);
  check(loaded - 0x1000'0000u <= 1, "(c) DR = ", fmt::Hex{loaded}, " right after LR = 0x10000000");

  // (d)
  set(kIcr, 1);
  set(kImsc, 1);
  set(kMr, reg(kDr) + 1);
  const std::uint64_t deadline = counter() + 3 * counter_frequency();
  while (reg(kRis) == 0 && counter() < deadline) {
  }
  check_eq(reg(kRis), 1, "(d) RIS once DR reached MR");
  check_eq(reg(kMis), 1, "(d) MIS with IMSC = 1");
  set(kImsc, 0);
  check_eq(reg(kMis), 0, "(d) MIS with IMSC = 0");
  set(kIcr, 1);
  check_eq(reg(kRis), 0, "(d) RIS after ICR = 1");

  // (e)
  if (el2lab) {
    set_sync_handler(record_and_skip);
    aborted = false;
    (void)mmio_read<std::uint8_t>(rtc + kDr);
    set_sync_handler(nullptr);
    check(aborted && ((abort_esr >> 26) & 0x3f) == kEcDataAbortSameEl,
          "(e) a byte-wide load of DR was not refused with a data abort");
  }
  println("rtc: IDs, counting, load and match checked");
  report();
}
