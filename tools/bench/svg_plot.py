"""roundtrips.svg: the medians as horizontal bars, one group per kind, goals marked.

Hand-written SVG (no plotting library): a bar per system with its median, a thin line from min
to max when they differ, and the kind's goal as a dashed red mark.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from kinds import KINDS
from results import SYSTEM_TITLES, Row, lookup, median_text

COLOURS = {"el2lab": "#3465a4", "el2lab-static": "#f57900", "none": "#888a85"}
LAB_COLOUR = "#4e9a06"  # a lab's image (make bench LAB=NN)
LEFT, RIGHT, TOP = 270, 90, 50
BAR, GAP, GROUP_GAP = 14, 3, 16
WIDTH = 960


def render(rows: list[Row], systems: list[str], title: str) -> str:
    kinds = [k for k in KINDS if any(lookup(rows, s, k.key) for s in systems)]
    top_value = max([r.max for r in rows] + [k.goal or 0 for k in kinds] + [1])
    scale = (WIDTH - LEFT - RIGHT) / top_value
    group = len(systems) * (BAR + GAP) + GROUP_GAP
    height = TOP + group * len(kinds) + 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>']
    # Legend.
    x = LEFT
    for s in systems:
        out.append(f'<rect x="{x}" y="32" width="12" height="10" fill="{COLOURS.get(s, LAB_COLOUR)}"/>')
        out.append(f'<text x="{x + 16}" y="41">{escape(SYSTEM_TITLES[s])}</text>')
        x += 130
    out.append(f'<line x1="{x}" y1="37" x2="{x + 14}" y2="37" stroke="#cc0000" '
               'stroke-dasharray="3,2" stroke-width="2"/>')
    out.append(f'<text x="{x + 18}" y="41">goal</text>')
    y = TOP
    for kind in kinds:
        out.append(f'<text x="{LEFT - 8}" y="{y + group / 2 - 4}" text-anchor="end">'
                   f'{escape(kind.title)}</text>')
        for i, s in enumerate(systems):
            r = lookup(rows, s, kind.key)
            by = y + i * (BAR + GAP)
            if r is None:
                continue
            w = max(r.median * scale, 1)
            out.append(f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR}" '
                       f'fill="{COLOURS.get(s, LAB_COLOUR)}"><title>{escape(SYSTEM_TITLES[s])}: median '
                       f'{median_text(r.median)}, min {r.min}, max {r.max}</title></rect>')
            if r.min != r.max:
                out.append(f'<line x1="{LEFT + r.min * scale:.1f}" y1="{by + BAR / 2}" '
                           f'x2="{LEFT + r.max * scale:.1f}" y2="{by + BAR / 2}" stroke="black"/>')
            out.append(f'<text x="{LEFT + w + 4:.1f}" y="{by + BAR - 3}">'
                       f'{median_text(r.median)}</text>')
        if kind.goal is not None:
            gx = LEFT + kind.goal * scale
            out.append(f'<line x1="{gx:.1f}" y1="{y - 2}" x2="{gx:.1f}" '
                       f'y2="{y + len(systems) * (BAR + GAP)}" stroke="#cc0000" '
                       'stroke-dasharray="3,2" stroke-width="2"/>')
        y += group
    out.append(f'<line x1="{LEFT}" y1="{TOP - 4}" x2="{LEFT}" y2="{y - GROUP_GAP + 4}" '
               'stroke="black"/>')
    out.append(f'<text x="{LEFT}" y="{y + 16}">instructions per round trip '
               '(median; a black line spans min..max where they differ)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(path: Path, rows: list[Row], systems: list[str], title: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(rows, systems, title))
