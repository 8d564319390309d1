#pragma once
/// \file
/// \brief QemuVirtHal: the reference HAL for QEMU's virt board, and QemuVirtPlatform, the same
/// without the two interrupt entry points a lab HAL usually writes itself.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/el2/cpu_local.h"
#include "core/el2/gic_driver.h"
#include "core/el2/trap_frame.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab::board {

/// \ingroup hal
/// \brief Hands out the 4 KiB frames of the board's frame pool (hypervisor BSS), zeroed.
/// Returns 0 when the pool is exhausted. Only the boot CPU allocates (while it builds the VM).
std::uint64_t alloc_frame();
/// \ingroup hal
/// \brief Gives a frame from alloc_frame() back to the pool.
void dealloc_frame(std::uint64_t pa);
/// \ingroup hal
/// \brief Frames the pool holds in all, and how many are handed out now.
std::size_t frame_pool_capacity();
/// \ingroup hal
/// \brief Frames handed out and not yet given back.
std::size_t frames_in_use();

/// \ingroup hal
/// \brief Every platform operation of QEMU's virt board except `irq_fetch()` and
/// `irq_handler()`: the GIC (v2 or v3, as the device tree says, through gic_driver.h), the
/// kick between CPUs, the list registers, the frame pool and address translation.
///
/// A lab HAL derives from it and adds (or overrides) what the lab is about; members it does not
/// name are found here, so it satisfies VCpuHal as soon as its own part is written.
struct QemuVirtPlatform {
  /// The name the log and GDB use.
  static std::string_view name() { return "QemuVirtPlatform"; }

  /// The calling CPU's GIC interface: redistributor, CPU interface, virtual interface.
  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    gic::init_cpu(cpu, mpidr);
  }
  /// Priority drop (ICC_EOIR1_EL1 / GICC_EOIR).
  static void irq_priority_drop(std::uint32_t intid) { gic::priority_drop(intid); }
  /// Deactivation (ICC_DIR_EL1 / GICC_DIR).
  static void irq_deactivate(std::uint32_t intid) { gic::deactivate(intid); }
  /// The kick SGI to physical CPU \p cpu.
  static void send_kick(std::uint32_t cpu) { gic::send_kick(cpu); }
  /// WFI until this CPU is kicked; clears what woke it.
  static void wait_for_kick() { gic::wait_for_kick(); }

  /// List registers of this CPU's virtual interface (counted once at CPU init).
  static unsigned list_register_count() { return gic::list_register_count(); }
  /// Reads list register \p n.
  static gic::ListEntry read_list_register(unsigned n) { return gic::read_list_register(n); }
  /// Writes list register \p n. (Always inline: every forwarded interrupt writes one, and the
  /// compiler would otherwise keep one out-of-line copy for its several callers.)
  [[gnu::always_inline]] static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    gic::write_list_register(n, entry);
  }
  /// The empty list registers, one bit each.
  static std::uint32_t empty_list_registers() { return gic::empty_list_registers(); }

  /// A zeroed frame from the board's pool (0 if none is left).
  static std::uint64_t alloc_frame() { return board::alloc_frame(); }
  /// Returns a frame to the pool.
  static void dealloc_frame(std::uint64_t pa) { board::dealloc_frame(pa); }
  /// Hypervisor pointer to physical address (identity: the EL2 MMU is off).
  static std::uint64_t virt_to_phys(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  /// Physical address to hypervisor pointer (identity).
  static void* phys_to_virt(std::uint64_t pa) { return reinterpret_cast<void*>(pa); }
};

/// \ingroup hal
/// \brief The reference HAL: what the reference hypervisor is built with, and what each lab's
/// solution is compared against.
struct QemuVirtHal : QemuVirtPlatform {
  /// Acknowledges the pending physical interrupt and returns its ID (1023 if none). Called
  /// directly by Aarch64VCpu<H>::run() when an IRQ made the guest exit.
  /// Kept out of line in the reference build so the direct `bl` to it stays visible to GDB
  /// and to students comparing it with IRQ_HANDLER's indirect `blr`.
  [[gnu::noinline]] static std::size_t irq_fetch() { return gic::acknowledge(); }
  /// Handles an interrupt taken at EL2 (reached through IRQ_HANDLER): acknowledges it and
  /// queues it for the run loop, which forwards it to the guest or keeps it.
  [[gnu::noinline]] static void irq_handler() {
    const std::uint32_t intid = gic::acknowledge();
    if (intid == gic::kSpurious) return;
    if (!this_cpu().queue_irq(intid)) {
      gic::priority_drop(intid);  // no room: let it go rather than block the CPU interface
      gic::deactivate(intid);
    }
  }
  /// The name the log and GDB use.
  static std::string_view name() { return "QemuVirtHal"; }
};

static_assert(VCpuHal<QemuVirtHal>);

}  // namespace el2lab::board
