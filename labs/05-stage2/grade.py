#!/usr/bin/env python3
"""Lab 05's grader: `make grade LAB=05` (or python3 labs/05-stage2/grade.py --help).

Two halves. On your machine, a host test program (labs/05-stage2/tests/frame_pool_test.cc)
runs your FramePool over a fake memory region, one property per test. Under QEMU, the lab's
hypervisor — whose stage-2 tables come from your pool — boots guests, one of which reaches
past the end of its RAM and must get a data abort. The grader never reads your code.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib import hostprog  # noqa: E402

lab = Lab(__file__)


def pool_header() -> dict[str, str]:
    return {"FRAME_POOL_HEADER": f'"{lab.student_file("frame_pool.h")}"'}


hostprog.prepare(lab, "frame_pool_test",
                 lambda: ([lab.dir / "tests" / "frame_pool_test.cc"], pool_header()))


def host_case(t, name: str, case: str, todos: list[str]) -> None:
    """Runs one case of a host test program compiled against the student's frame_pool.h."""
    hostprog.check_case(t, lab, name, case, todos, "your FramePool")


def visible(t, case: str, todos: list[str]) -> None:
    host_case(t, "frame_pool_test", case, todos)


@test(15, "05.1-aligned-distinct")
def aligned_distinct(t):
    """TODO(05.1): frames are 4 KiB aligned, inside the pool, never handed out twice."""
    visible(t, "aligned_distinct", ["TODO(05.1)"])


@test(10, "05.2-zeroed")
def zeroed(t):
    """TODO(05.2): every frame reaches the caller zeroed, a reused one too."""
    visible(t, "zeroed", ["TODO(05.2)"])


@test(15, "05.3-exhaustion")
def exhaustion(t):
    """TODO(05.3): an exhausted pool answers 0, every time."""
    visible(t, "exhaustion", ["TODO(05.3)"])


@test(15, "05.4-reuse")
def reuse(t):
    """TODO(05.4): a freed frame is handed out again; foreign and double frees are ignored."""
    visible(t, "reuse", ["TODO(05.4)"])


@test(10, "05.5-translation")
def translation(t):
    """TODO(05.5): virt_to_phys() and phys_to_virt() over a region whose physical address is
    not its pointer value."""
    visible(t, "translation", ["TODO(05.5)"])


def boot_and_pass(t, guest: str, gic: int, todos: list[str]) -> None:
    run = t.boot(guest, gic=gic)
    if run.outcome == "ok" and run.guest_passed(guest):
        return
    where = " and ".join(lab.todo(todo) for todo in todos)
    if any("no memory for the stage-2 root table" in line for line in run.lines):
        raise Fail(f"{guest} on GICv{gic}: the hypervisor panicked with 'no memory for the stage-2 "
                   f"root table': Stage2Hal::alloc_frame() (your FramePool::alloc()) returned 0 "
                   f"for the very first frame.\n  Look at {where}")
    if run.outcome == "ok":
        failures = "; ".join(run.guest_failures()) or f"the guest did not print PASS {guest}"
        raise Fail(f"{guest} on GICv{gic} failed: {failures}\n  Look at {where}")
    run.require_clean_end(f"the VM's stage-2 tables come from your pool. Look at {where}")


@test(15, "05.6-guests-boot")
def guests_boot(t):
    """Every stage-2 table page comes from your pool: the hello guest boots and passes."""
    boot_and_pass(t, "hello", 3, ["TODO(05.1)", "TODO(05.5)"])


@test(10, "05.7-outside-ram-aborts")
def outside_ram(t):
    """The ram_fence guest reaches past the end of its RAM — where the hypervisor's own image
    is — and must get a data abort, never the hypervisor's bytes."""
    boot_and_pass(t, "ram_fence", 3, ["TODO(05.1)", "TODO(05.5)"])


if __name__ == "__main__":
    main(lab)
