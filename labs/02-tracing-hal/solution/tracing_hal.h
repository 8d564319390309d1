#pragma once
/// \file
/// \brief Lab 02's reference solution: TracingHal, a HAL that wraps another and records every
/// call it forwards.

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
    Sink::record(trace::HalCall::kInitCpuInterface, cpu, static_cast<std::uint32_t>(mpidr));
  }
  [[gnu::noinline]] static std::size_t irq_fetch() {
    const std::size_t intid = Inner::irq_fetch();
    Sink::record(trace::HalCall::kIrqFetch, intid);
    return intid;
  }
  [[gnu::noinline]] static void irq_handler() {
    Inner::irq_handler();
    Sink::record(trace::HalCall::kIrqHandler, 0);
  }
  static void irq_priority_drop(std::uint32_t intid) {
    Inner::irq_priority_drop(intid);
    Sink::record(trace::HalCall::kIrqPriorityDrop, intid);
  }
  static void irq_deactivate(std::uint32_t intid) {
    Inner::irq_deactivate(intid);
    Sink::record(trace::HalCall::kIrqDeactivate, intid);
  }

  // ---- the kick between physical CPUs -----------------------------------------------------
  static void send_kick(std::uint32_t cpu) {
    Inner::send_kick(cpu);
    Sink::record(trace::HalCall::kSendKick, cpu);
  }
  static void wait_for_kick() {
    Inner::wait_for_kick();
    Sink::record(trace::HalCall::kWaitForKick, 0);
  }

  // ---- list registers ---------------------------------------------------------------------
  static unsigned list_register_count() {
    const unsigned count = Inner::list_register_count();
    Sink::record(trace::HalCall::kListRegisterCount, count);
    return count;
  }
  static gic::ListEntry read_list_register(unsigned n) {
    const gic::ListEntry entry = Inner::read_list_register(n);
    Sink::record(trace::HalCall::kReadListRegister, n, summary(entry));
    return entry;
  }
  static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    Inner::write_list_register(n, entry);
    Sink::record(trace::HalCall::kWriteListRegister, n, summary(entry));
  }
  static std::uint32_t empty_list_registers() {
    const std::uint32_t mask = Inner::empty_list_registers();
    Sink::record(trace::HalCall::kEmptyListRegisters, mask);
    return mask;
  }

  // ---- memory -----------------------------------------------------------------------------
  static std::uint64_t alloc_frame() {
    const std::uint64_t pa = Inner::alloc_frame();
    Sink::record(trace::HalCall::kAllocFrame, pa);
    return pa;
  }
  static void dealloc_frame(std::uint64_t pa) {
    Inner::dealloc_frame(pa);
    Sink::record(trace::HalCall::kDeallocFrame, pa);
  }
  static std::uint64_t virt_to_phys(const void* p) {
    const std::uint64_t pa = Inner::virt_to_phys(p);
    Sink::record(trace::HalCall::kVirtToPhys, pa);
    return pa;
  }
  static void* phys_to_virt(std::uint64_t pa) {
    void* p = Inner::phys_to_virt(pa);
    Sink::record(trace::HalCall::kPhysToVirt, pa);
    return p;
  }

 private:
  // A list register in one word: vINTID [23:0], state [25:24] (trace.h, HalCall).
  static std::uint32_t summary(const gic::ListEntry& entry) {
    return (entry.virtual_id & 0xff'ffff) | (static_cast<std::uint32_t>(entry.state) << 24);
  }
};

}  // namespace el2lab::labs
