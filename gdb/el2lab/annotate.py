"""The narration: one line at every stop that says where in the hypervisor we are."""
from __future__ import annotations

import re

import gdb

from . import annotation_points, cpu_state, style

_points = annotation_points.by_symbol()


_TEMPLATE_ARGS = re.compile(r"<([^<>]|<[^<>]*>)*>")


def generic_name(symbol: str) -> tuple[str, str | None]:
    """'el2lab::Vm<el2lab::board::QemuVirtHal>::handle(...)' -> ('el2lab::Vm<H>::handle', HAL)."""
    name = symbol.split("(")[0]
    match = _TEMPLATE_ARGS.search(name)
    hal = match.group(0)[1:-1] if match else None
    return _TEMPLATE_ARGS.sub("<H>", name), hal


def describe_stop() -> str:
    pc = cpu_state.register("pc")
    el = cpu_state.exception_level()
    symbol = cpu_state.symbol_at(pc)
    name, hal = generic_name(symbol)
    point = _points.get(name)
    where = f"EL{el}, {cpu_state.regime(el)}"
    if point is None:
        return f"{style.dim('[el2lab]')} {symbol} at {pc:#x} ({where})"
    with_hal = f" [H = {hal}]" if hal else ""
    return (f"{style.title('[el2lab ' + point.stage + ']')} {point.symbol}{with_hal}: "
            f"{point.description} ({where})")


def _on_stop(event) -> None:
    try:
        print(describe_stop())
    except cpu_state.StateError:
        pass  # the machine is gone (e.g. powered off); GDB says so itself


gdb.events.stop.connect(_on_stop)
