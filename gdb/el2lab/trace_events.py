"""The trace ring's events that are not exits, in plain Python (no `import gdb`: the unit test
runs it with plain python3): their names, and what a HalCall record says.

The tables are core/portable/trace.h's (Kind, HalCall), taken from the build's generated
constants when there is one; gdb.constants_match_build fails when the two drift.
"""
from __future__ import annotations

from . import constants

EVENT_KINDS = {0x100: "GuestEntry", 0x101: "IrqEntry", 0x102: "IrqDispatch",
               0x103: "IrqInjected", 0x104: "GuestEoi", 0x105: "HalCall"}
EVENT_KINDS = constants.get("EVENT_KINDS", EVENT_KINDS)

# HalCall values (trace.h): which HAL member a HalCall record names.
HAL_CALLS = {1: "init_cpu_interface", 2: "irq_fetch", 3: "irq_handler", 4: "irq_priority_drop",
             5: "irq_deactivate", 6: "send_kick", 7: "wait_for_kick", 8: "list_register_count",
             9: "read_list_register", 10: "write_list_register", 11: "empty_list_registers",
             12: "alloc_frame", 13: "dealloc_frame", 14: "virt_to_phys", 15: "phys_to_virt"}
HAL_CALLS = constants.get("HAL_CALLS", HAL_CALLS)

LR_STATES = ["invalid", "pending", "active", "pending+active"]


def hal_call_member(esr: int) -> str:
    """The member a HalCall record's esr field names ('irq_fetch'), or 'member N'."""
    return HAL_CALLS.get(esr & 0xFFFF, f"member {esr & 0xFFFF}")


def describe_hal_call(address: int, esr: int) -> str:
    """A HalCall record as the call it was: 'H::irq_fetch() -> 27',
    'H::write_list_register(0, vINTID 27 pending)'. Layout: trace.h, HalCall."""
    member = hal_call_member(esr)
    second = esr >> 32
    if member in ("irq_fetch", "list_register_count", "alloc_frame", "virt_to_phys"):
        shown = f"{address:#x}" if member in ("alloc_frame", "virt_to_phys") else f"{address}"
        return f"H::{member}() -> {shown}"
    if member == "empty_list_registers":
        return f"H::{member}() -> {address:#x}"
    if member in ("irq_priority_drop", "irq_deactivate", "send_kick"):
        return f"H::{member}({address})"
    if member in ("read_list_register", "write_list_register"):
        entry = f"vINTID {second & 0xFFFFFF} {LR_STATES[(second >> 24) & 3]}"
        return (f"H::{member}({address}) -> {entry}" if member.startswith("read")
                else f"H::{member}({address}, {entry})")
    if member == "init_cpu_interface":
        return f"H::{member}({address}, MPIDR {second:#x})"
    if member in ("dealloc_frame", "phys_to_virt"):
        return f"H::{member}({address:#x})"
    return f"H::{member}()"
