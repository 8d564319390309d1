#pragma once
/// \file
/// \brief The debug block: per-vCPU state a debugger cannot read from the CPU — the list
/// registers, the guest's virtual timer as an exit arrived, the PSCI power state — copied into
/// memory with a fixed, documented layout while a debugger asks for it.
///
/// QEMU's gdbstub shows no GIC register (ICH_LR<n>_EL2 and the rest), so GDB cannot see what
/// the virtual CPU interface holds. When `block.armed` is non-zero (GDB's `hv gic on` writes
/// it; memory writes work where system-register writes do not), the run loop copies that state
/// into `block.vcpus[id]` as each exit of vCPU `id` arrives, after the list registers the guest
/// finished are freed and before the exit is handled. (While it is armed, the vCPU leaves its
/// timer ticks and WFIs to the run loop, which takes the snapshots; a hypercall it answers by
/// itself changes nothing here and takes none.) Disarmed, the run loop pays one load and one
/// branch per exit. gdb/el2lab/gic.py reads the block by this layout (the offsets below are
/// checked at compile time); a change of layout bumps kVersion, which the reader checks.

#include <cstddef>
#include <cstdint>

#include "core/el2/sysreg.h"
#include "core/portable/gic.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::debug {

/// \defgroup debug_block Debug block
/// \brief State for the debugger that it cannot read itself (`hv gic`).
/// \{

inline constexpr std::uint32_t kMagic = 0x4432'4c45;    ///< "EL2D" in memory order.
inline constexpr std::uint32_t kVersion = 1;            ///< Layout version.
inline constexpr std::uint32_t kMaxVcpus = 8;           ///< vCPUs with a slot.
inline constexpr std::uint32_t kMaxListRegisters = 16;  ///< ICH_VTR_EL2.ListRegs allows 16.

/// \brief One vCPU's state as its last exit arrived (a snapshot).
struct VcpuState {
  std::uint64_t snapshots;  ///< +0: how many were taken; 0 = none yet (the rest is unset).
  std::uint64_t guest_pc;   ///< +8: the guest PC of the exit it was taken at.
  std::uint64_t cntv_ctl;   ///< +16: the guest's CNTV_CTL_EL0 (ENABLE, IMASK, ISTATUS).
  std::uint64_t cntv_cval;  ///< +24: the guest's CNTV_CVAL_EL0 (compare value).
  std::uint64_t cntvct;     ///< +32: CNTVCT_EL0 (the guest's counter) when it was taken.
  std::uint32_t power;      ///< +40: PowerState: 0 off, 1 on pending, 2 on.
  std::uint32_t lr_count;   ///< +44: list registers this CPU interface has.
  std::uint32_t lr_empty;   ///< +48: a bit per list register holding nothing live.
  std::uint32_t pending;    ///< +52: virtual interrupts queued, waiting for a list register.
  std::uint64_t lr[kMaxListRegisters];  ///< +56: each list register, ICH_LR<n>_EL2 format
                                        ///< (gic::encode_lr_v3; GICv2 ones converted).
};

/// \brief The block: a header, then one VcpuState per vCPU.
struct Block {
  std::uint32_t magic = kMagic;                 ///< +0: kMagic.
  std::uint32_t version = kVersion;             ///< +4: kVersion.
  std::uint32_t vcpu_size = sizeof(VcpuState);  ///< +8: bytes per VcpuState.
  std::uint32_t max_vcpus = kMaxVcpus;          ///< +12: VcpuState slots.
  volatile std::uint32_t armed = 0;             ///< +16: non-zero: fill the slots.
  std::uint32_t reserved = 0;                   ///< +20: zero.
  VcpuState vcpus[kMaxVcpus] = {};              ///< +24: by vCPU id.
};

static_assert(offsetof(VcpuState, power) == 40 && offsetof(VcpuState, lr) == 56);
static_assert(sizeof(VcpuState) == 56 + 8 * kMaxListRegisters);
static_assert(offsetof(Block, armed) == 16 && offsetof(Block, vcpus) == 24);

/// \brief The hypervisor's one debug block (GDB finds it as `el2lab::debug::block`).
inline Block block;

/// \brief Fills vCPU \p vcpu's slot from this CPU's list registers and timer.
/// \param vcpu The vCPU whose exit this CPU is handling.
/// \param guest_pc The exit's guest PC.
/// \param power Its PSCI power state (PowerState as a number).
/// \param pending Its virtual interrupts waiting for a list register.
template <VCpuHal H>
[[gnu::noinline, gnu::cold]] void publish(std::uint32_t vcpu, std::uint64_t guest_pc,
                                          std::uint32_t power, std::uint32_t pending) {
  if (vcpu >= kMaxVcpus) return;
  VcpuState& s = block.vcpus[vcpu];
  s.guest_pc = guest_pc;
  s.power = power;
  s.pending = pending;
  const unsigned count = H::list_register_count();
  s.lr_count = count;
  s.lr_empty = H::empty_list_registers();
  for (unsigned n = 0; n < count && n < kMaxListRegisters; ++n) {
    s.lr[n] = gic::encode_lr_v3(H::read_list_register(n));
  }
  s.cntv_ctl = sysreg::cntv_ctl_el0::read();
  s.cntv_cval = sysreg::cntv_cval_el0::read();
  s.cntvct = sysreg::cntvct_el0::read();
  ++s.snapshots;
}

/// \brief Whether a debugger has armed the block: the run loop's test on every exit (one load;
/// what a snapshot needs is computed only when it is taken).
inline bool armed() {
  return block.armed != 0;
}

/// \}

}  // namespace el2lab::debug
