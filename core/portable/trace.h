#pragma once
/// \file
/// \brief The trace ring buffer: a history of exits that GDB and the graders read from memory.
///
/// Stopping at every exit is slow and changes timing; instead the hypervisor appends a record
/// per event to a ring in memory, and readers (`hv exits` in GDB, the lab graders) decode it
/// afterwards. The layout below is the documented contract for those readers:
///
/// | offset | field       | type | meaning                                          |
/// |--------|-------------|------|--------------------------------------------------|
/// | 0      | magic       | u32  | 0x45435254 ("TRCE" in memory order)                |
/// | 4      | version     | u16  | 3                                                |
/// | 6      | record_size | u16  | 64                                               |
/// | 8      | capacity    | u32  | number of record slots (a power of two)          |
/// | 12     | reserved    | u32  | 0                                                |
/// | 16     | next_seq    | u64  | sequence number the next record gets (first = 1) |
/// | 24     | (padding)   |      | zero, to the first record's 64-byte alignment    |
/// | 64     | records     |      | capacity × TraceRecord (64 bytes each)           |
///
/// Record number `seq` lives in slot `seq % capacity`; a slot whose `seq` differs from
/// what the reader expects was overwritten (or is being written). All fields little-endian.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace el2lab::trace {

/// \defgroup trace Trace buffer
/// \brief In-memory history of exits and interrupt stages.
/// \{

/// Event kinds. Values below 0x100 are exits, numbered as abi::ExitKind.
enum class Kind : std::uint16_t {
  kExitBase = 0x000,     ///< + abi::ExitKind: a VM exit.
  kGuestEntry = 0x100,   ///< First entry of a vCPU into its guest.
  kIrqEntry = 0x101,     ///< An IRQ taken at EL2 (vector 5, while a vCPU sleeps in WFI);
                         ///< address = vector index. An IRQ that makes the guest exit (vector 9)
                         ///< has no entry or dispatch record: its ExternalInterrupt exit record
                         ///< (address = INTID) stands for both, dispatched by the direct call.
  kIrqDispatch = 0x102,  ///< The HAL acknowledged an IRQ taken at EL2; address = INTID, esr = 0
                         ///< for the direct H::irq_handler() call (el2lab-static), 1 for the
                         ///< indirect IRQ_HANDLER call.
  kIrqInjected = 0x103,  ///< Written to a list register; address = INTID, esr = list register n.
  kGuestEoi = 0x104,     ///< The guest finished it (its list register emptied); address = INTID.
  kHalCall = 0x105,      ///< A HAL member was called (a tracing HAL records it, see HalCall):
                         ///< esr bits [15:0] = the HalCall, bits [63:32] = its second value;
                         ///< address = its main value (argument or result).
};

/// The name of a trace event kind that is not an exit ("GuestEntry" ...); empty if unknown.
constexpr std::string_view event_kind_name(Kind kind) {
  switch (kind) {
    case Kind::kGuestEntry: return "GuestEntry";
    case Kind::kIrqEntry: return "IrqEntry";
    case Kind::kIrqDispatch: return "IrqDispatch";
    case Kind::kIrqInjected: return "IrqInjected";
    case Kind::kGuestEoi: return "GuestEoi";
    case Kind::kHalCall: return "HalCall";
    case Kind::kExitBase: break;
  }
  return {};
}

/// Which HAL member a kHalCall record names, and what its two values hold. A record is
/// written once per call, after the call returns, so a result can be recorded.
enum class HalCall : std::uint16_t {
  kInitCpuInterface = 1,     ///< value = logical CPU, second = MPIDR bits [31:0].
  kIrqFetch = 2,             ///< value = the INTID it returned (1023: nothing pending).
  kIrqHandler = 3,           ///< value = 0 (the INTID it queued follows in an IrqDispatch record).
  kIrqPriorityDrop = 4,      ///< value = INTID.
  kIrqDeactivate = 5,        ///< value = INTID.
  kSendKick = 6,             ///< value = the physical CPU kicked.
  kWaitForKick = 7,          ///< value = 0.
  kListRegisterCount = 8,    ///< value = the count returned.
  kReadListRegister = 9,     ///< value = n, second = vINTID [23:0] | state << 24 read.
  kWriteListRegister = 10,   ///< value = n, second = vINTID [23:0] | state << 24 written.
  kEmptyListRegisters = 11,  ///< value = the mask returned.
  kAllocFrame = 12,          ///< value = the frame's physical address (0: none left).
  kDeallocFrame = 13,        ///< value = the frame's physical address.
  kVirtToPhys = 14,          ///< value = the physical address returned.
  kPhysToVirt = 15,          ///< value = the physical address passed.
};

/// Number past the last HalCall value (for tables indexed by it).
inline constexpr std::uint16_t kHalCallEnd = 16;

/// The HAL member's name ("irq_fetch" ...); empty if \p call is not a HalCall.
constexpr std::string_view hal_call_name(HalCall call) {
  switch (call) {
    case HalCall::kInitCpuInterface: return "init_cpu_interface";
    case HalCall::kIrqFetch: return "irq_fetch";
    case HalCall::kIrqHandler: return "irq_handler";
    case HalCall::kIrqPriorityDrop: return "irq_priority_drop";
    case HalCall::kIrqDeactivate: return "irq_deactivate";
    case HalCall::kSendKick: return "send_kick";
    case HalCall::kWaitForKick: return "wait_for_kick";
    case HalCall::kListRegisterCount: return "list_register_count";
    case HalCall::kReadListRegister: return "read_list_register";
    case HalCall::kWriteListRegister: return "write_list_register";
    case HalCall::kEmptyListRegisters: return "empty_list_registers";
    case HalCall::kAllocFrame: return "alloc_frame";
    case HalCall::kDeallocFrame: return "dealloc_frame";
    case HalCall::kVirtToPhys: return "virt_to_phys";
    case HalCall::kPhysToVirt: return "phys_to_virt";
  }
  return {};
}

/// The esr field of a kHalCall record: the call in bits [15:0], \p second in bits [63:32].
constexpr std::uint64_t hal_call_detail(HalCall call, std::uint32_t second) {
  return static_cast<std::uint64_t>(call) | (std::uint64_t{second} << 32);
}

/// One event (64 bytes: a power of two, so a slot's address is one shift away).
struct alignas(64) TraceRecord {
  std::uint64_t seq;     ///< Sequence number, from 1; written last, so a reader sees whole records.
  std::uint64_t icount;  ///< PMCCNTR_EL0 at the event: instructions under `-icount shift=0`.
  std::uint64_t esr;     ///< ESR_EL2 of the exit (0 for events without one).
  std::uint64_t address;   ///< The exit's main argument: IPA, function ID, register key, IRQ.
  std::uint64_t guest_pc;  ///< The guest's PC at the exit.
  std::uint16_t kind;      ///< A Kind value.
  std::uint16_t cpu;       ///< Physical CPU.
  std::uint32_t vcpu;      ///< vCPU index.
  // Then 16 bytes of padding to 64 (zero; room for a later layout version).
};
static_assert(sizeof(TraceRecord) == 64);
static_assert(offsetof(TraceRecord, cpu) == offsetof(TraceRecord, kind) + 2 &&
                  offsetof(TraceRecord, vcpu) == offsetof(TraceRecord, kind) + 4,
              "kind, cpu and vcpu are one 8-byte word (source_word)");
static_assert(std::endian::native == std::endian::little, "source_word's byte order");

/// A record's kind, cpu and vcpu fields as the one 8-byte word they occupy (little-endian).
constexpr std::uint64_t source_word(std::uint16_t kind, std::uint16_t cpu, std::uint32_t vcpu) {
  return std::uint64_t{kind} | (std::uint64_t{cpu} << 16) | (std::uint64_t{vcpu} << 32);
}

/// The ring: a header followed by the records.
template <std::size_t Capacity>
struct Ring {
  static_assert((Capacity & (Capacity - 1)) == 0, "capacity must be a power of two");
  std::uint32_t magic = 0x4543'5254;                ///< "TRCE".
  std::uint16_t version = 3;                        ///< Layout version (3: see above).
  std::uint16_t record_size = sizeof(TraceRecord);  ///< 64.
  std::uint32_t capacity = Capacity;                ///< Number of slots.
  std::uint32_t reserved = 0;                       ///< Zero.
  std::uint64_t next_seq = 1;                       ///< Next sequence number.
  TraceRecord records[Capacity] = {};               ///< The slots.

  /// Appends \p record (its seq is assigned here). Safe to call from several CPUs at once.
  void push(const TraceRecord& record) {
    push(record.icount, record.esr, record.address, record.guest_pc,
         source_word(record.kind, record.cpu, record.vcpu));
  }

  /// The same, with the kind, CPU and vCPU as one source_word(): a writer that knows its CPU
  /// and vCPU in advance (a vCPU's exit path) adds the kind with one OR, and all three go in
  /// with one store. (Always inline: on an exit path the ring's address is a constant, and an
  /// out-of-line copy costs a call and its argument moves on every exit.)
  [[gnu::always_inline]] void push(std::uint64_t icount, std::uint64_t esr, std::uint64_t address,
                                   std::uint64_t guest_pc, std::uint64_t source) {
    // The slot's address from the counter's, which is already in a register for the atomic:
    // one address formed, not one for the counter and another for the slots. (As an integer:
    // the compiler knows the slots follow the counter by a fixed distance.)
    const std::uint64_t seq =
        std::atomic_ref<std::uint64_t>(next_seq).fetch_add(1, std::memory_order_relaxed);
    // (Said to be 64-byte aligned, as every slot is: a pointer made from an integer has no
    // known alignment, and where this function is not inlined the compiler would then copy
    // the source word below with a call to memcpy rather than one store, under -mstrict-align.)
    auto* const slot = static_cast<TraceRecord*>(__builtin_assume_aligned(
        reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(&next_seq) +
                                (offsetof(Ring, records) - offsetof(Ring, next_seq)) +
                                (seq & (Capacity - 1)) * sizeof(TraceRecord)),
        alignof(TraceRecord)));
    // The number goes in last. Until then the slot keeps the number of the record it held
    // before (capacity records ago, or 0), and a reader — who looks for this record's number
    // in this slot, since next_seq has moved past it — skips the half-written slot.
    slot->icount = icount;
    slot->esr = esr;
    slot->address = address;
    slot->guest_pc = guest_pc;
    // (The builtin: inlined as one store even where the build says -fno-builtin.)
    __builtin_memcpy(&slot->kind, &source, sizeof(source));  // kind, cpu, vcpu
    __atomic_store_n(&slot->seq, seq, __ATOMIC_RELEASE);
  }
};

/// \}

}  // namespace el2lab::trace
