"""A batch GDB session against a private QEMU gdbstub: the way a grader (or a transcript test)
runs the commands a student types after `make debug` / `make gdb`."""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .failures import GraderError, TimedOut
from .lab import ROOT
from .qemu import runner


def session(build_dir: Path, image: Path, guest: Path | None, commands: list[str], timeout: float,
            gic: int = 3, smp: int = 2, extra_scripts: list[Path] | None = None) -> tuple[str, str]:
    """(GDB's output, QEMU's console) of one session: QEMU under -icount (so the session
    repeats exactly) on a unix socket in a temp dir of its own, GDB in batch mode with
    gdb/el2lab_gdb.py (as `make gdb`), then each command. Raises TimedOut with the last lines."""
    if not shutil_which("gdb-multiarch"):
        raise GraderError("gdb-multiarch is not installed (run tools/setup.sh)")
    r = runner()
    with tempfile.TemporaryDirectory(prefix="el2lab-grade-gdb-") as tmp:
        socket = Path(tmp) / "gdb.sock"
        argv = ["--build-dir", str(build_dir), "--hypervisor-image", str(image.with_suffix(".bin")),
                "--gic", str(gic), "--smp", str(smp), "--icount", "--gdb-socket", str(socket),
                str(guest) if guest else "none"]
        args = r.parse_args(argv)
        r.prepare_gdb_socket(socket, guest)
        cmd = r.qemu_command(args, guest)
        console = Path(tmp) / "qemu.log"
        with console.open("w") as log:
            qemu = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            for _ in range(200):
                if socket.exists() or qemu.poll() is not None:
                    break
                time.sleep(0.05)
            env = dict(os.environ, EL2LAB_BUILD=str(build_dir), EL2LAB_GDB_SOCKET=str(socket),
                       EL2LAB_HYPERVISOR_ELF=str(image.with_suffix(".elf")), NO_COLOR="1")
            env.pop("TERM", None)
            gdb = ["gdb-multiarch", "-q", "-nx", "--batch", "-x", str(ROOT / "gdb" / "el2lab_gdb.py")]
            for script in extra_scripts or []:
                gdb += ["-x", str(script)]
            for c in commands:
                gdb += ["-ex", c]
            try:
                done = subprocess.run(gdb, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, text=True, errors="replace",
                                      timeout=timeout)
                out = done.stdout
            except subprocess.TimeoutExpired as e:
                partial = e.stdout or b""
                partial = partial.decode("utf-8", "replace") if isinstance(partial, bytes) else partial
                raise TimedOut(timeout, partial.splitlines(), "the GDB session") from None
        finally:
            if qemu.poll() is None:
                os.killpg(qemu.pid, signal.SIGTERM)
                try:
                    qemu.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(qemu.pid, signal.SIGKILL)
                    qemu.wait()
        return out, console.read_text(errors="replace")


def shutil_which(name: str) -> str | None:
    import shutil  # noqa: PLC0415
    return shutil.which(name)
