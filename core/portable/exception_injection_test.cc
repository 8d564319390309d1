#include "core/portable/exception_injection.h"

#include <gtest/gtest.h>

namespace el2lab {
namespace {

constexpr std::uint64_t kVbar = 0x40081000;
constexpr std::uint64_t kEl1h = 0x3c5, kEl1t = 0x3c4, kEl0 = 0x0;

TEST(ExceptionInjection, UndefinedFromEl1hGoesToTheCurrentElSpxEntry) {
  auto inj =
      plan_injection(InjectedException::kUndefined, {0x40080100, 0x60000005, kVbar, 0, false});
  EXPECT_EQ(inj.new_pc, kVbar + 0x200);
  EXPECT_EQ(inj.new_pstate, 0x3c5u);  // EL1h, DAIF masked
  EXPECT_EQ(inj.elr_el1, 0x40080100u);
  EXPECT_EQ(inj.spsr_el1, 0x60000005u) << "the guest's flags and mode are preserved for its ERET";
  EXPECT_EQ(inj.esr_el1, 1u << 25) << "EC 0 (unknown), IL 1";
  EXPECT_FALSE(inj.sets_far);
}

TEST(ExceptionInjection, VectorOffsetFollowsWhereTheGuestWas) {
  EXPECT_EQ(plan_injection(InjectedException::kUndefined, {0, kEl1t, kVbar}).new_pc, kVbar + 0x000);
  EXPECT_EQ(plan_injection(InjectedException::kUndefined, {0, kEl1h, kVbar}).new_pc, kVbar + 0x200);
  EXPECT_EQ(plan_injection(InjectedException::kUndefined, {0, kEl0, kVbar}).new_pc, kVbar + 0x400);
  EXPECT_EQ(plan_injection(InjectedException::kUndefined, {0, 0x10, kVbar}).new_pc, kVbar + 0x600);
}

TEST(ExceptionInjection, DataAbortSyndromeAndFar) {
  auto inj =
      plan_injection(InjectedException::kDataAbort, {0x40080200, kEl1h, kVbar, 0x0b00f000, true});
  // EC 0x25 (same EL), IL, WnR [6], DFSC 0x10 (synchronous external abort).
  EXPECT_EQ(inj.esr_el1, (0x25ull << 26) | (1u << 25) | (1u << 6) | 0x10);
  EXPECT_TRUE(inj.sets_far);
  EXPECT_EQ(inj.far_el1, 0x0b00f000u);
  auto from_el0 = plan_injection(InjectedException::kDataAbort, {0, kEl0, kVbar, 0x1000, false});
  EXPECT_EQ(from_el0.esr_el1, (0x24ull << 26) | (1u << 25) | 0x10);
}

TEST(ExceptionInjection, InstructionAbort) {
  auto inj =
      plan_injection(InjectedException::kInstructionAbort, {0x80000000, kEl1h, kVbar, 0x80000000});
  EXPECT_EQ(inj.esr_el1, (0x21ull << 26) | (1u << 25) | 0x10);
  EXPECT_EQ(inj.far_el1, 0x80000000u);
}

}  // namespace
}  // namespace el2lab
