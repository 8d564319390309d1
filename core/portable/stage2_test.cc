#include "core/portable/stage2.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/portable/stage2_test_util.h"

namespace el2lab::stage2 {
namespace {

using namespace el2lab::stage2::test;

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

}  // namespace
}  // namespace el2lab::stage2
