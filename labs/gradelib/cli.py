"""The command line every lab's grade.py shares."""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from . import registry, results as results_mod
from .lab import Lab
from .runner import Printer, grader_bug, run_tests


def _parser(lab: Lab) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"grade.py ({lab.name})",
                                description=f"Grades lab {lab.number} ({lab.name}).")
    p.add_argument("--solution", action="store_true", help="grade the reference solution")
    p.add_argument("--build-dir", type=Path, default=lab.root / "build",
                   help="the CMake build directory (default: build)")
    p.add_argument("--json", nargs=2, metavar=("FORMAT", "FILE"),
                   help=f"also write results for a course platform: FORMAT is one of "
                        f"{', '.join(results_mod.FORMATS)}")
    p.add_argument("--only", action="append", default=[], metavar="TEST",
                   help="run only this test (repeatable)")
    p.add_argument("--list", action="store_true", help="list the tests and their points")
    return p


def load_hidden(lab: Lab) -> None:
    """Registers the lab's hidden tests (labs/NN-name/hidden/*.py) when they are there: the
    handout leaves that folder out."""
    hidden = lab.dir / "hidden"
    if not hidden.is_dir():
        return
    for path in sorted(hidden.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"hidden_{lab.number}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def main(lab: Lab, argv: list[str] | None = None) -> None:
    try:
        sys.exit(_main(lab, sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("grading interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001
        print(grader_bug(e))
        sys.exit(2)


def _main(lab: Lab, argv: list[str]) -> int:
    args = _parser(lab).parse_args(argv)
    if args.json and args.json[0] not in results_mod.FORMATS:
        print(f"--json: unknown format {args.json[0]!r} (use {' or '.join(results_mod.FORMATS)})")
        return 2
    lab.solution = args.solution
    lab.build_dir = args.build_dir.resolve()
    load_hidden(lab)
    tests = list(registry.TESTS)
    if args.only:
        unknown = [n for n in args.only if n not in {t.name for t in tests}]
        if unknown:
            print(f"no such test: {', '.join(unknown)} (--list shows them)")
            return 2
        tests = [t for t in tests if t.name in args.only]
    if args.list:
        for t in tests:
            print(f"{t.name:32} {t.points:g} points{' (hidden)' if t.hidden else ''}")
        return 0
    printer = Printer()
    what = "the reference solution" if lab.solution else "your work"
    print(f"== lab {lab.number} ({lab.name}): grading {what} ==", flush=True)
    results = run_tests(lab, tests, printer)
    earned = sum(r.points for r in results)
    possible = sum(r.max_points for r in results)
    printer.score("", earned, possible)
    if args.json:
        results_mod.write(args.json[0], results, Path(args.json[1]))
    return 0 if earned >= possible else 1
