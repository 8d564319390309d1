"""What a test can end with, besides passing."""
from __future__ import annotations


class Fail(Exception):
    """The student's work failed a check. `message` says what went wrong and where to look;
    `partial` is the points still earned (partial credit)."""

    def __init__(self, message: str, partial: float = 0.0) -> None:
        super().__init__(message)
        self.message = message
        self.partial = partial


class TimedOut(Fail):
    """A run (or the test itself) took longer than its timeout."""

    def __init__(self, seconds: float, last_lines: list[str], what: str = "the run") -> None:
        # QEMU's own note that the grader stopped it is not something the run printed.
        seen = [line for line in last_lines if "terminating on signal" not in line]
        tail = "\n".join(f"    | {line}" for line in seen[-8:]) or "    | (no output)"
        super().__init__(f"{what} timed out after {seconds:.0f} s; the last lines seen were:\n{tail}")
        self.seconds = seconds


class GraderError(Exception):
    """The grader itself cannot go on (a missing build tree, a missing tool): not the
    student's fault, and said so."""
