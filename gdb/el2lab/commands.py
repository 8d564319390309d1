"""The `hv` command family."""
from __future__ import annotations

import gdb

from . import cpu_state, style


class HvPrefix(gdb.Command):
    """el2lab hypervisor commands. Type `help hv` for the list."""

    def __init__(self) -> None:
        super().__init__("hv", gdb.COMMAND_USER, prefix=True)


class HvWhere(gdb.Command):
    """Say where the CPU is stopped: which exception level, which translation regime, and
whether the address belongs to the hypervisor or the guest.

Usage: hv where"""

    def __init__(self) -> None:
        super().__init__("hv where", gdb.COMMAND_USER)

    def invoke(self, arg: str, from_tty: bool) -> None:
        try:
            pc = cpu_state.register("pc")
            el = cpu_state.exception_level()
            who = "hypervisor" if el == 2 else "guest"
            print(f"{style.title('stopped at EL' + str(el))} ({who}), pc {pc:#x} in "
                  f"{cpu_state.symbol_at(pc)}; {cpu_state.regime(el)}")
        except cpu_state.StateError as e:
            print(style.bad(f"hv where: {e}"))


HvPrefix()
HvWhere()
