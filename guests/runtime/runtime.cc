// runtime.cc — what guest.h declares: the console, hypercalls, CPUs, checks and the exception
// hook.
//
// Several CPUs may run this code at once. The state they share is kept in std::atomic or behind
// the console lock. The guest runs with its MMU off, where every access is Device-nGnRnE: the
// architecture leaves it IMPLEMENTATION DEFINED whether exclusive loads and stores (what the
// atomics compile to, with -mno-outline-atomics) work on such memory; QEMU's do, on any memory,
// which is all these guests need. A guest for real hardware would turn its MMU on first.
#include <atomic>

#include "core/portable/psci.h"
#include "guests/runtime/guest.h"

/// The vector table (vectors.S).
extern "C" char guest_vector_table[];
/// Where CPUs started by start_cpu() begin (head.S).
extern "C" char guest_secondary_entry[];

namespace el2lab::guest {

// ---- console --------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::uint64_t kUartFr = 0x18;
constexpr std::uint32_t kUartTxFull = 1u << 5;

volatile std::uint32_t& uart_reg(std::uint64_t offset) {
  return *reinterpret_cast<volatile std::uint32_t*>(kUartBase + offset);
}

void put_char(char c) {
  while ((uart_reg(kUartFr) & kUartTxFull) != 0) {
  }
  uart_reg(0) = static_cast<unsigned char>(c);
}

Uart the_uart;

}  // namespace

void Uart::put(std::string_view text) {
  for (char c : text) {
    if (c == '\n') put_char('\r');
    put_char(c);
  }
}

Uart& uart() {
  return the_uart;
}

namespace {

/// cpu_index() + 1 of the CPU holding the console, 0 when free.
std::atomic<unsigned> console_owner{0};

}  // namespace

ConsoleLock::ConsoleLock() {
  asm volatile("mrs %0, daif; msr daifset, #2" : "=r"(daif_)::"memory");
  const unsigned me = cpu_index() + 1;
  nested_ = console_owner.load(std::memory_order_relaxed) == me;
  if (nested_) return;
  unsigned expected = 0;
  while (!console_owner.compare_exchange_weak(expected, me, std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
    // Held for at most a line: wait with plain loads, not WFE (a hypervisor may take a trapped
    // WFE as a reason to put the vCPU to sleep until an interrupt).
    while (console_owner.load(std::memory_order_relaxed) != 0) asm volatile("yield");
    expected = 0;
  }
}

ConsoleLock::~ConsoleLock() {
  if (!nested_) console_owner.store(0, std::memory_order_release);
  asm volatile("msr daif, %0" ::"r"(daif_) : "memory");
}

// ---- calls to the hypervisor ----------------------------------------------------------------

std::uint64_t hvc(std::uint64_t function, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3) {
  register std::uint64_t x0 asm("x0") = function;
  register std::uint64_t x1 asm("x1") = a1;
  register std::uint64_t x2 asm("x2") = a2;
  register std::uint64_t x3 asm("x3") = a3;
  asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return x0;
}

std::uint64_t smc(std::uint64_t function, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3) {
  register std::uint64_t x0 asm("x0") = function;
  register std::uint64_t x1 asm("x1") = a1;
  register std::uint64_t x2 asm("x2") = a2;
  register std::uint64_t x3 asm("x3") = a3;
  asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return x0;
}

void system_off() {
  hvc(static_cast<std::uint64_t>(psci::Function::kSystemOff));
  println("guest: SYSTEM_OFF returned; spinning");
  for (;;) asm volatile("wfi");
}

std::uint64_t exit_count(abi::ExitKind kind) {
  return hvc(static_cast<std::uint64_t>(abi::Hypercall::kExitCount),
             static_cast<std::uint64_t>(kind));
}

unsigned current_el() {
  std::uint64_t el;
  asm volatile("mrs %0, CurrentEL" : "=r"(el));
  return static_cast<unsigned>((el >> 2) & 3);
}

namespace {

/// PSCI results are 32-bit signed numbers in w0.
std::int64_t psci_result(std::uint64_t x0) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x0));
}

constexpr std::uint64_t id(psci::Function f) {
  return static_cast<std::uint64_t>(f);
}

enum class Presence : int { kUnknown, kPresent, kAbsent };
std::atomic<Presence> el2lab_presence{Presence::kUnknown};

}  // namespace

bool el2lab_present() {
  Presence known = el2lab_presence.load(std::memory_order_acquire);
  if (known == Presence::kUnknown) {
    // PSCI_FEATURES is PSCI's own question "do you implement this function?"; firmware that
    // knows nothing of el2lab answers NOT_SUPPORTED for a function outside PSCI.
    const auto answer = psci_result(
        hvc(id(psci::Function::kFeatures), static_cast<std::uint64_t>(abi::Hypercall::kExitCount)));
    known = answer == static_cast<std::int64_t>(psci::Status::kSuccess) ? Presence::kPresent
                                                                        : Presence::kAbsent;
    el2lab_presence.store(known, std::memory_order_release);
  }
  return known == Presence::kPresent;
}

// ---- CPUs -----------------------------------------------------------------------------------

namespace {

/// What each started CPU runs, by logical index; written before its CPU_ON.
std::atomic<void (*)(unsigned)> cpu_function[kMaxCpus] = {};

}  // namespace

unsigned cpu_index() {
  std::uint64_t index;
  asm volatile("mrs %0, tpidr_el1" : "=r"(index));
  return static_cast<unsigned>(index);
}

std::uint64_t mpidr_affinity() {
  std::uint64_t mpidr;
  asm volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
  return mpidr & 0xff'00ff'ffff;
}

std::int64_t start_cpu(std::uint64_t mpidr, unsigned index, void (*fn)(unsigned)) {
  if (index >= kMaxCpus || fn == nullptr) {
    return static_cast<std::int64_t>(psci::Status::kInvalidParameters);
  }
  cpu_function[index].store(fn, std::memory_order_release);
  // Everything this CPU wrote for the new one (its function, the guest's shared state) must be
  // visible before it starts: complete the writes before the call.
  asm volatile("dsb sy" ::: "memory");
  const auto entry = reinterpret_cast<std::uint64_t>(guest_secondary_entry);
  return psci_result(hvc(id(psci::Function::kCpuOn64), mpidr, entry, index));
}

std::int64_t affinity_info(std::uint64_t mpidr) {
  return psci_result(hvc(id(psci::Function::kAffinityInfo64), mpidr, 0));
}

void cpu_off() {
  asm volatile("msr daifset, #2" ::: "memory");
  hvc(id(psci::Function::kCpuOff));
  // CPU_OFF does not return when it works. If it does return, stay parked here (IRQs masked,
  // so nothing else of the guest runs on this CPU): the CPU is still ON, which is what a guest
  // that checks AFFINITY_INFO will find and report.
  for (;;) asm volatile("wfi");
}

// ---- time and waiting -----------------------------------------------------------------------

std::uint64_t counter() {
  std::uint64_t value;
  asm volatile("isb; mrs %0, cntvct_el0" : "=r"(value)::"memory");
  return value;
}

std::uint64_t counter_frequency() {
  std::uint64_t hz;
  asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  return hz;
}

void stop_alarm() {
  asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(std::uint64_t{0}) : "memory");
}

void detail::arm_alarm(std::uint64_t counter_value) {
  asm volatile("msr cntv_cval_el0, %0" ::"r"(counter_value));
  asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(std::uint64_t{1}) : "memory");  // ENABLE
}

// ---- checks and the verdict -----------------------------------------------------------------

namespace {

int failures = 0;
fmt::Buffer<200> first_failure;     // what report() prints after "FAIL <guest>: "
constexpr int kFailuresShown = 12;  // a broken feature fails many checks: show the first few

}  // namespace

bool expect(bool ok, std::string_view what) {
  if (ok) return true;
  const ConsoleLock lock;  // also guards the failure record: any CPU may fail a check
  if (failures == 0) first_failure.put(what);
  if (failures < kFailuresShown) println("  check failed: ", what);
  if (failures == kFailuresShown) println("  (further failed checks are not shown)");
  ++failures;
  return false;
}

bool expect_eq(std::uint64_t got, std::uint64_t want, std::string_view what) {
  if (got == want) return true;
  fmt::Buffer<200> text;
  fmt::write(text, what, ": got ", fmt::Hex{got}, ", expected ", fmt::Hex{want});
  return expect(false, text.view());
}

bool all_passed() {
  const ConsoleLock lock;
  return failures == 0;
}

void report() {
  const ConsoleLock lock;
  if (failures == 0) {
    pass(kGuestName);
    return;
  }
  if (failures > 1) println(kGuestName, ": ", failures, " checks failed, reporting the first");
  fail(kGuestName, first_failure.view());
}

void pass(std::string_view name) {
  println("PASS ", name);
}

void fail(std::string_view name, std::string_view reason) {
  println("FAIL ", name, ": ", reason);
}

// ---- exceptions taken at EL1 ----------------------------------------------------------------

namespace {

SyncHandler sync_handler = nullptr;

}  // namespace

void install_vectors() {
  asm volatile("msr vbar_el1, %0\n isb" ::"r"(guest_vector_table) : "memory");
}

void set_sync_handler(SyncHandler handler) {
  sync_handler = handler;
}

}  // namespace el2lab::guest

using namespace el2lab;
using namespace el2lab::guest;

/// Called by vectors.S for every exception taken at EL1, with the index (0–15) of the vector
/// that fired and the registers it saved. Returning resumes the guest at frame->elr.
namespace {
el2lab::guest::IrqHandler irq_handler = nullptr;
}  // namespace

void el2lab::guest::set_irq_handler(IrqHandler handler) {
  irq_handler = handler;
}

extern "C" void guest_exception(std::uint64_t vector, ExceptionFrame* frame) {
  ExceptionInfo info{};
  asm volatile("mrs %0, esr_el1" : "=r"(info.esr));
  asm volatile("mrs %0, far_el1" : "=r"(info.far));
  info.vector = static_cast<unsigned>(vector);
  info.frame = frame;
  // Vectors 0 and 4 are the synchronous entries for exceptions taken from EL1 itself.
  const bool synchronous_from_el1 = vector == 0 || vector == 4;
  if (synchronous_from_el1 && sync_handler != nullptr && sync_handler(info)) return;
  constexpr std::uint64_t kIrqFromEl1Spx = 5;
  if (vector == kIrqFromEl1Spx && irq_handler != nullptr) {
    irq_handler();
    return;
  }

  constexpr std::string_view kKinds[] = {"synchronous", "IRQ", "FIQ", "SError"};
  println("FAIL ", kGuestName, ": unexpected exception ESR ", fmt::Hex{info.esr}, " ELR ",
          fmt::Hex{frame->elr}, " FAR ", fmt::Hex{info.far}, " (", kKinds[vector % 4], ", vector ",
          vector, ")");
  system_off();
}

/// Called by head.S with the device tree address.
extern "C" [[noreturn]] void guest_start(std::uint64_t device_tree) {
  install_vectors();
  guest_main(device_tree);
  system_off();
}

/// Called by head.S on a CPU that start_cpu() started, with its logical index (< kMaxCpus),
/// its stack, TPIDR_EL1 and VBAR_EL1 set up.
extern "C" [[noreturn]] void guest_secondary_start(std::uint64_t index) {
  auto* fn = cpu_function[index].load(std::memory_order_acquire);
  if (fn != nullptr) fn(static_cast<unsigned>(index));
  cpu_off();
}

/// A failed precondition inside libstdc++'s header code (core/runtime/cxx_support.cc).
extern "C" [[noreturn]] void el2lab_cxx_fatal(const char* what) {
  fail(kGuestName, what == nullptr ? "C++ runtime error" : what);
  system_off();
}
