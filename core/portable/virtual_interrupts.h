#pragma once
/// \file
/// \brief The virtual interrupts of one vCPU: those waiting for a list register, and those the
/// list registers of its physical CPU hold until the guest has finished with them.
///
/// The logic is pure: the list registers themselves are reached through a
/// vgic::ListRegisterFile, which the hypervisor implements on the GIC (core/el2/
/// virtual_interrupts.h) and the host tests implement in memory.

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "core/portable/gic.h"
#include "core/portable/vgic.h"

namespace el2lab::vgic {

/// \ingroup gic
/// \brief One physical CPU's list registers, as VirtualInterrupts uses them: how many there
/// are, reading and writing one, deactivating a physical interrupt, and two notifications
/// (for the trace ring) when an interrupt is injected and when the guest has finished one.
template <typename T>
concept ListRegisterFile = requires(T& lrs, unsigned n, const gic::ListEntry& entry,
                                    std::uint32_t intid) {
  { lrs.count() } -> std::convertible_to<unsigned>;
  { lrs.read(n) } -> std::same_as<gic::ListEntry>;
  { lrs.empty() } -> std::same_as<std::uint32_t>;
  lrs.write(n, entry);
  lrs.deactivate(intid);
  lrs.injected(intid, n);
  lrs.finished(intid, n);
};

/// \ingroup gic
/// \brief One vCPU's pending virtual interrupts and its list registers' bookkeeping.
///
/// queue() may be called from any physical CPU (another vCPU's SGI), with the VM's lock held;
/// everything else runs on the vCPU's own physical CPU, whose list registers it manages.
/// Aligned to 512 bytes (its size is just under): the run loop's `irqs_[id]` is then a shift.
class alignas(512) VirtualInterrupts {
 public:
  /// How an interrupt reaches the guest.
  enum class Source : std::uint8_t {
    kVirtual,      ///< Made up by the hypervisor (an SGI between vCPUs): nothing to deactivate.
    kForwardedHw,  ///< A physical interrupt linked through the list register's HW bit: the
                   ///< guest's EOI deactivates it in the GIC.
    kForwardedSw,  ///< A physical interrupt the hypervisor deactivates itself, told by an EOI
                   ///< maintenance interrupt when the guest is done (GICv2 on QEMU, see vm.h).
  };

  /// Most interrupts waiting for a list register at once.
  static constexpr std::size_t kMaxPending = 32;
  /// Most list registers a CPU interface has (ICH_VTR_EL2.ListRegs, GICH_VTR).
  static constexpr unsigned kMaxListRegisters = 16;

  /// Queues \p intid for the guest. SGIs from different senders are different interrupts on
  /// GICv2 (\p sender is the source CPU the guest reads); a second request for one already
  /// pending merges with it, as pending interrupts do in a GIC. False if the queue is full.
  bool queue(std::uint32_t intid, Source source, std::uint8_t sender = 0) {
    for (std::size_t i = 0; i < count_; ++i) {
      if (pending_[i].intid == intid && pending_[i].sender == sender) return true;
    }
    if (count_ == pending_.size()) return false;
    pending_[count_] = {intid, source, sender};
    set_count(count_ + 1);
    return true;
  }

  /// queue() and deliver() in one step, for an interrupt that arrives on its own vCPU's CPU (a
  /// forwarded timer tick): when nothing waits ahead of it and no list register is in use, an
  /// interrupt the guest has enabled goes straight into the first list register, as deliver()
  /// would put it there; otherwise it is queued for the next deliver(). False if the queue is
  /// full. (The common case then skips the queue and deliver()'s loop.)
  template <ListRegisterFile L>
  [[gnu::always_inline]] bool send(L& lrs, const VirtualGic& vgic, std::uint32_t vcpu,
                                   std::uint32_t intid, Source source, std::uint8_t sender = 0) {
    const VirtualGic::Delivery how = direct_delivery(lrs, vgic, vcpu, intid);
    if (how.deliverable) {
      send_direct(lrs, intid, source, how, sender);
      return true;
    }
    return queue(intid, source, sender);
  }

  /// send()'s first half, which changes nothing: whether \p intid would go straight into list
  /// register 0 (nothing queued, no list register in use, enabled by the guest in \p vgic for
  /// \p vcpu), and how (`deliverable` false: it would be queued). The queue's length is read as
  /// pending_unlocked() does, so a vCPU may ask without the VM's lock: an interrupt another CPU
  /// queues meanwhile is followed by a kick, and delivered after this one, as if it had come a
  /// moment later.
  template <ListRegisterFile L>
  [[gnu::always_inline]] VirtualGic::Delivery direct_delivery(L& lrs, const VirtualGic& vgic,
                                                              std::uint32_t vcpu,
                                                              std::uint32_t intid) const {
    if (pending_unlocked() != 0 || occupied_ != 0 || lrs.count() == 0) return {};
    return vgic.delivery(intid, vcpu);
  }

  /// send()'s second half: puts \p intid into list register 0, delivered as \p how (from
  /// direct_delivery(), deliverable) says.
  template <ListRegisterFile L>
  [[gnu::always_inline]] void send_direct(L& lrs, std::uint32_t intid, Source source,
                                          const VirtualGic::Delivery& how,
                                          std::uint8_t sender = 0) {
    place(lrs, 0, Pending{intid, source, sender}, how);
  }

  /// Number of interrupts waiting for a list register.
  std::size_t pending() const { return count_; }
  /// pending() read without the lock that guards queue(): a hint, exact once the lock is
  /// taken. The run loop looks before it enters the guest; whoever queues later kicks it.
  std::size_t pending_unlocked() const { return __atomic_load_n(&count_, __ATOMIC_RELAXED); }
  /// True while any list register holds one of this vCPU's interrupts (reap() has work).
  bool in_list_registers() const { return occupied_ != 0; }

  /// Moves the pending interrupts the guest has enabled (in \p vgic, for vCPU \p vcpu) into free
  /// list registers, in the order they were queued; the others keep waiting. One that a list
  /// register holds already merges with it (see merge()): an interrupt is never in two.
  /// (Out of line: the exit path calls it only when something is queued.)
  template <ListRegisterFile L>
  [[gnu::noinline]] void deliver(L& lrs, const VirtualGic& vgic, std::uint32_t vcpu) {
    const std::size_t count = count_;
    if (count == 0) return;  // the common case on the exit path: nothing to do
    // What is queued may already be in a list register in use now (never in one this call
    // fills: queue() keeps the queue itself free of twins).
    const std::uint32_t held = occupied_;
    std::uint32_t free = all_list_registers(lrs) & ~held;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Pending irq = pending_[i];
      if (held != 0) [[unlikely]] {
        const Merge merged = merge(lrs, irq, held);
        if (merged == Merge::kWait) pending_[kept++] = irq;
        if (merged != Merge::kNotHeld) continue;
      }
      const VirtualGic::Delivery how =
          free != 0 ? vgic.delivery(irq.intid, vcpu) : VirtualGic::Delivery{};
      if (!how.deliverable) {
        pending_[kept++] = irq;
        continue;
      }
      const auto n = static_cast<unsigned>(std::countr_zero(free));
      free &= free - 1;
      place(lrs, n, irq, how);
    }
    set_count(kept);
  }

  /// Frees the list registers the guest has finished with (state back to invalid), and
  /// deactivates the physical interrupts forwarded in software among them. Only registers this
  /// object filled are looked at, through the empty-register mask: no list register is read.
  /// (Always inline: the run loop and the vCPU's own timer forwarding call it after exits.)
  template <ListRegisterFile L>
  [[gnu::always_inline]] void reap(L& lrs) {
    if (occupied_ == 0) return;  // nothing in flight: nothing to read
    std::uint32_t done = occupied_ & lrs.empty();
    if (done == 0) return;
    occupied_ &= ~done;
    do {
      const auto n = static_cast<unsigned>(std::countr_zero(done));
      const Held held = held_[n];
      held_[n].intid_plus_1 = 0;
      lrs.finished(held.intid_plus_1 - 1, n);
      // The guest's EOI left the entry invalid, which the GIC ignores: it stays as it is —
      // unless it asked for an EOI maintenance interrupt (software forwarding): that request
      // stays raised (EISR) until the entry is rewritten, and the physical interrupt is
      // deactivated here, since without the HW bit the GIC does not know it.
      if (held.source == Source::kForwardedSw) [[unlikely]] {
        lrs.write(n, gic::ListEntry{});
        lrs.deactivate(held.intid_plus_1 - 1);
      }
      done &= done - 1;
    } while (done != 0);
  }

  /// True if an interrupt is waiting for the guest: pending and enabled, or in a list register
  /// the guest has not acknowledged yet.
  template <ListRegisterFile L>
  bool waiting(L& lrs, const VirtualGic& vgic, std::uint32_t vcpu) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (vgic.deliverable(pending_[i].intid, vcpu)) return true;
    }
    for (std::uint32_t held = occupied_; held != 0; held &= held - 1) {
      const auto n = static_cast<unsigned>(std::countr_zero(held));
      if (lrs.read(n).state == gic::LrState::kPending) return true;
    }
    return false;
  }

  /// The vCPU was switched off: nothing it was sent survives (PSCI: its state is lost), and
  /// physical interrupts forwarded to it are deactivated so the GIC can signal them again.
  template <ListRegisterFile L>
  void clear(L& lrs) {
    for (std::uint32_t held = occupied_; held != 0; held &= held - 1) {
      const auto n = static_cast<unsigned>(std::countr_zero(held));
      const bool hw = held_[n].source == Source::kForwardedHw;
      const std::uint32_t intid = held_[n].intid_plus_1 - 1;
      release(lrs, n);
      if (hw) lrs.deactivate(intid);  // the guest may never EOI it now; harmless if it did
    }
    for (std::size_t i = 0; i < count_; ++i) {
      if (pending_[i].source != Source::kVirtual) lrs.deactivate(pending_[i].intid);
    }
    set_count(0);
  }

 private:
  // Pending and Held are eight bytes, aligned to eight: the exit path copies each with one
  // load or store (with -mstrict-align, the compiler copies a less aligned one piece by piece).
  struct alignas(8) Pending {
    std::uint32_t intid;
    Source source;
    std::uint8_t sender;
  };
  struct alignas(8) Held {
    std::uint32_t intid_plus_1 = 0;  // 0: the list register is free
    Source source = Source::kVirtual;
    std::uint8_t sender = 0;
  };

  enum class Merge : std::uint8_t {
    kNotHeld,  // no list register holds it: deliver it as usual
    kMerged,   // it joined the entry already there: nothing left to deliver
    kWait,     // it must wait until the entry there is finished
  };

  // `irq` is sent again while one of the list registers in `held` may hold it. Two list registers
  // with one interrupt are UNPREDICTABLE in the GIC architecture, so it goes where the first one
  // is, as a GIC's own state machine would take it: pending merges with pending, and an active one
  // becomes active and pending. A forwarded interrupt cannot be made active and pending (a
  // linked entry may not be; a software-forwarded one would lose its EOI maintenance), so the
  // next one waits for the guest's EOI — its physical source cannot fire again before anyway.
  // (Out of line: it reads list registers, which the common path never does.)
  template <ListRegisterFile L>
  [[gnu::noinline, gnu::cold]] Merge merge(L& lrs, Pending irq, std::uint32_t held) {
    for (; held != 0; held &= held - 1) {
      const auto n = static_cast<unsigned>(std::countr_zero(held));
      if (held_[n].intid_plus_1 != irq.intid + 1 || held_[n].sender != irq.sender) continue;
      gic::ListEntry entry = lrs.read(n);
      switch (entry.state) {
        case gic::LrState::kPending:
        case gic::LrState::kPendingActive: return Merge::kMerged;
        case gic::LrState::kActive:
          if (held_[n].source != Source::kVirtual) return Merge::kWait;
          entry.state = gic::LrState::kPendingActive;
          lrs.write(n, entry);
          return Merge::kMerged;
        case gic::LrState::kInvalid: return Merge::kWait;  // finished: reaped at the next exit
      }
    }
    return Merge::kNotHeld;
  }

  // A bit for each list register the CPU interface has (at most kMaxListRegisters).
  template <ListRegisterFile L>
  static std::uint32_t all_list_registers(L& lrs) {
    const unsigned count = lrs.count();
    return count >= kMaxListRegisters ? (1u << kMaxListRegisters) - 1 : (1u << count) - 1;
  }

  // Puts `irq` into free list register n, delivered as `how` says. (Inline in deliver() and in
  // send(): a call would cost send()'s fast path a frame.)
  template <ListRegisterFile L>
  [[gnu::always_inline]] void place(L& lrs, unsigned n, const Pending& irq,
                                    const VirtualGic::Delivery& how) {
    gic::ListEntry entry;
    entry.virtual_id = irq.intid;
    entry.hw = irq.source == Source::kForwardedHw;
    entry.physical_id = entry.hw ? irq.intid : 0;
    entry.priority = how.priority;
    entry.group1 = how.group1;
    entry.state = gic::LrState::kPending;
    entry.eoi_maintenance = irq.source == Source::kForwardedSw;
    entry.source_cpu = irq.sender;
    lrs.write(n, entry);
    // Field by field: the compiler builds a braced Held in a register first, which costs more.
    held_[n].intid_plus_1 = irq.intid + 1;
    held_[n].source = irq.source;
    held_[n].sender = irq.sender;
    occupied_ |= 1u << n;
    lrs.injected(irq.intid, n);
  }

  // Empties list register n, still live (the vCPU was switched off): the entry is cleared
  // whole, and a software-forwarded interrupt is deactivated here, since no EOI will do it.
  template <ListRegisterFile L>
  void release(L& lrs, unsigned n) {
    lrs.write(n, gic::ListEntry{});
    if (held_[n].source == Source::kForwardedSw) lrs.deactivate(held_[n].intid_plus_1 - 1);
    held_[n].intid_plus_1 = 0;  // free (its source is read only while it is held)
    occupied_ &= ~(1u << n);
  }

  // count_ is written under the lock and read by pending_unlocked() without it: its stores are
  // single atomic writes.
  void set_count(std::size_t n) { __atomic_store_n(&count_, n, __ATOMIC_RELAXED); }

  std::array<Pending, kMaxPending> pending_{};
  std::size_t count_ = 0;
  std::array<Held, kMaxListRegisters> held_{};
  std::uint32_t occupied_ = 0;  // a bit per list register holding one of held_
};

}  // namespace el2lab::vgic
