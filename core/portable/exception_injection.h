#pragma once
/// \file
/// \brief Making a guest take an exception at EL1, as hardware would have.
///
/// When a guest does something el2lab does not emulate — an undefined trap, an access to an
/// address with no device — the architecturally sensible answer is an exception in the guest:
/// the same one a real machine without that feature would raise. This file computes the EL1
/// register values for that; core/el2 writes them. Pure, so the host tests check every case.

#include <cstdint>

namespace el2lab {

/// \defgroup injection Exception injection
/// \brief Answering a guest's unsupported request with an EL1 exception.
/// \{

/// The exceptions el2lab injects.
enum class InjectedException : std::uint8_t {
  kUndefined,         ///< Undefined instruction (EC 0x00).
  kDataAbort,         ///< Synchronous external abort on a data access (EC 0x24/0x25).
  kInstructionAbort,  ///< Synchronous external abort on an instruction fetch (EC 0x20/0x21).
};

/// The guest state at the moment of the trap.
struct GuestTrapState {
  std::uint64_t pc = 0;        ///< ELR_EL2: the trapping instruction.
  std::uint64_t pstate = 0;    ///< SPSR_EL2: the guest's PSTATE.
  std::uint64_t vbar_el1 = 0;  ///< The guest's vector base.
  std::uint64_t fault_va = 0;  ///< FAR_EL2 (for aborts): the guest's virtual address.
  bool write = false;          ///< For data aborts: the access was a write.
};

/// The register values that deliver the exception.
struct Injection {
  std::uint64_t esr_el1 = 0;     ///< Syndrome the guest's handler reads.
  std::uint64_t elr_el1 = 0;     ///< Where the guest's handler returns to (the trapping PC).
  std::uint64_t spsr_el1 = 0;    ///< The guest's PSTATE at the trap.
  std::uint64_t far_el1 = 0;     ///< Fault address (aborts only).
  bool sets_far = false;         ///< Whether FAR_EL1 must be written.
  std::uint64_t new_pc = 0;      ///< ELR_EL2 for the ERET: the right entry of the guest's vectors.
  std::uint64_t new_pstate = 0;  ///< SPSR_EL2 for the ERET: EL1h, D/A/I/F masked.
};

/// Computes how to deliver \p kind to a guest in state \p state.
Injection plan_injection(InjectedException kind, const GuestTrapState& state);

/// \}

}  // namespace el2lab
