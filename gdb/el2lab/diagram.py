"""What `hv trace` recorded, drawn as a PlantUML sequence diagram (`hv trace ... --diagram FILE`).

Plain Python (no gdb): the input is the traced paths — per exception its vector and the
narrated events (stage, symbol, text) in order — and the output is a .puml in the style of
diagrams/irq_path.puml: the same participants and colours (diagrams/el2lab.iuml, inlined so
the file renders anywhere), one message per narrated stage, labelled "[stage] symbol" and the
first clause of its narration, from the participant of the previous stage to this one's.
So the path the machine took can be laid beside the one the docs draw.
"""
from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STYLE = ROOT / "diagrams" / "el2lab.iuml"
PLANTUML_JAR = Path("/usr/share/plantuml/plantuml.jar")

# (alias, label, colour) in the order the participants are drawn; as in irq_path.puml.
PARTICIPANTS = [
    ("origin", None, None),  # the guest, or the EL2 code an exception interrupted
    ("vec", "el2lab_vector_table\\n(VBAR_EL2)", "COLOR_ASM"),
    ("asm", "vectors.S\\ntrap and world switch", "COLOR_ASM"),
    ("cee", "el2lab_current_el_irq\\n(a fault: el2lab_current_el_exception)", "COLOR_CXX"),
    ("irqh", "IRQ_HANDLER\\nCpuLocal::irq_handler", "COLOR_CXX"),
    ("vcpu", "el2lab::Aarch64VCpu<H>::run\\nel2lab::decode_sync_exit", "COLOR_CXX"),
    ("vm", "el2lab::Vm<H>::handle", "COLOR_CXX"),
    ("hal", "HAL H", "COLOR_HAL"),
]
ASM = {"el2lab_lower_el_trap", "el2lab_current_el_trap", "el2lab_current_el_fault", "el2lab_vmexit",
       "el2lab_enter_guest", "el2lab_guest_eret"}


@dataclass
class Step:
    stage: str
    symbol: str
    text: str


@dataclass
class Path_:
    title: str       # "irq 1 of 1: vector 5 el2lab_vec_cur_spx_irq (Current EL with SPx, IRQ)"
    vector: int
    steps: list[Step]


def participant(symbol: str) -> str:
    if symbol.startswith("el2lab_vec_"):
        return "vec"
    if symbol in ASM:
        return "asm"
    if symbol in ("el2lab_current_el_exception", "el2lab_current_el_irq"):
        return "cee"
    if "IRQ_HANDLER" in symbol:
        return "irqh"
    if symbol.startswith("H::"):
        return "hal"
    if symbol in ("el2lab::Aarch64VCpu<H>::run", "el2lab::decode_sync_exit"):
        return "vcpu"
    if symbol.startswith("el2lab::Vm<H>::"):
        return "vm"
    return "vm"  # any other C++ stage of the run loop


def _clause(text: str, width: int = 44, most: int = 3) -> str:
    """The first clause of a narration line, wrapped for an arrow label (at most 3 lines)."""
    lines = textwrap.wrap(_plain(text.split("; ")[0]), width, break_long_words=False)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] += " ..."
    return "\\n".join(lines)


def _plain(text: str) -> str:
    # Creole markup characters PlantUML would interpret in a label.
    for mark in ("**", "//", "__", "~~", '""', "--"):
        text = text.replace(mark, mark[0] + "\u200b" + mark[1])
    return text.replace("\\", "/")


def puml(paths: list[Path_], title: str, hal: str | None = None) -> str:
    used = {"origin", "vec"}
    for p in paths:
        used |= {participant(s.symbol) for s in p.steps}
    from_guest = any(p.vector >= 8 for p in paths)
    from_el2 = any(p.vector < 8 for p in paths)
    origin = ("guest\\n(EL1)" if not from_el2 else
              "interrupted EL2 code" if not from_guest else "guest (EL1) or\\ninterrupted EL2 code")
    lines = ["@startuml", "' Drawn by el2lab's `hv trace --diagram` from a live QEMU session.",
             STYLE.read_text() if STYLE.exists() else "", f"title {_plain(title)}", ""]
    for alias, label, colour in PARTICIPANTS:
        if alias not in used:
            continue
        if alias == "origin":
            label, colour = origin, "COLOR_GUEST" if from_guest else "COLOR_CXX"
        if alias == "hal" and hal:
            label = f"HAL H\\n({hal})"
        lines.append(f'participant "{label}" as {alias} {colour}')
    for p in paths:
        lines += ["", f"== {_plain(p.title)} =="]
        here = "origin"
        for s in p.steps:
            there = participant(s.symbol)
            label = f"[{s.stage}] {_plain(s.symbol)}\\n{_clause(s.text)}"
            lines.append(f"{here} -> {there} : {label}")
            here = there
        if p.steps and p.steps[-1].stage == "resume":
            lines.append(f"{here} -> origin : eret")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"


def render(source: Path) -> tuple[Path | None, str]:
    """source.svg from source with PlantUML; (None, why) when it cannot be rendered."""
    command = None
    if shutil.which("plantuml"):
        command = ["plantuml"]
    elif shutil.which("java") and PLANTUML_JAR.exists():
        command = ["java", "-jar", str(PLANTUML_JAR)]
    if command is None:
        return None, "PlantUML is not installed (Debian package plantuml): the .puml is written"
    try:
        result = subprocess.run(command + ["-tsvg", "-charset", "UTF-8", str(source)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=120)
    except subprocess.TimeoutExpired:
        return None, "PlantUML took over 120 s"
    svg = source.with_suffix(".svg")
    if result.returncode != 0 or not svg.exists():
        return None, f"PlantUML failed: {result.stdout.strip()[:300]}"
    return svg, ""
