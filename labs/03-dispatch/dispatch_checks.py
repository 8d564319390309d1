"""Lab 03's checks of the built image and of a bench run: what the grader reads instead of the
student's code (objdump of the ELF; tools/bench/run_bench.py's results.csv)."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gradelib import Fail
from gradelib.failures import GraderError
from gradelib.lab import ROOT

OBJDUMP = "aarch64-linux-gnu-objdump"
FUNCTION = re.compile(r"^[0-9a-f]+ <(.+)>:$")
BRANCH = re.compile(r"^\s*([0-9a-f]+):\s+(bl|b|blr|br)\s+(\S+)(?:\s+<(.+)>)?")
# Core code that calls the HAL without being a template over it.
ENTRY_POINTS = ("el2lab_main", "el2lab_secondary_main", "el2lab_current_el_irq")
# What the reference HAL's members are made of: the board's HAL classes and the driver
# functions behind them. (The boot also calls board set-up code, pvpanic and the distributor,
# which is not behind the HAL.)
PLATFORM = ("el2lab::board::QemuVirtHal::", "el2lab::board::QemuVirtPlatform::",
            "el2lab::board::alloc_frame(", "el2lab::board::dealloc_frame(") + tuple(
    f"el2lab::gic::{f}(" for f in ("acknowledge", "priority_drop", "deactivate", "send_kick",
                                   "wait_for_kick", "init_cpu", "list_register_count",
                                   "read_list_register", "write_list_register",
                                   "empty_list_registers"))
RUN = re.compile(r"^el2lab::Aarch64VCpu<(.+)>::run\(\)$")
# objdump -l: the function (inlined or not) the instructions that follow come from.
SOURCE_FUNCTION = re.compile(r"^([A-Za-z_].*\)(?: const)?):$")


def functions(elf: Path) -> dict[str, list[tuple[int, str, str, str, str]]]:
    """{function: [(address, mnemonic, operand, target symbol, source function)]} for every
    branch in the ELF; the source function is where objdump's line information (-l) places
    the branch: the function it was inlined from, if it was."""
    if shutil.which(OBJDUMP) is None:
        raise GraderError(f"{OBJDUMP} is not installed (run tools/setup.sh)")
    done = subprocess.run([OBJDUMP, "-d", "-l", "-C", "--no-show-raw-insn", str(elf)],
                          capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        raise GraderError(f"{OBJDUMP} failed on {elf}: {done.stderr.strip()[:200]}")
    out: dict[str, list] = {}
    current, source = None, ""
    for line in done.stdout.splitlines():
        head = FUNCTION.match(line)
        if head:
            current, source = head.group(1), ""
            out[current] = []
            continue
        context = SOURCE_FUNCTION.match(line)
        if context:
            source = context.group(1)
            continue
        branch = BRANCH.match(line)
        if branch and current is not None:
            out[current].append((int(branch.group(1), 16), branch.group(2), branch.group(3),
                                 branch.group(4) or "", source))
    return out


def hal_of(funcs: dict) -> str:
    """The HAL the image's vCPU is instantiated with, from Aarch64VCpu<H>::run()'s name."""
    for name in funcs:
        m = RUN.match(name)
        if m:
            return m.group(1)
    raise Fail("the image has no Aarch64VCpu<H>::run(): is it el2lab's hypervisor?")


def direct_platform_calls(funcs: dict, hal: str) -> list[str]:
    """Direct branches from the core (its templates over `hal`, its entry points) or from the
    HAL itself to what the reference HAL's members are made of (PLATFORM): static dispatch."""
    found = []
    for name, branches in funcs.items():
        core = f"<{hal}>" in name or name.startswith(hal + "::") or name in ENTRY_POINTS
        if not core:
            continue
        for address, mnemonic, _, target, _ in branches:
            if mnemonic in ("bl", "b") and target.startswith(PLATFORM):
                found.append(f"{mnemonic} {target.split('(')[0]} at {address:#x} in "
                             f"{short(name)}")
    return found


def fetch_call_site(funcs: dict, hal: str) -> str:
    """The instruction run() reaches irq_fetch with: 'bl' (direct) or 'blr' (indirect): a `bl`
    to a function named ...::irq_fetch, or a `blr` that line information places in one (the
    HAL's irq_fetch() inlined into run(), calling through its table). Without line information,
    the first indirect call after the guest returns (the first el2lab_enter_guest call)."""
    body = funcs.get(f"el2lab::Aarch64VCpu<{hal}>::run()", [])
    for _, mnemonic, _, target, source in body:
        if mnemonic == "bl" and "::irq_fetch" in (target or ""):
            return "bl"
        if mnemonic == "blr" and source.endswith("::irq_fetch()"):
            return "blr"
    after_entry = False
    for _, mnemonic, _, target, _ in body:
        if mnemonic == "bl" and target == "el2lab_enter_guest":
            after_entry = True
            continue
        if after_entry and mnemonic == "bl" and "::irq_fetch" in (target or ""):
            return "bl"
        if after_entry and mnemonic == "blr":
            return "blr"
    raise Fail("cannot find the irq_fetch call site in Aarch64VCpu<H>::run() (a call after "
               "el2lab_enter_guest, direct to irq_fetch or indirect)")


def short(name: str) -> str:
    return re.sub(r"\(.*\)$", "()", name)[:90]


def bench(t, lab, systems: list[str]) -> dict[tuple[str, str], float]:
    """A quick bench run of `systems` (medians by (system, kind)): the bench_quick guest with
    the exit log off, which gives make bench's medians exactly (runs repeat under -icount)."""
    with tempfile.TemporaryDirectory(prefix="el2lab-grade-bench-") as tmp:
        cmd = [sys.executable, str(ROOT / "tools" / "bench" / "run_bench.py"), "--quick",
               "--build-dir", str(lab.build_dir), "--out-dir", tmp, "--systems", ",".join(systems),
               "--append", "el2lab.log_exits=0", "--timeout", f"{t.remaining():.0f}"]
        try:
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  errors="replace", timeout=t.remaining())
        except subprocess.TimeoutExpired:
            raise Fail("the grader's bench run timed out (a slow machine? "
                       "EL2LAB_GRADE_TIMEOUT_SCALE=2)") from None
        t.note(done.stdout)
        results = Path(tmp) / "results.csv"
        if done.returncode != 0 or not results.is_file():
            last = done.stdout.strip().splitlines()[-1:] or ["(no output)"]
            raise Fail(f"the grader's bench run failed: {last[0]}")
        with results.open(newline="") as f:
            return {(r["system"], r["kind"]): float(r["median"]) for r in csv.DictReader(f)}
