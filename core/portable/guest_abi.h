#pragma once
/// \file
/// \brief The el2lab guest ABI: what a guest may rely on besides the virt board itself.
///
/// Shared by the hypervisor and the guests in `guests/`, so both sides use one definition.
/// el2lab's own calls live in the SMC Calling Convention's range for vendor-specific hypervisor
/// services (owning entity 6): fast calls, SMC64, function IDs 0xC600'0000 + n. Results come
/// back in x0; unknown calls return kNotSupported (-1), as SMCCC requires.

#include <cstdint>

namespace el2lab::abi {

/// \defgroup guest_abi Guest ABI
/// \brief What a guest can rely on besides the virt board itself.
/// \{

/// el2lab's vendor-specific hypercalls.
enum class Hypercall : std::uint32_t {
  /// x1 = an ExitKind: returns how many exits of that kind this vCPU has taken so far
  /// (the call itself not included). Lets self-checking guests see that a trap happened.
  kExitCount = 0xC600'0001,
  /// Does nothing and returns 0: the cheapest possible round trip, for measurements.
  kNop = 0xC600'0002,
  /// Asks the hypervisor to fault at EL2 on purpose, to demonstrate the panic report. Honoured
  /// only when the hypervisor was booted with `el2lab.test_faults` in its bootargs; otherwise
  /// it answers kNotSupported like any unknown call, because a guest must not crash the host.
  kTestFaultAtEl2 = 0xC600'0F00,
};

/// Exit kinds as kExitCount numbers them: the order of the VmExit alternatives.
enum class ExitKind : std::uint32_t {
  kHypercall = 0,
  kMmioRead = 1,
  kMmioWrite = 2,
  kSysRegRead = 3,
  kSysRegWrite = 4,
  kExternalInterrupt = 5,
  kCpuUp = 6,
  kCpuDown = 7,
  kSystemDown = 8,
  kSendIpi = 9,
  kHalt = 10,
  kNothing = 11,
  kFailEntry = 12,
  kUnhandled = 13,
  kCount = 14,  ///< Number of kinds.
};

/// Return value of any hypercall the hypervisor does not implement (SMCCC's NOT_SUPPORTED).
inline constexpr std::int64_t kNotSupported = -1;

/// \brief el2lab's test device: an emulated MMIO register block at a fixed guest address.
///
/// Nothing backs it in hardware: every access is a stage-2 fault the hypervisor emulates, so
/// guests use it to exercise MmioRead/MmioWrite with every width and sign extension.
/// Accesses must be naturally aligned; offsets not listed read as zero and ignore writes.
namespace test_device {
/// Guest physical base address (an unused hole in QEMU virt's map).
inline constexpr std::uint64_t kBase = 0x0b00'0000;
/// Size of the register block.
inline constexpr std::uint64_t kSize = 0x1000;
/// 0x000–0x0ff: 256 bytes of scratch memory, readable and writable at any width.
inline constexpr std::uint64_t kScratch = 0x000;
/// Size of the scratch area.
inline constexpr std::uint64_t kScratchSize = 0x100;
/// 0x100: identification, 32-bit, read-only: kIdValue.
inline constexpr std::uint64_t kId = 0x100;
/// "EL2T" in ASCII.
inline constexpr std::uint32_t kIdValue = 0x454c'3254;
/// 0x108: a read-only 64-bit pattern whose every byte has its top bit set, so a sign-extending
/// load of any width at any offset in 0x108–0x10f yields a negative number.
inline constexpr std::uint64_t kPattern = 0x108;
/// The value of the pattern register.
inline constexpr std::uint64_t kPatternValue = 0x8f8e'8d8c'8b8a'8988;
}  // namespace test_device

/// An address in QEMU virt's map where nothing is, and el2lab maps nothing: a guest access
/// there gets a synchronous external abort injected.
inline constexpr std::uint64_t kUnmappedAddress = 0x0c00'0000;

/// \}

}  // namespace el2lab::abi
