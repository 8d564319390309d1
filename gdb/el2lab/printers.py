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


def _field_text(name: str, v) -> str:
    """One field of a decoded value: numbers in hex (addresses, syndromes, data), counts,
    indexes and numbers below 10 in decimal, as the narration writes them (`vector` of an
    ExternalInterrupt holds an INTID, which the GIC documents in decimal)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        small = v < 10 or "count" in name or name in ("vector", "reg", "width", "id", "id_")
        return str(v) if small else f"{v:#x}"
    if isinstance(v, list):
        return "{" + ", ".join(_field_text(name, x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_field_text(k, x)}" for k, x in v.items()) + "}"
    return repr(v) if isinstance(v, str) else str(v)


class VmExitPrinter:
    """The active alternative and its fields on one line (no children: nothing is repeated)."""

    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        try:
            e = vmexit.from_value(self.value)
        except gdb.error as err:
            return f"VmExit <unreadable: {err}>"
        if e.index < 0 or e.index >= len(exits.EXIT_KINDS):
            return f"VmExit <index {e.index}: valueless>"
        fields = ", ".join(f"{k} = {_field_text(k, v)}" for k, v in e.fields.items())
        return f"VmExit {e.kind} {{{fields}}}"


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
        # Members as text: numbers in hex (GDB would print MPIDRs and syndromes in decimal),
        # counts in decimal; members with a printer of their own (the TrapFrame) use it.
        for f in self.value.type.strip_typedefs().fields():
            if f.is_base_class or not f.name or f.artificial:
                continue
            member = self.value[f.name]
            code = member.type.strip_typedefs().code
            try:
                if ("count" in f.name or f.name == "id_" or code in (gdb.TYPE_CODE_BOOL, gdb.TYPE_CODE_ENUM)
                        or lookup(member)):
                    text = member.format_string()
                else:
                    text = member.format_string(format="x")
            except gdb.error as err:
                text = f"<unreadable: {err}>"
            yield f.name, text

    def display_hint(self):
        return None


_VCPU = re.compile(r"^el2lab::Aarch64VCpu<.*>$")


def lookup(value: gdb.Value):
    """The printer for an el2lab type, or None (used by the collection below)."""
    t = value.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT:
        return None
    name = t.tag or t.name or ""
    for sub in _COLLECTION.subprinters:
        if sub.enabled and sub.matches(name, t):
            return sub.make(value)
    return None


class _Sub(gdb.printing.SubPrettyPrinter):
    def __init__(self, name: str, matches, make) -> None:
        super().__init__(name)
        self.matches = matches
        self.make = make


class _Collection(gdb.printing.PrettyPrinter):
    """`info pretty-printer` lists it as el2lab with one sub-printer per type; each can be
    switched off alone (`disable pretty-printer global el2lab;VmExit`)."""

    def __init__(self) -> None:
        super().__init__("el2lab", [
            _Sub("TrapFrame", lambda name, t: name == "el2lab::TrapFrame", TrapFramePrinter),
            _Sub("VmExit", lambda name, t: vmexit.is_vmexit(t), VmExitPrinter),
            _Sub("Aarch64VCpu", lambda name, t: bool(_VCPU.match(name)), Aarch64VCpuPrinter),
        ])

    def __call__(self, value: gdb.Value):
        return lookup(value) if self.enabled else None


_COLLECTION = _Collection()
gdb.printing.register_pretty_printer(None, _COLLECTION, replace=True)
