"""Reading the stopped CPU's state without Python tracebacks.

QEMU's gdbstub shows the full PSTATE as $cpsr, so the exception level is cpsr[3:2]; there is
no CurrentEL register in GDB. System registers read as $ESR_EL2, $VBAR_EL2, ... (writes are
ignored by QEMU). Every reader here raises StateError with a one-line, student-readable
message when there is nothing to read: no target, QEMU gone, a register or symbol missing.
"""
from __future__ import annotations

import contextlib

import gdb

MASK64 = (1 << 64) - 1


class StateError(Exception):
    """A wrong debugger state (no target, QEMU gone, a missing register or symbol)."""


# Whether QEMU was connected and went away (the guest powered the machine off, or QEMU was
# killed): after that GDB answers every register read with "No registers".
_gone = False


def _on_gone(_event=None) -> None:
    global _gone
    _gone = True


def _on_stop(_event=None) -> None:
    global _gone
    _gone = False


gdb.events.exited.connect(_on_gone)
if hasattr(gdb.events, "connection_removed"):
    gdb.events.connection_removed.connect(_on_gone)
gdb.events.stop.connect(_on_stop)


# True while a gdb.Breakpoint.stop() callback runs: GDB then reports the thread as running,
# yet its registers and memory are readable.
in_breakpoint_callback = False


def has_target() -> bool:
    inferior = gdb.selected_inferior()
    return inferior is not None and inferior.pid != 0 and bool(inferior.threads())


def require_target() -> None:
    if not has_target():
        if _gone:
            raise StateError("QEMU is gone: the machine powered off (or QEMU was stopped); "
                             "start `make debug` again and reconnect with `make gdb`")
        raise StateError("not connected to QEMU: run `make debug` in another terminal, then `make gdb`")
    try:
        thread = gdb.selected_thread()
        if thread is not None and thread.is_running() and not in_breakpoint_callback:
            raise StateError("the CPU is running: interrupt it (Ctrl-C) first")
        gdb.selected_frame()
    except gdb.error as e:
        raise StateError(f"no stopped CPU to read ({e}); is QEMU still running?") from None


def register(name: str) -> int:
    require_target()
    try:
        return int(gdb.parse_and_eval(f"${name}")) & MASK64
    except gdb.error as e:
        raise StateError(f"cannot read register {name}: {e}") from None


def try_register(name: str) -> int | None:
    try:
        return register(name)
    except StateError:
        return None


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


def cpu_number() -> int | None:
    """The physical CPU GDB has selected — QEMU shows CPU n as thread n + 1 — or None on a
    one-CPU machine, where there is nothing to tell apart."""
    try:
        thread = gdb.selected_thread()
        count = len(gdb.selected_inferior().threads())
    except gdb.error:
        return None
    if thread is None or count < 2:
        return None
    return thread.num - 1


def where_short() -> str:
    """'EL2, MMU off' / 'CPU 1, EL1 (guest), stage 2 on': the tail of every narration line."""
    cpu = cpu_number()
    prefix = "" if cpu is None else f"CPU {cpu}, "
    el = exception_level()
    if el == 2:
        return prefix + "EL2, MMU " + ("on" if register("SCTLR_EL2") & 1 else "off")
    if el == 1:
        return prefix + "EL1 (guest), stage 2 " + ("on" if register("HCR_EL2") & 1 else "off")
    return f"{prefix}EL{el}"


@contextlib.contextmanager
def hypervisor_memory():
    """Reads hypervisor memory even when the CPU is stopped at EL1.

    GDB reads memory through the translation regime of the stop: at EL1 that is the guest's
    (stage 1 and stage 2), where the hypervisor's addresses are not mapped. QEMU's gdbstub can
    read physical memory instead (`Qqemu.PhyMemMode:1`); the hypervisor runs with its MMU off,
    so its addresses are physical ones. Back to virtual addresses afterwards."""
    switched = False
    try:
        if has_target() and exception_level() != 2:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
            switched = True
    except (gdb.error, StateError):
        switched = False
    try:
        yield switched
    finally:
        if switched:
            try:
                gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
            except gdb.error:
                pass


@contextlib.contextmanager
def physical_memory():
    """Memory reads by physical address, whatever the stop: translation tables are found by
    PA. At EL2 with the MMU off a virtual address already is one; anywhere else QEMU's gdbstub
    is switched to physical reads (`Qqemu.PhyMemMode:1`) and back afterwards."""
    require_target()
    switched = False
    if exception_level() != 2 or register("SCTLR_EL2") & 1:
        try:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
            switched = True
        except gdb.error as e:
            raise StateError(f"QEMU cannot read physical memory here ({e})") from None
    try:
        yield
    finally:
        if switched:
            try:
                gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
            except gdb.error:
                pass


def read_u64(address: int) -> int:
    return int.from_bytes(read_bytes(address, 8), "little")


def read_bytes(address: int, size: int) -> bytes:
    require_target()
    try:
        return bytes(gdb.selected_inferior().read_memory(address, size))
    except gdb.MemoryError as e:
        raise StateError(f"cannot read memory at {address:#x}: {e}") from None


def symbol_at(pc: int) -> str:
    """The function containing pc: its full C++ name, an assembly label, or '?'."""
    block = gdb.current_progspace().block_for_pc(pc)
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None and block.function is not None:
        return block.function.print_name
    try:
        out = gdb.execute(f"info symbol {pc:#x}", to_string=True).strip()
    except gdb.error:
        return "?"
    if out.startswith("No symbol"):
        return "?"
    name = out.split(" in section")[0]
    return name.split(" + ")[0]


def symbol_offset(address: int) -> str:
    """'<guest_main+12>' for an address with a symbol (hypervisor or guest), else ''."""
    try:
        out = gdb.execute(f"info symbol {address:#x}", to_string=True).strip()
    except gdb.error:
        return ""
    if out.startswith("No symbol"):
        return ""
    name = out.split(" in section")[0].replace(" + ", "+")
    return f" <{compact_name(short_name(name))}>"


def compact_name(name: str, limit: int = 64) -> str:
    """A long template name with its argument lists elided: 'std::__detail::...<...>::f+24'."""
    if len(name) <= limit:
        return name
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            if depth == 0:
                out.append("<...>")
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def short_name(name: str) -> str:
    """Drops the parameter list: 'el2lab::decode_sync_exit(el2lab::SyncTrap const&)+8' ->
    'el2lab::decode_sync_exit+8' (brackets inside template arguments and lambdas are kept)."""
    depth = 0
    for i, ch in enumerate(name):
        if ch in "<{":
            depth += 1
        elif ch in ">}":
            depth -= 1
        elif ch == "(" and depth == 0 and i > 0 and not name[:i].endswith("operator"):
            nesting = 0
            for j in range(i, len(name)):
                if name[j] == "(":
                    nesting += 1
                elif name[j] == ")":
                    nesting -= 1
                    if nesting == 0:
                        return name[:i] + name[j + 1:].replace(" const", "")
            return name[:i]
    return name
