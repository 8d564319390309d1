#include "core/portable/trace.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

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
  // Records 7..10 survive, record n in slot n % 4.
  for (std::uint64_t seq = 7; seq <= 10; ++seq) {
    const TraceRecord& r = ring.records[seq % 4];
    EXPECT_EQ(r.seq, seq);
    EXPECT_EQ(r.address, seq - 1);
  }
}

TEST(Trace, SourceWordFillsKindCpuAndVcpuWithOneStore) {
  // The exit path's push: kind, CPU and vCPU as one word (kind OR'd into a word made once).
  Ring<4> ring;
  const std::uint64_t who = source_word(0, 3, 0x1234'5678);
  ring.push(11, 22, 33, 44, who | 0x105);
  const TraceRecord& r = ring.records[1];  // record 1, in slot 1 % 4
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(r.icount, 11u);
  EXPECT_EQ(r.esr, 22u);
  EXPECT_EQ(r.address, 33u);
  EXPECT_EQ(r.guest_pc, 44u);
  EXPECT_EQ(r.kind, 0x105u);
  EXPECT_EQ(r.cpu, 3u);
  EXPECT_EQ(r.vcpu, 0x1234'5678u);
  // The record form says the same thing.
  ring.push({0, 1, 2, 3, 4, 0x7, 0xffff, 9});
  EXPECT_EQ(ring.records[2].kind, 0x7u);
  EXPECT_EQ(ring.records[2].cpu, 0xffffu);
  EXPECT_EQ(ring.records[2].vcpu, 9u);
}

TEST(Trace, HalCallRecordsNameEveryMemberOnce) {
  // Every value below kHalCallEnd but 0 is a member with its own name; the GDB tables are
  // generated from these names, so a gap or a duplicate would mislabel records there.
  std::set<std::string_view> names;
  for (std::uint16_t v = 1; v < kHalCallEnd; ++v) {
    const auto name = hal_call_name(static_cast<HalCall>(v));
    EXPECT_FALSE(name.empty()) << v;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_TRUE(hal_call_name(static_cast<HalCall>(0)).empty());
  EXPECT_TRUE(hal_call_name(static_cast<HalCall>(kHalCallEnd)).empty());
  EXPECT_EQ(hal_call_name(HalCall::kIrqFetch), "irq_fetch");
  EXPECT_EQ(event_kind_name(Kind::kHalCall), "HalCall");
}

TEST(Trace, HalCallDetailPacksTheCallLowAndTheSecondValueHigh) {
  const std::uint64_t detail = hal_call_detail(HalCall::kWriteListRegister, 0x0100'001b);
  EXPECT_EQ(detail & 0xffff, 10u);
  EXPECT_EQ(detail >> 32, 0x0100'001bu);
  EXPECT_EQ((detail >> 16) & 0xffff, 0u);
}

}  // namespace
}  // namespace el2lab::trace
