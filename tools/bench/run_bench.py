#!/usr/bin/env python3
"""`make bench`: instructions per exit round trip of el2lab, el2lab-static and bare QEMU.

Boots the bench guest (guests/bench) once per system under `-icount shift=0,sleep=off` with
QEMU's instruction log on, cuts each CPU's instruction stream into round trips (kinds.py says
what one is), and writes build/bench/results.csv, roundtrips.svg and report.md (with where the
instructions of one round trip go, function by function, and the IRQ call sites). Counts are
exact and repeat run to run. Exit status 0 when every run passed and every kind was measured;
goals that are not met are printed, not an error.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import breakdown
import disasm
import qemu_trace
import report_md
import results
import roundtrips
import svg_plot
import symbols
import table
import workers
from kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
TOP_FUNCTIONS = 12
ANNOUNCE = re.compile(r"^bench: (\d+) warm-up and (\d+) measured round trips of each kind")


class BenchError(RuntimeError):
    """A run that cannot give numbers: said in one line, no traceback."""


class Progress:
    """One updating line on a terminal; a line per finished system when piped."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def update(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()

    def done(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", type=Path, default=ROOT / "build", help="CMake build directory")
    p.add_argument("--out-dir", type=Path, help="where the results go (default BUILD/bench)")
    p.add_argument("--quick", action="store_true",
                   help="the bench_quick guest: a few round trips of each kind (for tests)")
    p.add_argument("--systems", default=None,
                   help="comma-separated: el2lab, el2lab-static, none (bare QEMU), lab-NN (a "
                        "lab's image, lab-NN-solution its reference solution); default: the "
                        "first three, or with --lab el2lab, el2lab-static and the lab's image")
    p.add_argument("--lab", metavar="NN", help="bench lab NN's image too (make bench LAB=NN)")
    p.add_argument("--solution", action="store_true",
                   help="with --lab: the lab's reference solution (SOLUTION=1)")
    p.add_argument("--append", default="",
                   help="hypervisor bootargs for every run, e.g. el2lab.log_exits=0 (the quick "
                        "guest's few warm-up exits are otherwise still logged)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per traced boot")
    args = p.parse_args(argv)
    if args.lab is not None and not re_lab_number(args.lab):
        p.error(f"--lab {args.lab!r}: name the lab by its number, e.g. --lab 03")
    lab_system = (f"lab-{args.lab.zfill(2)}{'-solution' if args.solution else ''}"
                  if args.lab is not None else None)
    default = list(results.SYSTEMS) if lab_system is None else ["el2lab", "el2lab-static", lab_system]
    args.systems = [s for s in args.systems.split(",") if s] if args.systems else default
    bad = [s for s in args.systems if not results.valid_system(s)]
    if bad or not args.systems:
        p.error(f"unknown system {', '.join(bad) or '(none)'}; choose from "
                f"{', '.join(results.SYSTEMS)} or lab-NN")
    args.out_dir = args.out_dir or args.build_dir / "bench"
    return args


def re_lab_number(text: str) -> bool:
    return re.fullmatch(r"\d\d?", text) is not None


def hypervisor_elf(build_dir: Path, system: str) -> Path:
    lab = results.LAB_SYSTEM.match(system)
    if lab:
        folders = sorted((ROOT / "labs").glob(f"{lab.group(1)}-*/lab.json"))
        if not folders:
            raise BenchError(f"{system}: there is no lab {lab.group(1)} in labs/")
        return build_dir / "aarch64" / "labs" / folders[0].parent.name / f"{system}.elf"
    return build_dir / "aarch64" / "core" / "el2" / f"{system}.elf"


def check_inputs(args: argparse.Namespace, guest: Path) -> None:
    needed = [guest, guest.with_suffix(".bin")]
    for system in args.systems:
        if system != "none":
            needed += [hypervisor_elf(args.build_dir, system),
                       hypervisor_elf(args.build_dir, system).with_suffix(".bin")]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        labs = [s for s in args.systems if results.LAB_SYSTEM.match(s)]
        how = f"make bench LAB=NN builds {labs[0]}" if labs else "make"
        raise BenchError(f"missing {', '.join(missing)}: build first ({how})")


def check_run(m: workers.Measured) -> tuple[int, int]:
    """Checks one system's run; returns (warm-up, measured) as the guest announced them."""
    name = results.SYSTEM_TITLES[m.system]
    if m.error:
        raise BenchError(f"{name}: {m.error}")
    tail = "\n  ".join(m.console[-8:]) or "(no output)"
    if m.outcome != "ok" or m.verdict != "PASS":
        raise BenchError(f"{name}: the bench guest did not pass (run {m.outcome}, "
                         f"verdict {m.verdict}); its last lines:\n  {tail}")
    announced = [a for a in (ANNOUNCE.match(line) for line in m.console) if a]
    if not announced:
        raise BenchError(f"{name}: the guest never said how many round trips it makes")
    warmup, measured = int(announced[0].group(1)), int(announced[0].group(2))
    assert m.found is not None
    for kind in KINDS:
        got = len(m.found[kind.key].counts)
        if got != measured:
            raise BenchError(f"{name}: {got} measured round trips of '{kind.title}' in the "
                             f"trace, but the guest made {measured}")
    return warmup, measured


def measure(args: argparse.Namespace, guest: Path, layout: roundtrips.GuestLayout,
            progress: Progress) -> tuple[dict[str, dict[str, roundtrips.KindResult]], int, int]:
    """Every system's traced boot: (results by system and kind, warm-up, measured)."""
    started = time.monotonic()

    def show(state: dict[str, tuple[int, int]]) -> None:
        progress.update("  ".join(f"{results.SYSTEM_TITLES[s]}: {seen / 1e6:.1f}M instructions, "
                                  f"{trips} round trips" for s, (seen, trips) in state.items()))

    def done(m: workers.Measured) -> None:
        trips = sum(len(r.counts) for r in m.found.values()) if m.found else 0
        progress.done(f"{results.SYSTEM_TITLES[m.system]}: {m.instructions / 1e6:.1f}M "
                      f"instructions traced, {trips} round trips measured, run {m.outcome} "
                      f"({time.monotonic() - started:.0f} s)")

    images = {s: hypervisor_elf(args.build_dir, s).with_suffix(".bin")
              for s in args.systems if results.LAB_SYSTEM.match(s)}
    runs = workers.measure_all(args.build_dir, args.systems, guest, layout, args.timeout, show,
                               done, args.append, images)
    announced = {s: check_run(m) for s, m in runs.items()}
    if len(set(announced.values())) != 1:
        raise BenchError(f"the runs made different numbers of round trips: {announced}")
    warmup, measured = next(iter(announced.values()))
    return {s: m.found for s, m in runs.items()}, warmup, measured


def qemu_version() -> str:
    try:
        out = subprocess.run([qemu_trace.el2lab_run.QEMU, "--version"], capture_output=True,
                             text=True).stdout
    except OSError:
        return "QEMU (version unknown)"
    first = out.splitlines()[0] if out else "QEMU"
    m = re.search(r"version (\S+)", first)
    return f"QEMU {m.group(1)}" if m else first


def source_commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                          capture_output=True, text=True)
    return f"`{done.stdout.strip()}`" if done.returncode == 0 and done.stdout.strip() else "unknown"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    progress = Progress(sys.stdout)
    guest_name = "bench_quick" if args.quick else "bench"
    guest = args.build_dir / "aarch64" / "guests" / "bench" / f"{guest_name}.elf"
    try:
        check_inputs(args, guest)
        layout = roundtrips.GuestLayout.from_addresses(
            symbols.addresses(guest, roundtrips.labels_needed()))
        per_system, warmup, measured = measure(args, guest, layout, progress)
        rows = [results.Row(system, kind.key, len(r.counts), r.median(), min(r.counts),
                            max(r.counts))
                for system, found in per_system.items()
                for kind in KINDS for r in [found[kind.key]]]

        # Where the instructions go, and the call sites, for the hypervisor builds.
        breakdowns: dict[str, dict[str, list[breakdown.Share]]] = {}
        totals: dict[str, dict[str, int]] = {}
        current_el: dict[str, disasm.CallSite | None] = {}
        fetch_calls: dict[str, list[disasm.CallSite]] = {}
        blr_target = None
        for system, found in per_system.items():
            if system == "none":
                continue
            elf = hypervisor_elf(args.build_dir, system)
            functions = symbols.FunctionTable(elf)
            breakdowns[system], totals[system] = {}, {}
            for kind in KINDS:
                pcs = found[kind.key].representative()
                if not pcs:
                    continue
                shares = breakdown.per_function(pcs, functions, layout.start, layout.end,
                                                kind.label)
                breakdowns[system][kind.key] = breakdown.top(shares, TOP_FUNCTIONS)
                totals[system][kind.key] = len(pcs)
            current_el[system] = disasm.current_el_call(elf)
            fetch_calls[system] = disasm.irq_fetch_calls(elf)
            site = current_el[system]
            if system == "el2lab" and site is not None and site.instruction.startswith("blr"):
                blr_target = breakdown.call_target(found["irq_wfi"].representative(),
                                                   site.address, functions)
    except (BenchError, symbols.SymbolError, disasm.DisassemblyError) as e:
        progress.done(f"bench: {e}")
        return 1
    except KeyboardInterrupt:
        progress.done("bench: interrupted")
        return 130

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    results.write_csv(out / "results.csv", rows)
    svg_plot.write(out / "roundtrips.svg", rows, args.systems,
                   "el2lab: instructions per exit round trip (QEMU -icount, exact)")
    checks = results.goal_checks(rows)
    data = report_md.ReportInput(
        rows=rows, systems=args.systems, checks=checks, breakdowns=breakdowns, totals=totals,
        current_el_calls=current_el, irq_fetch_calls=fetch_calls, blr_target=blr_target,
        measured=measured, warmup=warmup, quick=args.quick, qemu_version=qemu_version(),
        commit=source_commit())
    (out / "report.md").write_text(report_md.render(data))

    print()
    for line in table.table_lines(rows, args.systems):
        print(line)
    if checks:
        print()
        print("goal check (median, issue 11's targets; a target not met is reported, not an error):")
        for line in table.goal_lines(checks):
            print(line)
    met = sum(c.met for c in checks)
    print()
    print(f"bench: {len(KINDS)} kinds x {len(args.systems)} systems, {measured} round trips "
          f"each, goals met {met} of {len(checks)}, {time.monotonic() - started:.0f} s; "
          f"results in {out}/ (results.csv, roundtrips.svg, report.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
