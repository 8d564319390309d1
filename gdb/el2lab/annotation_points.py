"""The annotation points: hypervisor symbols by stage, from core/annotation_points.txt."""
from __future__ import annotations

import os
from dataclasses import dataclass

POINTS_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "core", "annotation_points.txt")


@dataclass(frozen=True)
class Point:
    symbol: str
    stage: str
    description: str


def load(path: str = POINTS_FILE) -> list[Point]:
    points = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            symbol, stage, description = line.split(None, 2)
            points.append(Point(symbol, stage, description))
    return points


def by_symbol() -> dict[str, Point]:
    return {p.symbol: p for p in load()}
