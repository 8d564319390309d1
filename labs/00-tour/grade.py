#!/usr/bin/env python3
"""Lab 00's grader: `make grade LAB=00`. Your answers (answers-00.txt) are compared with what
a GDB session on this very build observes when the hvc guest makes its first hypercall, so
they are right for your build, not for someone else's."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib import gdbsession  # noqa: E402

lab = Lab(__file__)
_observed: dict = {}

# HCR_EL2 trap controls (Arm ARM, D13.2.47): the bit and what it traps. The grader also checks
# that the build sets the bit the student names.
HCR_TRAPS = {"smc": ("TSC", 19), "wfi": ("TWI", 13)}


def observe(t) -> dict:
    """One GDB session per grader run: the facts of the first HVC from EL1, from the build."""
    if not _observed:
        image = t.image().with_suffix(".elf")
        out, console = gdbsession.session(lab.build_dir, image, lab.guest("hvc"),
                                          [f"source {lab.dir / 'probe_gdb.py'}"], t.remaining())
        t.note(out)
        line = next((l for l in out.splitlines() if l.startswith("GRADE ")), "")
        facts = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
        if "hvc_at" not in facts:
            raise Fail("the GDB session on this build did not reach the hvc guest's first HVC "
                       f"({line or 'no result'}); the session is in the log")
        _observed.update({k: int(v, 0) for k, v in facts.items()})
    return _observed


def answers() -> dict:
    path = lab.student_file("answers-00.txt")
    try:
        text = path.read_text(errors="replace")
    except OSError:
        raise Fail(f"{lab.rel(path)} is missing: it holds your answers") from None
    found = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([a-z0-9_]+)\s*:\s*(.*?)\s*$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def number(t, key: str, marker: str) -> int:
    raw = answers().get(key)
    where = lab.todo(marker)
    if raw is None:
        raise Fail(f"answers-00.txt has no line '{key}: ...' (look at {where})")
    if "TODO" in raw or not raw:
        raise Fail(f"'{key}' is not answered yet: {where}")
    try:
        return int(raw.split()[0], 0)
    except ValueError:
        raise Fail(f"'{key}: {raw}' is not a number (write 8, 0x400 ...): {where}") from None


def check(t, key: str, marker: str, expected: int, what: str, points_each: float = 0.0) -> bool:
    given = number(t, key, marker)
    if given == expected:
        return True
    raise Fail(f"'{key}: {given:#x}' does not match this build: {what}. Look again in GDB "
               f"({lab.todo(marker)})", points_each)


@test(20, "00.1-hvc-vector", timeout=60)
def hvc_vector(t):
    facts = observe(t)
    vector_ok = number(t, "hvc_vector", "TODO(00.1)") == facts["vector"]
    offset_ok = number(t, "hvc_vector_offset", "TODO(00.1)") == facts["offset"]
    if vector_ok and offset_ok:
        return
    wrong = [k for k, ok in (("hvc_vector", vector_ok), ("hvc_vector_offset", offset_ok)) if not ok]
    raise Fail(f"{' and '.join(wrong)} do not match the vector the HVC took in this build "
               f"(stop at the exception in GDB and compare $pc with $VBAR_EL2): "
               f"{lab.todo('TODO(00.1)')}", 10 if len(wrong) == 1 else 0)


@test(15, "00.2-vbar", timeout=60)
def vbar(t):
    check(t, "vbar_el2", "TODO(00.2)", observe(t)["vbar"], "VBAR_EL2 holds another value (p/x $VBAR_EL2)")


@test(20, "00.3-hcr-trap-bits", timeout=60)
def hcr_bits(t):
    hcr = observe(t)["hcr"]
    wrong = []
    for trap, (name, bit) in HCR_TRAPS.items():
        key = f"hcr_{trap}_trap_bit"
        given = number(t, key, "TODO(00.3)")
        if given != bit or not (hcr >> bit) & 1:
            wrong.append(f"{key}: {given} is not the bit that traps {trap.upper()} in this "
                         f"build's HCR_EL2 ({hcr:#x}; look up its fields)")
    if wrong:
        raise Fail("; ".join(wrong) + f" — {lab.todo('TODO(00.3)')}", 10 if len(wrong) == 1 else 0)


@test(20, "00.4-esr-ec", timeout=60)
def esr_ec(t):
    check(t, "esr_ec_hvc64", "TODO(00.4)", observe(t)["esr"] >> 26,
          "ESR_EL2.EC is bits [31:26] of ESR_EL2 at the HVC exit")


@test(15, "00.5-elr-after-hvc", timeout=60)
def elr_after_hvc(t):
    facts = observe(t)
    check(t, "elr_minus_hvc", "TODO(00.5)", facts["elr"] - facts["hvc_at"],
          "compare $ELR_EL2 with the address of the guest's hvc (x/2i $ELR_EL2-4)")


if __name__ == "__main__":
    main(lab)
