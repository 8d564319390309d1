#pragma once
/// \file
/// \brief The VM's power side: waiting for CPU_ON, switching a vCPU on (PSCI CPU_ON) and off.
///
/// Part of Vm<H> (core/el2/vm.h, which includes this file at its end): member definitions kept
/// in their own file so each side of the run loop reads on its own.

namespace el2lab {

template <VCpuHal H>
StartRequest Vm<H>::wait_for_power_on(std::uint32_t cpu) {
  for (;;) {
    {
      const SpinLockGuard guard(lock_);
      if (cpu < config_.vcpu_count) {
        if (auto start = power_.take_start(cpu)) return *start;
      }
    }
    H::wait_for_kick();
  }
}

template <VCpuHal H>
ExitOutcome Vm<H>::cpu_up(const CpuUp& up, std::uint32_t id) {
  ExitOutcome outcome;
  psci::Status status;
  std::uint32_t target = 0;
  if (!in(up.entry_point, config_.ram_base, config_.ram_size)) {
    status = psci::Status::kInvalidAddress;
    outcome.what = Outcome::kCpuOnInvalidAddress;
  } else {
    status = power_.cpu_on(up.target_mpidr, {up.entry_point, up.context_id}, &target);
    switch (status) {
      case psci::Status::kSuccess:
        set_sharing(true);
        outcome = {Outcome::kCpuOnStarted, static_cast<std::uint16_t>(target)};
        H::send_kick(target);
        break;
      case psci::Status::kAlreadyOn: outcome.what = Outcome::kCpuOnAlreadyOn; break;
      case psci::Status::kOnPending: outcome.what = Outcome::kCpuOnPending; break;
      default: outcome.what = Outcome::kCpuOnNoSuchVcpu; break;
    }
  }
  vcpus_[id].set_return_value(static_cast<std::uint64_t>(static_cast<std::int64_t>(status)));
  return outcome;
}

template <VCpuHal H>
void Vm<H>::power_down(std::uint32_t id) {
  const SpinLockGuard guard(lock_);
  vcpus_[id].stop_turn_tick();
  HardwareListRegisters<H> lrs{vcpus_[id], vcpus_[id].exit_pc()};
  irqs_[id].clear(lrs);
  sysreg::cntv_ctl_el0::write(0);
  asm volatile("isb");
  if (!power_.any_on()) end_run();
}

}  // namespace el2lab
