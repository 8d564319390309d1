// Compiled by the test `hal.missing_member_is_named`: this HAL has every platform member but
// lacks irq_fetch(), and the compiler's error must say so. It is never linked.
#include "core/portable/vcpu_hal.h"

struct StudentHal {
  static void irq_handler() {}
  static std::string_view name() { return "StudentHal"; }
  static void init_cpu_interface(std::uint32_t, std::uint64_t) {}
  static void irq_priority_drop(std::uint32_t) {}
  static void irq_deactivate(std::uint32_t) {}
  static void send_kick(std::uint32_t) {}
  static void wait_for_kick() {}
  static unsigned list_register_count() { return 4; }
  static el2lab::gic::ListEntry read_list_register(unsigned) { return {}; }
  static void write_list_register(unsigned, const el2lab::gic::ListEntry&) {}
  static std::uint32_t empty_list_registers() { return 0; }
  static std::uint64_t alloc_frame() { return 0; }
  static void dealloc_frame(std::uint64_t) {}
  static std::uint64_t virt_to_phys(const void*) { return 0; }
  static void* phys_to_virt(std::uint64_t) { return nullptr; }
};

template <el2lab::VCpuHal H>
struct Aarch64VCpuLike {};

Aarch64VCpuLike<StudentHal> vcpu;
