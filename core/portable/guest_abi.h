#pragma once
/// \file
/// \brief The el2lab guest ABI: hypercalls a guest may make besides PSCI.
///
/// Shared by the hypervisor and the guests in `guests/`, so both sides use one definition.
/// el2lab's own calls live in the SMC Calling Convention's range for vendor-specific hypervisor
/// services (owning entity 6): fast calls, SMC64, function IDs 0xC600'0000 + n.

#include <cstdint>

namespace el2lab::abi {

/// \defgroup guest_abi Guest ABI
/// \brief What a guest can rely on besides the virt board itself.
/// \{

/// el2lab's vendor-specific hypercalls.
enum class Hypercall : std::uint32_t {
  /// Asks the hypervisor to fault at EL2 on purpose, to demonstrate the panic report. Honoured
  /// only when the hypervisor was booted with `el2lab.test_faults` in its bootargs; otherwise
  /// it answers kNotSupported like any unknown call, because a guest must not crash the host.
  kTestFaultAtEl2 = 0xC600'0F00,
};

/// Return value of any hypercall the hypervisor does not implement (SMCCC's NOT_SUPPORTED).
inline constexpr std::int64_t kNotSupported = -1;

/// \}

}  // namespace el2lab::abi
