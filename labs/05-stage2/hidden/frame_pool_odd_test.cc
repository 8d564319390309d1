// Lab 05's hidden host test: the same FramePool over awkward regions — a physical base off the
// 4 KiB grid, a pool of one frame, an empty one — and a long alloc/free churn.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <span>
#include <vector>

#include FRAME_POOL_HEADER
#include "labs/gradelib/host_check.h"

namespace {

using el2lab::labs::FramePool;
constexpr std::uint64_t kFrame = 4096;
using el2lab::labs::host_check::failures;

void odd_regions() {
  // 5 frames of bytes starting 0x800 past a frame boundary: 4 whole frames, the first at the
  // next boundary of the *physical* address.
  std::vector<std::byte> storage(6 * kFrame);
  std::memset(storage.data(), 0xcc, storage.size());
  const std::uint64_t phys = 0x9'0000'0800;
  FramePool pool(std::span<std::byte>(storage.data(), 5 * kFrame), phys);
  CHECK(pool.capacity() == 4, "capacity() over 5 frames' bytes at phys %#llx is %zu, want 4",
        (unsigned long long)phys, pool.capacity());
  std::set<std::uint64_t> got;
  for (std::uint64_t pa = pool.alloc(); pa != 0; pa = pool.alloc()) {
    CHECK(pa % kFrame == 0, "frame %#llx is not 4 KiB aligned (phys_base %#llx is not)",
          (unsigned long long)pa, (unsigned long long)phys);
    CHECK(pa >= phys && pa + kFrame <= phys + 5 * kFrame, "frame %#llx leaves the region",
          (unsigned long long)pa);
    CHECK(got.insert(pa).second, "frame %#llx handed out twice", (unsigned long long)pa);
    const auto* p = static_cast<const std::byte*>(pool.phys_to_virt(pa));
    CHECK(p == storage.data() + (pa - phys), "phys_to_virt(%#llx) is not region + %#llx",
          (unsigned long long)pa, (unsigned long long)(pa - phys));
    if (got.size() > 8) break;
  }
  CHECK(got.size() == 4, "%zu frames handed out before 0, want 4", got.size());

  std::vector<std::byte> one(kFrame);
  FramePool single(std::span<std::byte>(one.data(), one.size()), 0x7000'0000);
  const std::uint64_t a = single.alloc();
  CHECK(a == 0x7000'0000, "a one-frame pool at 0x70000000 gave %#llx", (unsigned long long)a);
  CHECK(single.alloc() == 0, "a one-frame pool gave a second frame");

  FramePool empty(std::span<std::byte>(one.data(), 100), 0x7000'0000);
  CHECK(empty.capacity() == 0 && empty.alloc() == 0, "a pool smaller than a frame gave a frame");
}

void churn() {
  std::vector<std::byte> storage(8 * kFrame);
  FramePool pool(std::span<std::byte>(storage.data(), storage.size()), 0x4'0000'0000);
  std::vector<std::uint64_t> held;
  for (int round = 0; round < 1000; ++round) {
    if (round % 3 != 2) {
      const std::uint64_t pa = pool.alloc();
      if (held.size() < 8) {
        CHECK(pa != 0, "round %d: alloc() gave 0 with %zu of 8 frames held", round, held.size());
      } else {
        CHECK(pa == 0, "round %d: a 9th frame from an 8-frame pool", round);
      }
      if (pa != 0) held.push_back(pa);
    } else if (!held.empty()) {
      pool.dealloc(held[held.size() / 2]);
      held.erase(held.begin() + static_cast<long>(held.size() / 2));
    }
    if (failures > 5) return;
  }
  CHECK(pool.in_use() == held.size(), "in_use() is %zu with %zu frames held", pool.in_use(),
        held.size());
}

}  // namespace

int main(int argc, char** argv) {
  const bool all = argc < 2;
  if (all || std::strcmp(argv[1], "odd_regions") == 0) odd_regions();
  if (all || std::strcmp(argv[1], "churn") == 0) churn();
  std::printf("%s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
