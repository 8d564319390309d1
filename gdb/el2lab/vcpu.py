"""Finding the Aarch64VCpu<H> objects and showing a vCPU's registers from its trap frame.

How a vCPU is found (in this order, duplicates dropped):
  1. static storage: objects of type Aarch64VCpu<H> (or arrays of them) among the statics of
     el2lab_main and among global and namespace-scope variables, and the vCPUs of any static
     Vm<H> (the reference build's `static Vm<Hal> vm` keeps them in its `vcpus_` array, the
     first `config_.vcpu_count` of which exist). Static storage can be read at any stop — in a
     vector entry, in assembly, even when the C++ frames cannot be unwound — which is why it
     comes first;
  2. (reserved: older builds referred to a single vCPU from Vm<H>::vcpu_);
  3. the call stack: `this` in frames of Aarch64VCpu<H>::run (a build whose vCPUs live on a
     stack or in the heap).
The vCPU's id is its `id_` member; `hv vcpu N` picks the one with id N.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import gdb

from . import cpu_state, esr, exits, symbols

VCPU_TYPE = re.compile(r"^el2lab::Aarch64VCpu<.*>$")
VM_TYPE = re.compile(r"^el2lab::Vm<.*>$")


@dataclass
class Found:
    value: gdb.Value  # the Aarch64VCpu<H> object
    how: str          # "vcpus_[0] of static `vm` in el2lab_main"
    power: str = ""   # its PSCI power state, when it belongs to a Vm<H>: "ON", "OFF", "ON_PENDING"

    @property
    def address(self) -> int:
        return int(self.value.address)

    @property
    def id(self) -> int:
        return int(self.value["id_"])


def _type_name(t: gdb.Type) -> str:
    t = t.strip_typedefs()
    return t.tag or t.name or str(t)


def function_statics(function: str) -> list[gdb.Symbol]:
    address = symbols.address_of(function)
    if address is None:
        return []
    top = gdb.current_progspace().block_for_pc(address)
    while top is not None and top.function is None:
        top = top.superblock
    if top is None:
        return []
    seen, out = set(), []
    pc = top.start
    while pc < top.end:
        block = gdb.current_progspace().block_for_pc(pc)
        while block is not None and block.start >= top.start and block.end <= top.end:
            if (block.start, block.end) not in seen:
                seen.add((block.start, block.end))
                out += [s for s in block if s.addr_class == gdb.SYMBOL_LOC_STATIC]
            if block.start == top.start and block.end == top.end:
                break
            block = block.superblock
        pc += 4
    return out


def _global_candidates() -> list[tuple[str, str]]:
    """(name, how) of global/namespace variables whose type mentions Aarch64VCpu or Vm."""
    out = []
    for pattern in ("Aarch64VCpu", "el2lab::Vm<"):
        try:
            text = gdb.execute(f"info variables -q -t {pattern}", to_string=True)
        except gdb.error:
            continue
        for line in text.splitlines():
            m = re.search(r"\s([\w:]+(?:\[\d*\])?);$", line.strip())
            if m:
                out.append((m.group(1).split("[")[0], "global variable"))
    return out


def _expand(value: gdb.Value, how: str) -> list[Found]:
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        return [f for i in range(lo, hi + 1) for f in _expand(value[i], f"{how}[{i}]")]
    name = _type_name(t)
    if VCPU_TYPE.match(name):
        return [Found(value, how)]
    if VM_TYPE.match(name):
        try:
            count = int(value["config_"]["vcpu_count"])
            elems = value["vcpus_"]["_M_elems"]
            return [Found(elems[i], f"vcpus_[{i}] of {how}", _power_state(value, i))
                    for i in range(count)]
        except gdb.error:
            return []
    return []


def _power_state(vm: gdb.Value, i: int) -> str:
    """PSCI power state of vCPU i of a Vm<H> (its VCpuPowerTable), as PSCI names it."""
    try:
        state = str(vm["power_"]["state_"]["_M_elems"][i]).rsplit("::", 1)[-1]
    except gdb.error:
        return ""
    return {"kOff": "OFF", "kOn": "ON", "kOnPending": "ON_PENDING"}.get(state, state)


def _constructed(function: str, name: str) -> bool | None:
    """Whether a function-local static has been constructed (its guard variable), if known."""
    guard = symbols.address_of(f"guard variable for {function}::{name}")
    if guard is None:
        return None
    try:
        return cpu_state.read_bytes(guard, 1) != b"\0"
    except cpu_state.StateError:
        return None


NO_VM_YET = ("the VM does not exist yet: el2lab_main creates it (`static Vm<Hal> vm`) once the "
             "CPUs are up and the guest is loaded; run to a guest exit first (`hv step`)")


def vm_exists() -> bool:
    """False while el2lab_main's `static Vm<Hal> vm` is not constructed (its guard variable
    is still 0, e.g. stopped at el2lab_entry); True once it is, or when that cannot be told."""
    return _constructed("el2lab_main", "vm") is not False


def find_all() -> list[Found]:
    found: list[Found] = []
    for sym in function_statics("el2lab_main"):
        constructed = _constructed("el2lab_main", sym.name)
        how = f"static `{sym.name}` in el2lab_main"
        if constructed is False:
            if VM_TYPE.match(_type_name(sym.type)):
                continue  # its vCPUs do not exist yet
            how += " (not constructed yet: el2lab_main has not reached it)"
        try:
            found += _expand(sym.value(), how)
        except gdb.error:
            continue
    for name, how in _global_candidates():
        try:
            found += _expand(gdb.parse_and_eval(name), f"{how} `{name}`")
        except gdb.error:
            continue
    if cpu_state.has_target():
        try:
            frame = gdb.newest_frame()
            while frame is not None:
                fn = frame.function()
                if fn is not None and re.match(r"^el2lab::Aarch64VCpu<.*>::run", fn.print_name):
                    try:
                        this = frame.read_var("this")
                        found.append(Found(this.dereference(), f"`this` of {fn.print_name} (frame {frame.level()})"))
                    except (gdb.error, ValueError):
                        pass
                frame = frame.older()
        except gdb.error:
            pass
    unique: dict[int, Found] = {}
    for f in found:
        try:
            if f.address:
                unique.setdefault(f.address, f)
        except gdb.error:
            continue
    return list(unique.values())


def _u(v: gdb.Value) -> int:
    return int(v) & cpu_state.MASK64


def report(f: Found) -> list[str]:
    """The `hv vcpu` listing of one vCPU."""
    v = f.value
    frame = v["frame_"]
    type_name = _type_name(v.type)
    hal = symbols.generic_name(type_name)[1]
    if "not constructed yet" in f.how:
        return [f"vCPU {f.id}: {type_name} at {f.address:#x}, found as {f.how}",
                "  its constructor has not run: no registers to show yet (`hv step` to the guest entry)"]
    loaded = bool(v["loaded_"])
    # vCPU n runs on physical CPU n (GDB thread n + 1), so "loaded" names that CPU.
    where = f"loaded on CPU {f.id}" if loaded else "not entered since it was switched on"
    if f.power == "OFF":
        where = ""
    power = f"power {f.power}" + (", " if where else "") if f.power else ""
    lines = [f"vCPU {f.id}: {type_name} at {f.address:#x}, found as {f.how}",
             f"  HAL {symbols.hal_short(hal)}, MPIDR {_u(v['mpidr_']):#x}, VTTBR_EL2 {_u(v['vttbr_']):#x}, "
             f"{power}{where}"]
    el = cpu_state.exception_level() if cpu_state.has_target() else None
    if f.power == "OFF" and not loaded:
        lines.append("  switched off: the guest has not started it with PSCI CPU_ON, or has stopped it")
        return lines
    if el == 1 and loaded and (cpu_state.cpu_number() or 0) == f.id:
        lines.append("  stopped in the guest: its live registers are the CPU's ($x0..., $pc); the "
                     "frame below holds them as of the last exit")
    elif not bool(v["loaded_"]):
        lines.append("  trap frame: the state the guest will start in")
    else:
        lines.append("  trap frame: the guest's registers as of its last exit")
    x = [_u(frame["x"][i]) for i in range(31)]
    for row in range(0, 31, 4):
        cells = [f"x{i:<2} {x[i]:<#18x}" for i in range(row, min(row + 4, 31))]
        lines.append(("    " + "  ".join(cells)).rstrip())
    elr, spsr, sp0 = _u(frame["elr"]), _u(frame["spsr"]), _u(frame["sp_el0"])
    lines.append(f"    sp_el0 {sp0:#x}   elr (guest PC) {elr:#x}{cpu_state.symbol_offset(elr)}")
    lines.append(f"    spsr {spsr:#x} ({esr.describe_spsr(spsr)})")
    trap = v["trap_"]
    raw, vector, pc = _u(trap["esr"]), _u(trap["vector"]), _u(trap["pc"])
    if pc or raw:
        d = esr.decode(raw)
        syndrome = ("ESR not written (interrupt)" if vector in esr.IRQ_VECTORS
                    else f"ESR {raw:#x} = EC {d.ec:#04x} {d.ec_name} ({d.summary})")
        lines.append(f"  last exit: vector {vector} ({esr.vector_name(vector)}) at guest PC "
                     f"{pc:#x}; {syndrome}")
    try:
        elems = v["exit_counts_"]["_M_elems"]
        lo, hi = elems.type.strip_typedefs().range()
        counts = [_u(elems[i]) for i in range(lo, hi + 1)]
    except gdb.error:
        counts = []
    taken = [f"{exits.kind_name(i)} {c}" for i, c in enumerate(counts) if c]
    lines.append("  exits taken: " + (", ".join(taken) if taken else "none yet"))
    return lines


class VCpuFunction(gdb.Function):
    """$vcpu(N): vCPU N's Aarch64VCpu<H> object, wherever it lives (see `hv vcpu`).

Usage: print $vcpu(0)    print $vcpu(1).frame_    print $vcpu(0).frame_.x[0]"""

    def __init__(self) -> None:
        super().__init__("vcpu")

    def invoke(self, index: gdb.Value) -> gdb.Value:
        wanted = int(index)
        try:
            cpu_state.require_target()
        except cpu_state.StateError as e:
            raise gdb.GdbError(f"$vcpu({wanted}): {e}") from None
        found = find_all()
        if not found and not vm_exists():
            raise gdb.GdbError(f"$vcpu({wanted}): {NO_VM_YET}")
        for f in found:
            if f.id == wanted:
                return f.value
        have = ", ".join(str(f.id) for f in found) or "none"
        raise gdb.GdbError(f"$vcpu({wanted}): no such vCPU (found: {have})")


VCpuFunction()
