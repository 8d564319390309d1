"""hv walk: the stage-2 walk of an IPA, or a guest VA's stage-1 walk followed by stage 2.

The walking itself is el2lab/pagewalk.py (plain Python, tested offline); this module reads the
registers that start a walk and the descriptors, by physical address, through QEMU's gdbstub.
"""
from __future__ import annotations

import gdb

from .. import annotate, cpu_state, devices, pagewalk, style
from .base import guarded, require_hypervisor

def _number(text: str) -> int:
    try:
        return int(text, 0) & cpu_state.MASK64
    except ValueError:
        pass
    try:
        return int(gdb.parse_and_eval(text)) & cpu_state.MASK64
    except gdb.error as e:
        raise cpu_state.StateError(f"{text!r} is not an address ({e})") from None


def _vm_config(field: str) -> int:
    try:
        with cpu_state.hypervisor_memory():
            return int(devices.vm_value()["config_"][field]) & cpu_state.MASK64
    except gdb.error:
        return 0


def stage2_registers() -> tuple[int, int, str]:
    """(VTTBR_EL2, VTCR_EL2, where they came from). The CPU's own registers once a vCPU has
    run on it; before that, the values every vCPU will load (the VM's configuration)."""
    vttbr, vtcr = cpu_state.register("VTTBR_EL2"), cpu_state.register("VTCR_EL2")
    if vttbr:
        return vttbr, vtcr, "this CPU's registers"
    vttbr, vtcr = _vm_config("vttbr"), _vm_config("vtcr")
    if vttbr:
        return vttbr, vtcr, "the VM's configuration (no vCPU has run on this CPU yet)"
    raise cpu_state.StateError("no stage-2 tables yet: VTTBR_EL2 is 0 and the VM is not built; "
                               "run to a guest exit first (`hv step`)")


def _read(pa: int) -> int:
    return cpu_state.read_u64(pa)


def _step_lines(w: pagewalk.Walk, space: str) -> list[str]:
    lines = []
    for s in w.steps:
        at = f"{space} {s.entry:#x}"
        if s.entry_pa is not None and s.entry_pa != s.entry:
            at += f" (PA {s.entry_pa:#x})"
        lines.append(f"  level {s.level} [{s.index:3}] {at} = {s.descriptor:#018x}  {s.text}")
    return lines


def _result_lines(w: pagewalk.Walk, source: str, target: str) -> list[str]:
    out = []
    if w.ok:
        out.append("  " + style.good(f"=> {target} {w.output:#x}") +
                   f" ({pagewalk.size_name(w.leaf_size)} {w.steps[-1].kind} at level "
                   f"{w.steps[-1].level}, offset {w.address & (w.leaf_size - 1):#x})")
    else:
        out.append("  " + style.bad(f"=> {w.fault}"))
    out += [f"     {note}" for note in w.notes]
    return out


def stage2_report(ipa: int, vttbr: int, vtcr: int, source: str) -> list[str]:
    lines = [style.title(f"stage 2: IPA {ipa:#x}") + f", walked from {source}",
             f"  VTTBR_EL2 {vttbr:#x}: {pagewalk.describe_vttbr(vttbr)}",
             f"  VTCR_EL2  {vtcr:#x}: {pagewalk.describe_vtcr(vtcr)}"]
    with cpu_state.physical_memory():
        w = pagewalk.stage2(ipa, vttbr, vtcr, _read)
    lines += _step_lines(w, "PA")
    lines += _result_lines(w, "IPA", "PA")
    if not w.ok and w.steps:
        device = None
        m = devices.current()
        if m is not None:
            device = m.describe(ipa)
        if device:
            lines.append(f"     a guest access here exits to el2lab (a stage-2 data abort), "
                         f"which emulates {device}")
        else:
            lines.append("     a guest access here exits to el2lab (a stage-2 data abort); no "
                         "emulated device is there, so el2lab injects an external abort")
    return lines


def _sctlr_el1() -> int:
    for name in ("SCTLR", "SCTLR_EL1"):
        value = cpu_state.try_register(name)
        if value is not None:
            return value
    raise cpu_state.StateError("GDB shows no SCTLR_EL1 (QEMU names it SCTLR)")


def guest_report(va: int) -> list[str]:
    vttbr, vtcr, source = stage2_registers()
    sctlr = _sctlr_el1()
    if not sctlr & 1:
        lines = [style.title(f"stage 1: VA {va:#x}") +
                 " (the guest's own translation): SCTLR_EL1.M = 0, the guest runs with its MMU "
                 "off, so IPA = VA",
                 "  " + style.good(f"=> IPA {va:#x}")]
        return lines + stage2_report(va, vttbr, vtcr, source)
    tcr = cpu_state.register("TCR_EL1")
    ttbr0, ttbr1 = cpu_state.register("TTBR0_EL1"), cpu_state.register("TTBR1_EL1")

    def ipa_to_pa(ipa: int) -> pagewalk.Walk:
        return pagewalk.stage2(ipa, vttbr, vtcr, _read)

    with cpu_state.physical_memory():
        w = pagewalk.stage1(va, ttbr0, ttbr1, tcr, _read, ipa_to_pa)
    shape = w.geometry.describe() if w.geometry else "?"
    lines = [style.title(f"stage 1: VA {va:#x}") +
             f" (the guest's own tables: TCR_EL1 {tcr:#x}, {shape}; each table is at an IPA, "
             "read through stage 2)"]
    lines += _step_lines(w, "IPA")
    lines += _result_lines(w, "VA", "IPA")
    if w.ok:
        lines += stage2_report(w.output, vttbr, vtcr, source)
    return lines


class HvWalk(gdb.Command):
    """Walk the translation tables: an IPA through stage 2, or a guest VA through both stages.

Usage: hv walk IPA             the stage-2 walk: VTTBR_EL2 -> each level's descriptor -> PA
       hv walk --guest VA      the guest's stage-1 walk (TTBR0/1_EL1, TCR_EL1), then stage 2

Each level prints the table entry it reads, the descriptor and its fields named (memory type,
access, shareability, AF, execute-never); the walk ends in the output address or in the fault
an access would take (its level and reason). For an address without RAM behind it, it says
which emulated device el2lab serves there. Descriptors are read by physical address (QEMU's
Qqemu.PhyMemMode), so it works stopped in the guest too. IPA and VA may be expressions:
`hv walk $x0`, `hv walk --guest $pc`."""

    def __init__(self) -> None:
        super().__init__("hv walk", gdb.COMMAND_USER)

    @guarded("hv walk")
    def invoke(self, arg: str, from_tty: bool) -> None:
        words = arg.split()
        guest = bool(words) and words[0] == "--guest"
        if guest:
            words = words[1:]
        if not words:
            raise cpu_state.StateError("give an address: `hv walk 0x40080000` (an IPA) or "
                                       "`hv walk --guest $pc` (a guest virtual address)")
        if words[0].startswith("--"):
            raise cpu_state.StateError(f"unknown option {words[0]!r}: the one option is --guest")
        address = _number(" ".join(words))
        cpu_state.require_target()
        require_hypervisor()
        if guest:
            lines = guest_report(address)
        else:
            vttbr, vtcr, source = stage2_registers()
            lines = stage2_report(address, vttbr, vtcr, source)
        for line in lines:
            print(annotate.wrap(line, "       "))


HvWalk()
