"""Translation table walks in plain Python: stage 2 (IPA -> PA) and a guest's stage 1 (VA -> IPA).

No gdb here: a walk reads descriptors through a `read_u64(physical_address)` callable, so the
walker is unit-tested offline against hand-built tables (tests/test_pagewalk.py) and used live
by `hv walk` (commands/walk.py) with QEMU's physical-memory reads.

The rules are the Arm ARM's VMSAv8-64 translation (DDI 0487, "The AArch64 Virtual Memory System
Architecture"), without FEAT_LPA/LPA2 (48-bit output addresses):

- A granule of 2^g bytes (g = 12, 14, 16 for 4, 16, 64 KiB) holds 2^(g-3) descriptors, so each
  level resolves g-3 address bits; the last level (3) resolves bits [g+stride-1:g].
- Stage 1 starts at the level that leaves the input size (64 - TnSZ) fully resolved.
  Stage 2 starts where VTCR_EL2.SL0 says; if the start level has more index bits than one
  table holds, its table is several concatenated pages (up to 16), indexed as one.
- A descriptor with bit 0 clear is invalid (translation fault at that level); 0b01 is a block
  at levels 1-2 (4 KiB granule; level 2 only for 16/64 KiB), reserved elsewhere; 0b11 is a
  table above the last level and a page at it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

Reader = Callable[[int], int]

GRANULE_NAMES = {12: "4 KiB", 14: "16 KiB", 16: "64 KiB"}
# TCR_EL1.TG0 / VTCR_EL2.TG0 and TCR_EL1.TG1 encode the granule differently.
TG0_BITS = {0b00: 12, 0b01: 16, 0b10: 14}
TG1_BITS = {0b10: 12, 0b11: 16, 0b01: 14}
OA_MASK = ((1 << 48) - 1)


def _bits(value: int, hi: int, lo: int) -> int:
    return (value >> lo) & ((1 << (hi - lo + 1)) - 1)


def size_name(size: int) -> str:
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} B"


class Geometry:
    """The shape of a walk: granule, input size, start level."""

    def __init__(self, granule_bits: int, input_bits: int, start_level: int) -> None:
        self.g = granule_bits
        self.stride = granule_bits - 3
        self.input_bits = input_bits
        self.start_level = start_level

    def shift(self, level: int) -> int:
        """The lowest input bit a level indexes."""
        return self.g + (3 - level) * self.stride

    def index_bits(self, level: int) -> int:
        top = self.input_bits if level == self.start_level else self.shift(level) + self.stride
        return top - self.shift(level)

    def index(self, address: int, level: int) -> int:
        return _bits(address, self.shift(level) + self.index_bits(level) - 1, self.shift(level))

    def block_allowed(self, level: int) -> bool:
        """Blocks (0b01) at levels 1-2 with a 4 KiB granule, level 2 with 16 or 64 KiB."""
        return level in ((1, 2) if self.g == 12 else (2,))

    def describe(self) -> str:
        return (f"{self.input_bits}-bit input, {GRANULE_NAMES.get(self.g, '?')} granule, "
                f"start level {self.start_level}")


def stage1_start_level(g: int, input_bits: int) -> int:
    """The level a stage-1 walk starts at: enough levels to resolve input_bits above g."""
    stride = g - 3
    levels = -(-(input_bits - g) // stride)  # ceiling
    return 4 - levels


def stage2_start_level(g: int, sl0: int) -> int | None:
    """VTCR_EL2.SL0 decoded for a granule (the encodings differ), None if reserved."""
    if g == 12:
        return {0: 2, 1: 1, 2: 0}.get(sl0)
    return {0: 3, 1: 2, 2: 1}.get(sl0)


# ---- descriptors -----------------------------------------------------------------------------

S2_MEMATTR = {0b0000: "Device-nGnRnE", 0b0001: "Device-nGnRE", 0b0010: "Device-nGRE",
              0b0011: "Device-GRE", 0b0101: "Normal non-cacheable", 0b1010: "Normal write-through",
              0b1111: "Normal write-back"}
S2AP = {0b00: "no data access", 0b01: "read-only", 0b10: "write-only", 0b11: "read-write"}
SH = {0b00: "non-shareable", 0b01: "SH reserved", 0b10: "outer shareable", 0b11: "inner shareable"}
S1AP = {0b00: "EL1 read-write, EL0 none", 0b01: "EL1 and EL0 read-write",
        0b10: "EL1 read-only, EL0 none", 0b11: "EL1 and EL0 read-only"}


def s2_leaf_fields(d: int) -> str:
    memattr = _bits(d, 5, 2)
    xn = _bits(d, 54, 53)
    parts = [S2_MEMATTR.get(memattr, f"MemAttr {memattr:#06b}"), S2AP[_bits(d, 7, 6)],
             SH[_bits(d, 9, 8)], f"AF {_bits(d, 10, 10)}",
             "executable" if xn == 0 else f"XN {xn:#04b} (no execution)"]
    if _bits(d, 52, 52):
        parts.append("contiguous")
    return ", ".join(parts)


def s1_leaf_fields(d: int) -> str:
    parts = [f"AttrIndx {_bits(d, 4, 2)} (MAIR_EL1)", S1AP[_bits(d, 7, 6)], SH[_bits(d, 9, 8)],
             f"AF {_bits(d, 10, 10)}", "nG (ASID-tagged)" if _bits(d, 11, 11) else "global"]
    if _bits(d, 53, 53):
        parts.append("PXN")
    if _bits(d, 54, 54):
        parts.append("UXN")
    return ", ".join(parts)


def s1_table_fields(d: int) -> str:
    parts = []
    if _bits(d, 59, 59):
        parts.append("PXNTable")
    if _bits(d, 60, 60):
        parts.append("UXNTable")
    if _bits(d, 62, 61):
        parts.append(f"APTable {_bits(d, 62, 61):#04b}")
    return (", " + ", ".join(parts)) if parts else ""


@dataclass
class Step:
    level: int
    table: int          # the table's address (PA for stage 2; IPA for stage 1)
    index: int
    entry: int          # where the descriptor is (same address space as `table`)
    descriptor: int
    kind: str           # table | block | page | invalid | reserved
    text: str           # the descriptor's fields, named
    entry_pa: int | None = None  # stage 1: the PA the descriptor was read from


@dataclass
class Walk:
    stage: int
    address: int                   # the input address (IPA or VA)
    geometry: Geometry | None
    steps: list[Step] = field(default_factory=list)
    output: int | None = None      # PA (stage 2) or IPA (stage 1) when the walk succeeds
    leaf_size: int = 0
    fault_level: int | None = None
    fault: str = ""                # reason; empty when the walk succeeded
    notes: list[str] = field(default_factory=list)  # e.g. AF 0, no data access
    nested: list["Walk"] = field(default_factory=list)  # stage 1: the stage-2 walks of its tables

    @property
    def ok(self) -> bool:
        return self.output is not None


def _walk(stage: int, address: int, geo: Geometry, root: int, read: Reader,
          leaf_fields: Callable[[int], str], table_fields: Callable[[int], str],
          to_pa: Callable[[int, Walk], int | None] | None = None) -> Walk:
    """The common loop: from `root`, one descriptor per level until a leaf or a fault."""
    w = Walk(stage, address, geo)
    addr_mask = OA_MASK & ~((1 << geo.g) - 1)
    table = root
    for level in range(geo.start_level, 4):
        index = geo.index(address, level)
        entry = table + 8 * index
        entry_pa = entry
        if to_pa is not None:
            entry_pa = to_pa(entry, w)
            if entry_pa is None:
                w.fault_level = level
                w.fault = (f"the level-{level} table at IPA {table:#x} is not mapped at stage 2: "
                           "a stage-2 fault on the walk itself")
                return w
        d = read(entry_pa)
        low = d & 3
        step = Step(level, table, index, entry, d, "", "", entry_pa if to_pa else None)
        w.steps.append(step)
        if not d & 1:
            step.kind, step.text = "invalid", "invalid (bit 0 clear)"
            w.fault_level, w.fault = level, f"translation fault at level {level}: invalid descriptor"
            return w
        if low == 0b11 and level < 3:
            table = d & addr_mask
            step.kind = "table"
            step.text = f"table -> next table at {table:#x}{table_fields(d)}"
            continue
        if (low == 0b11 and level == 3) or (low == 0b01 and geo.block_allowed(level)):
            size = 1 << geo.shift(level)
            base = d & OA_MASK & ~(size - 1)
            step.kind = "page" if level == 3 else "block"
            step.text = f"{step.kind} {size_name(size)} at {base:#x}: {leaf_fields(d)}"
            w.output = base | (address & (size - 1))
            w.leaf_size = size
            if not _bits(d, 10, 10):
                w.notes.append(f"AF is 0: an access takes an access flag fault at level {level}")
            if stage == 2 and _bits(d, 7, 6) == 0:
                w.notes.append(f"S2AP grants no data access: a load or store takes a permission "
                               f"fault at level {level}")
            return w
        step.kind = "reserved"
        step.text = f"reserved encoding {low:#04b} at level {level}"
        w.fault_level, w.fault = level, f"translation fault at level {level}: reserved descriptor encoding"
        return w
    return w  # not reached: level 3 always ends the walk


def stage2(ipa: int, vttbr: int, vtcr: int, read: Reader) -> Walk:
    """IPA -> PA through the tables VTTBR_EL2 points to, shaped by VTCR_EL2."""
    g = TG0_BITS.get(_bits(vtcr, 15, 14))
    input_bits = 64 - _bits(vtcr, 5, 0)
    if g is None:
        w = Walk(2, ipa, None)
        w.fault = f"VTCR_EL2.TG0 {_bits(vtcr, 15, 14):#04b} is a reserved granule encoding"
        return w
    start = stage2_start_level(g, _bits(vtcr, 7, 6))
    if start is None:
        w = Walk(2, ipa, None)
        w.fault = f"VTCR_EL2.SL0 {_bits(vtcr, 7, 6)} is reserved for a {GRANULE_NAMES[g]} granule"
        return w
    geo = Geometry(g, input_bits, start)
    if ipa >> input_bits:
        w = Walk(2, ipa, geo)
        w.fault = (f"the IPA is beyond the VM's {input_bits}-bit IPA space (VTCR_EL2.T0SZ "
                   f"{64 - input_bits}): stage-2 translation fault, no table read")
        return w
    root = vttbr & OA_MASK & ~((1 << 12) - 1) & ~1
    return _walk(2, ipa, geo, root, read, s2_leaf_fields, lambda d: "")


def stage1(va: int, ttbr0: int, ttbr1: int, tcr: int, read: Reader,
           ipa_to_pa: Callable[[int], Walk] | None = None) -> Walk:
    """VA -> IPA through the guest's own tables (TTBR0_EL1 or TTBR1_EL1, TCR_EL1).

    The tables are at IPAs: each descriptor's address goes through `ipa_to_pa` (a stage-2
    walk) before it is read, as the hardware does; those walks are kept in `nested`."""
    upper = (va >> 55) & 1
    if upper:
        tnsz, g, ttbr, name = _bits(tcr, 21, 16), TG1_BITS.get(_bits(tcr, 31, 30)), ttbr1, "TTBR1_EL1"
        epd = _bits(tcr, 23, 23)
    else:
        tnsz, g, ttbr, name = _bits(tcr, 5, 0), TG0_BITS.get(_bits(tcr, 15, 14)), ttbr0, "TTBR0_EL1"
        epd = _bits(tcr, 7, 7)
    input_bits = 64 - tnsz
    if g is None:
        w = Walk(1, va, None)
        w.fault = f"TCR_EL1 names a reserved granule for {name}"
        return w
    geo = Geometry(g, input_bits, stage1_start_level(g, input_bits))
    w = Walk(1, va, geo)
    top = va >> input_bits
    if top != (((1 << (64 - input_bits)) - 1) if upper else 0):
        w.fault_level = 0
        w.fault = (f"translation fault at level 0: the VA is outside both halves ({name} covers "
                   f"{input_bits} bits, TCR_EL1.T{upper}SZ {tnsz})")
        return w
    if epd:
        w.fault_level = 0
        w.fault = f"translation fault at level 0: TCR_EL1.EPD{upper} disables walks through {name}"
        return w
    w.notes.append(f"{name} {ttbr:#x}, ASID {ttbr >> 48:#x}")
    root = ttbr & OA_MASK & ~1

    def to_pa(table_ipa: int, walk: Walk) -> int | None:
        if ipa_to_pa is None:
            return table_ipa
        inner = ipa_to_pa(table_ipa)
        walk.nested.append(inner)
        return inner.output if inner.ok and not inner.fault else None

    result = _walk(1, va, geo, root, read, s1_leaf_fields, s1_table_fields, to_pa)
    result.notes = w.notes + result.notes
    return result


# ---- registers, decoded for the header lines --------------------------------------------------

def describe_vttbr(vttbr: int) -> str:
    return f"root table at PA {vttbr & OA_MASK & ~0xFFF:#x}, VMID {vttbr >> 48}"


def describe_vtcr(vtcr: int) -> str:
    g = TG0_BITS.get(_bits(vtcr, 15, 14))
    if g is None:
        return "reserved granule"
    start = stage2_start_level(g, _bits(vtcr, 7, 6))
    return (f"{64 - _bits(vtcr, 5, 0)}-bit IPA space, {GRANULE_NAMES[g]} granule, start level "
            f"{start if start is not None else '?'}")
