"""A lab's paths: its folder, the student's files, the run logs, the TODO markers."""
from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Lab:
    """Built from the grader's own path: labs/NN-name/grade.py."""

    def __init__(self, grader_file: str) -> None:
        self.dir = Path(grader_file).resolve().parent
        self.root = ROOT
        self.config = json.loads((self.dir / "lab.json").read_text())
        self.number = self.config["number"]
        self.name = self.dir.name
        self.solution = False                       # set by the command line (--solution)
        self.build_dir = ROOT / "build"             # set by the command line (--build-dir)
        # EL2LAB_GRADE_OUT_DIR moves the run logs (a test grading the tree side by side).
        out = os.environ.get("EL2LAB_GRADE_OUT_DIR")
        self.out_dir = Path(out) / self.name if out else self.dir / "out"

    # ---- the files the student writes -----------------------------------------------------
    def student_file(self, name: str) -> Path:
        """The student's copy of `name`, or the reference solution's when grading it."""
        return self.dir / "solution" / name if self.solution else self.dir / name

    def rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def todo(self, marker: str) -> str:
        """'labs/NN-name/hal.h:LINE TODO(NN.k)': where the marker is in the student's files,
        found by searching them (line numbers move as the student writes). In the solution,
        where no marker is left, the file alone."""
        for name in self.config.get("student_files", []):
            path = self.dir / name
            try:
                for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if marker in line:
                        return f"{self.rel(path)}:{number} {marker}"
            except OSError:
                continue
        files = ", ".join(self.rel(self.dir / n) for n in self.config.get("student_files", []))
        return f"{marker} (in {files})"

    # ---- logs ------------------------------------------------------------------------------
    def log_path(self, test_name: str) -> Path:
        return self.out_dir / f"{test_name}.log"

    def hypervisor_target(self) -> str:
        return f"lab-{self.number}" + ("-solution" if self.solution else "")

    def image(self, suffix: str = ".bin") -> Path:
        target = self.hypervisor_target()
        return self.build_dir / "aarch64" / "labs" / self.name / f"{target}{suffix}"

    def guest(self, name: str) -> Path:
        return self.build_dir / "aarch64" / "guests" / name / f"{name}.elf"


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")
