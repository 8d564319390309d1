#pragma once
/// \file
/// \brief The sixteen entries of an exception vector table (VBAR_ELx): numbers, offsets, names.
///
/// Part of the ESR decoding of esr.h, which includes it; the same conventions hold.

#include <cstdint>
#include <optional>
#include <string_view>

namespace el2lab::esr {

/// \addtogroup esr
/// \{

// ---------------------------------------------------------------------------------------------
// The exception vector table
// ---------------------------------------------------------------------------------------------

/// \brief The sixteen entries of an exception vector table (VBAR_ELx), in table order.
///
/// Four groups of four (Synchronous, IRQ, FIQ, SError), chosen by where the exception came from.
/// For the hypervisor, guest traps arrive at kLowerA64Sync (offset 0x400) and interrupts that
/// fire while a guest runs at kLowerA64Irq; an exception in EL2 itself lands in the kCurrentSpx
/// group. Injecting an exception into a guest means branching it to VBAR_EL1 plus the offset of
/// the entry the guest's own state selects.
enum class VectorEntry : std::uint8_t {
  kCurrentSp0Sync,    ///< Current EL using SP_EL0: Synchronous.
  kCurrentSp0Irq,     ///< Current EL using SP_EL0: IRQ.
  kCurrentSp0Fiq,     ///< Current EL using SP_EL0: FIQ.
  kCurrentSp0SError,  ///< Current EL using SP_EL0: SError.
  kCurrentSpxSync,    ///< Current EL using SP_ELx: Synchronous.
  kCurrentSpxIrq,     ///< Current EL using SP_ELx: IRQ.
  kCurrentSpxFiq,     ///< Current EL using SP_ELx: FIQ.
  kCurrentSpxSError,  ///< Current EL using SP_ELx: SError.
  kLowerA64Sync,      ///< Lower EL running AArch64: Synchronous.
  kLowerA64Irq,       ///< Lower EL running AArch64: IRQ.
  kLowerA64Fiq,       ///< Lower EL running AArch64: FIQ.
  kLowerA64SError,    ///< Lower EL running AArch64: SError.
  kLowerA32Sync,      ///< Lower EL running AArch32: Synchronous.
  kLowerA32Irq,       ///< Lower EL running AArch32: IRQ.
  kLowerA32Fiq,       ///< Lower EL running AArch32: FIQ.
  kLowerA32SError,    ///< Lower EL running AArch32: SError.
};

/// \brief Bytes per vector entry: room for 32 instructions, enough for a register-saving stub.
inline constexpr std::uint32_t kVectorEntryBytes = 0x80;
/// \brief Bytes in the whole table, which is also the alignment VBAR_ELx requires.
inline constexpr std::uint32_t kVectorTableBytes = 16 * kVectorEntryBytes;

/// \brief Where an entry lives relative to VBAR_ELx.
/// \param entry The vector entry.
/// \return `entry * 0x80`.
constexpr std::uint32_t vector_offset(VectorEntry entry) {
  return static_cast<std::uint32_t>(entry) * kVectorEntryBytes;
}

/// \brief A human-readable name for a vector entry, e.g. "Current EL with SPx, IRQ".
/// \param entry The vector entry.
/// \return The name; "Invalid vector" for values outside the table.
std::string_view vector_name(VectorEntry entry);

/// \brief The entry that starts at an offset from VBAR_ELx, e.g. to name a faulting vector.
/// \param offset Bytes from the table base.
/// \return The entry, or nullopt unless \p offset is a multiple of 0x80 below 0x800.
constexpr std::optional<VectorEntry> vector_from_offset(std::uint32_t offset) {
  if (offset % kVectorEntryBytes != 0 || offset >= kVectorTableBytes) return std::nullopt;
  return static_cast<VectorEntry>(offset / kVectorEntryBytes);
}

/// \}

}  // namespace el2lab::esr
