"""hv vcpu: a vCPU's registers from its trap frame, its last exit and its exit counts."""
from __future__ import annotations

import gdb

from .. import cpu_state, vcpu
from .base import guarded, require_hypervisor


class HvVcpu(gdb.Command):
    """Show a vCPU's registers from its trap frame, its last exit and its exit counts.

The registers are x0-x30, SP_EL0, ELR (the guest's PC) and SPSR; the last exit is its vector,
its ESR decoded and the guest PC.

Usage: hv vcpu [ID]

Without ID, every vCPU found is shown. The Aarch64VCpu<H> objects are found in static storage first (the vcpus_ of el2lab_main's
`static Vm<Hal> vm` in the reference build, global vCPUs), then as `this` in frames of
Aarch64VCpu<H>::run. Stopped in the guest, the frame holds the
registers as of the last exit; the live ones are the CPU's."""

    def __init__(self) -> None:
        super().__init__("hv vcpu", gdb.COMMAND_USER)

    @guarded("hv vcpu")
    def invoke(self, arg: str, from_tty: bool) -> None:
        wanted = None
        if arg.strip():
            if not arg.strip().isdigit():
                raise cpu_state.StateError(f"ID must be a vCPU number, not {arg.strip()!r}")
            wanted = int(arg.strip())
        cpu_state.require_target()
        require_hypervisor()
        with cpu_state.hypervisor_memory():
            found = vcpu.find_all()
            if not found and not vcpu.vm_exists():
                raise cpu_state.StateError(vcpu.NO_VM_YET)
            if not found:
                raise cpu_state.StateError("no Aarch64VCpu<H> object found (not in static storage, "
                                           "not in a frame of Aarch64VCpu<H>::run)")
            chosen = [f for f in found if wanted is None or f.id == wanted]
            if not chosen:
                ids = ", ".join(str(f.id) for f in found)
                plural = "s" if len(found) > 1 else ""
                raise cpu_state.StateError(f"no vCPU {wanted}: this VM has vCPU{plural} {ids}")
            lines = [line for f in chosen for line in vcpu.report(f)]
        for line in lines:
            print(line)


HvVcpu()
