#!/usr/bin/env python3
"""`hv trace irq 1 --diagram FILE`: the traced path as a PlantUML sequence diagram, rendered.

On the timer guest, one IRQ taken at EL2 (vector 5) and one from the guest (vector 9), each
drawn to its own file. The rendered SVG (read with an XML parser, not the .puml) must show:
- one message per narrated stage, "[stage] symbol", in the order `hv trace` narrated them;
- the participants those stages ran in, and none the path did not reach (no run loop for an
  IRQ taken at EL2; no IRQ_HANDLER for one that made the guest exit);
- the HAL the narration names ([H = ...]).
The .puml sources are compared with golden files along with the transcript.
"""
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import harness


def svg_texts(path: Path) -> list[str]:
    return [e.text or "" for e in ET.parse(path).iter() if e.tag.endswith("text")]


def narrated(section: str) -> list[str]:
    """'[stage] symbol' of each stage `hv trace` printed, in order."""
    return [f"[{m.group(1)}] {m.group(2)}"
            for m in re.finditer(r"^  \[(\w+)\]\s+(.+?): ", section, re.M)]


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    with tempfile.TemporaryDirectory(prefix="el2lab-diagram-") as d:
        at_el2, from_guest = Path(d) / "irq_el2.puml", Path(d) / "irq_guest.svg"
        raw, _, out = harness.session_raw(args.build_dir, "timer", [
            f"hv trace irq 1 --at-el2 --diagram {at_el2}",
            f"hv trace irq 1 --from-guest --diagram {from_guest}",
            "hv trace irq 1 --diagram",
            "hv trace hvc 1 --diagram /nonexistent/dir/x.puml",
        ])
        out = out.replace(d, "<DIR>")
        # The drawing itself (participants, dividers, messages), without the shared style
        # block (diagrams/el2lab.iuml, inlined) that has nothing to do with this run.
        sources = {p.name: "".join(line + "\n" for line in p.read_text().splitlines()
                                   if line.startswith(("participant", "==", "title")) or " -> " in line)
                   if p.exists() else "(missing)\n"
                   for p in (at_el2, from_guest.with_suffix(".puml"))}
        golden = out + "".join(f"===== {name}\n{text}" for name, text in sources.items())
        harness.show(args, "diagram", golden)
        checks.golden("diagram", harness.normalise(golden))
        checks.no_traceback(out, "diagram")

        sections = raw.split("hv trace: running until")[1:]
        hal = re.search(r"\[H = (\w+)\]", raw)
        for svg, section, present, absent in [
            (at_el2.with_suffix(".svg"), sections[0] if sections else "",
             ["el2lab_vector_table", "vectors.S", "el2lab_current_el_irq", "IRQ_HANDLER", "HAL H"],
             ["el2lab::Vm<H>::handle", "guest"]),
            (from_guest, sections[1] if len(sections) > 1 else "",
             ["guest", "el2lab_vector_table", "vectors.S", "el2lab::Aarch64VCpu<H>::run",
              "el2lab::Vm<H>::handle", "HAL H"],
             ["IRQ_HANDLER", "el2lab_current_el_irq"]),
        ]:
            if not checks.check(svg.exists(), f"{svg.name} was rendered"):
                continue
            texts = svg_texts(svg)
            messages = [t for t in texts if t.startswith("[")]
            stages = narrated(section)
            checks.check(len(stages) >= 5 and messages == stages,
                         f"{svg.name}: the messages are the narrated stages, in order:\n"
                         f"  svg:       {messages}\n  narration: {stages}")
            for name in present:
                checks.check(name in texts, f"{svg.name}: participant {name!r} is drawn")
            for name in absent:
                checks.check(name not in texts, f"{svg.name}: no participant {name!r} (not on this path)")
            if hal is not None:
                checks.check(f"({hal.group(1)})" in texts, f"{svg.name}: the HAL is named {hal.group(1)}")
            checks.check(texts.count("eret") == 1, f"{svg.name}: one ERET back to where it came from")
    checks.expect(out, "hv trace: --diagram takes a file name", "no file name")
    checks.expect(out, "hv trace: cannot write the diagram to /nonexistent/dir/x.puml", "bad path")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
