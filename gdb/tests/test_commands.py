#!/usr/bin/env python3
"""Every `hv` command at one stop, compared with a golden transcript.

The hvc guest's first HVC is followed with `hv step` to Vm<H>::handle; there the commands
run: help, hv where, hv vcpu (all, by id, a missing id, a bad id), hv vectors, hv dispatch,
hv exits, hv esr (offline values and $ESR_EL2), the pretty-printers of Aarch64VCpu<H> and
TrapFrame, and the one-line errors for bad arguments.
"""
import sys

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    out, _ = harness.session(args.build_dir, "hvc", [
        "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x16",
        "continue",
        "delete",
        "hv step", "hv step", "hv step", "hv step",
        "help hv",
        "help hv trace",
        "hv where",
        "hv vcpu",
        "hv vcpu 0",
        "hv vcpu 7",
        "hv vcpu one",
        "hv vectors",
        "hv dispatch",
        "hv exits 4",
        "hv exits many",
        "hv esr $ESR_EL2",
        "hv esr 0x93c08047",
        "hv esr 0x6232f821",
        "hv esr",
        "hv esr nonsense",
        "hv trace",
        "hv trace irq 0",
        "print $vcpu(0)",
        "print $vcpu(0).frame_",
        "info pretty-printer",
    ])
    harness.show(args, "commands", out)
    checks.golden("commands", out)
    checks.no_traceback(out, "commands")
    for needle, what in [
        ("hv step -- Run to the next stage", "help hv lists hv step"),
        ("hv trace -- Let N exceptions of a kind go through the hypervisor", "help hv lists hv trace"),
        ("Usage: hv trace KIND [N]", "help hv trace"),
        ("stopped at EL2 (hypervisor)", "hv where"),
        ("vCPU 0: el2lab::Aarch64VCpu<el2lab::board::QemuVirtHal> at ADDR, found as vcpus_[0] of static `vm` in el2lab_main",
         "hv vcpu finds the static vCPU"),
        ("last exit: vector 8 (Lower EL using AArch64, Synchronous)", "hv vcpu last exit"),
        ("hv vcpu: no vCPU 7: this VM has vCPUs 0, 1", "hv vcpu 7"),
        ("hv vcpu: ID must be a vCPU number, not 'one'", "hv vcpu one"),
        ("= el2lab_vector_table: the hypervisor's vectors are installed", "hv vectors checks VBAR_EL2"),
        ("   9  0x0480  ADDR  el2lab_vec_lower64_irq      Lower EL using AArch64, IRQ", "hv vectors entry 9"),
        ("IRQ dispatch in this build [H = QemuVirtHal]", "hv dispatch"),
        ("H::irq_fetch in Aarch64VCpu<H>::run", "hv dispatch right column"),
        ("records in the trace ring", "hv exits"),
        ("hv exits: N must be a number, not 'many'", "hv exits many"),
        ("ESR ADDR: HVC (AArch64): hvc #0x0", "hv esr $ESR_EL2"),
        ("Data Abort from a lower EL: 8-byte write from x0, Translation fault, level 3", "hv esr data abort"),
        ("mrs x1, CNTPCT_EL0", "hv esr sysreg"),
        ("hv esr: give a value", "hv esr without a value"),
        ("hv esr: 'nonsense' is not a number", "hv esr nonsense"),
        ("hv trace: name what to trace: irq, sync, hvc", "hv trace without a kind"),
        ("hv trace: N must be a positive number, not '0'", "hv trace irq 0"),
        ("= Aarch64VCpu<QemuVirtHal> vCPU 0: MPIDR ADDR", "Aarch64VCpu pretty-printer"),
        ("TrapFrame {", "TrapFrame pretty-printer"),
        ("  el2lab", "info pretty-printer lists el2lab's"),
    ]:
        checks.expect(out, needle, what)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
