#!/usr/bin/env python3
"""Lab 02's grader: `make grade LAB=02` (or python3 labs/02-tracing-hal/grade.py --help).

It boots the lab's hypervisor (the reference HAL wrapped in your TracingHal) with the timer
guest under GDB, reads the trace ring at the guest's power-off (`hv exits`), and checks that
the HalCall records match what the run did; then it runs a host test of your TracingHal over a
fake HAL. It never reads your code.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib.host_test import compile_and_run  # noqa: E402
import trace_checks as tc  # noqa: E402

lab = Lab(__file__)

# Which TODO each member's recording belongs to (the host test names members).
MEMBER_TODO = {"irq_fetch": "02.1", "irq_handler": "02.1", "irq_priority_drop": "02.2",
               "irq_deactivate": "02.2", "list_register_count": "02.3",
               "read_list_register": "02.3", "write_list_register": "02.3",
               "empty_list_registers": "02.3"}


@test(25, "02.1-irq-fetch-traced", timeout=60)
def irq_fetch_traced(t):
    """TODO(02.1): as many irq_fetch() records as ExternalInterrupt exits, each with the exit's
    INTID; an irq_handler() record behind every IRQ that reached EL2 through IRQ_HANDLER."""
    records = tc.trace(t, lab, 3)
    where = lab.todo("TODO(02.1)")
    tc.require_calls(records, "irq_fetch", where)
    checked = tc.check_fetches(records, where)
    if checked < 5:
        raise Fail(f"only {checked} ExternalInterrupt exits could be matched with irq_fetch() "
                   f"records in the trace ring (expected dozens). Look at {where}")
    tc.require_calls(records, "irq_handler", where)
    for cpu, recs in tc.by_cpu(records).items():
        entered = False
        for r in recs:
            if r.kind == "IrqEntry" and r.arg == 5:
                entered, handled = True, 0
            elif entered and r.member == "irq_handler":
                handled += 1
            elif entered and r.kind == "IrqDispatch" and r.esr == 1:
                entered = False
                if handled != 1:
                    raise Fail(f"record #{r.seq}: an IRQ taken at EL2 on CPU {cpu} went through "
                               f"IRQ_HANDLER with {handled} irq_handler() records (expected 1). "
                               f"Look at {where}")
    t.note(f"grader: {checked} ExternalInterrupt exits matched with their irq_fetch() records")


@test(20, "02.2-eoi-traced", timeout=60)
def eoi_traced(t):
    """TODO(02.2): every acknowledged INTID's priority drop is recorded before the CPU
    acknowledges the next; no deactivation without a drop."""
    records = tc.trace(t, lab, 3)
    where = lab.todo("TODO(02.2)")
    tc.require_calls(records, "irq_priority_drop", where)
    if tc.check_drops(records, where) < 5:
        raise Fail(f"too few acknowledged interrupts are followed by their irq_priority_drop() "
                   f"record. Look at {where}")


@test(15, "02.3-list-registers-traced", timeout=60)
def list_registers_traced(t):
    """TODO(02.3): each injection the core records (IrqInjected: INTID, list register n) comes
    right after a write_list_register(n, vINTID pending) record; each GuestEoi after an
    empty_list_registers() record whose mask has n set."""
    records = tc.trace(t, lab, 3)
    where = lab.todo("TODO(02.3)")
    for member in ("write_list_register", "empty_list_registers", "list_register_count"):
        tc.require_calls(records, member, where)
    injected = 0
    for cpu, recs in tc.by_cpu(records).items():
        last_write = last_empty = None
        for r in recs:
            if r.member == "write_list_register":
                last_write = r
            elif r.member == "empty_list_registers":
                last_empty = r
            elif r.kind == "IrqInjected" and last_write is not None:
                want = f"H::write_list_register({r.esr}, vINTID {r.arg} pending)"
                if last_write.note != want:
                    raise Fail(f"record #{r.seq}: INTID {r.arg} went into list register {r.esr}, "
                               f"but the HalCall record before it says '{last_write.note}' "
                               f"(expected '{want}'). Look at {where}")
                injected += 1
                last_write = None
            elif r.kind == "GuestEoi" and last_empty is not None:
                if not (last_empty.arg >> r.esr) & 1:
                    raise Fail(f"record #{r.seq}: the guest finished list register {r.esr}, but "
                               f"the empty_list_registers() record before it shows mask "
                               f"{last_empty.arg:#x}. Look at {where}")
    if injected < 5:
        raise Fail(f"only {injected} injections could be matched with write_list_register() "
                   f"records. Look at {where}")


@test(30, "02.4-host-decorator", timeout=60)
def host_decorator(t):
    """Every member of your TracingHal, over a fake HAL on the host: forwarded once with the
    same arguments, its result unchanged, and exactly one record after it (2 points each)."""
    source = lab.dir / "tests" / "decorator_test.cc"
    header = lab.rel(lab.student_file("tracing_hal.h"))
    status, output = compile_and_run(t, source, {"LAB02_TRACING_HAL_HEADER": f'"{header}"'},
                                     "the host test (tests/decorator_test.cc)",
                                     lab.todo("TODO(02.1)"))
    failed = re.findall(r"^FAIL (\w+): (.*)$", output, re.M)
    passed = re.findall(r"^ok (\w+)$", output, re.M)
    if status == 0 and len(passed) == 15 and not failed:
        return
    if not failed:
        raise Fail(f"the host test ended with status {status} after {len(passed)} members "
                   f"(did a member crash?): {output.strip().splitlines()[-1:]}. "
                   f"Look at {lab.todo('TODO(02.1)')}")
    lines = [f"{member}: {why} — {lab.todo('TODO(' + MEMBER_TODO.get(member, '02.4') + ')')}"
             for member, why in failed[:6]]
    more = f"\n  ... and {len(failed) - 6} more" if len(failed) > 6 else ""
    raise Fail(f"{len(failed)} of 15 members are not traced as trace.h's HalCall says:\n  "
               + "\n  ".join(lines) + more, 2 * len(passed))


if __name__ == "__main__":
    main(lab)
