#pragma once
/// \file
/// \brief Emulating the system registers el2lab traps: ID registers (HCR_EL2.TID3) and the
/// EL1 virtual-memory controls (HCR_EL2.TVM).

#include <cstdint>
#include <optional>

namespace el2lab {

/// \ingroup vcpu
/// \brief The value a trapped MRS of the register \p key (esr::sysreg_key) should return, or
/// nullopt if el2lab does not model that register (the guest then gets an undefined
/// instruction). ID registers read as the hardware's values; unallocated encodings in the ID
/// space read as zero, as the architecture defines them.
std::optional<std::uint64_t> emulate_sysreg_read(std::uint32_t key);

/// \ingroup vcpu
/// \brief Performs a trapped MSR of \p value to \p key on the guest's behalf; false if el2lab
/// does not model that register.
bool emulate_sysreg_write(std::uint32_t key, std::uint64_t value);

}  // namespace el2lab
