#!/usr/bin/env python3
"""Runs one lab's grader against its solution (must earn every point) or its starter (must
lose points, within a bound, with messages that name the TODO, and never a traceback)."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lab", required=True)
    p.add_argument("--build-dir", required=True)
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--solution", action="store_true")
    kind.add_argument("--starter", action="store_true")
    args = p.parse_args()
    lab = next(ROOT.glob(f"labs/{args.lab}-*/grade.py")).parent
    problems = []
    with tempfile.TemporaryDirectory(prefix="el2lab-check-grader-") as out:
        env = dict(os.environ, EL2LAB_GRADE_OUT_DIR=out, NO_COLOR="1")
        if args.starter:
            # The starter's runs hang until their timeout: a quarter of it is plenty here.
            env["EL2LAB_GRADE_TIMEOUT_SCALE"] = "0.25"
        cmd = [sys.executable, str(lab / "grade.py"), "--build-dir", args.build_dir]
        cmd += ["--solution"] if args.solution else []
        start = time.monotonic()
        try:
            done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=280)
        except subprocess.TimeoutExpired:
            print("CHECK FAILED: the grader did not finish in 280 s")
            return 1
        text = done.stdout
        print(text)
        seconds = time.monotonic() - start
        score = re.search(r"^Score: ([\d.]+)/([\d.]+)$", text, re.M)
        if "Traceback" in text or "grader itself failed" in text:
            problems.append("the grader printed a traceback or reported a grader bug")
        if not score:
            problems.append("no 'Score: X/Y' line")
        elif args.solution:
            if score.group(1) != score.group(2) or float(score.group(2)) != 100:
                problems.append(f"the solution scored {score.group(0)}, not 100/100")
            if done.returncode != 0:
                problems.append(f"exit status {done.returncode} for a full score")
        else:
            if float(score.group(1)) >= float(score.group(2)):
                problems.append("the starter earned every point")
            if done.returncode != 1:
                problems.append(f"exit status {done.returncode}, not 1, when points are lost")
            # Each failed test's message names a TODO of this lab, with its file and line.
            blocks = re.split(r"^(?=\S)", text, flags=re.M)
            todo = re.compile(rf"labs/{re.escape(lab.name)}/[\w.-]+:\d+ TODO\({args.lab}\.\d+\)")
            for block in blocks:
                if re.match(r"^\S+.*: FAIL", block) and not todo.search(block):
                    problems.append(f"a failed test does not point at a TODO: {block.splitlines()[0]}")
                if re.match(r"^\S+.*: FAIL", block) and "output is in" not in block:
                    problems.append(f"a failed test does not say where its log is: {block.splitlines()[0]}")
        print(f"(graded in {seconds:.0f} s)")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    print(f"{'1 passed, 0 failed' if not problems else '0 passed, 1 failed'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
