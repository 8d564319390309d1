"""Runs one QEMU boot of the bench guest with the instruction log on, streaming the log.

The QEMU command line comes from tools/el2lab_run.py (the one place every QEMU run of the
project is built), with -icount shift=0,sleep=off added there; this module adds only the log:
`-singlestep -d exec,nochain,int -D <fifo>`. The log goes to a named pipe, never to disk: the
caller reads it while QEMU writes it (a full run logs several million lines), and QEMU simply
waits whenever the reader falls behind, which under -icount changes nothing it computes.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import el2lab_run  # noqa: E402  (tools/el2lab_run.py)

TRACE_OPTIONS = ["-singlestep", "-d", "exec,nochain,int"]


class TracedRun:
    """What a traced boot left behind once its log has been read."""

    def __init__(self) -> None:
        self.run: el2lab_run.Run | None = None
        self.error: str | None = None  # QEMU could not be started at all

    @property
    def outcome(self) -> str:
        return self.run.outcome if self.run else "error"

    @property
    def lines(self) -> list[str]:
        return self.run.lines if self.run else []

    def verdict(self) -> str | None:
        return el2lab_run.guest_verdict(self.lines)


def command(build_dir: Path, system: str, guest: Path, smp: int, log: Path, append: str = "",
            image: Path | None = None) -> list[str]:
    """QEMU's command line for \\p system ("el2lab", "el2lab-static", "none" or a lab's image,
    whose .bin is \\p image), with hypervisor bootargs \\p append."""
    args = argparse.Namespace(build_dir=build_dir, hypervisor=system, gic="3", smp=smp,
                              append=append, icount=True, icount_sleep="off", gdb_socket=None,
                              hypervisor_image=image)
    return el2lab_run.qemu_command(args, guest) + TRACE_OPTIONS + ["-D", str(log)]


@contextmanager
def traced_boot(build_dir: Path, system: str, guest: Path, smp: int, timeout: float,
                append: str = "", image: Path | None = None
                ) -> Iterator[tuple[BinaryIO, TracedRun]]:
    """Boots \\p guest under \\p system and yields (the log as a binary stream, the run).

    The run's outcome and console lines are filled in once the stream has been read to its
    end and the block is left. QEMU is stopped after \\p timeout seconds (the log then ends).
    """
    result = TracedRun()
    with tempfile.TemporaryDirectory(prefix="el2lab-bench-") as tmp:
        fifo = Path(tmp) / "exec.log"
        os.mkfifo(fifo)
        cmd = command(build_dir, system, guest, smp, fifo, append, image)
        style = el2lab_run.Style(io.StringIO())  # nothing is echoed: no colours

        def run() -> None:
            try:
                result.run = el2lab_run.run_qemu(cmd, timeout, None, style)
            except OSError as e:
                result.error = f"could not start {cmd[0]}: {e.strerror} (run tools/setup.sh)"
            finally:
                # If QEMU ended before opening the pipe (a bad option, a missing file), the
                # reader still waits in open(): opening the write end ourselves lets it through
                # to an empty log. With QEMU connected this is harmless.
                try:
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                except OSError:
                    pass

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        with open(fifo, "rb", buffering=1 << 20) as stream:
            yield stream, result
            for _ in iter(lambda: stream.read(1 << 20), b""):
                pass  # drain what the caller did not read, so QEMU can end
        thread.join()
