#pragma once
/// \file
/// \brief The VM's interrupt side: the list registers between exits, physical interrupts the HAL
/// acknowledged, SGIs between vCPUs, and WFI (a vCPU that sleeps at EL2 until an interrupt
/// wakes it).
///
/// Part of Vm<H> (core/el2/vm.h, which includes this file at its end): member definitions kept
/// in their own file so each side of the run loop reads on its own.

namespace el2lab {

// Its own function, so the run loop keeps no registers for it.
template <VCpuHal H>
void Vm<H>::reap(std::uint32_t id) {
  HardwareListRegisters<H> lrs{vcpus_[id], vcpus_[id].exit_pc()};
  irqs_[id].reap(lrs);
}

template <VCpuHal H>
void Vm<H>::deliver(std::uint32_t id) {
  const SpinLockGuard guard(lock_);
  deliver_locked(id);
}

// An exit that queued interrupts for its own vCPU delivers them at once, without taking the
// lock a second time.
template <VCpuHal H>
[[gnu::always_inline]] inline void Vm<H>::deliver_locked(std::uint32_t id) {
  if (irqs_[id].pending_unlocked() == 0) return;
  HardwareListRegisters<H> lrs{vcpus_[id], vcpus_[id].frame().elr};
  irqs_[id].deliver(lrs, vgic_, id);
}

// Inline in interrupt_exit(): as a function of its own it cost that exit ~30 instructions.
template <VCpuHal H>
[[gnu::always_inline]] inline ExitOutcome Vm<H>::physical_interrupt(std::uint32_t intid,
                                                                    std::uint32_t id) {
  if (intid == gic::kSpurious) return {Outcome::kSpurious};
  H::irq_priority_drop(intid);
  if (intid == gic::kVirtualTimerPpi) {
    // The guest's own timer: forwarded, and left active until the guest's EOI. Straight into a
    // list register if nothing else is in flight (VirtualInterrupts::send()).
    HardwareListRegisters<H> lrs{vcpus_[id], vcpus_[id].frame().elr};
    if (!irqs_[id].send(lrs, vgic_, id, intid, forwarding())) {
      H::irq_deactivate(intid);
      return {Outcome::kTimerDropped};
    }
    return {Outcome::kTimerForwarded};
  }
  H::irq_deactivate(intid);
  // A maintenance interrupt: the EOI'd entries were reaped on the way here, which lowered
  // the maintenance line.
  if (intid == gic::kMaintenancePpi) return {Outcome::kMaintenance};
  if (intid == gic::kKickSgi) return {Outcome::kKick};
  return {Outcome::kNotTheGuests};
}

template <VCpuHal H>
ExitOutcome Vm<H>::send_sgi(vgic::VCpuMask targets, std::uint32_t intid, std::uint32_t sender) {
  // GICv2 guests read the sender in GICC_IAR; GICv3 list registers have no such field.
  const auto source = static_cast<std::uint8_t>(config_.gic == GicVersion::kV2 ? sender : 0);
  std::uint32_t reached = 0;
  for (std::uint32_t left = sgi_recipients(targets, power_); left != 0; left &= left - 1) {
    const auto t = static_cast<std::uint32_t>(std::countr_zero(left));
    if (!irqs_[t].queue(intid, vgic::VirtualInterrupts::Source::kVirtual, source)) continue;
    if (t != sender) H::send_kick(t);
    reached |= 1u << t;
  }
  return {reached != 0 ? Outcome::kSgiSent : Outcome::kSgiNobody, static_cast<std::uint16_t>(intid),
          reached};
}

template <VCpuHal H>
inline ExitOutcome Vm<H>::halt(const Halt& halt, std::uint32_t id, UniqueSpinLock& guard) {
  CpuLocal& cpu = this_cpu();
  // Interrupts taken at EL2 still to be handled: the vCPU slept in run() already
  // (Aarch64VCpu::slept_here()) and woke to more than its timer. Handled below, as if it had
  // slept here.
  if (cpu.irq_queue_length == 0) {
    HaltFacts facts{halt.wfe};
    if (!facts.wfe) {
      HardwareListRegisters<H> lrs{vcpus_[id], vcpus_[id].exit_pc()};
      facts.interrupt_waiting = irqs_[id].waiting(lrs, vgic_, id);
      const std::uint64_t cntv_ctl = sysreg::cntv_ctl_el0::read();
      facts.timer_can_fire =
          virtual_timer_can_fire(cntv_ctl, vgic_.deliverable(gic::kVirtualTimerPpi, id));
      facts.another_vcpu_on = another_vcpu_on(id, power_);
    }
    switch (halt_action(facts)) {
      case HaltAction::kCompleteWfe: return {Outcome::kWfeCompletes};
      case HaltAction::kResume: return {Outcome::kInterruptWaiting};
      case HaltAction::kCompleteAtOnce: return {Outcome::kNothingCanWake};
      case HaltAction::kSleep: break;
    }
    // Asleep in WFI the CPU gives its turn away by itself; the tick would only wake it.
    vcpus_[id].stop_turn_tick();
    guard.unlock();
    sleep_until_interrupt(cpu);
    guard.lock();
  }
  ExitOutcome outcome{Outcome::kWoke};
  for (std::uint32_t i = 0; i < cpu.irq_queue_length; ++i) {
    outcome = physical_interrupt(cpu.irq_queue[i], id);
  }
  cpu.irq_queue_length = 0;
  return outcome;
}

}  // namespace el2lab
