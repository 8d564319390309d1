#pragma once
/// \file
/// \brief The hypervisor's trace ring (el2lab_trace) and how EL2 code appends an event to it;
/// the ring's layout, which GDB and the graders read, is in core/portable/trace.h.

#include <cstdint>

#include "core/el2/cpu_local.h"
#include "core/el2/sysreg.h"
#include "core/portable/trace.h"

namespace el2lab {

/// The trace ring's type: 1024 records (layout in trace.h).
using TraceRing = trace::Ring<1024>;

}  // namespace el2lab

/// The trace ring every CPU appends to. Declared at global scope, with C linkage, so its
/// debug-info name and its ELF symbol are both plain `el2lab_trace`: GDB and the graders find
/// it by that name from any frame (declared inside a namespace, GDB would look for an ELF
/// symbol `el2lab::el2lab_trace` from some frames and find none).
extern "C" el2lab::TraceRing el2lab_trace;

namespace el2lab {

/// Appends an event that is not an exit (see trace::Kind) to the trace ring.
inline void trace_event(trace::Kind kind, std::uint64_t address, std::uint64_t detail = 0,
                        std::uint64_t guest_pc = 0, std::uint32_t vcpu = 0);

/// Reads the PMU cycle counter: retired instructions when QEMU runs with `-icount shift=0`.
inline std::uint64_t instruction_counter() {
  return sysreg::pmccntr_el0::read();
}

/// trace_event() for code that holds its CPU's CpuLocal already (one TPIDR_EL2 read fewer):
/// an event of the hypervisor itself, with no guest PC and no vCPU.
inline void trace_event(const CpuLocal& cpu, trace::Kind kind, std::uint64_t address,
                        std::uint64_t detail = 0, std::uint64_t guest_pc = 0,
                        std::uint32_t vcpu = 0) {
  el2lab_trace.push({0, instruction_counter(), detail, address, guest_pc,
                     static_cast<std::uint16_t>(kind), static_cast<std::uint16_t>(cpu.index),
                     vcpu});
}

inline void trace_event(trace::Kind kind, std::uint64_t address, std::uint64_t detail,
                        std::uint64_t guest_pc, std::uint32_t vcpu) {
  trace_event(this_cpu(), kind, address, detail, guest_pc, vcpu);
}

}  // namespace el2lab
