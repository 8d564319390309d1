"""hv vectors: the 16 entries of the EL2 vector table, checked against VBAR_EL2."""
from __future__ import annotations

import gdb

from .. import cpu_state, esr, style, symbols
from .base import guarded, require_hypervisor


class HvVectors(gdb.Command):
    """List the 16 entries of the EL2 vector table and check them against VBAR_EL2.

Each entry: index, offset from VBAR_EL2, address, symbol, name. Checks that VBAR_EL2 points at
el2lab_vector_table and that each entry's symbol sits exactly at its 0x80 slot (a label before
`.balign` would not). Works without a target, from the ELF.

Usage: hv vectors"""

    def __init__(self) -> None:
        super().__init__("hv vectors", gdb.COMMAND_USER)

    @guarded("hv vectors")
    def invoke(self, arg: str, from_tty: bool) -> None:
        require_hypervisor()
        table = symbols.address_of("el2lab_vector_table")
        vbar = cpu_state.try_register("VBAR_EL2") if cpu_state.has_target() else None
        if table is None:
            raise cpu_state.StateError("no symbol el2lab_vector_table in this build")
        if vbar is None:
            print(f"el2lab_vector_table at {table:#x} (VBAR_EL2 not read: not connected to QEMU)")
        elif vbar == table:
            print(style.good(f"VBAR_EL2 = {vbar:#x} = el2lab_vector_table: the hypervisor's vectors "
                             "are installed"))
        elif vbar == 0:
            print(style.warn(f"VBAR_EL2 = 0: not set yet (Aarch64PerCpu<H>::hardware_enable sets it); "
                             f"el2lab_vector_table is at {table:#x}"))
        else:
            print(style.bad(f"VBAR_EL2 = {vbar:#x}, but el2lab_vector_table is at {table:#x}: "
                            "exceptions go somewhere else"))
        pc = cpu_state.try_register("pc") if cpu_state.has_target() else None
        print(f"  {'#':>2}  {'offset':6}  {'address':10}  {'symbol':26}  entry")
        for i in range(16):
            address = table + i * esr.VECTOR_ENTRY_BYTES
            name = esr.VECTOR_SYMBOLS[i]
            at = symbols.address_of(name)
            if at is None:
                symbol = style.warn("(no symbol)")
            elif at != address:
                symbol = style.bad(f"{name} MISPLACED at {at:#x}")
            else:
                symbol = name
            here = "  <- pc" if pc is not None and address <= pc < address + esr.VECTOR_ENTRY_BYTES else ""
            print(f"  {i:>2}  {i * esr.VECTOR_ENTRY_BYTES:#06x}  {address:#010x}  {symbol:26}  "
                  f"{esr.vector_name(i)}{here}")


HvVectors()
