"""hv context: the context pane (el2lab/context.py), now or at every stop."""
from __future__ import annotations

import gdb

from .. import context, cpu_state
from .base import guarded, require_hypervisor


class HvContext(gdb.Command):
    """Show the context pane: EL and regime, the exit in progress, the guest's PC, recent exits, the code.

At most 20 lines of at most 80 columns, for an 80x24 terminal: the CPU's exception level and
translation regime; the stage of the exception path (annotation point) or the function; the
exit in progress (vector, ESR_EL2 decoded, the VmExit once decoded) or "none" in the guest;
the vCPU's guest PC and PSTATE; its last exits from the trace ring; the source line of the
stop, or its disassembly. `hv context on` prints it at every stop (after the narration line),
`hv context off` stops that; without an argument it is printed once, now. Off by default.

Usage: hv context [on|off]"""

    def __init__(self) -> None:
        super().__init__("hv context", gdb.COMMAND_USER)

    @guarded("hv context")
    def invoke(self, arg: str, from_tty: bool) -> None:
        word = arg.strip()
        if word in ("on", "off"):
            context.enabled = word == "on"
            print(f"[el2lab] context pane at every stop: {word}")
            return
        if word:
            raise cpu_state.StateError(f"takes on, off or nothing, not {word!r}")
        cpu_state.require_target()
        require_hypervisor()
        for line in context.coloured(context.pane()):
            print(line)


HvContext()
