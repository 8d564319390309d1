"""Reading the hypervisor's trace ring (`el2lab_trace`, layout in core/portable/trace.h)."""
from __future__ import annotations

import struct
from dataclasses import dataclass

import gdb

from . import cpu_state, exits, trace_events

MAGIC = 0x45435254  # "TRCE"
HEADER = struct.Struct("<IHHII Q")  # magic, version, record_size, capacity, reserved, next_seq
RECORDS_OFFSET = 64  # the records follow the header, 64-byte aligned
RECORD = struct.Struct("<QQQQQHHI16x")  # seq, icount, esr, address, guest_pc, kind, cpu, vcpu, reserved

EXIT_KINDS = exits.EXIT_KINDS  # one table (exits.py), checked against the build's
EVENT_KINDS = trace_events.EVENT_KINDS  # one table (trace_events.py), checked against the build's


@dataclass
class Record:
    seq: int
    icount: int
    esr: int
    address: int
    guest_pc: int
    kind: int
    cpu: int
    vcpu: int

    @property
    def is_exit(self) -> bool:
        return self.kind < len(EXIT_KINDS)

    @property
    def kind_name(self) -> str:
        if self.kind < len(EXIT_KINDS):
            return EXIT_KINDS[self.kind]
        return EVENT_KINDS.get(self.kind, f"kind {self.kind:#x}")


def read_ring() -> list[Record]:
    """The records still in the ring, oldest first. Raises cpu_state.StateError."""
    cpu_state.require_target()
    # The ELF symbol, from the global scope: in a frame inside namespace el2lab a bare name may
    # resolve to a DWARF declaration of the extern "C" variable that has no address.
    address = None
    for expression in ("&::el2lab_trace", "&el2lab_trace"):
        try:
            address = int(gdb.parse_and_eval(expression).cast(gdb.lookup_type("unsigned long")))
            break
        except gdb.error:
            continue
    if address is None:
        raise cpu_state.StateError("no symbol el2lab_trace: is the hypervisor's ELF loaded?")
    inferior = gdb.selected_inferior()
    magic, version, record_size, capacity, _, next_seq = HEADER.unpack(
        bytes(inferior.read_memory(address, HEADER.size)))
    if magic != MAGIC or record_size != RECORD.size or capacity == 0:
        raise cpu_state.StateError(f"el2lab_trace at {address:#x} does not hold a trace ring "
                                   f"(magic {magic:#x}, record size {record_size})")
    data = bytes(inferior.read_memory(address + RECORDS_OFFSET, capacity * RECORD.size))
    records = []
    first = max(1, next_seq - capacity)
    for seq in range(first, next_seq):
        slot = seq % capacity  # layout version 3
        record = Record(*RECORD.unpack_from(data, slot * RECORD.size))
        if record.seq == seq:  # skip a slot being rewritten
            records.append(record)
    return records
