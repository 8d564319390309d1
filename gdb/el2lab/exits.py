"""VmExit reasons in plain Python: names, one-line descriptions and what the run loop does.

A port of core/portable/vm_exit.cc (exit_name, describe_exit) and a summary of
core/el2/vm.h (Vm<H>::handle): given the active alternative of the VmExit std::variant and its
fields (read from memory by vmexit.py), say what the guest asked for and what happens next.
No `import gdb`: the unit test runs it with plain python3.
"""
from __future__ import annotations

from . import constants, device_map, esr

# The alternatives of el2lab::VmExit, in order (= abi::ExitKind), as arm_vcpu spells them.
EXIT_KINDS = ["Hypercall", "MmioRead", "MmioWrite", "SysRegRead", "SysRegWrite",
              "ExternalInterrupt", "CpuUp", "CpuDown", "SystemDown", "SendIPI", "Halt",
              "Nothing", "FailEntry", "Unhandled"]
EXIT_KINDS = constants.get("EXIT_KINDS", EXIT_KINDS)  # the build's, when there is one
# The C++ type of each alternative.
EXIT_TYPES = ["Hypercall", "MmioRead", "MmioWrite", "SysRegRead", "SysRegWrite",
              "ExternalInterrupt", "CpuUp", "CpuDown", "SystemDown", "SendIpi", "Halt",
              "Nothing", "FailEntry", "Unhandled"]

PSCI_NAMES = {0x8400_0000: "PSCI_VERSION", 0x8400_000A: "PSCI_FEATURES",
              0x8400_0004: "AFFINITY_INFO", 0xC400_0004: "AFFINITY_INFO",
              0x8400_0006: "MIGRATE_INFO_TYPE", 0xC400_0001: "CPU_SUSPEND"}
EL2LAB_CALLS = {0xC600_0001: "el2lab EXIT_COUNT", 0xC600_0002: "el2lab NOP",
                0xC600_0F00: "el2lab TEST_FAULT_AT_EL2"}

# The hypercalls a vCPU answers by itself once it is past the log limit, without returning to
# the run loop (core/portable/calls.h, answerable_by_vcpu): a bit per PSCI table index (the
# function number, bit 5 = SMC64), and el2lab's calls outside PSCI's range it leaves to the VM.
VCPU_ANSWERS_PSCI = constants.get("VCPU_ANSWERS_PSCI", 0xFFFF_FFE7_FFFF_FCE3)
VCPU_LEAVES_CALLS = constants.get("VCPU_LEAVES_CALLS", [0xC600_0F00])


def answerable_by_vcpu(function: int) -> bool:
    """Whether a vCPU answers SMCCC `function` by itself (past the log limit): not a power
    request, not AFFINITY_INFO, not the test fault."""
    fid = function & 0xFFFF_FFFF
    if fid & ~0x4000_001F == 0x8400_0000:  # PSCI's range
        return (VCPU_ANSWERS_PSCI >> ((fid & 0x1F) | ((fid >> 25) & 0x20))) & 1 == 1
    return fid not in VCPU_LEAVES_CALLS


# Interrupt IDs whose use QEMU virt fixes (its device tree): the PPIs of the generic timer.
PPI_NAMES = {25: "the GIC maintenance interrupt", 26: "the EL2 physical timer",
             27: "the virtual timer", 29: "the secure physical timer", 30: "the EL1 physical timer"}


def intid_name(intid: int) -> str:
    """'INTID 27 (the virtual timer, a PPI)': the GIC's number for an interrupt, with its class.
    'vector' means one of the 16 VBAR_EL2 entries everywhere in el2lab's GDB output."""
    if intid < 16:
        what = "an SGI"
    elif intid < 32:
        what = f"{PPI_NAMES[intid]}, a PPI" if intid in PPI_NAMES else "a PPI"
    elif intid < 1020:
        what = "an SPI"
    else:
        what = "a special INTID"
    return f"INTID {intid} ({what})"


def kind_name(index: int) -> str:
    return EXIT_KINDS[index] if 0 <= index < len(EXIT_KINDS) else f"kind {index}"


def describe(kind: str, f: dict) -> str:
    """vm_exit.cc's describe_exit(): 'MmioWrite 0xb000010 width 4 data 0x2a'."""
    if kind == "Hypercall":
        via = {True: "SMC ", False: "HVC "}.get(f.get("via_smc"), "")
        text = f"Hypercall {via}function {f['function']:#x}"
        name = PSCI_NAMES.get(f["function"] & 0xFFFF_FFFF)
        if name:
            text += f" ({name})"
        return text + (f" x1 {f['args'][0]:#x}" if f.get("args") else "")
    if kind in ("MmioRead", "MmioWrite") and "width" not in f:
        return f"{kind} {f['address']:#x}"
    if kind == "MmioRead":
        return (f"MmioRead {f['address']:#x} width {f['width']} -> "
                f"{'x' if f['reg_is_64bit'] else 'w'}{f['reg']}"
                f"{' (sign-extended)' if f['sign_extend'] else ''}")
    if kind == "MmioWrite":
        return f"MmioWrite {f['address']:#x} width {f['width']} data {f['data']:#x}"
    if kind == "SysRegRead":
        return f"SysRegRead {esr.sysreg_name(f['key'])} -> x{f['reg']}"
    if kind == "SysRegWrite":
        return f"SysRegWrite {esr.sysreg_name(f['key'])} = {f['value']:#x}"
    if kind == "ExternalInterrupt":
        # The C++ field is `vector` (arm_vcpu's name); it holds the GIC's INTID.
        return f"ExternalInterrupt INTID {f['vector']}"
    if kind == "CpuUp":
        return (f"CpuUp target {f['target_mpidr']:#x} entry {f['entry_point']:#x} "
                f"context {f['context_id']:#x}")
    if kind == "CpuDown":
        return "CpuDown"
    if kind == "SystemDown":
        return f"SystemDown ({'SYSTEM_RESET' if f.get('reset') else 'SYSTEM_OFF'})"
    if kind == "SendIPI":
        to = ("all but self" if f.get("send_to_all")
              else f"affinity {f['target_cpu']:#x} list {f['target_list']:#x}")
        return f"SendIPI SGI {f['vector']} to {to}"
    if kind == "Halt":
        return f"Halt ({'WFE' if f.get('wfe') else 'WFI'})"
    if kind == "Nothing":
        return "Nothing"
    if kind == "FailEntry":
        return f"FailEntry reason {f['reason']}"
    if kind == "Unhandled":
        text = f"Unhandled {esr.ec_name(esr.bits(f['esr'], 26, 6))}: {f.get('why', '?')}"
        return text + (f" (IPA {f['address']:#x})" if f.get("address") else "")
    return kind


def _hypercall_outcome(f: dict) -> str:
    function = f["function"] & 0xFFFF_FFFF
    x1 = f["args"][0] if f.get("args") else None
    name = PSCI_NAMES.get(function) or EL2LAB_CALLS.get(function)
    what = {
        0x8400_0000: "answers PSCI 1.1 (x0 = 0x10001)",
        0x8400_000A: f"answers whether function {x1:#x} is supported" if x1 is not None
                     else "answers whether the function in x1 is supported",
        0x8400_0004: "answers the target vCPU's power state (0 ON, 1 OFF, 2 ON_PENDING), "
                     "INVALID_PARAMETERS for an unknown MPIDR",
        0xC400_0004: "answers the target vCPU's power state (0 ON, 1 OFF, 2 ON_PENDING), "
                     "INVALID_PARAMETERS for an unknown MPIDR",
        0x8400_0006: "answers 2: no Trusted OS to migrate",
        0xC600_0001: f"answers how many {kind_name(x1)} exits this vCPU has taken" if x1 is not None
                     else "answers how many exits of the kind in x1 this vCPU has taken",
        0xC600_0002: "answers 0 (the cheapest round trip)",
        0xC600_0F00: "faults at EL2 on purpose if booted with el2lab.test_faults, "
                     "else answers NOT_SUPPORTED",
    }.get(function, "answers NOT_SUPPORTED (-1): not implemented")
    return f"{name + ', ' if name else ''}{what}; the guest resumes after the call"


def outcome(kind: str, f: dict, devices: device_map.DeviceMap | None = None) -> str:
    """What Vm<H>::handle does with this exit (core/el2/vm.h), in one phrase. An MMIO exit is
    told from `devices`, the VM's device map as the hypervisor has it (devices.py)."""
    if kind == "Hypercall":
        return _hypercall_outcome(f)
    if kind in ("MmioRead", "MmioWrite"):
        if devices is None:
            return ("looks the IPA up among the VM's emulated devices (the device map is not "
                    "readable here); none there means an external abort is injected")
        device = devices.describe(f["address"])
        if device is None:
            return (f"no device there in the VM's device map ({devices.source}): an external "
                    "abort is injected into the guest")
        if kind == "MmioRead":
            reg = (f"{'x' if f['reg_is_64bit'] else 'w'}{f['reg']}" if "reg" in f
                   else "destination register")
            return (f"emulates {device}; the value goes into the guest's {reg}, "
                    "which resumes after the load")
        return f"emulates {device}; the guest resumes after the store"
    if kind == "SysRegRead":
        return ("emulated if it is an ID register (the hardware's value into the guest's "
                f"x{f.get('reg', 't')}), else an undefined instruction is injected")
    if kind == "SysRegWrite":
        return ("written through if it is an EL1 memory-management register, "
                "else an undefined instruction is injected")
    if kind == "ExternalInterrupt":
        intid = f.get("vector")
        what = intid_name(intid) if isinstance(intid, int) else "the interrupt"
        return (f"physical_interrupt() handles {what}, acknowledged by H::irq_fetch: forwarded "
                "to a vCPU through a list register, or a kick; the guest resumes")
    if kind == "CpuUp":
        return ("PSCI CPU_ON: an OFF vCPU becomes ON_PENDING and its physical CPU is kicked to "
                "start it; ALREADY_ON, ON_PENDING or INVALID_PARAMETERS otherwise")
    if kind == "CpuDown":
        return ("the vCPU is off and its CPU waits for the next CPU_ON; "
                "if it was the VM's last vCPU, the run ends")
    if kind == "SystemDown":
        return "the guest powers the VM off: exit summary, then SYSTEM_OFF to the firmware"
    if kind == "SendIPI":
        return ("queues the SGI for each target vCPU that is on and kicks their physical CPUs; "
                "the guest resumes")
    if kind == "Halt":
        if f.get("wfe"):
            return "WFE completes at once (events are not trapped)"
        return ("resumed at once if an interrupt is waiting, else the CPU sleeps at EL2 until "
                "a physical interrupt (its timer, another vCPU's kick)")
    if kind == "Nothing":
        return "nothing to do; the guest resumes"
    if kind == "FailEntry":
        return "the guest could not be entered: panic"
    if kind == "Unhandled":
        return "the vCPU already injected the architectural exception; the run loop logs it"
    return "?"
