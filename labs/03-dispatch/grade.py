#!/usr/bin/env python3
"""Lab 03's grader: `make grade LAB=03` (or python3 labs/03-dispatch/grade.py --help).

It boots the lab's hypervisor (built with your DynamicHal) with the guests, disassembles the
built image to see how the core reaches the platform, and checks your answers' numbers against
a bench run of its own. It never reads your code.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dispatch_checks as dc  # noqa: E402
from gradelib import Fail, Lab, main, test  # noqa: E402

lab = Lab(__file__)
ANSWERS = "answers-03.txt"


def guest_runs(t, guest: str, gic: int, todo: str) -> None:
    run = t.boot(guest, gic=gic)
    if run.outcome == "ok" and run.guest_passed(guest):
        if not any("with HAL DynamicHal" in line for line in run.lines):
            raise Fail(f"{guest} passed, but the log does not say 'running vCPU 0 with HAL "
                       f"DynamicHal': is the lab built with your HAL? Look at {lab.todo(todo)}")
        return
    hint = (f"with DynamicHal the {guest} guest did not pass on GICv{gic}. A null entry in the "
            f"table is a jump to address 0 (the panic report's ELR_EL2 is 0). "
            f"Look at {lab.todo('TODO(03.1)')} and {lab.todo('TODO(03.2)')}")
    if run.outcome == "ok":
        raise Fail(f"{'; '.join(run.guest_failures()) or 'no PASS line'}\n  {hint}")
    run.require_clean_end(hint)


@test(30, "03.1-dynamic-runs-guests", timeout=40)
def dynamic_runs_guests(t):
    """TODO(03.1) + TODO(03.2): the hello and timer guests pass with DynamicHal on GICv3."""
    guest_runs(t, "hello", 3, "TODO(03.2)")
    guest_runs(t, "timer", 3, "TODO(03.2)")


@test(30, "03.2-indirect-calls", timeout=40)
def indirect_calls(t):
    """TODO(03.2): in the built image, the core reaches the platform only through the table:
    no direct branch from the core (or DynamicHal) to el2lab::gic:: or el2lab::board::, and
    run()'s irq_fetch call site is an indirect `blr`."""
    funcs = dc.functions(t.image().with_suffix(".elf"))
    hal = dc.hal_of(funcs)
    direct = dc.direct_platform_calls(funcs, hal)
    site = dc.fetch_call_site(funcs, hal)
    t.note(f"grader: HAL {hal}; irq_fetch call site in run(): {site}; direct platform calls: "
           f"{len(direct)}")
    if direct or site != "blr":
        listed = "\n    ".join(direct[:4]) + (f"\n    ... {len(direct) - 4} more" if len(direct) > 4 else "")
        raise Fail(f"the built image still dispatches statically: run() reaches irq_fetch with "
                   f"`{site}`" + (f", and {len(direct)} direct calls into the platform remain "
                                  f"(objdump -d -C):\n    {listed}" if direct else "") +
                   f"\n  Look at {lab.todo('TODO(03.2)')}")


def answers() -> dict:
    path = lab.student_file(ANSWERS)
    try:
        text = path.read_text(errors="replace")
    except OSError:
        raise Fail(f"{lab.rel(path)} is missing: it holds your answers") from None
    return {m.group(1): m.group(2) for m in
            (re.match(r"^\s*([a-z0-9_]+)\s*:\s*(.*?)\s*$", line) for line in text.splitlines()) if m}


def number(given: dict, key: str) -> float:
    raw = given.get(key)
    if raw is None or not raw or "TODO" in raw:
        raise Fail(f"'{key}' is not answered yet: {lab.todo('TODO(03.3)')}")
    try:
        return float(raw.split()[0].rstrip("%"))
    except ValueError:
        raise Fail(f"'{key}: {raw}' is not a number: {lab.todo('TODO(03.3)')}") from None


@test(30, "03.3-answers-match-bench", timeout=120)
def answers_match_bench(t):
    """TODO(03.3): the numbers in answers-03.txt agree with a bench run of this build (extra
    instructions within 2, the percentage within 0.3 points) and the call-site instructions
    with its disassembly."""
    given = answers()
    keys = ["hvc_extra", "irq_running_extra", "irq_wfi_extra", "irq_running_percent"]
    wanted = {k: number(given, k) for k in keys}
    sites = {k: (given.get(k) or "").split()[0:1] for k in ("call_site_el2lab", "call_site_lab03")}
    if any(not v or "TODO" in v[0] for v in sites.values()):
        raise Fail(f"the call-site instructions are not answered yet: {lab.todo('TODO(03.3)')}")
    lab_system = lab.hypervisor_target()
    medians = dc.bench(t, lab, ["el2lab", lab_system])
    measured = {}
    for kind in ("hvc", "irq_running", "irq_wfi"):
        ref, dyn = medians.get(("el2lab", kind)), medians.get((lab_system, kind))
        if ref is None or dyn is None:
            raise Fail(f"the grader's bench run has no '{kind}' numbers")
        measured[f"{kind}_extra"] = dyn - ref
    measured["irq_running_percent"] = 100 * measured["irq_running_extra"] / medians[("el2lab", "irq_running")]
    t.note(f"grader's bench: {medians}\n grader measured {measured}")
    points, wrong = 0.0, []
    weights = {"hvc_extra": 5, "irq_running_extra": 8, "irq_wfi_extra": 7, "irq_running_percent": 4}
    for key, weight in weights.items():
        tolerance = 0.3 if key.endswith("percent") else 2
        if abs(wanted[key] - measured[key]) <= tolerance:
            points += weight
        else:
            wrong.append(f"{key}: {wanted[key]:g} (this build's bench: {measured[key]:.4g})")
    funcs = {}
    for key, system in (("call_site_el2lab", "el2lab"), ("call_site_lab03", lab_system)):
        elf = (lab.build_dir / "aarch64" / "core" / "el2" / "el2lab.elf" if system == "el2lab"
               else t.image().with_suffix(".elf"))
        funcs = dc.functions(elf)
        actual = dc.fetch_call_site(funcs, dc.hal_of(funcs))
        if sites[key][0].lower() == actual:
            points += 3
        else:
            wrong.append(f"{key}: {sites[key][0]} (the disassembly shows `{actual}`)")
    if wrong:
        raise Fail("answers that do not match this build (make bench LAB=03; objdump -d -C, or "
                   "`disassemble` in GDB):\n  " + "\n  ".join(wrong) +
                   f"\n  Look at {lab.todo('TODO(03.3)')}", points)


if __name__ == "__main__":
    main(lab)
