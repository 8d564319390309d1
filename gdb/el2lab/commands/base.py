"""What every `hv` command shares: the prefix, argument parsing, and how errors reach the user.

The one rule: a command that cannot do its job raises gdb.GdbError with one line saying why
and what to do. GDB prints it (no Python traceback) and, unlike a printed message, it stops a
script (`gdb -batch -x script`, `source`) at the failing command.
"""
from __future__ import annotations

import functools

import gdb

from .. import cpu_state, symbols

GONE = "QEMU is gone: the machine powered off (or QEMU was stopped); start `make debug` again"


def guarded(name: str):
    """Turns StateError, stray gdb errors and Ctrl-C into gdb.GdbError('NAME: why')."""
    def wrap(invoke):
        @functools.wraps(invoke)
        def run(self, arg: str, from_tty: bool) -> None:
            try:
                invoke(self, arg, from_tty)
            except gdb.GdbError:
                raise
            except cpu_state.StateError as e:
                raise gdb.GdbError(f"{name}: {e}") from None
            except gdb.error as e:
                message = str(e)
                if "No registers" in message or "not being run" in message:
                    message = GONE
                raise gdb.GdbError(f"{name}: {message}") from None
            except KeyboardInterrupt:
                raise gdb.GdbError(f"{name}: interrupted (Ctrl-C)") from None
        return run
    return wrap


def require_hypervisor() -> None:
    if not symbols.hypervisor_loaded():
        raise cpu_state.StateError("no hypervisor symbols: load them with "
                                   "`file build/aarch64/core/el2/el2lab.elf` (make gdb does)")


def count(word: str, what: str = "N") -> int:
    """A positive count typed by the user ('3'), or StateError naming the bad word."""
    if not word.isdigit() or int(word) < 1:
        raise cpu_state.StateError(f"{what} must be a positive number, not {word!r}")
    return int(word)


class HvPrefix(gdb.Command):
    """el2lab hypervisor commands: narrate and inspect the EL2 exception path.

  hv where                 where the CPU is stopped: EL, regime, hypervisor or guest
  hv step [N]              run to the next (N-th) stage of the exception path and narrate it
  hv trace KIND [N] [--from-guest|--at-el2]
                           let N exceptions of KIND (irq, hvc, mmio, ...) happen; narrate each path
  hv vcpu [ID]             a vCPU's registers, from its trap frame
  hv exits [N]             the exit history in the hypervisor's trace ring
  hv esr VALUE             decode an ESR_EL2 value field by field (no target needed)
  hv vectors               the 16 entries of the EL2 vector table, checked against VBAR_EL2
  hv dispatch              the IRQ_HANDLER `blr` and the H::irq_fetch `bl`, side by side
  hv walk [--guest] ADDR   the stage-2 walk of an IPA (--guest: a guest VA's stage 1, then 2)
  hv context [on|off]      the context pane (EL, exit in progress, guest PC, recent exits, code)
  hv break-el2 LOC, hv break-guest LOC
                           breakpoints that stop only at EL2 / only in the guest (--vcpu N)
  hv record [on|off]       record exceptions and ERETs without stopping; the timeline
  hv irq-step [on|off]     let single steps enter interrupts (QEMU masks them by default)
  hv gic [on|off]          list registers, virtual timer, power state (the debug block)

Every stop at an annotation point (core/annotation_points.txt) prints one line saying where
in the path the CPU is. Interrupts: the timer guest takes them
(make debug GUEST=build/aarch64/guests/timer/timer.elf)."""

    def __init__(self) -> None:
        super().__init__("hv", gdb.COMMAND_USER, prefix=True)


HvPrefix()
