"""hv trace: let exceptions of a kind go through the hypervisor and narrate each one's path."""
from __future__ import annotations

import gdb

from .. import cpu_state, tracer
from .base import count, guarded, require_hypervisor


def parse(arg: str) -> tuple[str, int, str | None, str | None]:
    """'irq 3 --from-guest --diagram f.puml' -> ('irq', 3, 'from-guest', 'f.puml'). Raises
    StateError naming what is wrong."""
    kind, number, origin, diagram = None, None, None, None
    words = arg.split()
    while words:
        word = words.pop(0)
        if word == "--diagram":
            if not words or words[0].startswith("--"):
                raise cpu_state.StateError("--diagram takes a file name, e.g. `--diagram irq.puml`")
            diagram = words.pop(0)
        elif word.startswith("--"):
            if word[2:] not in tracer.ORIGINS:
                raise cpu_state.StateError(f"unknown option {word!r}: the options are "
                                           + ", ".join(f"--{o}" for o in tracer.ORIGINS)
                                           + ", --diagram FILE")
            if origin is not None and origin != word[2:]:
                raise cpu_state.StateError("--from-guest and --at-el2 exclude each other")
            origin = word[2:]
        elif kind is None:
            if word not in tracer.KINDS:
                raise cpu_state.StateError(f"unknown kind {word!r}: trace one of "
                                           f"{', '.join(tracer.KINDS)} (e.g. `hv trace irq 3`)")
            kind = word
        elif number is None:
            number = count(word)
        else:
            raise cpu_state.StateError(f"unexpected {word!r}: usage is hv trace KIND [N] "
                                       "[--from-guest|--at-el2] [--diagram FILE]")
    if kind is None:
        raise cpu_state.StateError(f"name what to trace: {', '.join(tracer.KINDS)} "
                                   "(e.g. `hv trace irq 3`)")
    return kind, number or 1, origin, diagram


class HvTrace(gdb.Command):
    """Let N exceptions of a kind go through the hypervisor and narrate each one's path.

Usage: hv trace KIND [N] [--from-guest|--at-el2] [--diagram FILE]

N defaults to 1. KIND: irq (IRQ/FIQ vectors), hvc, smc, mmio (data aborts from the guest), sysreg, wfx,
sync (any synchronous exception), serror, any.
--from-guest  only exceptions taken from the guest (vectors 8-15: a guest exit; for irq the
              interrupt that made the guest exit, vector 9)
--at-el2      only exceptions taken while the hypervisor itself ran (vectors 0-7; for irq,
              vector 5: el2lab sleeping at EL2 for a halted guest)
--diagram FILE  also draw the paths as a PlantUML sequence diagram (FILE, a .puml, in the
              style of diagrams/irq_path.puml) and render it to FILE's .svg with plantuml

Breakpoints that record without stopping (their stop() returns False) sit on the annotation
points of the stages entry, dispatch, exit and resume and on the dispatch call sites; each
one narrates its stage. Exceptions of other kinds run on unrecorded. The CPU stops at the
ERET that completes the N-th one; if the guest powers the machine off first, what was seen is
printed and the command says so. On several CPUs it traces the one GDB has selected (`thread N`
selects CPU N-1), so that two CPUs' paths do not interleave. Only the timer guest takes
interrupts: make debug GUEST=build/aarch64/guests/timer/timer.elf.
Example: hv trace irq 1 --from-guest"""

    def __init__(self) -> None:
        super().__init__("hv trace", gdb.COMMAND_USER)

    @guarded("hv trace")
    def invoke(self, arg: str, from_tty: bool) -> None:
        kind, number, origin, diagram = parse(arg)
        require_hypervisor()
        tracer.run(kind, number, origin, diagram)


HvTrace()
