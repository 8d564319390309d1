// Compiled by the test `hal.missing_member_is_named`: this HAL lacks irq_fetch(), and the
// compiler's error must say so. It is never linked.
#include "core/portable/vcpu_hal.h"

struct StudentHal {
  static void irq_handler() {}
  static std::string_view name() { return "StudentHal"; }
  static std::uint64_t virt_to_phys(const void*) { return 0; }
  static void* phys_to_virt(std::uint64_t) { return nullptr; }
};

template <el2lab::VCpuHal H>
struct Aarch64VCpuLike {};

Aarch64VCpuLike<StudentHal> vcpu;
