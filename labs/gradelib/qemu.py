"""Booting a lab's hypervisor with a guest, through tools/el2lab_run.py (the one place that
builds QEMU's command line), and reading how the run ended."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .failures import Fail, TimedOut
from .lab import ROOT

_runner_module = None


def runner():
    """tools/el2lab_run.py as a module (loaded once)."""
    global _runner_module
    if _runner_module is None:
        spec = importlib.util.spec_from_file_location("el2lab_run", ROOT / "tools" / "el2lab_run.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _runner_module = module
    return _runner_module


class QemuRun:
    """One finished run: how it ended ('ok', 'panic', 'timeout', 'error') and its output."""

    def __init__(self, outcome: str, status, lines: list[str], timeout: float, label: str) -> None:
        self.outcome = outcome
        self.status = status
        self.lines = lines
        self.timeout = timeout
        self.label = label

    def text(self) -> str:
        return "\n".join(self.lines)

    def guest_passed(self, guest: str) -> bool:
        return any(re.match(rf"^PASS {re.escape(guest)}\b", line) for line in self.lines)

    def guest_failures(self) -> list[str]:
        return [line for line in self.lines if line.startswith("FAIL ")]

    def panic_report(self, count: int = 6) -> list[str]:
        """The first lines of the hypervisor's decoded panic report."""
        for i, line in enumerate(self.lines):
            if line.startswith("[el2lab]") and "PANIC" in line:
                return self.lines[i:i + count]
        return []

    def require_clean_end(self, hint: str) -> None:
        """Raises Fail unless the guest powered the machine off; `hint` says where to look."""
        if self.outcome == "ok":
            return
        if self.outcome == "timeout":
            error = TimedOut(self.timeout, self.lines, f"{self.label}")
            raise Fail(f"{error.message}\n  {hint}")
        if self.outcome == "panic":
            report = "\n".join(f"    | {line}" for line in self.panic_report())
            raise Fail(f"{self.label}: the hypervisor panicked; its report begins:\n{report}\n  {hint}")
        tail = self.lines[-1] if self.lines else "(no output)"
        raise Fail(f"{self.label}: QEMU failed (exit status {self.status}): {tail}")


def boot(build_dir: Path, image: Path, guest: Path | None, timeout: float, gic: int = 3,
         smp: int = 2, append: str = "", icount: bool = False) -> QemuRun:
    """Boots `image` with `guest` and waits at most `timeout` seconds."""
    r = runner()
    argv = ["--build-dir", str(build_dir), "--hypervisor-image", str(image), "--gic", str(gic),
            "--smp", str(smp), "--timeout", str(timeout)]
    argv += ["--icount"] if icount else []
    argv += ["--append", append] if append else []
    argv += [str(guest) if guest else "none"]
    args = r.parse_args(argv)
    cmd = r.qemu_command(args, guest)
    style = r.Style(open("/dev/null", "w"))  # never colour what the grader keeps
    run = r.run_qemu(cmd, timeout, None, style)
    label = f"{guest.stem if guest else 'no guest'} on GICv{gic}"
    return QemuRun(run.outcome, run.status, run.lines, timeout, label)
