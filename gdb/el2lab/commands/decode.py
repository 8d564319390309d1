"""hv esr: an ESR value decoded field by field (no target needed)."""
from __future__ import annotations

import gdb

from .. import cpu_state, esr
from .base import guarded, require_hypervisor


class HvEsr(gdb.Command):
    """Decode an ESR_EL2 (or ESR_EL1) value field by field; needs no target.

The exception class, IL, and the ISS of data aborts, instruction aborts, trapped MSR/MRS,
HVC/SMC/SVC/BRK, WFI/WFE and SError, as core/portable/esr.h decodes them. A number works
anywhere (`hv esr 0x93810005`); while connected, an expression too (`hv esr $ESR_EL2`).

Usage: hv esr VALUE"""

    def __init__(self) -> None:
        super().__init__("hv esr", gdb.COMMAND_USER)

    @guarded("hv esr")
    def invoke(self, arg: str, from_tty: bool) -> None:
        text = arg.strip()
        if not text:
            raise cpu_state.StateError("give a value, e.g. `hv esr 0x5a000000` or `hv esr $ESR_EL2`")
        try:
            value = int(text, 0)
        except ValueError:
            try:
                value = int(gdb.parse_and_eval(text))
            except gdb.error as e:
                raise cpu_state.StateError(f"{text!r} is not a number ({e})") from None
        for line in esr.report(value & cpu_state.MASK64):
            print(line)


HvEsr()
