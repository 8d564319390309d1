"""The IRQ call sites, disassembled with objdump and found by symbol, never by address.

  current-EL IRQ   el2lab_current_el_irq: in el2lab an indirect `blr` through IRQ_HANDLER, in
                   el2lab-static a direct `bl` to H::irq_handler
  lower-EL IRQ     the direct `bl` to H::irq_fetch, wherever the run loop makes it (with a HAL
                   that dispatches at run time, lab 03's, the `blr` in its place)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

OBJDUMP = "aarch64-linux-gnu-objdump"
CURRENT_EL_IRQ = "el2lab_current_el_irq"
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")  # objdump --no-show-raw-insn
FUNCTION = re.compile(r"^([0-9a-f]+) <(.+)>:$")
RUN_LOOP = re.compile(r"^el2lab::Aarch64VCpu<.+>::run\(\)$")
# objdump -l: the function (inlined or not) the instructions that follow come from.
SOURCE_FUNCTION = re.compile(r"^([A-Za-z_].*\)(?: const)?):$")


@dataclass
class CallSite:
    function: str        # the function that makes the call
    address: int         # of the call instruction
    instruction: str     # e.g. "blr x1" or "bl 70003a40 <...irq_fetch()>"
    context: list[str]   # disassembly lines around it, the call marked with "=>"


class DisassemblyError(RuntimeError):
    pass


def _objdump(elf: Path, extra: list[str]) -> list[str]:
    if shutil.which(OBJDUMP) is None:
        raise DisassemblyError(f"{OBJDUMP} not found: run tools/setup.sh")
    done = subprocess.run([OBJDUMP, "-d", "-C", "--no-show-raw-insn", *extra, str(elf)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise DisassemblyError(f"{OBJDUMP} failed on {elf}: {done.stderr.strip()}")
    return done.stdout.splitlines()


def _functions(lines: list[str]) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """(name, [(address, text, mnemonic + operands)]) per function of objdump's output."""
    out: list[tuple[str, list[tuple[int, str, str]]]] = []
    for line in lines:
        head = FUNCTION.match(line)
        if head:
            out.append((head.group(2), []))
            continue
        insn = INSN.match(line)
        if insn and out:
            text = f"{insn.group(2)} {insn.group(3)}".strip()
            out[-1][1].append((int(insn.group(1), 16), line.strip(), text))
    return out


def _site(function: str, body: list[tuple[int, str, str]], index: int, around: int) -> CallSite:
    lo, hi = max(0, index - around), min(len(body), index + around + 1)
    context = [("=> " if i == index else "   ") + body[i][1] for i in range(lo, hi)]
    return CallSite(function, body[index][0], body[index][2], context)


def current_el_call(elf: Path, around: int = 4) -> CallSite | None:
    """The call in el2lab_current_el_irq that dispatches the IRQ: its `blr`, or else its `bl`
    to a function named irq_handler."""
    for name, body in _functions(_objdump(elf, [f"--disassemble={CURRENT_EL_IRQ}"])):
        if name != CURRENT_EL_IRQ:
            continue
        for i, (_, _, text) in enumerate(body):
            if text.startswith("blr "):
                return _site(name, body, i, around)
        for i, (_, _, text) in enumerate(body):
            if text.startswith("bl ") and "irq_handler" in text:
                return _site(name, body, i, around)
        return None
    raise DisassemblyError(f"{elf} has no function {CURRENT_EL_IRQ}")


def _inlined_fetch_call(elf: Path, around: int) -> CallSite | None:
    """The `blr` in the vCPU's run() that objdump's line information (-l) places in a function
    named ...::irq_fetch(): a HAL that dispatches at run time, its irq_fetch() inlined into
    run(), calls through its table there."""
    body: list[tuple[int, str, str]] = []
    name, source, found = None, "", None
    for line in _objdump(elf, ["-l"]):
        head = FUNCTION.match(line)
        if head:
            if found is not None:
                break
            name, source, body = head.group(2), "", []
            continue
        if name is None or not RUN_LOOP.match(name):
            continue
        context = SOURCE_FUNCTION.match(line)
        if context:
            source = context.group(1)
            continue
        insn = INSN.match(line)
        if insn:
            text = f"{insn.group(2)} {insn.group(3)}".strip()
            body.append((int(insn.group(1), 16), line.strip(), text))
            if found is None and text.startswith("blr ") and source.endswith("::irq_fetch()"):
                found = len(body) - 1
    if found is None:
        return None
    return _site(name, body, found, around)


def irq_fetch_calls(elf: Path, around: int = 4) -> list[CallSite]:
    """Every direct `bl` to a function named ...::irq_fetch(), in whichever function makes it.
    A HAL that dispatches at run time (lab 03) has none: then its indirect call in the vCPU's
    run() — the `blr` that line information places in its irq_fetch(), or, without that, the
    first `blr` after el2lab_enter_guest (the direct calls there, such as decode_sync_exit's,
    are not the HAL's)."""
    sites, indirect = [], []
    for name, body in _functions(_objdump(elf, [])):
        entered = False
        for i, (_, _, text) in enumerate(body):
            if text.startswith("bl ") and "::irq_fetch()" in text:
                sites.append(_site(name, body, i, around))
            if RUN_LOOP.match(name) and not indirect:
                if text.startswith("bl ") and "<el2lab_enter_guest>" in text:
                    entered = True
                elif entered and text.startswith("blr "):
                    entered = False
                    indirect.append(_site(name, body, i, around))
    if sites:
        return sites
    located = _inlined_fetch_call(elf, around)
    return [located] if located is not None else indirect
