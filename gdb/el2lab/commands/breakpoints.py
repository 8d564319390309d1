"""hv break-el2, hv break-guest: breakpoints that stop only at one exception level.

QEMU's breakpoints are virtual addresses with no exception level attached: one fires in
whichever EL executes that address. These are gdb.Breakpoint subclasses whose stop() reads
PSTATE.EL ($cpsr[3:2]) — and for `--vcpu N` the CPU, since vCPU n runs on CPU n — and lets the
CPU run on when it is the other world. They are ordinary breakpoints otherwise: `info
breakpoints` lists them, `delete`, `disable` and `condition` work on them.
"""
from __future__ import annotations

import gdb

from .. import cpu_state, style, unwinder
from .base import guarded, require_hypervisor

WORLD = {2: "EL2 (the hypervisor)", 1: "EL1 (the guest)"}


class ElBreakpoint(gdb.Breakpoint):
    """Stops only at exception level `el` (and on vCPU `vcpu`, if given)."""

    def __init__(self, spec: str, el: int, vcpu: int | None) -> None:
        super().__init__(spec)
        self.el, self.vcpu = el, vcpu
        self.passed = 0          # hits let through since the last stop
        self.passed_where: set[str] = set()
        self.stops = 0           # over the breakpoint's life, for the listing
        self.total_passed = 0
        self.total_where: set[str] = set()

    def stop(self) -> bool:
        cpu_state.in_breakpoint_callback = True
        try:
            el = (int(gdb.parse_and_eval("$cpsr")) >> 2) & 3
            thread = gdb.selected_thread()
            cpu = thread.num - 1 if thread is not None else 0
        except gdb.error:
            return True  # cannot tell: stopping is the safe answer
        finally:
            cpu_state.in_breakpoint_callback = False
        if el == self.el and (self.vcpu is None or cpu == self.vcpu):
            self.stops += 1
            return True
        self.passed += 1
        self.total_passed += 1
        self.passed_where.add(f"EL{el} on CPU {cpu}")
        self.total_where.add(f"EL{el} on CPU {cpu}")
        return False

    def summary(self) -> str:
        who = "hv break-el2" if self.el == 2 else "hv break-guest"
        vcpu = f" --vcpu {self.vcpu}" if self.vcpu is not None else ""
        passed = (f", let {self.total_passed} hit{'s' if self.total_passed != 1 else ''} pass "
                  f"({', '.join(sorted(self.total_where))})" if self.total_passed else ", let none pass")
        return (f"breakpoint {self.number} ({who}{vcpu} {self.location}): stopped {self.stops} "
                f"time{'s' if self.stops != 1 else ''}{passed}")


def _on_stop(event) -> None:
    for b in getattr(event, "breakpoints", []) or []:
        if isinstance(b, ElBreakpoint):
            who = "hv break-el2" if b.el == 2 else "hv break-guest"
            vcpu = f", vCPU {b.vcpu}" if b.vcpu is not None else ""
            note = (f"; let {b.passed} hit{'s' if b.passed != 1 else ''} pass "
                    f"({', '.join(sorted(b.passed_where))})" if b.passed else "")
            print(style.dim(f"[el2lab] breakpoint {b.number} ({who}): stopped at {WORLD[b.el]}{vcpu}{note}"))
            b.passed, b.passed_where = 0, set()


gdb.events.stop.connect(_on_stop)


def _create(arg: str, el: int, name: str) -> None:
    words = arg.split()
    vcpu = None
    if words and words[0] == "--vcpu":
        if len(words) < 2 or not words[1].isdigit():
            raise cpu_state.StateError("--vcpu takes a vCPU number, e.g. `--vcpu 1`")
        vcpu = int(words[1])
        words = words[2:]
    if not words:
        mine = [b for b in gdb.breakpoints() if isinstance(b, ElBreakpoint) and b.el == el]
        if not mine:
            raise cpu_state.StateError(f"give a location: `{name} guest_main`, `{name} *0x40080000`, "
                                       f"`{name} el2lab::decode_sync_exit`")
        for b in mine:
            print(b.summary())
        return
    if words[0].startswith("--"):
        raise cpu_state.StateError(f"unknown option {words[0]!r}: the one option is --vcpu N")
    require_hypervisor()
    spec = " ".join(words)
    try:
        b = ElBreakpoint(spec, el, vcpu)
    except gdb.error as e:
        raise cpu_state.StateError(f"no breakpoint at {spec!r}: {e}") from None
    # A location GDB cannot resolve is an error here, not a pending breakpoint: no shared
    # library will bring it later.
    if b.pending:
        b.delete()
        raise cpu_state.StateError(f"no breakpoint: {spec!r} is not a location in the loaded "
                                   "hypervisor or guest")
    addresses = [loc.address for loc in getattr(b, "locations", []) if loc.address]
    other = [a for a in addresses if unwinder.is_guest_pc(a) == (el == 2)]
    where = f" on vCPU {vcpu}" if vcpu is not None else ""
    print(f"[el2lab] breakpoint {b.number} stops only at {WORLD[el]}{where}")
    if addresses and len(other) == len(addresses):
        mine, theirs = ("guest", "EL1") if el == 2 else ("hypervisor", "EL2")
        print(style.warn(f"[el2lab] note: {spec} is {mine} code, which runs at {theirs}: in el2lab the two "
                         "address ranges do not overlap, so this breakpoint will let every hit pass"))


class HvBreakEl2(gdb.Command):
    """Set a breakpoint that stops only when the CPU is at EL2 (in the hypervisor).

QEMU's breakpoints have no exception level: this one checks PSTATE.EL at each hit and lets
the CPU run on at EL1 or EL0; the stop says how many hits it let pass. LOC is any GDB location
(function, FILE:LINE, *ADDRESS). `--vcpu N` stops only on the CPU that runs vCPU N (CPU N).

Without LOC, lists these breakpoints: how often each stopped and let hits pass.

Usage: hv break-el2 [--vcpu N] [LOC]"""

    def __init__(self) -> None:
        super().__init__("hv break-el2", gdb.COMMAND_BREAKPOINTS)

    @guarded("hv break-el2")
    def invoke(self, arg: str, from_tty: bool) -> None:
        _create(arg, 2, "hv break-el2")


class HvBreakGuest(gdb.Command):
    """Set a breakpoint that stops only when the CPU is at EL1 (in the guest).

The same check as hv break-el2, the other way: a hit at EL2 runs on. With `--vcpu N` it
stops only on vCPU N (which el2lab runs on CPU N), e.g. one vCPU of an SMP guest.

Without LOC, lists these breakpoints: how often each stopped and let hits pass.

Usage: hv break-guest [--vcpu N] [LOC]"""

    def __init__(self) -> None:
        super().__init__("hv break-guest", gdb.COMMAND_BREAKPOINTS)

    @guarded("hv break-guest")
    def invoke(self, arg: str, from_tty: bool) -> None:
        _create(arg, 1, "hv break-guest")


HvBreakEl2()
HvBreakGuest()
