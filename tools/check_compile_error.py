#!/usr/bin/env python3
"""Checks that a file fails to compile and that the error names what is missing.

usage: check_compile_error.py COMPILER INCLUDE_DIR SOURCE NEEDLE...
Used for the HAL concept: a student's HAL without irq_fetch() must produce an error that
mentions irq_fetch, not a wall of template noise without it.
"""
import subprocess
import sys


def main() -> int:
    compiler, include, source, *needles = sys.argv[1:]
    result = subprocess.run([compiler, "-std=c++20", "-fsyntax-only", f"-I{include}", source],
                            capture_output=True, text=True)
    failures = []
    if result.returncode == 0:
        failures.append(f"{source} compiled, but it must not")
    for needle in needles:
        if needle not in result.stderr:
            failures.append(f"the compiler's error does not mention {needle!r}")
    print(result.stderr)
    for f in failures:
        print(f"CHECK FAILED: {f}")
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
