"""`bt` made readable: short frame names, library frames folded, the end at the exception boundary.

Three things made a backtrace in the hypervisor hard to read (issue 13): frame names of
several KB (std::visit's machinery instantiated over every VmExit alternative), arguments of
those library frames read from registers that no longer hold them, and a last line
"Backtrace stopped: previous frame identical to this frame (corrupt stack?)" at the bottom of
every stack, where the unwinder runs into an exception vector or the first instruction.

A frame filter fixes all three without touching the unwinder: names are shortened (template
argument lists become <...>), frames of the standard library are folded (elided) under the
el2lab frame that called them, with no arguments, and the backtrace ends at the exception
boundary — a vector entry or the assembly that saves a trap frame, or the entry point. What
the interrupted code was doing is in the trap frame (`hv vcpu`, `print $vcpu(0).frame_`). With
a frame filter GDB does not print its own stop reason. `bt -no-filters` shows the raw
backtrace. In the run loop, unwinder.py continues the stack into the guest (the run loop's
caller becomes the guest at its exit); the first guest frame is marked `[guest EL1]` and the
guest's entry point ends the backtrace.
"""
from __future__ import annotations

import gdb
from gdb.FrameDecorator import FrameDecorator

from . import cpu_state, esr, symbols, unwinder

# Functions at which the stack of the current exception begins: nothing older belongs to it.
BOUNDARIES = ("el2lab_lower_el_trap", "el2lab_current_el_trap", "el2lab_current_el_fault",
              "el2lab_entry", "el2lab_vmexit", "guest_entry", "guest_secondary_entry")
GUEST_MARK = "[guest EL1] "  # the first guest frame of a backtrace spliced by unwinder.py
NAME_LIMIT = 60


def _name(frame: gdb.Frame) -> str:
    fn = frame.function()
    if fn is not None:
        return fn.print_name
    return cpu_state.symbol_at(frame.pc())


def _is_library(name: str) -> bool:
    return name.startswith(("std::", "__gnu_cxx::"))


def _at_boundary(frame: gdb.Frame, name: str) -> bool:
    if name.startswith("el2lab_vec_") or name.split("+")[0] in BOUNDARIES:
        return True
    # A pc in the table's 2 KiB without a vector's own label: the table itself. Code the
    # linker placed after the last entry's few instructions (the HAL's irq_handler, say) has
    # a name of its own and is no boundary.
    base = symbols.address_of("el2lab_vector_table")
    in_table = base is not None and base <= frame.pc() < base + 16 * esr.VECTOR_ENTRY_BYTES
    return in_table and name.split("+")[0] in ("?", "el2lab_vector_table")


class Short(FrameDecorator):
    """A frame with its name shortened; library frames lose their (unreliable) arguments."""

    def __init__(self, base, elided=None, mark: str = "") -> None:
        super().__init__(base)
        self._elided = elided or []
        self._name = _name(base.inferior_frame())
        self._mark = mark

    def function(self):
        name = self._name
        if name == "?":
            return super().function()
        return self._mark + cpu_state.compact_name(cpu_state.short_name(name), NAME_LIMIT)

    def frame_args(self):
        return [] if _is_library(self._name) else super().frame_args()

    def elided(self):
        return iter(self._elided) if self._elided else None


class El2labFrames:
    """The frame filter: `info frame-filter` lists it as el2lab."""

    def __init__(self) -> None:
        self.name = "el2lab"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        return _filtered(frames)


def _filtered(frames):
    pending = []
    in_guest = False
    for decorated in frames:
        frame = decorated.inferior_frame()
        name = _name(frame)
        if _is_library(name):
            pending.append(Short(decorated))
            continue
        mark = ""
        if not in_guest and unwinder.is_guest_pc(frame.pc()):
            in_guest, mark = True, GUEST_MARK
        yield Short(decorated, pending, mark)
        pending = []
        if _at_boundary(frame, name):
            return
    yield from pending


El2labFrames()
