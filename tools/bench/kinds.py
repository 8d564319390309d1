"""The kinds of round trip `make bench` measures: one row of the table each.

Each kind names the guest label (guests/bench/kinds.S) where its round trip starts, and says
in words what is counted: these definitions are printed in the report and docs/benchmarks.md,
so change them together with the code that counts (roundtrips.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str             # CSV column value and test name: short, no spaces
    title: str           # the table's row name
    label: str           # the guest symbol the round trip starts at (see `start`)
    start: str           # "trap": at the label's instruction; "interrupt": an exit from the
                         # region [label, label_end) without a trapping instruction
    definition: str      # what one round trip is, in words (the docs quote it)
    goal: int | None     # issue 11's target for el2lab, in instructions (None: no target)
    label_end: str = ""  # end of the region, for start == "interrupt"


TRAP_COUNTING = ("from the trapping guest instruction (counted) to the guest's next "
                 "instruction (not counted), on the CPU that trapped")

KINDS: tuple[Kind, ...] = (
    Kind("hvc", "HVC PSCI_VERSION", "bench_hvc_trap", "trap",
         f"`hvc #0` with x0 = 0x84000000; {TRAP_COUNTING}", 150),
    Kind("mmio", "PL011 data write (MMIO)", "bench_mmio_trap", "trap",
         f"`str w1, [x0]` to UARTDR (0x09000000); {TRAP_COUNTING}", 200),
    Kind("sysreg_read", "sysreg read ID_AA64MMFR0_EL1 (TID3)", "bench_sysreg_read_trap", "trap",
         f"`mrs x0, id_aa64mmfr0_el1`; {TRAP_COUNTING}", 200),
    Kind("sysreg_write", "sysreg write CONTEXTIDR_EL1 (TVM)", "bench_sysreg_write_trap", "trap",
         f"`msr contextidr_el1, x0` with its current value; {TRAP_COUNTING}", 200),
    Kind("irq_running", "virtual timer IRQ, guest running", "bench_irq_run_begin", "interrupt",
         "the guest spins with IRQs unmasked until its virtual timer fires: from the first "
         "instruction the CPU runs outside the guest after leaving the spin loop (the EL2 IRQ "
         "vector) to the guest's next instruction (its own IRQ vector, not counted); no guest "
         "instruction is counted, so without a hypervisor the round trip is 0", 300,
         label_end="bench_irq_run_end"),
    Kind("irq_wfi", "virtual timer IRQ, vCPU in WFI", "bench_wfi_trap", "trap",
         "`wfi` with IRQs masked and the virtual timer armed 100 us ahead; "
         f"{TRAP_COUNTING}. The time the CPU sleeps costs no instructions", 400),
    Kind("sgi_send", "SGI send, sender's CPU", "bench_sgi_send_trap", "trap",
         "vCPU 0 writes ICC_SGI1R_EL1 for an SGI to vCPU 1, which is asleep in WFI; "
         f"{TRAP_COUNTING} (vCPU 0's)", None),
    Kind("sgi_wake", "SGI receive, target's CPU (in WFI)", "bench_sgi_wait_trap", "trap",
         "vCPU 1 waits in `wfi` (IRQs masked) until vCPU 0's SGI wakes it; "
         f"{TRAP_COUNTING} (vCPU 1's); the sleep costs no instructions", None),
)

# Where the analyser switches counting on and off, per CPU, and where the guest takes an IRQ.
MEASURE_BEGIN = "bench_measure_begin"
MEASURE_END = "bench_measure_end"
GUEST_IRQ_VECTOR = "guest_vector_el1_spx_irq"
GUEST_START = "__guest_start"
GUEST_END = "__guest_end"


def by_key(key: str) -> Kind:
    for kind in KINDS:
        if kind.key == key:
            return kind
    raise KeyError(key)
