// Lab 07's host test of kick.h: the SGI register values against the GIC architecture's bit
// layouts (written out here field by field, independently of kick.h), and the wait against a
// fake GIC that records every call. One case per property: `kick_test <case>`.
// Compiled by the grader with -DKICK_HEADER="<your kick.h>".
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include KICK_HEADER
#include "labs/gradelib/host_check.h"

namespace {

namespace kick = el2lab::labs::kick;
using el2lab::labs::host_check::failures;

// A register value from (lsb, width, value) fields.
struct Field {
  unsigned lsb, width;
  std::uint64_t value;
};
std::uint64_t assemble(std::initializer_list<Field> fields) {
  std::uint64_t r = 0;
  for (const Field& f : fields) r |= (f.value & ((std::uint64_t{1} << f.width) - 1)) << f.lsb;
  return r;
}

// ICC_SGI1R_EL1 (Arm GIC architecture spec, IHI 0069): TargetList [15:0], Aff1 [23:16],
// INTID [27:24], Aff2 [39:32], IRM [40], RS [47:44], Aff3 [55:48].
std::uint64_t sgi1r(unsigned aff3, unsigned aff2, unsigned aff1, unsigned target_bit, unsigned rs,
                    unsigned intid) {
  return assemble({{0, 16, std::uint64_t{1} << target_bit},
                   {16, 8, aff1},
                   {24, 4, intid},
                   {32, 8, aff2},
                   {40, 1, 0},
                   {44, 4, rs},
                   {48, 8, aff3}});
}
// MPIDR_EL1: Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], Aff3 [39:32]; bit 31 reads as 1 (RES1).
std::uint64_t mpidr(unsigned aff3, unsigned aff2, unsigned aff1, unsigned aff0) {
  return assemble({{0, 8, aff0}, {8, 8, aff1}, {16, 8, aff2}, {31, 1, 1}, {32, 8, aff3}});
}

void sgi1r_cases() {
  struct Case {
    unsigned aff3, aff2, aff1, aff0, intid;
  };
  const Case cases[] = {{0, 0, 0, 0, 1},  {0, 0, 0, 1, 1}, {0, 0, 0, 3, 5},  {0, 0, 1, 2, 1},
                        {0, 2, 0, 0, 15}, {1, 0, 0, 7, 8}, {0, 0, 0, 15, 0}, {3, 4, 5, 6, 9}};
  for (const Case& c : cases) {
    const std::uint64_t m = mpidr(c.aff3, c.aff2, c.aff1, c.aff0);
    const std::uint64_t want = sgi1r(c.aff3, c.aff2, c.aff1, c.aff0, 0, c.intid);
    const std::uint64_t got = kick::icc_sgi1r_for(m, c.intid);
    CHECK(got == want, "icc_sgi1r_for(MPIDR %#llx, SGI %u) = %#llx, want %#llx",
          (unsigned long long)m, c.intid, (unsigned long long)got, (unsigned long long)want);
  }
}

// Aff0 beyond 15: the range selector picks the group of 16, the list bit is Aff0 mod 16.
void sgi1r_range_cases() {
  for (unsigned aff0 : {16u, 17u, 35u, 255u}) {
    const std::uint64_t m = mpidr(0, 0, 2, aff0);
    const std::uint64_t want = sgi1r(0, 0, 2, aff0 % 16, aff0 / 16, 1);
    const std::uint64_t got = kick::icc_sgi1r_for(m, 1);
    CHECK(got == want, "icc_sgi1r_for(MPIDR %#llx, SGI 1) = %#llx, want %#llx (RS = Aff0 / 16)",
          (unsigned long long)m, (unsigned long long)got, (unsigned long long)want);
  }
}

// GICD_SGIR (Arm GIC architecture spec v2, IHI 0048): SGIINTID [3:0], NSATT [15],
// CPUTargetList [23:16], TargetListFilter [25:24].
void sgir_cases() {
  struct Case {
    unsigned targets, intid;
  };
  const Case cases[] = {{0x01, 1}, {0x02, 1}, {0x80, 7}, {0x0f, 15}, {0x40, 0}};
  for (const Case& c : cases) {
    const auto want = static_cast<std::uint32_t>(
        assemble({{0, 4, c.intid}, {15, 1, 0}, {16, 8, c.targets}, {24, 2, 0}}));
    const std::uint32_t got = kick::gicd_sgir_for(static_cast<std::uint8_t>(c.targets), c.intid);
    CHECK(got == want, "gicd_sgir_for(targets %#x, SGI %u) = %#x, want %#x", c.targets, c.intid,
          got, want);
  }
}

// A GIC that hands out a list of pending interrupts and records what it was asked.
struct FakeGic {
  std::vector<std::uint32_t> pending;
  std::string log;
  void wfi() { log += "wfi "; }
  std::uint32_t acknowledge() {
    if (log.find("wfi") == std::string::npos) log += "(ack before wfi!) ";
    if (pending.empty()) {
      log += "ack:1023 ";
      return 1023;
    }
    const std::uint32_t id = pending.front();
    pending.erase(pending.begin());
    log += "ack:" + std::to_string(id) + " ";
    return id;
  }
  void priority_drop(std::uint32_t id) { log += "eoi:" + std::to_string(id) + " "; }
  void deactivate(std::uint32_t id) { log += "dir:" + std::to_string(id) + " "; }
};

void wait_cases() {
  {
    FakeGic gic{{1}, ""};
    kick::wait_for_kick_with(gic);
    CHECK(gic.log == "wfi ack:1 eoi:1 dir:1 ack:1023 ",
          "one kick pending: the GIC saw \"%s\", want \"wfi ack:1 eoi:1 dir:1 ack:1023\"",
          gic.log.c_str());
  }
  {
    FakeGic gic{{1, 27, 1}, ""};
    kick::wait_for_kick_with(gic);
    CHECK(gic.log == "wfi ack:1 eoi:1 dir:1 ack:27 eoi:27 dir:27 ack:1 eoi:1 dir:1 ack:1023 ",
          "three pending: the GIC saw \"%s\" (each acknowledged one dropped, then deactivated; "
          "stop at 1023)",
          gic.log.c_str());
  }
  {
    FakeGic gic{{}, ""};
    kick::wait_for_kick_with(gic);
    CHECK(gic.log == "wfi ack:1023 ",
          "nothing pending (an early wake-up): the GIC saw \"%s\", "
          "want \"wfi ack:1023\"",
          gic.log.c_str());
  }
}

using el2lab::labs::host_check::Case;
const Case kCases[] = {{"sgi1r", sgi1r_cases},
                       {"sgi1r_range", sgi1r_range_cases},
                       {"sgir", sgir_cases},
                       {"wait", wait_cases}};

}  // namespace

int main(int argc, char** argv) {
  return el2lab::labs::host_check::run_cases(argc, argv, kCases);
}
