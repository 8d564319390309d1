"""build/bench/report.md: the docs page `make bench` writes from its own run.

Every number and every sentence of the conclusion is computed from the run; the page says
nothing the measurements do not show. Doxygen renders it as a page of the reference site (see
docs/benchmarks.md), so C++ names stay inside code spans, where Doxygen makes no links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from breakdown import Share
from disasm import CallSite
from kinds import KINDS
from results import SYSTEM_TITLES, GoalCheck, Row, lookup, median_text
from table import cell

PAGE_ID = "bench_report"


@dataclass
class ReportInput:
    rows: list[Row]
    systems: list[str]
    checks: list[GoalCheck]
    breakdowns: dict[str, dict[str, list[Share]]]   # system -> kind -> shares (top N)
    totals: dict[str, dict[str, int]]                # system -> kind -> that round trip's length
    current_el_calls: dict[str, CallSite | None]     # system -> el2lab_current_el_irq's call
    irq_fetch_calls: dict[str, list[CallSite]]       # system -> the bl's to H::irq_fetch
    blr_target: str | None                           # where el2lab's blr went, per the trace
    measured: int
    warmup: int
    quick: bool
    qemu_version: str
    commit: str
    notes: list[str] = field(default_factory=list)


def _code_block(lines: list[str]) -> list[str]:
    return ["```"] + [line.expandtabs(8).rstrip() for line in lines] + ["```"]


def _median(data: ReportInput, system: str, kind: str) -> float | None:
    r = lookup(data.rows, system, kind)
    return r.median if r else None


def _spread(data: ReportInput, system: str, kind: str) -> int | None:
    r = lookup(data.rows, system, kind)
    return r.max - r.min if r else None


def conclusion(data: ReportInput) -> list[str]:
    """The static-dispatch claim, judged from the numbers (both el2lab builds needed)."""
    ref, static = "el2lab", "el2lab-static"
    wfi_ref, wfi_static = _median(data, ref, "irq_wfi"), _median(data, static, "irq_wfi")
    if wfi_ref is None or wfi_static is None:
        return ["Both el2lab builds must be measured to judge the claim; this run did not."]
    out = []
    saved = wfi_ref - wfi_static
    share = saved / wfi_ref if wfi_ref else 0.0
    target = f" (the trace shows it reaching `{data.blr_target}`)" if data.blr_target else ""
    out.append(
        "**The claim:** static dispatch removes the indirect call and the vtable-like cost of "
        "`IRQ_HANDLER`, and makes the IRQ path more deterministic.")
    out.append("")
    if saved > 0:
        out.append(
            f"**The indirect call goes, and it is small.** In el2lab an IRQ taken at EL2 is "
            f"dispatched by the `blr` above{target}; in el2lab-static by a direct `bl`. "
            f"A timer IRQ that wakes a vCPU from WFI — the round trip that takes this road — costs "
            f"{median_text(wfi_ref)} instructions in el2lab and {median_text(wfi_static)} in "
            f"el2lab-static: {median_text(saved)} fewer, {share:.2%} of the round trip.")
    elif saved == 0:
        out.append(
            f"**The indirect call goes, and costs nothing measurable.** A timer IRQ that wakes a "
            f"vCPU from WFI costs {median_text(wfi_ref)} instructions in both builds.")
    else:
        out.append(
            f"**Static dispatch is not cheaper here.** A timer IRQ that wakes a vCPU from WFI costs "
            f"{median_text(wfi_ref)} instructions in el2lab and {median_text(wfi_static)} in "
            f"el2lab-static ({median_text(-saved)} more).")
    wake_ref, wake_static = _median(data, ref, "sgi_wake"), _median(data, static, "sgi_wake")
    if wake_ref is not None and wake_static is not None:
        out.append(
            f"The SGI that wakes vCPU 1 arrives the same way (the kick, taken at EL2): "
            f"{median_text(wake_ref)} against {median_text(wake_static)} "
            f"({median_text(wake_ref - wake_static)} fewer with static dispatch).")
    run_ref, run_static = _median(data, ref, "irq_running"), _median(data, static, "irq_running")
    if run_ref is not None and run_static is not None:
        same = "the same in both builds" if run_ref == run_static else (
            f"{median_text(run_ref)} against {median_text(run_static)}")
        out.append(
            f"An IRQ that interrupts the running guest takes the lower-EL road, whose call to "
            f"`H::irq_fetch` is a direct `bl` in both builds: {median_text(run_ref)} instructions, "
            f"{same}.")
    out.append("")
    irq_kinds = [k for k in ("irq_wfi", "irq_running", "sgi_wake")
                 if _spread(data, ref, k) is not None and _spread(data, static, k) is not None]
    spreads = {s: max(_spread(data, s, k) for k in irq_kinds) for s in (ref, static)} \
        if irq_kinds else {}
    if spreads and spreads[ref] == 0 and spreads[static] == 0:
        out.append(
            f"**\"More deterministic\" is not what these numbers show.** Under `-icount` every "
            f"one of the {data.measured} measured IRQ round trips of each kind repeats to the "
            f"instruction in *both* builds (min = max): the indirect call does not make the "
            f"instruction count vary, so there is no variance in it for static dispatch to "
            f"remove. What an indirect branch can cost on real hardware is time — a "
            f"mispredicted target, a few cycles — which instruction counts under QEMU do not "
            f"see; this benchmark does not measure it.")
    elif spreads:
        out.append(
            f"**Determinism, as measured:** the largest spread (max − min) of an IRQ round trip "
            f"is {spreads[ref]} instructions in el2lab and {spreads[static]} in el2lab-static.")
    out.append("")
    if wfi_ref and saved >= 0:
        rest = wfi_ref - saved
        out.append(
            f"**So:** the first half of the claim holds — the indirect call is gone — and its price "
            f"was {median_text(saved)} of {median_text(wfi_ref)} instructions; the other "
            f"{median_text(rest)} are the rest of the exit path, which is where the time goes "
            f"(see the breakdown above). A student who wants to see the difference between `bl` "
            f"and `blr` needs an exit path lean enough for a few instructions to show.")
    return out


def render(data: ReportInput) -> str:
    titles = {k.key: k.title for k in KINDS}
    out = [f"# Benchmark report {{#{PAGE_ID}}}", ""]
    out.append(
        f"Written by `make bench`{' --quick' if data.quick else ''} from its own run: "
        f"{data.warmup} warm-up and {data.measured} measured round trips of each kind, "
        f"instructions counted in QEMU's instruction log under `-icount shift=0,sleep=off` "
        f"({data.qemu_version}; source {data.commit}). How it is measured and what each row "
        f"counts: \\ref benchmarks.")
    if data.quick:
        out += ["", "*A quick run: too few round trips for the numbers to mean much.*"]
    out += ["", "## Instructions per round trip", ""]
    head = ["round trip"] + [SYSTEM_TITLES[s] for s in data.systems]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for kind in KINDS:
        out.append("| " + " | ".join([kind.title] + [cell(lookup(data.rows, s, kind.key))
                                                     for s in data.systems]) + " |")
    out += ["", "Median over the measured round trips; (a..b) is min..max where they differ.", ""]
    out += ["![Instructions per round trip](roundtrips.svg)", ""]

    out += ["## Goals", "",
            "Issue 11's targets for the exit path (to be met with the trace ring on):", "",
            "| round trip | build | median | goal | |", "|---|---|---|---|---|"]
    for c in data.checks:
        out.append(f"| {titles[c.kind]} | {c.system} | {median_text(c.median)} | ≤ {c.goal} | "
                   f"{'met' if c.met else '**not met**'} |")
    out.append("")

    out += ["## Where the instructions go", "",
            "One steady-state round trip of each kind (one as long as the median), instructions "
            "per function of the hypervisor (symbolised with `nm` against its ELF); the "
            "trapping guest instruction is listed as `(guest)`.", ""]
    reference = data.totals.get("el2lab", {})
    for system, per_kind in data.breakdowns.items():
        same = []
        for kind in KINDS:
            shares = per_kind.get(kind.key)
            if not shares:
                continue
            if system != "el2lab" and reference.get(kind.key) == data.totals[system][kind.key]:
                same.append(kind.title)  # as long as el2lab's: the same table again
                continue
            total = data.totals[system][kind.key]
            out += [f"### {kind.title} — {SYSTEM_TITLES[system]}, {total} instructions", "",
                    "| function | instructions | share |", "|---|---:|---:|"]
            for s in shares:
                out.append(f"| `{s.function}` | {s.instructions} | {s.share:.1%} |")
            out.append("")
        if same:
            out += [f"{SYSTEM_TITLES[system]}: the same number of instructions as el2lab (table "
                    f"omitted) for: {', '.join(same)}.", ""]

    out += ["## The IRQ call sites", ""]
    for system in ("el2lab", "el2lab-static"):
        site = data.current_el_calls.get(system)
        if system not in data.current_el_calls:
            continue
        out.append(f"**{system}, an IRQ taken at EL2** (`el2lab_current_el_irq`):")
        out.append("")
        if site is None:
            out += ["No `blr` and no `bl` to an `irq_handler` found in it.", ""]
        else:
            out += _code_block(site.context) + [""]
    for system, sites in data.irq_fetch_calls.items():
        if not sites:
            out += [f"**{system}, an IRQ that made the guest exit:** no `bl` to `H::irq_fetch` "
                    "found (inlined?).", ""]
            continue
        for site in sites:
            out.append(f"**{system}, an IRQ that made the guest exit** (in `{site.function}`):")
            out += [""] + _code_block(site.context) + [""]
    if data.blr_target:
        out += [f"In the traced round trip, el2lab's `blr` lands in `{data.blr_target}`.", ""]

    out += ["## Static dispatch: the claim and the numbers", ""] + conclusion(data) + [""]
    for note in data.notes:
        out += [note, ""]
    return "\n".join(out)
