#!/usr/bin/env python3
"""`make debug REPLAY=1`: a recorded run replayed for GDB, which steps backwards across an ERET.

tools/el2lab_run.py is started as `make debug REPLAY=1` starts it (--record-replay, one CPU):
it records the hvc guest's whole run, then replays it waiting for GDB. In the replay:
- stopped on the first ERET into the guest (el2lab_guest_eret), `stepi` lands in the guest
  at EL1 and `reverse-stepi` goes back across the ERET: at EL2 again, on the ERET itself;
- stopped on the guest's first HVC exit (its vector entry), `reverse-stepi` goes back into
  the guest, at EL1, onto the HVC instruction itself: 4 bytes before the ELR_EL2 of that
  exit (a trapped HVC leaves ELR_EL2 after the instruction).
Each position is read with GDB's own $pc and $cpsr, printed before and after.
Also: asking for record/replay with two CPUs is refused with a clear message.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

RUN = harness.ROOT / "tools" / "el2lab_run.py"


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    guest = harness.guest(args.build_dir, "hvc")

    refused = subprocess.run([sys.executable, str(RUN), "--build-dir", str(args.build_dir), "--smp", "2",
                              "--record-replay", "/tmp/unused", "--gdb-socket", "/tmp/unused.sock",
                              str(guest)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checks.check(refused.returncode != 0 and "--record-replay needs one CPU" in refused.stdout,
                 f"two CPUs are refused clearly: {refused.stdout.strip()[-200:]}")

    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        socket = Path(tmp) / "gdb.sock"
        log = Path(tmp) / "run.log"
        runner = subprocess.Popen([sys.executable, str(RUN), "--build-dir", str(args.build_dir),
                                   "--smp", "1", "--record-replay", str(Path(tmp) / "replay"),
                                   "--gdb-socket", str(socket), str(guest)],
                                  stdout=log.open("w"), stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=dict(os.environ, NO_COLOR="1"))
        try:
            deadline = time.monotonic() + 90  # the recording is a whole run of the guest
            while not socket.exists() and runner.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if not checks.check(socket.exists(), "the replay waits for GDB after the recording"):
                print(log.read_text()[-2000:])
                return checks.finish()
            raw = harness.gdb_batch(args.build_dir, socket, [
                "break el2lab_guest_eret", "continue", "delete",
                "echo == at the ERET\\n", "p/x $pc", "p ($cpsr >> 2) & 3",
                "stepi",
                "echo == after stepi\\n", "p/x $pc", "p ($cpsr >> 2) & 3",
                "reverse-stepi",
                "echo == after reverse-stepi\\n", "p/x $pc", "p ($cpsr >> 2) & 3",
                "hv where",
                "break el2lab_vec_lower64_sync", "continue", "delete",
                "echo == at the HVC exit\\n", "p/x $ELR_EL2", "p ($cpsr >> 2) & 3",
                "reverse-stepi",
                "echo == back in the guest\\n", "p/x $pc", "p ($cpsr >> 2) & 3",
                "hv where",
            ], timeout=120)
        finally:
            runner.send_signal(signal.SIGINT)  # el2lab_run stops its QEMU on Ctrl-C
            try:
                runner.wait(timeout=15)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()
        console = log.read_text()
        out = harness.normalise(raw, args.build_dir, Path(tmp))
    harness.show(args, "replay", out)
    checks.golden("replay", out)
    checks.no_traceback(raw, "replay")
    checks.expect(console, "--- recording the run into", "the run is recorded first")
    checks.expect(console, "recorded: run ended: the guest powered the machine off", "the recording ends")
    checks.expect(raw, "this run is a replay of a recorded one", "the session says it replays")

    def values(marker: str) -> list[str]:
        m = re.search(re.escape(marker) + r"\n\$\d+ = (\S+)\n\$\d+ = (\S+)", raw)
        return [m.group(1), m.group(2)] if m else []

    eret, after, back = values("== at the ERET"), values("== after stepi"), values("== after reverse-stepi")
    if checks.check(len(eret) == 2 and len(after) == 2 and len(back) == 2, "pc and EL at each step"):
        checks.check(eret[1] == "2" and after[1] == "1", f"stepi crosses the ERET: EL {eret[1]} -> {after[1]}")
        checks.check(back == eret, f"reverse-stepi crosses it back: pc {back[0]} EL {back[1]} "
                                   f"(the ERET was at {eret[0]}, EL {eret[1]})")
    hvc, guest_again = values("== at the HVC exit"), values("== back in the guest")
    if checks.check(len(hvc) == 2 and len(guest_again) == 2, "the HVC exit and the step back"):
        elr = int(hvc[0], 16)
        checks.check(hvc[1] == "2" and guest_again[1] == "1",
                     f"reverse-stepi from the vector returns to the guest: EL {hvc[1]} -> {guest_again[1]}")
        checks.check(int(guest_again[0], 16) == elr - 4,
                     f"at the HVC instruction itself ({guest_again[0]}; ELR_EL2 {hvc[0]} is the one after)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
