#!/usr/bin/env python3
"""Lab 07's grader: `make grade LAB=07` (or python3 labs/07-smp/grade.py --help).

On your machine, a host test program (labs/07-smp/tests/kick_test.cc) checks the SGI register
values of your kick.h against the GIC architecture's bit layouts, and your wait against a fake
GIC. Under QEMU, the lab's hypervisor kicks with your code: the smp guest brings its vCPUs up
with PSCI CPU_ON and the ipi guest plays SGI ping-pong between them; both must pass and every
SGI must arrive. The grader never reads your code.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib import hostprog  # noqa: E402

lab = Lab(__file__)


hostprog.prepare(lab, "kick_test", lambda: (
    [lab.dir / "tests" / "kick_test.cc"], {"KICK_HEADER": f'"{lab.student_file("kick.h")}"'}))


def visible(t, case: str, todos: list[str]) -> None:
    """Runs one case of the host test program compiled against the student's kick.h."""
    hostprog.check_case(t, lab, "kick_test", case, todos, "your kick.h")


@test(15, "07.1-sgi1r-encoding")
def sgi1r_encoding(t):
    """TODO(07.1): ICC_SGI1R_EL1 for a CPU's MPIDR, field by field."""
    visible(t, "sgi1r", ["TODO(07.1)"])


@test(10, "07.2-sgir-encoding")
def sgir_encoding(t):
    """TODO(07.2): GICD_SGIR for a CPU-interface target list."""
    visible(t, "sgir", ["TODO(07.2)"])


@test(15, "07.3-wait-for-kick")
def wait_for_kick(t):
    """TODO(07.4): WFI, then acknowledge, drop and deactivate until spurious (fake GIC)."""
    visible(t, "wait", ["TODO(07.4)"])


KICK_TODOS = ["TODO(07.3)", "TODO(07.1)", "TODO(07.2)"]


def guest_run(t, guest: str, gic: int, smp: int, expect: str, todos: list[str]) -> None:
    """Boots `guest` on `smp` CPUs; it must pass and print the line `expect` (a regex)."""
    run = t.boot(guest, gic=gic, smp=smp)
    where = " and ".join(lab.todo(todo) for todo in todos)
    label = f"{guest} on GICv{gic} with {smp} CPUs"
    if run.outcome == "ok" and run.guest_passed(guest):
        if any(re.match(expect, line) for line in run.lines):
            return
        raise Fail(f"{label} passed, but never printed a line matching {expect!r}\n  Look at {where}")
    hint = (f"a vCPU on another physical CPU never heard of its CPU_ON or its SGI: that CPU "
            f"sleeps in wait_for_kick() until send_kick() reaches it. Look at {where}")
    if run.outcome == "ok":
        failures = "; ".join(run.guest_failures()) or f"the guest did not print PASS {guest}"
        raise Fail(f"{label} failed: {failures}\n  {hint}")
    run.require_clean_end(hint)


@test(15, "07.4-smp-gicv3")
def smp_gicv3(t):
    """TODO(07.3) with 07.1: the smp guest brings up its second vCPU with PSCI CPU_ON (GICv3)."""
    guest_run(t, "smp", 3, 2, r"^smp: 2 vCPUs reported in$", ["TODO(07.3)", "TODO(07.1)"])


@test(15, "07.5-ipi-count")
def ipi_count(t):
    """The ipi guest on 4 vCPUs (GICv3): 10 SGIs to itself, 10 ping-pong rounds with each other
    vCPU and one broadcast — 63 SGIs between vCPUs, every one delivered."""
    guest_run(t, "ipi", 3, 4, r"^ipi: 4 vCPUs, 63 cross-vCPU SGIs delivered$",
              ["TODO(07.3)", "TODO(07.1)"])


@test(10, "07.6-smp-gicv2")
def smp_gicv2(t):
    """TODO(07.3) with 07.2: the smp guest on GICv2 (the kick through GICD_SGIR)."""
    guest_run(t, "smp", 2, 2, r"^smp: 2 vCPUs reported in$", ["TODO(07.3)", "TODO(07.2)"])


if __name__ == "__main__":
    main(lab)
