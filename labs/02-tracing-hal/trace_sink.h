#pragma once
/// \file
/// \brief Where lab 02's TracingHal records its calls in the hypervisor: the trace ring
/// (`el2lab_trace`, layout in core/portable/trace.h), one HalCall record per call.

#include <cstdint>

#include "core/el2/vcpu.h"
#include "core/portable/trace.h"

namespace el2lab::labs {

/// Sink::record() for TracingHal in the hypervisor: appends a trace::Kind::kHalCall record.
struct TraceRingSink {
  /// Records \p call with its main \p value (address field) and \p second (esr bits [63:32]).
  static void record(trace::HalCall call, std::uint64_t value, std::uint32_t second = 0) {
    el2lab_trace.push({0, instruction_counter(), trace::hal_call_detail(call, second), value, 0,
                       static_cast<std::uint16_t>(trace::Kind::kHalCall), cpu(), 0});
  }

 private:
  // The calling CPU. H::init_cpu_interface() runs before the CPU's block (TPIDR_EL2) is set
  // up: until then, the CPU is named by its MPIDR's Aff0 (the logical index on QEMU virt).
  static std::uint16_t cpu() {
    std::uint64_t block;
    asm volatile("mrs %0, tpidr_el2" : "=r"(block));
    if (block != 0) return static_cast<std::uint16_t>(this_cpu().index);
    std::uint64_t mpidr;
    asm volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return static_cast<std::uint16_t>(mpidr & 0xff);
  }
};

}  // namespace el2lab::labs
