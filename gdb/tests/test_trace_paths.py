#!/usr/bin/env python3
"""`hv trace`: whole exception paths collected by breakpoints that do not stop, compared with
golden transcripts.

hvc:   `hv trace hvc 2` and `hv trace mmio 1` — two hypercalls and one emulated UART access,
       each from its vector entry to the ERET back into the guest.
hello: `hv trace irq 1` on a guest that takes no interrupt: the run ends (SYSTEM_OFF) first,
       and the command says so in one line; afterwards QEMU is gone.
timer: `hv trace irq 2` on the guest whose virtual timer fires: the IRQ path itself — vector,
       el2lab_current_el_irq, IRQ_HANDLER's `blr`, H::irq_handler, the ERET. Skipped (and
       said so) in a build without the timer guest.
"""
import sys

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)

    out, _ = harness.session(args.build_dir, "hvc", ["hv trace hvc 2", "hv trace mmio 1", "hv where"])
    harness.show(args, "hvc", out)
    checks.golden("trace_hvc_mmio", out)
    checks.no_traceback(out, "hvc")
    for needle, what in [
        ("hvc 1 of 2: vector 8 el2lab_vec_lower64_sync (Lower EL using AArch64, Synchronous)", "first trip"),
        ("hvc 2 of 2:", "second trip"),
        ("  [exit]     el2lab::Vm<H>::handle: VmExit Hypercall HVC", "the run loop's part"),
        ("  [resume]   el2lab_guest_eret: ERET into the guest", "each trip ends at the ERET"),
        ("hv trace: 2 HVCs narrated", "summary"),
        ("mmio 1 of 1:", "mmio trip"),
        ("VmExit MmioRead ADDR width 4 -> w0; the run loop: emulates the PL011 console", "UART read emulated"),
    ]:
        checks.expect(out, needle, f"hv trace hvc/mmio: {what}")

    out, _ = harness.session(args.build_dir, "hello", ["hv trace irq 1", "hv where", "hv trace irq 1"])
    harness.show(args, "hello", out)
    checks.golden("trace_no_irq", out)
    checks.no_traceback(out, "hello")
    checks.expect(out, "hv trace: the machine powered off after 0 of 1 IRQ/FIQ", "no IRQ before power-off")
    checks.expect(out, "hv where: QEMU is gone", "gone afterwards")
    checks.expect(out, "hv trace: QEMU is gone", "hv trace after power-off")

    if not harness.guest(args.build_dir, "timer").exists():
        checks.expect("", "timer guest", "the timer guest must be built (guests/timer)")
    else:
        out, _ = harness.session(args.build_dir, "timer", ["hv trace irq 2", "hv exits 6"])
        harness.show(args, "timer", out)
        checks.golden("trace_irq", out)
        checks.no_traceback(out, "timer")
        for needle, what in [
            ("irq 1 of 2: vector ", "an IRQ trip"),
            ("[dispatch] el2lab_current_el_irq:", "the IRQ dispatch function"),
            ("`blr x", "IRQ_HANDLER's indirect call"),
            ("[hal]      H::irq_handler:", "the HAL's handler"),
            ("hv trace: 2 IRQ/FIQs narrated", "summary"),
        ]:
            checks.expect(out, needle, f"hv trace irq: {what}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
