"""hv exits: the exit history in the hypervisor's trace ring."""
from __future__ import annotations

import gdb

from .. import cpu_state, esr, style
from .base import guarded, require_hypervisor


class HvExits(gdb.Command):
    """Show the exit history recorded in the hypervisor's trace ring.

Nothing stops at each exit: the hypervisor appends a record per exit (and per IRQ stage) to
`el2lab_trace`, and this reads it from memory. A tracing HAL (lab 02) adds a HalCall record
per HAL call, shown as the call it was: H::irq_fetch() -> 27. First a histogram by kind, then
the last N records (default 10) with the syndrome decoded.

Usage: hv exits [N]"""

    def __init__(self) -> None:
        super().__init__("hv exits", gdb.COMMAND_USER)

    @guarded("hv exits")
    def invoke(self, arg: str, from_tty: bool) -> None:
        from .. import trace  # noqa: PLC0415

        try:
            last = int(arg) if arg.strip() else 10
        except ValueError:
            raise cpu_state.StateError(f"N must be a number, not {arg!r}") from None
        with cpu_state.hypervisor_memory():
            records = trace.read_ring()
        counts: dict[str, int] = {}
        for r in records:
            counts[r.kind_name] = counts.get(r.kind_name, 0) + 1
        print(style.title(f"{len(records)} records in the trace ring"))
        for name, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:18} {count}")
        for r in records[-last:] if last > 0 else []:
            # An interrupt does not write ESR_EL2: an ExternalInterrupt record carries a stale
            # one (NOTES.md), which would decode as whatever trapped before it.
            if r.kind_name == "ExternalInterrupt":
                what = f"INTID {r.address} made the guest exit (ESR not written)"
            else:
                what = esr.decode(r.esr).summary if r.esr and r.is_exit else _event_note(r)
            print(f"  #{r.seq:<5} {r.kind_name:18} pc {r.guest_pc:#x} arg {r.address:#x} "
                  f"esr {r.esr:#x} icount {r.icount} cpu {r.cpu} vcpu {r.vcpu}"
                  + (f"  {what}" if what else ""))


def _event_note(r) -> str:
    """What a trace ring event (not an exit) says, from trace.h's Kind documentation."""
    if r.kind_name == "IrqEntry":
        return f"IRQ vector {r.address} ({esr.vector_name(r.address)})"
    if r.kind_name == "IrqDispatch":
        how = {0: "direct H::irq_fetch()/H::irq_handler() call", 1: "indirect IRQ_HANDLER call"}
        return f"INTID {r.address} acknowledged by the HAL, {how.get(r.esr, f'how {r.esr}')}"
    if r.kind_name == "IrqInjected":
        return f"INTID {r.address} written to list register {r.esr}"
    if r.kind_name == "GuestEoi":
        return f"the guest finished INTID {r.address}"
    if r.kind_name == "HalCall":
        from ..trace_events import describe_hal_call  # noqa: PLC0415
        return describe_hal_call(r.address, r.esr)
    return ""


HvExits()
