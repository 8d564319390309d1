"""Symbol tables from `aarch64-linux-gnu-nm`: labels by name, and PC -> function."""

from __future__ import annotations

import bisect
import shutil
import subprocess
from pathlib import Path

NM = "aarch64-linux-gnu-nm"


class SymbolError(RuntimeError):
    """A symbol table could not be read, or lacks a name the bench needs."""


def _nm(elf: Path, demangle: bool) -> list[tuple[int, str, str]]:
    if not elf.is_file():
        raise SymbolError(f"no ELF at {elf}: build first (make)")
    if shutil.which(NM) is None:
        raise SymbolError(f"{NM} not found: run tools/setup.sh (package binutils-aarch64-linux-gnu)")
    cmd = [NM, "-n", "--defined-only"] + (["-C"] if demangle else []) + [str(elf)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SymbolError(f"{NM} failed on {elf}: {done.stderr.strip()}")
    rows = []
    for line in done.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            try:
                rows.append((int(parts[0], 16), parts[1], parts[2]))
            except ValueError:
                continue
    return rows


def addresses(elf: Path, names: list[str]) -> dict[str, int]:
    """The address of each of \\p names (exact, unmangled symbol names) in \\p elf."""
    table = {name: address for address, _, name in _nm(elf, demangle=False)}
    missing = [name for name in names if name not in table]
    if missing:
        raise SymbolError(f"{elf} has no symbol {', '.join(missing)} "
                          "(is it the bench guest, built from guests/bench?)")
    return {name: table[name] for name in names}


def short_name(name: str) -> str:
    """A demangled C++ name without its parameter lists: `Vm<H>::handle(VmExit&)::{lambda(
    Halt const&)#5}::operator()(Halt const&) const` -> `Vm<H>::handle::{lambda#5}::operator()`."""
    name = name.replace("(anonymous namespace)", "{anonymous}")
    out = []
    depth = 0
    i = 0
    while i < len(name):
        c = name[i]
        if c == "(":
            if depth == 0 and name[max(0, i - 8):i] == "operator" and name[i:i + 2] == "()":
                out.append("()")
                i += 2
                continue
            depth += 1
        elif c == ")" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    text = "".join(out).strip()
    text = text[:-6] if text.endswith(" const") else text
    return text if len(text) <= LONG_NAME else _without_template_arguments(text)


LONG_NAME = 90  # longer names (std::visit's machinery) lose their template arguments


def _without_template_arguments(name: str) -> str:
    """`a<b<c>, d>::f` -> `a<…>::f` (but `operator<` and `operator<<` stay)."""
    out = []
    depth = 0
    for i, c in enumerate(name):
        if c == "<" and not name[:i].endswith("operator") and not name[:i].endswith("operator<"):
            if depth == 0:
                out.append("<…>")
            depth += 1
        elif c == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


class FunctionTable:
    """Maps a PC to the function (text symbol) it lies in, by the nearest symbol below it."""

    def __init__(self, elf: Path) -> None:
        rows = [(address, name) for address, kind, name in _nm(elf, demangle=True)
                if kind in "tTwW" and not name.startswith("$")]
        self._starts = [address for address, _ in rows]
        self._names = [name for _, name in rows]

    def function(self, pc: int) -> str:
        i = bisect.bisect_right(self._starts, pc) - 1
        if i < 0:
            return f"0x{pc:x}"
        return short_name(self._names[i])
