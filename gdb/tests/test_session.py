#!/usr/bin/env python3
"""A real GDB session against QEMU's gdbstub: `make debug` + `make gdb`, checked.

Starts the hypervisor under QEMU waiting for GDB on a private unix socket, runs
gdb-multiarch in batch mode with gdb/el2lab_gdb.py (what `make gdb` runs) and checks that
it stops at the hypervisor's entry with symbols, and that `hv where` names EL2. Then the
wrong states: no QEMU to connect to, and `hv where` with no target, must give one clear
line each and no Python traceback.
"""
import sys
import tempfile
from pathlib import Path

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks()
    with tempfile.TemporaryDirectory() as tmp:
        # As `make debug` starts QEMU: no -icount.
        with harness.Qemu(args.build_dir, harness.guest(args.build_dir, "hello"), Path(tmp),
                          icount=False) as qemu:
            out = harness.gdb_batch(args.build_dir, qemu.socket,
                                    ["hv where", "info symbol $pc", "p/x $cpsr & 0x3cf"])
        harness.show(args, "connected", out)
        checks.expect(out, "hypervisor symbols from", "symbols")
        checks.expect(out, "connected to QEMU", "connection")
        checks.expect(out, "el2lab_entry", "stop at the entry")
        checks.expect(out, "[el2lab boot] el2lab_entry: first hypervisor instruction", "stop annotation")
        checks.expect(out, "stopped at EL2 (hypervisor)", "hv where")
        checks.expect(out, "EL2 regime (MMU off", "hv where regime")
        checks.expect(out, "el2lab_entry in section .text", "info symbol")
        checks.expect(out, "= 0x3c9", "cpsr[9:0] at entry: EL2h with DAIF masked")
        checks.no_traceback(out, "connected session")

        # Wrong states: QEMU gone (socket absent), and a command with no target.
        out = harness.gdb_batch(args.build_dir, Path(tmp) / "nobody.sock", ["hv where"])
        harness.show(args, "no QEMU", out)
        checks.expect(out, "QEMU is not waiting for GDB: run `make debug` in another terminal first",
                      "no QEMU")
        checks.expect(out, "hv where: not connected to QEMU", "hv where without a target")
        checks.no_traceback(out, "no QEMU")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
