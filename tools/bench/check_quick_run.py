#!/usr/bin/env python3
"""CTest bench.quick: `make bench`'s pipeline end to end, on the quick guest.

Runs tools/bench/run_bench.py --quick twice, side by side (el2lab with bare QEMU, and el2lab
alone), and checks what must hold whatever the hypervisor's exit path costs:
  - both runs end well and write results.csv, roundtrips.svg (well-formed SVG) and report.md;
  - the two runs give el2lab the same count for every kind (-icount makes runs repeat);
  - every kind has a positive count under el2lab, never below bare QEMU's.
No timing is checked.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from kinds import KINDS  # noqa: E402
from results import lookup, read_csv  # noqa: E402


def start(build_dir: Path, out: Path, systems: str) -> subprocess.Popen:
    cmd = [sys.executable, str(HERE / "run_bench.py"), "--quick", "--build-dir", str(build_dir),
           "--out-dir", str(out), "--systems", systems, "--timeout", "110"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(run: subprocess.Popen, out: Path, systems: str) -> list[str]:
    output, _ = run.communicate()
    print(output, end="")
    problems = [] if run.returncode == 0 else [f"run_bench.py {systems} exited {run.returncode}"]
    for name in ("results.csv", "roundtrips.svg", "report.md"):
        if not (out / name).is_file():
            problems.append(f"{systems}: no {name} written")
    if (out / "roundtrips.svg").is_file():
        try:
            ET.parse(out / "roundtrips.svg")
        except ET.ParseError as e:
            problems.append(f"{systems}: roundtrips.svg is not well-formed: {e}")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", type=Path, required=True)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="el2lab-bench-test-") as tmp:
        first, second = Path(tmp) / "1", Path(tmp) / "2"
        # Both at once: independent QEMUs under -icount cannot disturb each other's counts,
        # and together they keep both cores busy.
        one = start(args.build_dir, first, "el2lab,none")
        two = start(args.build_dir, second, "el2lab")
        problems = finish(one, first, "el2lab,none") + finish(two, second, "el2lab")
        if not problems:
            a, b = read_csv(first / "results.csv"), read_csv(second / "results.csv")
            for kind in KINDS:
                x, y = lookup(a, "el2lab", kind.key), lookup(b, "el2lab", kind.key)
                bare = lookup(a, "none", kind.key)
                if x is None or y is None or bare is None:
                    problems.append(f"{kind.key}: missing from results.csv")
                    continue
                if (x.round_trips, x.min, x.max, x.median) != (y.round_trips, y.min, y.max, y.median):
                    problems.append(f"{kind.key}: el2lab counts differ between two runs: "
                                    f"{x} vs {y}")
                if x.min <= 0:
                    problems.append(f"{kind.key}: el2lab's shortest round trip is {x.min}")
                if x.min < bare.max:
                    problems.append(f"{kind.key}: el2lab ({x.min}) below bare QEMU ({bare.max})")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    print("bench.quick: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
