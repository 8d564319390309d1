"""Host unit tests of a student's portable code: a small C++ test program, compiled with the
host's compiler against the student's header (or the solution's), run one case at a time.

The test program takes a case name as its only argument, prints what it checked and ends with
exit status 0 when the case passed. A crash, a hang or a compile error becomes a Fail with a
message, never a traceback. The program is compiled once per grader run and kept under the
build tree (build/labs-host/<lab>/)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Callable

from .failures import Fail, GraderError
from .lab import Lab
from .build import first_error

_compiled: dict[tuple[str, bool], tuple[bool, str, Path]] = {}
# Programs a grader announces at import (prepare()), compiled before the first test.
_prepared: list[tuple[Lab, str, Callable[[], tuple[list[Path], dict[str, str]]]]] = []


def compiler() -> str:
    for name in (os.environ.get("CXX", ""), "g++", "c++", "clang++"):
        if name and shutil.which(name):
            return name
    raise GraderError("no host C++ compiler (g++) found: run tools/setup.sh")


def prepare(lab: Lab, name: str, what: Callable[[], tuple[list[Path], dict[str, str]]]) -> None:
    """Announces host program `name`, so that the runner compiles it before the first test,
    on the build's budget rather than a test's (a loaded machine compiles slowly). `what()`
    gives its sources and definitions; it is called then, once the command line has said
    whether the solution is graded."""
    _prepared.append((lab, name, what))


def build_prepared(timeout: float) -> None:
    """Compiles every announced program (a failure is kept, and reported by each test that
    runs it)."""
    for lab, name, what in _prepared:
        sources, defines = what()
        try:
            build(lab, sources, defines, timeout, name=name)
        except Fail:
            pass


def build(lab: Lab, sources: list[Path], defines: dict[str, str], timeout: float,
          name: str = "host_test") -> Path:
    """Compiles `sources` into a host program (once per grader run) and returns its path;
    raises Fail with the first compiler error when it does not compile."""
    key = (name, lab.solution)
    if key not in _compiled:
        out_dir = lab.build_dir / "labs-host" / lab.name / ("solution" if lab.solution else "starter")
        out_dir.mkdir(parents=True, exist_ok=True)
        binary = out_dir / name
        # Built under a private name and moved into place: graders running side by side never
        # run a half-written program.
        partial = out_dir / f".{name}.{os.getpid()}"
        cmd = [compiler(), "-std=c++20", "-O1", "-g", "-Wall", f"-I{lab.root}", "-o", str(partial)]
        cmd += [f"-D{k}={v}" for k, v in defines.items()]
        cmd += [str(s) for s in sources]
        try:
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  errors="replace", timeout=timeout)
            ok, output = done.returncode == 0, done.stdout
        except subprocess.TimeoutExpired:
            ok, output = False, f"the host compiler timed out after {timeout:.0f} s"
        if ok:
            os.replace(partial, binary)
        else:
            partial.unlink(missing_ok=True)
            (out_dir / f"{name}.build.log").write_text(output)
        _compiled[key] = (ok, output, binary)
    ok, output, binary = _compiled[key]
    if not ok:
        raise Fail(f"the host test of your code did not compile: {first_error(output, lab.root)}")
    return binary


def run_case(binary: Path, case: str, timeout: float) -> tuple[bool, str]:
    """Runs one case; (passed, what it printed). A crash or a hang is a failed case."""
    try:
        done = subprocess.run([str(binary), case], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as e:
        text = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return False, text + f"\nthe case did not finish in {timeout:.0f} s (a loop that never ends?)"
    text = done.stdout
    if done.returncode < 0:
        try:
            sig = signal.Signals(-done.returncode).name
        except ValueError:
            sig = f"signal {-done.returncode}"
        return False, text + f"\nthe test program crashed ({sig}) in this case"
    return done.returncode == 0, text


def program(lab: Lab, name: str, timeout: float) -> Path:
    """The announced program `name`, compiled (at once if the prebuild already did)."""
    for owner, announced, what in _prepared:
        if owner is lab and announced == name:
            sources, defines = what()
            return build(lab, sources, defines, timeout, name=name)
    raise GraderError(f"the host program {name} was never announced with hostprog.prepare()")


def check_case(t, lab: Lab, name: str, case: str, todos: list[str], subject: str,
               shown_prefixes: tuple[str, ...] = ("check failed",)) -> None:
    """Runs `case` of the announced program `name` within test context `t`. A failure (or a
    compile error, a crash, a hang) raises Fail with the program's findings — the lines that
    start with one of `shown_prefixes`, at most five — and points at `todos` in the student's
    files. `subject` names what is tested ("your FramePool")."""
    where = " and ".join(lab.todo(todo) for todo in todos)
    try:
        # Compiled before the first test; here only if it was not (a generous budget: the
        # test's own timeout is for running it).
        binary = program(lab, name, max(t.remaining(), 120.0))
    except Fail as e:
        raise Fail(f"{e.message}\n  Look at {where}") from None
    ok, output = run_case(binary, case, min(10.0, t.remaining()))
    t.note(f"=== host test {name} {case} ===\n{output}")
    if ok:
        return
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith(shown_prefixes)]
    last = (output.strip().splitlines() or ["(no output)"])[-1]
    shown = "\n  ".join(lines[:5]) if lines else last
    raise Fail(f"the host test '{case}' of {subject} failed:\n  {shown}\n  Look at {where}")
