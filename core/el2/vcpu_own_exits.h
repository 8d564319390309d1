#pragma once
/// \file
/// \brief The exits a vCPU answers by itself, in Aarch64VCpu<H>::run(), without the run loop: a
/// hypercall that needs nothing but the call, a trapped MRS/MSR of a register el2lab models, an
/// MMIO access to a device that needs nothing but itself (MmioDevices), the
/// guest's timer tick when it can go straight into a list register, a WFI only that tick can
/// end, the turn tick, and a trap el2lab does not model (an exception injected into the guest).
///
/// Part of Aarch64VCpu<H> (core/el2/vcpu.h, which includes this file at its end): member
/// definitions kept in their own file, as arm_vcpu keeps its exit handling apart from the vCPU.

#include "core/el2/hardware_list_registers.h"

namespace el2lab {

// A hypercall the vCPU answers by itself, without returning to the run loop: an HVC (an SMC
// is rarer, and may be a firmware call) whose answer needs nothing but the call and this
// vCPU's exit counts (answerable_by_vcpu()), once this vCPU has made more calls than the log
// prints (exits_to_run_loop_), so the log still shows the first ones. Recorded, counted and
// decoded into exit_ exactly as one the run loop answers: the trace ring, the exit counts
// and GDB's view of the last exit are the same either way. Before the decoder, which it
// spares the power-request test and the PC update an HVC does not need.
template <VCpuHal H>
inline bool Aarch64VCpu<H>::answered_here() {
  if (esr::Syndrome(trap_.esr).ec() != esr::ExceptionClass::kHvc64 ||
      exit_counts_[kHypercallKind] < exits_to_run_loop_ || !answerable_by_vcpu(frame_.x[0]))
    return false;
  const Hypercall& call = exit_.emplace<Hypercall>(hypercall_from(frame_.x, false));
  finish(call.function);
  frame_.x[0] = static_cast<std::uint64_t>(answer_call(call, {nullptr, exit_counts_, false}).x0);
  return true;
}

// A trapped MRS or MSR of a register el2lab models (an ID register, an EL1 virtual-memory
// control): emulated by the vCPU itself, without the run loop, once this vCPU has taken more
// exits of that kind than the log prints (exits_to_run_loop_). What it reads or writes is this
// CPU's own (sysreg_emulation.h), so no lock is needed; the run loop's handler would do the
// same. Recorded and counted as every exit (finish()). A register el2lab does not model (the
// guest gets an undefined instruction, and the log says so) and a write of ICC_SGI1R_EL1 (an
// SGI: the VM's business) go to the run loop. \p kind: the exit's; \p key: the register, as the
// decoder returned it.
template <VCpuHal H>
inline bool Aarch64VCpu<H>::emulated_here(std::size_t kind, std::uint32_t key) {
  if (kind - kSysRegReadKind > kSysRegWriteKind - kSysRegReadKind ||
      exit_counts_[kind] < exits_to_run_loop_)
    return false;
  if (kind == kSysRegReadKind) {
    std::uint64_t value = 0;
    if (!emulate_sysreg_read(key, value)) return false;
    set_gpr(exit_as<SysRegRead>(exit_).reg, value);
  } else if (!emulate_sysreg_write(key, exit_as<SysRegWrite>(exit_).value)) {
    return false;
  }
  finish(kind, key);
  return true;
}

// An MMIO exit (\p Access: MmioRead or MmioWrite), counted and recorded with \p argument
// (finish()), then answered here, inline, if it may be: past the log's first exits of its
// kind (exits_to_run_loop_), with no `hv gic` snapshot asked for, and an access to a device
// that touches nothing but itself (MmioDevices: the UART, and the test device once the log is
// done with the kind), under the devices' own lock. False, with nothing else done, leaves the
// exit to the run loop (another device, or an access the device refuses).
template <VCpuHal H>
template <typename Access>
inline bool Aarch64VCpu<H>::handed_to_devices(std::uint64_t argument) {
  constexpr std::size_t kind = exit_index<Access>();
  // (Its count compared before finish() adds this exit: one load for both.)
  const bool past_log = exit_counts_[kind] >= exits_to_run_loop_;
  finish(kind, argument);
  if (!past_log || debug::armed()) return false;
  const Access& access = exit_as<Access>(exit_);
  if constexpr (std::is_same_v<Access, MmioWrite>) {
    return devices_->write_directly(access);
  } else {
    const std::optional<std::uint64_t> value = devices_->read_directly(access);
    if (!value) return false;
    complete_mmio_read(access, *value);
    return true;
  }
}

// The guest's virtual timer made it exit: the vCPU forwards the tick itself, without the run
// loop, when that is all there is to do — past the log's first ticks (exits_to_run_loop_),
// with no `hv gic` snapshot asked for, nothing queued and no list register in use (after
// freeing those the guest finished), and the timer enabled in the virtual distributor. Then
// it does what the run loop would: the guest's finished interrupts reaped, the priority
// dropped, the tick straight into list register 0 (VirtualInterrupts::send()'s direct half,
// without the VM's lock: see direct_delivery()), with the same trace records. The exit was
// recorded and counted already; otherwise run() returns it to the run loop as usual.
template <VCpuHal H>
inline bool Aarch64VCpu<H>::forwarded_here() {
  if (exit_counts_[kInterruptKind] <= exits_to_run_loop_ || debug::armed()) return false;
  HardwareListRegisters<H> lrs{*this, trap_.pc};
  irqs_->reap(lrs);
  const vgic::VirtualGic::Delivery how =
      irqs_->direct_delivery(lrs, *vgic_, id_, gic::kVirtualTimerPpi);
  if (!how.deliverable) return false;
  place_tick(lrs, how);
  return true;
}

// The guest's timer tick, acknowledged at the GIC, into list register 0 as the run loop's
// physical_interrupt() would put it there: the priority dropped, the tick forwarded as this GIC
// forwards it (the list register, held_[0] and the injection's trace record).
template <VCpuHal H>
inline void Aarch64VCpu<H>::place_tick(HardwareListRegisters<H>& lrs,
                                       const vgic::VirtualGic::Delivery& how) {
  H::irq_priority_drop(gic::kVirtualTimerPpi);
  irqs_->send_direct(lrs, gic::kVirtualTimerPpi, timer_source_, how);
}

// The guest waits in WFI (a Halt exit, decoded), and only its timer can end the wait: the vCPU
// sleeps itself, without the run loop — past the log's first WFIs (exits_to_run_loop_), with
// no `hv gic` snapshot asked for, nothing queued for it, the timer enabled, unmasked and
// enabled in the virtual distributor (whether another vCPU could send it an SGI is the run
// loop's question: that takes the power states). The timer first: a vCPU whose timer is off
// (one waiting for an SGI) goes to the run loop after a few instructions.
template <VCpuHal H>
inline bool Aarch64VCpu<H>::sleeps_here() {
  if (!virtual_timer_armed(sysreg::cntv_ctl_el0::read())) return false;
  // (WFE from the syndrome run() holds in a register, not from exit_ just written.)
  if (esr::WfxTrap::decode(esr::Syndrome(trap_.esr).iss()).is_wfe() ||
      exit_counts_[kHaltKind] < exits_to_run_loop_ || debug::armed() ||
      irqs_->pending_unlocked() != 0) {
    return false;
  }
  timer_delivery_ = vgic_->delivery(gic::kVirtualTimerPpi, id_);
  return timer_delivery_.deliverable;
}

// The sleep itself: the exit counted and recorded as finish() does for every exit, then what
// halt() does — the guest's finished interrupts reaped, the turn tick stopped, WFI at EL2 until
// an IRQ is taken (through IRQ_HANDLER) — and if the timer alone woke it, the tick goes straight
// into list register 0 as forwarded_here() puts it. Anything else (a list register still in
// use, another interrupt, something queued meanwhile) goes to the run loop, whose halt()
// handles what was taken while asleep. (Out of line: only a sleeping vCPU pays its frame.)
template <VCpuHal H>
bool Aarch64VCpu<H>::sleep_here() {
  finish(0);
  HardwareListRegisters<H> lrs{*this, trap_.pc};
  irqs_->reap(lrs);
  if (irqs_->in_list_registers()) return false;  // halt()'s waiting() looks at them
  stop_turn_tick();
  CpuLocal& cpu = this_cpu();
  sleep_until_interrupt(cpu);
  // The timer's delivery as sleeps_here() found it: the guest, asleep, has not changed it.
  if (cpu.irq_queue_length != 1 || cpu.irq_queue[0] != gic::kVirtualTimerPpi ||
      irqs_->pending_unlocked() != 0) {
    return false;
  }
  cpu.irq_queue_length = 0;
  lrs.guest_pc = frame_.elr;
  place_tick(lrs, timer_delivery_);
  return true;
}

// The turn tick fired while the guest ran: end the interrupt, start the next period (or
// stop, if this vCPU is alone now), and give the rest of the CPU's turn away.
template <VCpuHal H>
void Aarch64VCpu<H>::take_turn_tick() {
  H::irq_priority_drop(gic::kHypervisorTimerPpi);
  H::irq_deactivate(gic::kHypervisorTimerPpi);
  if (sharing()) {
    turn_tick::arm();
  } else {
    stop_turn_tick();
  }
  turn_tick::yield_turn();
}

// An unmodelled trap becomes the exception the guest would have taken (the PC stays on the
// trapping instruction). Out of line and cold, so the common exits do not pay for inject()'s
// frame.
template <VCpuHal H>
const VmExit& Aarch64VCpu<H>::unhandled_exit(std::uint64_t argument) {
  inject(injection_for(trap_.esr));
  return finish(argument);
}

template <VCpuHal H>
InjectedException Aarch64VCpu<H>::injection_for(std::uint64_t raw_esr) {
  switch (esr::Syndrome(raw_esr).ec()) {
    case esr::ExceptionClass::kDataAbortLower: return InjectedException::kDataAbort;
    case esr::ExceptionClass::kInstrAbortLower: return InjectedException::kInstructionAbort;
    default: return InjectedException::kUndefined;
  }
}

// The exits that are neither a synchronous trap from AArch64 nor an IRQ: decoded into
// exit_; returns the exit's main argument.
template <VCpuHal H>
std::uint64_t Aarch64VCpu<H>::other_exit(std::uint64_t vector) {
  if (vector == kLower32Sync) {
    // An AArch32 EL0 process of the guest trapped (an abort on a non-RAM address);
    // el2lab emulates AArch64 accesses only.
    inject(injection_for(trap_.esr));
    const std::uint64_t ipa = fault_ipa(trap_.hpfar, trap_.far);
    exit_.emplace<Unhandled>(Unhandled{trap_.esr, ipa, "trap from AArch32 EL0"});
    return ipa;
  }
  exit_.emplace<Unhandled>(Unhandled{trap_.esr, 0, "SError from the guest"});
  return 0;
}

// The injection itself: the plan is pure (exception_injection.h), the EL1 registers set here.
template <VCpuHal H>
void Aarch64VCpu<H>::inject(InjectedException kind) {
  const esr::DataAbort abort = esr::DataAbort::decode(esr::Syndrome(trap_.esr).iss());
  const Injection plan = plan_injection(
      kind, GuestTrapState{trap_.pc, frame_.spsr, sysreg::vbar_el1::read(), trap_.far, abort.wnr});
  sysreg::esr_el1::write(plan.esr_el1);
  sysreg::elr_el1::write(plan.elr_el1);
  sysreg::spsr_el1::write(plan.spsr_el1);
  if (plan.sets_far) sysreg::far_el1::write(plan.far_el1);
  frame_.elr = plan.new_pc;
  frame_.spsr = plan.new_pstate;
}

}  // namespace el2lab
