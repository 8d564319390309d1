"""Building a lab's hypervisor image, and turning a failed build into one useful message."""
from __future__ import annotations

import fcntl
import json
import re
import shlex
import subprocess
from pathlib import Path

from .failures import Fail, GraderError
from .lab import Lab

# GCC quotes with ' in the C locale and with ‘ ’ in a UTF-8 one.
_REQUIRED = re.compile(r"the required expression [‘']([^’']+)[’'] is invalid")
_CONCEPT = re.compile(r"required for the satisfaction of [‘'](\w+)<")
_ERROR = re.compile(r"^(.*?):(\d+):(\d+): error: (.*)$")


def concept_error(compiler_output: str) -> str | None:
    """The compiler's concept error trimmed to what the student must know: the missing member
    (and the concept that asks for it). None when the output has no concept error."""
    members = list(dict.fromkeys(_REQUIRED.findall(compiler_output)))
    if not members:
        return None
    concepts = [c for c in dict.fromkeys(_CONCEPT.findall(compiler_output)) if c.startswith("HalHas")]
    named = ", ".join(f"'{m}'" for m in members)
    where = f" (concept {concepts[0]})" if concepts else ""
    return (f"the HAL does not satisfy VCpuHal: the required expression {named} is invalid{where}"
            " — that member is missing or has the wrong signature")


def first_error(compiler_output: str, root: Path) -> str:
    """The first 'file:line:col: error:' line, with the path made relative to the tree."""
    for line in compiler_output.splitlines():
        m = _ERROR.match(line.strip())
        if m:
            path = m.group(1)
            try:
                path = str(Path(path).resolve().relative_to(root))
            except ValueError:
                pass
            return f"{path}:{m.group(2)}: error: {m.group(4)}"
    lines = [l for l in compiler_output.splitlines() if l.strip()]
    return lines[-1] if lines else "(the build printed nothing)"


def explain_compile_failure(output: str, root: Path) -> str:
    return concept_error(output) or first_error(output, root)


class Builder:
    """Builds the lab's image once per grader run; every test that needs it asks here."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.result: tuple[bool, str] | None = None

    def target_dir(self) -> Path:
        target = self.lab.build_dir / "aarch64"
        if not (target / "CMakeCache.txt").exists():
            raise GraderError(f"no configured build in {target}: run `make` first")
        return target

    def prebuild(self, timeout: float) -> bool:
        """Builds the image before the first test, so that no test's timeout pays for it."""
        if self.result is None:
            self.result = self._build(timeout)
        return self.result[0]

    def image(self, timeout: float) -> Path:
        """The image's path; raises Fail with the trimmed compiler error if it does not build."""
        if self.result is None:
            self.result = self._build(timeout)
        ok, output = self.result
        log = self.lab.out_dir / "build.log"
        if not ok:
            self.lab.out_dir.mkdir(parents=True, exist_ok=True)
            log.write_text(output)
            raise Fail(f"the lab's hypervisor did not build: "
                       f"{explain_compile_failure(output, self.lab.root)}\n"
                       f"    (the compiler's full output: {self.lab.rel(log)})")
        return self.lab.image()

    def _build(self, timeout: float) -> tuple[bool, str]:
        target_dir = self.target_dir()
        cmd = ["cmake", "--build", str(target_dir), "--target", self.lab.hypervisor_target()]
        # Graders running side by side share one build tree: one build at a time in it.
        with open(target_dir / ".el2lab-lab-build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, errors="replace", timeout=timeout)
            except subprocess.TimeoutExpired:
                return False, f"the build timed out after {timeout:.0f} s"
        return done.returncode == 0, done.stdout

    def compile_command(self, source: Path) -> tuple[list[str], str]:
        """How the lab's image compiles `source` (from compile_commands.json), as an argv."""
        database = self.target_dir() / "compile_commands.json"
        try:
            entries = json.loads(database.read_text())
        except (OSError, ValueError) as e:
            raise GraderError(f"cannot read {database}: {e}") from None
        target = self.lab.hypervisor_target()
        for entry in entries:
            if Path(entry["file"]).resolve() == source.resolve() and f"/{target}.dir/" in entry.get(
                    "output", entry["command"]):
                return shlex.split(entry["command"]), entry["directory"]
        raise GraderError(f"{database} has no command for {source} in {target}: run `make` again")

    def try_compile(self, source: Path, defines: dict[str, str], include_dirs: list[Path],
                    timeout: float) -> tuple[bool, str]:
        """Compiles `source` as the lab's image does but with other definitions (syntax only)."""
        argv, directory = self.compile_command(source)
        out: list[str] = []
        skip = False
        for arg in argv:
            if skip:
                skip = False
                continue
            if arg in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if arg in ("-MD", "-MMD", "-c") or any(arg.startswith(f"-D{d}=") for d in defines):
                continue
            out.append(arg)
        out += [f"-D{k}={v}" for k, v in defines.items()]
        out += [f"-I{d}" for d in include_dirs] + ["-fsyntax-only"]
        try:
            done = subprocess.run(out, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, f"the compiler timed out after {timeout:.0f} s"
        return done.returncode == 0, done.stdout
