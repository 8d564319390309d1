#!/usr/bin/env python3
"""`hv walk` on a live QEMU: the stage-2 walk of guest RAM and of unmapped device windows,
the guest's own (MMU off) stage 1, stopped at EL2 and at EL1, and its bad-argument errors.

What the walk must say is checked against sources other than the walker:
- guest RAM: the PA must be where the hypervisor's boot log says guest RAM is ("guest RAM 768
  MiB at IPA 0x40000000 (1:1 with physical memory)", parsed from QEMU's console);
- the test device window: the fault level must be the one QEMU itself reported in ESR_EL2's
  DFSC when the guest touched it (`hv esr $ESR_EL2` at that data abort);
- the hypervisor's own memory right after guest RAM (same GiB, so a level-1 table exists):
  a fault one level deeper, at level 2;
- stopped in the guest (EL1, where GDB's reads go through the guest's translation), the
  descriptors must be the same as those read at EL2 (QEMU's physical-memory mode).
"""
import re
import sys
import tempfile
from pathlib import Path

import harness

ABORT = "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x24 && ($HPFAR_EL2 >> 4) == 0xb000"


def raw_session(build: Path, guest: str, commands: list[str]) -> tuple[str, str, Path]:
    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        with harness.Qemu(build, harness.guest(build, guest), Path(tmp)) as qemu:
            out = harness.gdb_batch(build, qemu.socket, commands)
        return out, qemu.console(), Path(tmp)


def section(out: str, start: str) -> str:
    """The lines of one command's report: from the line starting with `start` to the next
    report or narration line."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(start):
            end = i + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            return "\n".join(lines[i:end])
    return ""


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    out, console, tmp = raw_session(args.build_dir, "mmio", [
        "hv walk 0x40000000",          # at el2lab_entry: no tables yet
        ABORT, "continue", "delete",
        "hv esr $ESR_EL2",
        "hv walk 0xb000100",
        "hv walk 0x40080000",
        "hv walk 0x9000000",
        "hv walk 0x70000000",
        "hv walk 0x10000000000",
        "hv walk --guest $ELR_EL2",
        "hv walk",
        "hv walk banana",
        "hv walk --bogus 1",
        *["hv step"] * 7,              # to the ERET back into the guest
        "stepi",
        "hv where",
        "hv walk 0x40080000",
        "hv walk --guest $pc",
    ])
    text = harness.normalise(out, args.build_dir, tmp)
    harness.show(args, "walk", text)
    checks.golden("walk", text)
    checks.no_traceback(out, "walk")

    ram = re.search(r"guest RAM\s+(\d+) MiB at IPA (0x[0-9a-f]+) \(1:1 with physical memory\)", console)
    if checks.check(ram is not None, "the hypervisor's log names guest RAM and its mapping"):
        ram_ipa, ram_size = int(ram.group(2), 16), int(ram.group(1)) << 20
        ipa = 0x40080000
        checks.check(ram_ipa <= ipa < ram_ipa + ram_size, "the walked IPA is in guest RAM")
        walk = section(out, f"stage 2: IPA {ipa:#x}")
        checks.expect(walk, f"=> PA {ipa:#x} (", "guest RAM resolves to the PA the log says (1:1)")
        after = section(out, f"stage 2: IPA {ram_ipa + ram_size:#x}")
        checks.expect(after, "=> translation fault at level 2: invalid descriptor",
                      "the first byte after guest RAM (the hypervisor's memory) faults at level 2")

    dfsc = re.search(r"DFSC\s+0x0[4-7]\s+Translation fault, level (\d)", out)
    if checks.check(dfsc is not None, "QEMU's ESR_EL2 at the test-device abort names a translation fault level"):
        walk = section(out, "stage 2: IPA 0xb000100")
        checks.expect(walk, f"=> translation fault at level {dfsc.group(1)}: invalid descriptor",
                      "the walk faults at the level QEMU reported")
        checks.expect(walk, "which emulates the test device", "the walk names the emulated device")
    checks.expect(section(out, "stage 2: IPA 0x9000000"), "which emulates the PL011 console",
                  "the PL011 window is named")
    checks.expect(out, "beyond the VM's", "an IPA past VTCR_EL2.T0SZ")
    checks.expect(out, "hv walk: no stage-2 tables yet", "before the VM exists")
    checks.expect(out, "hv walk: give an address", "no address")
    checks.expect(out, "hv walk: 'banana' is not an address", "bad address")
    checks.expect(out, "hv walk: unknown option '--bogus'", "bad option")
    checks.expect(out, "SCTLR_EL1.M = 0, the guest runs with its MMU off, so IPA = VA",
                  "the guest's stage 1 is off")
    checks.expect(out, "stopped at EL1 (guest)", "the last walks run stopped in the guest")
    # The same descriptors read at EL2 (virtual = physical) and at EL1 (physical mode).
    blocks = re.findall(r"level 2 \[  0\] PA (0x[0-9a-f]+) = (0x[0-9a-f]+)  block", out)
    checks.check(len(blocks) >= 3 and len(set(blocks)) == 1,
                 f"the level-2 descriptor of guest RAM reads the same at EL2 and at EL1: {blocks}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
