#pragma once
/// \file
/// \brief Lab 02's hypervisor HAL: the reference HAL (board::QemuVirtHal) wrapped in
/// your TracingHal, which records every call into the trace ring.

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "labs/02-tracing-hal/trace_sink.h"
#include "labs/02-tracing-hal/tracing_hal.h"

namespace el2lab::labs {

/// What lab 02's hypervisor is built with (lab.json's hal_type).
using LabTracingHal = TracingHal<board::QemuVirtHal, TraceRingSink>;

static_assert(VCpuHal<LabTracingHal>);

}  // namespace el2lab::labs
