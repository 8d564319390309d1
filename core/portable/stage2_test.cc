#include "core/portable/stage2.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace el2lab::stage2 {
namespace {

// Expected values are assembled here from the Arm ARM's field positions, independently of the
// field definitions in stage2.h, so a wrong position there cannot cancel out in a comparison.
constexpr std::uint64_t bits(std::uint64_t value, unsigned lsb) {
  return value << lsb;
}

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kKiB = 1024;

// Stage-2 leaf attributes as the Arm ARM lays them out.
constexpr std::uint64_t kAf = bits(1, 10);
constexpr std::uint64_t kShInner = bits(0b11, 8);
constexpr std::uint64_t kS2apRw = bits(0b11, 6);
constexpr std::uint64_t kMemAttrNormalWb = bits(0b1111, 2);
constexpr std::uint64_t kMemAttrDeviceNGnRE = bits(0b0001, 2);
constexpr std::uint64_t kXnNever = bits(0b10, 53);
constexpr std::uint64_t kBlockType = 0b01;  // valid, bit 1 clear
constexpr std::uint64_t kPageOrTableType = 0b11;

constexpr std::uint64_t kRamLeaf = kMemAttrNormalWb | kS2apRw | kShInner | kAf;
constexpr std::uint64_t kDeviceLeaf = kMemAttrDeviceNGnRE | kS2apRw | kShInner | kAf | kXnNever;

// On the host, the "physical" address of a table is its pointer value.
std::uint64_t host_pa(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

// A pretend linear map: physical = virtual + 4 GiB, so translate() must really invert to_pa.
constexpr std::uint64_t kLinearOffset = 4 * kGiB;
std::uint64_t offset_pa(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) + kLinearOffset;
}

// Exactly `pages` page-aligned table pages on the heap, so ASan reports any write past them.
class Pages {
 public:
  explicit Pages(std::size_t pages)
      : size_(pages * kEntriesPerTable),
        memory_(static_cast<std::uint64_t*>(std::aligned_alloc(kPageSize, pages * kPageSize))) {
    // Garbage, so a test notices if allocate() hands out a page without zeroing it.
    std::memset(memory_, 0xA5, pages * kPageSize);
  }
  ~Pages() { std::free(memory_); }
  Pages(const Pages&) = delete;
  Pages& operator=(const Pages&) = delete;
  std::span<std::uint64_t> span() { return {memory_, size_}; }

 private:
  std::size_t size_;
  std::uint64_t* memory_;
};

// ---------------------------------------------------------------------------------------------
// VTCR_EL2 and VTTBR_EL2
// ---------------------------------------------------------------------------------------------

TEST(Stage2Vtcr, ThirtyNineBitIpaWithFortyFourBitPa) {
  const Vtcr vtcr = vtcr_for(39, 0b0100);
  const std::uint64_t expected = bits(25, 0)        // T0SZ = 64 - 39
                                 | bits(0b01, 6)    // SL0: start at level 1 (4K granule)
                                 | bits(0b01, 8)    // IRGN0: write-back, allocate
                                 | bits(0b01, 10)   // ORGN0: write-back, allocate
                                 | bits(0b11, 12)   // SH0: inner shareable
                                 | bits(0b00, 14)   // TG0: 4 KiB
                                 | bits(0b100, 16)  // PS: 44 bits
                                 | bits(0, 19)      // VS: 8-bit VMID
                                 | bits(1, 31);     // RES1
  EXPECT_EQ(vtcr.raw(), expected);
  EXPECT_EQ(vtcr.get<Vtcr::T0sz>(), 25u);
  EXPECT_EQ(vtcr.get<Vtcr::Sl0>(), 1u);
  EXPECT_EQ(vtcr.get<Vtcr::Tg0>(), 0u);
  EXPECT_EQ(vtcr.get<Vtcr::Sh0>(), 3u);
  EXPECT_EQ(vtcr.get<Vtcr::Irgn0>(), 1u);
  EXPECT_EQ(vtcr.get<Vtcr::Orgn0>(), 1u);
  EXPECT_EQ(vtcr.get<Vtcr::Ps>(), 4u);
  EXPECT_EQ(vtcr.ipa_bits(), 39u);
  EXPECT_EQ(vtcr.start_level_4k(), 1u);
}

TEST(Stage2Vtcr, SupportedWidthsAllStartAtLevelOne) {
  for (unsigned ipa_bits = kMinIpaBits; ipa_bits <= kMaxIpaBits; ++ipa_bits) {
    const Vtcr vtcr = vtcr_for(ipa_bits, 0b0101);
    EXPECT_EQ(vtcr.raw() & 0x3f, 64 - ipa_bits) << ipa_bits;
    EXPECT_EQ((vtcr.raw() >> 6) & 3, 1u) << ipa_bits;
    EXPECT_EQ(vtcr.ipa_bits(), ipa_bits);
  }
  // 40 bits: T0SZ 24 with SL0 = level 1 means two concatenated level-1 tables.
  EXPECT_EQ(vtcr_for(40, 4).raw() & 0x3f, 24u);
  EXPECT_EQ(root_pages(39), 1u);
  EXPECT_EQ(root_pages(40), 2u);
  EXPECT_EQ(root_pages(32), 1u);
}

TEST(Stage2Vtcr, UnsupportedWidthsAreClamped) {
  EXPECT_EQ(vtcr_for(48, 5).ipa_bits(), kMaxIpaBits);
  EXPECT_EQ(vtcr_for(20, 5).ipa_bits(), kMinIpaBits);
  EXPECT_FALSE(supports_ipa_bits(31));
  EXPECT_FALSE(supports_ipa_bits(41));
}

TEST(Stage2Vtcr, PsFollowsParangeUpToFortyEightBits) {
  for (unsigned parange = 0; parange <= 5; ++parange) {
    EXPECT_EQ((vtcr_for(32, parange).raw() >> 16) & 7, parange);
  }
  // 52 bits and reserved encodings: a 4K descriptor without FEAT_LPA2 holds 48 bits.
  EXPECT_EQ((vtcr_for(39, 0b0110).raw() >> 16) & 7, 0b101u);
  EXPECT_EQ((vtcr_for(39, 0b1111).raw() >> 16) & 7, 0b101u);
  EXPECT_EQ(pa_range_bits(0), 32u);
  EXPECT_EQ(pa_range_bits(2), 40u);
  EXPECT_EQ(pa_range_bits(3), 42u);
  EXPECT_EQ(pa_range_bits(4), 44u);
  EXPECT_EQ(pa_range_bits(6), 52u);
}

TEST(Stage2Vtcr, Res1CannotBeCleared) {
  EXPECT_EQ(Vtcr{}.raw(), bits(1, 31));
  EXPECT_EQ(Vtcr{0}.raw(), bits(1, 31));
  EXPECT_EQ(Vtcr{}.with<Vtcr::Res1>(0).raw(), bits(1, 31));
  EXPECT_EQ(vtcr_for(39, 4).with<Vtcr::Vs>().raw() & bits(1, 19), bits(1, 19));
}

TEST(Stage2Vttbr, PacksVmidAndBaseAddress) {
  EXPECT_EQ(vttbr(0x4123'4000, 1), 0x4123'4000 | bits(1, 48));
  EXPECT_EQ(vttbr(0x4123'4000, 0xBEEF), 0x4123'4000 | bits(0xBEEF, 48));
  // Low bits (CnP, RES0) and bits above 47 never reach the register.
  EXPECT_EQ(vttbr(0x4123'4FFF, 0x2A), 0x4123'4000 | bits(0x2A, 48));
  EXPECT_EQ(vttbr(bits(1, 50) | 0x8000'0000, 0), 0x8000'0000u);
  static_assert(vttbr(0x1000, 7) == (0x1000 | (std::uint64_t{7} << 48)));
}

// ---------------------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------------------

TEST(Stage2Descriptor, RamBlocksAndPages) {
  EXPECT_EQ(block_descriptor(1, 0x4000'0000, kRamAttributes), 0x4000'0000 | kRamLeaf | kBlockType);
  EXPECT_EQ(block_descriptor(2, 0x4020'0000, kRamAttributes), 0x4020'0000 | kRamLeaf | kBlockType);
  EXPECT_EQ(page_descriptor(0x4020'1000, kRamAttributes),
            0x4020'1000 | kRamLeaf | kPageOrTableType);
  static_assert(block_descriptor(2, 0x20'0000, kRamAttributes) ==
                (0x20'0000 | kRamLeaf | kBlockType));
}

TEST(Stage2Descriptor, DevicePages) {
  EXPECT_EQ(page_descriptor(0x0900'0000, kDeviceAttributes),
            0x0900'0000 | kDeviceLeaf | kPageOrTableType);
  EXPECT_EQ(block_descriptor(2, 0x0800'0000, kDeviceAttributes),
            0x0800'0000 | kDeviceLeaf | kBlockType);
}

TEST(Stage2Descriptor, Tables) {
  EXPECT_EQ(table_descriptor(0x4FFF'E000), 0x4FFF'E000 | kPageOrTableType);
  EXPECT_EQ(next_table_address(table_descriptor(0x4FFF'E000)), 0x4FFF'E000u);
  EXPECT_EQ(descriptor_kind(table_descriptor(0x1000), 1), DescriptorKind::kTable);
  EXPECT_EQ(descriptor_kind(table_descriptor(0x1000), 2), DescriptorKind::kTable);
  // The same bits at level 3 are a page.
  EXPECT_EQ(descriptor_kind(table_descriptor(0x1000), 3), DescriptorKind::kPage);
}

TEST(Stage2Descriptor, AccessPermissionsAndExecuteNever) {
  const auto d = [](Access access, bool executable) {
    return page_descriptor(0, Attributes{MemoryType::kNormal, access, executable});
  };
  EXPECT_EQ(d(Access::kNone, true) & bits(0b11, 6), bits(0b00, 6));
  EXPECT_EQ(d(Access::kReadOnly, true) & bits(0b11, 6), bits(0b01, 6));
  EXPECT_EQ(d(Access::kWriteOnly, true) & bits(0b11, 6), bits(0b10, 6));
  EXPECT_EQ(d(Access::kReadWrite, true) & bits(0b11, 6), bits(0b11, 6));
  EXPECT_EQ(d(Access::kReadWrite, true) & bits(0b11, 53), 0u);
  EXPECT_EQ(d(Access::kReadWrite, false) & bits(0b11, 53), bits(0b10, 53));
  // AF is always set: a clear AF faults every access.
  EXPECT_TRUE(access_flag(d(Access::kNone, false)));
  EXPECT_NE(d(Access::kNone, false) & kAf, 0u);
}

TEST(Stage2Descriptor, AddressesAreMaskedToTheirLevel) {
  // Stray low bits of a PA must not land in attribute or RES0 bits.
  EXPECT_EQ(block_descriptor(1, 0x4000'0000 | 0x1234'5678, kRamAttributes),
            block_descriptor(1, 0x4000'0000, kRamAttributes));
  EXPECT_EQ(block_descriptor(2, 0x4020'0000 | 0x1F'FFFF, kRamAttributes),
            block_descriptor(2, 0x4020'0000, kRamAttributes));
  EXPECT_EQ(page_descriptor(0x4020'1FFF, kRamAttributes),
            page_descriptor(0x4020'1000, kRamAttributes));
  EXPECT_EQ(page_descriptor(bits(1, 48) | 0x1000, kRamAttributes) & bits(0xFFFF, 48), 0u);
  // No blocks at level 0 or 3 with a 4 KiB granule.
  EXPECT_EQ(block_descriptor(0, 0, kRamAttributes), 0u);
  EXPECT_EQ(block_descriptor(3, 0, kRamAttributes), 0u);
}

TEST(Stage2Descriptor, Decoding) {
  const std::uint64_t block = block_descriptor(2, 0x4060'0000, kRamAttributes);
  EXPECT_EQ(descriptor_kind(block, 2), DescriptorKind::kBlock);
  EXPECT_EQ(descriptor_kind(block, 1), DescriptorKind::kBlock);
  EXPECT_EQ(descriptor_kind(block, 3), DescriptorKind::kInvalid);  // 0b01 is reserved at L3
  EXPECT_EQ(descriptor_kind(block, 0), DescriptorKind::kInvalid);
  EXPECT_EQ(descriptor_kind(block & ~std::uint64_t{1}, 2), DescriptorKind::kInvalid);
  EXPECT_EQ(output_address(block, 2), 0x4060'0000u);
  EXPECT_EQ(attributes_of(block), kRamAttributes);
  const std::uint64_t page = page_descriptor(0x0900'0000, kDeviceAttributes);
  EXPECT_EQ(attributes_of(page), kDeviceAttributes);
  EXPECT_EQ(output_address(page, 3), 0x0900'0000u);
  // Encodings without an enumerator survive decoding: Normal non-cacheable is 0b0101.
  EXPECT_EQ(static_cast<unsigned>(attributes_of(bits(0b0101, 2)).type), 0b0101u);
}

// ---------------------------------------------------------------------------------------------
// PagePool
// ---------------------------------------------------------------------------------------------

TEST(Stage2PagePool, HandsOutZeroedPagesUntilExhausted) {
  Pages memory(3);
  PagePool pool(memory.span(), host_pa);
  EXPECT_EQ(pool.capacity(), 3u);
  std::uint64_t* pages[3];
  for (auto& page : pages) {
    page = pool.allocate();
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(host_pa(page) % kPageSize, 0u);
    for (std::size_t i = 0; i < kEntriesPerTable; ++i) ASSERT_EQ(page[i], 0u);
  }
  EXPECT_EQ(pool.used(), 3u);
  EXPECT_EQ(pool.available(), 0u);
  EXPECT_EQ(pool.allocate(), nullptr);
  EXPECT_EQ(pool.used(), 3u);
  for (auto* page : pages) EXPECT_EQ(pool.table_at(host_pa(page)), page);
}

TEST(Stage2PagePool, SkipsToTheFirstPageBoundary) {
  Pages memory(3);
  // Start one entry in: only the two whole pages after the first boundary are usable.
  PagePool pool(memory.span().subspan(1), host_pa);
  EXPECT_EQ(pool.capacity(), 2u);
  std::uint64_t* page = pool.allocate();
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page, memory.span().data() + kEntriesPerTable);
}

TEST(Stage2PagePool, TableAtRejectsForeignAddresses) {
  Pages memory(2);
  PagePool pool(memory.span(), host_pa);
  EXPECT_EQ(pool.table_at(host_pa(memory.span().data())), nullptr);  // not handed out yet
  std::uint64_t* page = pool.allocate();
  EXPECT_EQ(pool.table_at(host_pa(page)), page);
  EXPECT_EQ(pool.table_at(host_pa(page) + 8), nullptr);
  EXPECT_EQ(pool.table_at(host_pa(page) + kPageSize), nullptr);
  EXPECT_EQ(pool.table_at(0x4000'0000), nullptr);
}

TEST(Stage2PagePool, EmptyPools) {
  PagePool no_memory({}, host_pa);
  EXPECT_EQ(no_memory.allocate(), nullptr);
  Pages memory(1);
  PagePool no_conversion(memory.span(), nullptr);
  EXPECT_EQ(no_conversion.allocate(), nullptr);
  PagePool too_small(memory.span().first(kEntriesPerTable - 1), host_pa);
  EXPECT_EQ(too_small.allocate(), nullptr);
}

TEST(Stage2PagePool, ContiguousRunsAreAlignedToTheirSize) {
  Pages memory(4);
  PagePool pool(memory.span(), host_pa);
  ASSERT_NE(pool.allocate(), nullptr);
  std::uint64_t* run = pool.allocate_contiguous(2);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(host_pa(run) % (2 * kPageSize), 0u);
  for (std::size_t i = 0; i < 2 * kEntriesPerTable; ++i) ASSERT_EQ(run[i], 0u);
  EXPECT_EQ(pool.allocate_contiguous(3), nullptr);  // not a power of two
  EXPECT_EQ(pool.allocate_contiguous(0), nullptr);
}

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
