#!/usr/bin/env python3
"""Run a command as the terminal's foreground process group: `make gdb` runs GDB through this.

Ctrl-C on a terminal signals the whole foreground process group. Under `make gdb` that is make
and GDB: GDB handles its Ctrl-C (it interrupts QEMU), but make takes it as the end of the
build, waits for GDB and then reports `make: *** [Makefile:NN: gdb] Interrupt` however
normally GDB was quit. Here the command gets a process group of its own, made the terminal's
foreground, so a Ctrl-C reaches the command only; the terminal is handed back afterwards.
Without a terminal (stdin piped) the command just runs. The exit status is the command's.

Usage: tools/foreground.py COMMAND [ARG...]
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: tools/foreground.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    try:
        tty = os.open("/dev/tty", os.O_RDWR) if os.isatty(0) else None
    except OSError:
        tty = None
    if tty is None:
        return subprocess.call(argv)
    # Taking and giving back the terminal from a background group raises SIGTTOU: ignore it.
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    # Until the command owns the terminal, a Ctrl-C must not end this process either.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ours = os.getpgrp()

    def take_terminal() -> None:  # runs in the child, before exec
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(tty, os.getpgrp())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    try:
        child = subprocess.Popen(argv, process_group=0, preexec_fn=take_terminal)
    except OSError as e:
        print(f"foreground: cannot run {argv[0]}: {e.strerror}", file=sys.stderr)
        return 127
    try:
        status = child.wait()
    finally:
        os.tcsetpgrp(tty, ours)
        os.close(tty)
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
