"""`hv trace`: let exceptions happen and narrate each one's path, without stopping at every stage.

A non-stopping breakpoint (a gdb.Breakpoint whose stop() returns False) sits on every
annotation point of the stages entry, dispatch, exit and resume, and on the dispatch call
sites found by disassembly. Each hit records one narrated event and lets the CPU go on. A
vector entry opens a "trip" (nested exceptions open nested trips); the ERET that leaves
the hypervisor closes it: el2lab_guest_eret for exceptions from the guest, the `eret` of
el2lab_current_el_trap for exceptions taken at EL2. When N trips of the wanted kind are
complete, the CPU stays stopped at the last ERET and the trips are printed.

Nothing here is specific to interrupts: `hv trace irq` waits for the IRQ/FIQ vectors
(el2lab_vec_lower64_irq, el2lab_vec_cur_spx_irq, ...), `hv trace hvc` for hypercalls, and so
on, so the same machinery narrates the IRQ path as soon as interrupts reach EL2.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gdb

from . import annotate, cpu_state, esr, style, symbols, trace


def _ec() -> int:
    return esr.bits(cpu_state.register("ESR_EL2"), 26, 6)


# kind -> (what it is, does an exception at vector index i match?)
KINDS = {
    "irq": ("IRQ/FIQ", lambda i: i in esr.IRQ_VECTORS),
    "sync": ("synchronous exception", lambda i: i in esr.SYNC_VECTORS),
    "hvc": ("HVC", lambda i: i in esr.SYNC_VECTORS and _ec() in (esr.EC_HVC64, esr.EC_HVC32)),
    "smc": ("SMC", lambda i: i in esr.SYNC_VECTORS and _ec() in (esr.EC_SMC64, esr.EC_SMC32)),
    "mmio": ("MMIO data abort", lambda i: i in esr.SYNC_VECTORS and _ec() == esr.EC_DATA_ABORT_LOWER),
    "sysreg": ("system register trap", lambda i: i in esr.SYNC_VECTORS and _ec() == esr.EC_SYSREG),
    "wfx": ("WFI/WFE trap", lambda i: i in esr.SYNC_VECTORS and _ec() == esr.EC_WFX),
    "serror": ("SError", lambda i: i in esr.SERROR_VECTORS),
    "any": ("exception", lambda i: True),
}


# --from-guest / --at-el2: which of the 16 vectors count (0-7: taken at EL2, 8-15: from a lower EL).
ORIGINS = {
    "from-guest": ("from the guest", lambda i: i >= 8),
    "at-el2": ("taken at EL2", lambda i: i < 8),
}

TIMER_GUEST = "make debug GUEST=build/aarch64/guests/timer/timer.elf"

# The last stop GDB reported: tells a Ctrl-C (SIGINT) from a breakpoint of someone else.
_last_stop = None


def _on_stop(event) -> None:
    global _last_stop
    _last_stop = event


gdb.events.stop.connect(_on_stop)


def _interrupted() -> bool:
    return isinstance(_last_stop, gdb.SignalEvent) and _last_stop.stop_signal == "SIGINT"


def _many(count: int, what: str) -> str:
    return f"{count} {what}" + ("s" if count != 1 else "")
STAGES = {"entry", "dispatch", "hal", "exit", "resume"}


@dataclass
class Event:
    stage: str
    symbol: str
    text: str


@dataclass
class Trip:
    vector: int
    matching: bool
    events: list[Event] = field(default_factory=list)


class _Breakpoint(gdb.Breakpoint):
    def __init__(self, tracer: "Tracer", address: int, role: str) -> None:
        super().__init__(f"*{address:#x}", internal=True)
        self.silent = True
        if tracer.thread is not None:
            self.thread = tracer.thread  # one CPU's exceptions: paths of several would interleave
        self.tracer = tracer
        self.role = role  # "vector", "end" or "event"

    def stop(self) -> bool:
        cpu_state.in_breakpoint_callback = True
        try:
            return self.tracer.hit(self.role)
        except Exception as e:  # noqa: BLE001 — a failing narration must not stop the machine
            self.tracer.errors.append(str(e))
            return False
        finally:
            cpu_state.in_breakpoint_callback = False


class Tracer:
    """Two sets of breakpoints: the 16 vector entries, always armed, and the other stages,
    armed only while an exception of the wanted kind is in flight (a breakpoint costs a stop
    and a resume of QEMU at every hit, so the common exits of other kinds run past a handful
    of breakpoints instead of a dozen). A breakpoint's stop() may not add or remove
    breakpoints, so stop() returns True at the moments the set must change and the command
    loop (run()) re-arms and continues."""

    def __init__(self, kind: str, count: int, origin: str | None = None) -> None:
        self.kind = kind
        self.origin = origin
        self.wanted = count
        self.stack: list[Trip] = []
        self.done: list[Trip] = []
        self.others = 0          # exceptions of other kinds seen meanwhile
        self.irqs = 0            # IRQ/FIQ vectors seen, wanted or not
        self.errors: list[str] = []
        self.hcr: int | None = None
        self.vector_bps: list[_Breakpoint] = []
        self.stage_bps: list[_Breakpoint] = []
        self.stage_addresses: dict[int, str] = {}
        self.missing: list[str] = []
        selected = gdb.selected_thread()
        self.thread = selected.global_num if selected is not None else None

    def prepare(self) -> int:
        found, self.missing = symbols.resolved_points(STAGES)
        vectors: set[int] = set()
        for r in found:
            if r.point.symbol.startswith("el2lab_vec_"):
                vectors.add(r.address)
            elif r.point.symbol == "el2lab_guest_eret":
                self.stage_addresses[r.address] = "end"
            else:
                self.stage_addresses.setdefault(r.address, "event")
        for s in symbols.dispatch_sites():
            self.stage_addresses[s.address] = "end" if s.kind.endswith("eret") else "event"
        base = symbols.address_of("el2lab_vector_table")
        if base is not None and not vectors:  # a build without per-entry symbols
            vectors = {base + i * esr.VECTOR_ENTRY_BYTES for i in range(16)}
        for address in vectors:
            self.stage_addresses.pop(address, None)
        self.vector_bps = [_Breakpoint(self, a, "vector") for a in sorted(vectors)]
        return len(vectors) + len(self.stage_addresses)

    def arm_stages(self) -> None:
        if not self.stage_bps:
            self.stage_bps = [_Breakpoint(self, a, role) for a, role in sorted(self.stage_addresses.items())]

    def disarm_stages(self) -> None:
        for b in self.stage_bps:
            if b.is_valid():
                b.delete()
        self.stage_bps = []

    def disarm(self) -> None:
        self.disarm_stages()
        for b in self.vector_bps:
            if b.is_valid():
                b.delete()
        self.vector_bps = []

    def in_flight(self) -> bool:
        return any(t.matching for t in self.stack)

    def finished(self) -> bool:
        return len(self.done) >= self.wanted

    def _event(self) -> Event:
        n = annotate.narrate()
        text = n.text if n.where.startswith("EL2") else f"{n.text} ({n.where})"
        return Event(n.stage, n.symbol, text)

    def hit(self, role: str) -> bool:
        """Records the event; True = stop, so that run() changes the armed breakpoints."""
        if role == "vector":
            pc = cpu_state.register("pc")
            base = symbols.address_of("el2lab_vector_table") or pc
            index = (pc - base) // esr.VECTOR_ENTRY_BYTES
            self.irqs += index in esr.IRQ_VECTORS
            matching = KINDS[self.kind][1](index) and (
                self.origin is None or ORIGINS[self.origin][1](index))
            trip = Trip(index, matching)
            if matching:
                trip.events.append(self._event())
                if self.hcr is None:
                    self.hcr = cpu_state.try_register("HCR_EL2")
            else:
                self.others += 1
                if self.hcr is None and self.kind == "irq":
                    self.hcr = cpu_state.try_register("HCR_EL2")
            self.stack.append(trip)
            return matching and not self.stage_bps  # stop to arm the stage breakpoints
        if not self.stack:
            return False  # before the first exception (the first guest entry)
        trip = self.stack[-1]
        if trip.matching:
            event = self._event()
            last = trip.events[-1] if trip.events else None
            if (last is not None and event.stage == "dispatch"
                    and (last.stage, last.symbol) == (event.stage, event.symbol)):
                trip.events[-1] = event  # the call site inside the dispatch function just entered
            else:
                trip.events.append(event)
        if role == "end":
            self.stack.pop()
            if trip.matching:
                self.done.append(trip)
                return True  # stop: enough of them, or disarm until the next one
        return False


def print_trip(kind: str, number: int, total: int, trip: Trip, complete: bool = True) -> None:
    print(style.title(f"{kind} {number} of {total}: vector {trip.vector} "
                      f"{esr.VECTOR_SYMBOLS[trip.vector]} ({esr.vector_name(trip.vector)})"))
    for e in trip.events:
        tag = style.stage(e.stage, f"[{e.stage}]".ljust(10))
        print(annotate.wrap(f"  {tag} {style.name(e.symbol)}: {e.text}", " " * 13))
    if not complete:
        print("  (the run ended here)")


def _draw(name: str, kind: str, count: int, what: str, tracer: "Tracer") -> None:
    """The traced paths as a PlantUML sequence diagram, and its SVG."""
    from pathlib import Path  # noqa: PLC0415

    from . import diagram  # noqa: PLC0415
    trips = list(tracer.done[:count]) + [t for t in tracer.stack if t.matching and t.events]
    paths = [diagram.Path_(f"{kind} {n} of {count}: vector {t.vector} {esr.VECTOR_SYMBOLS[t.vector]}",
                           t.vector, [diagram.Step(e.stage, e.symbol, e.text) for e in t.events])
             for n, t in enumerate(trips, 1)]
    if not paths:
        print(style.warn("hv trace: nothing was traced, so no diagram is drawn"))
        return
    source = Path(name).expanduser()
    if source.suffix == ".svg":
        source = source.with_suffix(".puml")
    title = f"hv trace {kind} {count}: {_many(count, what)}, as this run took"
    try:
        source.write_text(diagram.puml(paths, title, symbols.hal_short(symbols.hal())))
    except OSError as e:
        raise cpu_state.StateError(f"cannot write the diagram to {source}: {e}") from None
    svg, why = diagram.render(source)
    if svg is None:
        print(style.warn(f"hv trace: diagram source {source}; not rendered: {why}"))
    else:
        print(f"hv trace: diagram {svg} (source {source})")


def _injection_after(cpu: int | None) -> None:
    """The rest of an IRQ's road, as the trace ring has it at the ERET: the list-register write
    the run loop made for it before re-entering the guest (and the guest's EOI of the previous
    one, which the same exit found). Breakpoints cannot show these without stopping in the
    vGIC code; the ring recorded them."""
    try:
        records = trace.read_ring()
    except cpu_state.StateError:
        return
    mine = [r for r in records if cpu is None or r.cpu == cpu]
    last_irq = max((i for i, r in enumerate(mine)
                    if r.kind_name in ("ExternalInterrupt", "IrqDispatch")), default=None)
    if last_irq is None:
        return
    said = False
    for r in mine[last_irq + 1:]:
        if r.kind_name == "GuestEoi":
            text = (f"the guest had finished INTID {r.address} in list register {r.esr} "
                    f"(GuestEoi #{r.seq}: its EOI, found when this exit reaped the list registers)")
        elif r.kind_name == "IrqInjected":
            text = (f"INTID {r.address} written to list register {r.esr} before the ERET "
                    f"(IrqInjected #{r.seq}); the guest's EOI of it will show as a GuestEoi "
                    f"record at a later exit (hv exits)")
        else:
            continue
        if not said:
            print("  and from the trace ring (no breakpoint in the vGIC code):")
            said = True
        label = "[eoi]     " if r.kind_name == "GuestEoi" else "[inject]  "
        print(annotate.wrap(f"    {label} {text}", "               "))


def run(kind: str, count: int, origin: str | None = None, diagram: str | None = None) -> None:
    """The body of `hv trace KIND N [--ORIGIN]` (arguments already checked). Raises StateError."""
    cpu_state.require_target()
    what = KINDS[kind][0] + (f" {ORIGINS[origin][0]}" if origin else "")
    tracer = Tracer(kind, count, origin)
    armed = tracer.prepare()
    if not tracer.vector_bps:
        tracer.disarm()
        raise cpu_state.StateError("no vector table in this build: is the hypervisor's ELF loaded?")
    cpu = cpu_state.cpu_number()
    on = "" if cpu is None else f" on CPU {cpu}"
    print(annotate.wrap(f"hv trace: running until {_many(count, what)} "
                        f"{'have' if count > 1 else 'has'} gone through the hypervisor{on}; "
                        f"{armed} breakpoints record without stopping", "  "))
    if tracer.missing:
        print(style.warn(f"  not in this build, so not narrated: {', '.join(tracer.missing)}"))
    stopped_by = ""
    annotate.suppress = True
    try:
        while True:
            gdb.execute("continue")
            if not cpu_state.has_target() or tracer.finished():
                break
            pc = cpu_state.register("pc")
            ours = {b.location for b in tracer.vector_bps + tracer.stage_bps}
            if f"*{pc:#x}" not in ours:
                stopped_by = ("interrupted (Ctrl-C)" if _interrupted()
                              else f"the CPU stopped elsewhere, at {pc:#x}{cpu_state.symbol_offset(pc)} "
                                   "(a breakpoint of yours?)")
                break
            if tracer.in_flight():
                tracer.arm_stages()
            else:
                tracer.disarm_stages()
    except KeyboardInterrupt:
        stopped_by = "interrupted (Ctrl-C)"
    except gdb.error as e:
        stopped_by = str(e)
    finally:
        annotate.suppress = False
        tracer.disarm()
    for n, trip in enumerate(tracer.done[:count], 1):
        print_trip(kind, n, count, trip)
    for trip in tracer.stack:
        if trip.matching and trip.events:
            print_trip(kind, len(tracer.done) + 1, count, trip, complete=False)
    for e in tracer.errors[:3]:
        print(style.bad(f"hv trace: an event could not be narrated: {e}"))
    if diagram:
        _draw(diagram, kind, count, what, tracer)
    if tracer.finished():
        if kind == "irq":
            _injection_after(cpu)
        print(annotate.wrap(f"hv trace: {_many(count, what)} narrated ({_many(tracer.others, 'other exception')} "
                            "in between); the CPU is stopped at the ERET", "  "))
        return
    reason = "the machine powered off" if not cpu_state.has_target() else stopped_by or "stopped"
    if kind == "irq" and not tracer.done and tracer.hcr is not None and not tracer.hcr & (1 << 4):
        print(style.warn("  HCR_EL2.IMO was 0: physical IRQs are taken at EL1 by the guest, none "
                         "reaches EL2 in this build (the GIC driver routes them when it lands)"))
    elif kind == "irq" and not tracer.done and not tracer.irqs and not cpu_state.has_target():
        print(style.warn(f"  this guest took no interrupt; the timer guest does: {TIMER_GUEST}"))
    raise cpu_state.StateError(f"{reason} after {len(tracer.done)} of {_many(count, what)} "
                               f"({_many(tracer.others, 'other exception')} seen)")
