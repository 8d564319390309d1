"""From annotation points to addresses in the loaded hypervisor, and the call sites between them.

core/annotation_points.txt names every stage generically (`el2lab::Vm<H>::handle`); here each
name is resolved against the symbols GDB has loaded: `<H>` matches whatever HAL the build was
instantiated with (the concrete H is reported), C++ functions are found through the debug
info, assembly labels through the ELF symbol table. A name the build lacks (a student's HAL,
an older core) resolves to None, and every user of this module says so instead of failing.

The dispatch sites are not symbols: they are call instructions found by disassembling the
functions the annotation points name — the `blr` of IRQ_HANDLER (an indirect call through a
function table) and the `bl` to `H::irq_fetch` in `Aarch64VCpu<H>::run` (a direct call).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import gdb

from . import annotation_points

_TEMPLATE_ARGS = re.compile(r"<([^<>]|<[^<>]*>)*>")
_DISASM_LINE = re.compile(r"^(?:=>)?\s+0x([0-9a-f]+)(?: <\+(\d+)>)?:\s+(.*)$")
_CALL_TARGET = re.compile(r"^(bl|blr|b|br)\s+(\S+)(?:\s+<(.*)>)?")


@dataclass(frozen=True)
class Resolved:
    point: annotation_points.Point
    name: str       # concrete name, e.g. el2lab::Vm<el2lab::board::QemuVirtHal>::handle
    address: int    # first instruction
    hal: str | None  # the H of a template point


@dataclass(frozen=True)
class Insn:
    address: int
    text: str  # "bl\t0x70005aa0 <el2lab::decode_sync_exit(el2lab::SyncTrap const&)>"

    @property
    def mnemonic(self) -> str:
        return self.text.split(None, 1)[0] if self.text else ""

    def pretty(self) -> str:
        """'bl 0x70005aa0 <el2lab::decode_sync_exit>' (tabs and comments tidied)."""
        text = self.text.split("//")[0].strip()
        text = re.sub(r"\s+", " ", text.replace("\t", " "))
        return re.sub(r"<([^>]*(?:<[^>]*>[^>]*)*)>$", lambda m: "<" + _short(m.group(1)) + ">", text)


@dataclass(frozen=True)
class Site:
    """A call (or return) instruction found by disassembly that the narration names."""
    kind: str       # irq_handler_call | irq_handler_direct | irq_handler_thunk | irq_fetch_call
                    # | guest_eret | current_el_eret
    stage: str      # dispatch | resume
    address: int
    insn: Insn
    function: str   # the function it lies in (generic name)
    label: str      # what it is, for the narration


def cpu_state_symbol(address: int) -> str:
    from .cpu_state import symbol_at  # noqa: PLC0415
    return symbol_at(address)


def _short(name: str) -> str:
    from .cpu_state import short_name  # noqa: PLC0415
    return short_name(name)


def generic_name(symbol: str) -> tuple[str, str | None]:
    """'el2lab::Vm<el2lab::board::QemuVirtHal>::handle(...)' -> ('el2lab::Vm<H>::handle', HAL)."""
    name = _short(symbol)
    match = _TEMPLATE_ARGS.search(name)
    hal = match.group(0)[1:-1] if match else None
    return _TEMPLATE_ARGS.sub("<H>", name), hal


def hal_short(hal: str | None) -> str:
    """The HAL's type without namespaces, inside template arguments too (a decorator HAL:
    'TracingHal<QemuVirtHal, TraceRingSink>')."""
    return re.sub(r"(?:\w+::)+", "", hal).strip() if hal else "?"


# ---- resolution, cached per loaded program ------------------------------------------------------
_cache: dict = {}


def _clear(_event=None) -> None:
    _cache.clear()


gdb.events.new_objfile.connect(_clear)
if hasattr(gdb.events, "clear_objfiles"):
    gdb.events.clear_objfiles.connect(_clear)


def _bre(text: str) -> str:
    """Escapes a name for GDB's (GNU basic) regular expressions: <, > stay literal there."""
    return "".join(f"[{c}]" if c in ".*[]^$\\" else c for c in text)


def address_of(name: str) -> int | None:
    """The address of a function or label by its exact (parameterless) name, or None."""
    try:
        sym = gdb.lookup_global_symbol(name)
        if sym is None:
            sym = gdb.lookup_static_symbol(name)
        if sym is not None and sym.addr_class == gdb.SYMBOL_LOC_BLOCK:
            return int(sym.value().address)
    except (gdb.error, RuntimeError):
        pass
    try:
        return int(gdb.parse_and_eval(f"(unsigned long)&'{name}'")) or None
    except gdb.error:
        return None


def _template_instances(generic: str) -> list[str]:
    """Concrete names of `A<H>::f`-style functions in the loaded program."""
    prefix, suffix = generic.split("<H>", 1)
    try:
        out = gdb.execute(f"info functions -q ^{_bre(prefix)}<.*>{_bre(suffix)}[(]", to_string=True)
    except gdb.error:
        return []
    pattern = re.compile(re.escape(prefix) + r"<(.*?)>" + re.escape(suffix) + r"\(")
    names = []
    for line in out.splitlines():
        for m in pattern.finditer(line):
            hal = m.group(1)
            # The shortest balanced match: the H between prefix and suffix.
            if hal.count("<") == hal.count(">"):
                name = f"{prefix}<{hal}>{suffix}"
                if name not in names:
                    names.append(name)
    return names


def resolve(point: annotation_points.Point) -> Resolved | None:
    key = ("point", point.symbol)
    if key not in _cache:
        _cache[key] = _resolve(point)
    return _cache[key]


def _resolve(point: annotation_points.Point) -> Resolved | None:
    if point.symbol.startswith("H::"):  # a member of the HAL itself: H::irq_fetch
        h = hal()
        if h is None:
            return None
        name = h + point.symbol[1:]
        address = address_of(name)
        return Resolved(point, name, address, h) if address is not None else None
    if "<H>" not in point.symbol:
        address = address_of(point.symbol)
        return Resolved(point, point.symbol, address, None) if address is not None else None
    for name in _template_instances(point.symbol):
        address = address_of(name)
        if address is not None:
            return Resolved(point, name, address, generic_name(name)[1])
    return None


def points() -> list[annotation_points.Point]:
    if "points" not in _cache:
        _cache["points"] = annotation_points.load()
    return _cache["points"]


def point(symbol: str) -> annotation_points.Point | None:
    return next((p for p in points() if p.symbol == symbol), None)


def resolve_symbol(symbol: str) -> Resolved | None:
    p = point(symbol)
    return resolve(p) if p is not None else None


def resolved_points(stages: set[str] | None = None) -> tuple[list[Resolved], list[str]]:
    """(the points found, the names missing from this build), optionally of some stages only."""
    found, missing = [], []
    for p in points():
        if stages is not None and p.stage not in stages:
            continue
        r = resolve(p)
        if r is None:
            missing.append(p.symbol)
        else:
            found.append(r)
    return found, missing


def at_address(pc: int) -> Resolved | None:
    """The annotation point whose first instruction is pc."""
    if "by_address" not in _cache:
        table: dict[int, Resolved] = {}
        for r in resolved_points()[0]:
            # el2lab_vector_table and its first entry share an address: the entry is the stage.
            if r.address not in table or table[r.address].point.stage == "vectors":
                table[r.address] = r
        _cache["by_address"] = table
    return _cache["by_address"].get(pc)


def hal() -> str | None:
    """The concrete H the hypervisor was built with (from the `<H>` annotation points)."""
    if "hal" not in _cache:
        _cache["hal"] = None
        for p in points():
            if "<H>" in p.symbol:
                r = resolve(p)
                if r is not None and r.hal:
                    _cache["hal"] = r.hal
                    break
    return _cache["hal"]


def hypervisor_loaded() -> bool:
    return address_of("el2lab_vector_table") is not None or address_of("el2lab_entry") is not None


# ---- disassembly ----------------------------------------------------------------------------------
def disassemble(address: int) -> list[Insn]:
    """The whole function containing address (works without a target: reads the ELF)."""
    key = ("disasm", address)
    if key in _cache:
        return _cache[key]
    try:
        out = gdb.execute(f"disassemble {address:#x}", to_string=True)
    except gdb.error:
        out = ""
    insns = []
    for line in out.splitlines():
        m = _DISASM_LINE.match(line)
        if m:
            insns.append(Insn(int(m.group(1), 16), m.group(3)))
    _cache[key] = insns
    return insns


def insn_at(address: int) -> Insn | None:
    try:
        arch = gdb.selected_inferior().architecture()
        got = arch.disassemble(address, count=1)
    except (gdb.error, gdb.MemoryError, RuntimeError):
        return None
    return Insn(address, got[0]["asm"]) if got else None


def call_target(insn: Insn) -> tuple[int | None, str]:
    """For `bl 0x... <sym>`: (address, 'sym'); for `blr x2`: (None, 'x2')."""
    m = _CALL_TARGET.match(insn.text.replace("\t", " "))
    if not m:
        return None, ""
    target = m.group(2)
    if target.startswith("0x"):
        return int(target, 16), m.group(3) or ""
    return None, target


def inline_chain(pc: int, outer: int) -> list[str]:
    """Names of the functions inlined at pc, innermost first, up to the function at `outer`."""
    chain = []
    block = gdb.current_progspace().block_for_pc(pc)
    while block is not None:
        if block.function is not None:
            if block.start == outer or not block.is_valid():
                break
            chain.append(block.function.print_name)
        block = block.superblock
    return chain


def _functions_of(stage: str) -> list[Resolved]:
    return [r for r in resolved_points({stage})[0]]


def _callees(insns: list[Insn]) -> list[int]:
    """Functions called (`bl`) or tail-called (`b` to another function's first instruction)."""
    out = []
    for insn in insns:
        if insn.mnemonic in ("bl", "b"):
            address, name = call_target(insn)
            if (address is not None and ("el2lab" in name) and "+" not in name
                    and "panic" not in name and address not in out):
                out.append(address)
    return out


def dispatch_sites() -> list[Site]:
    """The IRQ dispatch call sites of this build, found by disassembly (cached)."""
    if "sites" not in _cache:
        _cache["sites"] = _find_sites()
    return _cache["sites"]


def _find_sites() -> list[Site]:
    sites: list[Site] = []
    # (1) IRQ_HANDLER: an indirect call (blr) in the current-EL dispatch path — in the dispatch
    # functions or one call below them — preferably inside an inlined IrqHandler::operator().
    for r in _functions_of("dispatch"):
        candidates = [(r.address, disassemble(r.address))]
        candidates += [(a, disassemble(a)) for a in _callees(candidates[0][1])]
        for start, insns in candidates:
            for insn in insns:
                if insn.mnemonic == "bl" and "irq_handler" in call_target(insn)[1]:
                    sites.append(Site("irq_handler_direct", "dispatch", insn.address, insn,
                                      generic_name(cpu_state_symbol(start))[0],
                                      "H::irq_handler: a direct call (this build dispatches "
                                      "statically, without IRQ_HANDLER)"))
                if insn.mnemonic != "blr":
                    continue
                chain = inline_chain(insn.address, start)
                via = next((c for c in chain if "IrqHandler" in c), None)
                label = ("IRQ_HANDLER: indirect call through the per-CPU IrqHandler's function table"
                         if via or not chain else f"indirect call (in {_short(chain[0])})")
                owner = generic_name(cpu_state_symbol(start))[0]
                sites.append(Site("irq_handler_call", "dispatch", insn.address, insn, owner, label))
    # (2) H::irq_fetch: a direct call in Aarch64VCpu<H>::run (or a function run() calls).
    run = resolve_symbol("el2lab::Aarch64VCpu<H>::run")
    if run is not None:
        insns = disassemble(run.address)
        for start in [run.address] + _callees(insns):
            for insn in disassemble(start):
                if insn.mnemonic == "bl" and "irq_fetch" in call_target(insn)[1]:
                    sites.append(Site("irq_fetch_call", "dispatch", insn.address, insn,
                                      generic_name(cpu_state_symbol(start))[0],
                                      f"H::irq_fetch: direct call, resolved at compile time "
                                      f"[H = {hal_short(run.hal)}]"))
    # (3) the type-erased thunk IRQ_HANDLER lands in, and its direct call of H::irq_handler.
    for thunk in _irq_handler_thunks():
        for insn in disassemble(thunk):
            target = call_target(insn)[1]
            if insn.mnemonic in ("bl", "b") and "irq_handler" in target and "+" not in target:
                sites.append(Site("irq_handler_thunk", "dispatch", insn.address, insn,
                                  "IRQ_HANDLER's thunk",
                                  "where IRQ_HANDLER's `blr` lands: it "
                                  f"{'tail-' if insn.mnemonic == 'b' else ''}calls H::irq_handler"))
    # (4) the ERET into the guest, when this build has no el2lab_guest_eret label on it.
    enter = resolve_symbol("el2lab_enter_guest")
    if resolve_symbol("el2lab_guest_eret") is None and enter is not None:
        for insn in disassemble(enter.address):
            if insn.mnemonic == "eret":
                sites.append(Site("guest_eret", "resume", insn.address, insn, "el2lab_enter_guest",
                                  "ERET into the guest (no el2lab_guest_eret symbol in this build)"))
    # (5) the return from an exception taken at EL2 (the current-EL path's resume).
    trap = resolve_symbol("el2lab_current_el_trap")
    if trap is not None:
        for insn in disassemble(trap.address):
            if insn.mnemonic == "eret":
                sites.append(Site("current_el_eret", "resume", insn.address, insn,
                                  "el2lab_current_el_trap",
                                  "ERET back into the interrupted hypervisor code"))
    unique: dict[int, Site] = {}
    for site in sites:
        unique.setdefault(site.address, site)
    return list(unique.values())


def irq_handler_tables() -> list[int]:
    """Addresses of IrqHandler::kTable<F> objects: one per callable type IRQ_HANDLER refers to."""
    if "tables" in _cache:
        return _cache["tables"]
    try:
        out = gdb.execute("info variables -q IrqHandler::kTable", to_string=True)
    except gdb.error:
        out = ""
    found = []
    for line in out.splitlines():
        m = re.match(r"^0x([0-9a-f]+)\s+el2lab::IrqHandler::kTable<", line.strip())
        if m:
            found.append(int(m.group(1), 16))
            continue
        m = re.search(r"(el2lab::IrqHandler::kTable<.*>);$", line.strip())
        if m:
            address = address_of(m.group(1))
            if address is not None:
                found.append(address)
    _cache["tables"] = sorted(set(found))
    return _cache["tables"]


def _irq_handler_thunks() -> list[int]:
    """The functions IrqHandler's tables point to: what IRQ_HANDLER's `blr` lands in."""
    thunks = []
    for table in irq_handler_tables():
        try:
            thunks.append(int(gdb.parse_and_eval(f"*(unsigned long *){table:#x}")))
        except gdb.error:
            continue
    return sorted(set(t for t in thunks if t))


def site_at(pc: int) -> Site | None:
    return next((s for s in dispatch_sites() if s.address == pc), None)


def irq_fetch_inlined() -> list[tuple[int, str]]:
    """Where H::irq_fetch was inlined into run() (DWARF inline records), if anywhere."""
    run = resolve_symbol("el2lab::Aarch64VCpu<H>::run")
    if run is None:
        return []
    spots = []
    for insn in disassemble(run.address):
        chain = inline_chain(insn.address, run.address)
        if any("::irq_fetch" in c for c in chain):
            spots.append((insn.address, insn.pretty()))
    return spots
