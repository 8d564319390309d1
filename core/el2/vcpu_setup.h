#pragma once
/// \file
/// \brief What a VM tells a vCPU about how it starts (VCpuSetup).

#include <cstdint>

namespace el2lab {

/// \addtogroup vcpu
/// \{

/// How a vCPU starts.
struct VCpuSetup {
  std::uint32_t id = 0;     ///< vCPU index within its VM.
  std::uint64_t mpidr = 0;  ///< Affinity the guest reads from MPIDR_EL1 (VMPIDR_EL2).
  std::uint64_t entry = 0;  ///< First instruction (IPA).
  std::uint64_t x0 = 0;     ///< x0 at entry: the device tree's IPA for the boot vCPU.
  std::uint64_t vttbr = 0;  ///< VTTBR_EL2: stage-2 root and VMID.
  std::uint64_t vtcr = 0;   ///< VTCR_EL2: the stage-2 translation regime (IPA size, granule).
  /// How many of its exits of each kind the vCPU could answer itself (hypercalls, system
  /// registers, MMIO, timer ticks, WFIs; each kind counted apart) go to the run loop first
  /// (Aarch64VCpu::run()): the VM's log limit and one (the "further exits" line).
  std::uint64_t exits_to_run_loop = 0;
};

/// \}

}  // namespace el2lab
