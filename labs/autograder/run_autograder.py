#!/usr/bin/env python3
"""Grades one Gradescope submission: puts the student's files in place, runs the lab's grader,
leaves results.json where Gradescope reads it. Whatever goes wrong ends in a results.json that
says so (a submission without the lab's files, a grader that cannot run), never in a traceback."""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path


def fail_results(path: Path, message: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"score": 0, "output": message, "tests": []}, indent=2) + "\n")
    print(message)


def find_lab(source: Path, number: str) -> Path | None:
    for config in sorted((source / "labs").glob(f"{number}-*/lab.json")):
        return config.parent
    return None


def place_files(lab: Path, submission: Path, names: list[str]) -> list[str]:
    """Copies each student file from the submission (at labs/NN-name/FILE, or anywhere by its
    name, as Gradescope uploads keep or drop folders); returns the names not found."""
    missing = []
    for name in names:
        candidates = [submission / "labs" / lab.name / name, submission / name]
        candidates += sorted(p for p in submission.rglob(Path(name).name) if p.is_file())
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            missing.append(name)
            continue
        shutil.copyfile(found, lab / name)
    return missing


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for option in ("lab", "source", "submission", "results", "build-dir"):
        p.add_argument(f"--{option}", required=True)
    args = p.parse_args()
    source, submission, results = Path(args.source), Path(args.submission), Path(args.results)
    lab = find_lab(source, args.lab)
    if lab is None:
        fail_results(results, f"autograder: lab {args.lab} is not in {source}/labs")
        return 0
    names = json.loads((lab / "lab.json").read_text())["student_files"]
    if not submission.is_dir():
        fail_results(results, f"autograder: no submission folder at {submission}")
        return 0
    missing = place_files(lab, submission, names)
    if missing:
        fail_results(results, f"your submission has no {', '.join(missing)}: upload "
                              f"{', '.join(names)} from labs/{lab.name}/")
        return 0
    done = subprocess.run([sys.executable, str(lab / "grade.py"), "--build-dir", args.build_dir,
                           "--json", "gradescope", str(results)])
    if not results.exists():
        fail_results(results, f"autograder: the grader ended (status {done.returncode}) without "
                              "results; see the output above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
