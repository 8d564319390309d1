"""The narration: one line at every stop that says where in the hypervisor we are."""
from __future__ import annotations

import gdb

from . import annotation_points, cpu_state, style

_points = annotation_points.by_symbol()


def describe_stop() -> str:
    pc = cpu_state.register("pc")
    el = cpu_state.exception_level()
    symbol = cpu_state.symbol_at(pc)
    point = _points.get(symbol) or _points.get(symbol.split("(")[0])
    where = f"EL{el}, {cpu_state.regime(el)}"
    if point is None:
        return f"{style.dim('[el2lab]')} {symbol} at {pc:#x} ({where})"
    return f"{style.title('[el2lab ' + point.stage + ']')} {point.symbol}: {point.description} ({where})"


def _on_stop(event) -> None:
    try:
        print(describe_stop())
    except cpu_state.StateError:
        pass  # the machine is gone (e.g. powered off); GDB says so itself


gdb.events.stop.connect(_on_stop)
