#include "core/portable/vcpu_power.h"

namespace el2lab {

VCpuPowerTable::VCpuPowerTable(std::span<const std::uint64_t> mpidrs)
    : count_(static_cast<std::uint32_t>(mpidrs.size() < kMaxVcpus ? mpidrs.size() : kMaxVcpus)) {
  for (std::uint32_t i = 0; i < count_; ++i) mpidr_[i] = mpidrs[i];
}

std::optional<std::uint32_t> VCpuPowerTable::find(std::uint64_t mpidr) const {
  for (std::uint32_t i = 0; i < count_; ++i) {
    if ((mpidr_[i] & kAffinityMask) == (mpidr & kAffinityMask)) return i;
  }
  return std::nullopt;
}

psci::Status VCpuPowerTable::cpu_on(std::uint64_t target, const StartRequest& request,
                                    std::uint32_t* started) {
  const auto vcpu = find(target);
  if (!vcpu) return psci::Status::kInvalidParameters;
  switch (state_[*vcpu]) {
    case PowerState::kOn: return psci::Status::kAlreadyOn;
    case PowerState::kOnPending: return psci::Status::kOnPending;
    case PowerState::kOff: break;
  }
  state_[*vcpu] = PowerState::kOnPending;
  request_[*vcpu] = request;
  if (!started_once_[*vcpu]) {
    started_once_[*vcpu] = true;
    ++ever_started_;
  }
  if (started != nullptr) *started = *vcpu;
  return psci::Status::kSuccess;
}

std::optional<StartRequest> VCpuPowerTable::take_start(std::uint32_t vcpu) {
  if (vcpu >= count_ || state_[vcpu] != PowerState::kOnPending) return std::nullopt;
  state_[vcpu] = PowerState::kOn;
  return request_[vcpu];
}

void VCpuPowerTable::cpu_off(std::uint32_t vcpu) {
  if (vcpu < count_) state_[vcpu] = PowerState::kOff;
}

std::int64_t VCpuPowerTable::affinity_info(std::uint64_t target, std::uint64_t lowest_level) const {
  const auto vcpu = find(target);
  if (lowest_level != 0 || !vcpu)
    return static_cast<std::int64_t>(psci::Status::kInvalidParameters);
  switch (state_[*vcpu]) {
    case PowerState::kOn: return 0;
    case PowerState::kOff: return 1;
    case PowerState::kOnPending: return 2;
  }
  return 1;
}

bool VCpuPowerTable::any_on() const {
  for (std::uint32_t i = 0; i < count_; ++i) {
    if (state_[i] != PowerState::kOff) return true;
  }
  return false;
}

}  // namespace el2lab
