"""Runs a grader's tests one after another, each with its timeout, and prints the score."""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from . import hostprog
from .build import Builder
from .context import Context
from .failures import Fail, GraderError, TimedOut
from .lab import Lab
from .registry import Test, timeout_scale

BUILD_TIMEOUT = 900.0


@dataclass
class Result:
    name: str
    points: float
    max_points: float
    message: str          # empty when the test passed
    output: str           # the run's output (kept in the log file too)
    hidden: bool
    seconds: float

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


def grader_bug(error: BaseException) -> str:
    """A bug in the grader, said in one line (where and what), never as a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return (f"the grader itself failed ({type(error).__name__}{where}: {error}); this is a bug in "
            "the grader, not in your work: please report it to your course staff")


def run_one(lab: Lab, builder: Builder, test: Test) -> Result:
    t = Context(lab, builder, test.name, test.timeout)
    outcome: dict = {}

    def body() -> None:
        try:
            test.function(t)
            outcome["points"] = test.points
        except Fail as e:
            outcome["fail"] = e
        except GraderError as e:
            outcome["message"] = f"the grader cannot run this test: {e}"
        except BaseException as e:  # noqa: BLE001 — any other exception is a grader bug
            outcome["message"] = grader_bug(e)

    start = time.monotonic()
    worker = threading.Thread(target=body, daemon=True)
    worker.start()
    # Runs inside the test stop at its own deadline; this catches a test that hangs elsewhere.
    worker.join(test.timeout + 5)
    seconds = time.monotonic() - start
    if worker.is_alive():
        outcome = {"fail": TimedOut(test.timeout, t.last_lines, "the test")}
    points = outcome.get("points", 0.0)
    message = outcome.get("message", "")
    if "fail" in outcome:
        points = min(outcome["fail"].partial, test.points)
        message = outcome["fail"].message
    log = lab.log_path(test.name)
    output = "\n".join(t.log)
    if points < test.points:
        lab.out_dir.mkdir(parents=True, exist_ok=True)
        log.write_text((output + "\n" if output else "(this test ran nothing)\n") + message + "\n")
        message += f"\n  (the run's output is in {lab.rel(log)})"
    else:
        log.unlink(missing_ok=True)
    return Result(test.name, points, test.points, message, output, test.hidden, seconds)


class Printer:
    """One line per test; on a terminal, a progress line while a test runs."""

    def __init__(self, stream=sys.stdout) -> None:
        self.stream = stream
        self.tty = stream.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ

    def _colour(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.tty else text

    def starting(self, index: int, total: int, test: Test) -> None:
        if self.tty:
            self.stream.write(f"[{index}/{total}] {test.name} ... (up to {test.timeout:.0f} s)\r")
            self.stream.flush()

    def finished(self, result: Result) -> None:
        if self.tty:
            self.stream.write("\033[2K")
        verdict = self._colour("1;32", "OK") if result.passed else self._colour("1;31", "FAIL")
        hidden = " [hidden]" if result.hidden else ""
        self.stream.write(f"{result.name}{hidden}: {verdict} ({_fmt(result.points)}/"
                          f"{_fmt(result.max_points)}) {result.seconds:.1f}s\n")
        for line in result.message.splitlines():
            self.stream.write(f"    {line}\n")
        self.stream.flush()

    def score(self, label: str, earned: float, possible: float) -> None:
        self.stream.write(f"{label}Score: {_fmt(earned)}/{_fmt(possible)}\n")
        self.stream.flush()


def _fmt(value: float) -> str:
    return f"{value:g}"


def run_tests(lab: Lab, tests: list[Test], printer: Printer) -> list[Result]:
    builder = Builder(lab)
    # The build has its own budget (a cold build on a slow VM takes minutes); tests then only
    # pay for what they run. A failed build is reported by each test that needs the image.
    started = time.monotonic()
    if printer.tty:
        printer.stream.write(f"building {lab.hypervisor_target()} ...\r")
        printer.stream.flush()
    try:
        built = builder.prebuild(BUILD_TIMEOUT * max(1.0, timeout_scale()))
        printer.stream.write(("\033[2K" if printer.tty else "") +
                             f"build of {lab.hypervisor_target()}: {'ok' if built else 'FAILED'} "
                             f"({time.monotonic() - started:.1f}s)\n")
    except GraderError as e:
        printer.stream.write(f"the grader cannot build the lab: {e}\n")
    try:
        hostprog.build_prepared(BUILD_TIMEOUT * max(1.0, timeout_scale()))
    except GraderError as e:  # no host compiler: each host test reports it
        printer.stream.write(f"the grader cannot build its host tests: {e}\n")
    results = []
    for index, test in enumerate(tests, 1):
        printer.starting(index, len(tests), test)
        result = run_one(lab, builder, test)
        printer.finished(result)
        results.append(result)
    return results
