"""Reads QEMU's instruction log (`-singlestep -d exec,nochain,int`) as per-CPU instruction streams.

With -singlestep every translation block is one instruction, and `-d exec` logs a line as a
block *starts*:

    Trace 1: 0x7f3a8c000100 [0000000000000000/0000000070000c00/00000061/ff020201] symbol

`Trace N` is the CPU (QEMU's cpu_index), the second field in brackets the instruction's virtual
address (16 hex digits). Not every logged block ran, so two kinds of lines take one back:

    Stopped execution of TB chain before 0x7f3a8c000100 [0000000070000c00] symbol
    cpu_io_recompile: rewound execution of TB to 0000000070009308

The first says the block just logged did not start (the instruction budget of -icount ran out);
the second that it was abandoned at an I/O access, to be translated again and run. Either way
it runs later under a new "Trace" line, so the earlier line must not count. Both are printed by
the CPU that logged the block, right after it, so each CPU's stream is held back by one line
until the next line shows whether it stood.

Everything else (`-d int`'s "Taking exception ..." and what follows it, console noise) is
skipped. The stream is read line by line, never held in memory: traces run to gigabytes.

PCs are kept as the 16 lowercase hex digits QEMU prints (bytes): comparing two of them is
comparing the addresses, and nothing has to be converted on the hot path.
"""

from __future__ import annotations

from typing import Iterable, Iterator

TRACE = b"Trace "
STOPPED = b"Stopped execution of TB chain before "
REWOUND = b"cpu_io_recompile: rewound execution of TB to "


def pc_key(address: int) -> bytes:
    """The form a PC takes in the trace: 16 lowercase hex digits."""
    return b"%016x" % address


class TraceFormatError(ValueError):
    """A "Trace" line that does not have the documented shape."""


def executed(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yields (cpu, pc) for every instruction that ran, in log order per CPU.

    Lines of different CPUs may come out in a slightly different interleaving than logged (each
    CPU is held back by one line); within one CPU the order is exact. This is the hot loop of
    `make bench` (millions of lines), hence the fixed offsets: the PC follows the first "/".
    """
    pending: dict[int, bytes | None] = {}  # each CPU's last logged instruction, unconfirmed
    last_cpu = -1
    for line in lines:
        if line[:6] == TRACE:
            slash = line.find(b"/")
            pc = line[slash + 1:slash + 17]
            cpu = line[6] - 48
            if line[7] != 58 or not 0 <= cpu <= 9:  # not "Trace N:" with one digit, the usual
                cpu = _cpu(line)
            if slash < 0 or line[slash + 17:slash + 18] != b"/":
                raise TraceFormatError(f"unexpected exec-trace line: {line[:120]!r}")
            held = pending.get(cpu)
            if held is not None:
                yield cpu, held
            pending[cpu] = pc
            last_cpu = cpu
        elif line.startswith(STOPPED) or line.startswith(REWOUND):
            # The block the current CPU just logged did not run (see the module comment).
            held = pending.get(last_cpu)
            if held is not None and held in line:
                pending[last_cpu] = None
    for cpu, pc in pending.items():
        if pc is not None:
            yield cpu, pc


def _cpu(line: bytes) -> int:
    """The CPU number of a "Trace N:" line with N of several digits (or a malformed one)."""
    try:
        return int(line[6:line.index(b":", 6)])
    except ValueError:
        raise TraceFormatError(f"unexpected exec-trace line: {line[:120]!r}") from None
