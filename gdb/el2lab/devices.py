"""The running VM's device map, read from the hypervisor (see device_map.py for the pure part).

Sources, best first:

1. `el2lab_device_table`, a table the hypervisor exports for debuggers (not in core/ yet;
   this is the layout GDB reads, little-endian):

       offset  field       type      meaning
       0       magic       u32       0x54564544 ("DEVT" in memory order)
       4       version     u16       1
       6       entry_size  u16       32
       8       count       u32       number of entries that follow
       12      reserved    u32       0
       16      entries     count x { u64 base (guest IPA); u64 size (bytes);
                                     char name[16] (NUL-padded: "pl011", "gicd", "gicr",
                                     "test", or any other device's name) }

2. The VM's own configuration: el2lab_main's `static Vm<Hal> vm`, its config_ (uart_ipa,
   gicd_ipa, gicr_ipa, vcpu_count) — the values Vm<H>::mmio_read/mmio_write test addresses
   against — with the architectural sizes of the GIC frames.

If neither is readable (no debug information, the VM not built yet) there is no map, and the
narration says it cannot tell which device an address is, instead of guessing.
"""
from __future__ import annotations

import struct

import gdb

from . import cpu_state, device_map, symbols

TABLE_SYMBOL = "el2lab_device_table"
TABLE_MAGIC = 0x54564544
HEADER = struct.Struct("<IHHII")
ENTRY = struct.Struct("<QQ16s")


def _from_table() -> device_map.DeviceMap | None:
    address = symbols.address_of(TABLE_SYMBOL)
    if address is None:
        return None
    try:
        magic, version, entry_size, count, _ = struct.unpack_from(
            HEADER.format, cpu_state.read_bytes(address, HEADER.size))
        if magic != TABLE_MAGIC or version != 1 or entry_size != ENTRY.size or count > 64:
            return None
        data = cpu_state.read_bytes(address + HEADER.size, count * ENTRY.size)
    except cpu_state.StateError:
        return None
    m = device_map.DeviceMap(f"{TABLE_SYMBOL}")
    for i in range(count):
        base, size, raw = ENTRY.unpack_from(data, i * ENTRY.size)
        name = raw.split(b"\0", 1)[0].decode("ascii", "replace")
        kind = device_map.KIND_BY_NAME.get(name.lower(), "")
        m.devices.append(device_map.Device(device_map.NAME_BY_KIND.get(kind, name), base, size, kind))
    return m


def _from_vm_config() -> device_map.DeviceMap | None:
    try:
        config = gdb.parse_and_eval("'el2lab_main::vm'")["config_"]
        values = [int(config[f]) for f in ("uart_ipa", "gicd_ipa", "gicr_ipa", "vcpu_count")]
    except gdb.error:
        return None
    if not any(values[:3]):
        return None  # not constructed yet: nothing is emulated
    return device_map.from_config(*values, source="the VM's configuration (vm.config_)")


def current() -> device_map.DeviceMap | None:
    """The device map of the VM the stopped hypervisor runs, or None if it cannot be read."""
    with cpu_state.hypervisor_memory():
        return _from_table() or _from_vm_config()
