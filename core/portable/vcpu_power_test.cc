#include "core/portable/vcpu_power.h"

#include <gtest/gtest.h>

namespace el2lab {
namespace {

// Four vCPUs in one cluster, as QEMU's virt numbers its CPUs (MPIDR bit 31 is RES1).
constexpr std::uint64_t kMpidrs[] = {0x8000'0000, 0x8000'0001, 0x8000'0002, 0x8000'0003};

TEST(VCpuPowerTable, EveryVCpuStartsOff) {
  const VCpuPowerTable table(kMpidrs);
  EXPECT_EQ(table.count(), 4u);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(table.state(i), PowerState::kOff);
  EXPECT_FALSE(table.any_on());
  EXPECT_EQ(table.affinity_info(2, 0), 1) << "OFF";
}

TEST(VCpuPowerTable, CpuOnLeavesARequestTheTargetPicksUp) {
  VCpuPowerTable table(kMpidrs);
  std::uint32_t started = 99;
  // PSCI passes the affinity fields only; bit 31 need not be set in the request.
  EXPECT_EQ(table.cpu_on(2, {0x4008'1000, 7}, &started), psci::Status::kSuccess);
  EXPECT_EQ(started, 2u);
  EXPECT_EQ(table.state(2), PowerState::kOnPending);
  EXPECT_EQ(table.affinity_info(0x8000'0002, 0), 2) << "ON_PENDING";
  EXPECT_EQ(table.cpu_on(2, {0, 0}), psci::Status::kOnPending);
  EXPECT_TRUE(table.any_on());

  EXPECT_FALSE(table.take_start(1)) << "nobody asked for vCPU 1";
  const auto request = table.take_start(2);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->entry, 0x4008'1000u);
  EXPECT_EQ(request->context, 7u);
  EXPECT_EQ(table.state(2), PowerState::kOn);
  EXPECT_FALSE(table.take_start(2)) << "a request is picked up once";
  EXPECT_EQ(table.affinity_info(2, 0), 0) << "ON";
  EXPECT_EQ(table.cpu_on(2, {0, 0}), psci::Status::kAlreadyOn);
}

TEST(VCpuPowerTable, CpuOffThenOnAgainRestartsTheVCpu) {
  VCpuPowerTable table(kMpidrs);
  ASSERT_EQ(table.cpu_on(0, {0x4008'0000, 0}), psci::Status::kSuccess);
  ASSERT_TRUE(table.take_start(0));
  ASSERT_EQ(table.cpu_on(3, {0x4008'2000, 3}), psci::Status::kSuccess);
  ASSERT_TRUE(table.take_start(3));
  EXPECT_EQ(table.ever_started(), 2u);
  table.cpu_off(3);
  EXPECT_EQ(table.affinity_info(3, 0), 1);
  EXPECT_TRUE(table.any_on()) << "vCPU 0 still runs";
  ASSERT_EQ(table.cpu_on(3, {0x4008'3000, 9}), psci::Status::kSuccess);
  const auto again = table.take_start(3);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->entry, 0x4008'3000u);
  EXPECT_EQ(table.ever_started(), 2u) << "a restart is not a new vCPU";
  table.cpu_off(3);
  table.cpu_off(0);
  EXPECT_FALSE(table.any_on()) << "the last vCPU is off: the VM has stopped";
}

TEST(VCpuPowerTable, UnknownCpusAndLevelsAreInvalidParameters) {
  VCpuPowerTable table(kMpidrs);
  const auto invalid = static_cast<std::int64_t>(psci::Status::kInvalidParameters);
  EXPECT_EQ(table.cpu_on(4, {0, 0}), psci::Status::kInvalidParameters);
  EXPECT_EQ(table.cpu_on(0x100, {0, 0}), psci::Status::kInvalidParameters) << "Aff1 = 1";
  EXPECT_EQ(table.cpu_on(0xff'0000'0000, {0, 0}), psci::Status::kInvalidParameters)
      << "Aff3 = 0xff";
  EXPECT_EQ(table.affinity_info(9, 0), invalid);
  EXPECT_EQ(table.affinity_info(0, 1), invalid) << "only level 0 is supported";
  EXPECT_FALSE(table.take_start(17)) << "out of range";
}

TEST(VCpuPowerTable, KeepsAtMostEightVCpus) {
  std::uint64_t many[12];
  for (std::uint64_t i = 0; i < 12; ++i) many[i] = i;
  const VCpuPowerTable table(many);
  EXPECT_EQ(table.count(), VCpuPowerTable::kMaxVcpus);
  EXPECT_EQ(table.mpidrs().size(), VCpuPowerTable::kMaxVcpus);
  EXPECT_EQ(table.mpidrs()[7], 7u);
  EXPECT_FALSE(table.find(9));
}

}  // namespace
}  // namespace el2lab
