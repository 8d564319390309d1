"""Pretty-printers: `print` shows el2lab's objects the way the narration talks about them.

  el2lab::TrapFrame       x0-x30 in rows of four, sp_el0, elr with its symbol, spsr decoded
  el2lab::VmExit          (a std::variant) the active alternative by name, with its fields
  el2lab::Aarch64VCpu<H>  one summary line (id, HAL, MPIDR, guest PC, exits), then its members
"""
from __future__ import annotations

import re

import gdb
import gdb.printing

from . import cpu_state, esr, exits, symbols, vmexit


def _u(v: gdb.Value) -> int:
    return int(v) & cpu_state.MASK64


class TrapFramePrinter:
    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        v = self.value
        x = [_u(v["x"][i]) for i in range(31)]
        rows = []
        for row in range(0, 31, 4):
            rows.append("  ".join(f"x{i:<2} = {x[i]:<#18x}" for i in range(row, min(row + 4, 31))).rstrip())
        elr, spsr = _u(v["elr"]), _u(v["spsr"])
        rows.append(f"sp_el0 = {_u(v['sp_el0']):#x}  elr = {elr:#x}{cpu_state.symbol_offset(elr)}  "
                    f"spsr = {spsr:#x} ({esr.describe_spsr(spsr)})")
        return "TrapFrame {\n  " + "\n  ".join(rows) + "\n}"


class VmExitPrinter:
    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        try:
            e = vmexit.from_value(self.value)
        except gdb.error as err:
            return f"VmExit <unreadable: {err}>"
        if e.index < 0 or e.index >= len(exits.EXIT_KINDS):
            return f"VmExit <index {e.index}: valueless>"
        return f"VmExit {e.kind} ({e.describe()})"

    def children(self):
        try:
            _, member = vmexit.alternative(self.value)
        except gdb.error:
            return
        if member is None:
            return
        for f in member.type.strip_typedefs().fields():
            if not f.is_base_class and f.name:
                yield f.name, member[f.name]


class Aarch64VCpuPrinter:
    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        v = self.value
        t = v.type.strip_typedefs()
        hal = symbols.hal_short(symbols.generic_name(t.tag or t.name or "")[1])
        try:
            counts = v["exit_counts_"]["_M_elems"]
            lo, hi = counts.type.strip_typedefs().range()
            total = sum(_u(counts[i]) for i in range(lo, hi + 1))
            elr = _u(v["frame_"]["elr"])
            return (f"Aarch64VCpu<{hal}> vCPU {int(v['id_'])}: MPIDR {_u(v['mpidr_']):#x}, "
                    f"guest PC {elr:#x}{cpu_state.symbol_offset(elr)}, "
                    f"{'loaded' if bool(v['loaded_']) else 'not entered yet'}, {total} exits")
        except gdb.error as err:
            return f"Aarch64VCpu<{hal}> <unreadable: {err}>"

    def children(self):
        for f in self.value.type.strip_typedefs().fields():
            if not f.is_base_class and f.name and not f.artificial:
                yield f.name, self.value[f.name]


_VCPU = re.compile(r"^el2lab::Aarch64VCpu<.*>$")


def lookup(value: gdb.Value):
    t = value.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT:
        return None
    name = t.tag or t.name or ""
    if name == "el2lab::TrapFrame":
        return TrapFramePrinter(value)
    if vmexit.is_vmexit(t):
        return VmExitPrinter(value)
    if _VCPU.match(name):
        return Aarch64VCpuPrinter(value)
    return None


lookup.name = "el2lab"  # shown by `info pretty-printer`
lookup.enabled = True
gdb.printing.register_pretty_printer(None, lookup, replace=True)
