#!/usr/bin/env python3
"""`make handout` and `make autograder`, end to end, in a temp dir.

The handout holds no solution and no hidden test, builds (its target world: the lab images
and the guests they boot) and its graders grade its starters. The Gradescope zip, unpacked
into a directory laid out like /autograder, grades a submission (the reference solution's
files) with run_autograder and writes a results.json with every point."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
problems: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok      " if ok else "FAILED  ") + what, flush=True)
    if not ok:
        problems.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def build_target_world(tree: Path, labs: list[str]) -> bool:
    """Configures and builds `tree`'s AArch64 world only (what the graders need)."""
    target = tree / "build" / "aarch64"
    configs = [json.loads(p.read_text()) for p in sorted((tree / "labs").glob("*/lab.json"))]
    guests = sorted({g for c in configs for g in c["guests"]})
    steps = [["cmake", "-S", str(tree), "-B", str(target), "--log-level=WARNING",
              f"-DCMAKE_TOOLCHAIN_FILE={tree}/cmake/aarch64-elf.cmake", "-DCMAKE_BUILD_TYPE=Release"],
             ["cmake", "--build", str(target), "-j2", "--target", *labs, *guests]]
    for step in steps:
        done = run(step, timeout=800)
        if done.returncode != 0:
            print(done.stdout[-3000:])
            return False
    return True


def lab_dirs(tree: Path) -> list[Path]:
    return sorted(p.parent for p in (tree / "labs").glob("[0-9][0-9]-*/lab.json"))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", required=True)
    p.parse_args()
    env = dict(os.environ, NO_COLOR="1", EL2LAB_GRADE_TIMEOUT_SCALE="0.25")
    env.pop("EL2LAB_GRADE_OUT_DIR", None)
    with tempfile.TemporaryDirectory(prefix="el2lab-handout-") as tmp:
        tmp = Path(tmp)
        tool = [sys.executable, str(ROOT / "tools" / "el2lab_lab.py")]

        # ---- the handout ----------------------------------------------------------------
        handout = tmp / "handout"
        done = run(tool + ["handout", str(handout)])
        check(done.returncode == 0, f"make handout ran ({done.stdout.strip()})")
        files = [q.relative_to(handout) for q in handout.rglob("*") if q.is_file()]
        check(not [f for f in files if "solution" in f.parts], "no solution/ folder in the handout")
        check(not [f for f in files if "hidden" in f.parts], "no hidden test in the handout")
        check(not [f for f in files if f.parts[:2] == ("labs", "tests")], "no solution tests either")
        for lab in lab_dirs(handout):
            config = json.loads((lab / "lab.json").read_text())
            for name in config["student_files"] + ["README.md", "grade.py"]:
                check((lab / name).exists(), f"{lab.name}/{name} is handed out")
        labs = [f"lab-{json.loads((d / 'lab.json').read_text())['number']}" for d in lab_dirs(handout)]
        check(build_target_world(handout, labs), "the handout builds every lab image and guest")
        for lab in lab_dirs(handout):
            out = tmp / "out"
            graded = run([sys.executable, str(lab / "grade.py"), "--build-dir",
                          str(handout / "build")], env=dict(env, EL2LAB_GRADE_OUT_DIR=str(out)),
                         timeout=400)
            print(graded.stdout)
            check("Score: " in graded.stdout and graded.returncode == 1,
                  f"the handout grades {lab.name}'s starter (points lost, exit status 1)")
            check("Traceback" not in graded.stdout and "[hidden]" not in graded.stdout,
                  f"{lab.name}: no traceback and no hidden test in the handout's grading")

        # ---- the Gradescope autograder ---------------------------------------------------
        zips = tmp / "zips"
        done = run(tool + ["autograder", str(zips), "01"])
        check(done.returncode == 0, "make autograder LAB=01 ran")
        archive = zips / "autograder-01.zip"
        root = tmp / "autograder"
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            check("setup.sh" in names and "run_autograder" in names, "the zip has setup.sh and run_autograder")
            check(any("/hidden/" in n for n in names), "the zip keeps the hidden tests")
            check(not any("/solution/" in n for n in names), "the zip has no solution")
            # The zip must be the handout plus the hidden tests and the two scripts. Then the
            # handout's build serves it too: what it adds goes into the handout, which becomes
            # /autograder/source (one build of the tree, not two).
            extra = []
            for name in names:
                if name.endswith("/"):
                    continue
                mine = handout / name
                if mine.exists() and mine.read_bytes() == z.read(name):
                    continue
                extra.append(name)
                mine.parent.mkdir(parents=True, exist_ok=True)
                mine.write_bytes(z.read(name))
            unexpected = [n for n in extra if "/hidden/" not in n and n not in ("setup.sh", "run_autograder")]
            check(not unexpected, f"the zip is the handout plus hidden tests and scripts (also: {unexpected[:3]})")
        root.mkdir()
        (root / "source").symlink_to(handout)
        for name in ("setup.sh", "run_autograder"):
            (root / "source" / name).chmod(0o755)
        setup = (root / "source" / "setup.sh").read_text()
        check("tools/setup.sh" in setup, "setup.sh installs through tools/setup.sh")
        submission = root / "submission"
        submission.mkdir()
        (submission / "hal.h").write_text((ROOT / "labs/01-first-hal/solution/hal.h").read_text())
        done = run([str(root / "source" / "run_autograder")],
                   env=dict(env, AUTOGRADER_ROOT=str(root), EL2LAB_GRADE_TIMEOUT_SCALE="1"),
                   timeout=400)
        print(done.stdout)
        results = root / "results" / "results.json"
        check(results.exists(), "run_autograder wrote results/results.json")
        if results.exists():
            doc = json.loads(results.read_text())
            check(doc.get("score") == 100, f"the solution submitted scores 100 (got {doc.get('score')})")
            check(any(t["visibility"] == "after_due_date" for t in doc["tests"]),
                  "the hidden test is graded, shown after the due date")
        # A submission without the lab's file gets a results.json that says so.
        (submission / "hal.h").unlink()
        results.unlink(missing_ok=True)
        done = run([str(root / "source" / "run_autograder")], env=dict(env, AUTOGRADER_ROOT=str(root)),
                   timeout=100)
        doc = json.loads(results.read_text()) if results.exists() else {}
        check(doc.get("score") == 0 and "hal.h" in doc.get("output", ""),
              "an empty submission gets score 0 and a message naming hal.h")
    print(f"{'all checks passed' if not problems else f'{len(problems)} checks failed'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
