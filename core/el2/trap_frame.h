#pragma once
/// \file
/// \brief The trap frame: the registers an exception saves, shared by assembly and C++.
///
/// The layout follows arm_vcpu's: x0–x30, SP_EL0, ELR_EL2, SPSR_EL2 — 272 bytes. While a guest
/// runs, SP_EL2 points just past its vCPU's frame, so the lower-EL vectors save the guest's
/// registers straight into the vCPU (no copy). The offsets are macros so `.S` files can use
/// them; the C++ struct is checked against them below.

/// Size of a TrapFrame in bytes (31 registers, SP_EL0, ELR_EL2, SPSR_EL2).
#define EL2LAB_TRAP_FRAME_SIZE 272
/// Offset of TrapFrame::sp_el0.
#define EL2LAB_TF_SP_EL0 248
/// Offset of TrapFrame::elr.
#define EL2LAB_TF_ELR 256
/// Offset of TrapFrame::spsr.
#define EL2LAB_TF_SPSR 264

/// Offset of the host stack pointer from a vCPU's trap frame: the word right after the frame
/// (Aarch64VCpu::host_sp_), where SP_EL2 points while that vCPU's guest runs.
#define EL2LAB_VCPU_HOST_SP EL2LAB_TRAP_FRAME_SIZE

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace el2lab {

/// \defgroup exception_path Exception path
/// \brief Vector table, trap frame, world switch and the handlers behind them.
/// \{

/// \brief Registers saved on every exception taken to EL2.
struct TrapFrame {
  std::uint64_t x[31];   ///< General-purpose registers x0–x30.
  std::uint64_t sp_el0;  ///< The interrupted context's SP_EL0.
  std::uint64_t elr;     ///< ELR_EL2: where the exception was taken (or the next instruction).
  std::uint64_t spsr;    ///< SPSR_EL2: the interrupted PSTATE.
};

static_assert(sizeof(TrapFrame) == EL2LAB_TRAP_FRAME_SIZE);
static_assert(offsetof(TrapFrame, sp_el0) == EL2LAB_TF_SP_EL0);
static_assert(offsetof(TrapFrame, elr) == EL2LAB_TF_ELR);
static_assert(offsetof(TrapFrame, spsr) == EL2LAB_TF_SPSR);

/// \brief What the hardware said about a vCPU's last exit, captured as it came back to EL2.
struct GuestTrap {
  std::uint64_t esr = 0;     ///< ESR_EL2 (stale on an IRQ exit: not decoded there).
  std::uint64_t far = 0;     ///< FAR_EL2.
  std::uint64_t hpfar = 0;   ///< HPFAR_EL2.
  std::uint64_t pc = 0;      ///< ELR_EL2 as the trap left it: the guest PC of the exit.
  std::uint64_t vector = 0;  ///< Which of the 16 vectors fired (8–15 from the guest).
  std::uint32_t kind = 0;    ///< The decoded exit's kind (abi::ExitKind), once decoded.
};

/// \}

}  // namespace el2lab

extern "C" {
/// \ingroup exception_path
/// \brief The EL2 vector table (VBAR_EL2 points here).
extern char el2lab_vector_table[];
}
#endif
