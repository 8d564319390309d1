#!/usr/bin/env python3
"""Merge the host and target compile_commands.json into one for clangd.

usage: merge_compile_commands.py HOST.json TARGET.json OUT.json
The merged file is written to OUT.json and copied to the source root's
build/ link target by the Makefile (clangd finds build/compile_commands.json).
"""
import json
import sys


def main() -> int:
    *inputs, out = sys.argv[1:]
    merged = []
    for path in inputs:
        try:
            with open(path, encoding="utf-8") as f:
                merged.extend(json.load(f))
        except FileNotFoundError:
            pass
    with open(out, "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
