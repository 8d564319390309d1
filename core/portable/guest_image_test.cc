#include "core/portable/guest_image.h"

#include <gtest/gtest.h>

#include <vector>

namespace el2lab::image {
namespace {

constexpr std::uint64_t kRam = 0x40000000;
constexpr std::uint64_t kRamSize = 0x30000000;

void put_le(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v, int bytes) {
  if (b.size() < at + bytes) b.resize(at + bytes);
  for (int i = 0; i < bytes; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
}

std::vector<std::uint8_t> arm64_image(std::uint64_t text_offset, std::uint64_t image_size,
                                      std::size_t file_size = 0x1000) {
  std::vector<std::uint8_t> f(file_size);
  put_le(f, 8, text_offset, 8);
  put_le(f, 16, image_size, 8);
  put_le(f, 56, 0x644d5241, 4);  // "ARM\x64"
  return f;
}

struct Seg {
  std::uint64_t type, offset, paddr, filesz, memsz;
};

// An ELF64 header per the System V ABI, with the given program headers at offset 64.
std::vector<std::uint8_t> elf(std::uint64_t entry, const std::vector<Seg>& segs,
                              std::uint64_t machine = 183) {
  std::vector<std::uint8_t> f(64 + 56 * segs.size() + 0x100);
  f[0] = 0x7f, f[1] = 'E', f[2] = 'L', f[3] = 'F', f[4] = 2, f[5] = 1, f[6] = 1;
  put_le(f, 16, 2, 2);  // ET_EXEC
  put_le(f, 18, machine, 2);
  put_le(f, 24, entry, 8);
  put_le(f, 32, 64, 8);  // e_phoff
  put_le(f, 54, 56, 2);  // e_phentsize
  put_le(f, 56, segs.size(), 2);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::size_t ph = 64 + 56 * i;
    put_le(f, ph + 0, segs[i].type, 4);
    put_le(f, ph + 8, segs[i].offset, 8);
    put_le(f, ph + 16, segs[i].paddr, 8);  // vaddr = paddr
    put_le(f, ph + 24, segs[i].paddr, 8);
    put_le(f, ph + 32, segs[i].filesz, 8);
    put_le(f, ph + 40, segs[i].memsz, 8);
  }
  return f;
}

TEST(GuestImage, Arm64ImageGoesToRamBasePlusTextOffset) {
  auto f = arm64_image(0x200000, 0x5000);
  Error e;
  auto plan = plan_load(f, kRam, kRamSize, &e);
  ASSERT_TRUE(plan) << error_name(e);
  EXPECT_EQ(plan->kind, Kind::kArm64Image);
  EXPECT_EQ(plan->entry, kRam + 0x200000);
  ASSERT_EQ(plan->segment_count, 1u);
  EXPECT_EQ(plan->segments[0].file_size, 0x1000u);
  EXPECT_EQ(plan->segments[0].mem_size, 0x5000u);  // image_size covers the BSS
  EXPECT_EQ(plan->end, kRam + 0x205000);
}

TEST(GuestImage, ImageWithZeroImageSizeUsesTheDefaultTextOffset) {
  auto plan = plan_load(arm64_image(0x200000, 0), kRam, kRamSize);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->entry, kRam + 0x80000);
}

TEST(GuestImage, RawBinaryLoadsAtTheDefaultTextOffset) {
  std::vector<std::uint8_t> f(100, 0xaa);
  auto plan = plan_load(f, kRam, kRamSize);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->kind, Kind::kRawBinary);
  EXPECT_EQ(plan->entry, kRam + 0x80000);
  EXPECT_EQ(plan->segments[0].mem_size, 100u);
}

TEST(GuestImage, ElfSegmentsAndBss) {
  auto f = elf(kRam + 0x80000, {{1, 0x100, kRam + 0x80000, 0x40, 0x40},
                                {4 /* PT_NOTE */, 0, 0, 0, 0},
                                {1, 0x140, kRam + 0x90000, 0x10, 0x2000}});
  Error e;
  auto plan = plan_load(f, kRam, kRamSize, &e);
  ASSERT_TRUE(plan) << error_name(e);
  EXPECT_EQ(plan->kind, Kind::kElf);
  ASSERT_EQ(plan->segment_count, 2u);
  EXPECT_EQ(plan->segments[1].address, kRam + 0x90000);
  EXPECT_EQ(plan->segments[1].mem_size, 0x2000u);
  EXPECT_EQ(plan->end, kRam + 0x92000);
}

TEST(GuestImage, RefusesHostileOrForeignImages) {
  Error e;
  EXPECT_FALSE(plan_load({}, kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kEmpty);

  EXPECT_FALSE(
      plan_load(elf(kRam, {{1, 0x100, kRam, 0x10, 0x10}}, 62 /* x86-64 */), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kNotElf64Aarch64);

  // A segment over the hypervisor (just past guest RAM), and one that wraps around 2^64.
  EXPECT_FALSE(
      plan_load(elf(kRam, {{1, 0x100, kRam + kRamSize - 8, 0x10, 0x10}}), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kOutsideGuestRam);
  EXPECT_FALSE(plan_load(elf(kRam, {{1, 0x100, ~0ull - 4, 0x10, 0x10}}), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kOutsideGuestRam);

  // File bytes past the end of the file, and memsz < filesz.
  EXPECT_FALSE(plan_load(elf(kRam, {{1, 0x100, kRam, 0x10000, 0x10000}}), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kBadProgramHeaders);
  EXPECT_FALSE(plan_load(elf(kRam, {{1, 0x100, kRam, 0x10, 0x8}}), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kBadProgramHeaders);

  // Program headers cut off.
  auto cut = elf(kRam, {{1, 0x100, kRam, 0x10, 0x10}});
  cut.resize(80);
  EXPECT_FALSE(plan_load(cut, kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kBadProgramHeaders);

  EXPECT_FALSE(plan_load(elf(kRam + 0x1000, {{1, 0x100, kRam, 0x10, 0x10}}), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kEntryNotLoaded);

  // An Image whose text_offset points past guest RAM.
  EXPECT_FALSE(plan_load(arm64_image(kRamSize, 0x1000), kRam, kRamSize, &e));
  EXPECT_EQ(e, Error::kOutsideGuestRam);
  EXPECT_FALSE(error_name(e).empty());
}

}  // namespace
}  // namespace el2lab::image
