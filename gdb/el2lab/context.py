"""The context pane: what a student needs at a glance at each stop, in an 80x24 terminal.

At most MAX_LINES lines of at most WIDTH columns, one subject per line:

  header  the CPU, its EL and translation regime
  stage   the annotation point (narration stage and symbol) or the function
  exit    the exception in progress: from ESR_EL2/ELR_EL2/SPSR_EL2 while they are fresh (a
          vector entry, the trap-saving assembly), else the vCPU's captured trap (`trap_`) and
          its decoded VmExit (`exit_`); in the guest, none
  guest   the vCPU's guest PC and PSTATE: live at EL1, from the trap frame at EL2
  recent  the last exits of this CPU's vCPU, from the trace ring
  code    the source line of the stop, or its disassembly when there is no line information

Each part is read on its own: one that cannot be read says so in its line, and the pane is
still printed. `hv context on|off` (commands/context.py) prints it at every stop.
"""
from __future__ import annotations

import linecache
import textwrap
from pathlib import Path

import gdb

from . import annotate, cpu_state, esr, style, symbols, trace, vcpu, vmexit

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 80
MAX_LINES = 20
LABEL = 8          # "recent  " — the label column
RECENT = 4         # exits shown on the `recent` lines
CODE_LINES = 3     # disassembly lines when there is no source

# Set by `hv context on|off`; tests run with it off unless they turn it on.
enabled = False


def fit(line: str, width: int = WIDTH) -> str:
    """A line cut to `width` columns; the cut is marked so nothing looks complete that is not."""
    line = line.rstrip()
    return line if len(line) <= width else line[:width - 3] + "..."


def _row(label: str, text: str) -> str:
    return fit(f"{label:<{LABEL}}{text}")


def _more(text: str) -> str:
    return fit(" " * LABEL + text)


def _rows(label: str, text: str, most: int = 2) -> str:
    """Text under a label, wrapped at words to the pane's width on at most `most` lines."""
    parts = textwrap.wrap(text, WIDTH - LABEL, break_long_words=False) or [""]
    if len(parts) > most:
        parts = parts[:most - 1] + [" ".join(parts[most - 1:])]
    return "\n".join(_row(label if i == 0 else "", p) for i, p in enumerate(parts))


def _header(pc: int, el: int) -> str:
    cpu = cpu_state.cpu_number()
    where = cpu_state.where_short()
    title = f"-- el2lab context: {where}, pc {pc:#x} "
    if cpu is None and el not in (1, 2):
        title = f"-- el2lab context: EL{el}, pc {pc:#x} "
    return fit(title + "-" * max(0, WIDTH - len(title)))


def _own_vcpu() -> vcpu.Found | None:
    """The vCPU that runs on the selected CPU (vCPU n on CPU n), if it has been entered."""
    cpu = cpu_state.cpu_number() or 0
    with cpu_state.hypervisor_memory():
        for f in vcpu.find_all():
            try:
                if f.id == cpu and bool(f.value["loaded_"]):
                    return f
            except gdb.error:
                continue
    return None


def _live_exception(pc: int) -> list[str]:
    """The exception being taken, from the syndrome registers (fresh at a vector entry)."""
    base = symbols.address_of("el2lab_vector_table")
    index = None
    if base is not None and base <= pc < base + 16 * esr.VECTOR_ENTRY_BYTES:
        index = (pc - base) // esr.VECTOR_ENTRY_BYTES
    else:
        index = cpu_state.register("x0")  # the trap-saving code has the vector number in x0
    spsr = cpu_state.register("SPSR_EL2")
    elr = cpu_state.register("ELR_EL2")
    line = f"vector {index} ({esr.vector_name(index)}) from {esr.spsr_mode(spsr)}"
    if index in esr.IRQ_VECTORS:
        detail = "an interrupt: ESR_EL2 not written"
    else:
        detail = _syndrome(cpu_state.register("ESR_EL2"))
    return [_row("exit", line), _rows("", detail), _guest_line(elr, spsr)]


def _syndrome(raw: int) -> str:
    """'ESR 0x93800005: Data Abort from a lower EL: 4-byte read into w0, ...' (as `hv esr`)."""
    d = esr.decode(raw)
    return f"ESR {raw:#x}: {d.ec_name}" + (f": {d.summary}" if d.summary != d.ec_name else "")


def _trap_exception(found: vcpu.Found, decoding: bool) -> list[str]:
    """The exit this vCPU is being handled for: its captured trap_ and decoded exit_."""
    v = found.value
    trap = v["trap_"]
    vector, raw, pc = (int(trap["vector"]) & cpu_state.MASK64, int(trap["esr"]) & cpu_state.MASK64,
                       int(trap["pc"]) & cpu_state.MASK64)
    lines = [_row("exit", f"vCPU {found.id}: vector {vector} ({esr.vector_name(vector)}) at {pc:#x}")]
    if not decoding:
        try:
            lines.append(_rows("", "VmExit " + vmexit.from_value(v["exit_"]).describe()))
        except (gdb.error, cpu_state.StateError, KeyError, ValueError):
            pass
    if vector not in esr.IRQ_VECTORS and len(lines) < 2:
        lines.append(_rows("", _syndrome(raw)))
    frame = v["frame_"]
    lines.append(_guest_line(int(frame["elr"]) & cpu_state.MASK64, int(frame["spsr"]) & cpu_state.MASK64))
    return lines


def _guest_line(pc: int, spsr: int) -> str:
    """The guest's PC and PSTATE; PSTATE on a second line when a long symbol needs the room."""
    where = f"PC {pc:#x}{cpu_state.symbol_offset(pc)}"
    state = f"PSTATE {spsr:#x} ({esr.describe_spsr(spsr)})"
    if LABEL + len(where) + 2 + len(state) <= WIDTH:
        return _row("guest", f"{where}  {state}")
    return _row("guest", where) + "\n" + _more(state)


def _exception_lines(pc: int, el: int, stage: str, symbol: str) -> list[str]:
    if el != 2:
        return [_row("exit", "none: the guest runs at EL1 (the hypervisor is not running)"),
                _guest_line(pc, cpu_state.register("cpsr"))]
    if stage == "entry" or symbol.startswith("el2lab_vec_") or symbol == "el2lab_vmexit":
        # Until run() copies them into the vCPU (trap_), the syndrome registers are the news.
        return _live_exception(pc)
    found = _own_vcpu()
    if found is None:
        return [_row("exit", "none: no vCPU has run on this CPU yet")]
    return _trap_exception(found, decoding=symbol == "el2lab::decode_sync_exit")


def _recent_lines() -> list[str]:
    with cpu_state.hypervisor_memory():
        records = trace.read_ring()
    cpu = cpu_state.cpu_number() or 0
    mine = [r for r in records if r.is_exit and r.cpu == cpu][-RECENT:]
    if not mine:
        return [_row("recent", "no exit recorded yet on this CPU")]
    words = [r.kind_name + (f" {r.address:#x}" if r.kind_name.startswith("Mmio") else "")
             for r in mine]
    lines, current = [], ""
    for w in words:
        piece = w if not current else ", " + w
        if current and LABEL + len(current) + len(piece) + 1 > WIDTH:
            lines.append(current + ",")
            current = w
        else:
            current += piece
    lines.append(current)
    return [_row("recent", lines[0])] + [_more(x) for x in lines[1:]]


def _code_lines(pc: int) -> list[str]:
    sal = gdb.find_pc_line(pc)
    if sal.symtab is not None and sal.line:
        path = sal.symtab.fullname()
        text = linecache.getline(path, sal.line).strip()
        root = str(ROOT) + "/"
        short = path[len(root):] if path.startswith(root) else "/".join(path.split("/")[-2:])
        out = [_row("code", f"{short}:{sal.line}")]
        if text:
            out.append(_more(text))
        return out
    arch = gdb.selected_frame().architecture()
    out = []
    for i, insn in enumerate(arch.disassemble(pc, count=CODE_LINES)):
        mark = "=> " if i == 0 else "   "
        out.append(_row("code" if i == 0 else "", f"{mark}{insn['addr']:#x}  {insn['asm']}"))
    return out


def _section(builder, *args) -> list[str]:
    """One part of the pane, or a line saying why it could not be read."""
    try:
        return builder(*args)
    except cpu_state.StateError as e:
        return [fit(f"{'':<{LABEL}}({e})")]
    except (gdb.error, gdb.MemoryError, KeyError, ValueError, OverflowError) as e:
        return [fit(f"{'':<{LABEL}}(could not read: {e})")]


def pane() -> list[str]:
    """The pane for the current stop. Raises cpu_state.StateError without a stopped CPU."""
    pc = cpu_state.register("pc")
    el = cpu_state.exception_level()
    n = annotate.narrate(pc)
    stage = n.stage or ""
    lines = [_header(pc, el)]
    what = f"[{stage}] {n.symbol}" if stage else cpu_state.compact_name(n.symbol, 60)
    lines.append(_row("stage", what if el == 2 or not stage else f"{n.symbol} (guest code)"))
    lines += _section(_exception_lines, pc, el, stage, n.symbol)
    lines += _section(_recent_lines)
    lines += _section(_code_lines, pc)
    lines.append("-" * WIDTH)
    lines = [part for line in lines for part in line.split("\n")]
    return lines[:MAX_LINES]


def coloured(lines: list[str]) -> list[str]:
    """The pane with its frame and labels coloured (on a terminal; plain when piped)."""
    out = []
    for line in lines:
        if line.startswith("--"):
            out.append(style.title(line))
        elif line[:LABEL].strip():
            out.append(style.name(line[:LABEL]) + line[LABEL:])
        else:
            out.append(line)
    return out


def _on_stop(event) -> None:
    if not enabled or annotate.suppress:
        return
    if isinstance(event, gdb.SignalEvent) and event.stop_signal not in ("SIGTRAP", "SIGINT"):
        return
    try:
        for line in coloured(pane()):
            print(line)
    except cpu_state.StateError:
        pass  # the machine is gone; GDB says so itself
    except Exception as e:  # noqa: BLE001 — a stop must never end in a Python traceback
        print(f"[el2lab] the context pane could not be drawn: {e}")


gdb.events.stop.connect(_on_stop)
