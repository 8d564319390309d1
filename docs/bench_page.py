#!/usr/bin/env python3
"""Puts `make bench`'s report into the site: build/bench/report.md and its plot, copied into
the docs build directory, or a placeholder page when there is no report yet.

Files are written only when their content changes, so an unchanged report does not make
Doxygen run again. One change is made on the way: Doxygen reads `::name` after a `}` (as in the
C++ names `{lambda#2}::_FUN` or `{anonymous}::decode_call`) as an explicit link request even in
a code span, and warns; a `%` after the `::` stops that and is not shown.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PLACEHOLDER = """# Benchmark report {#bench_report}

No benchmark has been run in this build tree yet: run `make bench`, then `make docs` again.
How the numbers are made and what they mean: \\ref benchmarks.
"""


CLOSE_THEN_SCOPE = re.compile(rb"\}::(?=[A-Za-z_~])")


def for_doxygen(markdown: bytes) -> bytes:
    """\\p markdown with `}::name` written `}::%name` (see the module comment)."""
    return CLOSE_THEN_SCOPE.sub(b"}::%", markdown)


def write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--report", type=Path, required=True, help="build/bench/report.md")
    p.add_argument("--out-dir", type=Path, required=True)
    args = p.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    page = args.out_dir / "bench_report.md"
    plot = args.report.with_name("roundtrips.svg")
    if args.report.is_file() and plot.is_file():
        write_if_changed(page, for_doxygen(args.report.read_bytes()))
        write_if_changed(args.out_dir / "roundtrips.svg", plot.read_bytes())
    else:
        write_if_changed(page, PLACEHOLDER.encode())
        (args.out_dir / "roundtrips.svg").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
