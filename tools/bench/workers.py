"""Measures the systems side by side, one worker process each (at most one per core).

A traced boot keeps one core busy parsing the log and most of another running QEMU, so two at
once fill a 2-core machine; the parse is pure Python, so it needs processes, not threads.
Workers report progress through a queue; the parent draws it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import queue as queue_module
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import exec_trace
import qemu_trace
import roundtrips


@dataclass
class Measured:
    """What one worker hands back."""

    system: str
    found: dict[str, roundtrips.KindResult] | None
    instructions: int
    outcome: str
    verdict: str | None
    console: list[str]
    error: str | None = None


def _work(build_dir: Path, system: str, guest: Path, layout: roundtrips.GuestLayout,
          timeout: float, progress, append: str = "", image: Path | None = None) -> Measured:
    def report(seen: int, trips: int) -> None:
        progress.put((system, seen, trips))

    try:
        with qemu_trace.traced_boot(build_dir, system, guest, 2, timeout, append,
                                    image) as (stream, run):
            try:
                found, seen = roundtrips.count_round_trips(exec_trace.executed(stream), layout,
                                                           report)
                error = None
            except (exec_trace.TraceFormatError, ValueError) as e:
                found, seen, error = None, 0, str(e)
    except OSError as e:  # no FIFO, no temporary directory: said, not a traceback
        return Measured(system, None, 0, "error", None, [], f"tracing failed: {e}")
    return Measured(system, found, seen, run.outcome, run.verdict(), run.lines,
                    error or run.error)


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool (and so the workers) itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def measure_all(build_dir: Path, systems: list[str], guest: Path,
                layout: roundtrips.GuestLayout, timeout: float,
                on_progress: Callable[[dict[str, tuple[int, int]]], None],
                on_done: Callable[[Measured], None], append: str = "",
                images: dict[str, Path] | None = None) -> dict[str, Measured]:
    """Runs every system; calls \\p on_progress({system: (instructions, round trips)}) as the
    workers go and \\p on_done(result) as each ends. Returns the results by system. \\p append:
    hypervisor bootargs; \\p images: the image of each system that is not a reference build
    (a lab's)."""
    workers = max(1, min(len(systems), os.cpu_count() or 1, 2))
    context = multiprocessing.get_context("fork")
    manager = context.Manager()
    progress = manager.Queue()
    state: dict[str, tuple[int, int]] = {}
    done: dict[str, Measured] = {}
    with context.Pool(workers, initializer=_ignore_interrupts) as pool:
        pending = {s: pool.apply_async(_work, (build_dir, s, guest, layout, timeout, progress,
                                               append, (images or {}).get(s)))
                   for s in systems}
        while len(done) < len(systems):
            try:
                system, seen, trips = progress.get(timeout=0.5)
                state[system] = (seen, trips)
                on_progress(state)
            except queue_module.Empty:
                pass
            for system, result in pending.items():
                if system not in done and result.ready():
                    done[system] = result.get()
                    on_done(done[system])
    manager.shutdown()
    return {s: done[s] for s in systems}
