#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/portable/stage2.h"
#include "core/portable/stage2_test_util.h"

namespace el2lab::stage2 {
namespace {

using namespace el2lab::stage2::test;

// ---------------------------------------------------------------------------------------------
// Stage2Table
// ---------------------------------------------------------------------------------------------

using MapError = Stage2Table::MapError;

constexpr std::uint64_t kRamIpa = 0x4000'0000;
constexpr std::uint64_t kRamSize = 768 * kMiB;
constexpr std::uint64_t kUartIpa = 0x0900'0000;

TEST(Stage2Table, GuestRamUsesTwoMegabyteBlocks) {
  Pages memory(8);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(pool.used(), 1u);  // the root
  EXPECT_EQ(table.root_pa(), host_pa(memory.span().data()));

  ASSERT_EQ(table.map(kRamIpa, kRamIpa, kRamSize, kRamAttributes), MapError::kNone);
  // 768 MiB inside the second GiB: one level-2 table of 384 blocks under the root.
  EXPECT_EQ(pool.used(), 2u);

  const auto first = table.translate(kRamIpa);
  EXPECT_TRUE(first.mapped);
  EXPECT_EQ(first.pa, kRamIpa);
  EXPECT_EQ(first.level, 2u);
  EXPECT_EQ(first.attrs, kRamAttributes);
  EXPECT_EQ(first.descriptor, kRamIpa | kRamLeaf | kBlockType);

  const auto inside = table.translate(kRamIpa + 0x123'4567);
  EXPECT_TRUE(inside.mapped);
  EXPECT_EQ(inside.pa, kRamIpa + 0x123'4567);
  EXPECT_EQ(inside.descriptor, (kRamIpa + 0x120'0000) | kRamLeaf | kBlockType);

  const auto last = table.translate(kRamIpa + kRamSize - 1);
  EXPECT_TRUE(last.mapped);
  EXPECT_EQ(last.pa, kRamIpa + kRamSize - 1);

  const auto after = table.translate(kRamIpa + kRamSize);
  EXPECT_FALSE(after.mapped);
  EXPECT_EQ(after.level, 2u);  // the level-2 entry is the invalid one
  EXPECT_EQ(after.descriptor, 0u);

  const auto before = table.translate(kRamIpa - 1);
  EXPECT_FALSE(before.mapped);
  EXPECT_EQ(before.level, 1u);  // nothing at all in the first GiB yet

  // The root's entry 1 points to the level-2 table, as the hardware will read it.
  const std::uint64_t root_entry = memory.span()[1];
  EXPECT_EQ(root_entry & 0b11, kPageOrTableType);
  EXPECT_EQ(root_entry & ~std::uint64_t{0xFFF}, host_pa(memory.span().data() + kEntriesPerTable));
}

TEST(Stage2Table, DevicePageNeedsLevelTwoAndThreeTables) {
  Pages memory(8);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_EQ(table.map(kRamIpa, kRamIpa, kRamSize, kRamAttributes), MapError::kNone);
  ASSERT_EQ(table.map(kUartIpa, kUartIpa, 4 * kKiB, kDeviceAttributes), MapError::kNone);
  EXPECT_EQ(pool.used(), 4u);  // root, RAM's level 2, the UART's level 2 and level 3

  const auto uart = table.translate(kUartIpa + 0x18);
  EXPECT_TRUE(uart.mapped);
  EXPECT_EQ(uart.pa, kUartIpa + 0x18);
  EXPECT_EQ(uart.level, 3u);
  EXPECT_EQ(uart.attrs, kDeviceAttributes);
  EXPECT_EQ(uart.descriptor, kUartIpa | kDeviceLeaf | kPageOrTableType);
  EXPECT_TRUE(table.translate(kUartIpa + 0xFFF).mapped);

  const auto next_page = table.translate(kUartIpa + 0x1000);
  EXPECT_FALSE(next_page.mapped);
  EXPECT_EQ(next_page.level, 3u);
  const auto previous_page = table.translate(kUartIpa - 1);
  EXPECT_FALSE(previous_page.mapped);
  EXPECT_EQ(previous_page.level, 2u);  // 0x0900'0000 starts a 2 MiB entry of its own

  // RAM is untouched.
  EXPECT_EQ(table.translate(kRamIpa).attrs, kRamAttributes);
}

TEST(Stage2Table, GigabyteAlignedRangesUseLevelOneBlocks) {
  Pages memory(2);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_EQ(table.map(kGiB, kGiB, 2 * kGiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(pool.used(), 1u);  // only the root
  const auto walk = table.translate(2 * kGiB + 5);
  EXPECT_TRUE(walk.mapped);
  EXPECT_EQ(walk.level, 1u);
  EXPECT_EQ(walk.pa, 2 * kGiB + 5);
  EXPECT_EQ(walk.descriptor, 2 * kGiB | kRamLeaf | kBlockType);
  EXPECT_FALSE(table.translate(3 * kGiB).mapped);
}

TEST(Stage2Table, NonIdentityMapping) {
  Pages memory(4);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_EQ(table.map(0x4000'0000, 0x8000'0000, 4 * kMiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(table.translate(0x4000'0000).pa, 0x8000'0000u);
  EXPECT_EQ(table.translate(0x4012'3456).pa, 0x8012'3456u);
  EXPECT_EQ(table.translate(0x403F'FFFF).pa, 0x803F'FFFFu);
  EXPECT_EQ(table.translate(0x4012'3456).level, 2u);
  EXPECT_FALSE(table.translate(0x8000'0000).mapped);
  // PA below the IPA: the offset wraps around in unsigned arithmetic.
  ASSERT_EQ(table.map(0x8000'0000, 0x1000'0000, 2 * kMiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(table.translate(0x8000'0042).pa, 0x1000'0042u);
}

TEST(Stage2Table, PaNotBlockAlignedFallsBackToPages) {
  Pages memory(4);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  // The IPA is 2 MiB aligned but the PA only 4 KiB aligned: no block can express it.
  ASSERT_EQ(table.map(0x4000'0000, 0x8000'1000, 2 * kMiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(pool.used(), 3u);
  const auto walk = table.translate(0x4000'1234);
  EXPECT_EQ(walk.level, 3u);
  EXPECT_EQ(walk.pa, 0x8000'2234u);
  EXPECT_EQ(table.translate(0x401F'FFFF).pa, 0x8020'0FFFu);
}

TEST(Stage2Table, UnalignedRangesStartAndEndWithPages) {
  Pages memory(8);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  // 4 KiB before a 2 MiB boundary, then one block, then 4 KiB: page, block, page.
  const std::uint64_t ipa = 0x4020'0000 - 4 * kKiB;
  ASSERT_EQ(table.map(ipa, ipa, 2 * kMiB + 8 * kKiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(table.translate(ipa).level, 3u);
  EXPECT_EQ(table.translate(0x4020'0000).level, 2u);
  EXPECT_EQ(table.translate(0x4040'0000).level, 3u);
  EXPECT_FALSE(table.translate(0x4040'1000).mapped);
  EXPECT_FALSE(table.translate(ipa - 1).mapped);
  EXPECT_EQ(pool.used(), 4u);  // root, level 2, two level-3 tables
}

TEST(Stage2Table, RejectsMisalignedArguments) {
  Pages memory(4);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  EXPECT_EQ(table.map(kRamIpa + 1, kRamIpa, 4 * kKiB, kRamAttributes), MapError::kMisaligned);
  EXPECT_EQ(table.map(kRamIpa, kRamIpa + 0x800, 4 * kKiB, kRamAttributes), MapError::kMisaligned);
  EXPECT_EQ(table.map(kRamIpa, kRamIpa, 0x800, kRamAttributes), MapError::kMisaligned);
  EXPECT_EQ(table.map(kRamIpa, kRamIpa, 0, kRamAttributes), MapError::kMisaligned);
  EXPECT_EQ(pool.used(), 1u);
}

TEST(Stage2Table, RejectsRangesOutsideTheAddressSpaces) {
  Pages memory(4);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  const std::uint64_t top = std::uint64_t{1} << 39;
  EXPECT_EQ(table.map(top, 0, 4 * kKiB, kRamAttributes), MapError::kOutOfRange);
  EXPECT_EQ(table.map(top - 4 * kKiB, 0, 8 * kKiB, kRamAttributes), MapError::kOutOfRange);
  EXPECT_EQ(table.map(0, 0, ~std::uint64_t{0xFFF}, kRamAttributes), MapError::kOutOfRange);
  EXPECT_EQ(table.map(0, std::uint64_t{1} << 48, 4 * kKiB, kRamAttributes), MapError::kOutOfRange);
  EXPECT_EQ(table.map(0, (std::uint64_t{1} << 48) - 4 * kKiB, 8 * kKiB, kRamAttributes),
            MapError::kOutOfRange);
  // The last page of the space is fine.
  EXPECT_EQ(table.map(top - 4 * kKiB, 0, 4 * kKiB, kRamAttributes), MapError::kNone);
  EXPECT_TRUE(table.translate(top - 1).mapped);
  const auto beyond = table.translate(top);
  EXPECT_FALSE(beyond.mapped);
  EXPECT_EQ(beyond.level, 0u);
}

TEST(Stage2Table, RejectsOverlapsWithoutChangingAnything) {
  Pages memory(8);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_EQ(table.map(kRamIpa, kRamIpa, kRamSize, kRamAttributes), MapError::kNone);
  ASSERT_EQ(table.map(kUartIpa, kUartIpa, 4 * kKiB, kDeviceAttributes), MapError::kNone);
  const std::size_t used = pool.used();

  // A page inside a block.
  EXPECT_EQ(table.map(kRamIpa + 0x1000, 0, 4 * kKiB, kDeviceAttributes), MapError::kAlreadyMapped);
  // The same page twice.
  EXPECT_EQ(table.map(kUartIpa, kUartIpa, 4 * kKiB, kDeviceAttributes), MapError::kAlreadyMapped);
  // A block-sized range around an existing page.
  EXPECT_EQ(table.map(kUartIpa, kUartIpa, 2 * kMiB, kDeviceAttributes), MapError::kAlreadyMapped);
  // A range that starts free and runs into RAM: the free part must stay unmapped.
  EXPECT_EQ(table.map(kRamIpa - 2 * kMiB, 0, 4 * kMiB, kRamAttributes), MapError::kAlreadyMapped);
  EXPECT_FALSE(table.translate(kRamIpa - 2 * kMiB).mapped);
  // Same for one that starts in RAM's last block and runs past it.
  EXPECT_EQ(table.map(kRamIpa + kRamSize - 2 * kMiB, 0, 4 * kMiB, kRamAttributes),
            MapError::kAlreadyMapped);
  EXPECT_FALSE(table.translate(kRamIpa + kRamSize).mapped);

  EXPECT_EQ(pool.used(), used);
  EXPECT_EQ(table.translate(kRamIpa + 0x1000).attrs, kRamAttributes);
}

TEST(Stage2Table, PoolExhaustionChangesNothing) {
  // Room for the root and one level-2 table only.
  Pages memory(2);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_TRUE(table.ok());
  // A page needs a level-2 and a level-3 table.
  EXPECT_EQ(table.map(kUartIpa, kUartIpa, 4 * kKiB, kDeviceAttributes), MapError::kOutOfTables);
  EXPECT_EQ(pool.used(), 1u);
  EXPECT_FALSE(table.translate(kUartIpa).mapped);
  for (std::size_t i = 0; i < kEntriesPerTable; ++i) ASSERT_EQ(memory.span()[i], 0u);
  // A 2 MiB block needs only the level-2 table, which is there.
  EXPECT_EQ(table.map(kRamIpa, kRamIpa, 2 * kMiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(pool.used(), 2u);
  // From here on, anything needing a new table fails cleanly.
  EXPECT_EQ(table.map(kRamIpa + 2 * kMiB, kRamIpa, 4 * kKiB, kRamAttributes),
            MapError::kOutOfTables);
  EXPECT_EQ(table.map(kGiB * 3, kGiB * 3, 2 * kMiB, kRamAttributes), MapError::kOutOfTables);
  EXPECT_EQ(table.map(kGiB * 3, kGiB * 3, kGiB, kRamAttributes), MapError::kNone);  // L1 block
}

TEST(Stage2Table, NoRootNoTable) {
  PagePool empty({}, host_pa);
  Stage2Table table(empty, 39);
  EXPECT_FALSE(table.ok());
  EXPECT_EQ(table.root_pa(), 0u);
  EXPECT_EQ(table.map(kRamIpa, kRamIpa, 4 * kKiB, kRamAttributes), MapError::kOutOfTables);
  EXPECT_EQ(table.unmap(kRamIpa, 4 * kKiB), MapError::kOutOfTables);
  EXPECT_FALSE(table.translate(kRamIpa).mapped);

  Pages memory(2);
  PagePool pool(memory.span(), host_pa);
  EXPECT_FALSE(Stage2Table(pool, 41).ok());
  EXPECT_FALSE(Stage2Table(pool, 31).ok());
  EXPECT_EQ(pool.used(), 0u);
}

TEST(Stage2Table, FortyBitSpaceUsesTwoConcatenatedRootPages) {
  Pages memory(5);
  PagePool pool(memory.span(), host_pa);
  ASSERT_NE(pool.allocate(), nullptr);  // knock the pool off 8 KiB alignment
  Stage2Table table(pool, 40);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table.root_pa() % (8 * kKiB), 0u);
  const std::uint64_t high = std::uint64_t{1} << 39;  // indexed by the second root page
  ASSERT_EQ(table.map(high, 0x4000'0000, kGiB, kRamAttributes), MapError::kNone);
  ASSERT_EQ(table.map(high + kGiB, 0x8000'0000, 2 * kMiB, kRamAttributes), MapError::kNone);
  const auto walk = table.translate(high + 0x10);
  EXPECT_TRUE(walk.mapped);
  EXPECT_EQ(walk.level, 1u);
  EXPECT_EQ(walk.pa, 0x4000'0010u);
  EXPECT_EQ(table.translate(high + kGiB + 0x20).pa, 0x8000'0020u);
  EXPECT_FALSE(table.translate(0).mapped);
  EXPECT_FALSE(table.translate(std::uint64_t{1} << 40).mapped);
  // The hardware finds the block at entry 512 of the concatenated root.
  const std::uint64_t* root = pool.table_at(table.root_pa());
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root[512], 0x4000'0000 | kRamLeaf | kBlockType);
}

TEST(Stage2Table, ThirtyTwoBitSpace) {
  Pages memory(3);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 32);
  ASSERT_EQ(table.map(3 * kGiB, 3 * kGiB, kGiB, kRamAttributes), MapError::kNone);
  EXPECT_TRUE(table.translate(4 * kGiB - 1).mapped);
  EXPECT_EQ(table.map(4 * kGiB, 0, 4 * kKiB, kRamAttributes), MapError::kOutOfRange);
}

TEST(Stage2Table, FollowsTablesThroughANonIdentityConversion) {
  Pages memory(4);
  PagePool pool(memory.span(), offset_pa);
  Stage2Table table(pool, 39);
  EXPECT_EQ(table.root_pa(), host_pa(memory.span().data()) + kLinearOffset);
  ASSERT_EQ(table.map(kUartIpa, kUartIpa, 4 * kKiB, kDeviceAttributes), MapError::kNone);
  const auto walk = table.translate(kUartIpa);
  EXPECT_TRUE(walk.mapped);
  EXPECT_EQ(walk.level, 3u);
  // Descriptors hold the converted addresses, not the pointers.
  const std::uint64_t root_entry = memory.span()[0];
  EXPECT_EQ(next_table_address(root_entry),
            host_pa(memory.span().data() + kEntriesPerTable) + kLinearOffset);
}

TEST(Stage2Table, Unmap) {
  Pages memory(8);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  ASSERT_EQ(table.map(kRamIpa, kRamIpa, kRamSize, kRamAttributes), MapError::kNone);
  ASSERT_EQ(table.map(kUartIpa, kUartIpa, 8 * kKiB, kDeviceAttributes), MapError::kNone);

  // Whole blocks go.
  EXPECT_EQ(table.unmap(kRamIpa, 2 * kMiB), MapError::kNone);
  EXPECT_FALSE(table.translate(kRamIpa).mapped);
  EXPECT_EQ(table.translate(kRamIpa).level, 2u);
  EXPECT_TRUE(table.translate(kRamIpa + 2 * kMiB).mapped);

  // Part of a block is refused, and nothing changes — not even the whole block before it.
  EXPECT_EQ(table.unmap(kRamIpa + 2 * kMiB, 2 * kMiB + 4 * kKiB), MapError::kSplitsBlock);
  EXPECT_TRUE(table.translate(kRamIpa + 2 * kMiB).mapped);
  EXPECT_TRUE(table.translate(kRamIpa + 4 * kMiB).mapped);

  // Pages go one by one; unmapped pages in the range are fine.
  EXPECT_EQ(table.unmap(kUartIpa + 4 * kKiB, 64 * kKiB), MapError::kNone);
  EXPECT_TRUE(table.translate(kUartIpa).mapped);
  EXPECT_FALSE(table.translate(kUartIpa + 4 * kKiB).mapped);
  // A whole 2 MiB range over a level-3 table empties it; the table stays.
  const std::size_t used = pool.used();
  EXPECT_EQ(table.unmap(kUartIpa, 2 * kMiB), MapError::kNone);
  EXPECT_FALSE(table.translate(kUartIpa).mapped);
  EXPECT_EQ(table.translate(kUartIpa).level, 3u);

  // Mapping again reuses what is there.
  EXPECT_EQ(table.map(kRamIpa, kRamIpa, 2 * kMiB, kRamAttributes), MapError::kNone);
  EXPECT_EQ(table.translate(kRamIpa).level, 2u);
  EXPECT_EQ(table.map(kUartIpa, kUartIpa, 2 * kMiB, kDeviceAttributes), MapError::kNone);
  EXPECT_EQ(table.translate(kUartIpa + 0x1F'F000).level, 3u);  // pages in the old table
  EXPECT_EQ(pool.used(), used);

  EXPECT_EQ(table.unmap(kRamIpa + 1, 4 * kKiB), MapError::kMisaligned);
  EXPECT_EQ(table.unmap(std::uint64_t{1} << 39, 4 * kKiB), MapError::kOutOfRange);
}

TEST(Stage2Table, ErrorNames) {
  EXPECT_EQ(error_name(MapError::kNone), "no error");
  EXPECT_EQ(error_name(MapError::kAlreadyMapped), "range already mapped");
  EXPECT_EQ(error_name(static_cast<MapError>(200)), "unknown error");
}

TEST(Stage2Table, ManySmallMappingsStayInBounds) {
  // Map every other page of 4 MiB until the pool runs dry: ASan checks every write.
  Pages memory(3);
  PagePool pool(memory.span(), host_pa);
  Stage2Table table(pool, 39);
  std::vector<MapError> results;
  for (std::uint64_t ipa = kRamIpa; ipa < kRamIpa + 4 * kMiB; ipa += 8 * kKiB) {
    results.push_back(table.map(ipa, ipa, 4 * kKiB, kRamAttributes));
  }
  // Root + level 2 + one level-3 table: the first 2 MiB fit, the second do not.
  std::size_t mapped = 0;
  for (auto r : results) mapped += r == MapError::kNone;
  EXPECT_EQ(mapped, 256u);
  EXPECT_EQ(results.back(), MapError::kOutOfTables);
  EXPECT_EQ(pool.used(), 3u);
}

}  // namespace
}  // namespace el2lab::stage2
