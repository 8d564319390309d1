"""The hypervisor's debug block (core/el2/debug_block.h), decoded in plain Python for `hv gic`.

Layout (version 1, little-endian; the C++ header checks the offsets at compile time):

  header   +0 magic "EL2D" (u32)  +4 version  +8 vcpu_size  +12 max_vcpus  +16 armed  +20 reserved
  vcpus[]  from +24, vcpu_size bytes each, by vCPU id:
           +0 snapshots (u64, 0 = none)  +8 guest_pc  +16 cntv_ctl  +24 cntv_cval  +32 cntvct
           +40 power (u32: 0 off, 1 on pending, 2 on)  +44 lr_count  +48 lr_empty  +52 pending
           +56 lr[16] (u64 each, ICH_LR<n>_EL2 format)
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = 0x4432_4C45
VERSION = 1
HEADER = struct.Struct("<IIIIII")
VCPU = struct.Struct("<QQQQQIIII16Q")
ARMED_OFFSET = 16
VCPUS_OFFSET = 24

POWER = {0: "OFF", 1: "ON_PENDING", 2: "ON"}
LR_STATE = {0: "invalid", 1: "pending", 2: "active", 3: "pending+active"}


@dataclass
class Header:
    magic: int
    version: int
    vcpu_size: int
    max_vcpus: int
    armed: int

    def problem(self) -> str:
        """Why this is not a block this reader understands ('' if it is)."""
        if self.magic != MAGIC:
            return f"no debug block there (magic {self.magic:#x})"
        if self.version != VERSION or self.vcpu_size != VCPU.size:
            return (f"debug block version {self.version} ({self.vcpu_size}-byte slots): this GDB "
                    f"package reads version {VERSION} ({VCPU.size}-byte slots)")
        return ""


@dataclass
class Vcpu:
    id: int
    snapshots: int
    guest_pc: int
    cntv_ctl: int
    cntv_cval: int
    cntvct: int
    power: int
    lr_count: int
    lr_empty: int
    pending: int
    lr: tuple


def parse_header(data: bytes) -> Header:
    magic, version, size, count, armed, _ = HEADER.unpack_from(data)
    return Header(magic, version, size, count, armed)


def parse_vcpu(vcpu_id: int, data: bytes) -> Vcpu:
    f = VCPU.unpack_from(data)
    return Vcpu(vcpu_id, *f[:9], tuple(f[9:]))


def decode_lr(value: int) -> str:
    """'pending vINTID 27, HW pINTID 27, priority 0xa0, group 1' for an ICH_LR<n>_EL2 value."""
    state = LR_STATE[value >> 62]
    if state == "invalid" and value & 0xFFFFFFFF == 0:
        return "invalid (empty)"
    if state == "invalid":
        # el2lab leaves a list register the guest finished as the GIC left it: free, with
        # the old contents still in it.
        parts = [f"invalid (free; last held vINTID {value & 0xFFFFFFFF}"]
    else:
        parts = [f"{state} vINTID {value & 0xFFFFFFFF}"]
    if (value >> 61) & 1:
        parts.append(f"HW pINTID {(value >> 32) & 0x1FFF}: the guest's EOI deactivates it")
    elif (value >> 41) & 1:
        parts.append("EOI maintenance interrupt")
    parts.append(f"priority {(value >> 48) & 0xFF:#x}")
    parts.append(f"group {(value >> 60) & 1}")
    return ", ".join(parts) + (")" if state == "invalid" else "")


def describe_timer(ctl: int, cval: int, cntvct: int) -> str:
    if not ctl & 1:
        return "virtual timer off (CNTV_CTL_EL0.ENABLE 0)"
    masked = ", output masked (IMASK)" if ctl & 2 else ""
    if ctl & 4 or cval <= cntvct:
        when = "condition met (ISTATUS 1): its interrupt (INTID 27) is asserted" + (
            " but masked" if ctl & 2 else "")
    else:
        when = f"fires in {cval - cntvct} ticks (CNTV_CVAL_EL0 {cval:#x}, CNTVCT_EL0 {cntvct:#x})"
    return f"virtual timer on{masked}: {when}"


def report(v: Vcpu) -> list[str]:
    lines = [f"vCPU {v.id}: power {POWER.get(v.power, v.power)}; snapshot {v.snapshots} taken as the "
             f"exit at guest PC {v.guest_pc:#x} arrived"]
    lines.append(f"  {describe_timer(v.cntv_ctl, v.cntv_cval, v.cntvct)}")
    lines.append(f"  virtual interrupts queued for a list register: {v.pending}")
    count = min(v.lr_count, len(v.lr))
    lines.append(f"  list registers: {v.lr_count} (empty: "
                 + (", ".join(f"LR{n}" for n in range(count) if (v.lr_empty >> n) & 1) or "none") + ")")
    for n in range(count):
        lines.append(f"    LR{n}  {v.lr[n]:#018x}  {decode_lr(v.lr[n])}")
    return lines
