"""A backtrace across the EL boundary: from the run loop that handles an exit into the guest.

The hypervisor's own stack of an exit being handled is short and always the same: the device
or PSCI code, Vm<H>::handle, the run loop Vm<H>::run, Vm<H>::serve, el2lab_main. What a
student wants to know at an exit handler is who in the *guest* caused it. The guest's
registers as of the exit are in its vCPU's trap frame (`frame_`: x0-x30, ELR = the guest PC,
SPSR), and its stack pointer is SP_EL1 (or SP_EL0 for EL1t), which stays in the CPU while EL2
runs. So this unwinder claims the frame of Vm<H>::run and says that its caller is the guest at
the exit: pc = ELR, sp = SP_EL1, x0-x30 from the trap frame. GDB then unwinds the guest's
frames itself, with the guest ELF's debug information (session.py loads it). A `bt` at the MMIO
handler ends in the guest function that made the access, and `frame N` / `info locals` work in
the guest's frames.

The splice is made only when it is true: the stop is at EL2, the vCPU of this CPU (vCPU n on
CPU n) has been entered, and its last trap came from a lower EL (vectors 8-15). An unwinder
runs while GDB builds frames, so nothing here may need a frame: the vCPU's layout is read
once from the types and static symbols, the values with plain memory reads.
`disable unwinder el2lab-guest` gives the hypervisor's own chain (run loop, serve, main) back.
"""
from __future__ import annotations

import re

import gdb
import gdb.unwinder
from gdb.unwinder import Unwinder

from . import symbols

RUN_LOOP = re.compile(r"^el2lab::Vm<.*>::run\(")
NAME = "el2lab-guest"


class _Layout:
    """Where vCPU n's trap frame, trap record and `loaded_` flag are (from the debug types)."""

    def __init__(self, vcpus: list[int], frame: int, trap_vector: int, loaded: int,
                 x: int, elr: int, spsr: int) -> None:
        self.vcpus, self.frame, self.trap_vector, self.loaded = vcpus, frame, trap_vector, loaded
        self.x, self.elr, self.spsr = x, elr, spsr


def _offset(t: gdb.Type, name: str) -> int:
    for f in t.strip_typedefs().fields():
        if f.name == name:
            return f.bitpos // 8
    raise KeyError(name)


def _layout() -> _Layout | None:
    from . import vcpu  # noqa: PLC0415 — vcpu imports much of the package
    for sym in vcpu.function_statics("el2lab_main"):
        if sym.name != "vm":
            continue
        vm = sym.value()
        elems = vm["vcpus_"]["_M_elems"]
        lo, hi = elems.type.strip_typedefs().range()
        addresses = [int(elems[i].address) for i in range(lo, hi + 1)]
        vt = elems[0].type.strip_typedefs()
        frame_t = vt.fields()[[f.name for f in vt.fields()].index("frame_")].type
        trap_t = vt.fields()[[f.name for f in vt.fields()].index("trap_")].type
        return _Layout(addresses, _offset(vt, "frame_"), _offset(vt, "trap_") + _offset(trap_t, "vector"),
                       _offset(vt, "loaded_"), _offset(frame_t, "x"), _offset(frame_t, "elr"),
                       _offset(frame_t, "spsr"))
    return None


_cache: dict[str, _Layout | None] = {}
_run_ranges: list[tuple[int, int]] | None = None
_busy = False


def _reset(_event=None) -> None:
    global _run_ranges
    _cache.clear()
    _run_ranges = None


gdb.events.new_objfile.connect(_reset)
if hasattr(gdb.events, "free_objfile"):
    gdb.events.free_objfile.connect(_reset)


def _outer_function(pc: int):
    """The function pc is in, not a function inlined there (their blocks nest inside it)."""
    block = gdb.current_progspace().block_for_pc(pc)
    found = None
    while block is not None:
        if block.function is not None:
            found = block
        block = block.superblock
    return found


def _in_run_loop(pc: int) -> bool:
    block = _outer_function(pc)
    return block is not None and bool(RUN_LOOP.match(block.function.print_name))


def _u64(address: int) -> int:
    return int.from_bytes(bytes(gdb.selected_inferior().read_memory(address, 8)), "little")


class GuestUnwinder(Unwinder):
    def __init__(self) -> None:
        super().__init__(NAME)

    def __call__(self, pending):
        global _busy
        if _busy or not symbols.hypervisor_loaded():
            return None
        _busy = True  # reading types below must not re-enter this unwinder
        try:
            return self._unwind(pending)
        except (gdb.error, gdb.MemoryError, KeyError, ValueError, IndexError):
            return None  # no splice: GDB unwinds this frame itself
        finally:
            _busy = False

    def _unwind(self, pending):
        pc = int(pending.read_register("pc"))
        if not _in_run_loop(pc):
            return None
        if (int(pending.read_register("cpsr")) >> 2) & 3 != 2:
            return None
        if "layout" not in _cache:
            _cache["layout"] = _layout()
        layout = _cache["layout"]
        if layout is None:
            return None
        thread = gdb.selected_thread()
        cpu = thread.num - 1 if thread is not None else 0
        if not 0 <= cpu < len(layout.vcpus):
            return None
        base = layout.vcpus[cpu]
        loaded = bytes(gdb.selected_inferior().read_memory(base + layout.loaded, 1))[0]
        vector = _u64(base + layout.trap_vector) & 0xFFFFFFFF
        if not loaded or not 8 <= vector <= 15:
            return None
        frame = base + layout.frame
        elr, spsr = _u64(frame + layout.elr), _u64(frame + layout.spsr)
        if (spsr >> 2) & 3 != 1:
            return None  # not a guest at EL1 (EL0 would need its own stack and symbols)
        # EL1h runs on SP_EL1, which EL2 leaves alone; EL1t on SP_EL0, saved in the frame.
        sp = int(pending.read_register("SP_EL1")) if spsr & 1 else _u64(frame + 31 * 8)
        sp_here = int(pending.read_register("sp"))
        info = pending.create_unwind_info(_FrameId(sp_here, _outer_function(pc).start))
        arch_type = gdb.lookup_type("unsigned long")
        for i in range(31):
            info.add_saved_register(f"x{i}", gdb.Value(_u64(frame + layout.x + 8 * i)).cast(arch_type))
        info.add_saved_register("pc", gdb.Value(elr).cast(arch_type))
        info.add_saved_register("sp", gdb.Value(sp).cast(arch_type))
        info.add_saved_register("cpsr", gdb.Value(spsr & 0xFFFFFFFF).cast(gdb.lookup_type("unsigned int")))
        return info


class _FrameId:
    """GDB 13 wants the frame id's sp and pc as gdb.Value, not int."""

    def __init__(self, sp: int, pc: int) -> None:
        self.sp = gdb.Value(sp).cast(gdb.lookup_type("unsigned long"))
        self.pc = gdb.Value(pc).cast(gdb.lookup_type("unsigned long"))


def _objfile(pc: int):
    block = _outer_function(pc)
    return block.function.symtab.objfile if block is not None else None


def is_guest_pc(pc: int) -> bool:
    """Whether pc is in the guest's code: an objfile other than the hypervisor's."""
    main = symbols.address_of("el2lab_main")
    if main is None:
        return False
    mine = _objfile(pc)
    return mine is not None and mine != _objfile(main)


gdb.unwinder.register_unwinder(None, GuestUnwinder(), replace=True)
