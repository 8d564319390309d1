#pragma once
/// \file
/// \brief Lab 03 — static against dynamic dispatch: DynamicHal, a HAL whose every member calls
/// through a table of function pointers chosen at run time, beside the static board::QemuVirtHal.
///
/// The core is the same template in both builds; only `H` changes. With board::QemuVirtHal
/// every `H::member()` is a direct `bl` (or is inlined). With DynamicHal each one loads a
/// function pointer from the table `hal_ops` points to and branches to it: `ldr` + `blr`, the
/// code a C++ virtual call or a Rust `&dyn Trait` call compiles to.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/portable/gic.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::labs {

/// The HAL's members as a table of function pointers: a vtable, written out.
struct HalOps {
  void (*init_cpu_interface)(std::uint32_t cpu, std::uint64_t mpidr);
  std::size_t (*irq_fetch)();
  void (*irq_handler)();
  void (*irq_priority_drop)(std::uint32_t intid);
  void (*irq_deactivate)(std::uint32_t intid);
  void (*send_kick)(std::uint32_t cpu);
  void (*wait_for_kick)();
  unsigned (*list_register_count)();
  gic::ListEntry (*read_list_register)(unsigned n);
  void (*write_list_register)(unsigned n, const gic::ListEntry& entry);
  std::uint32_t (*empty_list_registers)();
  std::uint64_t (*alloc_frame)();
  void (*dealloc_frame)(std::uint64_t pa);
  std::uint64_t (*virt_to_phys)(const void* p);
  void* (*phys_to_virt)(std::uint64_t pa);
};

/// The table of any static HAL \p H: each entry points to H's member.
template <VCpuHal H>
constexpr HalOps ops_of() {
  return HalOps{&H::init_cpu_interface,   &H::irq_fetch,
                &H::irq_handler,          &H::irq_priority_drop,
                &H::irq_deactivate,       &H::send_kick,
                &H::wait_for_kick,        &H::list_register_count,
                &H::read_list_register,   &H::write_list_register,
                &H::empty_list_registers, &H::alloc_frame,
                &H::dealloc_frame,        &H::virt_to_phys,
                &H::phys_to_virt};
}

/// The table DynamicHal calls through (set in hal.h). A variable, not a constant: the compiler
/// cannot know which table it points to when it compiles a call, so it cannot turn the call
/// into a direct one — the run-time choice is the point.
extern const HalOps* hal_ops;

/// A HAL whose members dispatch at run time through \ref hal_ops.
struct DynamicHal {
  static std::string_view name() { return "DynamicHal"; }

  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    hal_ops->init_cpu_interface(cpu, mpidr);
  }
  static std::size_t irq_fetch() { return hal_ops->irq_fetch(); }
  static void irq_handler() { hal_ops->irq_handler(); }
  static void irq_priority_drop(std::uint32_t intid) { hal_ops->irq_priority_drop(intid); }
  static void irq_deactivate(std::uint32_t intid) { hal_ops->irq_deactivate(intid); }
  static void send_kick(std::uint32_t cpu) { hal_ops->send_kick(cpu); }
  static void wait_for_kick() { hal_ops->wait_for_kick(); }
  static unsigned list_register_count() { return hal_ops->list_register_count(); }
  static gic::ListEntry read_list_register(unsigned n) { return hal_ops->read_list_register(n); }
  static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    hal_ops->write_list_register(n, entry);
  }
  static std::uint32_t empty_list_registers() { return hal_ops->empty_list_registers(); }
  static std::uint64_t alloc_frame() { return hal_ops->alloc_frame(); }
  static void dealloc_frame(std::uint64_t pa) { hal_ops->dealloc_frame(pa); }
  static std::uint64_t virt_to_phys(const void* p) { return hal_ops->virt_to_phys(p); }
  static void* phys_to_virt(std::uint64_t pa) { return hal_ops->phys_to_virt(pa); }
};

}  // namespace el2lab::labs
