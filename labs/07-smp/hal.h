#pragma once
/// \file
/// \brief Lab 07 — SMP: the kick between physical CPUs.
///
/// When one physical CPU queues a virtual interrupt for a vCPU that runs on another one — an
/// SGI between vCPUs, a PSCI CPU_ON — it must make that CPU look: leave its guest (an IRQ exit)
/// or wake from WFI. That is the kick, a physical SGI (gic::kKickSgi) sent with
/// H::send_kick(cpu); a CPU with nothing to do sleeps in H::wait_for_kick(). You write both.
/// The starter never kicks, so the secondary CPUs sleep through every CPU_ON.

#include <cstdint>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "core/portable/gic.h"
#include "labs/07-smp/gic_kick_access.h"
#include "labs/07-smp/kick.h"
#include "labs/07-smp/smp_cpus.h"

namespace el2lab::labs {

struct SmpHal : board::QemuVirtHal {
  static std::string_view name() { return "SmpHal"; }

  /// Given: each CPU records its MPIDR and GICv2 interface bit in SmpCpus as it starts.
  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    SmpCpus::record(cpu, mpidr);
  }

  /// Sends the kick SGI (gic::kKickSgi) to logical CPU \p cpu.
  [[gnu::noinline]] static void send_kick(std::uint32_t cpu) {
    if (cpu >= board::kMaxCpus) return;
    // Whatever the kick announces (a queued interrupt, a vCPU switched on) must be visible to
    // the other CPU before the SGI reaches it.
    asm volatile("dsb ishst" ::: "memory");
    // TODO(07.3): GICv3: write kick::icc_sgi1r_for(SmpCpus::mpidr[cpu], gic::kKickSgi) with
    //             gic_kick_access::write_icc_sgi1r_el1(). GICv2: write
    //             kick::gicd_sgir_for(SmpCpus::interface_bit[cpu], gic::kKickSgi) to GICD_SGIR
    //             (gic_kick_access::kGicdBase + kGicdSgirOffset) with write32().
  }

  /// Sleeps, IRQs masked, until this CPU is kicked; takes the kick off the GIC.
  [[gnu::noinline]] static void wait_for_kick() {
    gic_kick_access::RealGic gic;
    kick::wait_for_kick_with(gic);  // TODO(07.4) is in labs/07-smp/kick.h
  }
};

static_assert(VCpuHal<SmpHal>);

}  // namespace el2lab::labs
