#include "core/portable/trace.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace el2lab::trace {
namespace {

TEST(Trace, LayoutMatchesTheDocumentedOffsets) {
  using R = Ring<8>;
  EXPECT_EQ(offsetof(R, magic), 0u);
  EXPECT_EQ(offsetof(R, version), 4u);
  EXPECT_EQ(offsetof(R, record_size), 6u);
  EXPECT_EQ(offsetof(R, capacity), 8u);
  EXPECT_EQ(offsetof(R, next_seq), 16u);
  EXPECT_EQ(offsetof(R, records), 64u);
  EXPECT_EQ(sizeof(TraceRecord), 64u);
  EXPECT_EQ(offsetof(TraceRecord, icount), 8u);
  EXPECT_EQ(offsetof(TraceRecord, kind), 40u);
  EXPECT_EQ(offsetof(TraceRecord, vcpu), 44u);
  R ring;
  const char* bytes = reinterpret_cast<const char*>(&ring.magic);
  EXPECT_EQ(std::string(bytes, 4), "TRCE");
}

TEST(Trace, WrapsAroundKeepingTheNewestRecords) {
  Ring<4> ring;
  for (std::uint64_t i = 0; i < 10; ++i) ring.push({0, 0, 0, i, 0, 0, 0, 0});
  EXPECT_EQ(ring.next_seq, 11u);
  // Records 7..10 survive, record n in slot (n - 1) % 4.
  for (std::uint64_t seq = 7; seq <= 10; ++seq) {
    const TraceRecord& r = ring.records[(seq - 1) % 4];
    EXPECT_EQ(r.seq, seq);
    EXPECT_EQ(r.address, seq - 1);
  }
}

}  // namespace
}  // namespace el2lab::trace
