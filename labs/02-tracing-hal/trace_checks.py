"""Lab 02's checks of a trace: the hypervisor's trace ring read back with `hv exits` in a GDB
session, and what the HalCall records in it must say about the run. Shared by grade.py and the
hidden tests; it reads the run, never the student's code."""
from __future__ import annotations

import re
from dataclasses import dataclass

from gradelib import Fail, gdbsession

RECORD = re.compile(r"^\s*#(\d+)\s+(\w+)\s+pc (0x[0-9a-f]+) arg (0x[0-9a-f]+) esr (0x[0-9a-f]+) "
                    r"icount (\d+) cpu (\d+) vcpu (\d+)(?:\s+(.*))?$")
SPURIOUS = 1023
TURN_TICK = 26  # the hypervisor's own timer: fetched, but answered without an exit
EXIT_KINDS = {"Hypercall", "MmioRead", "MmioWrite", "SysRegRead", "SysRegWrite",
              "ExternalInterrupt", "CpuUp", "CpuDown", "SystemDown", "SendIPI", "Halt",
              "Nothing", "FailEntry", "Unhandled"}
_sessions: dict = {}


@dataclass
class Rec:
    seq: int
    kind: str
    arg: int
    esr: int
    cpu: int
    note: str

    @property
    def member(self) -> str:
        """The HAL member of a HalCall record, from GDB's rendering ('H::irq_fetch() -> 27')."""
        m = re.match(r"H::(\w+)\(", self.note)
        return m.group(1) if m and self.kind == "HalCall" else ""


def trace(t, lab, gic: int) -> list[Rec]:
    """The trace ring at the guest's power-off, from one GDB session per GIC version."""
    if gic not in _sessions:
        image = t.image().with_suffix(".elf")
        out, _ = gdbsession.session(lab.build_dir, image, lab.guest("timer"),
                                    ["break el2lab::firmware::system_off", "continue",
                                     "hv exits 1024"], t.remaining(), gic=gic)
        t.note(out)
        records = []
        for line in out.splitlines():
            m = RECORD.match(line)
            if m:
                records.append(Rec(int(m.group(1)), m.group(2), int(m.group(4), 16),
                                   int(m.group(5), 16), int(m.group(7)), m.group(9) or ""))
        if not any(r.kind == "SystemDown" for r in records):
            panic = [line for line in out.splitlines() if "PANIC" in line or "Remote" in line]
            raise Fail(f"the GDB session on GICv{gic} did not reach the timer guest's power-off "
                       f"with a readable trace ring{': ' + panic[0].strip() if panic else ''} "
                       f"(the session is in the log). A TracingHal that does not forward a call "
                       f"or returns another value than Inner's breaks the run: look at "
                       f"{lab.rel(lab.student_file('tracing_hal.h'))}")
        _sessions[gic] = records
    return _sessions[gic]


def calls(records: list[Rec], member: str) -> list[Rec]:
    return [r for r in records if r.member == member]


def require_calls(records: list[Rec], member: str, where: str) -> None:
    if not calls(records, member):
        raise Fail(f"the trace ring holds no HalCall record of H::{member}(), though the run "
                   f"called it: your TracingHal does not record it. Look at {where}")


def by_cpu(records: list[Rec]) -> dict[int, list[Rec]]:
    split: dict[int, list[Rec]] = {}
    for r in records:
        split.setdefault(r.cpu, []).append(r)
    return split


def check_fetches(records: list[Rec], where: str) -> int:
    """Between two exits of a CPU, exactly one irq_fetch (the turn tick aside) if the second is
    an ExternalInterrupt — returning its INTID — and none otherwise. Returns the exits checked.
    The ring keeps the newest 1024 records: each CPU's first exit in it is only a start point."""
    checked = 0
    for cpu, recs in by_cpu(records).items():
        fetched: list[int] | None = None  # None until the CPU's first exit in the window
        for r in recs:
            if r.member == "irq_fetch" and fetched is not None and r.arg != TURN_TICK:
                fetched.append(r.arg)
            if r.kind not in EXIT_KINDS:
                continue
            if fetched is not None:
                if r.kind == "ExternalInterrupt":
                    if fetched != [r.arg]:
                        raise Fail(f"record #{r.seq}: an ExternalInterrupt exit with INTID {r.arg} "
                                   f"on CPU {cpu}, but the HalCall records before it show "
                                   f"irq_fetch() returning {fetched or 'nothing'}: every fetch "
                                   f"must be recorded once, with the INTID it returned. "
                                   f"Look at {where}")
                    checked += 1
                elif fetched:
                    raise Fail(f"record #{r.seq}: a {r.kind} exit on CPU {cpu} follows irq_fetch() "
                               f"records {fetched}, but only an IRQ exit calls irq_fetch(): a "
                               f"record too many. Look at {where}")
            fetched = []
    return checked


def check_drops(records: list[Rec], where: str) -> int:
    """Every interrupt the HAL acknowledged (irq_fetch's result, or the INTID an IrqDispatch
    through IRQ_HANDLER names) gets its priority dropped, on the same CPU, before that CPU
    acknowledges another; and nothing is deactivated that was not dropped first."""
    checked = 0
    for cpu, recs in by_cpu(records).items():
        waiting: int | None = None
        dropped: set[int] = set()
        for r in recs:
            acked = None
            if r.member == "irq_fetch" and r.arg not in (SPURIOUS,):
                acked = r.arg
            elif r.kind == "IrqDispatch" and r.esr == 1 and r.arg != SPURIOUS:
                acked = r.arg
            if acked is not None:
                if waiting is not None:
                    raise Fail(f"record #{r.seq}: CPU {cpu} acknowledged INTID {acked} while INTID "
                               f"{waiting} had no irq_priority_drop({waiting}) record since it was "
                               f"acknowledged. Look at {where}")
                waiting = acked
            elif r.member == "irq_priority_drop":
                if r.arg == waiting:
                    waiting = None
                    checked += 1
                dropped.add(r.arg)
            elif r.member == "irq_deactivate":
                if r.arg not in dropped and checked > 0:
                    raise Fail(f"record #{r.seq}: irq_deactivate({r.arg}) on CPU {cpu} with no "
                               f"irq_priority_drop({r.arg}) recorded before it. Look at {where}")
    return checked
