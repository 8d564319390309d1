#include "core/portable/vcpu_hal.h"

#include <gtest/gtest.h>

#include "core/portable/hal_guest_device.h"
#include "core/portable/stage2.h"

namespace el2lab {
namespace {

// Everything but the two interrupt entry points: what a lab HAL derives from.
struct FakePlatform {
  static std::string_view name() { return "FakePlatform"; }
  static void init_cpu_interface(std::uint32_t, std::uint64_t) {}
  static void irq_priority_drop(std::uint32_t) {}
  static void irq_deactivate(std::uint32_t) {}
  static void send_kick(std::uint32_t) {}
  static void wait_for_kick() {}
  static unsigned list_register_count() { return 4; }
  static gic::ListEntry read_list_register(unsigned) { return {}; }
  static void write_list_register(unsigned, const gic::ListEntry&) {}
  static std::uint32_t empty_list_registers() { return 0xf; }
  static std::uint64_t alloc_frame() { return 0; }
  static void dealloc_frame(std::uint64_t) {}
  static std::uint64_t virt_to_phys(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  static void* phys_to_virt(std::uint64_t pa) { return reinterpret_cast<void*>(pa); }
};

struct CompleteHal : FakePlatform {
  static std::size_t irq_fetch() { return 27; }
  static void irq_handler() {}
};
struct NoIrqFetch : FakePlatform {
  static void irq_handler() {}
};
struct WrongReturnType : CompleteHal {
  static int irq_fetch() { return 0; }  // must be std::size_t
};
struct NotStatic : FakePlatform {
  std::size_t irq_fetch() { return 0; }  // an instance method is not a static dispatch point
  static void irq_handler() {}
};
// Interrupt entry points alone: every platform member is missing.
struct EntryPointsOnly {
  static std::size_t irq_fetch() { return 0; }
  static void irq_handler() {}
  static std::string_view name() { return "EntryPointsOnly"; }
};

TEST(VCpuHal, AcceptsACompleteHalAndRejectsIncompleteOnes) {
  EXPECT_TRUE(VCpuHal<CompleteHal>);
  EXPECT_FALSE(VCpuHal<FakePlatform>);
  EXPECT_FALSE(VCpuHal<NoIrqFetch>);
  EXPECT_FALSE(HalHasIrqFetch<NoIrqFetch>);
  EXPECT_TRUE(HalHasIrqHandler<NoIrqFetch>);
  EXPECT_FALSE(VCpuHal<WrongReturnType>);
  EXPECT_FALSE(VCpuHal<NotStatic>);
}

// The optional device hook (lab 06): all three members or none; it is no part of VCpuHal.
struct WithDevice : CompleteHal {
  static GuestDeviceNode guest_device() { return {.name = "d", .base = 0x1000, .size = 0x100}; }
  static std::optional<std::uint64_t> guest_device_read(std::uint64_t o, unsigned) { return o; }
  static bool guest_device_write(std::uint64_t, unsigned, std::uint64_t) { return true; }
};
struct DeviceWithoutWrite : CompleteHal {
  static GuestDeviceNode guest_device() { return {}; }
  static std::optional<std::uint64_t> guest_device_read(std::uint64_t, unsigned) { return 0; }
};
struct DeviceReadReturnsPlainValue : WithDevice {
  static std::uint64_t guest_device_read(std::uint64_t, unsigned) { return 0; }  // no refusal
};

TEST(VCpuHal, TheGuestDeviceHookIsOptionalAndComplete) {
  EXPECT_TRUE(HalHasGuestDevice<WithDevice>);
  EXPECT_TRUE(VCpuHal<WithDevice>);
  EXPECT_FALSE(HalHasGuestDevice<CompleteHal>);
  EXPECT_TRUE(VCpuHal<CompleteHal>);
  EXPECT_FALSE(HalHasGuestDevice<DeviceWithoutWrite>);
  EXPECT_FALSE(HalHasGuestDevice<DeviceReadReturnsPlainValue>);
  EXPECT_EQ(guest_device_of<WithDevice>().base, 0x1000u);
  EXPECT_EQ(guest_device_of<WithDevice>().size, 0x100u);
  EXPECT_EQ(guest_device_of<CompleteHal>().size, 0u);  // none: no node, nothing on the bus
}

TEST(VCpuHal, ThePlatformPartsAreEachTheirOwnConcept) {
  EXPECT_FALSE(VCpuHal<EntryPointsOnly>);
  EXPECT_FALSE(HalInterruptController<EntryPointsOnly>);
  EXPECT_FALSE(HalMemory<EntryPointsOnly>);
  EXPECT_FALSE(HalHasSendKick<EntryPointsOnly>);
  EXPECT_FALSE(HalHasListRegisterAccess<EntryPointsOnly>);
  EXPECT_FALSE(HalHasFrameAllocator<EntryPointsOnly>);
  EXPECT_TRUE(HalInterruptController<CompleteHal>);
  EXPECT_TRUE(HalMemory<CompleteHal>);
}

// A HAL whose frame allocator hands out pages of a host array, in order, and counts frees:
// the stage-2 builder must take every table page from it.
struct ArrayFramesHal : CompleteHal {
  alignas(4096) static inline std::uint64_t memory[8][512];
  static inline std::size_t next = 0;
  static inline std::size_t freed = 0;
  static std::uint64_t alloc_frame() {
    if (next == 8) return 0;
    auto* frame = memory[next++];
    for (auto& word : std::span(frame, 512)) word = 0xdead;  // the pool must clear it
    return virt_to_phys(frame);
  }
  static void dealloc_frame(std::uint64_t) { ++freed; }
};

TEST(VCpuHal, StageTwoTablesComeFromTheHalsFrameAllocator) {
  static_assert(VCpuHal<ArrayFramesHal>);
  ArrayFramesHal::next = 0;
  stage2::PagePool pool(stage2::frames_of<ArrayFramesHal>(), 8);
  stage2::Stage2Table table(pool, 39);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table.root_pa(), ArrayFramesHal::virt_to_phys(ArrayFramesHal::memory[0]));
  // One 4 KiB page at the bottom of RAM: a level-2 and a level-3 table under the root.
  ASSERT_EQ(table.map(0x4000'0000, 0x4000'0000, 4096, stage2::kRamAttributes),
            stage2::Stage2Table::MapError::kNone);
  EXPECT_EQ(ArrayFramesHal::next, 3u);
  EXPECT_EQ(pool.used(), 3u);
  const auto walk = table.translate(0x4000'0123);
  EXPECT_TRUE(walk.mapped);
  EXPECT_EQ(walk.pa, 0x4000'0123u);
  EXPECT_EQ(walk.level, 3u);
  EXPECT_FALSE(table.translate(0x4000'1000).mapped);
}

TEST(VCpuHal, AFrameSourceThatRunsDryFailsTheMapInsteadOfCorruptingIt) {
  ArrayFramesHal::next = 7;  // one frame left: the root only
  stage2::PagePool pool(stage2::frames_of<ArrayFramesHal>(), 8);
  stage2::Stage2Table table(pool, 39);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table.map(0x4000'0000, 0x4000'0000, 4096, stage2::kRamAttributes),
            stage2::Stage2Table::MapError::kOutOfTables);
}

}  // namespace
}  // namespace el2lab
