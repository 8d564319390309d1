#!/usr/bin/env python3
"""A real GDB session against QEMU's gdbstub: `make debug` + `make gdb`, checked.

Starts the hypervisor under QEMU waiting for GDB on a private unix socket, runs
gdb-multiarch in batch mode with gdb/el2lab_gdb.py (what `make gdb` runs) and checks that
it stops at the hypervisor's entry with symbols, and that `hv where` names EL2. Then the
wrong states: no QEMU to connect to, and `hv where` with no target, must give one clear
line each and no Python traceback.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GDB_SCRIPT = ROOT / "gdb" / "el2lab_gdb.py"


def gdb_batch(build: Path, socket: Path, *commands: str) -> str:
    env = dict(os.environ, EL2LAB_BUILD=str(build), EL2LAB_GDB_SOCKET=str(socket), NO_COLOR="1")
    cmd = ["gdb-multiarch", "-q", "-nx", "--batch", "-x", str(GDB_SCRIPT)]
    for c in commands:
        cmd += ["-ex", c]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", type=Path, required=True)
    args = p.parse_args()
    failures = []

    def expect(output: str, needle: str, what: str) -> None:
        if needle not in output:
            failures.append(f"{what}: expected {needle!r} in the GDB output")

    def no_traceback(output: str, what: str) -> None:
        if "Traceback" in output or "Python Exception" in output:
            failures.append(f"{what}: a Python traceback reached the user")

    with tempfile.TemporaryDirectory() as tmp:
        socket = Path(tmp) / "gdb.sock"
        guest = args.build_dir / "aarch64" / "guests" / "hello" / "hello.elf"
        qemu = subprocess.Popen(
            [sys.executable, str(ROOT / "tools" / "el2lab_run.py"), "--build-dir", str(args.build_dir),
             "--gdb-socket", str(socket), str(guest)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            for _ in range(100):
                if socket.exists():
                    break
                time.sleep(0.1)
            out = gdb_batch(args.build_dir, socket, "hv where", "info symbol $pc", "p/x $cpsr & 0x3cf")
            print(out)
            expect(out, "hypervisor symbols from", "symbols")
            expect(out, "connected to QEMU", "connection")
            expect(out, "el2lab_entry", "stop at the entry")
            expect(out, "[el2lab boot] el2lab_entry: first hypervisor instruction", "stop annotation")
            expect(out, "stopped at EL2 (hypervisor)", "hv where")
            expect(out, "EL2 regime (MMU off", "hv where regime")
            expect(out, "el2lab_entry in section .text", "info symbol")
            expect(out, "= 0x3c9", "cpsr[9:0] at entry: EL2h with DAIF masked")
            no_traceback(out, "connected session")
        finally:
            os.killpg(qemu.pid, signal.SIGTERM)
            qemu.wait(timeout=10)

        # Wrong states: QEMU gone (socket absent), and a command with no target.
        out = gdb_batch(args.build_dir, Path(tmp) / "nobody.sock", "hv where")
        print(out)
        expect(out, "QEMU is not waiting for GDB: run `make debug` in another terminal first", "no QEMU")
        expect(out, "hv where: not connected to QEMU", "hv where without a target")
        no_traceback(out, "no QEMU")

    for f in failures:
        print(f"CHECK FAILED: {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
