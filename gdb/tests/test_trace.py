#!/usr/bin/env python3
"""The trace ring, read live: run a guest to the hypervisor's power-off call and check the
history `hv exits` shows against what the guest did.

The hello guest prints two lines through the emulated PL011 (one MmioWrite exit per byte,
one MmioRead per byte for the flag poll) and powers off: so the ring must start with the
vCPU's guest entry at the image's entry point, end with SystemDown, and hold as many
MmioWrite records as the guest printed bytes — counted here from the guest's own text.
"""
import re
import sys
import tempfile
from pathlib import Path

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        with harness.Qemu(args.build_dir, harness.guest(args.build_dir, "hello"), Path(tmp),
                          icount=False) as qemu:
            text = harness.gdb_batch(args.build_dir, qemu.socket,
                                     ["break el2lab::firmware::system_off", "continue",
                                      "hv exits 400", "hv exits many"])
        console = qemu.console()
    harness.show(args, "hv exits", text)

    records = re.findall(r"#(\d+)\s+(\w+)\s+pc (0x[0-9a-f]+) arg (0x[0-9a-f]+) esr (0x[0-9a-f]+) "
                         r"icount (\d+)", text)
    if not records:
        failures.append("hv exits printed no records")
    else:
        kinds = [r[1] for r in records]
        if kinds[0] != "GuestEntry" or int(records[0][2], 16) != 0x40080040:
            failures.append(f"first record should be GuestEntry at the ELF's entry, got {records[0]}")
        if kinds[-1] != "SystemDown":
            failures.append(f"last record should be SystemDown, got {kinds[-1]}")
        seqs = [int(r[0]) for r in records]
        if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
            failures.append("sequence numbers are not consecutive")
        icounts = [int(r[5]) for r in records]
        if icounts != sorted(icounts) or icounts[-1] <= icounts[0]:
            failures.append("instruction counts do not increase")
        # What the guest printed; its PL011 driver ends each line with "\r\n" (two bytes).
        printed = [line for line in console.splitlines() if line in ("hello from a guest at EL1", "PASS hello")]
        expected_bytes = sum(len(line) + 2 for line in printed)
        writes = [r for r in records if r[1] == "MmioWrite"]
        if len(printed) != 2 or len(writes) != expected_bytes:
            failures.append(f"{len(writes)} MmioWrite records, but the guest printed {expected_bytes} bytes")
        if any(int(r[3], 16) != 0x09000000 for r in writes):
            failures.append("an MmioWrite record does not name the UART's data register")
    if "hv exits: N must be a number" not in text:
        failures.append("`hv exits many` did not give its one-line error")
    if "Traceback" in text:
        failures.append("a Python traceback reached the user")
    for f in failures:
        print(f"CHECK FAILED: {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
