#pragma once
/// \file
/// \brief The handlers of the common exits: calls, trapped system registers, MMIO.
///
/// Part of Vm<H> (core/el2/vm.h, which includes this file at its end): member definitions kept
/// in their own file so each side of the run loop reads on its own. Vm<H>::handle() branches
/// to one of these per exit; each takes the VM's lock only if what it does touches state the
/// vCPUs share, answers the exit, and reports it (one log line while the kind's limit lasts).

namespace el2lab {

// PSCI calls that are not power requests, and el2lab's own hypercalls (calls.h answers).
// Only AFFINITY_INFO reads what the vCPUs share (their power states): it alone takes the lock,
// on a path of its own, so the other calls need no frame for it.
template <VCpuHal H>
void Vm<H>::hypercall_exit(const VmExit& exit, std::uint32_t id) {
  const Hypercall& call = exit_as<Hypercall>(exit);
  if (reads_power_states(call)) [[unlikely]]
    return affinity_info_exit(exit, id);
  const CallAnswer answer =
      answer_call(call, {nullptr, vcpus_[id].exit_counts(), config_.allow_test_faults});
  if (answer.outcome == Outcome::kTestFaultTaken) [[unlikely]]
    return test_fault_exit();
  vcpus_[id].set_return_value(static_cast<std::uint64_t>(answer.x0));
  return report(abi::ExitKind::kHypercall, exit, id, answer.outcome);
}

// The guest asked for the deliberate EL2 fault and the bootargs allow it. Not [[noreturn]]
// itself (and noipa, so the compiler does not find out), so hypercall_exit() branches here
// with a tail call and needs no frame of its own.
template <VCpuHal H>
void Vm<H>::test_fault_exit() {
  fault_at_el2_on_purpose();
}

template <VCpuHal H>
void Vm<H>::affinity_info_exit(const VmExit& exit, std::uint32_t id) {
  CallAnswer answer;
  {
    const SpinLockGuard guard(lock_);
    answer = answer_call(exit_as<Hypercall>(exit), {&power_, {}, false});
  }
  vcpus_[id].set_return_value(static_cast<std::uint64_t>(answer.x0));
  return report(abi::ExitKind::kHypercall, exit, id, answer.outcome);
}

// A trapped read of an ID register (HCR_EL2.TID3) or of an EL1 register (TVM): emulated, or an
// undefined instruction in the guest if el2lab does not model the register.
template <VCpuHal H>
void Vm<H>::sysreg_read_exit(const VmExit& exit, std::uint32_t id) {
  const SysRegRead& r = exit_as<SysRegRead>(exit);
  std::uint64_t value = 0;
  if (!emulate_sysreg_read(r.key, value)) [[unlikely]]
    return sysreg_not_modelled(abi::ExitKind::kSysRegRead, exit, id);
  vcpus_[id].set_gpr(r.reg, value);
  return report(abi::ExitKind::kSysRegRead, exit, id, Outcome::kEmulated);
}

// A trapped write of an EL1 register (TVM): written through to the register.
template <VCpuHal H>
void Vm<H>::sysreg_write_exit(const VmExit& exit, std::uint32_t id) {
  const SysRegWrite& w = exit_as<SysRegWrite>(exit);
  if (!emulate_sysreg_write(w.key, w.value)) [[unlikely]]
    return sysreg_not_modelled(abi::ExitKind::kSysRegWrite, exit, id);
  return report(abi::ExitKind::kSysRegWrite, exit, id, Outcome::kWrittenThrough);
}

// A register el2lab does not model: the guest takes an undefined instruction, as on a CPU
// without it. Out of line, so the emulated accesses need no frame.
template <VCpuHal H>
void Vm<H>::sysreg_not_modelled(abi::ExitKind kind, const VmExit& exit, std::uint32_t id) {
  vcpus_[id].inject(InjectedException::kUndefined);
  return report(kind, exit, id, Outcome::kSysRegNotModelled);
}

/// The exit kind of an MMIO access (MmioRead or MmioWrite).
template <typename Access>
constexpr abi::ExitKind mmio_exit_kind() {
  return std::is_same_v<Access, MmioWrite> ? abi::ExitKind::kMmioWrite : abi::ExitKind::kMmioRead;
}

// An MMIO access the run loop answers (the vCPU answers the common ones itself, past the log's
// first exits: Aarch64VCpu<H>::handed_to_devices()). The device is found on the bus, which is
// written once and so read without a lock. The UART and the test device touch nothing but
// themselves and have their own lock (MmioDevices); the virtual GIC's registers and a HAL's
// device are answered under the VM's lock. Then the access is reported (a log line while the
// kind's limit lasts). (A scope, not a lambda: a backtrace from the device shows no extra
// frames.)
template <VCpuHal H>
template <typename Access>
[[gnu::always_inline]] inline void Vm<H>::answer_mmio(const Access& access, const VmExit& exit,
                                                      std::uint32_t id) {
  const MmioTarget target = devices_.bus().find(access.address);
  ExitOutcome outcome;
  if (MmioDevices::holds(target.device)) {
    outcome = mmio_devices_access(access, target, id);
  } else {
    const SpinLockGuard guard(lock_);
    if constexpr (std::is_same_v<Access, MmioWrite>) {
      outcome = mmio_write(access, target, id);
    } else {
      outcome = mmio_read(access, target, id);
    }
  }
  return report(mmio_exit_kind<Access>(), exit, id, outcome);
}

template <VCpuHal H>
void Vm<H>::mmio_read_exit(const VmExit& exit, std::uint32_t id) {
  return answer_mmio(exit_as<MmioRead>(exit), exit, id);
}

template <VCpuHal H>
void Vm<H>::mmio_write_exit(const VmExit& exit, std::uint32_t id) {
  return answer_mmio(exit_as<MmioWrite>(exit), exit, id);
}

// A physical interrupt made the guest exit: kept or forwarded under the lock (the virtual
// distributor and the interrupt queues are shared); a forwarded one goes into a list register
// in the same locked section, for this very entry.
template <VCpuHal H>
void Vm<H>::interrupt_exit(const VmExit& exit, std::uint32_t id) {
  const auto intid = static_cast<std::uint32_t>(exit_as<ExternalInterrupt>(exit).vector);
  ExitOutcome outcome;
  {
    const SpinLockGuard guard(lock_);
    outcome = physical_interrupt(intid, id);
    deliver_locked(id);
  }
  return report(abi::ExitKind::kExternalInterrupt, exit, id, outcome);
}

// WFI or WFE: how a guest idles, so common too. The vCPU may sleep in halt(), which lets go
// of the lock meanwhile; what woke it goes into a list register before the lock is released.
template <VCpuHal H>
void Vm<H>::halt_exit(const VmExit& exit, std::uint32_t id) {
  ExitOutcome outcome;
  {
    UniqueSpinLock guard(lock_);
    outcome = halt(exit_as<Halt>(exit), id, guard);
    deliver_locked(id);
  }
  return report(abi::ExitKind::kHalt, exit, id, outcome);
}

// The exits that are not on any hot path (CPU_ON/OFF, SYSTEM_OFF, SGIs, injected exceptions,
// a refused entry): they all touch shared state, so the lock is held throughout.
template <VCpuHal H>
void Vm<H>::rare_exit(const VmExit& exit, std::uint32_t id, abi::ExitKind kind) {
  const SpinLockGuard guard(lock_);
  ExitOutcome outcome;
  switch (kind) {
    case abi::ExitKind::kCpuUp: outcome = cpu_up(*std::get_if<CpuUp>(&exit), id); break;
    case abi::ExitKind::kCpuDown:
      power_.cpu_off(id);
      set_sharing(vcpus_not_off() > 1);
      outcome.what = power_.any_on() ? Outcome::kCpuOffWaits : Outcome::kLastVcpuOff;
      break;
    case abi::ExitKind::kSystemDown: report(kind, exit, id, Outcome::kPoweredOff); end_run();
    case abi::ExitKind::kSendIpi: {
      const SendIpi& ipi = *std::get_if<SendIpi>(&exit);
      outcome = send_sgi(vgic::sgi_targets(ipi, id, power_.mpidrs()),
                         static_cast<std::uint32_t>(ipi.vector), id);
      break;
    }
    case abi::ExitKind::kUnhandled: outcome.what = Outcome::kExceptionInjected; break;
    case abi::ExitKind::kFailEntry:
      // Only a hypervisor bug can corrupt the saved PSTATE: stop before it does harm.
      report(kind, exit, id, Outcome::kRefusingEntry);
      panic("the guest could not be entered");
    default: return;
  }
  report(kind, exit, id, outcome);
}

// ---- devices: one bus table -------------------------------------------------------------------

// The UART and the test device (MmioDevices: under their own lock).
template <VCpuHal H>
template <typename Access>
[[gnu::always_inline]] inline ExitOutcome Vm<H>::mmio_devices_access(const Access& access,
                                                                     MmioTarget target,
                                                                     std::uint32_t id) {
  if constexpr (std::is_same_v<Access, MmioWrite>) {
    if (!devices_.write(target, access.width, access.data)) return no_device(id, target.device);
  } else {
    const std::optional<std::uint64_t> value = devices_.read(target, access.width);
    if (!value) return no_device(id, target.device);
    vcpus_[id].complete_mmio_read(access, *value);
  }
  // The console's own traffic is answered without a log line (it is what the guest prints).
  return {target.device == MmioDevice::kUart ? Outcome::kNone : Outcome::kEmulated};
}

// The devices under the VM's lock: the virtual GIC's registers and the HAL's device.
template <VCpuHal H>
[[gnu::always_inline]] inline ExitOutcome Vm<H>::mmio_read(const MmioRead& r, MmioTarget target,
                                                           std::uint32_t id) {
  std::optional<std::uint64_t> value;
  switch (target.device) {
    case MmioDevice::kDistributor:
      value = vgic_.distributor_read(target.offset, r.width, id);
      break;
    case MmioDevice::kRedistributors:
      value = vgic_.redistributor_read(target.offset, r.width);
      break;
    case MmioDevice::kHalDevice: value = hal_device_read(target.offset, r.width); break;
    default: break;
  }
  if (!value) return no_device(id, target.device);
  vcpus_[id].complete_mmio_read(r, *value);
  return {Outcome::kEmulated};
}

template <VCpuHal H>
[[gnu::always_inline]] inline ExitOutcome Vm<H>::mmio_write(const MmioWrite& w, MmioTarget target,
                                                            std::uint32_t id) {
  bool ok = false;
  switch (target.device) {
    case MmioDevice::kDistributor: {
      vgic::SgiRequest sgi;
      ok = vgic_.distributor_write(target.offset, w.width, w.data, id, &sgi);
      if (ok && sgi.valid) {  // GICD_SGIR: GICv2's way to send an SGI
        return send_sgi(vgic::sgi_targets(sgi, id, config_.vcpu_count), sgi.intid, id);
      }
      break;
    }
    case MmioDevice::kRedistributors:
      ok = vgic_.redistributor_write(target.offset, w.width, w.data);
      break;
    case MmioDevice::kHalDevice: ok = hal_device_write(target.offset, w.width, w.data); break;
    default: break;
  }
  if (!ok) return no_device(id, target.device);
  return {Outcome::kEmulated};
}

template <VCpuHal H>
std::optional<std::uint64_t> Vm<H>::hal_device_read(std::uint64_t offset, unsigned width) {
  if constexpr (HalHasGuestDevice<H>) {
    return H::guest_device_read(offset, width);
  } else {
    return std::nullopt;
  }
}

template <VCpuHal H>
bool Vm<H>::hal_device_write(std::uint64_t offset, unsigned width, std::uint64_t value) {
  if constexpr (HalHasGuestDevice<H>) {
    return H::guest_device_write(offset, width, value);
  } else {
    return false;
  }
}

template <VCpuHal H>
ExitOutcome Vm<H>::no_device(std::uint32_t id, MmioDevice device) {
  vcpus_[id].inject(InjectedException::kDataAbort);
  return {device == MmioDevice::kNone ? Outcome::kNoDevice : Outcome::kAccessRefused};
}

}  // namespace el2lab
