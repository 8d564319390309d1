#pragma once
/// \file
/// \brief The power state of a VM's vCPUs, as the guest drives it through PSCI: which vCPUs
/// exist (by MPIDR), which are on, and the start requests CPU_ON leaves for a vCPU's
/// physical CPU to pick up.
///
/// Pure bookkeeping, host-tested: the run loop calls it under the VM's lock, and does the
/// part that needs a CPU (waking the target, entering the guest) itself.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "core/portable/psci.h"

namespace el2lab {

/// \ingroup psci
/// \brief The MPIDR_EL1 the guest reads on vCPU \p index: affinity 0.0.0.index, as QEMU's virt
/// board numbers up to 8 CPUs (and as the guest's device tree lists them), with the RES1 bit 31.
constexpr std::uint64_t vcpu_mpidr(std::uint32_t index) {
  return 0x8000'0000u | (index & 0xffu);
}

/// \ingroup psci
/// \brief Where a vCPU is in its PSCI life cycle.
enum class PowerState : std::uint8_t {
  kOff,        ///< Not running; CPU_ON may start it.
  kOnPending,  ///< CPU_ON was accepted; its physical CPU has not entered it yet.
  kOn,         ///< Running (or halted in WFI, which PSCI still calls ON).
};

/// \ingroup psci
/// \brief How a vCPU starts: what CPU_ON asked for (or the boot vCPU's entry).
struct StartRequest {
  std::uint64_t entry = 0;    ///< First instruction (IPA), in EL1h.
  std::uint64_t context = 0;  ///< The vCPU's x0 at entry (CPU_ON's context_id).
};

/// \ingroup psci
/// \brief The PSCI view of a VM's vCPUs. Not thread-safe: callers hold the VM's lock.
class VCpuPowerTable {
 public:
  /// Most vCPUs a VM may have.
  static constexpr std::uint32_t kMaxVcpus = 8;
  /// The bits of MPIDR that name a CPU (Aff3, Aff2, Aff1, Aff0).
  static constexpr std::uint64_t kAffinityMask = 0xff'00ff'ffff;

  /// A VM whose vCPU i has MPIDR \p mpidrs[i] (at most kMaxVcpus are kept), all off.
  explicit VCpuPowerTable(std::span<const std::uint64_t> mpidrs);

  /// Number of vCPUs.
  std::uint32_t count() const { return count_; }
  /// MPIDR of vCPU \p vcpu.
  std::uint64_t mpidr(std::uint32_t vcpu) const { return mpidr_[vcpu]; }
  /// Every vCPU's MPIDR, vCPU i at index i.
  std::span<const std::uint64_t> mpidrs() const { return {mpidr_.data(), count_}; }
  /// The vCPU whose affinity is \p mpidr's, if there is one.
  std::optional<std::uint32_t> find(std::uint64_t mpidr) const;
  /// vCPU \p vcpu's state.
  PowerState state(std::uint32_t vcpu) const { return state_[vcpu]; }

  /// PSCI CPU_ON for \p target: OFF becomes ON_PENDING with \p request waiting for the
  /// target's CPU. Returns the PSCI status: SUCCESS, ALREADY_ON, ON_PENDING, or
  /// INVALID_PARAMETERS for an MPIDR no vCPU has. \p started receives the vCPU on SUCCESS.
  psci::Status cpu_on(std::uint64_t target, const StartRequest& request,
                      std::uint32_t* started = nullptr);
  /// Picks up vCPU \p vcpu's start request, if it is ON_PENDING: it becomes ON.
  std::optional<StartRequest> take_start(std::uint32_t vcpu);
  /// PSCI CPU_OFF by \p vcpu: it becomes OFF.
  void cpu_off(std::uint32_t vcpu);
  /// PSCI AFFINITY_INFO: 0 (ON), 1 (OFF) or 2 (ON_PENDING) for the vCPU with \p target's
  /// affinity; INVALID_PARAMETERS for an unknown MPIDR or a level other than 0 (el2lab's
  /// vCPUs form one flat cluster, so only level 0 — one vCPU — is meaningful).
  std::int64_t affinity_info(std::uint64_t target, std::uint64_t lowest_level) const;
  /// True while any vCPU is ON or ON_PENDING: the VM is still running.
  bool any_on() const;
  /// How many vCPUs CPU_ON has switched on at least once (the log names the vCPU of each exit
  /// from the moment a second one is started).
  std::uint32_t ever_started() const { return ever_started_; }

 private:
  std::uint32_t count_ = 0;
  std::uint32_t ever_started_ = 0;
  std::array<std::uint64_t, kMaxVcpus> mpidr_{};
  std::array<PowerState, kMaxVcpus> state_{};
  std::array<StartRequest, kMaxVcpus> request_{};
  std::array<bool, kMaxVcpus> started_once_{};
};

}  // namespace el2lab
