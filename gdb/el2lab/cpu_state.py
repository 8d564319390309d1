"""Reading the stopped CPU's state without Python tracebacks.

QEMU's gdbstub shows the full PSTATE as $cpsr, so the exception level is cpsr[3:2]; there is
no CurrentEL register in GDB. Every reader here raises StateError with a one-line,
student-readable message when there is nothing to read.
"""
from __future__ import annotations

import gdb


class StateError(Exception):
    """A wrong debugger state (no target, QEMU gone, a missing register)."""


def require_target() -> None:
    try:
        inferior = gdb.selected_inferior()
        if inferior is None or inferior.pid == 0 or not inferior.threads():
            raise StateError("not connected to QEMU: run `make debug` in another terminal, then `make gdb`")
        gdb.selected_frame()
    except gdb.error as e:
        raise StateError(f"no stopped CPU to read ({e}); is QEMU still running?") from None


def register(name: str) -> int:
    require_target()
    try:
        return int(gdb.parse_and_eval(f"${name}")) & 0xFFFF_FFFF_FFFF_FFFF
    except gdb.error as e:
        raise StateError(f"cannot read register {name}: {e}") from None


def exception_level() -> int:
    return (register("cpsr") >> 2) & 3


def regime(el: int) -> str:
    """The translation regime a stop at `el` uses, and what that means for addresses."""
    if el == 2:
        sctlr = register("SCTLR_EL2")
        mmu = "MMU on" if sctlr & 1 else "MMU off: virtual address = physical address"
        return f"EL2 regime ({mmu})"
    if el == 1:
        hcr = register("HCR_EL2")
        stage2 = "stage 2 on" if hcr & 1 else "stage 2 off"
        return f"EL1&0 regime (guest; {stage2})"
    return f"EL{el} regime"


def symbol_at(pc: int) -> str:
    block = gdb.current_progspace().block_for_pc(pc)
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None and block.function is not None:
        return block.function.print_name
    try:
        out = gdb.execute(f"info symbol {pc:#x}", to_string=True).strip()
    except gdb.error:
        return "?"
    return out.split(" in section")[0] if not out.startswith("No symbol") else "?"
