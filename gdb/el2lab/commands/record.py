"""hv record: exceptions and ERETs recorded without stopping, shown as a timeline."""
from __future__ import annotations

import gdb

from .. import cpu_state, recorder, style
from .base import guarded, require_hypervisor


class HvRecord(gdb.Command):
    """Record every exception entry and ERET without stopping; show them as a timeline.

`hv record on` puts silent breakpoints (their stop() returns False) on the 16 vector entries
and on the ERETs; then `continue`, `hv step` or anything else runs as usual while each event
is noted: CPU, vector, the EL it came from, the syndrome decoded, ELR_EL2. `hv record off`
removes them and prints the timeline, checked against the hypervisor's trace ring (each
synchronous guest exit must be an exit record there, same CPU, guest PC and ESR, same order).
`hv record` alone shows the timeline so far. QEMU stops and resumes at each event, so the
machine runs slower while recording.

Usage: hv record [on|off]"""

    def __init__(self) -> None:
        super().__init__("hv record", gdb.COMMAND_USER)

    @guarded("hv record")
    def invoke(self, arg: str, from_tty: bool) -> None:
        word = arg.strip()
        if word not in ("", "on", "off"):
            raise cpu_state.StateError(f"takes on, off or nothing, not {word!r}")
        if word == "on":
            if recorder.current is not None:
                raise cpu_state.StateError("already recording: `hv record off` ends it")
            cpu_state.require_target()
            require_hypervisor()
            r = recorder.Recorder()
            count = r.start()
            recorder.current = r
            print(f"[el2lab] recording: {count} silent breakpoints (16 vectors, the ERETs); "
                  "`hv record off` shows the timeline")
            return
        r = recorder.current
        if r is None:
            raise cpu_state.StateError("not recording: `hv record on` starts it")
        if word == "off":
            r.stop()
            recorder.current = None
        _show(r)


def _show(r: recorder.Recorder) -> None:
    entries = sum(1 for e in r.events if e.kind == "entry")
    erets = len(r.events) - entries
    print(style.title(f"timeline: {entries} exception{'s' if entries != 1 else ''} and {erets} "
                      f"ERET{'s' if erets != 1 else ''} recorded"))
    for line in recorder.timeline(r.events):
        print(line)
    for e in r.errors[:3]:
        print(style.bad(f"  (an event could not be read: {e})"))
    if cpu_state.has_target():
        for line in recorder.check_against_ring(r.events, r.ring_start):
            print(line)
    else:
        print("not checked against the trace ring: QEMU is gone")


HvRecord()
