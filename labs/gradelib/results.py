"""The results files the course platforms read: Gradescope's and PrairieLearn's results.json."""
from __future__ import annotations

import json
from pathlib import Path

from .runner import Result

FORMATS = ("gradescope", "prairielearn")


def gradescope(results: list[Result]) -> dict:
    """Gradescope: score in points; each test with name, score, max_score, status, output and
    visibility (a hidden test shows after the due date, as its name says it is hidden)."""
    return {
        "score": sum(r.points for r in results),
        "output": f"{sum(r.points for r in results):g}/{sum(r.max_points for r in results):g} points",
        "tests": [{
            "name": r.name,
            "score": r.points,
            "max_score": r.max_points,
            "status": "passed" if r.passed else "failed",
            "output": r.message or "passed",
            "visibility": "after_due_date" if r.hidden else "visible",
        } for r in results],
    }


def prairielearn(results: list[Result]) -> dict:
    """PrairieLearn: score from 0 to 1; each test with name, points, max_points, message and
    output."""
    possible = sum(r.max_points for r in results)
    return {
        "gradable": True,
        "score": (sum(r.points for r in results) / possible) if possible else 0.0,
        "tests": [{
            "name": r.name,
            "points": r.points,
            "max_points": r.max_points,
            "message": r.message or "passed",
            "output": r.output[-20000:],  # PrairieLearn rejects results over 1 MB
        } for r in results],
    }


def write(kind: str, results: list[Result], path: Path) -> None:
    document = gradescope(results) if kind == "gradescope" else prairielearn(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
