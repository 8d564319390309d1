#!/usr/bin/env python3
"""Lab 06's grader: `make grade LAB=06` (or python3 labs/06-mmio/grade.py --help).

On your machine, a host test program (labs/06-mmio/tests/pl031_test.cc) drives your Pl031
with a fake clock, one property per test. Under QEMU, the lab's hypervisor puts your device on
the guest's MMIO bus and in its device tree, and the rtc guest checks it the way it checks
QEMU's own PL031 on bare QEMU. The grader never reads your code.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib import hostprog  # noqa: E402

lab = Lab(__file__)
FOUND = "rtc: PL031 at 0xb010000 (emulated by el2lab)"
# The guest runtime's report of an exception it did not expect: here, a data abort (EC 0x25).
UNEXPECTED_ABORT = re.compile(r"unexpected exception ESR 0x96\w+ ELR \w+ FAR (0x[0-9a-f]+)")


def device_header() -> dict[str, str]:
    return {"PL031_HEADER": f'"{lab.student_file("pl031.h")}"'}


hostprog.prepare(lab, "pl031_test", lambda: ([lab.dir / "tests" / "pl031_test.cc"], device_header()))


def host_case(t, name: str, case: str, todos: list[str]) -> None:
    """Runs one case of a host test program compiled against the student's pl031.h."""
    hostprog.check_case(t, lab, name, case, todos, "your Pl031", ("check failed", "(-1"))


def visible(t, case: str, todos: list[str]) -> None:
    host_case(t, "pl031_test", case, todos)


@test(15, "06.1-data-register")
def data_register(t):
    """TODO(06.1): DR counts seconds from the epoch; LR loads it and reads back."""
    visible(t, "data_register", ["TODO(06.1)"])


@test(15, "06.2-match-interrupt")
def match_interrupt(t):
    """TODO(06.2): MR, IMSC, RIS, MIS, ICR: the match latches RIS, ICR clears it."""
    visible(t, "match_interrupt", ["TODO(06.2)"])


@test(10, "06.3-id-registers")
def id_registers(t):
    """TODO(06.3): the PrimeCell ID registers and CR."""
    visible(t, "id_registers", ["TODO(06.3)"])


@test(10, "06.4-bad-accesses")
def bad_accesses(t):
    """TODO(06.4): widths other than 32 bits and misaligned offsets are refused; reserved
    offsets read 0; stores to read-only registers are ignored."""
    visible(t, "bad_accesses", ["TODO(06.4)"])


def rtc_guest(t, gic: int) -> None:
    run = t.boot("rtc", gic=gic)
    found = any(line.strip() == FOUND for line in run.lines)
    if run.outcome == "ok" and run.guest_passed("rtc") and found:
        return
    todos = " and ".join(lab.todo(x) for x in ("TODO(06.1)", "TODO(06.4)"))
    if run.outcome == "ok" and not found and run.guest_passed("rtc"):
        raise Fail(f"rtc on GICv{gic} found no PL031 at 0x0b010000 in its device tree: the lab's "
                   "hypervisor did not advertise the device (a core or build problem, not your "
                   f"code: is the image up to date?)\n  Look at {todos}")
    refused = next((m for m in (UNEXPECTED_ABORT.search(line) for line in run.lines) if m), None)
    if refused and 0xb010000 <= int(refused.group(1), 16) < 0xb011000:
        offset = int(refused.group(1), 16) - 0xb010000
        raise Fail(f"the rtc guest on GICv{gic} took a data abort at offset {offset:#x} of your PL031: "
                   f"your device refused a 32-bit access there (read() returned nullopt or write() "
                   f"false)\n  Look at {todos}")
    if run.outcome == "ok":
        failures = "; ".join(run.guest_failures()) or "the guest did not print PASS rtc"
        raise Fail(f"the rtc guest failed on GICv{gic} against your PL031: {failures}\n"
                   f"  Look at {todos} (the guest's checks are labelled (a)-(e) in "
                   "guests/rtc/main.cc)")
    run.require_clean_end(f"the rtc guest reads your device. Look at {todos}")


@test(25, "06.5-guest")
def guest(t):
    """The rtc guest, on GICv3, finds your PL031 in its device tree and checks its IDs, its
    count, a load and a match; a byte-wide load must end in a data abort."""
    rtc_guest(t, 3)


if __name__ == "__main__":
    main(lab)
