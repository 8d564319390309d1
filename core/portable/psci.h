#pragma once
/// \file
/// \brief PSCI (Power State Coordination Interface) function IDs and return codes.
///
/// Guests call PSCI over HVC (or SMC, which el2lab traps) to start CPUs and power off; the
/// hypervisor calls the firmware's PSCI (QEMU's, over SMC) for the same on the real machine.
/// The numbers are SMC Calling Convention function IDs from the PSCI specification.

#include <cstdint>

namespace el2lab::psci {

/// \defgroup psci PSCI
/// \brief Power management calls between guest, hypervisor and firmware.
/// \{

/// Function IDs. SMC32 IDs start 0x84000000, SMC64 IDs 0xC4000000.
enum class Function : std::uint32_t {
  kVersion = 0x8400'0000,          ///< PSCI_VERSION.
  kCpuSuspend64 = 0xC400'0001,     ///< CPU_SUSPEND (SMC64).
  kCpuOff = 0x8400'0002,           ///< CPU_OFF.
  kCpuOn32 = 0x8400'0003,          ///< CPU_ON (SMC32).
  kCpuOn64 = 0xC400'0003,          ///< CPU_ON (SMC64).
  kAffinityInfo32 = 0x8400'0004,   ///< AFFINITY_INFO (SMC32).
  kAffinityInfo64 = 0xC400'0004,   ///< AFFINITY_INFO (SMC64).
  kMigrateInfoType = 0x8400'0006,  ///< MIGRATE_INFO_TYPE.
  kSystemOff = 0x8400'0008,        ///< SYSTEM_OFF.
  kSystemReset = 0x8400'0009,      ///< SYSTEM_RESET.
  kFeatures = 0x8400'000A,         ///< PSCI_FEATURES.
};

/// Return codes (signed, in w0/x0).
enum class Status : std::int32_t {
  kSuccess = 0,             ///< The call worked.
  kNotSupported = -1,       ///< Unknown or unimplemented function.
  kInvalidParameters = -2,  ///< Bad arguments (e.g. a CPU that does not exist).
  kDenied = -3,             ///< Not allowed.
  kAlreadyOn = -4,          ///< CPU_ON for a CPU that is running.
  kOnPending = -5,          ///< CPU_ON already in progress.
  kInternalFailure = -6,    ///< The implementation failed.
  kNotPresent = -7,         ///< The CPU does not exist.
  kDisabled = -8,           ///< The CPU is disabled.
  kInvalidAddress = -9,     ///< The entry point is not a valid address.
};

/// Whether \p function is in PSCI's range of SMCCC IDs (0x8400_0000-0x8400_001F for SMC32,
/// 0xC400_0000-0xC400_001F for SMC64).
constexpr bool in_range(std::uint32_t function) {
  return (function & ~0x4000'001fu) == 0x8400'0000u;
}

/// A PSCI ID's place in a 64-entry table: its function number (bits [4:0]) and, in bit 5,
/// its calling convention (bit 30: SMC64). For IDs in_range() only.
constexpr std::uint32_t table_index(std::uint32_t function) {
  return (function & 0x1fu) | ((function >> 25) & 0x20u);
}

/// table_index() of a named function.
constexpr std::uint32_t table_index(Function function) {
  return table_index(static_cast<std::uint32_t>(function));
}

/// A bit per table_index() of the PSCI functions that are power requests (CPU_ON, CPU_OFF,
/// SYSTEM_OFF, SYSTEM_RESET): exits of their own, not calls the run loop answers.
inline constexpr std::uint64_t kPowerRequests =
    (std::uint64_t{1} << table_index(Function::kCpuOn32)) |
    (std::uint64_t{1} << table_index(Function::kCpuOn64)) |
    (std::uint64_t{1} << table_index(Function::kCpuOff)) |
    (std::uint64_t{1} << table_index(Function::kSystemOff)) |
    (std::uint64_t{1} << table_index(Function::kSystemReset));

/// PSCI 1.1 as PSCI_VERSION reports it: major in bits [31:16], minor in [15:0].
inline constexpr std::uint32_t kVersion1_1 = 0x0001'0001;

/// \}

}  // namespace el2lab::psci
