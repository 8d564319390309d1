#pragma once
/// \file
/// \brief Lab 03's hypervisor HAL: the reference solution's DynamicHal, dispatching at run time
/// through a table of the reference HAL's members.

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "labs/03-dispatch/solution/dynamic_hal.h"

namespace el2lab::labs {

/// The reference HAL's members as a table (read-only data in the image).
inline constexpr HalOps kQemuVirtOps = ops_of<board::QemuVirtHal>();

/// The table in use: the reference HAL's. A lab could switch tables at run time (a fault
/// injecting HAL, a tracing one) without rebuilding the core.
inline const HalOps* hal_ops = &kQemuVirtOps;

/// What lab 03's hypervisor is built with (lab.json's hal_type).
using LabDynamicHal = DynamicHal;

static_assert(VCpuHal<LabDynamicHal>);

}  // namespace el2lab::labs
