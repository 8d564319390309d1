#pragma once
/// \file
/// \brief The HAL concept: everything the core asks of the platform it runs on.
///
/// This is the C++ form of arm_vcpu's `AxVCpuHal` trait, widened so that the HAL is the *only*
/// door from the core to the platform: the vCPU, the per-CPU code and the run loop take the HAL
/// as a template parameter `H` constrained by VCpuHal, and reach the interrupt controller and
/// the memory allocator through it alone. Every `H::member()` is a direct call the compiler can
/// see through (static dispatch). A lab that swaps `H` swaps everything the HAL names.
///
/// Each member is its own small concept, so a HAL that lacks one fails to compile with an error
/// that names it (`the required expression 'H::irq_fetch()' is invalid`).
///
/// (The Rust trait spells its handler `irq_hanlder`; el2lab spells it `irq_handler`.)

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/portable/gic.h"

namespace el2lab {

/// \defgroup hal HAL concept
/// \brief The template parameter every lab swaps.
/// \{

// ---- interrupts taken by the hypervisor ---------------------------------------------------------

/// `H::irq_fetch()`: acknowledges the pending physical interrupt and returns its ID
/// (kSpuriousInterrupt if none). Called directly by the vCPU when an IRQ made the guest exit.
template <typename H>
concept HalHasIrqFetch = requires {
  { H::irq_fetch() } -> std::same_as<std::size_t>;
};

/// `H::irq_handler()`: handles an interrupt taken at EL2 (reached through IRQ_HANDLER).
template <typename H>
concept HalHasIrqHandler = requires {
  { H::irq_handler() } -> std::same_as<void>;
};

/// `H::irq_priority_drop(intid)`: ends the CPU interface's priority for an acknowledged
/// interrupt (EOI); it stays active until irq_deactivate().
template <typename H>
concept HalHasIrqPriorityDrop = requires(std::uint32_t intid) {
  { H::irq_priority_drop(intid) } -> std::same_as<void>;
};

/// `H::irq_deactivate(intid)`: deactivates an interrupt the hypervisor keeps for itself.
template <typename H>
concept HalHasIrqDeactivate = requires(std::uint32_t intid) {
  { H::irq_deactivate(intid) } -> std::same_as<void>;
};

/// `H::init_cpu_interface(cpu, mpidr)`: prepares the calling physical CPU's interrupt
/// controller interface (run once per CPU by Aarch64PerCpu<H>::hardware_enable()).
template <typename H>
concept HalHasInitCpuInterface = requires(std::uint32_t cpu, std::uint64_t mpidr) {
  { H::init_cpu_interface(cpu, mpidr) } -> std::same_as<void>;
};

// ---- the kick between physical CPUs ------------------------------------------------------------

/// `H::send_kick(cpu)`: makes physical CPU \p cpu leave its guest, or wake from WFI, and look
/// at its vCPU again (a physical SGI on the GIC).
template <typename H>
concept HalHasSendKick = requires(std::uint32_t cpu) {
  { H::send_kick(cpu) } -> std::same_as<void>;
};

/// `H::wait_for_kick()`: sleeps, with IRQs masked, until something is pending for this CPU,
/// and clears it. May return early: the caller checks what it waits for and calls again.
template <typename H>
concept HalHasWaitForKick = requires {
  { H::wait_for_kick() } -> std::same_as<void>;
};

// ---- list registers: how virtual interrupts reach the guest ------------------------------------

/// `H::list_register_count()`: how many list registers this CPU's virtual interface has.
template <typename H>
concept HalHasListRegisterCount = requires {
  { H::list_register_count() } -> std::convertible_to<unsigned>;
};

/// `H::read_list_register(n)` / `H::write_list_register(n, entry)`: one list register,
/// decoded (see gic::ListEntry).
template <typename H>
concept HalHasListRegisterAccess = requires(unsigned n, const gic::ListEntry& entry) {
  { H::read_list_register(n) } -> std::same_as<gic::ListEntry>;
  { H::write_list_register(n, entry) } -> std::same_as<void>;
};

/// `H::empty_list_registers()`: a bit per list register that holds nothing live — empty
/// (ICH_ELRSR_EL2, GICH_ELRSR0) or finished with an EOI maintenance request (ICH_EISR_EL2,
/// GICH_EISR0) — so finished entries are found without reading every register.
template <typename H>
concept HalHasEmptyListRegisters = requires {
  { H::empty_list_registers() } -> std::same_as<std::uint32_t>;
};

// ---- memory (as arm_vcpu's AxVCpuHal) ----------------------------------------------------------

/// `H::alloc_frame()` / `H::dealloc_frame(pa)`: a zeroed 4 KiB frame of hypervisor memory by
/// its physical address (0 when none is left), and its return. Stage-2 tables come from here.
template <typename H>
concept HalHasFrameAllocator = requires(std::uint64_t pa) {
  { H::alloc_frame() } -> std::same_as<std::uint64_t>;
  { H::dealloc_frame(pa) } -> std::same_as<void>;
};

/// `H::virt_to_phys(p)` / `H::phys_to_virt(pa)`: the hypervisor's view of memory, used to put
/// table addresses into stage-2 descriptors and VTTBR_EL2.
template <typename H>
concept HalHasAddressTranslation = requires(const void* p, std::uint64_t pa) {
  { H::virt_to_phys(p) } -> std::same_as<std::uint64_t>;
  { H::phys_to_virt(pa) } -> std::same_as<void*>;
};

/// `H::name()`: the HAL's name, for the log and the GDB narration.
template <typename H>
concept HalHasName = requires {
  { H::name() } -> std::convertible_to<std::string_view>;
};

/// The interrupt controller as the core uses it.
template <typename H>
concept HalInterruptController = HalHasInitCpuInterface<H> && HalHasIrqFetch<H> &&
    HalHasIrqHandler<H> && HalHasIrqPriorityDrop<H> && HalHasIrqDeactivate<H> &&
    HalHasSendKick<H> && HalHasWaitForKick<H> && HalHasListRegisterCount<H> &&
    HalHasListRegisterAccess<H> && HalHasEmptyListRegisters<H>;

/// Memory as the core uses it.
template <typename H>
concept HalMemory = HalHasFrameAllocator<H> && HalHasAddressTranslation<H>;

/// Everything el2lab's core needs from the platform.
template <typename H>
concept VCpuHal = HalInterruptController<H> && HalMemory<H> && HalHasName<H>;

/// The interrupt ID a GIC returns when nothing is pending.
inline constexpr std::size_t kSpuriousInterrupt = 1023;

/// Size of a frame H::alloc_frame() hands out.
inline constexpr std::size_t kFrameSize = 4096;

/// \}

}  // namespace el2lab
