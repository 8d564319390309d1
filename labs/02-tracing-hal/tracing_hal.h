#pragma once
/// \file
/// \brief Lab 02 — a tracing HAL: TracingHal wraps any HAL and records every call it forwards.
///
/// The starter forwards every call already (the hypervisor runs), but records none: fill in
/// the TODOs so that each member, after calling Inner's, hands the call to Sink::record(call,
/// value, second) with the values trace.h's HalCall documents. Sink is the trace ring in the
/// hypervisor (trace_sink.h) and a plain list in the grader's host test.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/portable/gic.h"
#include "core/portable/trace.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::labs {

/// A decorator over any HAL: each member forwards to Inner's and then records the call with
/// Sink::record(call, value, second) — the trace ring in the hypervisor, a vector in the host
/// test. Recording after the call lets a result (irq_fetch's INTID) go into the record.
template <VCpuHal Inner, typename Sink>
struct TracingHal {
  static std::string_view name() { return "TracingHal"; }

  // ---- interrupts taken by the hypervisor -------------------------------------------------
  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    Inner::init_cpu_interface(cpu, mpidr);
    // TODO(02.4): record HalCall::kInitCpuInterface: the CPU, and MPIDR bits [31:0] as the second
    // value.
  }
  [[gnu::noinline]] static std::size_t irq_fetch() {
    const std::size_t intid = Inner::irq_fetch();
    // TODO(02.1): record HalCall::kIrqFetch with the INTID Inner returned.
    return intid;
  }
  [[gnu::noinline]] static void irq_handler() {
    Inner::irq_handler();
    // TODO(02.1): record HalCall::kIrqHandler (value 0).
  }
  static void irq_priority_drop(std::uint32_t intid) {
    Inner::irq_priority_drop(intid);
    // TODO(02.2): record HalCall::kIrqPriorityDrop with the INTID.
  }
  static void irq_deactivate(std::uint32_t intid) {
    Inner::irq_deactivate(intid);
    // TODO(02.2): record HalCall::kIrqDeactivate with the INTID.
  }

  // ---- the kick between physical CPUs -----------------------------------------------------
  static void send_kick(std::uint32_t cpu) {
    Inner::send_kick(cpu);
    // TODO(02.4): record HalCall::kSendKick with the CPU.
  }
  static void wait_for_kick() {
    Inner::wait_for_kick();
    // TODO(02.4): record HalCall::kWaitForKick (value 0).
  }

  // ---- list registers ---------------------------------------------------------------------
  static unsigned list_register_count() {
    const unsigned count = Inner::list_register_count();
    // TODO(02.3): record HalCall::kListRegisterCount with the count.
    return count;
  }
  static gic::ListEntry read_list_register(unsigned n) {
    const gic::ListEntry entry = Inner::read_list_register(n);
    // TODO(02.3): record HalCall::kReadListRegister: n, and summary(entry) as the second value.
    return entry;
  }
  static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    Inner::write_list_register(n, entry);
    // TODO(02.3): record HalCall::kWriteListRegister: n, and summary(entry) as the second value.
  }
  static std::uint32_t empty_list_registers() {
    const std::uint32_t mask = Inner::empty_list_registers();
    // TODO(02.3): record HalCall::kEmptyListRegisters with the mask.
    return mask;
  }

  // ---- memory -----------------------------------------------------------------------------
  static std::uint64_t alloc_frame() {
    const std::uint64_t pa = Inner::alloc_frame();
    // TODO(02.4): record HalCall::kAllocFrame with the frame Inner returned.
    return pa;
  }
  static void dealloc_frame(std::uint64_t pa) {
    Inner::dealloc_frame(pa);
    // TODO(02.4): record HalCall::kDeallocFrame with the frame.
  }
  static std::uint64_t virt_to_phys(const void* p) {
    const std::uint64_t pa = Inner::virt_to_phys(p);
    // TODO(02.4): record HalCall::kVirtToPhys with the address Inner returned.
    return pa;
  }
  static void* phys_to_virt(std::uint64_t pa) {
    void* p = Inner::phys_to_virt(pa);
    // TODO(02.4): record HalCall::kPhysToVirt with the address passed.
    return p;
  }

 private:
  // A list register in one word: vINTID [23:0], state [25:24] (trace.h, HalCall).
  static std::uint32_t summary(const gic::ListEntry& entry) {
    return (entry.virtual_id & 0xff'ffff) | (static_cast<std::uint32_t>(entry.state) << 24);
  }
};

}  // namespace el2lab::labs
