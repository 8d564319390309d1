#!/usr/bin/env python3
"""Checks that every annotation point (core/annotation_points.txt) exists in el2lab.elf.

usage: check_annotation_points.py POINTS_FILE ELF [HAL]
HAL (default el2lab::board::QemuVirtHal) replaces `<H>` in the names.
The GDB narration finds every stage by these names; a renamed function must fail here.
"""
import subprocess
import sys


def main() -> int:
    points_file, elf = sys.argv[1:3]
    hal = sys.argv[3] if len(sys.argv) > 3 else "el2lab::board::QemuVirtHal"
    nm = subprocess.run(["aarch64-linux-gnu-nm", "-C", elf], capture_output=True, text=True, check=True)
    # "0000000070000040 T el2lab_entry" / "... T el2lab::handle_exit(unsigned long, ...)"
    symbols = {line.split(" ", 2)[2].split("(")[0] for line in nm.stdout.splitlines() if line.count(" ") >= 2}
    missing, count = [], 0
    with open(points_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            count += 1
            name = line.split()[0].replace("<H>", f"<{hal}>")
            if name.startswith("H::"):
                name = hal + name[1:]
            if name not in symbols:
                missing.append(name)
    for name in missing:
        print(f"annotation point {name!r} is not a symbol of {elf}: renamed? update {points_file} "
              "and the GDB scripts together")
    print(f"{count - len(missing)} passed, {len(missing)} failed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
