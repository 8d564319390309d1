#!/usr/bin/env python3
"""The debug block reader behind `hv gic` (el2lab/gic.py), plain python3, against values built
by hand from the Arm GIC architecture's ICH_LR<n>_EL2 layout and core/el2/debug_block.h."""
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from el2lab import gic  # noqa: E402

passed, failed = 0, []


def check(ok: bool, what: str) -> None:
    global passed
    if ok:
        passed += 1
    else:
        failed.append(what)
        print(f"CHECK FAILED: {what}")


# ICH_LR: State [63:62], HW [61], Group [60], Priority [55:48], pINTID [44:32], EOI [41], vINTID.
timer = (1 << 62) | (1 << 61) | (1 << 60) | (0xA0 << 48) | (27 << 32) | 27
text = gic.decode_lr(timer)
check(text.startswith("pending vINTID 27,") and "HW pINTID 27" in text and "priority 0xa0" in text
      and text.endswith("group 1"), f"pending HW timer interrupt: {text}")
sgi = (2 << 62) | (1 << 41) | (1 << 60) | (0x80 << 48) | 5
text = gic.decode_lr(sgi)
check(text.startswith("active vINTID 5,") and "EOI maintenance" in text and "HW" not in text, text)
check(gic.decode_lr((3 << 62) | 33).startswith("pending+active vINTID 33"), "pending and active")
check(gic.decode_lr(0) == "invalid (empty)", "an empty list register")
text = gic.decode_lr((1 << 61) | (27 << 32) | 27)
check(text.startswith("invalid (free; last held vINTID 27") and text.endswith(")"), text)

check(gic.describe_timer(0, 0, 0).startswith("virtual timer off"), "ENABLE 0")
check("fires in 100 ticks" in gic.describe_timer(1, 1100, 1000), "ENABLE 1, 100 ticks to go")
check("condition met" in gic.describe_timer(5, 900, 1000), "ISTATUS 1")
check("output masked" in gic.describe_timer(3, 1100, 1000) and "fires in" in
      gic.describe_timer(3, 1100, 1000), "IMASK")

# A block as debug_block.h lays it out: header, then slots of 56 + 16 * 8 bytes.
check(gic.VCPU.size == 56 + 16 * 8 and gic.HEADER.size == gic.VCPUS_OFFSET, "layout sizes")
header = gic.parse_header(struct.pack("<IIIIII", 0x44324C45, 1, gic.VCPU.size, 8, 1, 0))
check(header.problem() == "" and header.armed == 1, "a valid header")
check("no debug block" in gic.parse_header(struct.pack("<IIIIII", 0, 1, 184, 8, 0, 0)).problem(), "magic")
check("version 2" in gic.parse_header(struct.pack("<IIIIII", 0x44324C45, 2, 184, 8, 0, 0)).problem(),
      "a newer layout is refused")
slot = struct.pack("<QQQQQIIII", 3, 0x40080328, 5, 0x1000, 0x2000, 2, 4, 0b1110, 1) + \
    struct.pack("<16Q", timer, *([0] * 15))
v = gic.parse_vcpu(0, slot)
lines = gic.report(v)
check(lines[0].startswith("vCPU 0: power ON; snapshot 3") and "0x40080328" in lines[0], lines[0])
check("queued for a list register: 1" in lines[2], lines[2])
check("list registers: 4 (empty: LR1, LR2, LR3)" in lines[3], lines[3])
check(len(lines) == 4 + 4 and "pending vINTID 27" in lines[4], f"one line per LR: {lines[4:]}")

print(f"{passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
