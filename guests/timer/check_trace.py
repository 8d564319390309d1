#!/usr/bin/env python3
"""The IRQ path, read back from the trace ring: every timer tick must show its stages in order.

Runs the timer guest under QEMU waiting for GDB, lets it run to the hypervisor's power-off
call, dumps `el2lab_trace` and decodes it with the layout documented in core/portable/trace.h
(independently of the GDB package). For every interrupt that went the lower-EL way it checks
IrqEntry -> IrqDispatch (direct H::irq_fetch) -> ExternalInterrupt exit -> IrqInjected ->
GuestEoi, and for every one taken while the vCPU was halted IrqEntry (vector 5) ->
IrqDispatch (through IRQ_HANDLER) -> IrqInjected -> GuestEoi.

usage: check_trace.py --build-dir BUILD [--gic 2|3]
"""
import argparse
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = struct.Struct("<IHHIIQ")
RECORD = struct.Struct("<QQQQQHHI")
EXIT_EXTERNAL_INTERRUPT = 5
IRQ_ENTRY, IRQ_DISPATCH, IRQ_INJECTED, GUEST_EOI = 0x101, 0x102, 0x103, 0x104
TIMER = 27


def dump_ring(build: Path, gic: str, out: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        socket = Path(tmp) / "gdb.sock"
        qemu = subprocess.Popen(
            [sys.executable, str(ROOT / "tools" / "el2lab_run.py"), "--build-dir", str(build),
             "--gic", gic, "--gdb-socket", str(socket),
             str(build / "aarch64" / "guests" / "timer" / "timer.elf")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            for _ in range(100):
                if socket.exists():
                    break
                time.sleep(0.1)
            elf = build / "aarch64" / "core" / "el2" / "el2lab.elf"
            gdb = subprocess.run(
                ["gdb-multiarch", "-q", "-nx", "--batch", "-ex", "set architecture aarch64",
                 "-ex", f"file {elf}", "-ex", f"target remote {socket}",
                 "-ex", "break el2lab::firmware::system_off", "-ex", "continue",
                 "-ex", f"dump binary memory {out} (char*)&el2lab_trace "
                        "(char*)&el2lab_trace + sizeof(el2lab_trace)"],
                capture_output=True, text=True, timeout=90)
            return gdb.stdout + gdb.stderr
        finally:
            os.killpg(qemu.pid, signal.SIGTERM)
            qemu.wait(timeout=10)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", type=Path, required=True)
    p.add_argument("--gic", choices=["2", "3"], default="3")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ring_file = Path(tmp) / "ring.bin"
        log = dump_ring(args.build_dir, args.gic, ring_file)
        if not ring_file.exists():
            print(log)
            print("CHECK FAILED: could not dump el2lab_trace at the power-off call")
            print("0 passed, 1 failed")
            return 1
        data = ring_file.read_bytes()

    magic, version, size, capacity, _, next_seq = HEADER.unpack_from(data)
    failures = []
    if (magic, version, size) != (0x45435254, 1, 48):
        failures.append(f"header: magic {magic:#x} version {version} record size {size}")
    records = []
    for seq in range(max(1, next_seq - capacity), next_seq):
        r = RECORD.unpack_from(data, 24 + ((seq - 1) % capacity) * RECORD.size)
        if r[0] == seq:
            records.append(r)
    # (seq, icount, esr, address, guest_pc, kind, cpu, vcpu)
    kinds = [(r[5], r[3], r[2]) for r in records]

    # Walk the history and follow each timer interrupt through its stages.
    lower, halted, open_irqs = 0, 0, {}
    i = 0
    while i < len(kinds):
        kind, address, detail = kinds[i]
        if kind == IRQ_ENTRY:
            vector = address
            if i + 1 >= len(kinds) or kinds[i + 1][0] != IRQ_DISPATCH:
                failures.append(f"record {i}: IrqEntry not followed by IrqDispatch")
                i += 1
                continue
            intid, how = kinds[i + 1][1], kinds[i + 1][2]
            if vector == 9:
                if how != 0:
                    failures.append(f"record {i}: lower-EL IRQ not dispatched by the direct call")
                if i + 2 >= len(kinds) or kinds[i + 2][0] != EXIT_EXTERNAL_INTERRUPT:
                    failures.append(f"record {i}: lower-EL IRQ not followed by its ExternalInterrupt exit")
                if intid == TIMER:
                    lower += 1
                    open_irqs.setdefault(TIMER, []).append(("lower", i))
            elif vector == 5:
                if how != 1:
                    failures.append(f"record {i}: EL2 IRQ not dispatched through IRQ_HANDLER")
                if intid == TIMER:
                    halted += 1
                    open_irqs.setdefault(TIMER, []).append(("halted", i))
        elif kind == IRQ_INJECTED and address == TIMER:
            pending = open_irqs.get(TIMER, [])
            if not pending:
                failures.append(f"record {i}: injection of the timer with no interrupt before it")
            else:
                path, start = pending.pop(0)
                # The guest's EOI must come later, for the list register it was put in.
                lr = detail
                if not any(k == GUEST_EOI and a == TIMER and d == lr for k, a, d in kinds[i + 1:]):
                    if i < len(kinds) - 12:  # the very last ticks may still be in flight
                        failures.append(f"record {i}: timer injected into LR{lr} never EOI'd")
        i += 1

    print(f"trace: {len(records)} records, {lower} timer ticks via the IRQ exit, "
          f"{halted} via IRQ_HANDLER at EL2")
    if lower == 0:
        failures.append("no timer interrupt went through the lower-EL path in the ring")
    if halted == 0 and len(records) == next_seq - 1:
        failures.append("no timer interrupt went through IRQ_HANDLER")
    for f in failures[:10]:
        print(f"CHECK FAILED: {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
