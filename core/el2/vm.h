#pragma once
/// \file
/// \brief The VM and its run loop: the VMM side of every exit (what axvisor does above
/// arm_vcpu). Aarch64VCpu<H>::run() says *why* the guest stopped; Vm<H>::run() decides *what
/// happens next*: emulate the device, answer the call, inject an exception, or end the run.

#include <cstdint>
#include <variant>

#include "core/el2/console.h"
#include "core/el2/firmware.h"
#include "core/el2/gic_driver.h"
#include "core/el2/panic.h"
#include "core/el2/sysreg_emulation.h"
#include "core/el2/vcpu.h"
#include "core/portable/devices/pl011_emulation.h"
#include "core/portable/devices/test_device.h"
#include "core/portable/gic.h"
#include "core/portable/guest_abi.h"
#include "core/portable/psci.h"
#include "core/portable/vgic.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \defgroup vmm Run loop
/// \brief Handling each VM exit: devices, PSCI, hypercalls, injection.
/// \{

/// What the run loop needs to know about the VM it runs.
struct VmConfig {
  std::uint64_t uart_ipa = 0;             ///< Where the guest's (emulated) PL011 is.
  GicVersion gic = GicVersion::kUnknown;  ///< The GIC the guest sees (the board's).
  std::uint64_t gicd_ipa = 0;             ///< The guest's distributor (emulated).
  std::uint64_t gicr_ipa = 0;             ///< The guest's redistributors (GICv3, emulated).
  bool allow_test_faults = false;         ///< Honour abi::Hypercall::kTestFaultAtEl2.
  std::uint32_t exits_logged = 12;        ///< Exits of each kind printed before only counting.
};

/// \cond INTERNAL
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;
/// \endcond

/// \brief A VM with one vCPU, its emulated devices and its run loop.
template <VCpuHal H>
class Vm {
 public:
  /// A VM around \p vcpu with \p config.
  Vm(Aarch64VCpu<H>& vcpu, const VmConfig& config)
      : vcpu_(vcpu), config_(config), uart_(guest_console_put), vgic_(config.gic, 1) {}

  /// Runs the vCPU until the guest ends the VM. Does not return.
  [[noreturn]] void run() {
    log("running vCPU ", vcpu_.id(), " with HAL ", H::name());
    for (;;) {
      deliver_virtual_interrupts();
      const VmExit exit = vcpu_.run();
      reap_list_registers();
      set_exit_in_progress({exit_name(exit), vcpu_.exit_esr(), vcpu_.exit_pc()});
      handle(exit);
      set_exit_in_progress({});
    }
  }

 private:
  [[gnu::noinline]] void handle(const VmExit& exit) {
    std::visit(
        Overloaded{
            [&](const Hypercall& c) { report(exit, hypercall(c)); },
            [&](const MmioRead& r) { mmio_read(exit, r); },
            [&](const MmioWrite& w) { mmio_write(exit, w); },
            [&](const SysRegRead& r) {
              if (auto value = emulate_sysreg_read(r.key)) {
                vcpu_.set_gpr(r.reg, *value);
                report(exit, "emulated");
              } else {
                vcpu_.inject(InjectedException::kUndefined);
                report(exit, "not modelled: undefined instruction injected", true);
              }
            },
            [&](const SysRegWrite& w) {
              if (emulate_sysreg_write(w.key, w.value)) {
                report(exit, "written through");
              } else {
                vcpu_.inject(InjectedException::kUndefined);
                report(exit, "not modelled: undefined instruction injected", true);
              }
            },
            [&](const ExternalInterrupt& irq) {
              report(exit, physical_interrupt(static_cast<std::uint32_t>(irq.vector)));
            },
            [&](const CpuUp& up) { report(exit, cpu_up(up)); },
            [&](const CpuDown&) {
              report(exit, "the VM's only vCPU is off: ending the run", true);
              end_run();
            },
            [&](const SystemDown&) {
              report(exit, "guest powered the VM off", true);
              end_run();
            },
            [&](const SendIpi& ipi) { report(exit, send_ipi(ipi)); },
            [&](const Halt&) { report(exit, halt()); },
            [&](const Nothing&) {},
            [&](const FailEntry&) {
              // Only a hypervisor bug can corrupt the saved PSTATE: stop before it does harm.
              report(exit, "refusing to enter the guest", true);
              panic("the guest could not be entered");
            },
            [&](const Unhandled&) { report(exit, "exception injected into the guest", true); },
        },
        exit);
  }

  // PSCI calls that are not power requests, and el2lab's own hypercalls.
  std::string_view hypercall(const Hypercall& call) {
    const auto function = static_cast<std::uint32_t>(call.function);
    auto answer = [&](std::int64_t value) {
      vcpu_.set_return_value(static_cast<std::uint64_t>(value));
    };
    switch (function) {
      case static_cast<std::uint32_t>(psci::Function::kVersion):
        answer(psci::kVersion1_1);
        return "PSCI 1.1";
      case static_cast<std::uint32_t>(psci::Function::kFeatures):
        answer(psci_feature(static_cast<std::uint32_t>(call.args[0])));
        return "answered";
      case static_cast<std::uint32_t>(psci::Function::kAffinityInfo32):
      case static_cast<std::uint32_t>(psci::Function::kAffinityInfo64):
        answer(affinity_info(call.args[0], call.args[1]));
        return "answered";
      case static_cast<std::uint32_t>(psci::Function::kMigrateInfoType):
        answer(2);  // no Trusted OS that would need migrating
        return "no Trusted OS";
      case static_cast<std::uint32_t>(abi::Hypercall::kExitCount): {
        const auto kind = static_cast<abi::ExitKind>(call.args[0]);
        // The count includes this call; the ABI promises it does not.
        std::uint64_t count = vcpu_.exit_count(kind);
        if (kind == abi::ExitKind::kHypercall && count > 0) --count;
        answer(static_cast<std::int64_t>(count));
        return "exit count";
      }
      case static_cast<std::uint32_t>(abi::Hypercall::kNop): answer(0); return "nop";
      case static_cast<std::uint32_t>(abi::Hypercall::kTestFaultAtEl2):
        if (config_.allow_test_faults) fault_at_el2_on_purpose();
        answer(abi::kNotSupported);
        return "refused: booted without el2lab.test_faults";
      default: answer(abi::kNotSupported); return "not implemented: NOT_SUPPORTED";
    }
  }

  static std::int64_t psci_feature(std::uint32_t function) {
    switch (static_cast<psci::Function>(function)) {
      case psci::Function::kVersion:
      case psci::Function::kFeatures:
      case psci::Function::kCpuOn32:
      case psci::Function::kCpuOn64:
      case psci::Function::kCpuOff:
      case psci::Function::kAffinityInfo32:
      case psci::Function::kAffinityInfo64:
      case psci::Function::kMigrateInfoType:
      case psci::Function::kSystemOff:
      case psci::Function::kSystemReset: return static_cast<std::int64_t>(psci::Status::kSuccess);
      default: return static_cast<std::int64_t>(psci::Status::kNotSupported);
    }
  }

  // AFFINITY_INFO: 0 = ON, 1 = OFF; only level 0 (a single vCPU) is supported.
  std::int64_t affinity_info(std::uint64_t mpidr, std::uint64_t level) const {
    constexpr std::uint64_t kAffinityMask = 0xff'00ff'ffff;
    if (level != 0) return static_cast<std::int64_t>(psci::Status::kInvalidParameters);
    if ((mpidr & kAffinityMask) == (vcpu_.mpidr() & kAffinityMask)) return 0;
    return static_cast<std::int64_t>(psci::Status::kInvalidParameters);
  }

  std::string_view cpu_up(const CpuUp& up) {
    constexpr std::uint64_t kAffinityMask = 0xff'00ff'ffff;
    if ((up.target_mpidr & kAffinityMask) == (vcpu_.mpidr() & kAffinityMask)) {
      vcpu_.set_return_value(static_cast<std::uint64_t>(psci::Status::kAlreadyOn));
      return "ALREADY_ON";
    }
    vcpu_.set_return_value(static_cast<std::uint64_t>(psci::Status::kInvalidParameters));
    return "no such vCPU: INVALID_PARAMETERS";
  }

  void mmio_read(const VmExit& exit, const MmioRead& r) {
    std::optional<std::uint64_t> value;
    const bool console = in(r.address, config_.uart_ipa, 0x1000);
    if (console) {
      value = uart_.read(r.address - config_.uart_ipa, r.width);
    } else if (in(r.address, config_.gicd_ipa, kDistributorSize)) {
      value = vgic_.distributor_read(r.address - config_.gicd_ipa, r.width, vcpu_.id());
    } else if (config_.gicr_ipa != 0 &&
               in(r.address, config_.gicr_ipa, vgic::VirtualGic::kRedistributorStride)) {
      value = vgic_.redistributor_read(r.address - config_.gicr_ipa, r.width);
    } else if (in(r.address, abi::test_device::kBase, abi::test_device::kSize)) {
      value = test_device_.read(r.address - abi::test_device::kBase, r.width);
    }
    if (!value) return no_device(exit);
    vcpu_.complete_mmio_read(r, *value);
    if (!console) report(exit, "emulated");
  }

  void mmio_write(const VmExit& exit, const MmioWrite& w) {
    bool ok = false;
    const bool console = in(w.address, config_.uart_ipa, 0x1000);
    if (console) {
      ok = uart_.write(w.address - config_.uart_ipa, w.width, w.data);
    } else if (in(w.address, config_.gicd_ipa, kDistributorSize)) {
      vgic::SgiRequest sgi;
      ok = vgic_.distributor_write(w.address - config_.gicd_ipa, w.width, w.data, vcpu_.id(), &sgi);
      if (sgi.valid) send_sgi_v2(sgi);
    } else if (config_.gicr_ipa != 0 &&
               in(w.address, config_.gicr_ipa, vgic::VirtualGic::kRedistributorStride)) {
      ok = vgic_.redistributor_write(w.address - config_.gicr_ipa, w.width, w.data);
    } else if (in(w.address, abi::test_device::kBase, abi::test_device::kSize)) {
      ok = test_device_.write(w.address - abi::test_device::kBase, w.width, w.data);
    }
    if (!ok) return no_device(exit);
    if (!console) report(exit, "emulated");
  }

  // ---- interrupts -------------------------------------------------------------------------

  static constexpr std::uint64_t kDistributorSize = 0x10000;

  struct VirtualIrq {
    std::uint32_t intid;
    bool hw;  // forwarded physical interrupt: the guest's EOI deactivates it
  };

  // How a physical interrupt is forwarded. GICv3: with the list register's HW bit, so the
  // guest's EOI deactivates it in hardware. GICv2: in software — QEMU 7.2's GICv2 model does
  // not re-evaluate a level interrupt deactivated through a HW list register, so a tick that
  // came while it was active would be lost. There the list register asks for a maintenance
  // interrupt on the guest's EOI, and the hypervisor deactivates the physical one itself.
  bool forward_in_hardware() const { return config_.gic == GicVersion::kV3; }

  // A physical interrupt the HAL acknowledged: keep it or forward it to the guest.
  std::string_view physical_interrupt(std::uint32_t intid) {
    if (intid == gic::kSpurious) return "spurious: nothing to do";
    gic::priority_drop(intid);
    if (intid == gic::kVirtualTimerPpi) {
      // The guest's own timer: forwarded, and left active until the guest's EOI.
      queue_virtual(intid, forward_in_hardware());
      return "virtual timer: forwarded to the guest";
    }
    if (intid == gic::kMaintenancePpi) {
      reap_list_registers();  // clears the EOI'd entries, which lowers the maintenance line
      gic::deactivate(intid);
      return "maintenance: the guest finished an interrupt";
    }
    gic::deactivate(intid);
    return "not the guest's: deactivated";
  }

  void queue_virtual(std::uint32_t intid, bool hw) {
    for (std::size_t i = 0; i < pending_count_; ++i) {
      if (pending_[i].intid == intid) return;  // already pending: interrupts do not stack
    }
    if (pending_count_ < pending_.size()) pending_[pending_count_++] = {intid, hw};
  }

  // Moves pending virtual interrupts the guest has enabled into free list registers.
  void deliver_virtual_interrupts() {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pending_count_; ++i) {
      const VirtualIrq irq = pending_[i];
      const int lr = irq_deliverable(irq.intid) ? free_list_register() : -1;
      if (lr < 0) {
        pending_[kept++] = irq;
        continue;
      }
      gic::ListEntry entry;
      entry.virtual_id = irq.intid;
      entry.physical_id = irq.hw ? irq.intid : 0;
      entry.hw = irq.hw;
      entry.priority = vgic_.priority(irq.intid, vcpu_.id());
      entry.group1 = vgic_.group1(irq.intid, vcpu_.id());
      entry.state = gic::LrState::kPending;
      // A software-forwarded physical interrupt: be told when the guest is done with it.
      const bool physical = irq.intid == gic::kVirtualTimerPpi;
      entry.eoi_maintenance = physical && !irq.hw;
      gic::write_list_register(static_cast<unsigned>(lr), entry);
      lr_intid_[static_cast<std::size_t>(lr)] = irq.intid + 1;
      lr_deactivate_[static_cast<std::size_t>(lr)] = entry.eoi_maintenance ? irq.intid + 1 : 0;
      trace_event(trace::Kind::kIrqInjected, irq.intid, static_cast<std::uint64_t>(lr),
                  vcpu_.frame().elr, vcpu_.id());
    }
    pending_count_ = kept;
  }

  bool irq_deliverable(std::uint32_t intid) const { return vgic_.deliverable(intid, vcpu_.id()); }

  int free_list_register() const {
    const unsigned count = gic::list_register_count();
    for (unsigned n = 0; n < count && n < lr_intid_.size(); ++n) {
      if (lr_intid_[n] == 0) return static_cast<int>(n);
    }
    return -1;
  }

  // A list register the guest has finished with (state back to invalid) is free again.
  void reap_list_registers() {
    const unsigned count = gic::list_register_count();
    for (unsigned n = 0; n < count && n < lr_intid_.size(); ++n) {
      if (lr_intid_[n] == 0) continue;
      if (gic::read_list_register(n).state == gic::LrState::kInvalid) {
        trace_event(trace::Kind::kGuestEoi, lr_intid_[n] - 1, n, vcpu_.exit_pc(), vcpu_.id());
        // Clear the whole entry, not just its state: a stale interrupt ID left in an empty list
        // register must not be mistaken for a live one by the GIC.
        gic::write_list_register(n, gic::ListEntry{});
        if (lr_deactivate_[n] != 0) gic::deactivate(lr_deactivate_[n] - 1);
        lr_intid_[n] = 0;
        lr_deactivate_[n] = 0;
      }
    }
  }

  bool interrupt_waiting() const {
    for (std::size_t i = 0; i < pending_count_; ++i) {
      if (irq_deliverable(pending_[i].intid)) return true;
    }
    const unsigned count = gic::list_register_count();
    for (unsigned n = 0; n < count && n < lr_intid_.size(); ++n) {
      if (lr_intid_[n] != 0 && gic::read_list_register(n).state == gic::LrState::kPending)
        return true;
    }
    return false;
  }

  // WFI/WFE: if nothing is waiting for the guest, sleep at EL2 with IRQs unmasked until a
  // physical interrupt arrives. It is taken at EL2 (current-EL IRQ vector), dispatched through
  // IRQ_HANDLER to H::irq_handler(), which queues it; the run loop then handles the queue.
  // If nothing could ever wake the vCPU (its virtual timer is off or masked, or the guest has
  // not enabled the timer's interrupt), the WFI completes at once — the architecture lets WFI
  // complete spuriously — rather than park the physical CPU forever.
  std::string_view halt() {
    if (interrupt_waiting()) return "an interrupt is waiting: resumed";
    if (!virtual_timer_can_fire()) return "nothing can wake the vCPU: WFI completes at once";
    CpuLocal& cpu = this_cpu();
    // WFI with IRQs still masked (it wakes on a pending interrupt all the same), then open a
    // window to take it. Unmasking first would lose an IRQ that arrives just before the WFI:
    // it would be taken, and the WFI would then sleep with nothing left to wake it.
    while (cpu.irq_queue_length == 0) {
      asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
    }
    std::string_view outcome = "woke on an interrupt";
    for (std::uint32_t i = 0; i < cpu.irq_queue_length; ++i) {
      outcome = physical_interrupt(cpu.irq_queue[i]);
    }
    cpu.irq_queue_length = 0;
    return outcome;
  }

  bool virtual_timer_can_fire() const {
    std::uint64_t ctl;
    asm volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
    constexpr std::uint64_t kEnable = 1, kImask = 2;
    return (ctl & (kEnable | kImask)) == kEnable && irq_deliverable(gic::kVirtualTimerPpi);
  }

  // One vCPU: an IPI can only be for the sender itself.
  std::string_view send_ipi(const SendIpi& ipi) {
    const bool to_self =
        ipi.send_to_self || ((ipi.target_cpu == (vcpu_.mpidr() & 0xff'ff00)) &&
                             ((ipi.target_list >> (vcpu_.mpidr() & 0xf)) & 1) != 0);
    if (!to_self || ipi.send_to_all) return "no other vCPU to interrupt";
    queue_virtual(static_cast<std::uint32_t>(ipi.vector), false);
    return "SGI queued for this vCPU";
  }

  void send_sgi_v2(const vgic::SgiRequest& sgi) {
    if (sgi.filter == 2 || (sgi.filter == 0 && (sgi.target_list & 1) != 0))
      queue_virtual(sgi.intid, false);
  }

  void no_device(const VmExit& exit) {
    vcpu_.inject(InjectedException::kDataAbort);
    report(exit, "no device there: external abort injected", true);
  }

  static bool in(std::uint64_t address, std::uint64_t base, std::uint64_t size) {
    return address >= base && address - base < size;
  }

  // One line per exit, up to config_.exits_logged of each kind, so every kind of exit shows up
  // decoded without a busy guest flooding the log; the console's own traffic is not logged.
  void report(const VmExit& exit, std::string_view outcome, bool always = false) {
    const std::uint32_t seen = ++exits_seen_[exit.index()];
    if (seen <= config_.exits_logged || always) {
      log("exit ", describe_exit(exit).view(), " at PC ", fmt::Hex{vcpu_.exit_pc()}, ": ", outcome);
    } else if (seen == config_.exits_logged + 1) {
      log("(further ", exit_name(exit),
          " exits are counted, not printed: see the summary at the end)");
    }
  }

  [[noreturn]] void fault_at_el2_on_purpose() {
    log("test hypercall: faulting at EL2 on purpose (bootargs allow it)");
    // Beyond the physical address range: with the EL2 MMU off this is an address size fault,
    // a data abort taken at EL2, which the panic report then explains.
    volatile auto* nowhere = reinterpret_cast<volatile std::uint64_t*>(0xffff'0000'0000'0000);
    (void)*nowhere;
    panic("the deliberate EL2 fault did not fault");
  }

  [[noreturn]] void end_run() {
    guest_console_flush();
    log("exits taken by vCPU ", vcpu_.id(), ":");
    for (std::size_t kind = 0; kind < static_cast<std::size_t>(abi::ExitKind::kCount); ++kind) {
      const std::uint64_t count = vcpu_.exit_count(static_cast<abi::ExitKind>(kind));
      if (count != 0) log("  ", fmt::Padded{kExitKindNames[kind], 18}, count);
    }
    log("console: ", uart_.bytes_sent(), " bytes from the guest; powering the machine off");
    firmware::system_off();
  }

  static constexpr std::string_view kExitKindNames[] = {
      "Hypercall", "MmioRead", "MmioWrite",  "SysRegRead", "SysRegWrite", "ExternalInterrupt",
      "CpuUp",     "CpuDown",  "SystemDown", "SendIPI",    "Halt",        "Nothing",
      "FailEntry", "Unhandled"};
  static_assert(std::size(kExitKindNames) == static_cast<std::size_t>(abi::ExitKind::kCount));

  Aarch64VCpu<H>& vcpu_;
  VmConfig config_;
  devices::Pl011Emulation uart_;
  vgic::VirtualGic vgic_;
  std::array<VirtualIrq, 16> pending_{};
  std::size_t pending_count_ = 0;
  std::array<std::uint32_t, 16> lr_intid_{};       // INTID + 1 held by each list register; 0 = free
  std::array<std::uint32_t, 16> lr_deactivate_{};  // physical INTID + 1 to deactivate on EOI
  devices::TestDevice test_device_;
  std::array<std::uint32_t, std::variant_size_v<VmExit>> exits_seen_{};
};

/// \}

}  // namespace el2lab
