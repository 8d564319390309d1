"""hv gic: the vGIC state, the virtual timer and the power state from the hypervisor's debug
block (core/el2/debug_block.h, decoded by el2lab/gic.py): what GDB cannot read from the CPU."""
from __future__ import annotations

import gdb

from .. import cpu_state, devices, gic, style
from .base import guarded, require_hypervisor

SYMBOL = "el2lab::debug::block"


def _address() -> int:
    try:
        return int(gdb.parse_and_eval(f"&'{SYMBOL}'").cast(gdb.lookup_type("unsigned long")))
    except gdb.error:
        raise cpu_state.StateError(f"no {SYMBOL} in this build: its hypervisor has no debug block "
                                   "(core/el2/debug_block.h)") from None


def _vcpu_count() -> int | None:
    try:
        with cpu_state.hypervisor_memory():
            return int(devices.vm_value()["config_"]["vcpu_count"])
    except gdb.error:
        return None


class HvGic(gdb.Command):
    """Show each vCPU's list registers, virtual timer and power state from the debug block.

QEMU's gdbstub shows no GIC register, so the hypervisor copies that state into a block of
memory with a documented layout (core/el2/debug_block.h) as each exit arrives — while a
debugger has armed it: `hv gic on` arms it (the next exit of each vCPU fills its slot),
`hv gic off` disarms it (the exit path then costs one load and a branch less than nothing
at all). `hv gic` prints the last snapshot of each vCPU: its PSCI power state, the guest's
virtual timer (enabled, masked, when it fires), the virtual interrupts still queued, and each
list register decoded (state, vINTID, HW and pINTID, priority, group).

Usage: hv gic [on|off]"""

    def __init__(self) -> None:
        super().__init__("hv gic", gdb.COMMAND_USER)

    @guarded("hv gic")
    def invoke(self, arg: str, from_tty: bool) -> None:
        word = arg.strip()
        if word not in ("", "on", "off"):
            raise cpu_state.StateError(f"takes on, off or nothing, not {word!r}")
        cpu_state.require_target()
        require_hypervisor()
        address = _address()
        with cpu_state.hypervisor_memory():
            header = gic.parse_header(cpu_state.read_bytes(address, gic.HEADER.size))
            problem = header.problem()
            if problem:
                raise cpu_state.StateError(problem)
            if word:
                armed = 1 if word == "on" else 0
                gdb.selected_inferior().write_memory(address + gic.ARMED_OFFSET,
                                                     armed.to_bytes(4, "little"))
                if word == "on":
                    print("[el2lab] debug block armed: each vCPU's next exit fills its slot "
                          "(list registers, virtual timer, power state); `hv gic` shows them")
                else:
                    print("[el2lab] debug block disarmed: the slots keep their last snapshot")
                return
            count = min(_vcpu_count() or header.max_vcpus, header.max_vcpus)
            slots = [gic.parse_vcpu(i, cpu_state.read_bytes(address + gic.VCPUS_OFFSET + i * header.vcpu_size,
                                                            header.vcpu_size))
                     for i in range(count)]
        taken = [v for v in slots if v.snapshots]
        state = "armed" if header.armed else "not armed"
        print(style.title(f"debug block at {address:#x} ({state})"))
        if not taken:
            hint = ("no exit has arrived since it was armed: continue, or `hv step`" if header.armed
                    else "`hv gic on` arms it; the next exit of each vCPU fills its slot")
            print(f"  no snapshot yet: {hint}")
            return
        for v in slots:
            if not v.snapshots:
                print(f"vCPU {v.id}: no snapshot yet (no exit of it since the block was armed)")
                continue
            for line in gic.report(v):
                print(line)


HvGic()
