"""What every live GDB test shares: QEMU under the gdbstub, batch GDB sessions, golden files.

A test starts QEMU exactly as `make debug` does (the command line comes from
tools/el2lab_run.py, the one place that builds it) but always with `-icount shift=0`, so the
guest executes the same instructions in the same order every run and a transcript repeats.
GDB runs in batch mode with gdb/el2lab_gdb.py, as `make gdb` does, with NO_COLOR set.

Golden transcripts (gdb/tests/golden/NAME.txt) hold a session's output after normalise():
addresses of five hex digits or more become ADDR (code moves with every change of core/),
instruction counts, line numbers and temporary paths are replaced too. What remains is the
narration itself, so a changed narration fails the test until the golden file is regenerated
on purpose:  python3 gdb/tests/test_X.py --build-dir build --update  (see gdb/README.md).
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GDB_SCRIPT = ROOT / "gdb" / "el2lab_gdb.py"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _runner():
    spec = importlib.util.spec_from_file_location("el2lab_run", ROOT / "tools" / "el2lab_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guest(build: Path, name: str) -> Path:
    return build / "aarch64" / "guests" / name / f"{name}.elf"


class Qemu:
    """QEMU waiting for GDB on a private unix socket; stopped (by its pid) on exit."""

    def __init__(self, build: Path, guest_image: Path | None, tmp: Path, smp: int = 2,
                 append: str = "", gic: int = 3, icount: bool = True) -> None:
        """`icount=False` runs QEMU exactly as `make debug` does (multi-threaded, real time)."""
        runner = _runner()
        self.socket = tmp / "gdb.sock"
        args = runner.parse_args(["--build-dir", str(build), "--smp", str(smp), "--gic", str(gic),
                                  "--gdb-socket", str(self.socket)]
                                 + (["--icount"] if icount else [])
                                 + (["--append", append] if append else [])
                                 + [str(guest_image) if guest_image else "none"])
        runner.prepare_gdb_socket(self.socket, guest_image)
        self.command = runner.qemu_command(args, guest_image)
        self.log = tmp / "qemu.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Qemu":
        self.proc = subprocess.Popen(self.command, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            if self.socket.exists() or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def console(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def gdb_batch(build: Path, socket: Path, commands: list[str], timeout: float = 60,
              env: dict | None = None) -> str:
    """One batch GDB session: the el2lab script, then each command; stdout and stderr merged."""
    full_env = dict(os.environ, EL2LAB_BUILD=str(build), EL2LAB_GDB_SOCKET=str(socket), NO_COLOR="1")
    full_env.pop("TERM", None)
    full_env.update(env or {})
    cmd = ["gdb-multiarch", "-q", "-nx", "--batch", "-x", str(GDB_SCRIPT)]
    for c in commands:
        cmd += ["-ex", c]
    try:
        result = subprocess.run(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        # TimeoutExpired carries the partial output as bytes even when text=True was asked for.
        partial = e.stdout or b""
        if isinstance(partial, bytes):
            partial = partial.decode("utf-8", "replace")
        return partial + f"\n<GDB TIMED OUT after {timeout:g} s>\n"
    return result.stdout


def session(build: Path, guest_name: str | None, commands: list[str], prepare=None,
            **qemu_args) -> tuple[str, str]:
    """(GDB transcript, QEMU console) of one session against a fresh QEMU. `prepare(tmp)` may
    return environment variables for GDB (e.g. another EL2LAB_BUILD with a modified ELF)."""
    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        image = guest(build, guest_name) if guest_name else None
        env = prepare(Path(tmp)) if prepare else None
        with Qemu(build, image, Path(tmp), **qemu_args) as qemu:
            out = gdb_batch(build, qemu.socket, commands, env=env)
        return normalise(out, build, Path(tmp)), qemu.console()


def session_raw(build: Path, guest_name: str, commands: list[str], **qemu_args) -> tuple[str, str, str]:
    """(raw transcript, QEMU console, normalised transcript) of one session: for checks that
    compare addresses with each other, which normalisation would make all alike."""
    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        with Qemu(build, guest(build, guest_name), Path(tmp), **qemu_args) as qemu:
            out = gdb_batch(build, qemu.socket, commands)
        return out, qemu.console(), normalise(out, build, Path(tmp))


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{5,}")
_DISASM_LISTING = re.compile(r"^\s*[> ] ADDR  .*")


def _operands(text: str) -> str:
    text = re.sub(r"\b([xw])([0-9]|[12][0-9]|30)\b", r"\1N", text)
    return re.sub(r"#(0x)?[0-9a-f]+\b", "#N", text)


def normalise(text: str, build: Path | None = None, tmp: Path | None = None) -> str:
    """The transcript without what changes from build to build or run to run."""
    if tmp is not None:
        text = text.replace(str(tmp), "<TMP>")
    if build is not None:
        text = text.replace(str(build.resolve()), "<BUILD>").replace(str(build), "<BUILD>")
    text = text.replace(str(ROOT), "<ROOT>")
    text = re.sub(r"/tmp/el2lab-gdb-[\w]+", "<TMP>", text)
    lines = []
    for line in text.splitlines():
        if re.match(r"^\d+\t", line):  # GDB echoing a source line: not narration
            continue
        # How (and whether) GDB reports that QEMU powered off depends on timing: the exit
        # packet, a broken pipe or a closed connection. The commands say it themselves.
        if (line.startswith(("Remote communication error.", "Remote connection closed"))
                or re.match(r"^\[Inferior 1 \(process \d+\) (exited|detached)", line)):
            continue
        line = _ADDRESS.sub("ADDR", line)
        # Register allocation and structure offsets change with every compiler decision in
        # core/: in disassembly (listings and `quoted` instructions) registers become xN/wN and
        # immediates #N; the instructions themselves (bl, blr, ldr ...) stay.
        line = " | ".join(_DISASM_LISTING.sub(lambda m: _operands(m.group(0)), part)
                          for part in line.split(" | "))
        line = re.sub(r"\b[xw]\d+ holds", "xN holds", line)
        line = re.sub(r"`[^`]+`", lambda m: _operands(m.group(0)), line)
        line = re.sub(r"\bicount \d+", "icount N", line)
        line = re.sub(r"(?<![\w.])\d{6,}\b", "NUM", line)  # decimal addresses in `print` output
        line = re.sub(r"(\.(?:S|cc|h|c)):\d+", r"\1:N", line)
        line = re.sub(r", line \d+\.", ", line N.", line)
        line = re.sub(r"<\+\d+>", "<+N>", line)
        line = re.sub(r"\+(\d+)>", "+N>", line)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    lines.append("<end of the session>")
    return "\n".join(lines).strip() + "\n"


def unwrap(text: str) -> str:
    """The output with the narration's line wrapping undone (continuation lines are indented
    by four spaces or more), so a check can look for a whole sentence."""
    return re.sub(r"\n {4,}(?![\[#])", " ", text)


class Checks:
    """Named checks; prints each failure and the final 'N passed, M failed' line."""

    def __init__(self, update: bool = False) -> None:
        self.update = update
        self.passed = 0
        self.failed: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"CHECK FAILED: {what}")
        return ok

    def expect(self, text: str, needle: str, what: str) -> bool:
        found = needle in text or needle in unwrap(text)
        return self.check(found, f"{what}: expected {needle!r} in the GDB output")

    def reject(self, text: str, needle: str, what: str) -> bool:
        return self.check(needle not in text, f"{what}: {needle!r} must not appear in the GDB output")

    def no_traceback(self, text: str, what: str) -> bool:
        bad = "Traceback" in text or "Python Exception" in text or "Error occurred in Python" in text
        return self.check(not bad, f"{what}: a Python traceback reached the user")

    def golden(self, name: str, text: str) -> bool:
        path = GOLDEN / f"{name}.txt"
        if self.update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text)
            print(f"updated {path.relative_to(ROOT)}")
            return self.check(True, name)
        if not path.exists():
            return self.check(False, f"golden file {path.relative_to(ROOT)} is missing: run with --update")
        expected = path.read_text()
        if expected == text:
            return self.check(True, name)
        diff = difflib.unified_diff(expected.splitlines(), text.splitlines(),
                                    f"golden/{name}.txt", "this run", lineterm="", n=2)
        print("\n".join(list(diff)[:80]))
        return self.check(False, f"the transcript differs from golden/{name}.txt (a changed "
                                 "narration? regenerate with --update if intended)")

    def finish(self) -> int:
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0


def arguments(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--build-dir", type=Path, required=True, help="the CMake build directory")
    p.add_argument("--update", action="store_true",
                   help="rewrite the golden transcripts from this run instead of comparing")
    p.add_argument("--show", action="store_true", help="print the transcripts")
    args = p.parse_args()
    args.build_dir = args.build_dir.resolve()
    return args


def show(args: argparse.Namespace, title: str, text: str) -> None:
    if args.show or not sys.stdout.isatty():
        print(f"===== {title}\n{text}", end="")
