"""The VM's device map in plain Python: which guest-physical range is which emulated device.

No `import gdb` (the unit test runs it with plain python3); devices.py fills a DeviceMap from
the running hypervisor. The narration never decides on its own what the hypervisor emulates:
the ranges come from the hypervisor (its exported device table, or its VM's configuration),
and the only facts kept here are architectural ones — the size of a GICv3 distributor and of
one redistributor, and register names from the GIC and PL011 manuals — plus the guest ABI's
test device (core/portable/guest_abi.h, checked against that header by tests/test_esr.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import constants

# Architecture, not el2lab: GICv3 distributor (64 KiB) and redistributor (RD + SGI frames,
# 2 x 64 KiB) sizes; the PL011 block is 4 KiB.
GICD_SIZE = 0x1_0000
GICR_STRIDE = 0x2_0000
PL011_SIZE = 0x1000
# The guest ABI's test device (guest_abi.h test_device::kBase, kSize).
TEST_DEVICE = 0x0b00_0000
TEST_DEVICE_SIZE = 0x1000

PL011_REGS = {0x000: "UARTDR", 0x018: "UARTFR", 0x024: "UARTIBRD", 0x028: "UARTFBRD",
              0x02c: "UARTLCR_H", 0x030: "UARTCR", 0x038: "UARTIMSC", 0x044: "UARTICR"}
TEST_DEVICE_REGS = {0x100: "ID", 0x108: "pattern"}
_GICD_REGS = {0x000: "GICD_CTLR", 0x004: "GICD_TYPER", 0x008: "GICD_IIDR", 0x00c: "GICD_TYPER2",
              0xf00: "GICD_SGIR", 0xffe8: "GICD_PIDR2"}
_GICD_BANKS = [(0x080, "GICD_IGROUPR"), (0x100, "GICD_ISENABLER"), (0x180, "GICD_ICENABLER"),
               (0x200, "GICD_ISPENDR"), (0x280, "GICD_ICPENDR"), (0x300, "GICD_ISACTIVER"),
               (0x380, "GICD_ICACTIVER"), (0x400, "GICD_IPRIORITYR"), (0x800, "GICD_ITARGETSR"),
               (0xc00, "GICD_ICFGR"), (0x6000, "GICD_IROUTER")]
_GICR_REGS = {0x0000: "GICR_CTLR", 0x0004: "GICR_IIDR", 0x0008: "GICR_TYPER", 0x0014: "GICR_WAKER",
              0xffe8: "GICR_PIDR2", 0x10080: "GICR_IGROUPR0", 0x10100: "GICR_ISENABLER0",
              0x10180: "GICR_ICENABLER0", 0x10200: "GICR_ISPENDR0", 0x10280: "GICR_ICPENDR0",
              0x10300: "GICR_ISACTIVER0", 0x10380: "GICR_ICACTIVER0", 0x10c00: "GICR_ICFGR0",
              0x10c04: "GICR_ICFGR1"}

# The GIC's register names come from the hypervisor's own table (core/portable/gic_registers.h,
# generated into constants at build time); the tables above serve a tree never built, and
# gdb.constants_match_build fails if they drift.
GICD_REGS = constants.get("GICD_REGS", _GICD_REGS)
GICD_BANKS = constants.get("GICD_BANKS", _GICD_BANKS)
GICR_REGS = constants.get("GICR_REGS", _GICR_REGS)

@dataclass
class Device:
    name: str   # "the GIC distributor (GICD)"
    base: int
    size: int
    kind: str   # "pl011" | "gicd" | "gicr" | "test" | "" (unknown: named only)

    def register(self, offset: int) -> str:
        """'GICR_WAKER of vCPU 1's redistributor' style detail of an access at base+offset."""
        if self.kind == "pl011":
            return PL011_REGS.get(offset, "")
        if self.kind == "test":
            return TEST_DEVICE_REGS.get(offset, "scratch" if offset < 0x100 else "unlisted") + " register"
        if self.kind == "gicd":
            if offset in GICD_REGS:
                return GICD_REGS[offset]
            for start, reg in reversed(GICD_BANKS):
                if offset >= start:
                    return f"{reg}<n>" if offset < start + 0x400 or reg == "GICD_IROUTER" else ""
            return ""
        if self.kind == "gicr":
            vcpu, within = divmod(offset, GICR_STRIDE)
            reg = GICR_REGS.get(within) or ("GICR_IPRIORITYR<n>" if 0x10400 <= within < 0x10420 else "")
            return f"{reg + ' of ' if reg else ''}vCPU {vcpu}'s redistributor"
        return ""


@dataclass
class DeviceMap:
    source: str                        # where the ranges came from, said in the narration
    devices: list[Device] = field(default_factory=list)

    def find(self, address: int) -> Device | None:
        return next((d for d in self.devices if d.base <= address < d.base + d.size), None)

    def describe(self, address: int) -> str | None:
        """'the GIC distributor (GICD) GICD_CTLR (+0x0)', or None if no device is there."""
        d = self.find(address)
        if d is None:
            return None
        offset = address - d.base
        reg = d.register(offset)
        return f"{d.name}{', ' + reg if reg else ''} (+{offset:#x})"


def from_config(uart: int, gicd: int, gicr: int, vcpus: int, source: str) -> DeviceMap:
    """The map a Vm<H> with this VmConfig serves (core/el2/vm.h: mmio_read, mmio_write)."""
    m = DeviceMap(source)
    if uart:
        m.devices.append(Device("the PL011 console", uart, PL011_SIZE, "pl011"))
    if gicd:
        m.devices.append(Device("the GIC distributor (GICD)", gicd, GICD_SIZE, "gicd"))
    if gicr:
        m.devices.append(Device("the GIC redistributors (GICR)", gicr, GICR_STRIDE * max(vcpus, 1), "gicr"))
    m.devices.append(Device("the test device", TEST_DEVICE, TEST_DEVICE_SIZE, "test"))
    return m


# The names an exported device table may use, and the kind each maps to.
KIND_BY_NAME = {"pl011": "pl011", "uart": "pl011", "gicd": "gicd", "gicr": "gicr", "test": "test"}
NAME_BY_KIND = {"pl011": "the PL011 console", "gicd": "the GIC distributor (GICD)",
                "gicr": "the GIC redistributors (GICR)", "test": "the test device"}
