#pragma once
/// \file
/// \brief The VM and its run loop: the VMM side of every exit (what axvisor does above
/// arm_vcpu). Aarch64VCpu<H>::run() says *why* the guest stopped; Vm<H> decides *what happens
/// next*: emulate the device, answer the call, inject an exception, start or stop a vCPU, or
/// end the run.
///
/// Each vCPU is pinned to the physical CPU with its index: physical CPU n runs serve(n), which
/// waits until the guest switches vCPU n on (PSCI CPU_ON; vCPU 0 is on from the start), runs it
/// until it is switched off, and waits again. What the vCPUs share — the virtual distributor,
/// the power states, each vCPU's queue of pending virtual interrupts, a HAL's device — is
/// guarded by one lock, taken by the exits that touch it (not by a PSCI_VERSION or a trapped
/// system register) and never held while a guest runs or sleeps. The UART and the test device,
/// which touch nothing else, have a lock of their own (MmioDevices).
/// A physical CPU that queues an interrupt for another vCPU, or switches one on, sends that
/// vCPU's physical CPU the kick SGI, which makes it leave its guest (an IRQ exit) or wake from
/// WFI, and look again.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <utility>
#include <variant>

#include "core/el2/console.h"
#include "core/el2/cpu_local.h"
#include "core/el2/debug_block.h"
#include "core/el2/firmware.h"
#include "core/el2/hardware_list_registers.h"
#include "core/el2/mmio_devices.h"
#include "core/el2/panic.h"
#include "core/el2/spinlock.h"
#include "core/el2/sysreg_emulation.h"
#include "core/el2/vcpu.h"
#include "core/portable/calls.h"
#include "core/portable/exit_outcome.h"
#include "core/portable/gic.h"
#include "core/portable/gic_registers.h"
#include "core/portable/guest_abi.h"
#include "core/portable/hal_guest_device.h"
#include "core/portable/halt_policy.h"
#include "core/portable/psci.h"
#include "core/portable/read_once.h"
#include "core/portable/sgi_routing.h"
#include "core/portable/vcpu_power.h"
#include "core/portable/vgic.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \defgroup vmm Run loop
/// \brief Handling each VM exit: devices, PSCI, hypercalls, injection, SMP.
/// \{

/// What the run loop needs to know about the VM it runs.
struct VmConfig {
  std::uint32_t vcpu_count = 1;           ///< vCPUs (vCPU n runs on physical CPU n).
  std::uint64_t vttbr = 0;                ///< Stage-2 root and VMID, shared by every vCPU.
  std::uint64_t vtcr = 0;                 ///< Stage-2 regime (VTCR_EL2), likewise.
  std::uint64_t ram_base = 0;             ///< Guest RAM (IPA): where CPU_ON entry points may be.
  std::uint64_t ram_size = 0;             ///< Its size.
  std::uint64_t uart_ipa = 0;             ///< Where the guest's (emulated) PL011 is.
  GicVersion gic = GicVersion::kUnknown;  ///< The GIC the guest sees (the board's).
  std::uint64_t gicd_ipa = 0;             ///< The guest's distributor (emulated).
  std::uint64_t gicr_ipa = 0;             ///< The guest's redistributors (GICv3, emulated).
  bool allow_test_faults = false;         ///< Honour abi::Hypercall::kTestFaultAtEl2.
  std::uint32_t exits_logged = 12;        ///< Exits of each kind printed before only counting.
};

/// \brief A VM: its vCPUs, their power states and virtual interrupts, its emulated devices,
/// and the run loop each physical CPU runs for its vCPU.
template <VCpuHal H>
class Vm {
 public:
  /// Most vCPUs a VM may have.
  static constexpr std::uint32_t kMaxVcpus = VCpuPowerTable::kMaxVcpus;
  static_assert(vgic::VirtualGic::kMaxVcpus >= kMaxVcpus, "the virtual GIC serves every vCPU");
  static_assert(sizeof(Aarch64VCpu<H>) == alignof(Aarch64VCpu<H>),
                "a vCPU fills its alignment exactly: vcpus_[id] is a shift (see Aarch64VCpu)");
  static_assert(sizeof(vgic::VirtualInterrupts) == alignof(vgic::VirtualInterrupts),
                "irqs_[id] is a shift (see VirtualInterrupts)");

  /// A VM of \p config.vcpu_count vCPUs; vCPU 0 will start at \p boot, the others stay off
  /// until the guest switches them on with PSCI CPU_ON.
  Vm(const VmConfig& config, const StartRequest& boot)
      : config_(clamped(config)),
        power_(std::span<const std::uint64_t>(make_mpidrs()).first(config_.vcpu_count)),
        devices_(log_done_.data()),
        vgic_(config_.gic, config_.vcpu_count),
        vcpus_(make_vcpus(config_, std::make_index_sequence<kMaxVcpus>{})) {
    power_.cpu_on(power_.mpidr(0), boot);
    for (std::uint32_t t = 0; t < kMaxVcpus; ++t) {
      vcpus_[t].attach_interrupts(&irqs_[t], &vgic_, forwarding());
      vcpus_[t].attach_devices(&devices_);
    }
    // The guest's MMIO bus, written once: every MMIO exit is looked up here.
    MmioBus& bus = devices_.bus();
    bus.add(config_.uart_ipa, kUartSize, MmioDevice::kUart);
    bus.add(config_.gicd_ipa, kDistributorSize, MmioDevice::kDistributor);
    if (config_.gicr_ipa != 0) {
      bus.add(config_.gicr_ipa, vgic::VirtualGic::kRedistributorStride * config_.vcpu_count,
              MmioDevice::kRedistributors);
    }
    bus.add(abi::test_device::kBase, abi::test_device::kSize, MmioDevice::kTestDevice);
    // A HAL's own device (HalHasGuestDevice), if it has one; a window that overlaps another
    // device's is refused by the bus, and the guest then finds nothing there.
    if constexpr (HalHasGuestDevice<H>) {
      const GuestDeviceNode device = H::guest_device();
      if (device.size != 0 && !bus.add(device.base, device.size, MmioDevice::kHalDevice)) {
        log("the HAL's device ", device.name, " at ", fmt::Hex{device.base},
            " overlaps another device: left off the bus");
      }
    }
  }
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  /// Number of vCPUs.
  std::uint32_t vcpu_count() const { return config_.vcpu_count; }

  /// Runs on physical CPU \p cpu for ever: waits until the guest switches vCPU \p cpu on, runs
  /// it until the guest switches it off, and waits again. A CPU without a vCPU only waits.
  [[noreturn]] void serve(std::uint32_t cpu) {
    for (;;) {
      const StartRequest start = wait_for_power_on(cpu);
      vcpus_[cpu].power_on(start.entry, start.context);
      vcpus_[cpu].share_cpu_time(&sharing_);
      if (cpu == 0 && vcpus_[0].exit_count(abi::ExitKind::kCpuDown) == 0) {
        log("running vCPU 0 with HAL ", H::name());
      } else if (vcpus_[cpu].exit_count(abi::ExitKind::kCpuDown) < config_.exits_logged) {
        // Like the exits, the first few starts of each vCPU are printed, not every one.
        log("vCPU ", cpu, " (MPIDR ", fmt::Hex{power_.mpidr(cpu)}, ") switched on: entry ",
            fmt::Hex{start.entry}, ", x0 ", fmt::Hex{start.context}, ", on CPU ", cpu);
      }
      run(cpu);
    }
  }

 private:
  // ---- the loop -----------------------------------------------------------------------------

  // Runs vCPU `id` on this physical CPU until the guest switches it off. The exit path: enter
  // (with any queued virtual interrupts in list registers), decode, free the list registers
  // the guest finished, act on the exit, and go round again.
  //
  // The VM's lock is taken only by what touches state the vCPUs share (devices, the virtual
  // distributor, power states, interrupt queues): a hypercall or system-register exit that
  // needs none of it runs without it. What stays with this vCPU — its registers, its list
  // registers and what it holds in them — needs no lock.
  [[gnu::noinline]] void run(std::uint32_t id) {
    Aarch64VCpu<H>& vcpu = vcpus_[id];
    vgic::VirtualInterrupts& irqs = irqs_[id];
    // Every time this CPU runs hypervisor code from here on, it is handling (or finishing) an
    // exit of this vCPU: what the panic report names. Set once, not per exit.
    set_exit_in_progress(&vcpu.last_trap());
    for (;;) {
      // Another CPU queues an interrupt for this vCPU under the lock and then kicks this CPU:
      // one queued after this look is not missed, the kick makes the guest exit at once.
      if (irqs.pending_unlocked() != 0) [[unlikely]]
        deliver(id);
      const VmExit& exit = vcpu.run();
      const auto kind = static_cast<abi::ExitKind>(vcpu.last_trap().kind);
      if (irqs.in_list_registers()) [[unlikely]]
        reap(id);
      if (debug::armed()) [[unlikely]] {  // `hv gic` asked for a snapshot of each exit
        debug::publish<H>(id, vcpu.exit_pc(), static_cast<std::uint32_t>(power_.state(id)),
                          static_cast<std::uint32_t>(irqs.pending_unlocked()));
      }
      handle(exit, id, kind);
      if (power_.state(id) == PowerState::kOff) [[unlikely]] {
        set_exit_in_progress(nullptr);
        return power_down(id);
      }
    }
  }

  // The virtual interrupts of vCPU `id` between exits (vm_interrupts.h): reap() frees the list
  // registers the guest finished (after an exit), deliver() fills free ones with what is queued
  // (before an entry), deliver_locked() is deliver() by a handler that holds the lock already.
  [[gnu::noinline]] void reap(std::uint32_t id);
  [[gnu::noinline]] void deliver(std::uint32_t id);
  [[gnu::always_inline]] void deliver_locked(std::uint32_t id);

  // Acts on one exit of vCPU `id`: hands it to the handler of its kind. Each handler takes
  // the VM's lock if what it does needs it, and logs what it did (report()). The handlers are
  // functions of their own and handle() only branches to them (tail calls), so an exit pays
  // for the frame of its own handler only.
  // `kind` is the exit's alternative (as run() noted it in the vCPU's GuestTrap), passed so
  // the switch needs no look into the variant.
  [[gnu::noinline]] void handle(const VmExit& exit, std::uint32_t id, abi::ExitKind kind) {
    switch (kind) {
      case abi::ExitKind::kHypercall: return hypercall_exit(exit, id);
      case abi::ExitKind::kMmioRead: return mmio_read_exit(exit, id);
      case abi::ExitKind::kMmioWrite: return mmio_write_exit(exit, id);
      case abi::ExitKind::kSysRegRead: return sysreg_read_exit(exit, id);
      case abi::ExitKind::kSysRegWrite: return sysreg_write_exit(exit, id);
      case abi::ExitKind::kExternalInterrupt: return interrupt_exit(exit, id);
      case abi::ExitKind::kHalt: return halt_exit(exit, id);
      case abi::ExitKind::kNothing: return;
      default: return rare_exit(exit, id, kind);
    }
  }

  // The handlers of the common exits (vm_exits.h).
  [[gnu::noinline]] void hypercall_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline]] void affinity_info_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noipa, gnu::cold]] void test_fault_exit();
  [[gnu::noinline]] void mmio_read_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline]] void mmio_write_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline]] void sysreg_read_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline]] void sysreg_write_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline, gnu::cold]] void sysreg_not_modelled(abi::ExitKind kind, const VmExit& exit,
                                                        std::uint32_t id);
  [[gnu::noinline]] void interrupt_exit(const VmExit& exit, std::uint32_t id);
  [[gnu::noinline]] void halt_exit(const VmExit& exit, std::uint32_t id);

  // The exits that are not on any hot path, kept out of handle() so its frame stays small.
  // They all touch shared state: the lock is held throughout.
  [[gnu::noinline]] void rare_exit(const VmExit& exit, std::uint32_t id, abi::ExitKind kind);

  // How many vCPUs are on or being switched on.
  std::uint32_t vcpus_not_off() const {
    std::uint32_t n = 0;
    for (std::uint32_t t = 0; t < config_.vcpu_count; ++t) n += power_.state(t) != PowerState::kOff;
    return n;
  }

  // Sets the flag under the lock, then tells every vCPU to look at it before its next entry.
  void set_sharing(bool sharing) {
    sharing_.store(sharing, std::memory_order_relaxed);
    for (std::uint32_t t = 0; t < config_.vcpu_count; ++t) vcpus_[t].sharing_changed();
  }

  // ---- power --------------------------------------------------------------------------------

  // Waits, with IRQs masked, until vCPU `cpu` is switched on. The CPU sleeps in WFI between
  // looks: CPU_ON sends it the kick SGI, which wakes WFI even while masked, and is then
  // acknowledged here without being taken.
  StartRequest wait_for_power_on(std::uint32_t cpu);

  // CPU_ON by vCPU `id`: validates the entry point, marks the target ON_PENDING and kicks its
  // physical CPU, which picks the request up in wait_for_power_on().
  ExitOutcome cpu_up(const CpuUp& up, std::uint32_t id);

  // vCPU `id` is off (CPU_OFF): forget its interrupts, silence its timer (PSCI: its state is
  // lost), and end the run if no vCPU is left; otherwise its CPU goes back to waiting.
  void power_down(std::uint32_t id);

  // ---- calls, system registers, devices (vm_exits.h) ---------------------------------------

  // One MMIO access answered and reported; the device at `target` (its window on the bus)
  // answers it: the UART and the test device under their own lock (mmio_devices_access()),
  // the virtual GIC's registers and the HAL's device under the VM's (mmio_read(), mmio_write()).
  template <typename Access>
  void answer_mmio(const Access& access, const VmExit& exit, std::uint32_t id);
  template <typename Access>
  ExitOutcome mmio_devices_access(const Access& access, MmioTarget target, std::uint32_t id);
  ExitOutcome mmio_read(const MmioRead& r, MmioTarget target, std::uint32_t id);
  ExitOutcome mmio_write(const MmioWrite& w, MmioTarget target, std::uint32_t id);

  // The HAL's device, for a HAL that has one (only then is kHalDevice on the bus).
  static std::optional<std::uint64_t> hal_device_read(std::uint64_t offset, unsigned width);
  static bool hal_device_write(std::uint64_t offset, unsigned width, std::uint64_t value);

  // A load or store that no device answers — nothing is at the address (`device` kNone), or
  // the device there refuses it: a data abort in the guest, as a bus error on a machine.
  ExitOutcome no_device(std::uint32_t id, MmioDevice device);

  // ---- interrupts ---------------------------------------------------------------------------

  static constexpr std::uint64_t kDistributorSize = gic::gicd::kSize;
  static constexpr std::uint64_t kUartSize = 0x1000;

  // How a physical interrupt is forwarded. GICv3: with the list register's HW bit, so the
  // guest's EOI deactivates it in hardware. GICv2: in software — QEMU 7.2's GICv2 model does
  // not re-evaluate a level interrupt deactivated through a HW list register, so a tick that
  // came while it was active would be lost. There the list register asks for a maintenance
  // interrupt on the guest's EOI, and the hypervisor deactivates the physical one itself.
  vgic::VirtualInterrupts::Source forwarding() const {
    return config_.gic == GicVersion::kV3 ? vgic::VirtualInterrupts::Source::kForwardedHw
                                          : vgic::VirtualInterrupts::Source::kForwardedSw;
  }

  // A physical interrupt the HAL acknowledged on vCPU `id`'s CPU: keep it or forward it.
  ExitOutcome physical_interrupt(std::uint32_t intid, std::uint32_t id);

  // Queues SGI `intid` from vCPU `sender` for every vCPU in `targets` that is on, and kicks
  // the physical CPUs of the others so they deliver it now.
  ExitOutcome send_sgi(vgic::VCpuMask targets, std::uint32_t intid, std::uint32_t sender);

  // WFI/WFE. WFE completes at once: another vCPU's SEV does not trap, so a vCPU asleep at EL2
  // would miss the event it waits for (WFE may always complete early, so this is allowed).
  // WFI: if nothing is waiting, sleep at EL2 until a physical interrupt arrives — the guest's
  // timer, or the kick of another vCPU sending an SGI. It is taken at EL2 (current-EL IRQ
  // vector), dispatched through IRQ_HANDLER to H::irq_handler(), which queues it; this
  // function then handles the queue. If nothing could ever wake the vCPU (its timer is off or
  // masked and no other vCPU is on), the WFI completes at once rather than park the CPU for
  // ever — the architecture lets WFI complete spuriously.
  [[gnu::always_inline]] ExitOutcome halt(const Halt& halt, std::uint32_t id,
                                          UniqueSpinLock& guard);

  // ---- the log and the end ------------------------------------------------------------------

  // One line per exit, up to config_.exits_logged of each kind, so every kind of exit shows up
  // decoded without a busy guest flooding the log; the console's own traffic is not logged.
  // Once the guest has started a second vCPU, each line says which vCPU exited. `kind` is the
  // exit's kind, a constant in each handler.
  // (Always inline: an out-of-line copy, called with a tail call from a cold path, carries no
  // call-target debug info, and GDB then cannot rebuild handle()'s frame in backtraces.)
  [[gnu::always_inline]] void report(abi::ExitKind kind, const VmExit& exit, std::uint32_t id,
                                     ExitOutcome outcome) {
    if (!logged(kind, outcome.what)) [[likely]]
      return;
    return log_exit(kind, exit, id, outcome);
  }
  // The same for the outcomes that are only a what (most of them): the ExitOutcome is made on
  // the way to log_exit() only, not on every exit.
  [[gnu::always_inline]] void report(abi::ExitKind kind, const VmExit& exit, std::uint32_t id,
                                     Outcome what) {
    if (!logged(kind, what)) [[likely]]
      return;
    return log_exit(kind, exit, id, ExitOutcome{what});
  }
  // Whether an exit of `kind` that did `what` gets a line. Past the limit there is nothing to
  // say: one byte loaded and a branch, and no frame — what is left is a branch to log_exit().
  [[gnu::always_inline]] bool logged(abi::ExitKind kind, Outcome what) const {
    if (what == Outcome::kNone) return false;  // the console's own traffic: not logged
    return read_once(log_done_[static_cast<std::size_t>(kind)]) == 0 || always_logged(what);
  }

  // The rest of report(), kept out of the exit path: the count, and text made only here.
  // Several CPUs count at once, some without the VM's lock: one atomic add (the count stops
  // growing just past the limit, where the "further exits" line is printed once).
  // (The outcome by value: its address never escapes, so the exit path keeps it in registers.)
  [[gnu::noinline, gnu::cold]] void log_exit(abi::ExitKind kind, const VmExit& exit,
                                             std::uint32_t id, ExitOutcome outcome);

  [[noreturn]] void fault_at_el2_on_purpose();

  // The summary, then power off. With several vCPUs, each kind's total is followed by its
  // split between the vCPUs that ran.
  [[noreturn]] void end_run();

  // ---- construction -------------------------------------------------------------------------

  static bool in(std::uint64_t address, std::uint64_t base, std::uint64_t size) {
    return address >= base && address - base < size;
  }

  static VmConfig clamped(VmConfig config) {
    if (config.vcpu_count == 0) config.vcpu_count = 1;
    if (config.vcpu_count > kMaxVcpus) config.vcpu_count = kMaxVcpus;
    return config;
  }

  static std::array<std::uint64_t, kMaxVcpus> make_mpidrs() {
    std::array<std::uint64_t, kMaxVcpus> mpidrs{};
    for (std::uint32_t i = 0; i < kMaxVcpus; ++i) mpidrs[i] = vcpu_mpidr(i);
    return mpidrs;
  }

  template <std::size_t... I>
  static std::array<Aarch64VCpu<H>, kMaxVcpus> make_vcpus(const VmConfig& config,
                                                          std::index_sequence<I...>) {
    return {Aarch64VCpu<H>(VCpuSetup{static_cast<std::uint32_t>(I),
                                     vcpu_mpidr(static_cast<std::uint32_t>(I)), 0, 0, config.vttbr,
                                     config.vtcr, std::uint64_t{config.exits_logged} + 1})...};
  }

  // The small members the exit path touches come first, the big arrays last: a load or store
  // reaches a member in the first 16 KiB of the VM with one instruction (an offset that fits
  // the load's immediate), one further away costs two more to form its address.
  const VmConfig config_;
  std::array<std::uint32_t, std::variant_size_v<VmExit>> exits_seen_{};
  // Per kind: the limit's lines and the "further exits" line are printed (set by log_exit()).
  std::array<std::uint8_t, std::variant_size_v<VmExit>> log_done_{};
  SpinLock lock_;
  // More than one vCPU is not off: each runs the turn tick. Written under the lock, read by
  // each run loop without it.
  std::atomic<bool> sharing_{false};
  VCpuPowerTable power_;
  // The MMIO bus, the UART and the test device; every vCPU holds a pointer to it.
  MmioDevices devices_;
  vgic::VirtualGic vgic_;
  std::array<vgic::VirtualInterrupts, kMaxVcpus> irqs_{};
  std::array<Aarch64VCpu<H>, kMaxVcpus> vcpus_;
};

/// \}

}  // namespace el2lab

// The member definitions of each side of the run loop.
#include "core/el2/vm_exits.h"
#include "core/el2/vm_interrupts.h"
#include "core/el2/vm_log.h"
#include "core/el2/vm_power.h"
