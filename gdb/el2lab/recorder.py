"""`hv record`: every exception entry and ERET, recorded without stopping, shown as a timeline.

Silent breakpoints (stop() returns False, as Linux's lx-symbols does) sit on the 16 vector
entries and on the ERETs (into the guest, and back into EL2 code after an exception taken at
EL2). Each hit appends an event: which CPU, which vector and from which EL (SPSR_EL2), the
syndrome, ELR_EL2. QEMU stops and resumes at each hit, so the guest runs slower while
recording, but GDB never stops.

The timeline is checked against the hypervisor's own trace ring: each synchronous exit from
the guest (vector 8) must be one exit record of the ring, on the same CPU and at the same
guest PC, in the same order; IRQ exits are counted both ways (an IRQ that only ends the
vCPU's turn is no exit record, so those counts may differ and are just shown).
"""
from __future__ import annotations

from dataclasses import dataclass

import gdb

from . import cpu_state, esr, symbols, trace

SYNC_FROM_GUEST = 8
IRQ_FROM_GUEST = 9


@dataclass
class Event:
    kind: str        # "entry" | "eret"
    cpu: int
    vector: int = -1
    spsr: int = 0
    esr: int = 0
    elr: int = 0


class _Silent(gdb.Breakpoint):
    def __init__(self, recorder: "Recorder", address: int, kind: str, vector: int = -1) -> None:
        super().__init__(f"*{address:#x}", internal=True)
        self.silent = True
        self.recorder, self.kind, self.vector = recorder, kind, vector

    def stop(self) -> bool:
        cpu_state.in_breakpoint_callback = True
        try:
            self.recorder.hit(self)
        except Exception as e:  # noqa: BLE001 — recording must never stop the machine
            self.recorder.errors.append(str(e))
        finally:
            cpu_state.in_breakpoint_callback = False
        return False


def _cpu() -> int:
    thread = gdb.selected_thread()
    return thread.num - 1 if thread is not None else 0


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.errors: list[str] = []
        self.breakpoints: list[_Silent] = []
        self.ring_start = 0   # the trace ring's next sequence number when recording began

    def start(self) -> int:
        base = symbols.address_of("el2lab_vector_table")
        if base is None:
            raise cpu_state.StateError("no el2lab_vector_table symbol: is the hypervisor's ELF loaded?")
        for i in range(16):
            self.breakpoints.append(_Silent(self, base + i * esr.VECTOR_ENTRY_BYTES, "entry", i))
        erets = [s.address for s in symbols.dispatch_sites() if s.kind.endswith("eret")]
        guest_eret = symbols.address_of("el2lab_guest_eret")
        if guest_eret is not None:
            erets.append(guest_eret)
        for address in sorted(set(erets)):
            self.breakpoints.append(_Silent(self, address, "eret"))
        try:
            with cpu_state.hypervisor_memory():
                records = trace.read_ring()
            self.ring_start = records[-1].seq + 1 if records else 1
        except cpu_state.StateError:
            self.ring_start = 0  # no ring: nothing to check against
        return len(self.breakpoints)

    def stop(self) -> None:
        for b in self.breakpoints:
            if b.is_valid():
                b.delete()
        self.breakpoints = []

    def hit(self, b: _Silent) -> None:
        if b.kind == "entry":
            self.events.append(Event("entry", _cpu(), b.vector, cpu_state.register("SPSR_EL2"),
                                     cpu_state.register("ESR_EL2"), cpu_state.register("ELR_EL2")))
        else:
            self.events.append(Event("eret", _cpu(), spsr=cpu_state.register("SPSR_EL2"),
                                     elr=cpu_state.register("ELR_EL2")))


def describe(e: Event) -> str:
    if e.kind == "eret":
        return f"ERET to {e.elr:#x}{cpu_state.symbol_offset(e.elr)} ({esr.spsr_mode(e.spsr)})"
    if e.vector in esr.IRQ_VECTORS:
        what = "IRQ"
    elif e.vector in esr.SYNC_VECTORS:
        d = esr.decode(e.esr)
        what = d.summary or d.ec_name
    else:
        what = esr.vector_kind(e.vector)
    return (f"vector {e.vector:<2} from {esr.spsr_mode(e.spsr):<4} {what}, ELR {e.elr:#x}"
            f"{cpu_state.symbol_offset(e.elr)}")


def timeline(events: list[Event], limit: int = 60) -> list[str]:
    lines = []
    shown = events[-limit:]
    if len(events) > limit:
        lines.append(f"  ({len(events) - limit} earlier events not shown)")
    first = len(events) - len(shown) + 1
    for n, e in enumerate(shown, first):
        lines.append(f"  {n:4}  CPU {e.cpu}  {describe(e)}")
    return lines


def check_against_ring(events: list[Event], ring_start: int) -> list[str]:
    """The recorded guest exits compared with the trace ring's exit records since `ring_start`."""
    if ring_start == 0:
        return ["not checked: this build has no trace ring (el2lab_trace)"]
    with cpu_state.hypervisor_memory():
        records = trace.read_ring()
    if records and records[0].seq > ring_start:
        return [f"not checked: the trace ring has overwritten records {ring_start}.."
                f"{records[0].seq - 1} (it keeps the last {len(records)})"]
    exits = [r for r in records if r.seq >= ring_start and r.is_exit]
    out = []
    ok = True
    for cpu in sorted({e.cpu for e in events} | {r.cpu for r in exits}):
        mine = [e for e in events if e.kind == "entry" and e.cpu == cpu and e.vector == SYNC_FROM_GUEST]
        ring = [r for r in exits if r.cpu == cpu and r.kind_name != "ExternalInterrupt"]
        # The last recorded entry may not have reached the run loop yet (recording ended
        # inside the exception): it has no record so far.
        pending = len(mine) == len(ring) + 1
        pairs = list(zip(mine, ring))
        bad = [(e, r) for e, r in pairs if e.elr != r.guest_pc or e.esr != r.esr]
        if bad or not (len(mine) == len(ring) or pending):
            ok = False
            out.append(f"CPU {cpu}: {len(mine)} synchronous guest exits recorded, the trace ring "
                       f"has {len(ring)} exit records" + (f"; first difference: recorded ELR "
                       f"{bad[0][0].elr:#x} ESR {bad[0][0].esr:#x}, ring {bad[0][1].kind_name} at "
                       f"{bad[0][1].guest_pc:#x} ESR {bad[0][1].esr:#x}"
                                                         if bad else ""))
        else:
            out.append(f"CPU {cpu}: {len(pairs)} synchronous guest exits, the same in the trace "
                       "ring (same guest PC and ESR, same order)"
                       + ("; the last is still in the hypervisor" if pending else ""))
            kinds = {}
            for r in ring[:len(pairs)]:
                kinds[r.kind_name] = kinds.get(r.kind_name, 0) + 1
            if kinds:
                out.append("       " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
        irqs = sum(1 for e in events if e.kind == "entry" and e.cpu == cpu and e.vector == IRQ_FROM_GUEST)
        ext = sum(1 for r in exits if r.cpu == cpu and r.kind_name == "ExternalInterrupt")
        if irqs or ext:
            out.append(f"       IRQs from the guest: {irqs} recorded, {ext} ExternalInterrupt exit "
                       "records (an IRQ that only ends the vCPU's turn makes none)")
    return (["matches the trace ring:"] if ok else ["DIFFERS from the trace ring:"]) + \
        ["  " + line for line in out]


current: Recorder | None = None
