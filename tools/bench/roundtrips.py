"""Cuts per-CPU instruction streams into the round trips of kinds.py and counts them.

A round trip belongs to the CPU it starts on and ends at the first instruction that CPU runs
inside the guest image again (that instruction is not counted). Only round trips that start
while their CPU is between the guest's bench_measure_begin and bench_measure_end are kept: the
warm-up before them is what takes the hypervisor to its steady state.

  trap kinds       start at the labelled guest instruction, which is counted: on bare QEMU an
                   HVC that QEMU answers itself is a round trip of 1.
  interrupt kind   starts at the first instruction outside the guest that follows a guest
                   instruction in the labelled region; if the CPU goes from the region
                   straight to the guest's own IRQ vector (bare QEMU), the round trip is 0.

For the per-function breakdown, the PCs of measured round trips are kept for the first round
trip of each distinct length (a steady state has one or a few), so a representative one can be
picked once the median is known.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Callable, Iterable

from exec_trace import pc_key
from kinds import (GUEST_END, GUEST_IRQ_VECTOR, GUEST_START, KINDS, MEASURE_BEGIN,
                   MEASURE_END)

MAX_CPUS = 8
KEPT_LENGTHS = 16  # distinct round-trip lengths whose PCs are kept, per kind


@dataclass
class GuestLayout:
    """Addresses of the bench guest (from its ELF), as the trace spells PCs."""

    start: bytes            # the guest image: [start, end)
    end: bytes
    triggers: dict[bytes, str]   # trap label -> kind key
    region: tuple[bytes, bytes]  # the interrupt kind's spin loop [begin, end)
    region_kind: str
    irq_vector: bytes
    measure_begin: bytes
    measure_end: bytes

    @classmethod
    def from_addresses(cls, at: dict[str, int]) -> "GuestLayout":
        interrupt = [k for k in KINDS if k.start == "interrupt"]
        assert len(interrupt) == 1, "roundtrips.py handles one interrupt kind"
        return cls(
            start=pc_key(at[GUEST_START]), end=pc_key(at[GUEST_END]),
            triggers={pc_key(at[k.label]): k.key for k in KINDS if k.start == "trap"},
            region=(pc_key(at[interrupt[0].label]), pc_key(at[interrupt[0].label_end])),
            region_kind=interrupt[0].key,
            irq_vector=pc_key(at[GUEST_IRQ_VECTOR]),
            measure_begin=pc_key(at[MEASURE_BEGIN]), measure_end=pc_key(at[MEASURE_END]))


def labels_needed() -> list[str]:
    """Every guest symbol GuestLayout.from_addresses() needs."""
    names = [GUEST_START, GUEST_END, GUEST_IRQ_VECTOR, MEASURE_BEGIN, MEASURE_END]
    for kind in KINDS:
        names.append(kind.label)
        if kind.label_end:
            names.append(kind.label_end)
    return names


@dataclass
class KindResult:
    counts: list[int] = field(default_factory=list)        # measured round trips, in order
    samples: dict[int, list[bytes]] = field(default_factory=dict)  # length -> its PCs
    cpus: set[int] = field(default_factory=set)

    def median(self) -> float:
        return statistics.median(self.counts)

    def representative(self) -> list[bytes]:
        """The PCs of a kept round trip as long as the median (or the nearest kept length)."""
        if not self.samples:
            return []
        target = statistics.median_low(self.counts)
        best = min(self.samples, key=lambda length: (abs(length - target), length))
        return self.samples[best]


def count_round_trips(events: Iterable[tuple[int, bytes]], guest: GuestLayout,
                      progress: Callable[[int, int], None] | None = None,
                      every: int = 1 << 20) -> tuple[dict[str, KindResult], int]:
    """Consumes (cpu, pc) events; returns the measured round trips by kind key and the number
    of instructions seen. \\p progress(instructions, round_trips) is called now and then."""
    results = {kind.key: KindResult() for kind in KINDS}
    lo, hi = guest.start, guest.end
    triggers = guest.triggers
    region_lo, region_hi = guest.region
    region_kind = guest.region_kind
    vector, begin, end = guest.irq_vector, guest.measure_begin, guest.measure_end

    # Per-CPU state: the round trip in progress (kind key or None), its length, whether it is
    # measured, its PCs; whether the CPU is between the markers; its last guest PC.
    trip = [None] * MAX_CPUS
    length = [0] * MAX_CPUS
    pcs: list[list[bytes] | None] = [None] * MAX_CPUS
    measuring = [False] * MAX_CPUS
    last_guest = [b""] * MAX_CPUS
    seen = 0
    trips = 0

    def finish(cpu: int, kind: str, n: int, path: list[bytes] | None) -> None:
        nonlocal trips
        r = results[kind]
        r.counts.append(n)
        r.cpus.add(cpu)
        if path is not None and n not in r.samples and len(r.samples) < KEPT_LENGTHS:
            r.samples[n] = path
        trips += 1

    for cpu, pc in events:
        seen += 1
        if progress is not None and seen % every == 0:
            progress(seen, trips)
        if cpu >= MAX_CPUS:
            raise ValueError(f"trace names CPU {cpu}; the bench handles at most {MAX_CPUS}")
        if lo <= pc < hi:
            kind = trip[cpu]
            if kind is not None:
                if pcs[cpu] is not None:
                    finish(cpu, kind, length[cpu], pcs[cpu])
                trip[cpu] = None
            elif pc == vector and region_lo <= last_guest[cpu] < region_hi and measuring[cpu]:
                finish(cpu, region_kind, 0, [])  # taken by the guest itself: no hypervisor
            started = triggers.get(pc)
            if started is not None:
                trip[cpu] = started
                length[cpu] = 1
                pcs[cpu] = [pc] if measuring[cpu] else None
            elif pc == begin:
                measuring[cpu] = True
            elif pc == end:
                measuring[cpu] = False
            last_guest[cpu] = pc
        elif trip[cpu] is not None:
            length[cpu] += 1
            path = pcs[cpu]
            if path is not None:
                path.append(pc)
        elif region_lo <= last_guest[cpu] < region_hi:
            trip[cpu] = region_kind
            length[cpu] = 1
            pcs[cpu] = [pc] if measuring[cpu] else None
    return results, seen
