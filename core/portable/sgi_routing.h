#pragma once
/// \file
/// \brief Which vCPUs a guest's SGI request reaches: the GICv3 way (ICC_SGI1R_EL1, by
/// affinity) and the GICv2 way (GICD_SGIR, by CPU interface number).

#include <cstdint>
#include <span>

#include "core/portable/vgic.h"
#include "core/portable/vm_exit.h"

namespace el2lab::vgic {

/// \ingroup gic
/// \brief A set of vCPUs of one VM: bit i stands for vCPU i.
using VCpuMask = std::uint32_t;

/// \ingroup gic
/// \brief The vCPUs an ICC_SGI1R_EL1 write by vCPU \p sender reaches, in a VM whose vCPU i has
/// MPIDR \p mpidrs[i]: with IRM set every vCPU but the sender, otherwise those whose
/// Aff3.Aff2.Aff1 equal the request's and whose Aff0 is in its target list.
VCpuMask sgi_targets(const SendIpi& ipi, std::uint32_t sender,
                     std::span<const std::uint64_t> mpidrs);

/// \ingroup gic
/// \brief The vCPUs a GICD_SGIR write by vCPU \p sender reaches in a VM of \p vcpu_count
/// vCPUs (CPU interface n is vCPU n): the target list, all but the sender, or the sender only,
/// as the request's filter says (filter 3 is reserved and reaches nobody).
VCpuMask sgi_targets(const SgiRequest& sgi, std::uint32_t sender, std::uint32_t vcpu_count);

}  // namespace el2lab::vgic
