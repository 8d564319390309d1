#!/usr/bin/env python3
"""Static checks over el2lab's C++: clang-format, clang-tidy and cppcheck, each kept quiet.

  format   every tracked .cc/.h is formatted as .clang-format says (nothing is rewritten;
           `clang-format -i FILE` fixes a file)
  tidy     clang-tidy with the root .clang-tidy over every source of the freestanding build
           (hypervisor, board, runtime, portable core, guests), as the cross compiler sees it
  cppcheck cppcheck over the same compilation database (warning, performance, portability)

The freestanding build's compile_commands.json (<build>/aarch64) is the input of tidy and
cppcheck, so they check exactly the code that runs. Findings are printed as
`file:line:col: message [check]`; the exit status is 1 if there are any.

usage: lint.py --build-dir BUILD [format|tidy|cppcheck ...]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINDING = re.compile(r"^(/\S+?):(\d+):(\d+): (?:warning|error): (.*)$", re.MULTILINE)


def relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path


def sources(database: Path) -> list[str]:
    entries = json.loads(database.read_text())
    return sorted({e["file"] for e in entries if e["file"].endswith(".cc")})


def run_format() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.cc", "*.h"], cwd=ROOT, capture_output=True,
                            text=True)
    if listed.returncode == 0:
        files = listed.stdout.split()
    else:  # not a git checkout (an unpacked archive): every source outside build trees
        files = [str(f.relative_to(ROOT)) for pattern in ("*.cc", "*.h") for f in ROOT.rglob(pattern)
                 if not f.relative_to(ROOT).parts[0].startswith("build")]
    result = subprocess.run(["clang-format", "--dry-run", "--Werror", *files], cwd=ROOT,
                            capture_output=True, text=True)
    # One finding per badly formatted place: "file:line:col: error: code should be ..."
    return sorted({f"{relative(str(ROOT / m[0]))}:{m[1]}: {m[3]}"
                   for m in re.findall(r"^(\S+?):(\d+):(\d+): (?:warning|error): (.*)$",
                                       result.stderr, re.MULTILINE)})


def run_tidy(database: Path) -> list[str]:
    def one(source: str) -> str:
        r = subprocess.run(["clang-tidy", "-p", str(database.parent), "--quiet",
                            "--extra-arg=--target=aarch64-linux-gnu", source],
                           capture_output=True, text=True)
        return r.stdout + r.stderr

    jobs = max(1, min(4, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        text = "\n".join(pool.map(one, sources(database)))
    # A header's finding is reported once per file that includes it: keep one.
    return sorted({f"{relative(m[0])}:{m[1]}:{m[2]}: {m[3]}" for m in FINDING.findall(text)})


def run_cppcheck(database: Path) -> list[str]:
    r = subprocess.run(["cppcheck", f"--project={database}", "--quiet", "--std=c++20",
                        "--enable=warning,performance,portability", "--inline-suppr",
                        "--suppress=missingIncludeSystem", "--error-exitcode=0",
                        f"-j{max(1, min(4, os.cpu_count() or 1))}",
                        "--template={file}:{line}:{column}: warning: {message} [{id}]"],
                       capture_output=True, text=True)
    return sorted({f"{relative(m[0])}:{m[1]}:{m[2]}: {m[3]}"
                   for m in FINDING.findall(r.stdout + r.stderr)})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", type=Path, required=True)
    p.add_argument("tools", nargs="*", metavar="format|tidy|cppcheck",
                   help="which checks (default: all three)")
    args = p.parse_args()
    args.tools = args.tools or ["format", "tidy", "cppcheck"]
    unknown = [t for t in args.tools if t not in ("format", "tidy", "cppcheck")]
    if unknown:
        p.error(f"unknown check {unknown[0]!r}: choose format, tidy or cppcheck")
    database = args.build_dir.resolve() / "aarch64" / "compile_commands.json"
    if ("tidy" in args.tools or "cppcheck" in args.tools) and not database.exists():
        print(f"lint: no {database}: build first (make)")
        return 1
    failed = False
    for tool in args.tools:
        findings = {"format": run_format, "tidy": lambda: run_tidy(database),
                    "cppcheck": lambda: run_cppcheck(database)}[tool]()
        for f in findings:
            print(f)
        print(f"lint {tool}: {len(findings)} finding{'' if len(findings) == 1 else 's'}")
        failed |= bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
