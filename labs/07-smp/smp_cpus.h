#pragma once
/// \file
/// \brief How lab 07's HAL reaches each physical CPU: the MPIDR (GICv3) and the GICv2 CPU
/// interface bit of every CPU, recorded by the CPU itself when it brings up its GIC interface.

#include <cstdint>

#include "core/board/qemu-virt/memory_map.h"
#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "labs/07-smp/gic_kick_access.h"

namespace el2lab::labs {

/// \brief The CPUs a kick can go to, indexed by logical CPU number (0 = the boot CPU).
struct SmpCpus {
  static inline std::uint64_t mpidr[board::kMaxCpus] = {};         ///< MPIDR_EL1 of each
  static inline std::uint8_t interface_bit[board::kMaxCpus] = {};  ///< GICv2: its GICD bit

  /// Runs on CPU \p cpu when it starts (Aarch64PerCpu<H>::hardware_enable()): the board's
  /// GIC setup, then what send_kick() needs to reach this CPU later.
  static void record(std::uint32_t cpu, std::uint64_t mpidr_value) {
    board::QemuVirtPlatform::init_cpu_interface(cpu, mpidr_value);
    if (cpu >= board::kMaxCpus) return;
    mpidr[cpu] = mpidr_value;
    if (gic_kick_access::is_gicv2()) {
      interface_bit[cpu] = gic_kick_access::read8(gic_kick_access::kGicdBase +
                                                  gic_kick_access::kGicdItargetsrOffset);
    }
    // The other CPUs read these after this CPU reports in (a release in main.cc's bring-up).
    asm volatile("dmb ish" ::: "memory");
  }
};

}  // namespace el2lab::labs
