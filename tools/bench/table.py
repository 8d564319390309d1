"""The terminal table and the goal check, as plain text lines."""

from __future__ import annotations

from kinds import KINDS
from results import SYSTEM_TITLES, GoalCheck, Row, lookup, median_text


def cell(row: Row | None) -> str:
    """"median" when every round trip was as long, else "median (min..max)"."""
    if row is None:
        return "-"
    text = median_text(row.median)
    return text if row.min == row.max else f"{text} ({row.min}..{row.max})"


def table_lines(rows: list[Row], systems: list[str]) -> list[str]:
    head = ["round trip (instructions, median)"] + [SYSTEM_TITLES[s] for s in systems]
    body = []
    for kind in KINDS:
        cells = [cell(lookup(rows, s, kind.key)) for s in systems]
        if all(c == "-" for c in cells):
            continue
        body.append([kind.title] + cells)
    counts = sorted({r.round_trips for r in rows})
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head))]
    fmt = lambda line: "  ".join(  # noqa: E731
        (c.ljust(w) if i == 0 else c.rjust(w)) for i, (c, w) in enumerate(zip(line, widths)))
    lines = [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(line) for line in body]
    lines.append(f"(round trips per cell: {', '.join(str(c) for c in counts)}; "
                 "(a..b) = min..max when they differ)")
    return lines


def goal_lines(checks: list[GoalCheck]) -> list[str]:
    """One line per kind: its goal, then each build's median and whether it meets it."""
    titles = {kind.key: kind.title for kind in KINDS}
    width = max((len(titles[c.kind]) for c in checks), default=0)
    lines = []
    for kind in KINDS:
        mine = [c for c in checks if c.kind == kind.key]
        if not mine:
            continue
        parts = [f"{c.system} {median_text(c.median)} {'met' if c.met else 'NOT MET'}"
                 for c in mine]
        lines.append(f"  {kind.title.ljust(width)}  <= {mine[0].goal:<4} " + ", ".join(parts))
    return lines
