#!/usr/bin/env python3
"""`hv esr`'s decoder without GDB: plain python3 against Arm ARM values and the C++ tables.

1. Known syndromes, worked out from the Arm ARM (DDI 0487, ESR_ELx), decode to the expected
   exception class, fields and summary: HVC/SMC/SVC/BRK, data aborts with and without a valid
   syndrome, instruction aborts, trapped MRS/MSR, WFI/WFE, SError, unallocated classes.
2. The Python port cannot drift from core/: its tables are compared with the C++ sources —
   every exception class and fault status name (esr.cc), every BitField position (esr.h), the
   vector names (esr.cc) and symbols (vectors.S), the system register names (vm_exit.cc), the
   VmExit alternatives (vm_exit.h, vm_exit.cc) and the trace ring's exit kinds (trace.py).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gdb"))

from el2lab import device_map, esr, exits, style  # noqa: E402

PASSED: list[str] = []
FAILED: list[str] = []


def check(ok: bool, what: str) -> None:
    (PASSED if ok else FAILED).append(what)
    if not ok:
        print(f"CHECK FAILED: {what}")


def fields(raw: int) -> dict[str, str]:
    return {f.name: f.value for f in esr.decode(raw).fields}


# (ESR value, EC, IL, summary, {field: value}) — computed by hand from the Arm ARM's layouts.
KNOWN = [
    (0x5A000000, 0x16, 1, "hvc #0x0", {"imm16": "0x0"}),                     # HVC #0
    (0x5A00BEEF, 0x16, 1, "hvc #0xbeef", {"imm16": "0xbeef"}),               # HVC #0xbeef
    (0x5E000000, 0x17, 1, "smc #0x0", {"imm16": "0x0"}),                     # trapped SMC #0
    (0x56000005, 0x15, 1, "svc #0x5", {"imm16": "0x5"}),                     # SVC #5
    (0xF2000001, 0x3C, 1, "brk #0x1", {"imm16": "0x1"}),                     # BRK #1
    # LDR w1, [device]: ISV, SAS=word, SRT=1, SF=0, read, translation fault level 1.
    (0x93810005, 0x24, 1, "4-byte read into w1, Translation fault, level 1",
     {"ISV": "1", "SAS": "0b10", "SRT": "1", "SF": "0", "WnR": "0", "DFSC": "0x05"}),
    # STR x0, [device]: SAS=doubleword, SF=1, write, level 3.
    (0x93C08047, 0x24, 1, "8-byte write from x0, Translation fault, level 3",
     {"ISV": "1", "SAS": "0b11", "SRT": "0", "SF": "1", "WnR": "1", "DFSC": "0x07"}),
    # LDRSB x2: SAS=byte, SSE=1, SRT=2, SF=1.
    (0x93228005, 0x24, 1, "1-byte read into x2 (sign-extended), Translation fault, level 1",
     {"SAS": "0b00", "SSE": "1", "SRT": "2", "SF": "1"}),
    # STP to a device (ISV=0): write, level 2; SAS/SRT are not reported.
    (0x92000046, 0x24, 1, "write without a syndrome (ISV 0), Translation fault, level 2",
     {"ISV": "0", "WnR": "1", "DFSC": "0x06"}),
    # Data abort at EL2 itself: address size fault level 0 (what el2lab.test_faults provokes).
    (0x96000000, 0x25, 1, "read without a syndrome (ISV 0), Address size fault, level 0",
     {"DFSC": "0x00"}),
    (0x96000021, 0x25, 1, "read without a syndrome (ISV 0), Alignment fault", {"DFSC": "0x21"}),
    (0x96000410, 0x25, 1, "read without a syndrome (ISV 0), Synchronous External abort",
     {"FnV": "1", "DFSC": "0x10"}),
    # Instruction abort from the guest: translation fault level 2, on a stage-1 walk.
    (0x82000086, 0x20, 1, "instruction fetch, Translation fault, level 2", {"S1PTW": "1", "IFSC": "0x06"}),
    # MRS x1, CNTPCT_EL0 (op0 3, op1 3, CRn 14, CRm 0, op2 1).
    (0x6232F821, 0x18, 1, "mrs x1, CNTPCT_EL0",
     {"Op0": "3", "Op1": "3", "CRn": "14", "CRm": "0", "Op2": "1", "Rt": "1", "Direction": "1"}),
    # MSR SCTLR_EL1, x0 (op0 3, op1 0, CRn 1, CRm 0, op2 0).
    (0x62300400, 0x18, 1, "msr SCTLR_EL1, x0", {"CRn": "1", "Direction": "0"}),
    # MRS x3, ID_AA64MMFR0_EL1 (op0 3, op1 0, CRn 0, CRm 7, op2 0).
    (0x6230006F, 0x18, 1, "mrs x3, ID_AA64MMFR0_EL1", {"CRm": "7", "Rt": "3"}),
    (0x07E00000, 0x01, 1, "WFI", {"CV": "1", "COND": "0xe", "TI": "0"}),
    (0x07E00001, 0x01, 1, "WFE", {"TI": "1"}),
    (0xBE000000, 0x2F, 1, "SError", {"IDS": "0", "DFSC": "0x00"}),
    (0xBF000000, 0x2F, 1, "implementation-defined SError", {"IDS": "1"}),
    (0x02000000, 0x00, 1, "Unknown reason", {}),
    (0xFE000000, 0x3F, 1, "Unrecognised", {}),
    (0x58000000 | (1 << 32), 0x16, 0, "hvc #0x0", {}),
]


def test_known_values() -> None:
    for raw, ec, il, summary, expected in KNOWN:
        d = esr.decode(raw)
        check(d.ec == ec, f"{raw:#x}: EC {d.ec:#x}, expected {ec:#x}")
        check(d.il == il, f"{raw:#x}: IL {d.il}, expected {il}")
        if summary is not None:
            check(d.summary == summary, f"{raw:#x}: summary {d.summary!r}, expected {summary!r}")
        got = fields(raw)
        for name, value in expected.items():
            check(got.get(name) == value, f"{raw:#x}: {name} = {got.get(name)!r}, expected {value!r}")
    # A register the table does not name gets its generic name: MRS x0, S3_4_C15_C2_1.
    iss = 3 << 20 | 1 << 17 | 4 << 14 | 15 << 10 | 0 << 5 | 2 << 1 | 1
    check(esr.decode(0x62000000 | iss).summary == "mrs x0, S3_4_C15_C2_1",
          f"generic register name: {esr.decode(0x62000000 | iss).summary!r}")
    check(esr.decode(1 << 33 | 0x5A000000).iss2 == 2, "ISS2 read from bits [36:32]")
    check(esr.decode(0x96000000).ec_name == "Data Abort from the same EL", "EC 0x25 name")
    check(esr.spsr_mode(0x3C5) == "EL1h" and esr.spsr_masked(0x3C5) == "DAIF masked", "SPSR 0x3c5")
    check(esr.spsr_mode(0x3C9) == "EL2h", "SPSR 0x3c9")
    check(esr.spsr_mode(0x10) == "AArch32" and esr.spsr_masked(0) == "nothing masked", "SPSR AArch32")
    report = "\n".join(esr.report(0x93810005))
    check("SRT       1      w1" in report and "DFSC      0x05   Translation fault, level 1" in report,
          "hv esr's report lists the fields")
    for bad in (0, (1 << 64) - 1, 1 << 63):
        esr.report(bad)  # any 64-bit value decodes without an exception
    check(True, "every 64-bit value decodes")


def _enum_values(header: str, enum: str) -> dict[str, int]:
    body = re.search(r"enum class " + enum + r"[^{]*\{(.*?)\};", header, re.S).group(1)
    return {m.group(1): int(m.group(2), 16) for m in re.finditer(r"(k\w+) = (0x[0-9A-Fa-f]+)", body)}


def _function_body(source: str, signature: str) -> str:
    start = source.index(signature)
    return source[start:source.index("\n}\n", start)]


def test_tables_match_cpp() -> None:
    header = "".join((ROOT / "core/portable" / f).read_text()
                     for f in ("esr.h", "esr_core.h", "esr_iss.h", "vector_entry.h"))
    source = (ROOT / "core/portable/esr.cc").read_text()
    values = _enum_values(header, "ExceptionClass")
    cpp_ec = {values[m.group(1)]: m.group(2) for m in re.finditer(
        r'case ExceptionClass::(k\w+): return "(.*?)"sv;', _function_body(source, "exception_class_name"))}
    check(cpp_ec == esr.EC_NAMES, f"EC names differ from esr.cc: "
          f"{set(cpp_ec.items()) ^ set(esr.EC_NAMES.items())}")
    cpp_fsc = {int(m.group(1), 16): m.group(2) for m in re.finditer(
        r'case (0x[0-9A-Fa-f]+): return "(.*?)"sv;', _function_body(source, "fault_status_name"))}
    check(cpp_fsc == esr.FAULT_NAMES, f"fault status names differ from esr.cc: "
          f"{set(cpp_fsc.items()) ^ set(esr.FAULT_NAMES.items())}")
    cpp_vectors = re.findall(r'"(.*?)"sv,', _function_body(source, "vector_name"))
    check(cpp_vectors == esr.VECTOR_NAMES, "vector names differ from esr.cc")

    structs = {}
    for m in re.finditer(r"(?:struct|class) (\w+) \{(.*?)\n\};", header, re.S):
        layout = {f.group(1): (int(f.group(2)), int(f.group(3))) for f in re.finditer(
            r"static constexpr BitField k(\w+)\{(\d+), (\d+)\};", m.group(2))}
        if layout:
            structs[m.group(1)] = layout
    check(structs == esr.LAYOUT, f"BitField positions differ from esr.h: cpp {structs} python {esr.LAYOUT}")
    imm = re.search(r"kCallImmediate\{(\d+), (\d+)\}", header)
    check((int(imm.group(1)), int(imm.group(2))) == esr.CALL_IMMEDIATE, "kCallImmediate position")

    vectors_s = (ROOT / "core/el2/vectors.S").read_text()
    cpp_symbols = re.findall(r"^\s*VECTOR (el2lab_vec_\w+),", vectors_s, re.M)
    check(cpp_symbols == esr.VECTOR_SYMBOLS, "vector symbols differ from vectors.S")

    vm_exit_cc = (ROOT / "core/portable/vm_exit.cc").read_text()
    cpp_sysregs = {esr.sysreg_key(*map(int, m.group(1, 2, 3, 4, 5))): m.group(6) for m in re.finditer(
        r'\{esr::sysreg_key\((\d+), (\d+), (\d+), (\d+), (\d+)\), "(\w+)"\}', vm_exit_cc)}
    check(cpp_sysregs == esr.KNOWN_SYSREGS, "system register names differ from vm_exit.cc")
    check(esr.sysreg_name(0xDF01) == "CNTPCT_EL0", "esr.h's worked example: key 0xdf01 is CNTPCT_EL0")

    vm_exit_h = (ROOT / "core/portable/vm_exit.h").read_text()
    variant = re.search(r"using VmExit =\s*std::variant<(.*?)>;", vm_exit_h, re.S).group(1)
    check([t.strip() for t in variant.split(",")] == exits.EXIT_TYPES, "VmExit alternatives differ from vm_exit.h")
    names = re.search(r"kExitKindNames\[\] = \{(.*?)\};", vm_exit_cc, re.S).group(1)
    check(re.findall(r'"(\w+)"', names) == exits.EXIT_KINDS,
          "exit names differ from vm_exit.cc's kExitKindNames")


def test_exit_descriptions() -> None:
    # The same text vm_exit.cc's describe_exit() prints in the hypervisor's log.
    cases = [
        ("Hypercall", {"function": 0xC6000002, "args": [0] * 6, "via_smc": False},
         "Hypercall HVC function 0xc6000002 x1 0x0"),
        ("Hypercall", {"function": 0x84000000, "args": [0] * 6, "via_smc": True},
         "Hypercall SMC function 0x84000000 (PSCI_VERSION) x1 0x0"),
        ("MmioRead", {"address": 0xB000100, "width": 4, "reg": 3, "reg_is_64bit": False,
                      "sign_extend": True}, "MmioRead 0xb000100 width 4 -> w3 (sign-extended)"),
        ("MmioWrite", {"address": 0xB000010, "width": 4, "data": 0x2A}, "MmioWrite 0xb000010 width 4 data 0x2a"),
        ("SysRegRead", {"key": esr.sysreg_key(3, 0, 0, 7, 0), "reg": 3}, "SysRegRead ID_AA64MMFR0_EL1 -> x3"),
        ("SysRegWrite", {"key": esr.sysreg_key(3, 0, 1, 0, 0), "value": 0x30D00800},
         "SysRegWrite SCTLR_EL1 = 0x30d00800"),
        ("ExternalInterrupt", {"vector": 27}, "ExternalInterrupt INTID 27"),
        ("SystemDown", {"reset": False}, "SystemDown (SYSTEM_OFF)"),
        ("Halt", {"wfe": False}, "Halt (WFI)"),
        ("Unhandled", {"esr": 0x96000000, "address": 0, "why": "x"}, "Unhandled Data Abort from the same EL: x"),
    ]
    for kind, f, text in cases:
        got = exits.describe(kind, f)
        check(got == text, f"describe({kind}) = {got!r}, expected {text!r}")
    # QEMU virt's map as el2lab's VmConfig holds it on a 2-vCPU GICv3 machine.
    vm = device_map.from_config(0x9000000, 0x8000000, 0x80A0000, 2, "vm.config_")
    check("the test device, ID register" in exits.outcome("MmioRead", cases[2][1], vm), "test device named")
    check("PL011 console, UARTDR" in exits.outcome("MmioWrite", {"address": 0x9000000, "width": 1, "data": 65}, vm),
          "UART data register named")
    check("external abort" in exits.outcome("MmioWrite", {"address": 0xC000000, "width": 4, "data": 0}, vm),
          "no device: abort injected")
    # Issue 13, defect 1: the GIC is emulated, not "no device there".
    gicd = exits.outcome("MmioWrite", {"address": 0x8000000, "width": 4, "data": 1}, vm)
    check("emulates the GIC distributor (GICD), GICD_CTLR (+0x0)" in gicd and "no device" not in gicd,
          f"GICD access narrated as emulated: {gicd}")
    gicr = exits.outcome("MmioRead", {"address": 0x80C0014, "width": 4, "reg": 0, "reg_is_64bit": False,
                                      "sign_extend": False}, vm)
    check("GICR_WAKER of vCPU 1's redistributor" in gicr, f"CPU 1's GICR_WAKER named: {gicr}")
    beyond = exits.outcome("MmioRead", {"address": 0x80E0014, "width": 4, "reg": 0, "reg_is_64bit": False,
                                        "sign_extend": False}, vm)
    check("no device there" in beyond, "no redistributor for a third vCPU on a 2-vCPU VM")
    unknown = exits.outcome("MmioRead", {"address": 0x8000000, "width": 4, "reg": 0, "reg_is_64bit": False,
                                         "sign_extend": False}, None)
    check("not readable" in unknown and "emulates" not in unknown, "no device map: no guess")
    abi = (ROOT / "core/portable/guest_abi.h").read_text()
    base = int(re.search(r"kBase = (0x[0-9a-f']+);", abi).group(1).replace("'", ""), 16)
    size = int(re.search(r"kSize = (0x[0-9a-f']+);", abi).group(1).replace("'", ""), 16)
    check((device_map.TEST_DEVICE, device_map.TEST_DEVICE_SIZE) == (base, size),
          "device_map's test device differs from guest_abi.h")
    check(exits.intid_name(27) == "INTID 27 (the virtual timer, a PPI)", "INTID 27 named")


def test_wrap() -> None:
    # Issue 13, defect 11: no narration line longer than the width; clauses start lines.
    line = "  [entry] x: " + "; ".join(f"clause {i} " + "word " * 12 for i in range(8))
    wrapped = style.wrap(line, " " * 13, 100)
    lines = wrapped.split("\n")
    check(all(len(l) <= 100 for l in lines), "wrapped lines fit in 100 columns")
    check(len(lines) > 3 and all(l.startswith(" " * 13) for l in lines[1:]), "continuation lines indented")
    check(wrapped.replace("\n" + " " * 13, " ").split() == line.split(), "no word lost")
    check(style.wrap("short", "  ", 100) == "short", "short lines untouched")
    check("NOT_SUPPORTED" in exits.outcome("Hypercall", {"function": 0xC6000777, "args": [0] * 6}),
          "unknown hypercall refused")


def main() -> int:
    test_known_values()
    test_tables_match_cpp()
    test_exit_descriptions()
    test_wrap()
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
