#!/usr/bin/env python3
"""`bt` across the EL boundary (el2lab/unwinder.py), compared with golden transcripts.

mmio: stopped in the test device's read handler for the guest's first access to it, `bt` must
      go from the handler through the run loop into the guest and end at the guest's entry;
      the guest frame it reaches must be at the source line GDB's own line table gives for the
      exit's PC (`info line *$vcpu(0).trap_.pc`, independent of the unwinder), and in that
      frame $sp must be the guest's SP_EL1. `disable unwinder el2lab-guest` gives the
      hypervisor's own chain back (to el2lab_main); before any guest has run there is no splice.
hvc:  at Vm<H>::handle of the guest's first HVC, `bt` ends in the guest function that made the
      call (the one `info symbol $ELR_EL2` names at the vector entry).
"""
import re
import sys
import tempfile
from pathlib import Path

import harness

READ = "el2lab::devices::TestDevice::read"
# Arguments shown as "(...)": which of them GDB can still recover (`this`, entry values) changes
# with every compiler decision in core/, and is not what these backtraces are about.
BT = "bt -frame-arguments presence -entry-values no"


def raw_session(build: Path, guest: str, commands: list[str]) -> tuple[str, Path]:
    """The un-normalised transcript (register values compared as numbers) and its temp dir."""
    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        with harness.Qemu(build, harness.guest(build, guest), Path(tmp)) as qemu:
            return harness.gdb_batch(build, qemu.socket, commands), Path(tmp)


def frames(text: str, after: str) -> list[str]:
    """The `#N ...` lines of the first backtrace printed after the line containing `after`."""
    lines = text.split(after, 1)[-1].splitlines()
    out, started = [], False
    for line in lines:
        if line.startswith("#"):
            out.append(line)
            started = True
        elif started:
            break
    return out


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)

    raw, tmp = raw_session(args.build_dir, "mmio", [
        "echo == bt at entry\\n", BT,
        f"break {READ}", "continue", "delete",
        "echo == bt at the handler\\n", BT,
        "echo == exit pc line\\n", "info line *$vcpu(0).trap_.pc",
        "echo == guest sp\\n", "p/x $SP_EL1",
        "frame function guest_main",
        "echo == sp in guest_main\\n", "p/x $sp",
        "frame 0",
        "disable unwinder global el2lab-guest",
        "echo == bt without the splice\\n", BT,
        "enable unwinder global el2lab-guest",
        "echo == bt again\\n", BT,
    ])
    mmio = harness.normalise(raw, args.build_dir, tmp)
    harness.show(args, "mmio", mmio)
    checks.golden("unwind_mmio", mmio)
    checks.no_traceback(mmio, "mmio")

    at_entry = frames(mmio, "== bt at entry")
    checks.check(len(at_entry) == 1 and "el2lab_entry" in at_entry[0],
                 f"before any guest ran: only el2lab_entry ({at_entry})")
    bt = frames(mmio, "== bt at the handler")
    checks.check(bool(bt) and READ.split("::")[-2] in bt[0], f"frame 0 is the device handler: {bt[:1]}")
    guest = [i for i, f in enumerate(bt) if "[guest EL1]" in f]
    checks.check(len(guest) == 1, f"one frame marks the step into the guest: {bt}")
    if guest:
        g = guest[0]
        checks.check("::run (" in bt[g - 1],
                     f"the run loop hands over to the guest: {bt[g - 1]}")
        checks.check(all("guest" in f or "<ROOT>/guests/" in f for f in bt[g:]),
                     f"every frame after the splice is the guest's: {bt[g:]}")
        checks.check("guest_entry" in bt[-1], f"the backtrace ends at the guest's entry: {bt[-1]}")
        line = re.search(r'== exit pc line\nLine \d+ of "([^"]+)"', mmio)
        if checks.check(line is not None, "GDB's line table names the exit PC's line"):
            checks.expect(bt[g], f"{line.group(1)}:N",
                          "the first guest frame is at the exit PC's source file")
    sp = re.search(r"== guest sp\n\$\d+ = (\S+)", raw)
    frame_sp = re.search(r"== sp in guest_main\n\$\d+ = (\S+)", raw)
    if checks.check(sp is not None and frame_sp is not None, "SP_EL1 and $sp in guest_main"):
        checks.check(sp.group(1) == frame_sp.group(1), f"$sp in the guest's frame is SP_EL1 ({sp.group(1)})")
    plain = frames(mmio, "== bt without the splice")
    checks.check(bool(plain) and not any("[guest" in f for f in plain)
                 and any("el2lab_main" in f for f in plain),
                 f"unwinder disabled: the hypervisor's own chain ({plain})")
    again = frames(mmio, "== bt again")
    checks.check(again == bt, "enabled again: the same spliced backtrace")

    hvc, _ = harness.session(args.build_dir, "hvc", [
        "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x16",
        "continue", "delete",
        "echo == caller\\n", "info symbol $ELR_EL2",
        "hv step", "hv step", "hv step", "hv step",
        "echo == bt at handle\\n", BT,
    ])
    harness.show(args, "hvc", hvc)
    checks.golden("unwind_hvc", hvc)
    checks.no_traceback(hvc, "hvc")
    caller = re.search(r"== caller\n(\S+)", hvc)
    bt = frames(hvc, "== bt at handle")
    first_guest = next((f for f in bt if "[guest EL1]" in f), "")
    if checks.check(caller is not None and bool(first_guest), "the HVC's caller and a guest frame"):
        name = caller.group(1).split("(")[0]
        checks.check(f"[guest EL1] {name} " in first_guest or f"[guest EL1] {name}(" in first_guest,
                     f"bt at Vm<H>::handle ends in the guest function that made the HVC ({name}): "
                     f"{first_guest}")
    checks.check(bool(bt) and bt[-1] == first_guest, f"the guest's frame ends the backtrace quietly: {bt[-1:]}")
    checks.reject(hvc, "Backtrace stopped", "the filtered bt")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
