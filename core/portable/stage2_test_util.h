#pragma once
// Test helpers shared by stage2_test.cc and stage2_table_test.cc.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "core/portable/stage2.h"

namespace el2lab::stage2::test {

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
inline std::uint64_t host_pa(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

// A pretend linear map: physical = virtual + 4 GiB, so translate() must really invert to_pa.
constexpr std::uint64_t kLinearOffset = 4 * kGiB;
inline std::uint64_t offset_pa(const void* p) {
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

}  // namespace el2lab::stage2::test
