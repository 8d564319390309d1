#!/usr/bin/env python3
"""The GDB package's tables must equal what the hypervisor's C++ computes (gdb/gen_constants.cc).

usage: test_constants.py <build>/gdb/el2lab_constants.py
Plain python3: the package modules are imported with a stand-in `gdb` module.
"""
import os
import runpy
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gdb"))
sys.modules.setdefault("gdb", types.ModuleType("gdb"))  # esr/exits need no live GDB
# The package's own tables are what is checked: keep it from loading the generated ones.
os.environ["EL2LAB_BUILD"] = "/nonexistent"

failures = []


def check(ok: bool, what: str) -> None:
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def main() -> int:
    generated = runpy.run_path(sys.argv[1])
    from el2lab import device_map, esr, exits, trace_events  # noqa: E402  (after the gdb stand-in)
    check(len(generated["EXIT_KINDS"]) == 14, "the build names 14 exit kinds")
    check(exits.EXIT_KINDS == generated["EXIT_KINDS"], "exits.EXIT_KINDS == the build's")
    check(esr.VECTOR_NAMES == generated["VECTOR_NAMES"], "esr.VECTOR_NAMES == the build's")
    check(esr.KNOWN_SYSREGS == generated["KNOWN_SYSREGS"], "esr.KNOWN_SYSREGS == the build's")
    check(generated["KNOWN_SYSREGS"].get(0xC080) == "SCTLR_EL1",
          "the build names key 0xc080 SCTLR_EL1 (op0 3, op1 0, CRn 1, CRm 0, op2 0)")
    check(set(generated["MMIO_DEVICES"].values()) >= {"PL011 UART", "GIC distributor"},
          "the build names the MMIO bus's devices")
    check(device_map.GICD_REGS == generated["GICD_REGS"], "device_map.GICD_REGS == the build's")
    check(device_map.GICD_BANKS == generated["GICD_BANKS"], "device_map.GICD_BANKS == the build's")
    check(device_map.GICR_REGS == generated["GICR_REGS"], "device_map.GICR_REGS == the build's")
    # Architectural facts, independent of both tables (GIC specification offsets).
    check(generated["GICD_REGS"].get(0xf00) == "GICD_SGIR", "the build names GICD+0xf00 GICD_SGIR")
    check(generated["GICR_REGS"].get(0x10100) == "GICR_ISENABLER0",
          "the build names GICR+0x10100 GICR_ISENABLER0 (SGI frame + 0x100)")
    check(trace_events.EVENT_KINDS == generated["EVENT_KINDS"],
          "trace_events.EVENT_KINDS == the build's")
    check(trace_events.HAL_CALLS == generated["HAL_CALLS"], "trace_events.HAL_CALLS == the build's")
    check(generated["EVENT_KINDS"].get(0x105) == "HalCall" and
          generated["HAL_CALLS"].get(2) == "irq_fetch",
          "the build names trace kind 0x105 HalCall and HAL call 2 irq_fetch")
    check(trace_events.describe_hal_call(27, 2) == "H::irq_fetch() -> 27" and
          trace_events.describe_hal_call(0, 10 | ((1 << 24 | 27) << 32)) ==
          "H::write_list_register(0, vINTID 27 pending)",
          "a HalCall record reads as the call it was")
    check(exits.VCPU_ANSWERS_PSCI == generated["VCPU_ANSWERS_PSCI"] and
          exits.VCPU_LEAVES_CALLS == generated["VCPU_LEAVES_CALLS"],
          "exits' rule for the hypercalls a vCPU answers by itself == the build's")
    # PSCI facts: PSCI_VERSION needs nothing but the call, CPU_ON and AFFINITY_INFO need the VM.
    check(exits.answerable_by_vcpu(0x8400_0000) and not exits.answerable_by_vcpu(0xC400_0003)
          and not exits.answerable_by_vcpu(0x8400_0004) and exits.answerable_by_vcpu(0xC600_0002),
          "PSCI_VERSION and el2lab NOP are answered by the vCPU, CPU_ON and AFFINITY_INFO are not")
    print(f"{17 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
