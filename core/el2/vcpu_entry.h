#pragma once
/// \file
/// \brief How a vCPU is entered, apart from the world switch itself: the first run on a CPU,
/// which loads the guest's EL1, FP/SIMD and stage-2 state, and the rare work before an entry
/// (the turn tick started or stopped, a PSTATE that is not EL1/EL0 refused).
///
/// Part of Aarch64VCpu<H> (core/el2/vcpu.h, which includes this file at its end): member
/// definitions kept in their own file.

namespace el2lab {

// First run on this CPU: give the guest its EL1 and FP state, stage-2 tables and identity.
template <VCpuHal H>
void Aarch64VCpu<H>::load() {
  el1_.restore();
  el2lab_fpsimd_restore(&fp_);
  sysreg::vmpidr_el2::write(mpidr_);
  // VTCR_EL2 is per physical CPU: each CPU a vCPU lands on needs the VM's regime.
  sysreg::vtcr_el2::write(vtcr_);
  sysreg::vttbr_el2::write(vttbr_);
  asm volatile("isb; tlbi vmalls12e1is; dsb ish; isb" ::: "memory");
  // The turn tick's timer as tick_armed_ says (off), whatever the CPU came up with: from here
  // on only prepare_entry() and stop_turn_tick() change it, and they go by that flag.
  turn_tick::disarm();
  tick_armed_ = false;
  loaded_ = true;
  record_event(trace::Kind::kGuestEntry, frame_.elr, 0, frame_.elr);
}

// The rare work before an entry (see run()). False if the guest must not be entered: then
// exit_ says why (FailEntry).
template <VCpuHal H>
bool Aarch64VCpu<H>::prepare_entry() {
  // Cleared before the sharing flag is read: a change made after this still sets it again.
  static_cast<void>(__atomic_exchange_n(&entry_work_, false, __ATOMIC_ACQUIRE));
  if (!loaded_) load();
  // Never ERET into anything but EL1/EL0: with a corrupted SPSR the guest would run at EL2.
  if (auto failure = check_guest_entry(frame_.spsr)) {
    exit_.emplace<FailEntry>(*failure);
    trap_.kind = static_cast<std::uint32_t>(exit_.index());
    ++exit_counts_[exit_.index()];
    __atomic_store_n(&entry_work_, true, __ATOMIC_RELAXED);  // the rest next time
    return false;
  }
  const bool share = sharing();
  if (share != tick_armed_) share ? turn_tick::arm() : turn_tick::disarm();
  tick_armed_ = share;
  return true;
}

}  // namespace el2lab
