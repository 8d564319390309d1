#!/usr/bin/env python3
"""`make debug` and `make gdb` on a terminal, as a student uses them (issue 13, defects 6, 12).

debug  quiet: no make Entering/Leaving lines, a few lines before QEMU waits; Ctrl-C ends
       QEMU with one line, no Python traceback.
gdb    Ctrl-C at GDB's prompt, then `quit`: make exits 0 without "make: *** ... Interrupt".
Each runs in its own pseudo-terminal, so Ctrl-C is the terminal's SIGINT to the foreground
process group, exactly as typed.
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time

import harness


class Terminal:
    def __init__(self, argv: list[str], env: dict) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=harness.ROOT, start_new_session=True,
                                     preexec_fn=lambda: __import__("fcntl").ioctl(0, __import__("termios").TIOCSCTTY, 0))
        os.close(slave)
        self.text = ""

    def read_until(self, needle: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while needle not in self.text and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.text += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
        return needle in self.text

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self, timeout: float) -> int | None:
        self.read_until("\0never\0", timeout=0.5)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            status = None
        self.read_until("\0never\0", timeout=0.5)
        os.close(self.master)
        return status


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(False)
    build = args.build_dir
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    debug = Terminal(["make", "debug", f"BUILD={build}", f"GUEST={harness.guest(build, 'spin')}"], env)
    waiting = debug.read_until("run `make gdb` in another terminal", timeout=120)
    checks.check(waiting, "make debug: QEMU waits for GDB")
    before = debug.text.split("QEMU waits for GDB")[0]
    harness.show(args, "make debug", debug.text)
    checks.reject(debug.text, "Entering directory", "make debug is quiet")
    checks.check(before.count("\n") <= 4, f"make debug: at most 4 lines before QEMU waits ({before.count(chr(10))})")

    gdb = Terminal(["make", "gdb", f"BUILD={build}"], dict(env, EL2LAB_GDB_SOCKET=str(build / "gdb.sock")))
    checks.check(gdb.read_until("(gdb) ", timeout=60), "make gdb: GDB's prompt")
    gdb.type("continue\n")
    time.sleep(3)
    gdb.type("\x03")  # Ctrl-C: GDB interrupts QEMU
    gdb.read_until("(gdb) ", timeout=20)
    gdb.type("quit\n")
    status = gdb.finish(timeout=30)
    harness.show(args, "make gdb", gdb.text)
    checks.check(status == 0, f"make gdb: exit status 0 after quit (got {status})")
    checks.reject(gdb.text, "make: ***", "make gdb: no make Interrupt")
    checks.no_traceback(gdb.text, "make gdb")

    debug.type("\x03")  # Ctrl-C in the make debug terminal
    status = debug.finish(timeout=30)
    harness.show(args, "make debug after Ctrl-C", debug.text)
    checks.expect(debug.text, "el2lab-run: interrupted (Ctrl-C); QEMU was stopped", "make debug: one line")
    checks.reject(debug.text, "Traceback", "make debug: no Python traceback")
    checks.reject(debug.text, "KeyboardInterrupt", "make debug: no KeyboardInterrupt")
    checks.check(status == 0, f"make debug ended with status 0 (got {status})")
    checks.reject(debug.text, "make: ***", "make debug: no make error line")
    qemu = subprocess.run(["pgrep", "-f", f"path={build}/gdb.sock"], stdout=subprocess.PIPE, text=True)
    checks.check(not qemu.stdout.strip(), "make debug: QEMU ended")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
