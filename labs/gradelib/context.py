"""What a test function gets: its lab, its time budget, its log, and the helpers it uses."""
from __future__ import annotations

import time
from pathlib import Path

from . import qemu
from .build import Builder
from .failures import Fail
from .lab import Lab


class Context:
    def __init__(self, lab: Lab, builder: Builder, name: str, timeout: float) -> None:
        self.lab = lab
        self.builder = builder
        self.name = name
        self.timeout = timeout
        self.started = time.monotonic()
        self.log: list[str] = []        # everything the test's runs printed: kept on failure
        self.last_lines: list[str] = []  # what the latest run printed, for a timeout message

    def remaining(self) -> float:
        return max(1.0, self.timeout - (time.monotonic() - self.started))

    def note(self, text: str) -> None:
        self.log.append(text)

    def image(self) -> Path:
        return self.builder.image(self.remaining())

    def boot(self, guest: str | None, gic: int = 3, smp: int = 2, append: str = "",
             icount: bool = False) -> qemu.QemuRun:
        """Boots the lab's image with one of guests/ (by name) within the test's time left."""
        image = self.image()
        guest_path = self.lab.guest(guest) if guest else None
        if guest_path is not None and not guest_path.exists():
            raise Fail(f"the guest {guest_path} is missing: run `make` first")
        budget = self.remaining()
        self.note(f"=== {guest or 'no guest'} on GICv{gic}, {smp} CPUs"
                  f"{', bootargs ' + append if append else ''} (timeout {budget:.0f} s) ===")
        run = qemu.boot(self.lab.build_dir, image, guest_path, budget, gic=gic, smp=smp,
                        append=append, icount=icount)
        self.log.extend(run.lines)
        self.last_lines = run.lines
        self.note(f"=== the run ended: {run.outcome} ===")
        return run
