#pragma once
/// \file
/// \brief Aarch64VCpu<H>: one virtual CPU — its registers, how it is entered, and how its
/// exits are decoded (arm_vcpu's `Aarch64VCpu<H>`).

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/el2/cpu_local.h"
#include "core/el2/debug_block.h"
#include "core/el2/guest_context.h"
#include "core/el2/mmio_devices.h"
#include "core/el2/sysreg.h"
#include "core/el2/sysreg_emulation.h"
#include "core/el2/trace_ring.h"
#include "core/el2/trap_frame.h"
#include "core/el2/turn_tick.h"
#include "core/el2/vcpu_setup.h"
#include "core/portable/calls.h"
#include "core/portable/esr.h"
#include "core/portable/exception_injection.h"
#include "core/portable/exit_decode.h"
#include "core/portable/gic.h"
#include "core/portable/guest_abi.h"
#include "core/portable/halt_policy.h"
#include "core/portable/read_once.h"
#include "core/portable/registers.h"
#include "core/portable/trace.h"
#include "core/portable/vcpu_hal.h"
#include "core/portable/vgic.h"
#include "core/portable/virtual_interrupts.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \defgroup vcpu vCPU
/// \brief Aarch64VCpu<H>: guest context, entry, exit decoding, injection.
/// \{

static_assert(std::variant_size_v<VmExit> == static_cast<std::size_t>(abi::ExitKind::kCount),
              "abi::ExitKind numbers the VmExit alternatives");
static_assert(
    std::is_same_v<
        std::variant_alternative_t<static_cast<std::size_t>(abi::ExitKind::kHalt), VmExit>, Halt>);

template <VCpuHal H>
struct HardwareListRegisters;  // hardware_list_registers.h

/// Where a vCPU that belongs to no VM yet looks whether it shares its CPU: never.
inline constinit const std::atomic<bool> kNeverShared{false};

/// \brief A virtual CPU, parameterised by the HAL (static dispatch for every H:: call).
///
/// Aligned to 2 KiB (it is a little over 1 KiB): the run loop's `vcpus_[id]` is then one shift
/// instead of a multiply-by-adds on every exit that touches the vCPU.
template <VCpuHal H>
class alignas(2048) Aarch64VCpu {
 public:
  /// A vCPU that will start at \p setup.entry in EL1h with interrupts masked.
  explicit Aarch64VCpu(const VCpuSetup& setup)
      : id_(setup.id),
        mpidr_(setup.mpidr),
        vttbr_(setup.vttbr),
        vtcr_(setup.vtcr),
        exits_to_run_loop_(setup.exits_to_run_loop),
        el1_(El1Context::reset_state()) {
    frame_.elr = setup.entry;
    frame_.spsr = reg::Spsr::el1h_masked().raw();
    frame_.x[0] = setup.x0;
    static_assert(std::is_standard_layout_v<Aarch64VCpu> && offsetof(Aarch64VCpu, frame_) == 0 &&
                      offsetof(Aarch64VCpu, host_sp_) == EL2LAB_VCPU_HOST_SP,
                  "the world switch finds the host SP right after the guest's frame");
  }

  /// Enters the guest and runs it until it exits; returns the decoded reason, which stays
  /// valid (and is only ever written in place, never copied) until the next run(). Exits the
  /// vCPU can answer by itself are answered here: an unmodelled trap becomes an exception in
  /// the guest (and is returned, for the log); the turn tick and, once the log is done with
  /// their kind, a hypercall that needs nothing but the vCPU, a trapped MRS/MSR of a register
  /// el2lab models, an access to a device that needs nothing but itself (MmioDevices), a timer
  /// tick that can go straight into a list register and a WFI that only the timer can end
  /// (vcpu_own_exits.h) go straight back into the guest, as KVM answers some exits without
  /// leaving its EL2 code. The caller handles the rest and calls run() again.
  [[gnu::noinline]] const VmExit& run() {
    for (;;) {
      // What is rarely needed before an entry — the first run on this CPU, starting or
      // stopping the turn tick, refusing a PSTATE that is not EL1/EL0 — is one flag and one
      // SPSR test on the common path. Before every entry, also one answered here: another CPU
      // may have asked for the turn tick meanwhile.
      if (entry_work() || check_guest_entry(frame_.spsr)) [[unlikely]] {
        if (!prepare_entry()) return exit_;
      }
      const std::uint64_t vector = enter_guest();
      read_syndrome(vector);
      if (vector == kLower64Sync) [[likely]] {
        if (answered_here()) continue;
        if (is_wait(trap_.esr)) {
          // WFI or WFE, decoded here: a vCPU that sleeps through it itself skips the decoder.
          decode_wait(trap_.esr, frame_.elr, exit_);
          if (sleeps_here()) {
            if (sleep_here()) continue;
            return exit_;
          }
          return finish(0);
        }
        const std::uint64_t argument =
            decode_sync_exit(trap_.esr, trap_.far, trap_.hpfar, frame_.x, frame_.elr, exit_);
        // (The kind kept here: the trace record's stores would make the compiler load it again.)
        const std::size_t kind = exit_.index();
        // A store to a device first: the guest's console output, the most common exit of all.
        if (kind == kMmioWriteKind) [[likely]] {
          if (handed_to_devices<MmioWrite>(argument)) continue;
          return exit_;
        }
        if (kind == kUnhandledKind) [[unlikely]]
          return unhandled_exit(argument);
        if (emulated_here(kind, static_cast<std::uint32_t>(argument))) continue;
        if (kind == kMmioReadKind) {
          if (handed_to_devices<MmioRead>(argument)) continue;
          return exit_;
        }
        return finish(kind, argument);
      }
      if (!is_irq_vector(vector)) [[unlikely]]
        return finish(other_exit(vector));
      // ESR_EL2 is stale here: the interrupt itself says what happened. Which one it is, the
      // HAL says, asked with a direct call. The exit's trace record stands for the IRQ's entry
      // and dispatch too (see trace::Kind).
      const std::size_t intid = H::irq_fetch();
      irq_ = intid;
      if (intid == gic::kHypervisorTimerPpi) [[unlikely]] {
        // The turn tick is the hypervisor's own: answered here, the guest re-entered at once.
        take_turn_tick();
        continue;
      }
      exit_.emplace<ExternalInterrupt>(ExternalInterrupt{intid});
      finish(intid);
      if (intid == gic::kVirtualTimerPpi && forwarded_here()) continue;
      return exit_;
    }
  }

  /// (Re)starts the vCPU at \p entry with x0 = \p x0, as PSCI CPU_ON does: registers zeroed,
  /// EL1 system registers and FP/SIMD at their reset values, EL1h with interrupts masked. The
  /// next run() loads that state into the CPU. Exit counts are kept: they belong to the VM's
  /// history, not to one power cycle.
  void power_on(std::uint64_t entry, std::uint64_t x0) {
    frame_ = TrapFrame{};
    frame_.elr = entry;
    frame_.spsr = reg::Spsr::el1h_masked().raw();
    frame_.x[0] = x0;
    el1_ = El1Context::reset_state();
    fp_ = FpContext{};
    trap_ = GuestTrap{};  // no exit yet in this power cycle (what the panic report checks)
    loaded_ = false;
    // Its trace records' CPU and vCPU: power_on() runs on the CPU the vCPU is pinned to, before
    // anything is recorded for it (an interrupt may be delivered before its first entry).
    trace_source_ = trace::source_word(0, static_cast<std::uint16_t>(this_cpu().index), id_);
    __atomic_store_n(&entry_work_, true, __ATOMIC_RELAXED);
  }

  /// The vCPU's virtual interrupts (the VM keeps them: other vCPUs queue SGIs there) and the
  /// virtual distributor, for the timer ticks run() forwards by itself; \p timer says how the
  /// timer is forwarded on this GIC. Set by the VM before the first run().
  void attach_interrupts(vgic::VirtualInterrupts* irqs, const vgic::VirtualGic* vgic,
                         vgic::VirtualInterrupts::Source timer) {
    irqs_ = irqs;
    vgic_ = vgic;
    timer_source_ = timer;
  }

  /// The VM's bus and the devices run() answers MMIO exits of itself, past the log limit
  /// (MmioDevices). Set by the VM before the first run().
  void attach_devices(MmioDevices* devices) { devices_ = devices; }

  /// Where run() looks whether this vCPU shares the machine with other vCPUs that are on:
  /// then the turn tick runs while it is in its guest (see turn_tick.h). The VM's flag, set
  /// once; it changes when a vCPU is switched on or off, and whoever changes it calls
  /// sharing_changed() on every vCPU.
  void share_cpu_time(const std::atomic<bool>* sharing) { sharing_ = sharing; }
  /// The VM's sharing flag changed (from any CPU): the next run() looks at it again. (The flag
  /// is stored first; this release pairs with the acquire in prepare_entry().)
  void sharing_changed() { __atomic_store_n(&entry_work_, true, __ATOMIC_RELEASE); }
  /// Stops the turn tick (before the CPU sleeps or its vCPU goes off); run() restarts it.
  void stop_turn_tick() {
    if (!tick_armed_) return;  // not running: nothing to stop (this CPU arms it only in run())
    turn_tick::disarm();
    tick_armed_ = false;
    __atomic_store_n(&entry_work_, true, __ATOMIC_RELAXED);  // run() decides whether to restart it
  }

  /// Records an event of this vCPU that is not an exit (see trace::Kind) in the trace ring, with
  /// the CPU and vCPU it knows already: \p address and \p detail as the kind defines them (an
  /// injection or EOI: the INTID and the list register), at guest PC \p guest_pc.
  void record_event(trace::Kind kind, std::uint64_t address, std::uint64_t detail,
                    std::uint64_t guest_pc) const {
    el2lab_trace.push(instruction_counter(), detail, address, guest_pc,
                      trace_source_ | static_cast<std::uint16_t>(kind));
  }

  /// The value a hypercall returns to the guest (x0).
  void set_return_value(std::uint64_t value) { frame_.x[0] = value; }

  /// Completes an MmioRead: writes \p value to the destination register with the load's
  /// zero- or sign-extension (a W destination clears the upper 32 bits, as hardware does).
  void complete_mmio_read(const MmioRead& read, std::uint64_t value) {
    if (esr::is_zero_register(read.reg)) return;
    const unsigned bits = 8 * read.width;
    if (bits < 64) value &= (std::uint64_t{1} << bits) - 1;
    if (read.sign_extend && bits < 64 && ((value >> (bits - 1)) & 1) != 0) {
      value |= ~std::uint64_t{0} << bits;
    }
    if (!read.reg_is_64bit) value &= 0xffff'ffff;
    frame_.x[read.reg] = value;
  }

  /// Writes general-purpose register \p reg (writes to 31, the zero register, are dropped).
  void set_gpr(unsigned reg, std::uint64_t value) {
    if (!esr::is_zero_register(reg)) frame_.x[reg] = value;
  }

  /// Makes the guest take \p kind at EL1 for the instruction of the last exit, as if the
  /// hardware had raised it (the exit's PC advance is undone).
  void inject(InjectedException kind);

  /// vCPU index.
  std::uint32_t id() const { return id_; }
  /// MPIDR affinity the guest sees.
  std::uint64_t mpidr() const { return mpidr_; }
  /// The guest's registers as of the last exit.
  const TrapFrame& frame() const { return frame_; }
  /// The guest PC of the last exit's instruction.
  std::uint64_t exit_pc() const { return trap_.pc; }
  /// ESR_EL2 of the last exit.
  std::uint64_t exit_esr() const { return trap_.esr; }
  /// What the hardware said about the last exit (for the panic report and GDB).
  const GuestTrap& last_trap() const { return trap_; }
  /// How many exits of \p kind this vCPU has taken.
  std::uint64_t exit_count(abi::ExitKind kind) const {
    const auto i = static_cast<std::size_t>(kind);
    return i < exit_counts_.size() ? exit_counts_[i] : 0;
  }
  /// Every exit count, indexed by abi::ExitKind.
  std::span<const std::uint64_t> exit_counts() const { return exit_counts_; }
  /// The HAL's name, for logs.
  static constexpr std::string_view hal_name() { return H::name(); }

 private:
  // The vectors a guest exit arrives through (esr::VectorEntry numbers them).
  static constexpr auto kLower64Sync = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA64Sync);
  static constexpr auto kLower64Irq = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA64Irq);
  static constexpr auto kLower64Fiq = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA64Fiq);
  static constexpr auto kLower32Sync = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA32Sync);
  static constexpr auto kLower32Irq = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA32Irq);
  static constexpr auto kLower32Fiq = static_cast<std::uint64_t>(esr::VectorEntry::kLowerA32Fiq);
  static constexpr auto kHypercallKind = static_cast<std::size_t>(abi::ExitKind::kHypercall);
  static constexpr auto kInterruptKind =
      static_cast<std::size_t>(abi::ExitKind::kExternalInterrupt);
  static constexpr auto kMmioReadKind = static_cast<std::size_t>(abi::ExitKind::kMmioRead);
  static constexpr auto kMmioWriteKind = static_cast<std::size_t>(abi::ExitKind::kMmioWrite);
  static constexpr auto kSysRegReadKind = static_cast<std::size_t>(abi::ExitKind::kSysRegRead);
  static constexpr auto kSysRegWriteKind = static_cast<std::size_t>(abi::ExitKind::kSysRegWrite);
  static constexpr auto kHaltKind = static_cast<std::size_t>(abi::ExitKind::kHalt);
  static constexpr auto kUnhandledKind = static_cast<std::size_t>(abi::ExitKind::kUnhandled);

  // Before an entry (vcpu_entry.h): the first run on this CPU loads the guest's state; the
  // rare work (see run()) returns false if the guest must not be entered, with exit_ saying why.
  void load();
  [[gnu::noinline]] bool prepare_entry();

  // The world switch (el2lab_enter_guest in vectors.S) as an asm statement rather than a call:
  // the guest may change every general register, and the switch keeps only x19, x20, the
  // frame pointer and SP for its caller, so x21-x28 are declared clobbered here. The compiler
  // then saves the ones run() uses once, in its prologue, not on every exit: an exit run()
  // answers itself and loops on costs no save or restore of them at all. (x19 and x20 are
  // kept: run() needs the vCPU and its exit at once after every exit.)
  [[gnu::always_inline]] std::uint64_t enter_guest() {
    register std::uint64_t x0 asm("x0") = std::bit_cast<std::uint64_t>(&frame_);
    asm volatile("bl el2lab_enter_guest"
                 : "+r"(x0)
                 :
                 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                   "x14", "x15", "x16", "x17", "x18", "x21", "x22", "x23", "x24", "x25", "x26",
                   "x27", "x28", "x30", "memory", "cc");
    return x0;
  }

  // What the hardware says about the exit, kept for inject(), the panic report and GDB.
  // (All read first, then stored: the stores pair up.)
  [[gnu::always_inline]] void read_syndrome(std::uint64_t vector) {
    const std::uint64_t esr = sysreg::esr_el2::read();
    const std::uint64_t far = sysreg::far_el2::read();
    const std::uint64_t hpfar = sysreg::hpfar_el2::read();
    trap_.esr = esr;
    trap_.far = far;
    trap_.hpfar = hpfar;
    trap_.pc = frame_.elr;
    trap_.vector = vector;
  }

  // The exits run() answers itself, without the run loop (vcpu_own_exits.h): a hypercall that
  // needs nothing but the call, a trapped MRS/MSR of a register el2lab models (`key`: the
  // register, as decoded), an MMIO access handed to the VM's devices, a virtual timer tick that can
  // go straight into a list register, and (below) a WFI that only the timer can end; place_tick()
  // is how both ticks go in.
  [[gnu::always_inline]] inline bool answered_here();
  [[gnu::always_inline]] inline bool emulated_here(std::size_t kind, std::uint32_t key);
  template <typename Access>
  [[gnu::always_inline]] inline bool handed_to_devices(std::uint64_t argument);
  [[gnu::always_inline]] inline bool forwarded_here();
  [[gnu::always_inline]] inline void place_tick(HardwareListRegisters<H>& lrs,
                                                const vgic::VirtualGic::Delivery& how);
  // A WFI the vCPU sleeps through itself (vcpu_own_exits.h): whether it may, and the sleep —
  // true if the guest's timer woke it and is in a list register, false if the run loop must
  // handle the exit (counted and recorded already).
  [[gnu::always_inline]] inline bool sleeps_here();
  [[gnu::noinline]] bool sleep_here();

  // Every exit ends here: its kind noted, counted and recorded in the trace ring.
  [[gnu::always_inline]] const VmExit& finish(std::uint64_t argument) {
    return finish(exit_.index(), argument);
  }
  // The same with the exit's kind (exit_.index()) known already.
  [[gnu::always_inline]] const VmExit& finish(std::size_t kind, std::uint64_t argument) {
    trap_.kind = static_cast<std::uint32_t>(kind);
    ++exit_counts_[kind];
    record(kind, argument);
    return exit_;
  }

  // The exits that are neither a synchronous trap from AArch64 nor an IRQ: decoded into
  // exit_; returns the exit's main argument (vcpu_own_exits.h).
  [[gnu::noinline, gnu::cold]] std::uint64_t other_exit(std::uint64_t vector);

  bool sharing() const { return sharing_->load(std::memory_order_relaxed); }

  // entry_work_ as run() reads it on every entry (other CPUs set it; relaxed order is all
  // run() needs).
  // (Read as its byte: a volatile bool load is followed by a test of its low bits, the byte
  // goes straight to a compare-and-branch.)
  bool entry_work() const {
    return read_once(*reinterpret_cast<const std::uint8_t*>(&entry_work_)) != 0;
  }

  static constexpr bool is_irq_vector(std::uint64_t vector) {
    return vector == kLower64Irq || vector == kLower64Fiq || vector == kLower32Irq ||
           vector == kLower32Fiq;
  }

  // The turn tick, an unmodelled trap (vcpu_own_exits.h).
  [[gnu::noinline]] void take_turn_tick();
  [[gnu::noinline, gnu::cold]] const VmExit& unhandled_exit(std::uint64_t argument);
  static InjectedException injection_for(std::uint64_t raw_esr);

  // The exit's trace record: its kind, ESR and main argument (the address, function, key or
  // INTID the GDB package and graders show).
  [[gnu::always_inline]] void record(std::size_t kind, std::uint64_t argument) {
    el2lab_trace.push(instruction_counter(), trap_.esr, argument, trap_.pc, trace_source_ | kind);
  }

  TrapFrame frame_{};
  // The hypervisor's stack pointer while this vCPU's guest runs. el2lab_enter_guest stores it
  // in the word right after the frame it loads, el2lab_vmexit loads it from there (where SP_EL2
  // points once the exit has saved the guest's registers): no per-CPU lookup on either side.
  // So it must follow frame_ (EL2LAB_VCPU_HOST_SP; checked in the constructor's static_assert).
  std::uint64_t host_sp_ = 0;
  std::uint32_t id_;
  std::uint64_t mpidr_;
  std::uint64_t vttbr_;
  std::uint64_t vtcr_;
  // This vCPU's first exits_to_run_loop_ exits of each kind it could answer itself (hypercalls,
  // system registers, MMIO, timer ticks, WFIs; each kind counted apart) go to the run loop and
  // its log; after them, those it can answer itself do not.
  std::uint64_t exits_to_run_loop_;
  // Its virtual interrupts and the virtual distributor (attach_interrupts()).
  vgic::VirtualInterrupts* irqs_ = nullptr;
  const vgic::VirtualGic* vgic_ = nullptr;
  MmioDevices* devices_ = nullptr;  // attach_devices()
  vgic::VirtualInterrupts::Source timer_source_ = vgic::VirtualInterrupts::Source::kForwardedHw;
  vgic::VirtualGic::Delivery timer_delivery_{};  // sleeps_here() for sleep_here()
  El1Context el1_;
  FpContext fp_{};
  bool loaded_ = false;
  // run() has rare work before the next entry (prepare_entry()): not loaded yet, or the VM's
  // sharing flag or the turn tick changed since it last looked. Set by other CPUs too, so read
  // and written with atomic builtins (a plain bool: GDB prints it as one).
  bool entry_work_ = true;
  // Its trace records' CPU (the one it is pinned to) and vCPU, as a trace::source_word()
  // without the kind (set by power_on()).
  std::uint64_t trace_source_ = 0;
  // Another vCPU is on: run the turn tick. Never null (kNeverShared until the VM says where).
  const std::atomic<bool>* sharing_ = &kNeverShared;
  bool tick_armed_ = false;  // the turn tick is running on this CPU
  std::size_t irq_ = 0;      // the INTID of the last IRQ exit (H::irq_fetch())
  GuestTrap trap_{};
  VmExit exit_{};
  std::array<std::uint64_t, std::variant_size_v<VmExit>> exit_counts_{};
};

/// \}

}  // namespace el2lab

// The member definitions of each side of a vCPU: entering it, and the exits it answers itself.
#include "core/el2/vcpu_entry.h"
#include "core/el2/vcpu_own_exits.h"
