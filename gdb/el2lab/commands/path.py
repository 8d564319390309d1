"""hv where, hv step: where the CPU is, and the next stage(s) of the exception path."""
from __future__ import annotations

import gdb

from .. import annotate, cpu_state, style, symbols
from .base import count, guarded, require_hypervisor


class HvWhere(gdb.Command):
    """Say where the CPU is stopped: exception level, translation regime, hypervisor or guest.

At an annotation point, the narration of that stage follows.

Usage: hv where"""

    def __init__(self) -> None:
        super().__init__("hv where", gdb.COMMAND_USER)

    @guarded("hv where")
    def invoke(self, arg: str, from_tty: bool) -> None:
        if arg.strip():
            raise cpu_state.StateError(f"takes no argument (got {arg.strip()!r})")
        pc = cpu_state.register("pc")
        el = cpu_state.exception_level()
        who = "hypervisor" if el == 2 else "guest"
        cpu = cpu_state.cpu_number()
        on = "" if cpu is None else f" on CPU {cpu}"
        print(annotate.wrap(f"{style.title('stopped at EL' + str(el))} ({who}){on}, pc {pc:#x} in "
                            f"{cpu_state.short_name(cpu_state.symbol_at(pc))}; {cpu_state.regime(el)}", "  "))
        if el != 2:
            print("  the hypervisor is not running: `hv step` runs to the next stage of its "
                  "exception path (the guest's next exit)")
            return
        n = annotate.narrate(pc)
        if n.stage:
            print(annotate.wrap("  " + n.line(), "    "))


class HvStep(gdb.Command):
    """Run to the next stage of the hypervisor's exception path and narrate it.

Usage: hv step [N]     (N stages, default 1)

Puts temporary breakpoints on every annotation point (core/annotation_points.txt: vector
entries, handler dispatch, exit decoding, the run loop, the world switch and the ERET) and on
the dispatch call sites, continues, and removes them at the next stop. From the guest (EL1),
the next stage is the vector entry of its next exit — a guest that never exits keeps the CPU
running: Ctrl-C stops it. On several CPUs it follows the one GDB has selected (`thread N`
selects CPU N-1): the other CPUs run past its breakpoints."""

    def __init__(self) -> None:
        super().__init__("hv step", gdb.COMMAND_USER)

    @guarded("hv step")
    def invoke(self, arg: str, from_tty: bool) -> None:
        words = arg.split()
        if len(words) > 1:
            raise cpu_state.StateError(f"takes one count at most (got {arg.strip()!r}); e.g. `hv step 3`")
        steps = count(words[0]) if words else 1
        cpu_state.require_target()
        require_hypervisor()
        for done in range(steps):
            if not _one_step():
                gone = not cpu_state.has_target()
                why = ("the machine powered off" if gone
                       else "the CPU stopped somewhere else (Ctrl-C or another breakpoint)")
                raise cpu_state.StateError(f"{why} after {done} of {steps} stage"
                                           f"{'s' if steps != 1 else ''}")


def _one_step() -> bool:
    """Continues to the next annotation point; True if the CPU stopped on one."""
    pc = cpu_state.register("pc")
    if cpu_state.exception_level() != 2:
        print(style.dim("hv step: the guest runs until its next exit (Ctrl-C stops it)"))
    found, _ = symbols.resolved_points()
    addresses = {r.address for r in found if r.point.stage != "vectors"}
    addresses |= {s.address for s in symbols.dispatch_sites()}
    addresses.discard(pc)
    breakpoints = []
    follow = gdb.selected_thread()
    for address in sorted(addresses):
        b = gdb.Breakpoint(f"*{address:#x}", internal=True, temporary=True)
        b.silent = True
        if follow is not None:
            b.thread = follow.global_num  # this CPU's path only, not another's
        breakpoints.append(b)
    try:
        gdb.execute("continue")
    finally:
        for b in breakpoints:
            if b.is_valid():
                b.delete()
    if not cpu_state.has_target():
        return False
    return cpu_state.register("pc") in addresses


HvWhere()
HvStep()
