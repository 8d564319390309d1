// Lab 05's host test of FramePool: a fake memory region whose physical address is not its
// pointer value, and one case per property (the grader runs `frame_pool_test <case>`).
// Compiled by the grader with -DFRAME_POOL_HEADER="<your frame_pool.h>"; you can build and run
// it yourself the same way (see the lab's README.md).
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

/// A fake region: \p frames whole frames of host memory, with the physical address
/// \p phys_base for its first byte (4 KiB aligned here; the hidden test shifts it).
struct Region {
  explicit Region(std::size_t frames, std::uint64_t phys_base = 0x8'4000'0000)
      : storage((frames + 1) * kFrame), phys(phys_base) {
    // The host pointer's own alignment must not matter: shift it off 4 KiB on purpose.
    auto addr = reinterpret_cast<std::uintptr_t>(storage.data());
    std::size_t skew = (kFrame - addr % kFrame) % kFrame + 8;
    if (skew >= kFrame) skew -= kFrame;
    bytes = std::span<std::byte>(storage.data() + skew, frames * kFrame);
    std::memset(bytes.data(), 0xee, bytes.size());  // dirty, as real memory is
  }
  std::vector<std::byte> storage;
  std::span<std::byte> bytes;
  std::uint64_t phys;

  bool inside(std::uint64_t pa) const { return pa >= phys && pa < phys + bytes.size(); }
};

bool zeroed(const FramePool& pool, std::uint64_t pa) {
  const auto* p = static_cast<const std::byte*>(pool.phys_to_virt(pa));
  if (p == nullptr) return false;
  for (std::size_t i = 0; i < kFrame; ++i)
    if (p[i] != std::byte{0}) return false;
  return true;
}

void aligned_distinct() {
  Region r(8);
  FramePool pool(r.bytes, r.phys);
  CHECK(pool.capacity() == 8, "capacity() of 8 whole frames is %zu", pool.capacity());
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t pa = pool.alloc();
    CHECK(pa != 0, "alloc() number %d of 8 returned 0, with frames left", i + 1);
    if (pa == 0) return;
    CHECK(pa % kFrame == 0, "alloc() returned %#llx: not 4 KiB aligned", (unsigned long long)pa);
    CHECK(r.inside(pa) && r.inside(pa + kFrame - 1),
          "alloc() returned %#llx: not inside the pool [%#llx, %#llx)", (unsigned long long)pa,
          (unsigned long long)r.phys, (unsigned long long)(r.phys + r.bytes.size()));
    CHECK(seen.insert(pa).second, "alloc() returned %#llx twice", (unsigned long long)pa);
  }
  CHECK(pool.in_use() == 8, "in_use() after 8 allocs is %zu", pool.in_use());
}

void zeroed_frames() {
  Region r(4);
  FramePool pool(r.bytes, r.phys);
  const std::uint64_t a = pool.alloc();
  CHECK(a != 0, "alloc() returned 0 from a fresh pool");
  if (a == 0) return;
  CHECK(zeroed(pool, a), "a fresh frame (%#llx) is not all zeros (the region starts dirty)",
        (unsigned long long)a);
  auto* p = static_cast<std::byte*>(pool.phys_to_virt(a));
  if (p == nullptr) return;
  std::memset(p, 0x77, kFrame);  // the table it held was full of descriptors
  pool.dealloc(a);
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t b = pool.alloc();
    if (b == 0) break;
    CHECK(zeroed(pool, b), "frame %#llx (allocated after a dirty frame was freed) is not zeroed",
          (unsigned long long)b);
  }
}

void exhaustion() {
  Region r(3);
  FramePool pool(r.bytes, r.phys);
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t pa = pool.alloc();
    CHECK(pa != 0 && r.inside(pa), "alloc() %d of 3 gave %#llx", i + 1, (unsigned long long)pa);
  }
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t pa = pool.alloc();
    CHECK(pa == 0, "alloc() on an exhausted pool (try %d) returned %#llx, not 0", i + 1,
          (unsigned long long)pa);
  }
  CHECK(pool.in_use() == 3, "in_use() of an exhausted 3-frame pool is %zu", pool.in_use());
}

void reuse() {
  Region r(2);
  FramePool pool(r.bytes, r.phys);
  const std::uint64_t a = pool.alloc(), b = pool.alloc();
  CHECK(a != 0 && b != 0 && a != b, "two allocs from a 2-frame pool gave %#llx and %#llx",
        (unsigned long long)a, (unsigned long long)b);
  pool.dealloc(a);
  CHECK(pool.in_use() == 1, "in_use() after one free is %zu, not 1", pool.in_use());
  const std::uint64_t c = pool.alloc();
  CHECK(c == a, "the only free frame is %#llx, but alloc() returned %#llx", (unsigned long long)a,
        (unsigned long long)c);
  CHECK(pool.alloc() == 0, "a full pool after reuse still hands out a frame");
  // Frees the pool must refuse: it never handed these out.
  pool.dealloc(r.phys + r.bytes.size());  // just past the pool
  pool.dealloc(b + 8);                    // inside a frame, not its start
  pool.dealloc(0x1000);                   // far away
  CHECK(pool.in_use() == 2, "foreign or misaligned frees changed in_use() to %zu", pool.in_use());
  CHECK(pool.alloc() == 0, "after foreign frees, alloc() handed out something not freed");
  // A double free must not put one frame on the list twice.
  pool.dealloc(b);
  pool.dealloc(b);
  const std::uint64_t d = pool.alloc(), e = pool.alloc();
  CHECK(d == b && e == 0,
        "after freeing %#llx twice, two allocs gave %#llx and %#llx (want it "
        "once, then 0)",
        (unsigned long long)b, (unsigned long long)d, (unsigned long long)e);
}

void translation() {
  Region r(4);
  FramePool pool(r.bytes, r.phys);
  CHECK(pool.virt_to_phys(r.bytes.data()) == r.phys,
        "virt_to_phys(first byte of the region) is %#llx, want %#llx (the pool's phys_base)",
        (unsigned long long)pool.virt_to_phys(r.bytes.data()), (unsigned long long)r.phys);
  CHECK(pool.virt_to_phys(r.bytes.data() + 0x1234) == r.phys + 0x1234,
        "virt_to_phys(region + 0x1234) is %#llx",
        (unsigned long long)pool.virt_to_phys(r.bytes.data() + 0x1234));
  CHECK(pool.phys_to_virt(r.phys + 0x2008) == r.bytes.data() + 0x2008,
        "phys_to_virt(phys_base + 0x2008) is not the region's byte 0x2008");
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t pa = pool.alloc();
    if (pa == 0) break;
    void* p = pool.phys_to_virt(pa);
    CHECK(p != nullptr && pool.virt_to_phys(p) == pa,
          "phys_to_virt/virt_to_phys of frame %#llx "
          "do not round-trip",
          (unsigned long long)pa);
  }
  int outside = 0;
  CHECK(pool.phys_to_virt(r.phys + r.bytes.size()) == nullptr,
        "phys_to_virt() of the first address past the pool is not nullptr");
  CHECK(pool.virt_to_phys(&outside) == 0, "virt_to_phys() of a pointer outside the pool is not 0");
}

using el2lab::labs::host_check::Case;
const Case kCases[] = {{"aligned_distinct", aligned_distinct},
                       {"zeroed", zeroed_frames},
                       {"exhaustion", exhaustion},
                       {"reuse", reuse},
                       {"translation", translation}};

}  // namespace

int main(int argc, char** argv) {
  return el2lab::labs::host_check::run_cases(argc, argv, kCases);
}
