#!/usr/bin/env python3
"""The labs' front end behind `make lab|grade|debug|gdb LAB=NN`, `make handout`, `make autograder`.

  lab.py build NN      build lab NN's hypervisor only (make bench LAB=NN)
  lab.py run NN        build lab NN's hypervisor and boot it with the lab's guests
  lab.py debug NN      the same, QEMU waiting for GDB (make debug LAB=NN)
  lab.py gdb NN        gdb-multiarch with the lab's image, the el2lab scripts and the lab's script
  lab.py grade [NN]    run lab NN's grader, or every lab's and print one total
  lab.py handout DIR   the student tree: no solutions, no hidden tests
  lab.py autograder DIR [NN]   a Gradescope autograder zip per lab

--solution works on the reference solution instead of the starter (SOLUTION=1).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "labs"
SCORE_RE = re.compile(r"^Score: ([\d.]+)/([\d.]+)$")


def say(text: str) -> None:
    print(text, flush=True)


def all_labs(labs_dir: Path = LABS) -> list[Path]:
    return sorted(p.parent for p in labs_dir.glob("[0-9][0-9]-*/lab.json"))


def lab_dir(number: str) -> Path:
    if not re.fullmatch(r"\d\d?", number or ""):
        raise SystemExit(f"el2lab-lab: LAB must be a lab number such as 01 (labs: "
                         f"{', '.join(p.name for p in all_labs())})")
    number = number.zfill(2)
    matches = [p for p in all_labs() if p.name.startswith(f"{number}-")]
    if not matches:
        raise SystemExit(f"el2lab-lab: there is no lab {number} (labs: "
                         f"{', '.join(p.name for p in all_labs())})")
    return matches[0]


def config(lab: Path) -> dict:
    return json.loads((lab / "lab.json").read_text())


def target(lab: Path, solution: bool) -> str:
    return f"lab-{config(lab)['number']}" + ("-solution" if solution else "")


def image(build: Path, lab: Path, solution: bool, suffix: str) -> Path:
    return build / "aarch64" / "labs" / lab.name / f"{target(lab, solution)}{suffix}"


def build_image(build: Path, lab: Path, solution: bool) -> None:
    if not (build / "aarch64" / "CMakeCache.txt").exists():
        raise SystemExit(f"el2lab-lab: no build in {build}: run `make` first")
    name = target(lab, solution)
    say(f"=== building {name} ({lab.name}{', reference solution' if solution else ''}) ===")
    done = subprocess.run(["cmake", "--build", str(build / "aarch64"), "--target", name])
    if done.returncode != 0:
        raise SystemExit(f"el2lab-lab: {name} did not build: fix the error above "
                         f"(`make grade LAB={config(lab)['number']}` explains a HAL concept error)")


def guests(build: Path, lab: Path) -> list[str]:
    return [str(build / "aarch64" / "guests" / g / f"{g}.elf") for g in config(lab)["guests"]]


def run_args(args, lab: Path) -> list[str]:
    return [sys.executable, str(ROOT / "tools" / "el2lab_run.py"), "--build-dir", str(args.build_dir),
            "--hypervisor-image", str(image(args.build_dir, lab, args.solution, ".bin")),
            "--gic", args.gic, "--smp", args.smp]


def cmd_build(args) -> int:
    """Only the image (make bench LAB=NN benches it next)."""
    build_image(args.build_dir, lab_dir(args.lab), args.solution)
    return 0


def cmd_run(args) -> int:
    lab = lab_dir(args.lab)
    build_image(args.build_dir, lab, args.solution)
    return subprocess.run(run_args(args, lab) + guests(args.build_dir, lab)).returncode


def cmd_debug(args) -> int:
    lab = lab_dir(args.lab)
    build_image(args.build_dir, lab, args.solution)
    socket = args.build_dir / "gdb.sock"
    return subprocess.run(run_args(args, lab) + ["--gdb-socket", str(socket),
                                                 guests(args.build_dir, lab)[0]]).returncode


def cmd_gdb(args) -> int:
    lab = lab_dir(args.lab)
    elf = image(args.build_dir, lab, args.solution, ".elf")
    if not elf.exists():
        raise SystemExit(f"el2lab-lab: no {elf}: start `make debug LAB={args.lab}` first")
    env = dict(os.environ, EL2LAB_BUILD=str(args.build_dir), EL2LAB_HYPERVISOR_ELF=str(elf))
    cmd = ["gdb-multiarch", "-q", "-x", str(ROOT / "gdb" / "el2lab_gdb.py")]
    script = lab / config(lab).get("gdb_script", "lab.gdb")
    if script.exists():
        cmd += ["-x", str(script)]
    os.execvpe(cmd[0], cmd, env)
    return 0


def cmd_grade(args) -> int:
    labs = [lab_dir(args.lab)] if args.lab else all_labs()
    extra = ["--build-dir", str(args.build_dir)] + (["--solution"] if args.solution else [])
    earned = possible = 0.0
    failed = False
    for lab in labs:
        proc = subprocess.Popen([sys.executable, str(lab / "grade.py")] + extra,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                errors="replace")
        assert proc.stdout is not None
        lab_score = None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            m = SCORE_RE.match(line.strip())
            if m:
                lab_score = (float(m.group(1)), float(m.group(2)))
        failed |= proc.wait() != 0
        if lab_score is None:
            say(f"el2lab-lab: {lab.name}'s grader printed no score")
            failed = True
        else:
            earned += lab_score[0]
            possible += lab_score[1]
    if len(labs) > 1:
        say(f"Total: {earned:g}/{possible:g} over {len(labs)} labs")
    return 1 if failed else 0


# ---- the student handout and the autograder -------------------------------------------------
def tracked_files(root: Path) -> list[Path]:
    """The tree's files as git knows them (untracked build output stays out), or every file
    outside build/ when the tree is not a git checkout (a handout made from a handout)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        return [Path(p) for p in out.decode().split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {"build", ".git"}
        return [p.relative_to(root) for p in root.rglob("*")
                if p.is_file() and not (set(p.relative_to(root).parts[:1]) & skip)]


def withheld(path: Path, keep_hidden: bool) -> bool:
    """What a student never gets: solutions, the tests that grade solutions, hidden tests
    (kept for the autograder only), run logs."""
    parts = path.parts
    if parts[:1] != ("labs",):
        return parts[:1] in (("build",), (".git",))
    return ("solution" in parts or "out" in parts or parts[:2] == ("labs", "tests")
            or (not keep_hidden and "hidden" in parts))


def copy_tree(dest: Path, keep_hidden: bool) -> int:
    if dest.exists():
        shutil.rmtree(dest)
    count = 0
    for rel in tracked_files(ROOT):
        if withheld(rel, keep_hidden):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
        count += 1
    return count


def cmd_handout(args) -> int:
    dest = args.dir.resolve()
    count = copy_tree(dest, keep_hidden=False)
    say(f"handout: {count} files in {dest} (no solutions, no hidden tests)")
    return 0


def cmd_autograder(args) -> int:
    dest = args.dir.resolve()
    labs = [lab_dir(args.lab)] if args.lab else all_labs()
    dest.mkdir(parents=True, exist_ok=True)
    for lab in labs:
        number = config(lab)["number"]
        # Gradescope unpacks the zip into /autograder/source and runs setup.sh from there:
        # the tree sits at the zip's root, with setup.sh and run_autograder beside it.
        stage = dest / f"autograder-{number}"
        copy_tree(stage, keep_hidden=True)
        template = ROOT / "labs" / "autograder"
        for name in ("setup.sh", "run_autograder"):
            text = (template / name).read_text().replace("@LAB@", number)
            (stage / name).write_text(text)
            (stage / name).chmod(0o755)
        archive = shutil.make_archive(str(dest / f"autograder-{number}"), "zip", stage)
        shutil.rmtree(stage)
        say(f"autograder for lab {number}: {archive} (upload it to Gradescope)")
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", type=Path, default=ROOT / "build")
    p.add_argument("--solution", action="store_true", help="the reference solution (SOLUTION=1)")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("run", "debug", "gdb"):
        s = sub.add_parser(name)
        s.add_argument("lab")
        s.add_argument("--gic", default="3", choices=["2", "3"])
        s.add_argument("--smp", default="2")
    s = sub.add_parser("build")
    s.add_argument("lab")
    s = sub.add_parser("grade")
    s.add_argument("lab", nargs="?", default="")
    s = sub.add_parser("handout")
    s.add_argument("dir", type=Path)
    s = sub.add_parser("autograder")
    s.add_argument("dir", type=Path)
    s.add_argument("lab", nargs="?", default="")
    args = p.parse_args(argv)
    args.build_dir = args.build_dir.resolve()
    handler = {"build": cmd_build, "run": cmd_run, "debug": cmd_debug, "gdb": cmd_gdb, "grade": cmd_grade,
               "handout": cmd_handout, "autograder": cmd_autograder}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
