// Lab 02's host test: your TracingHal over a fake HAL, on the host (no QEMU).
//
// For every member: the call reaches the inner HAL once with the same arguments, its result
// comes back unchanged, and exactly one record follows it with the call, value and second value
// trace.h's HalCall documents. The fake HAL and the fake sink write into one log, so the test
// also sees that the record comes after the inner call. Prints one line per member ("ok NAME"
// or "FAIL NAME: why") and exits 1 if any failed. The grader compiles and runs it
// (labs/02-tracing-hal/grade.py, test 02.4); so can you:
//   g++ -std=c++20 -I. labs/02-tracing-hal/tests/decorator_test.cc -o /tmp/t && /tmp/t
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

// The grader compiles the solution's header in its place when it grades the reference solution.
#ifndef LAB02_TRACING_HAL_HEADER
#define LAB02_TRACING_HAL_HEADER "labs/02-tracing-hal/tracing_hal.h"
#endif
#include LAB02_TRACING_HAL_HEADER

namespace {

using el2lab::gic::ListEntry;
using el2lab::gic::LrState;
using el2lab::trace::HalCall;

// One entry of the shared log: the inner HAL was called (inner = true), or a record was made.
struct Event {
  bool inner;
  std::string member;  // inner calls: the member name
  HalCall call;        // records: what they say
  std::uint64_t value;
  std::uint32_t second;
  std::uint64_t a0, a1;  // inner calls: the arguments they got
};
std::vector<Event> events;

void inner(const char* member, std::uint64_t a0 = 0, std::uint64_t a1 = 0) {
  events.push_back({true, member, HalCall{}, 0, 0, a0, a1});
}

// Values the fake hands back: distinct and unlikely, so a made-up result is caught.
constexpr std::size_t kFetched = 0x1234;
constexpr unsigned kCount = 11;
constexpr std::uint32_t kEmpty = 0x5a5;
constexpr std::uint64_t kFrame = 0x4567'8000;
constexpr std::uint64_t kPhys = 0x7654'3000;
int backing = 0;
ListEntry stored{};

struct FakeHal {
  static std::string_view name() { return "FakeHal"; }
  static void init_cpu_interface(std::uint32_t cpu, std::uint64_t mpidr) {
    inner("init_cpu_interface", cpu, mpidr);
  }
  static std::size_t irq_fetch() { return inner("irq_fetch"), kFetched; }
  static void irq_handler() { inner("irq_handler"); }
  static void irq_priority_drop(std::uint32_t intid) { inner("irq_priority_drop", intid); }
  static void irq_deactivate(std::uint32_t intid) { inner("irq_deactivate", intid); }
  static void send_kick(std::uint32_t cpu) { inner("send_kick", cpu); }
  static void wait_for_kick() { inner("wait_for_kick"); }
  static unsigned list_register_count() { return inner("list_register_count"), kCount; }
  static ListEntry read_list_register(unsigned n) {
    inner("read_list_register", n);
    return stored;
  }
  static void write_list_register(unsigned n, const ListEntry& entry) {
    inner("write_list_register", n, entry.virtual_id);
    stored = entry;
  }
  static std::uint32_t empty_list_registers() { return inner("empty_list_registers"), kEmpty; }
  static std::uint64_t alloc_frame() { return inner("alloc_frame"), kFrame; }
  static void dealloc_frame(std::uint64_t pa) { inner("dealloc_frame", pa); }
  static std::uint64_t virt_to_phys(const void* p) {
    inner("virt_to_phys", reinterpret_cast<std::uintptr_t>(p));
    return kPhys;
  }
  static void* phys_to_virt(std::uint64_t pa) {
    inner("phys_to_virt", pa);
    return &backing;
  }
};
static_assert(el2lab::VCpuHal<FakeHal>);

struct FakeSink {
  static void record(HalCall call, std::uint64_t value, std::uint32_t second = 0) {
    events.push_back({false, "", call, value, second, 0, 0});
  }
};

using Traced = el2lab::labs::TracingHal<FakeHal, FakeSink>;
static_assert(el2lab::VCpuHal<Traced>, "TracingHal must satisfy the HAL concept");

int failures = 0;

// Checks the log of one call: the inner call with its arguments, then exactly one record.
void expect(const char* member, std::uint64_t a0, std::uint64_t a1, HalCall call,
            std::uint64_t value, std::uint32_t second, bool result_ok, const char* result_what) {
  std::string why;
  char buf[200];
  const auto inner_calls = [&] {
    int n = 0;
    for (const Event& e : events) n += e.inner;
    return n;
  }();
  if (inner_calls != 1) {
    std::snprintf(buf, sizeof buf, "the inner HAL's %s was called %d times, not once", member,
                  inner_calls);
    why = buf;
  } else if (events[0].member != member || !events[0].inner) {
    why = "the inner HAL was not called first (record after the call, so a result can go in it)";
  } else if (events[0].a0 != a0 || events[0].a1 != a1) {
    std::snprintf(buf, sizeof buf, "the inner HAL got arguments (%#llx, %#llx), not (%#llx, %#llx)",
                  static_cast<unsigned long long>(events[0].a0),
                  static_cast<unsigned long long>(events[0].a1),
                  static_cast<unsigned long long>(a0), static_cast<unsigned long long>(a1));
    why = buf;
  } else if (!result_ok) {
    why = std::string("the result did not come back unchanged: ") + result_what;
  } else if (events.size() != 2) {
    std::snprintf(buf, sizeof buf, "%zu records after the call, not exactly one",
                  events.size() - 1);
    why = buf;
  } else if (events[1].call != call) {
    std::snprintf(buf, sizeof buf, "the record names HalCall %u, not %u (%s)",
                  static_cast<unsigned>(events[1].call), static_cast<unsigned>(call), member);
    why = buf;
  } else if (events[1].value != value || events[1].second != second) {
    std::snprintf(buf, sizeof buf, "the record holds value %#llx, second %#x; expected %#llx, %#x",
                  static_cast<unsigned long long>(events[1].value), events[1].second,
                  static_cast<unsigned long long>(value), second);
    why = buf;
  }
  if (why.empty()) {
    std::printf("ok %s\n", member);
  } else {
    std::printf("FAIL %s: %s\n", member, why.c_str());
    ++failures;
  }
  events.clear();
}

}  // namespace

int main() {
  Traced::init_cpu_interface(3, 0x8000'0103);
  expect("init_cpu_interface", 3, 0x8000'0103, HalCall::kInitCpuInterface, 3, 0x8000'0103, true,
         "");
  const std::size_t intid = Traced::irq_fetch();
  expect("irq_fetch", 0, 0, HalCall::kIrqFetch, kFetched, 0, intid == kFetched,
         "irq_fetch() must return what the inner HAL acknowledged");
  Traced::irq_handler();
  expect("irq_handler", 0, 0, HalCall::kIrqHandler, 0, 0, true, "");
  Traced::irq_priority_drop(27);
  expect("irq_priority_drop", 27, 0, HalCall::kIrqPriorityDrop, 27, 0, true, "");
  Traced::irq_deactivate(30);
  expect("irq_deactivate", 30, 0, HalCall::kIrqDeactivate, 30, 0, true, "");
  Traced::send_kick(1);
  expect("send_kick", 1, 0, HalCall::kSendKick, 1, 0, true, "");
  Traced::wait_for_kick();
  expect("wait_for_kick", 0, 0, HalCall::kWaitForKick, 0, 0, true, "");
  const unsigned count = Traced::list_register_count();
  expect("list_register_count", 0, 0, HalCall::kListRegisterCount, kCount, 0, count == kCount,
         "list_register_count() must return the inner HAL's count");

  ListEntry entry;
  entry.virtual_id = 0x2a;
  entry.physical_id = 0x2a;
  entry.hw = true;
  entry.priority = 0xa0;
  entry.state = LrState::kActive;
  Traced::write_list_register(2, entry);
  // Second value: vINTID [23:0], state [25:24] (active = 2).
  expect("write_list_register", 2, 0x2a, HalCall::kWriteListRegister, 2, 0x2a | (2u << 24),
         stored.virtual_id == 0x2a && stored.priority == 0xa0 && stored.hw,
         "the entry the inner HAL got differs from the one passed");
  stored.virtual_id = 0x1b;
  stored.state = LrState::kPending;
  const ListEntry read = Traced::read_list_register(3);
  expect("read_list_register", 3, 0, HalCall::kReadListRegister, 3, 0x1b | (1u << 24),
         read.virtual_id == 0x1b && read.state == LrState::kPending && read.priority == 0xa0,
         "read_list_register() must return the inner HAL's entry");
  const std::uint32_t empty = Traced::empty_list_registers();
  expect("empty_list_registers", 0, 0, HalCall::kEmptyListRegisters, kEmpty, 0, empty == kEmpty,
         "empty_list_registers() must return the inner HAL's mask");
  const std::uint64_t frame = Traced::alloc_frame();
  expect("alloc_frame", 0, 0, HalCall::kAllocFrame, kFrame, 0, frame == kFrame,
         "alloc_frame() must return the inner HAL's frame");
  Traced::dealloc_frame(0x4000'2000);
  expect("dealloc_frame", 0x4000'2000, 0, HalCall::kDeallocFrame, 0x4000'2000, 0, true, "");
  const std::uint64_t pa = Traced::virt_to_phys(&backing);
  expect("virt_to_phys", reinterpret_cast<std::uintptr_t>(&backing), 0, HalCall::kVirtToPhys, kPhys,
         0, pa == kPhys, "virt_to_phys() must return the inner HAL's address");
  void* p = Traced::phys_to_virt(0x4000'3000);
  expect("phys_to_virt", 0x4000'3000, 0, HalCall::kPhysToVirt, 0x4000'3000, 0, p == &backing,
         "phys_to_virt() must return the inner HAL's pointer");

  std::printf("%d of 15 members traced correctly\n", 15 - failures);
  return failures == 0 ? 0 : 1;
}
