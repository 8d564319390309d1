#include "core/portable/vcpu_hal.h"

#include <gtest/gtest.h>

namespace el2lab {
namespace {

struct CompleteHal {
  static std::size_t irq_fetch() { return 27; }
  static void irq_handler() {}
  static std::string_view name() { return "CompleteHal"; }
  static std::uint64_t virt_to_phys(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  static void* phys_to_virt(std::uint64_t pa) { return reinterpret_cast<void*>(pa); }
};
struct NoIrqFetch {
  static void irq_handler() {}
  static std::string_view name() { return "NoIrqFetch"; }
  static std::uint64_t virt_to_phys(const void*) { return 0; }
  static void* phys_to_virt(std::uint64_t) { return nullptr; }
};
struct WrongReturnType : CompleteHal {
  static int irq_fetch() { return 0; }  // must be std::size_t
};
struct NotStatic {
  std::size_t irq_fetch() { return 0; }  // an instance method is not a static dispatch point
  static void irq_handler() {}
  static std::string_view name() { return "NotStatic"; }
  static std::uint64_t virt_to_phys(const void*) { return 0; }
  static void* phys_to_virt(std::uint64_t) { return nullptr; }
};

TEST(VCpuHal, AcceptsACompleteHalAndRejectsIncompleteOnes) {
  EXPECT_TRUE(VCpuHal<CompleteHal>);
  EXPECT_FALSE(VCpuHal<NoIrqFetch>);
  EXPECT_FALSE(HalHasIrqFetch<NoIrqFetch>);
  EXPECT_TRUE(HalHasIrqHandler<NoIrqFetch>);
  EXPECT_FALSE(VCpuHal<WrongReturnType>);
  EXPECT_FALSE(VCpuHal<NotStatic>);
}

}  // namespace
}  // namespace el2lab
