#pragma once
/// \file
/// \brief The HAL concept: what a platform must provide to run el2lab's vCPU code.
///
/// This is the C++ form of arm_vcpu's `AxVCpuHal` trait. The vCPU and per-CPU classes take
/// the HAL as a template parameter `H` constrained by VCpuHal, so every `H::irq_fetch()` is a
/// direct call the compiler can see through (static dispatch). A type that lacks a member fails
/// to compile, and the error names the member: each requirement is its own small concept.
///
/// (The Rust trait spells its handler `irq_hanlder`; el2lab spells it `irq_handler`.)

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace el2lab {

/// \defgroup hal HAL concept
/// \brief The template parameter every lab swaps.
/// \{

/// `H::irq_fetch()`: acknowledges the pending physical interrupt and returns its ID.
template <typename H>
concept HalHasIrqFetch = requires {
  { H::irq_fetch() } -> std::same_as<std::size_t>;
};

/// `H::irq_handler()`: handles the pending physical interrupt (called via IRQ_HANDLER).
template <typename H>
concept HalHasIrqHandler = requires {
  { H::irq_handler() } -> std::same_as<void>;
};

/// `H::name()`: the HAL's name, for the log and the GDB narration.
template <typename H>
concept HalHasName = requires {
  { H::name() } -> std::convertible_to<std::string_view>;
};

/// `H::virt_to_phys(p)` / `H::phys_to_virt(pa)`: the hypervisor's view of memory, used to put
/// table addresses into stage-2 descriptors and VTTBR_EL2.
template <typename H>
concept HalHasAddressTranslation = requires(const void* p, std::uint64_t pa) {
  { H::virt_to_phys(p) } -> std::same_as<std::uint64_t>;
  { H::phys_to_virt(pa) } -> std::same_as<void*>;
};

/// Everything el2lab's vCPU code needs from the platform.
template <typename H>
concept VCpuHal =
    HalHasIrqFetch<H> && HalHasIrqHandler<H> && HalHasName<H> && HalHasAddressTranslation<H>;

/// The interrupt ID a GIC returns when nothing is pending.
inline constexpr std::size_t kSpuriousInterrupt = 1023;

/// \}

}  // namespace el2lab
