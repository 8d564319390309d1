#!/usr/bin/env python3
"""Boot the el2lab hypervisor with a guest under QEMU, and say how the run ended.

Every QEMU run of the project goes through here: `make run`, `make debug`, and each QEMU
test. It builds the QEMU command line (one place, so all runs see the same machine), streams
the console live, and turns the end of the run into one of four outcomes:

  ok       the guest powered the machine off (PSCI SYSTEM_OFF) -> QEMU exit status 0
  panic    the hypervisor reported a panic (pvpanic)            -> QEMU exit status 1
  timeout  nothing ended the run in time                        -> QEMU is killed
  error    QEMU itself failed (bad option, missing file)

In test mode (--expect-status, --expect, --reject) it checks the outcome and the output and
exits 0 only if everything matched, printing what did not.

With --hypervisor none the guest boots on bare QEMU instead, with no hypervisor: the same board
without virtualization=on, so the guest starts at EL1 and QEMU itself answers PSCI over HVC.
The guest goes in as a Linux kernel (-kernel, its flat arm64 Image: an ELF's sibling .bin), so
that it gets x0 = the device tree as it does under el2lab. This is how the equivalence rule is
checked: a guest written for bare QEMU behaves the same under el2lab.

With --record-replay DIR (`make debug REPLAY=1`) the run happens twice: first recorded
(QEMU's record/replay: -icount rr=record writes every nondeterministic input to DIR/replay.bin,
and a snapshot "init" of the start into DIR/snapshots.qcow2), then replayed with the gdbstub
waiting. A replayed run executes exactly the recorded instructions, and GDB can go backwards
in it: reverse-stepi, reverse-continue (QEMU reloads the snapshot and replays up to the step
before). QEMU 7.2 refuses record/replay with more than one CPU, so it runs with --smp 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

QEMU = "qemu-system-aarch64"
PASS_RE = re.compile(r"^PASS (\S+)")
FAIL_RE = re.compile(r"^FAIL (\S+)")


class Style:
    """ANSI colours when writing to a terminal; plain text when piped or with NO_COLOR."""

    def __init__(self, stream) -> None:
        self.on = stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def good(self, text: str) -> str:
        return self._wrap("1;32", text)

    def bad(self, text: str) -> str:
        return self._wrap("1;31", text)

    def note(self, text: str) -> str:
        return self._wrap("1", text)

    def hyp(self, text: str) -> str:
        return self._wrap("36", text)

    def console_line(self, line: str) -> str:
        """Colours one console line by who wrote it and what it says."""
        if PASS_RE.match(line):
            return self.good(line)
        if FAIL_RE.match(line) or "PANIC" in line:
            return self.bad(line)
        if line.startswith("[el2lab]"):
            return self.hyp("[el2lab]") + line[len("[el2lab]"):]
        return line


def hypervisor_image(build_dir: Path, variant: str = "el2lab") -> Path:
    return build_dir / "aarch64" / "core" / "el2" / f"{variant}.bin"


BARE = "none"  # --hypervisor value: the guest alone on bare QEMU


def bare_image(guest: Path) -> Path:
    """The image bare QEMU boots for \p guest: an ELF given to -kernel is entered with x0 = 0,
    its flat Image (the .bin next to it) with x0 = the device tree."""
    return guest.with_suffix(".bin") if guest.suffix == ".elf" else guest


def qemu_command(args: argparse.Namespace, guest: Path | None) -> list[str]:
    bare = args.hypervisor == BARE
    machine = "virt" if bare else "virt,virtualization=on"
    cmd = [
        QEMU,
        "-M", f"{machine},gic-version={args.gic}",
        "-cpu", "cortex-a72",
        "-smp", str(args.smp),
        "-m", "1G",
        "-nic", "none",  # no NIC: virt's default one needs a ROM Debian may not ship
        "-display", "none",
        "-serial", "stdio",
        "-monitor", "none",
    ]
    if bare:
        assert guest is not None
        cmd += ["-kernel", str(bare_image(guest))]
    else:
        cmd += [
            # The hypervisor's only way to report a failure (see core/board/qemu-virt/pvpanic.h).
            "-device", "pvpanic-pci",
            "-action", "panic=exit-failure",
            "-kernel", str(getattr(args, "hypervisor_image", None)
                            or hypervisor_image(args.build_dir, args.hypervisor)),
        ]
        if guest is not None:
            cmd += ["-initrd", str(guest)]
    if args.append:
        cmd += ["-append", args.append]
    rr = getattr(args, "rr_mode", None)
    if rr:
        rr_dir = Path(args.record_replay)
        cmd += ["-icount", f"shift=0,rr={rr},rrfile={rr_dir / 'replay.bin'},rrsnapshot=init",
                # The snapshots need a writable qcow2 block device (nothing else uses it).
                "-drive", f"file={rr_dir / 'snapshots.qcow2'},if=none,id=rr-snapshots"]
    elif args.icount:
        # sleep=off makes idle time free, so runs repeat exactly. Under GDB, QEMU 7.2 then hangs
        # when GDB single-steps one CPU (to step over a breakpoint) while another sleeps in
        # WFI, which is where el2lab parks a CPU without a running vCPU: with a debugger
        # attached, idle time passes in real time instead (sleep=on).
        sleep = getattr(args, "icount_sleep", None) or ("on" if args.gdb_socket else "off")
        cmd += ["-icount", f"shift=0,sleep={sleep}"]
    if args.gdb_socket:
        cmd += ["-S", "-chardev", f"socket,path={args.gdb_socket},server=on,wait=off,id=gdb0",
                "-gdb", "chardev:gdb0"]
    return cmd


class Run:
    """One QEMU run: its outcome and everything it printed."""

    def __init__(self, outcome: str, status: int | None, lines: list[str], seconds: float) -> None:
        self.outcome = outcome
        self.status = status
        self.lines = lines
        self.seconds = seconds


def run_qemu(cmd: list[str], timeout: float | None, echo, style: Style) -> Run:
    start = time.monotonic()
    lines: list[str] = []
    # A new session, so a timeout can stop QEMU without touching our own process group.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            lines.append(line)
            if echo:
                echo(style.console_line(line))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=2)
        return Run("timeout", None, lines, time.monotonic() - start)
    except KeyboardInterrupt:
        # Ctrl-C: end QEMU cleanly (SIGTERM lets it close its sockets), ignoring a second
        # Ctrl-C meanwhile so that no traceback interrupts the clean-up; main() says so.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        raise
    reader.join(timeout=5)
    panicked = any("PANIC" in line and line.startswith("[el2lab]") for line in lines)
    if status == 0 and not panicked:
        outcome = "ok"
    elif status == 1 and panicked:
        outcome = "panic"
    elif status == 0 and panicked:
        outcome = "panic"  # reported a panic but could not signal it (no pvpanic device)
    else:
        outcome = "error"
    return Run(outcome, status, lines, time.monotonic() - start)


def describe(run: Run, timeout: float | None) -> str:
    if run.outcome == "ok":
        return f"run ended: the guest powered the machine off ({run.seconds:.1f} s)"
    if run.outcome == "panic":
        return "run ended: the hypervisor panicked (see the report above)"
    if run.outcome == "timeout":
        return (f"run timed out after {timeout:g} s: nothing powered the machine off "
                "(a hung guest or hypervisor); QEMU was stopped")
    tail = run.lines[-1] if run.lines else "(no output)"
    return f"QEMU failed with exit status {run.status}: {tail}"


def guest_verdict(lines: list[str]) -> str | None:
    """'PASS', 'FAIL' or None from the guest's reporting lines."""
    if any(FAIL_RE.match(line) for line in lines):
        return "FAIL"
    if any(PASS_RE.match(line) for line in lines):
        return "PASS"
    return None


def check(run: Run, args: argparse.Namespace) -> list[str]:
    """The test-mode checks; returns the problems found (empty = the test passed)."""
    problems = []
    if run.outcome != args.expect_status:
        problems.append(f"expected the run to end '{args.expect_status}', it ended '{run.outcome}'")
    for pattern in args.expect:
        if not any(re.search(pattern, line) for line in run.lines):
            problems.append(f"no output line matches: {pattern}")
    for pattern in args.reject:
        hits = [line for line in run.lines if re.search(pattern, line)]
        if hits:
            problems.append(f"output must not match {pattern!r}, but has: {hits[0]}")
    if args.expect_status == "ok" and any(FAIL_RE.match(line) for line in run.lines):
        problems.append("the guest reported FAIL")
    return problems


def record(args: argparse.Namespace, guest: Path | None, out, style: Style) -> Run | None:
    """The recording run of --record-replay: the whole run, no debugger, bounded by --timeout.
    None (after saying why) if it cannot be made."""
    rr_dir = Path(args.record_replay)
    rr_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("replay.bin", "snapshots.qcow2"):
        (rr_dir / stale).unlink(missing_ok=True)
    try:
        made = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2",
                               str(rr_dir / "snapshots.qcow2"), "64M"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        out(style.bad("el2lab-run: record/replay needs qemu-img (Debian package qemu-utils; "
                      "tools/setup.sh installs it)"))
        return None
    if made.returncode != 0:
        out(style.bad(f"el2lab-run: qemu-img could not make the snapshot image: {made.stdout.strip()}"))
        return None
    recording = argparse.Namespace(**{**vars(args), "gdb_socket": None, "rr_mode": "record"})
    out(style.note(f"--- recording the run into {rr_dir} (QEMU record/replay) ---"))
    run = run_qemu(qemu_command(recording, guest), args.timeout, out, style)
    out(style.note(f"--- recorded: {describe(run, args.timeout)}; now replaying it for GDB ---"))
    return run


def prepare_gdb_socket(socket: Path, guest: Path | None, replay: bool = False) -> None:
    """Clears a stale socket and records the session's guest (and whether it is a replay) for
    gdb/el2lab/session.py."""
    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    info = {"socket": str(socket), "guest": str(guest.resolve()) if guest else None,
            "replay": replay}
    Path(str(socket) + ".json").write_text(json.dumps(info) + "\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("guests", nargs="*",
                   help="guest images (ELF, arm64 Image or raw binary); 'none' boots without one")
    p.add_argument("--build-dir", type=Path,
                   help="the CMake build directory (required unless --hypervisor none)")
    p.add_argument("--default-guests", action="store_true", help="run the guests `make run` runs")
    p.add_argument("--gic", choices=["2", "3"], default="3", help="GIC version (default 3)")
    p.add_argument("--hypervisor", choices=["el2lab", "el2lab-static", BARE], default="el2lab",
                   help="which build: IRQ_HANDLER at EL2 (default) or fully static dispatch; "
                        "'none' boots the guest on bare QEMU at EL1, without a hypervisor")
    p.add_argument("--hypervisor-image", type=Path,
                   help="boot this hypervisor image instead (a lab's build: make lab LAB=NN)")
    p.add_argument("--smp", type=int, default=2, help="number of CPUs (default 2)")
    p.add_argument("--append", default="", help="hypervisor bootargs (QEMU -append)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before a run counts as hung")
    p.add_argument("--icount", action="store_true", help="deterministic: one instruction per ns")
    p.add_argument("--icount-sleep", choices=["on", "off"],
                   help="with --icount: whether idle time passes in real time (default: off, "
                        "on with --gdb-socket)")
    p.add_argument("--gdb-socket", help="wait for GDB on this unix socket (no timeout)")
    p.add_argument("--record-replay", metavar="DIR",
                   help="with --gdb-socket: record the run into DIR first, then replay it waiting "
                        "for GDB, which can then step backwards (reverse-stepi); needs --smp 1")
    p.add_argument("--print-command", action="store_true", help="show the QEMU command line")
    p.add_argument("--expect-status", choices=["ok", "panic", "timeout", "error"],
                   help="test mode: the outcome the run must have")
    p.add_argument("--expect", action="append", default=[], help="test mode: a line must match")
    p.add_argument("--reject", action="append", default=[], help="test mode: no line may match")
    args = p.parse_args(argv)
    if args.icount_sleep and not args.icount:
        p.error("--icount-sleep needs --icount")
    if args.record_replay and not args.gdb_socket:
        p.error("--record-replay is for debugging: give --gdb-socket too (make debug REPLAY=1)")
    if args.record_replay and args.smp != 1:
        p.error(f"--record-replay needs one CPU (--smp 1, SMP=1): QEMU 7.2 refuses record/replay "
                f"with {args.smp} CPUs")
    if args.build_dir is None and args.hypervisor_image is None and (
            args.hypervisor != BARE or args.default_guests):
        p.error("--build-dir is required (except for --hypervisor none with named guests)")
    if args.default_guests:
        listing = args.build_dir / "default-guests.txt"
        args.guests += [line for line in listing.read_text().split("\n") if line]
    if not args.guests:
        p.error("name a guest image, or --default-guests")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    style = Style(sys.stdout)
    out = lambda text: print(text, flush=True)  # noqa: E731
    test_mode = args.expect_status is not None

    bare = args.hypervisor == BARE
    if not bare:
        image = args.hypervisor_image or hypervisor_image(args.build_dir, args.hypervisor)
        if not image.exists():
            out(style.bad(f"el2lab-run: no hypervisor image at {image}: build first (make)"))
            return 2

    results = []
    for name in args.guests:
        guest = None if name == "none" else Path(name)
        if bare and guest is None:
            out(style.bad("el2lab-run: --hypervisor none needs a guest image to boot"))
            return 2
        if guest is not None and not guest.exists():
            out(style.bad(f"el2lab-run: guest image {guest} does not exist"))
            return 2
        if bare and not bare_image(guest).exists():
            out(style.bad(f"el2lab-run: no flat image {bare_image(guest)} for bare QEMU "
                          f"(an ELF is booted through the .bin next to it)"))
            return 2
        label = "no guest" if guest is None else guest.name
        if args.record_replay:
            recorded = record(args, guest, out, style)
            if recorded is None or recorded.outcome == "timeout":
                return 1
            args.rr_mode = "replay"
        cmd = qemu_command(args, guest)
        if bare:
            out(style.note(f"=== bare QEMU (no hypervisor): booting {bare_image(guest).name} "
                           f"(GICv{args.gic}, {args.smp} CPUs) ==="))
        else:
            out(style.note(f"=== el2lab: booting {label} (GICv{args.gic}, {args.smp} CPUs) ==="))
        if args.print_command or args.gdb_socket:
            out(" ".join(shlex.quote(c) for c in cmd))
        if args.gdb_socket:
            prepare_gdb_socket(Path(args.gdb_socket), guest, replay=bool(args.record_replay))
            out(style.note(f"QEMU waits for GDB on {args.gdb_socket}: run `make gdb` in another terminal"))
        timeout = None if args.gdb_socket else args.timeout
        run = run_qemu(cmd, timeout, out, style)
        summary = describe(run, timeout)
        out(style.good(summary) if run.outcome == "ok" else style.bad(summary))
        if test_mode:
            problems = check(run, args)
            for problem in problems:
                out(style.bad(f"CHECK FAILED: {problem}"))
            results.append((label, "PASS" if not problems else "FAIL"))
        else:
            verdict = guest_verdict(run.lines) if run.outcome == "ok" else None
            results.append((label, verdict or run.outcome.upper()))

    if len(results) > 1 or not test_mode:
        out(style.note("=== summary ==="))
        for label, verdict in results:
            text = f"{label:24} {verdict}"
            out(style.good(text) if verdict == "PASS" else style.bad(text))
    return 0 if all(verdict == "PASS" for _, verdict in results) else 1


def interruptible_main(argv: list[str]) -> int:
    """main(), with Ctrl-C ending the run in one line instead of a Python traceback. Under
    `make debug` (--gdb-socket) Ctrl-C is how a session ends: exit status 0, so make adds no
    error line; elsewhere 130, as for any interrupted command."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("\nel2lab-run: interrupted (Ctrl-C); QEMU was stopped", flush=True)
        return 0 if "--gdb-socket" in argv else 130


if __name__ == "__main__":
    sys.exit(interruptible_main(sys.argv[1:]))
