"""The running VM's device map, read from the hypervisor (see device_map.py for the pure part).

Sources, best first:

1. The VM's MMIO bus (core/portable/mmio_bus.h): el2lab_main's `static Vm<Hal> vm` holds it
   as `devices_.bus_` (MmioDevices, core/el2/mmio_devices.h), the one table every
   MmioRead/MmioWrite exit is looked up in — `regions_[i]` with `base`, `size` and `device`
   (an MmioDevice: kUart, kDistributor, kRedistributors, kTestDevice, kHalDevice), `count_`
   of them. GDB reads the same table the hypervisor routes with, so the
   narration cannot disagree with it.

2. The VM's configuration (`config_`: uart_ipa, gicd_ipa, gicr_ipa, vcpu_count) with the
   architectural sizes of the GIC frames, for a build without the bus.

If neither is readable (no debug information, the VM not built yet) there is no map, and the
narration says it cannot tell which device an address is, instead of guessing.
"""
from __future__ import annotations

import gdb

from . import cpu_state, device_map

VM = "'el2lab_main::vm'"
# MmioDevice enumerators (core/portable/mmio_bus.h) -> device_map kinds.
KIND_BY_ENUM = {"kUart": "pl011", "kDistributor": "gicd", "kRedistributors": "gicr",
                "kTestDevice": "test"}


def vm_value() -> gdb.Value:
    """el2lab_main's `static Vm<Hal> vm`. By name it resolves only where the stop's scope
    knows its type (a C++ frame); in a vector entry or the guest GDB finds just the ELF symbol
    ("unknown type"), so then it is taken from el2lab_main's block, which has the debug type."""
    try:
        value = gdb.parse_and_eval(VM)
        value["config_"]  # noqa: B018 — raises for a symbol without a type
        return value
    except gdb.error:
        pass
    from . import vcpu  # a late import: vcpu imports this module's neighbours
    for sym in vcpu.function_statics("el2lab_main"):
        if sym.name == "vm":
            return sym.value()
    raise gdb.error("el2lab_main's static `vm` is not in the debug information")


def _from_bus() -> device_map.DeviceMap | None:
    try:
        bus = vm_value()["devices_"]["bus_"]
        count = int(bus["count_"])
        regions = bus["regions_"]["_M_elems"]
        m = device_map.DeviceMap("the VM's MMIO bus (vm.devices_.bus_)")
        for i in range(min(count, 16)):
            r = regions[i]
            enum = str(r["device"]).rsplit("::", 1)[-1]
            kind = KIND_BY_ENUM.get(enum, "")
            name = device_map.NAME_BY_KIND.get(kind, enum)
            m.devices.append(device_map.Device(name, int(r["base"]), int(r["size"]), kind))
    except gdb.error:
        return None
    return m if m.devices else None


def _from_vm_config() -> device_map.DeviceMap | None:
    try:
        config = vm_value()["config_"]
        values = [int(config[f]) for f in ("uart_ipa", "gicd_ipa", "gicr_ipa", "vcpu_count")]
    except gdb.error:
        return None
    if not any(values[:3]):
        return None  # not constructed yet: nothing is emulated
    return device_map.from_config(*values, source="the VM's configuration (vm.config_)")


def current() -> device_map.DeviceMap | None:
    """The device map of the VM the stopped hypervisor runs, or None if it cannot be read."""
    with cpu_state.hypervisor_memory():
        return _from_bus() or _from_vm_config()
