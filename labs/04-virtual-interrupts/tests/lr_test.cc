// Lab 04's host test: your list-register encoding (lr_codec.h), on the host (no QEMU).
//
// The expected bits come from the GIC architecture's description of the registers, written out
// here field by field (GICv3: ICH_LR<n>_EL2; GICv2: GICH_LR<n>), not from el2lab's code. Then
// the core's own vgic::VirtualInterrupts drives a bank of raw list registers through your
// functions (a vgic::ListRegisterFile), as the hypervisor does, and the test plays the guest by
// changing the raw state bits. Prints "ok v3 NAME" / "FAIL v3 NAME: why" (and v2) per check;
// exits 1 if any failed. The grader compiles and runs it (tests 04.1, 04.2); so can you:
//   g++ -std=c++20 -I. labs/04-virtual-interrupts/tests/lr_test.cc core/portable/vgic.cc -o t
//   ./t
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/portable/vgic.h"
#include "core/portable/virtual_interrupts.h"

// The grader compiles the solution's header in its place when it grades the reference solution.
#ifndef LAB04_CODEC_HEADER
#define LAB04_CODEC_HEADER "labs/04-virtual-interrupts/lr_codec.h"
#endif
#include LAB04_CODEC_HEADER

namespace {

using el2lab::gic::ListEntry;
using el2lab::gic::LrState;
namespace codec = el2lab::labs::lr_codec;
using Source = el2lab::vgic::VirtualInterrupts::Source;

int failures = 0;

void check(const char* gic, const char* name, bool ok, const std::string& why) {
  if (ok) {
    std::printf("ok %s %s\n", gic, name);
  } else {
    std::printf("FAIL %s %s: %s\n", gic, name, why.c_str());
    ++failures;
  }
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#" PRIx64, v);
  return buf;
}

// A field of a register: `value` at bits [hi:lo].
constexpr std::uint64_t at(std::uint64_t value, unsigned hi, unsigned lo) {
  return (value & ((std::uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
}
constexpr std::uint64_t field(std::uint64_t word, unsigned hi, unsigned lo) {
  return (word >> lo) & ((std::uint64_t{1} << (hi - lo + 1)) - 1);
}

ListEntry entry(std::uint32_t vid, std::uint32_t pid, std::uint8_t prio, bool g1, bool hw,
                LrState state, bool eoi = false, std::uint8_t source = 0) {
  ListEntry e;
  e.virtual_id = vid;
  e.physical_id = pid;
  e.priority = prio;
  e.group1 = g1;
  e.hw = hw;
  e.state = state;
  e.eoi_maintenance = eoi;
  e.source_cpu = source;
  return e;
}

std::string describe(const ListEntry& e) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "{vINTID %u, pINTID %u, priority %#x, group%d, hw %d, state %d, eoi %d, src %u}",
                e.virtual_id, e.physical_id, e.priority, e.group1 ? 1 : 0, e.hw ? 1 : 0,
                static_cast<int>(e.state), e.eoi_maintenance ? 1 : 0, e.source_cpu);
  return buf;
}

bool same(const ListEntry& a, const ListEntry& b) {
  return a.virtual_id == b.virtual_id && a.physical_id == b.physical_id &&
         a.priority == b.priority && a.group1 == b.group1 && a.hw == b.hw && a.state == b.state &&
         a.eoi_maintenance == b.eoi_maintenance && a.source_cpu == b.source_cpu;
}

// ---- GICv3: ICH_LR<n>_EL2 --------------------------------------------------------------------
// vINTID [31:0], pINTID [44:32] (HW = 1), EOI [41] (HW = 0), Priority [55:48], Group [60],
// HW [61], State [63:62] (00 invalid, 01 pending, 10 active, 11 pending and active).

void v3_fields() {
  // The virtual timer forwarded with HW: pending, group 1, priority 0xa0.
  const std::uint64_t timer = at(27, 31, 0) | at(27, 44, 32) | at(0xa0, 55, 48) | at(1, 60, 60) |
                              at(1, 61, 61) | at(1, 63, 62);
  const std::uint64_t got = codec::encode_v3(entry(27, 27, 0xa0, true, true, LrState::kPending));
  check("v3", "encode-hw-timer", got == timer, "encoded " + hex(got) + ", expected " + hex(timer));

  // A software-forwarded interrupt asking for an EOI maintenance interrupt: bit 41, no pINTID.
  const std::uint64_t sw =
      at(33, 31, 0) | at(1, 41, 41) | at(0x80, 55, 48) | at(1, 60, 60) | at(1, 63, 62);
  const std::uint64_t got_sw =
      codec::encode_v3(entry(33, 33, 0x80, true, false, LrState::kPending, true));
  check("v3", "encode-eoi-maintenance", got_sw == sw,
        "encoded " + hex(got_sw) + ", expected " + hex(sw) +
            " (without HW: bit 41 is EOI and pINTID is not written)");

  // Group 0, active, a large vINTID (32 bits), priority 0x10.
  const std::uint64_t g0 = at(0x2001, 31, 0) | at(0x10, 55, 48) | at(2, 63, 62);
  const std::uint64_t got_g0 =
      codec::encode_v3(entry(0x2001, 0, 0x10, false, false, LrState::kActive));
  check("v3", "encode-group0-active", got_g0 == g0,
        "encoded " + hex(got_g0) + ", expected " + hex(g0));

  const std::uint64_t empty = codec::encode_v3(ListEntry{});
  check("v3", "encode-empty", field(empty, 63, 62) == 0 && field(empty, 31, 0) == 0,
        "an empty entry encodes to " + hex(empty) + ": its state and vINTID must be 0");

  // Decoding raw values built from the layout.
  const ListEntry d = codec::decode_v3(at(30, 31, 0) | at(30, 44, 32) | at(0xf0, 55, 48) |
                                       at(1, 60, 60) | at(1, 61, 61) | at(3, 63, 62));
  check("v3", "decode-hw", same(d, entry(30, 30, 0xf0, true, true, LrState::kPendingActive)),
        "decoded " + describe(d));
  const ListEntry s =
      codec::decode_v3(at(40, 31, 0) | at(1, 41, 41) | at(0x20, 55, 48) | at(2, 63, 62));
  check("v3", "decode-sw-eoi", same(s, entry(40, 0, 0x20, false, false, LrState::kActive, true)),
        "decoded " + describe(s) + " (without HW there is no pINTID, and bit 41 is EOI)");

  // Round trips over every state, group, HW and a spread of IDs and priorities.
  bool round_trips = true;
  std::string first;
  for (std::uint32_t vid : {0u, 1u, 27u, 1019u, 8191u, 0xffff'ffffu}) {
    for (int st = 0; st < 4; ++st) {
      for (bool hw : {false, true}) {
        for (std::uint8_t prio : {std::uint8_t{0}, std::uint8_t{0x58}, std::uint8_t{0xff}}) {
          const ListEntry e = entry(vid, hw ? (vid & 0x1fff) : 0, prio, (st & 1) != 0, hw,
                                    static_cast<LrState>(st), !hw && st == 1);
          const ListEntry back = codec::decode_v3(codec::encode_v3(e));
          if (!same(back, e) && round_trips) {
            round_trips = false;
            first = describe(e) + " came back as " + describe(back);
          }
        }
      }
    }
  }
  check("v3", "round-trip", round_trips, first);
}

// ---- GICv2: GICH_LR<n> -----------------------------------------------------------------------
// VirtualID [9:0], PhysicalID [19:10] (HW = 1); with HW = 0: EOI [19], CPUID [12:10];
// Priority [27:23] (the top 5 bits of 8), State [29:28], Grp1 [30], HW [31].

void v2_fields() {
  const std::uint64_t timer =
      at(27, 9, 0) | at(27, 19, 10) | at(0xa0 >> 3, 27, 23) | at(1, 29, 28) | at(1, 31, 31);
  const std::uint32_t got = codec::encode_v2(entry(27, 27, 0xa0, false, true, LrState::kPending));
  check("v2", "encode-hw-timer", got == timer, "encoded " + hex(got) + ", expected " + hex(timer));

  // An SGI from CPU 3, software, asking for an EOI maintenance interrupt, group 1.
  const std::uint64_t sgi = at(5, 9, 0) | at(3, 12, 10) | at(1, 19, 19) | at(0x80 >> 3, 27, 23) |
                            at(1, 29, 28) | at(1, 30, 30);
  const std::uint32_t got_sgi =
      codec::encode_v2(entry(5, 0, 0x80, true, false, LrState::kPending, true, 3));
  check("v2", "encode-sgi-source", got_sgi == sgi,
        "encoded " + hex(got_sgi) + ", expected " + hex(sgi) +
            " (CPUID in [12:10], EOI in bit 19, priority's top five bits in [27:23])");

  const std::uint32_t active =
      codec::encode_v2(entry(1019, 0, 0xf8, false, false, LrState::kActive));
  const std::uint64_t want = at(1019, 9, 0) | at(0xf8 >> 3, 27, 23) | at(2, 29, 28);
  check("v2", "encode-active", active == want,
        "encoded " + hex(active) + ", expected " + hex(want));

  const ListEntry d =
      codec::decode_v2(static_cast<std::uint32_t>(at(30, 9, 0) | at(30, 19, 10) | at(0x1f, 27, 23) |
                                                  at(3, 29, 28) | at(1, 30, 30) | at(1, 31, 31)));
  check("v2", "decode-hw", same(d, entry(30, 30, 0xf8, true, true, LrState::kPendingActive)),
        "decoded " + describe(d) + " (priority [27:23] is the top five bits: 0x1f -> 0xf8)");
  const ListEntry s = codec::decode_v2(
      static_cast<std::uint32_t>(at(7, 9, 0) | at(6, 12, 10) | at(1, 19, 19) | at(1, 29, 28)));
  check("v2", "decode-sgi", same(s, entry(7, 0, 0, false, false, LrState::kPending, true, 6)),
        "decoded " + describe(s));

  bool round_trips = true;
  std::string first;
  for (std::uint32_t vid : {0u, 5u, 27u, 1019u}) {
    for (int st = 0; st < 4; ++st) {
      for (bool hw : {false, true}) {
        for (std::uint8_t prio : {std::uint8_t{0}, std::uint8_t{0x58}, std::uint8_t{0xf8}}) {
          const ListEntry e =
              entry(vid, hw ? vid : 0, prio, (st & 2) != 0, hw, static_cast<LrState>(st),
                    !hw && st == 1, hw ? 0 : static_cast<std::uint8_t>(st + 1));
          const ListEntry back = codec::decode_v2(codec::encode_v2(e));
          if (!same(back, e) && round_trips) {
            round_trips = false;
            first = describe(e) + " came back as " + describe(back);
          }
        }
      }
    }
  }
  check("v2", "round-trip", round_trips, first);
}

// ---- the core's VirtualInterrupts over raw registers encoded by your functions ----------------

// Four raw list registers of one generation; empty() reads the state bits as the GIC's ELRSR
// does, from the raw words (not through your decoder).
template <bool V3>
struct RawListRegisters {
  std::uint64_t raw[4] = {};
  std::uint32_t last_deactivated = 0, finished_intid = 0;
  unsigned finished_n = 99;

  static unsigned count() { return 4; }
  ListEntry read(unsigned n) const {
    return V3 ? codec::decode_v3(raw[n]) : codec::decode_v2(static_cast<std::uint32_t>(raw[n]));
  }
  std::uint32_t empty() const {
    std::uint32_t mask = 0;
    for (unsigned n = 0; n < 4; ++n) {
      if ((V3 ? field(raw[n], 63, 62) : field(raw[n], 29, 28)) == 0) mask |= 1u << n;
    }
    return mask;
  }
  void write(unsigned n, const ListEntry& e) {
    raw[n] = V3 ? codec::encode_v3(e) : codec::encode_v2(e);
  }
  void deactivate(std::uint32_t intid) { last_deactivated = intid; }
  void injected(std::uint32_t, unsigned) {}
  void finished(std::uint32_t intid, unsigned n) {
    finished_intid = intid;
    finished_n = n;
  }
  // The guest: acknowledge (pending -> active), then EOI (active -> invalid).
  void set_state(unsigned n, unsigned state) {
    if (V3) {
      raw[n] = (raw[n] & ~at(3, 63, 62)) | at(state, 63, 62);
    } else {
      raw[n] = (raw[n] & ~at(3, 29, 28)) | at(state, 29, 28);
    }
  }
};
static_assert(el2lab::vgic::ListRegisterFile<RawListRegisters<true>>);

// A guest that enabled the timer and SGI 5 at priority 0xa0, group 1 (GICv3 registers; the
// GICv2 guest is set up through the distributor).
el2lab::vgic::VirtualGic guest_gic(bool v3) {
  using el2lab::GicVersion;
  el2lab::vgic::VirtualGic gic(v3 ? GicVersion::kV3 : GicVersion::kV2, 2);
  if (v3) {
    gic.distributor_write(0x0, 4, 0x3, 0);
    gic.redistributor_write(0x10000 + 0x80, 4, 0xffff'ffff);
    gic.redistributor_write(0x10000 + 0x100, 4, (1u << 27) | (1u << 5));
    gic.redistributor_write(0x10000 + 0x400 + 27, 1, 0xa0);
    gic.redistributor_write(0x10000 + 0x400 + 5, 1, 0xa0);
  } else {
    gic.distributor_write(0x0, 4, 0x3, 0);
    gic.distributor_write(0x80, 4, 0xffff'ffff, 0);
    gic.distributor_write(0x100, 4, (1u << 27) | (1u << 5), 0);
    gic.distributor_write(0x400 + 27, 1, 0xa0, 0);
    gic.distributor_write(0x400 + 5, 1, 0xa0, 0);
  }
  return gic;
}

template <bool V3>
void through_the_core(const char* gic_name) {
  RawListRegisters<V3> lrs;
  el2lab::vgic::VirtualInterrupts irqs;
  const auto gic = guest_gic(V3);
  irqs.queue(27, Source::kForwardedHw);
  irqs.queue(5, Source::kVirtual, V3 ? 0 : 1);
  irqs.deliver(lrs, gic, 0);
  const std::uint64_t t = lrs.raw[0], g = lrs.raw[1];
  const bool timer_ok =
      V3 ? field(t, 31, 0) == 27 && field(t, 44, 32) == 27 && field(t, 61, 61) == 1 &&
               field(t, 63, 62) == 1 && field(t, 55, 48) == 0xa0 && field(t, 60, 60) == 1
         : field(t, 9, 0) == 27 && field(t, 19, 10) == 27 && field(t, 31, 31) == 1 &&
               field(t, 29, 28) == 1 && field(t, 27, 23) == (0xa0 >> 3);
  check(gic_name, "core-injects-timer", timer_ok,
        "VirtualInterrupts::deliver() left list register 0 = " + hex(t) +
            ": the forwarded timer must read pending, HW, vINTID = pINTID = 27, priority 0xa0");
  const bool sgi_ok = V3 ? field(g, 31, 0) == 5 && field(g, 61, 61) == 0 && field(g, 63, 62) == 1
                         : field(g, 9, 0) == 5 && field(g, 31, 31) == 0 && field(g, 29, 28) == 1 &&
                               field(g, 12, 10) == 1;
  check(gic_name, "core-injects-sgi", sgi_ok,
        "list register 1 = " + hex(g) + ": SGI 5, pending, no HW" +
            std::string(V3 ? "" : ", source CPU 1 in [12:10]"));
  // The guest takes the timer: pending -> active; the core must see it as no longer waiting.
  lrs.set_state(0, 2);
  lrs.set_state(1, 2);
  const bool still_waiting = irqs.waiting(lrs, gic, 0);
  check(gic_name, "core-reads-active", !still_waiting,
        "with both entries active, VirtualInterrupts::waiting() (through your decoder) still "
        "sees one pending");
  lrs.set_state(0, 0);  // EOI: the GIC empties the entry
  irqs.reap(lrs);
  check(gic_name, "core-reaps-eoi", lrs.finished_intid == 27 && lrs.finished_n == 0,
        "after the guest's EOI of list register 0, reap() did not report INTID 27 finished");
}

}  // namespace

int main() {
  v3_fields();
  through_the_core<true>("v3");
  v2_fields();
  through_the_core<false>("v2");
  std::printf("%d checks failed\n", failures);
  return failures == 0 ? 0 : 1;
}
