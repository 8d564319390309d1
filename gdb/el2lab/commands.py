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


class HvExits(gdb.Command):
    """Show the exits recorded in the hypervisor's trace ring, without stopping at each one:
a histogram by kind, then the last N records (default 10).

Usage: hv exits [N]"""

    def __init__(self) -> None:
        super().__init__("hv exits", gdb.COMMAND_USER)

    def invoke(self, arg: str, from_tty: bool) -> None:
        from . import trace  # noqa: PLC0415  (module import order: trace imports cpu_state)

        try:
            last = int(arg) if arg.strip() else 10
        except ValueError:
            print(style.bad(f"hv exits: N must be a number, not {arg!r}"))
            return
        try:
            records = trace.read_ring()
        except cpu_state.StateError as e:
            print(style.bad(f"hv exits: {e}"))
            return
        counts: dict[str, int] = {}
        for r in records:
            counts[r.kind_name] = counts.get(r.kind_name, 0) + 1
        print(style.title(f"{len(records)} records in the trace ring"))
        for name, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:18} {count}")
        for r in records[-last:] if last > 0 else []:
            print(f"  #{r.seq:<5} {r.kind_name:18} pc {r.guest_pc:#x} arg {r.address:#x} "
                  f"esr {r.esr:#x} icount {r.icount} cpu {r.cpu} vcpu {r.vcpu}")


HvExits()
