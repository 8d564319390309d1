"""The annotation points: hypervisor symbols by stage, from core/annotation_points.txt."""
from __future__ import annotations

import os
from dataclasses import dataclass

POINTS_FILE = os.environ.get("EL2LAB_ANNOTATION_POINTS") or os.path.join(
    os.path.dirname(__file__), "..", "..", "core", "annotation_points.txt")


@dataclass(frozen=True)
class Point:
    symbol: str
    stage: str
    description: str


def load(path: str = POINTS_FILE) -> list[Point]:
    """The points listed in `path`; none (and a one-line warning) if the file cannot be read."""
    points = []
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        print(f"[el2lab] cannot read the annotation points ({e}): no narration; "
              "set EL2LAB_ANNOTATION_POINTS to core/annotation_points.txt")
        return points
    with f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) == 3:
                points.append(Point(*parts))
    return points


def by_symbol() -> dict[str, Point]:
    return {p.symbol: p for p in load()}
