#!/usr/bin/env python3
"""The IRQ path, read back from the trace ring: every interrupt must show its stages in order.

Runs a guest under QEMU waiting for GDB, lets it run to the hypervisor's power-off call, dumps
`el2lab_trace` and decodes it with the layout documented in core/portable/trace.h
(independently of the GDB package). The records of each physical CPU are followed on their
own (CPUs append to the ring concurrently, so only each CPU's own records are in order):

  an IRQ that makes the guest exit leaves one record, its ExternalInterrupt exit (INTID in
      its address: the direct H::irq_fetch() call dispatched it) and no IrqEntry of its own;
      an IRQ taken at EL2 (vector 5, the vCPU halted) leaves an IrqEntry followed by its
      IrqDispatch through the indirect IRQ_HANDLER call;
  every timer tick (INTID 27) the HAL acknowledged is injected into the same CPU's guest;
  every injection (IrqInjected into list register n) is followed by the guest's EOI
      (GuestEoi for the same INTID and list register);
  every injected SGI was asked for before it, by some vCPU: a SendIPI exit (GICv3) or a
      GICD_SGIR write (GICv2);
  kicks (the physical SGI 1 one CPU sends another) go through the same entry -> dispatch
      stages as any interrupt.

The timer guest (one vCPU) must show ticks through both paths; the ipi guest on 4 CPUs must
show SGIs injected on several CPUs and kicks between them.

usage: check_irq_trace.py --build-dir BUILD [--gic 2|3] [--guest timer|ipi] [--smp N]
"""
import argparse
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "gdb" / "tests"))
import harness  # noqa: E402  (QEMU under the gdbstub, as every live GDB test starts it)
HEADER = struct.Struct("<IHHIIQ")
RECORD = struct.Struct("<QQQQQHHI16x")  # layout version 3: 64-byte records
EXIT_MMIO_WRITE, EXIT_EXTERNAL_INTERRUPT, EXIT_SEND_IPI = 2, 5, 9
IRQ_ENTRY, IRQ_DISPATCH, IRQ_INJECTED, GUEST_EOI = 0x101, 0x102, 0x103, 0x104
TIMER, KICK = 27, 1
GICD_SGIR = 0x0800_0f00
VECTOR_LOWER_IRQ, VECTOR_EL2_IRQ = 9, 5
# Records at either end of the window may belong to an interrupt whose other stages fell out
# of the ring (it wraps) or had not happened yet at the power-off call.
SLACK = 12


def dump_ring(build: Path, gic: str, guest: str, smp: int, out: Path) -> str:
    """Runs `guest` to the hypervisor's power-off call and dumps the ring into `out`; returns
    GDB's output. A plain GDB session: the ring is read without el2lab's GDB package."""
    with tempfile.TemporaryDirectory() as tmp:
        image = harness.guest(build, guest)
        with harness.Qemu(build, image, Path(tmp), smp=smp, gic=int(gic), icount=False) as qemu:
            elf = build / "aarch64" / "core" / "el2" / "el2lab.elf"
            gdb = subprocess.run(
                ["gdb-multiarch", "-q", "-nx", "--batch", "-ex", "set architecture aarch64",
                 "-ex", f"file {elf}", "-ex", f"target remote {qemu.socket}",
                 "-ex", "break el2lab::firmware::system_off", "-ex", "continue",
                 # The ring by its ELF symbol (::, the global scope) and its type's size. In
                 # system_off's frame a bare `el2lab_trace` may resolve to one of the DWARF
                 # declarations of the extern "C" variable in namespace el2lab, which have no
                 # address ("Missing ELF symbol el2lab::el2lab_trace"); which one GDB meets
                 # first depends on the image's layout.
                 "-ex", f"dump binary memory {out} (char*)&::el2lab_trace "
                        "(char*)&::el2lab_trace + sizeof(el2lab::TraceRing)"],
                capture_output=True, text=True, timeout=90)
            return gdb.stdout + gdb.stderr


def read_ring(data: bytes, failures: list[str]) -> tuple[list[tuple], int]:
    magic, version, size, capacity, _, next_seq = HEADER.unpack_from(data)
    if (magic, version, size) != (0x45435254, 3, 64):
        failures.append(f"header: magic {magic:#x} version {version} record size {size}")
        return [], 0
    records = []
    for seq in range(max(1, next_seq - capacity), next_seq):
        r = RECORD.unpack_from(data, 64 + (seq % capacity) * RECORD.size)  # records at 64
        if r[0] == seq:  # (seq, icount, esr, address, guest_pc, kind, cpu, vcpu)
            records.append(r)
    return records, next_seq


class Stats:
    def __init__(self) -> None:
        self.lower = self.halted = self.kicks = 0
        self.sgis: dict[int, int] = {}  # CPU -> SGIs injected there


def check_cpu(cpu: int, stream: list[tuple], requests: list[int], stats: Stats,
              failures: list[str]) -> None:
    """One CPU's records in order; `requests` are the seqs of SGI requests from any CPU."""
    waiting_timer = []  # indices of timer dispatches not injected yet
    for i, (seq, _, detail, address, _, kind, _, _) in enumerate(stream):
        near_start, near_end = i < SLACK, i >= len(stream) - SLACK
        where = f"CPU {cpu}, record #{seq}"
        if kind == EXIT_EXTERNAL_INTERRUPT:
            intid = address
            stats.lower += intid == TIMER
            if intid == TIMER:
                waiting_timer.append(i)
            stats.kicks += intid == KICK
        elif kind == IRQ_ENTRY:
            if i + 1 >= len(stream):
                continue
            if stream[i + 1][5] != IRQ_DISPATCH:
                failures.append(f"{where}: IrqEntry not followed by IrqDispatch")
                continue
            intid, how = stream[i + 1][3], stream[i + 1][2]
            if address == VECTOR_LOWER_IRQ:
                failures.append(f"{where}: an IrqEntry for a guest exit (its exit record is "
                                f"the only one it should leave)")
                continue
            elif address == VECTOR_EL2_IRQ:
                if how != 1:
                    failures.append(f"{where}: EL2 IRQ not dispatched through IRQ_HANDLER")
                stats.halted += intid == TIMER
            else:
                failures.append(f"{where}: IrqEntry from vector {address}, not an IRQ vector")
            if intid == TIMER:
                waiting_timer.append(i)
            stats.kicks += intid == KICK
        elif kind == IRQ_INJECTED:
            lr = detail
            if address == TIMER:
                if waiting_timer:
                    waiting_timer.pop(0)
                elif not near_start:
                    failures.append(f"{where}: timer injected with no tick acknowledged before it")
            elif address < 16:
                stats.sgis[cpu] = stats.sgis.get(cpu, 0) + 1
                if not any(r < seq for r in requests) and not near_start:
                    failures.append(f"{where}: SGI {address} injected but no vCPU asked for it")
            later = stream[i + 1:]
            if not any(k == GUEST_EOI and a == address and d == lr for _, _, d, a, _, k, _, _ in later):
                if not near_end:
                    failures.append(f"{where}: INTID {address} injected into LR{lr} never EOI'd")
    if len(waiting_timer) > 1:  # the last tick may be in flight at the power-off call
        failures.append(f"CPU {cpu}: {len(waiting_timer)} timer ticks acknowledged, never injected")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", type=Path, required=True)
    p.add_argument("--gic", choices=["2", "3"], default="3")
    p.add_argument("--guest", choices=["timer", "ipi"], default="timer")
    p.add_argument("--smp", type=int, default=2)
    args = p.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        ring_file = Path(tmp) / "ring.bin"
        log = dump_ring(args.build_dir, args.gic, args.guest, args.smp, ring_file)
        if not ring_file.exists():
            print(log)
            print("CHECK FAILED: could not dump el2lab_trace at the power-off call")
            print("0 passed, 1 failed")
            return 1
        records, next_seq = read_ring(ring_file.read_bytes(), failures)

    requests = [r[0] for r in records
                if r[5] == EXIT_SEND_IPI or (r[5] == EXIT_MMIO_WRITE and r[3] == GICD_SGIR)]
    stats = Stats()
    cpus = sorted({r[6] for r in records})
    for cpu in cpus:
        check_cpu(cpu, [r for r in records if r[6] == cpu], requests, stats, failures)

    wrapped = len(records) < next_seq - 1
    print(f"trace: {len(records)} records{' (the ring wrapped)' if wrapped else ''} from CPUs "
          f"{cpus}; timer ticks: {stats.lower} via the IRQ exit, {stats.halted} via IRQ_HANDLER "
          f"at EL2; {stats.kicks} kicks; SGIs injected per CPU {stats.sgis}")
    if args.guest == "timer":
        if stats.lower == 0:
            failures.append("no timer interrupt went through the lower-EL path in the ring")
        if stats.halted == 0 and not wrapped:
            failures.append("no timer interrupt went through IRQ_HANDLER")
    else:
        if len(stats.sgis) < min(args.smp, 2):
            failures.append(f"SGIs were injected on {len(stats.sgis)} CPUs only")
        if args.smp > 1 and stats.kicks == 0:
            failures.append("no kick between CPUs in the ring")
    for f in failures[:10]:
        print(f"CHECK FAILED: {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
