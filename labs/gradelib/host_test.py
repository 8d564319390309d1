"""Host tests of a student's code: a C++ test program compiled with the host's compiler
against the student's header (pure code: no EL2, no QEMU), run, and its output returned."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .build import first_error
from .failures import Fail, GraderError
from .lab import ROOT


def compiler() -> str:
    for name in ("g++", "c++", "clang++"):
        found = shutil.which(name)
        if found:
            return found
    raise GraderError("no host C++ compiler (g++) is installed (run tools/setup.sh)")


def compile_and_run(t, source: Path, defines: dict[str, str], what: str, todo: str,
                    extra_sources: list[Path] | None = None) -> tuple[int, str]:
    """Compiles `source` (C++20, the tree's root on the include path; with `extra_sources`, such
    as a core .cc the test links) and runs it, within the test's time left. Returns (exit
    status, output); a compile error raises Fail naming `todo`."""
    with tempfile.TemporaryDirectory(prefix="el2lab-host-test-") as tmp:
        program = Path(tmp) / "test"
        cmd = [compiler(), "-std=c++20", "-O1", "-Wall", f"-I{ROOT}", str(source)]
        cmd += [str(p) for p in extra_sources or []] + ["-o", str(program)]
        cmd += [f"-D{k}={v}" for k, v in defines.items()]
        try:
            built = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   errors="replace", timeout=t.remaining())
        except subprocess.TimeoutExpired:
            raise Fail(f"compiling {what} timed out") from None
        t.note(f"=== {' '.join(cmd)} ===\n{built.stdout}")
        if built.returncode != 0:
            raise Fail(f"{what} does not compile on the host with your code: "
                       f"{first_error(built.stdout, ROOT)}\n  Look at {todo}")
        try:
            ran = subprocess.run([str(program)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, errors="replace", timeout=t.remaining())
        except subprocess.TimeoutExpired:
            raise Fail(f"{what} did not finish in time (an endless loop?); look at {todo}") from None
        t.note(ran.stdout)
        return ran.returncode, ran.stdout
