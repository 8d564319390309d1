"""hv irq-step: whether a single step may enter an interrupt (QEMU's gdbstub step mask).

QEMU's gdbstub masks interrupts and timers while it single-steps (`qqemu.sstep` is 0x7:
ENABLE | NOIRQ | NOTIMER), so `stepi` never enters an IRQ handler: an interrupt pending
while a student steps is taken only at the next `continue`, and the IRQ path is invisible
to stepping. `hv irq-step on` sets the mask to ENABLE only (`Qqemu.sstep=0x1`), so the step
that meets a pending, unmasked interrupt lands on its vector entry; el2lab then says so at
that stop. `hv irq-step off` puts QEMU's mask back.
"""
from __future__ import annotations

import re

import gdb

from .. import annotate, cpu_state, esr, style, symbols
from .base import guarded

ENABLE, NOIRQ, NOTIMER = 0x1, 0x2, 0x4
QEMU_DEFAULT = ENABLE | NOIRQ | NOTIMER


def _packet(text: str) -> str:
    """The answer of a gdbstub packet (GDB prints `received: "..."`)."""
    out = gdb.execute(f"maintenance packet {text}", to_string=True)
    m = re.search(r'received: "([^"]*)"', out)
    if m is None:
        raise cpu_state.StateError(f"QEMU gave no answer to {text}")
    return m.group(1)


def current_mask() -> int:
    answer = _packet("qqemu.sstep")
    try:
        return int(answer, 16)
    except ValueError:
        raise cpu_state.StateError(f"this gdbstub does not manage its step mask (qqemu.sstep: "
                                   f"{answer!r}); is it QEMU?") from None


def describe(mask: int) -> str:
    parts = ["interrupts masked" if mask & NOIRQ else "interrupts let in",
             "timers masked" if mask & NOTIMER else "timers let in"]
    return f"{mask:#x} ({', '.join(parts)})"


def set_mask(mask: int) -> None:
    if _packet(f"Qqemu.sstep={mask:#x}") != "OK":
        raise cpu_state.StateError(f"QEMU refused the step mask {mask:#x}")


class HvIrqStep(gdb.Command):
    """Let single steps enter interrupts (on) or mask them while stepping, QEMU's default (off).

QEMU's gdbstub masks IRQs and timers during a single step (its step mask, qqemu.sstep, is
0x7), so `stepi` never enters an IRQ handler. `hv irq-step on` sets it to 0x1: a step that
meets a pending, unmasked interrupt lands on the IRQ vector, and the stop says so. `off`
restores 0x7. Without an argument, the current mask. It applies to the connected QEMU until
it is changed.

Usage: hv irq-step [on|off]"""

    def __init__(self) -> None:
        super().__init__("hv irq-step", gdb.COMMAND_RUNNING)

    @guarded("hv irq-step")
    def invoke(self, arg: str, from_tty: bool) -> None:
        word = arg.strip()
        if word not in ("", "on", "off"):
            raise cpu_state.StateError(f"takes on, off or nothing, not {word!r}")
        cpu_state.require_target()
        if word == "on":
            set_mask(ENABLE)
            print(annotate.wrap(f"[el2lab] single steps now let interrupts in (QEMU step mask "
                                f"{describe(current_mask())}): a stepi that meets a pending IRQ lands "
                                "on its vector; `hv irq-step off` masks them again", "    "))
        elif word == "off":
            set_mask(QEMU_DEFAULT)
            print(f"[el2lab] single steps mask interrupts again (QEMU step mask {describe(current_mask())})")
        else:
            mask = current_mask()
            state = "on" if not mask & NOIRQ else "off"
            print(f"[el2lab] hv irq-step is {state}: QEMU step mask {describe(mask)}")


def _on_stop(event) -> None:
    """After a step (no breakpoint, no signal) onto an IRQ or FIQ vector entry, say why."""
    if isinstance(event, (gdb.BreakpointEvent, gdb.SignalEvent)):
        return
    try:
        pc = cpu_state.register("pc")
        base = symbols.address_of("el2lab_vector_table")
        if base is None or not base <= pc < base + 16 * esr.VECTOR_ENTRY_BYTES:
            return
        index, offset = divmod(pc - base, esr.VECTOR_ENTRY_BYTES)
        if offset or index not in esr.IRQ_VECTORS:
            return
        spsr = cpu_state.register("SPSR_EL2")
        print(style.warn(annotate.wrap(
            f"[el2lab] this step entered an interrupt: vector {index} ({esr.vector_name(index)}), "
            f"taken from {esr.spsr_mode(spsr)}; ELR_EL2 {cpu_state.register('ELR_EL2'):#x} is where "
            "the stepped code resumes (hv irq-step is on)", "    ")))
    except (cpu_state.StateError, gdb.error):
        pass


gdb.events.stop.connect(_on_stop)

HvIrqStep()
