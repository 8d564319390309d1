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

#include "core/board/qemu-virt/qemu_virt_hal.h"
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
  // TODO(03.1): fill the table with H's members, one per entry, in HalOps's order
  //             (&H::init_cpu_interface, &H::irq_fetch, ...). Until then every entry is null.
  return HalOps{};
}

/// The table DynamicHal calls through (set in hal.h). A variable, not a constant: the compiler
/// cannot know which table it points to when it compiles a call, so it cannot turn the call
/// into a direct one — the run-time choice is the point.
extern const HalOps* hal_ops;

/// A HAL whose members dispatch at run time through \ref hal_ops.
struct DynamicHal {
  static std::string_view name() { return "DynamicHal"; }

  // TODO(03.2): every member below calls board::QemuVirtHal directly: static dispatch, a
  //             `bl` the compiler resolved. Make each one call through the table instead:
  //             hal_ops->member(arguments...).

  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    board::QemuVirtHal::init_cpu_interface(cpu, mpidr);
  }
  static std::size_t irq_fetch() { return board::QemuVirtHal::irq_fetch(); }
  static void irq_handler() { board::QemuVirtHal::irq_handler(); }
  static void irq_priority_drop(std::uint32_t intid) {
    board::QemuVirtHal::irq_priority_drop(intid);
  }
  static void irq_deactivate(std::uint32_t intid) { board::QemuVirtHal::irq_deactivate(intid); }
  static void send_kick(std::uint32_t cpu) { board::QemuVirtHal::send_kick(cpu); }
  static void wait_for_kick() { board::QemuVirtHal::wait_for_kick(); }
  static unsigned list_register_count() { return board::QemuVirtHal::list_register_count(); }
  static gic::ListEntry read_list_register(unsigned n) {
    return board::QemuVirtHal::read_list_register(n);
  }
  static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    board::QemuVirtHal::write_list_register(n, entry);
  }
  static std::uint32_t empty_list_registers() { return board::QemuVirtHal::empty_list_registers(); }
  static std::uint64_t alloc_frame() { return board::QemuVirtHal::alloc_frame(); }
  static void dealloc_frame(std::uint64_t pa) { board::QemuVirtHal::dealloc_frame(pa); }
  static std::uint64_t virt_to_phys(const void* p) { return board::QemuVirtHal::virt_to_phys(p); }
  static void* phys_to_virt(std::uint64_t pa) { return board::QemuVirtHal::phys_to_virt(pa); }
};

}  // namespace el2lab::labs
