"""ESR_EL2 decoding in plain Python: a port of core/portable/esr.h, esr.cc and the register
names of core/portable/vm_exit.cc.

No `import gdb` here: `hv esr` decodes a value without a target, and gdb/tests/test_esr.py
checks this module with plain python3 against Arm ARM values and against the C++ tables
(it reads esr.cc and vm_exit.cc and compares every name, so the two cannot drift apart).

Bit positions are the Arm ARM's (DDI 0487, ESR_ELx and its "ISS encoding for ..." sections).
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from . import constants

# ---- exception classes (esr.cc: exception_class_name) -----------------------------------------
EC_NAMES: dict[int, str] = {
    0x00: "Unknown reason",
    0x01: "Trapped WFI/WFE",
    0x03: "Trapped MCR/MRC (CP15, AArch32)",
    0x04: "Trapped MCRR/MRRC (CP15, AArch32)",
    0x05: "Trapped MCR/MRC (CP14, AArch32)",
    0x06: "Trapped LDC/STC (CP14, AArch32)",
    0x07: "Trapped SVE/SIMD/floating-point access",
    0x08: "Trapped VMRS (CP10, AArch32)",
    0x09: "Trapped pointer authentication instruction",
    0x0C: "Trapped MRRC (CP14, AArch32)",
    0x0D: "Branch Target Identification exception",
    0x0E: "Illegal Execution state",
    0x11: "SVC (AArch32)",
    0x12: "HVC (AArch32)",
    0x13: "SMC (AArch32)",
    0x15: "SVC (AArch64)",
    0x16: "HVC (AArch64)",
    0x17: "SMC (AArch64)",
    0x18: "Trapped MSR/MRS/system instruction",
    0x19: "Trapped SVE access",
    0x1A: "Trapped ERET",
    0x1C: "Pointer authentication failure",
    0x20: "Instruction Abort from a lower EL",
    0x21: "Instruction Abort from the same EL",
    0x22: "PC alignment fault",
    0x24: "Data Abort from a lower EL",
    0x25: "Data Abort from the same EL",
    0x26: "SP alignment fault",
    0x28: "Floating-point exception (AArch32)",
    0x2C: "Floating-point exception (AArch64)",
    0x2F: "SError",
    0x30: "Breakpoint from a lower EL",
    0x31: "Breakpoint from the same EL",
    0x32: "Software Step from a lower EL",
    0x33: "Software Step from the same EL",
    0x34: "Watchpoint from a lower EL",
    0x35: "Watchpoint from the same EL",
    0x38: "BKPT (AArch32)",
    0x3C: "BRK (AArch64)",
}
UNRECOGNISED = "Unrecognised"

EC_DATA_ABORT_LOWER, EC_DATA_ABORT_SAME = 0x24, 0x25
EC_INSTR_ABORT_LOWER, EC_INSTR_ABORT_SAME = 0x20, 0x21
EC_SYSREG = 0x18
EC_WFX = 0x01
EC_SERROR = 0x2F
EC_HVC64, EC_SMC64, EC_SVC64, EC_BRK64 = 0x16, 0x17, 0x15, 0x3C
EC_HVC32, EC_SVC32, EC_SMC32 = 0x12, 0x11, 0x13
# Classes whose FAR_EL2 holds a fault address (everything else leaves FAR_EL2 UNKNOWN).
EC_WITH_FAR = {0x20, 0x21, 0x22, 0x24, 0x25, 0x34, 0x35}


def ec_name(ec: int) -> str:
    return EC_NAMES.get(ec, UNRECOGNISED)


# ---- fault status codes (esr.cc: fault_status_name) -------------------------------------------
FAULT_NAMES: dict[int, str] = {
    0x00: "Address size fault, level 0",
    0x01: "Address size fault, level 1",
    0x02: "Address size fault, level 2",
    0x03: "Address size fault, level 3",
    0x04: "Translation fault, level 0",
    0x05: "Translation fault, level 1",
    0x06: "Translation fault, level 2",
    0x07: "Translation fault, level 3",
    0x08: "Access flag fault, level 0",
    0x09: "Access flag fault, level 1",
    0x0A: "Access flag fault, level 2",
    0x0B: "Access flag fault, level 3",
    0x0C: "Permission fault, level 0",
    0x0D: "Permission fault, level 1",
    0x0E: "Permission fault, level 2",
    0x0F: "Permission fault, level 3",
    0x10: "Synchronous External abort",
    0x11: "Synchronous Tag Check fault",
    0x12: "Synchronous External abort on translation table walk, level -2",
    0x13: "Synchronous External abort on translation table walk, level -1",
    0x14: "Synchronous External abort on translation table walk, level 0",
    0x15: "Synchronous External abort on translation table walk, level 1",
    0x16: "Synchronous External abort on translation table walk, level 2",
    0x17: "Synchronous External abort on translation table walk, level 3",
    0x18: "Synchronous parity or ECC error",
    0x1B: "Synchronous parity or ECC error on translation table walk, level -1",
    0x1C: "Synchronous parity or ECC error on translation table walk, level 0",
    0x1D: "Synchronous parity or ECC error on translation table walk, level 1",
    0x1E: "Synchronous parity or ECC error on translation table walk, level 2",
    0x1F: "Synchronous parity or ECC error on translation table walk, level 3",
    0x21: "Alignment fault",
    0x22: "Granule Protection Fault on translation table walk, level -2",
    0x23: "Granule Protection Fault on translation table walk, level -1",
    0x24: "Granule Protection Fault on translation table walk, level 0",
    0x25: "Granule Protection Fault on translation table walk, level 1",
    0x26: "Granule Protection Fault on translation table walk, level 2",
    0x27: "Granule Protection Fault on translation table walk, level 3",
    0x28: "Granule Protection Fault",
    0x29: "Address size fault, level -1",
    0x2A: "Translation fault, level -2",
    0x2B: "Translation fault, level -1",
    0x2C: "Address size fault, level -2",
    0x30: "TLB conflict abort",
    0x31: "Unsupported atomic hardware update fault",
    0x34: "IMPLEMENTATION DEFINED fault (Lockdown)",
    0x35: "IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access)",
}
RESERVED_FAULT = "Reserved fault status code"


def fault_status_name(fsc: int) -> str:
    return FAULT_NAMES.get(fsc & 0x3F, RESERVED_FAULT)


# ---- the vector table (esr.cc: vector_name) ---------------------------------------------------
VECTOR_NAMES = [
    "Current EL with SP0, Synchronous",
    "Current EL with SP0, IRQ",
    "Current EL with SP0, FIQ",
    "Current EL with SP0, SError",
    "Current EL with SPx, Synchronous",
    "Current EL with SPx, IRQ",
    "Current EL with SPx, FIQ",
    "Current EL with SPx, SError",
    "Lower EL using AArch64, Synchronous",
    "Lower EL using AArch64, IRQ",
    "Lower EL using AArch64, FIQ",
    "Lower EL using AArch64, SError",
    "Lower EL using AArch32, Synchronous",
    "Lower EL using AArch32, IRQ",
    "Lower EL using AArch32, FIQ",
    "Lower EL using AArch32, SError",
]
VECTOR_NAMES = constants.get("VECTOR_NAMES", VECTOR_NAMES)  # the build's, when there is one
VECTOR_ENTRY_BYTES = 0x80
# The symbol core/el2/vectors.S gives each entry (listed in core/annotation_points.txt).
VECTOR_SYMBOLS = [
    f"el2lab_vec_{group}_{kind}"
    for group in ("cur_sp0", "cur_spx", "lower64", "lower32")
    for kind in ("sync", "irq", "fiq", "serror")
]
IRQ_VECTORS = {1, 2, 5, 6, 9, 10, 13, 14}  # IRQ and FIQ entries: ESR_EL2 is not written
SYNC_VECTORS = {0, 4, 8, 12}
SERROR_VECTORS = {3, 7, 11, 15}


def vector_name(index: int) -> str:
    return VECTOR_NAMES[index] if 0 <= index < 16 else "Invalid vector"


def vector_kind(index: int) -> str:
    return ("sync", "irq", "fiq", "serror")[index % 4]


# ---- registers (esr.cc: register_name) and system registers (vm_exit.cc: sysreg_name) ----------
def register_name(r: int, is_64bit: bool = True) -> str:
    if not 0 <= r < 32:
        return "?"
    if r == 31:
        return "xzr" if is_64bit else "wzr"
    return f"{'x' if is_64bit else 'w'}{r}"


def sysreg_key(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    return ((op0 & 3) << 14) | ((op1 & 7) << 11) | ((crn & 15) << 7) | ((crm & 15) << 3) | (op2 & 7)


KNOWN_SYSREGS: dict[int, str] = {
    sysreg_key(3, 0, 0, 4, 0): "ID_AA64PFR0_EL1",
    sysreg_key(3, 0, 0, 4, 1): "ID_AA64PFR1_EL1",
    sysreg_key(3, 0, 0, 5, 0): "ID_AA64DFR0_EL1",
    sysreg_key(3, 0, 0, 6, 0): "ID_AA64ISAR0_EL1",
    sysreg_key(3, 0, 0, 6, 1): "ID_AA64ISAR1_EL1",
    sysreg_key(3, 0, 0, 7, 0): "ID_AA64MMFR0_EL1",
    sysreg_key(3, 0, 0, 7, 1): "ID_AA64MMFR1_EL1",
    sysreg_key(3, 0, 0, 7, 2): "ID_AA64MMFR2_EL1",
    sysreg_key(3, 0, 1, 0, 0): "SCTLR_EL1",
    sysreg_key(3, 0, 1, 0, 1): "ACTLR_EL1",
    sysreg_key(3, 0, 2, 0, 0): "TTBR0_EL1",
    sysreg_key(3, 0, 2, 0, 1): "TTBR1_EL1",
    sysreg_key(3, 0, 2, 0, 2): "TCR_EL1",
    sysreg_key(3, 0, 5, 2, 0): "ESR_EL1",
    sysreg_key(3, 0, 6, 0, 0): "FAR_EL1",
    sysreg_key(3, 0, 10, 2, 0): "MAIR_EL1",
    sysreg_key(3, 0, 10, 3, 0): "AMAIR_EL1",
    sysreg_key(3, 0, 13, 0, 1): "CONTEXTIDR_EL1",
    sysreg_key(3, 0, 12, 11, 5): "ICC_SGI1R_EL1",
    sysreg_key(3, 3, 9, 12, 0): "PMCR_EL0",
    sysreg_key(3, 3, 9, 13, 0): "PMCCNTR_EL0",
    sysreg_key(3, 3, 14, 0, 1): "CNTPCT_EL0",
}
KNOWN_SYSREGS = constants.get("KNOWN_SYSREGS", KNOWN_SYSREGS)  # the build's, when there is one



def sysreg_name(key: int) -> str:
    if key in KNOWN_SYSREGS:
        return KNOWN_SYSREGS[key]
    return (f"S{(key >> 14) & 3}_{(key >> 11) & 7}_C{(key >> 7) & 15}_C{(key >> 3) & 15}"
            f"_{key & 7}")


# ---- SPSR_EL2 (panic.cc: mode_name, masked_interrupts) ----------------------------------------
_MODES = ["EL0t", "EL0t?", "EL1t", "EL1h", "EL2t", "EL2h", "EL3t", "EL3h"]


def spsr_el(spsr: int) -> int:
    return (spsr >> 2) & 3


def spsr_mode(spsr: int) -> str:
    """'EL1h', 'EL2h', ... or 'AArch32' (M[4] set)."""
    if spsr & 0x10:
        return "AArch32"
    return _MODES[spsr_el(spsr) * 2 + (spsr & 1)]


def spsr_masked(spsr: int) -> str:
    bits = "".join(name for name, bit in (("D", 9), ("A", 8), ("I", 7), ("F", 6)) if spsr >> bit & 1)
    return f"{bits} masked" if bits else "nothing masked"


def describe_spsr(spsr: int) -> str:
    return f"{spsr_mode(spsr)}, {spsr_masked(spsr)}"


# ---- the syndrome ------------------------------------------------------------------------------
# Field positions (lsb, width) by struct, named as esr.h names its BitField constants (kIsv ->
# "Isv"); the unit test compares this table with esr.h itself.
LAYOUT: dict[str, dict[str, tuple[int, int]]] = {
    "Syndrome": {"Ec": (26, 6), "Il": (25, 1), "Iss": (0, 25), "Iss2": (32, 5)},
    "DataAbort": {"Isv": (24, 1), "Sas": (22, 2), "Sse": (21, 1), "Srt": (16, 5), "Sf": (15, 1),
                  "Ar": (14, 1), "Vncr": (13, 1), "Fnv": (10, 1), "Ea": (9, 1), "Cm": (8, 1),
                  "S1ptw": (7, 1), "Wnr": (6, 1), "Dfsc": (0, 6)},
    "InstructionAbort": {"Fnv": (10, 1), "Ea": (9, 1), "S1ptw": (7, 1), "Ifsc": (0, 6)},
    "SysRegAccess": {"Op0": (20, 2), "Op2": (17, 3), "Op1": (14, 3), "Crn": (10, 4), "Rt": (5, 5),
                     "Crm": (1, 4), "Direction": (0, 1)},
    "WfxTrap": {"Cv": (24, 1), "Cond": (20, 4), "Rn": (5, 5), "Rv": (2, 1), "Ti": (0, 2)},
    "SError": {"Ids": (24, 1), "Aet": (10, 3), "Ea": (9, 1), "Dfsc": (0, 6)},
}
CALL_IMMEDIATE = (0, 16)  # esr.h: kCallImmediate{0, 16}


def bits(value: int, lsb: int, width: int) -> int:
    return (value >> lsb) & ((1 << width) - 1)


def field(struct: str, name: str, value: int) -> int:
    return bits(value, *LAYOUT[struct][name])


ACCESS_SIZES = {0: "1 byte", 1: "2 bytes", 2: "4 bytes", 3: "8 bytes"}
WFX_KINDS = {0: "WFI", 1: "WFE", 2: "WFIT", 3: "WFET"}
AET_NAMES = {0: "uncontainable (UC)", 1: "unrecoverable (UEU)", 2: "restartable (UEO)",
             3: "recoverable (UER)", 6: "corrected (CE)"}


@dataclass
class Field:
    name: str       # the Arm ARM's field name
    value: str      # as printed: "1", "0b10", "0x05"
    meaning: str = ""  # what it says, e.g. "4 bytes"

    def compact(self) -> str:
        return f"{self.name} {self.value}" + (f" ({self.meaning})" if self.meaning else "")


@dataclass
class Decoded:
    raw: int
    ec: int
    il: int
    iss: int
    iss2: int
    fields: list[Field] = dataclass_field(default_factory=list)
    summary: str = ""  # "4-byte read into w1, Translation fault, level 1"

    @property
    def ec_name(self) -> str:
        return ec_name(self.ec)

    def one_line(self) -> str:
        """'EC 0x16 HVC (AArch64), IL 1, ISS 0x0 = imm16 0x0' — the narration's form."""
        text = f"EC {self.ec:#04x} {self.ec_name}, IL {self.il}, ISS {self.iss:#x}"
        if self.fields:
            text += " = " + ", ".join(f.compact() for f in self.fields)
        return text


def _flag(name: str, value: int, meaning_if_set: str = "", meaning_if_clear: str = "") -> Field:
    return Field(name, str(value), meaning_if_set if value else meaning_if_clear)


def _data_abort(iss: int) -> tuple[list[Field], str]:
    f = lambda name: field("DataAbort", name, iss)  # noqa: E731
    isv, wnr, dfsc = f("Isv"), f("Wnr"), f("Dfsc")
    out = [_flag("ISV", isv, "syndrome valid", "no syndrome: the instruction is not described")]
    what = "write" if wnr else "read"
    if isv:
        sas, sse, srt, sf, ar = f("Sas"), f("Sse"), f("Srt"), f("Sf"), f("Ar")
        reg = register_name(srt, bool(sf))
        out += [Field("SAS", f"{sas:#04b}", ACCESS_SIZES[sas]),
                _flag("SSE", sse, "sign-extend"),
                Field("SRT", str(srt), reg),
                _flag("SF", sf, "64-bit register", "32-bit register"),
                _flag("AR", ar, "acquire/release")]
        size = ACCESS_SIZES[sas].replace(" bytes", "-byte").replace(" byte", "-byte")
        summary = (f"{size} {what} {'from' if wnr else 'into'} {reg}"
                   f"{' (sign-extended)' if sse and not wnr else ''}")
    else:
        summary = f"{what} without a syndrome (ISV 0)"
    out += [_flag("VNCR", f("Vncr"), "VNCR_EL2 access")] if f("Vncr") else []
    out += [_flag("FnV", f("Fnv"), "FAR not valid"),
            _flag("EA", f("Ea"), "external abort"),
            _flag("CM", f("Cm"), "cache maintenance"),
            _flag("S1PTW", f("S1ptw"), "on the guest's stage-1 table walk"),
            Field("WnR", str(wnr), what),
            Field("DFSC", f"{dfsc:#04x}", fault_status_name(dfsc))]
    return out, f"{summary}, {fault_status_name(dfsc)}"


def _instruction_abort(iss: int) -> tuple[list[Field], str]:
    f = lambda name: field("InstructionAbort", name, iss)  # noqa: E731
    ifsc = f("Ifsc")
    out = [_flag("FnV", f("Fnv"), "FAR not valid"),
           _flag("EA", f("Ea"), "external abort"),
           _flag("S1PTW", f("S1ptw"), "on the guest's stage-1 table walk"),
           Field("IFSC", f"{ifsc:#04x}", fault_status_name(ifsc))]
    return out, f"instruction fetch, {fault_status_name(ifsc)}"


def _sysreg(iss: int) -> tuple[list[Field], str]:
    f = lambda name: field("SysRegAccess", name, iss)  # noqa: E731
    op0, op2, op1, crn, rt, crm, read = (f("Op0"), f("Op2"), f("Op1"), f("Crn"), f("Rt"), f("Crm"),
                                         f("Direction"))
    name = sysreg_name(sysreg_key(op0, op1, crn, crm, op2))
    reg = register_name(rt)
    out = [Field("Op0", str(op0)), Field("Op2", str(op2)), Field("Op1", str(op1)),
           Field("CRn", str(crn)), Field("Rt", str(rt), reg), Field("CRm", str(crm)),
           Field("Direction", str(read), "read (MRS)" if read else "write (MSR)")]
    summary = f"mrs {reg}, {name}" if read else f"msr {name}, {reg}"
    return out, summary


def _call(ec: int, iss: int) -> tuple[list[Field], str]:
    imm = bits(iss, *CALL_IMMEDIATE)
    insn = {EC_HVC64: "hvc", EC_SMC64: "smc", EC_SVC64: "svc", EC_BRK64: "brk",
            EC_HVC32: "hvc", EC_SVC32: "svc"}[ec]
    return [Field("imm16", f"{imm:#x}")], f"{insn} #{imm:#x}"


def _wfx(iss: int) -> tuple[list[Field], str]:
    f = lambda name: field("WfxTrap", name, iss)  # noqa: E731
    ti = f("Ti")
    out = [_flag("CV", f("Cv"), "condition valid"), Field("COND", f"{f('Cond'):#x}"),
           Field("RN", str(f("Rn"))), _flag("RV", f("Rv"), "RN valid"),
           Field("TI", str(ti), WFX_KINDS[ti])]
    return out, WFX_KINDS[ti]


def _serror(iss: int) -> tuple[list[Field], str]:
    f = lambda name: field("SError", name, iss)  # noqa: E731
    if f("Ids"):
        return [Field("IDS", "1", "IMPLEMENTATION DEFINED syndrome")], "implementation-defined SError"
    aet, dfsc = f("Aet"), f("Dfsc")
    meaning = {0x00: "uncategorized", 0x11: "asynchronous SError"}.get(dfsc, "")
    out = [Field("IDS", "0"), Field("AET", str(aet), AET_NAMES.get(aet, "reserved")),
           _flag("EA", f("Ea"), "external abort"), Field("DFSC", f"{dfsc:#04x}", meaning)]
    return out, AET_NAMES.get(aet, "SError") if dfsc == 0x11 else "SError"


def decode(raw: int) -> Decoded:
    """ESR_ELx -> its fields. Any 64-bit value is accepted (a syndrome is untrusted data)."""
    raw &= (1 << 64) - 1
    ec, il, iss, iss2 = (field("Syndrome", "Ec", raw), field("Syndrome", "Il", raw),
                         field("Syndrome", "Iss", raw), field("Syndrome", "Iss2", raw))
    d = Decoded(raw, ec, il, iss, iss2)
    if ec in (EC_DATA_ABORT_LOWER, EC_DATA_ABORT_SAME):
        d.fields, d.summary = _data_abort(iss)
    elif ec in (EC_INSTR_ABORT_LOWER, EC_INSTR_ABORT_SAME):
        d.fields, d.summary = _instruction_abort(iss)
    elif ec == EC_SYSREG:
        d.fields, d.summary = _sysreg(iss)
    elif ec in (EC_HVC64, EC_SMC64, EC_SVC64, EC_BRK64, EC_HVC32, EC_SVC32):
        d.fields, d.summary = _call(ec, iss)
    elif ec == EC_SMC32:
        d.summary = "smc (AArch32: no immediate in the syndrome)"
    elif ec == EC_WFX:
        d.fields, d.summary = _wfx(iss)
    elif ec == EC_SERROR:
        d.fields, d.summary = _serror(iss)
    else:
        d.summary = ec_name(ec)
    return d


def report(raw: int) -> list[str]:
    """The multi-line, field-by-field form `hv esr` prints."""
    d = decode(raw)
    lines = [f"ESR {raw:#x}: {d.ec_name}" + (f": {d.summary}" if d.summary != d.ec_name else ""),
             f"  EC    [31:26] {d.ec:#04x}  {d.ec_name}",
             f"  IL    [25]    {d.il}     {'32-bit instruction' if d.il else '16-bit instruction'}",
             f"  ISS   [24:0]  {d.iss:#x}"]
    for f in d.fields:
        lines.append(f"    {f.name:9} {f.value:6} {f.meaning}".rstrip())
    if d.iss2:
        lines.append(f"  ISS2  [36:32] {d.iss2:#x}")
    if raw >> 37:
        lines.append(f"  (bits [63:37] are RES0 but read {raw >> 37:#x})")
    return lines
