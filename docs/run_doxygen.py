#!/usr/bin/env python3
"""Runs Doxygen for `make docs` and fails on any warning, listing all of them.

Doxygen writes its warnings to the log named by WARN_LOGFILE, not to the terminal, and with
WARN_AS_ERROR = FAIL_ON_WARNINGS it only says that it failed. This wrapper starts from an
empty HTML directory (so no page from an earlier run survives), runs Doxygen, prints every
warning with its path relative to the source tree, and writes the stamp file the build
tracks only when there was none, so a failed run is repeated by the next `make docs`.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--doxygen", required=True)
    ap.add_argument("--doxyfile", type=Path, required=True)
    ap.add_argument("--html", type=Path, required=True, help="HTML_OUTPUT, emptied first")
    ap.add_argument("--log", type=Path, required=True, help="WARN_LOGFILE")
    ap.add_argument("--stamp", type=Path, required=True)
    ap.add_argument("--repo", type=Path, required=True, help="for shorter paths in messages")
    args = ap.parse_args()

    args.stamp.unlink(missing_ok=True)
    args.log.unlink(missing_ok=True)
    shutil.rmtree(args.html, ignore_errors=True)

    start = time.monotonic()
    run = subprocess.run([args.doxygen, str(args.doxyfile)], cwd=args.doxyfile.parent,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - start
    warnings = args.log.read_text().splitlines() if args.log.exists() else []
    warnings = [w.replace(str(args.repo.resolve()) + "/", "") for w in warnings if w.strip()]

    if run.returncode != 0 or warnings or not (args.html / "index.html").exists():
        if run.stdout.strip():
            print(run.stdout.rstrip(), file=sys.stderr)
        for w in warnings:
            print(w, file=sys.stderr)
        print(f"docs: Doxygen failed (exit status {run.returncode}, {len(warnings)} warning "
              f"lines in {args.log}); every warning is an error", file=sys.stderr)
        return 1

    args.stamp.write_text(f"Doxygen ran without warnings in {elapsed:.1f} s\n")
    print(f"docs: site written to {args.html}/index.html ({elapsed:.1f} s, no warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
