"""Reading a VmExit (a std::variant) out of the hypervisor's memory.

libstdc++ lays a std::variant out as a union of the alternatives (`_M_u`, a recursive
`_Variadic_union` of `_M_first` / `_M_rest`) and an index (`_M_index`, the active
alternative's position). The alternative i is `_M_u` followed i times through `_M_rest`, its
value in `_M_first._M_storage`. When the debug information is missing (a build without -g),
the same facts come from the trace ring instead: run() appends one record per exit before
the run loop sees it, with the kind and the main argument.
"""
from __future__ import annotations

from dataclasses import dataclass

import gdb

from . import cpu_state, exits, trace

VARIANT_PREFIX = "std::variant<el2lab::Hypercall,"


@dataclass
class Exit:
    index: int
    kind: str      # "MmioWrite"
    fields: dict   # {"address": 0xb000010, "width": 4, "data": 0x2a}
    source: str    # "memory" (decoded from the variant) or "trace ring" (only kind + argument)

    def describe(self) -> str:
        try:
            return exits.describe(self.kind, self.fields)
        except (KeyError, TypeError):
            return f"{self.kind} " + " ".join(f"{k} {_fmt(v)}" for k, v in self.fields.items())

    def outcome(self, devices=None) -> str:
        try:
            return exits.outcome(self.kind, self.fields, devices)
        except (KeyError, TypeError):
            return "?"


def _fmt(v) -> str:
    return f"{v:#x}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def variant_type() -> gdb.Type | None:
    try:
        return gdb.lookup_type("el2lab::VmExit").strip_typedefs()
    except gdb.error:
        return None


def is_vmexit(value_type: gdb.Type) -> bool:
    t = value_type.strip_typedefs()
    return t.code == gdb.TYPE_CODE_STRUCT and (t.tag or t.name or "").startswith(VARIANT_PREFIX)


def _storage(value: gdb.Value) -> gdb.Value:
    """Descends the base classes to the _Variant_storage that holds _M_u and _M_index."""
    t = value.type.strip_typedefs()
    names = [f.name for f in t.fields()]
    if "_M_index" in names:
        return value
    for f in t.fields():
        if f.is_base_class:
            try:
                return _storage(value.cast(f.type))
            except gdb.error:
                continue
    raise gdb.error("not a libstdc++ std::variant")


def alternative(value: gdb.Value) -> tuple[int, gdb.Value | None]:
    """(active index, the active alternative's value) of a std::variant gdb.Value."""
    storage = _storage(value)
    index = int(storage["_M_index"])
    if index == 255 or index < 0:  # valueless_by_exception
        return index, None
    union = storage["_M_u"]
    for _ in range(index):
        union = union["_M_rest"]
    member = union["_M_first"]["_M_storage"]
    return index, member


def fields_of(value: gdb.Value) -> dict:
    """A struct's fields as Python values (ints, bools, lists, strings)."""
    out = {}
    t = value.type.strip_typedefs()
    for f in t.fields():
        if f.is_base_class or f.name is None:
            continue
        out[f.name] = _py(value[f.name])
    return out


def _py(v: gdb.Value):
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_BOOL:
        return bool(v)
    if t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_CHAR):
        return int(v) & cpu_state.MASK64 if int(v) >= 0 else int(v)
    if t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        return [_py(v[i]) for i in range(lo, hi + 1)]
    if t.code == gdb.TYPE_CODE_STRUCT:
        names = [f.name for f in t.fields()]
        if "_M_elems" in names:  # std::array
            return _py(v["_M_elems"])
        if "_M_len" in names and "_M_str" in names:  # std::string_view
            length = int(v["_M_len"])
            if length == 0:
                return ""
            try:
                return v["_M_str"].string(length=min(length, 200))
            except gdb.error:
                return "?"
        return fields_of(v)
    try:
        return int(v)
    except gdb.error:
        return str(v)


def from_value(value: gdb.Value) -> Exit:
    index, member = alternative(value)
    kind = exits.kind_name(index)
    fields = fields_of(member) if member is not None else {}
    return Exit(index, kind, fields, "memory")


def at_address(address: int) -> Exit:
    """The VmExit at `address` (e.g. the `exit` argument of Vm<H>::handle, in x1)."""
    t = variant_type()
    if t is not None:
        try:
            return from_value(gdb.Value(address).cast(t.pointer()).dereference())
        except gdb.error:
            pass
    return from_trace_ring()


def from_trace_ring() -> Exit:
    """The last exit the trace ring recorded (kind and main argument only)."""
    records = [r for r in trace.read_ring() if r.kind < len(exits.EXIT_KINDS)]
    if not records:
        raise cpu_state.StateError("no VmExit type in the debug information and no exit in the trace ring")
    r = records[-1]
    main = {"Hypercall": "function", "MmioRead": "address", "MmioWrite": "address",
            "SysRegRead": "key", "SysRegWrite": "key", "ExternalInterrupt": "vector",
            "Unhandled": "address"}.get(r.kind_name, "argument")
    fields = {main: r.address}
    return Exit(r.kind, r.kind_name, fields, "trace ring")
