"""Unit tests of the trace reader and the round-trip counter, on hand-written trace lines.

The lines follow QEMU 7.2's formats (accel/tcg/cpu-exec.c, log_cpu_exec and cpu_tb_exec;
accel/tcg/translate-all.c, cpu_io_recompile; target/arm/helper.c, arm_log_exception), with
made-up addresses. Run: python3 -m unittest discover -s tools/bench -p 'test_*.py'
"""

from __future__ import annotations

import unittest

from exec_trace import TraceFormatError, executed, pc_key
from roundtrips import GuestLayout, count_round_trips


def trace(cpu: int, pc: int, cflags: str = "ff020201") -> bytes:
    return (f"Trace {cpu}: 0x7f12340{pc & 0xfff:05x} [0000000000000000/{pc:016x}/00000061/"
            f"{cflags}] \n").encode()


# An HVC on CPU 0 answered at EL2, with CPU 1 interleaved, one block stopped before it ran
# (icount budget) and one rewound at an I/O access; every way a logged line can fail to count.
SNIPPET = b"".join([
    trace(0, 0x40080090),                                       # the hvc (guest)
    b"Taking exception 11 [Hypervisor Call] on CPU 0\n",
    b"...from EL1 to EL2\n",
    b"...with ESR 0x16/0x5a000000\n",
    b"...with ELR 0x40080094\n",
    b"...to EL2 PC 0x70000c00 PSTATE 0x3c9\n",
    trace(0, 0x70000c00),
    trace(1, 0x70000400),                                       # the other CPU, parked
    trace(0, 0x70000c04),
    trace(0, 0x70000c08),                                       # logged, did not start:
    b"Stopped execution of TB chain before 0x7f1234000c08 [0000000070000c08] \n",
    trace(0, 0x70000c08),                                       # ... runs here
    trace(0, 0x70000c0c),                                       # an MMIO load, abandoned:
    b"cpu_io_recompile: rewound execution of TB to 0000000070000c0c\n",
    trace(0, 0x70000c0c, "ff038201"),                           # ... run again, last I/O
    trace(0, 0x70000c10),                                       # eret
    b"Exception return from AArch64 EL2 to AArch64 EL1 PC 0x40080094\n",
    trace(0, 0x40080094),                                       # back in the guest
])


class ExecutedTest(unittest.TestCase):
    def test_keeps_what_ran_per_cpu(self) -> None:
        events = list(executed(SNIPPET.splitlines(keepends=True)))
        cpu0 = [int(pc, 16) for cpu, pc in events if cpu == 0]
        cpu1 = [int(pc, 16) for cpu, pc in events if cpu == 1]
        self.assertEqual(cpu0, [0x40080090, 0x70000c00, 0x70000c04, 0x70000c08, 0x70000c0c,
                                0x70000c10, 0x40080094])
        self.assertEqual(cpu1, [0x70000400])

    def test_stopped_line_of_another_pc_drops_nothing(self) -> None:
        lines = [trace(0, 0x1000), b"Stopped execution of TB chain before 0x0 [0000000000002000] \n",
                 trace(0, 0x1004)]
        self.assertEqual([pc for _, pc in executed(lines)], [pc_key(0x1000), pc_key(0x1004)])

    def test_cpu_numbers_of_two_digits(self) -> None:
        line = b"Trace 12: 0x7f00 [0000000000000000/0000000040080000/00000061/ff020201] \n"
        self.assertEqual(list(executed([line])), [(12, pc_key(0x40080000))])

    def test_malformed_trace_line_is_an_error(self) -> None:
        with self.assertRaises(TraceFormatError):
            list(executed([b"Trace 0: 0x7f00 [garbage]\n"]))
        with self.assertRaises(TraceFormatError):
            list(executed([b"Trace x: 0x7f00 [0000000000000000/0000000040080000/0/0]\n"]))

    def test_other_lines_are_skipped(self) -> None:
        self.assertEqual(list(executed([b"Taking exception 5 [IRQ] on CPU 0\n", b"\n", b"junk\n"])),
                         [])


# A guest at [0x1000, 0x2000): labels and markers at made-up addresses, the hypervisor above.
G = GuestLayout(start=pc_key(0x1000), end=pc_key(0x2000),
                triggers={pc_key(0x1100): "hvc", pc_key(0x1200): "irq_wfi"},
                region=(pc_key(0x1300), pc_key(0x1310)), region_kind="irq_running",
                irq_vector=pc_key(0x1800), measure_begin=pc_key(0x1010),
                measure_end=pc_key(0x1014))
BEGIN, END, HVC, WFI, SPIN, VECTOR = 0x1010, 0x1014, 0x1100, 0x1200, 0x1304, 0x1800


def ev(cpu: int, *pcs: int) -> list[tuple[int, bytes]]:
    return [(cpu, pc_key(pc)) for pc in pcs]


def el2(n: int, base: int = 0x7000_0000) -> list[int]:
    return [base + 4 * i for i in range(n)]


class RoundTripTest(unittest.TestCase):
    def test_trap_round_trip_counts_the_trap_and_el2(self) -> None:
        events = ev(0, BEGIN, HVC, *el2(5), HVC + 4, END)
        found, seen = count_round_trips(events, G)
        self.assertEqual(found["hvc"].counts, [6])
        self.assertEqual(seen, len(events))
        self.assertEqual(found["hvc"].representative()[0], pc_key(HVC))

    def test_only_between_the_markers(self) -> None:
        events = ev(0, HVC, *el2(9), HVC + 4,               # warm-up: not counted
                    BEGIN, HVC, *el2(3), HVC + 4, END,
                    HVC, *el2(7), HVC + 4)                  # after the end: not counted
        found, _ = count_round_trips(events, G)
        self.assertEqual(found["hvc"].counts, [4])

    def test_trap_answered_without_leaving_the_guest_is_one(self) -> None:
        found, _ = count_round_trips(ev(0, BEGIN, HVC, HVC + 4, END), G)
        self.assertEqual(found["hvc"].counts, [1])

    def test_cpus_are_counted_apart(self) -> None:
        # CPU 1's EL2 work between CPU 0's instructions must not lengthen CPU 0's round trip,
        # and CPU 1 is not measuring.
        events = (ev(0, BEGIN, WFI) + ev(1, WFI, *el2(50, 0x7100_0000)) + ev(0, *el2(4))
                  + ev(1, WFI + 4) + ev(0, *el2(2), WFI + 4, END))
        found, _ = count_round_trips(events, G)
        self.assertEqual(found["irq_wfi"].counts, [7])
        self.assertEqual(found["irq_wfi"].cpus, {0})

    def test_interrupt_in_the_region_under_a_hypervisor(self) -> None:
        events = ev(0, BEGIN, SPIN, *el2(10), VECTOR, 0x1804, END)
        found, _ = count_round_trips(events, G)
        self.assertEqual(found["irq_running"].counts, [10])

    def test_interrupt_taken_by_the_guest_itself_is_zero(self) -> None:
        events = ev(0, BEGIN, SPIN, SPIN + 4, VECTOR, 0x1804, END)
        found, _ = count_round_trips(events, G)
        self.assertEqual(found["irq_running"].counts, [0])

    def test_exit_outside_any_label_is_not_a_round_trip(self) -> None:
        events = ev(0, BEGIN, 0x1500, *el2(20), 0x1504, END)
        found, _ = count_round_trips(events, G)
        self.assertTrue(all(not r.counts for r in found.values()))

    def test_representative_is_a_median_length_trip(self) -> None:
        events = ev(0, BEGIN)
        for n in (3, 5, 5, 9):
            events += ev(0, HVC, *el2(n), HVC + 4)
        found, _ = count_round_trips(events + ev(0, END), G)
        self.assertEqual(found["hvc"].counts, [4, 6, 6, 10])
        self.assertEqual(len(found["hvc"].representative()), 6)


if __name__ == "__main__":
    unittest.main()
