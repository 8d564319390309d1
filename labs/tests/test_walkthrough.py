#!/usr/bin/env python3
"""A lab guide's GDB walkthrough, run for real: the commands of the guide's transcript block
(`(gdb) ` lines) go to a live session on the lab's reference solution (with the lab's GDB
script, as `make gdb LAB=NN`), and every other line of the block must appear in GDB's output,
in order. In the guide, ADDR stands for an address, N for a line number or offset, and `...`
for anything (a path prefix, the rest of a long line)."""
import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "labs"))

from gradelib import gdbsession  # noqa: E402
from gradelib.failures import Fail  # noqa: E402

BLOCK = re.compile(r"<!-- walkthrough lab=(\d+) guest=(\w+) gic=(\d) -->\s*```text\n(.*?)```", re.S)


def normalise(line: str) -> str:
    line = line.replace(str(ROOT) + "/", ".../")
    line = re.sub(r"0x[0-9a-fA-F]{5,}", "ADDR", line)
    line = re.sub(r"(\.(?:S|cc|h)):\d+", r"\1:N", line)
    line = re.sub(r"line \d+\.", "line N.", line)
    line = re.sub(r"\+\d+>", "+N>", line)
    return line.rstrip()


def pattern(expected: str) -> re.Pattern:
    parts = [re.escape(p) for p in normalise(expected).split("...")]
    return re.compile("^" + ".*".join(parts) + "$")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lab", required=True)
    p.add_argument("--build-dir", required=True)
    args = p.parse_args()
    lab = next(ROOT.glob(f"labs/{args.lab}-*/lab.json")).parent
    match = BLOCK.search((lab / "README.md").read_text())
    if not match:
        print(f"CHECK FAILED: {lab.name}/README.md has no walkthrough block")
        return 1
    _, guest, gic, body = match.groups()
    lines = body.rstrip("\n").split("\n")
    commands = [l[len("(gdb) "):] for l in lines if l.startswith("(gdb) ")]
    expected = [l for l in lines if l.strip() and not l.startswith("(gdb) ")]
    build = Path(args.build_dir).resolve()
    image = build / "aarch64" / "labs" / lab.name / f"lab-{args.lab}-solution.elf"
    try:
        out, _ = gdbsession.session(build, image, build / "aarch64" / "guests" / guest / f"{guest}.elf",
                                    commands, 120, gic=int(gic), extra_scripts=[lab / "lab.gdb"])
    except Fail as e:
        print(f"CHECK FAILED: {e.message}")
        return 1
    actual = [normalise(l) for l in out.splitlines()]
    print("\n".join(actual))
    position = 0
    for line in expected:
        regex = pattern(line)
        while position < len(actual) and not regex.match(actual[position]):
            position += 1
        if position == len(actual):
            print(f"CHECK FAILED: the guide shows a line GDB no longer prints (in this order):\n  {line}")
            return 1
        position += 1
    if "Traceback" in out or "Python Exception" in out:
        print("CHECK FAILED: a Python traceback in the session")
        return 1
    print(f"1 passed, 0 failed ({len(commands)} commands, {len(expected)} lines of the guide found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
