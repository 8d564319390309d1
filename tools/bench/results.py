"""The numbers of one `make bench` run, and the CSV that holds them.

Systems are the three builds compared; a row is (system, kind) with the statistics over that
kind's measured round trips.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from kinds import KINDS

SYSTEMS = ("el2lab", "el2lab-static", "none")
# A lab's image (make bench LAB=NN): lab-NN, or lab-NN-solution for the reference solution.
LAB_SYSTEM = re.compile(r"^lab-(\d\d)(-solution)?$")


class _Titles(dict):
    """A system's title in tables: a lab image is called by its target's name."""

    def __missing__(self, system: str) -> str:
        return system


SYSTEM_TITLES = _Titles({"el2lab": "el2lab", "el2lab-static": "el2lab-static", "none": "bare QEMU"})


def valid_system(system: str) -> bool:
    return system in SYSTEMS or LAB_SYSTEM.match(system) is not None
CSV_FIELDS = ["system", "kind", "title", "round_trips", "median", "min", "max", "goal"]


@dataclass(frozen=True)
class Row:
    system: str
    kind: str
    round_trips: int
    median: float
    min: int
    max: int


def median_text(value: float) -> str:
    """A median as the table prints it: an integer when it is one."""
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def write_csv(path: Path, rows: list[Row]) -> None:
    titles = {kind.key: kind.title for kind in KINDS}
    goals = {kind.key: kind.goal for kind in KINDS}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(CSV_FIELDS)
        for r in rows:
            goal = goals[r.kind]
            out.writerow([r.system, r.kind, titles[r.kind], r.round_trips, median_text(r.median),
                          r.min, r.max, "" if goal is None else goal])


def read_csv(path: Path) -> list[Row]:
    with path.open(newline="") as f:
        return [Row(d["system"], d["kind"], int(d["round_trips"]), float(d["median"]),
                    int(d["min"]), int(d["max"])) for d in csv.DictReader(f)]


def lookup(rows: list[Row], system: str, kind: str) -> Row | None:
    for r in rows:
        if r.system == system and r.kind == kind:
            return r
    return None


@dataclass(frozen=True)
class GoalCheck:
    kind: str
    system: str
    median: float
    goal: int

    @property
    def met(self) -> bool:
        return self.median <= self.goal


def goal_checks(rows: list[Row]) -> list[GoalCheck]:
    """Issue 11's targets, for both el2lab builds (the trace ring is on in both)."""
    checks = []
    for kind in KINDS:
        if kind.goal is None:
            continue
        for system in ("el2lab", "el2lab-static"):
            r = lookup(rows, system, kind.key)
            if r is not None:
                checks.append(GoalCheck(kind.key, system, r.median, kind.goal))
    return checks
