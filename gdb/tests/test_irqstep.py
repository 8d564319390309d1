#!/usr/bin/env python3
"""`hv irq-step on|off`: single steps that may enter an interrupt, compared with a golden file.

On the timer guest, el2lab sleeps at EL2 for the halted guest with `wfi; msr daifclr, #2; isb;
msr daifset, #2` — a one-instruction window in which the IRQ that woke it is taken. The
window is found from a traced EL2 IRQ (`hv trace irq 1 --at-el2`: its ELR_EL2, minus 4, is the
`msr daifclr`). Stopped there, with an IRQ pending:
- with QEMU's default step mask two `stepi`s step through the window to `msr daifset`: the IRQ
  is never taken while stepping;
- after `hv irq-step on` the second `stepi` lands on vector 5 (the IRQ vector for EL2), whose
  ELR_EL2 is the instruction after the unmask, and the stop says the step entered an interrupt.
The mask itself is read back from QEMU (`maintenance packet qqemu.sstep`) after on and off.
"""
import re
import sys

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    raw, _, out = harness.session_raw(args.build_dir, "timer", [
        "hv irq-step",
        "hv trace irq 1 --at-el2",
        "set $window = $ELR_EL2 - 4",
        "echo == the window\\n", "x/i $window",
        "break *$window", "continue",
        "echo == default mask\\n", "stepi", "stepi",
        "echo == offset\\n", "p/x $pc - $window",
        "continue",
        "hv irq-step on",
        "echo == QEMU's mask after on\\n", "maintenance packet qqemu.sstep",
        "echo == irq-step on\\n", "stepi", "stepi",
        "echo == where\\n", "info symbol $pc", "p/x $ELR_EL2 - $window",
        "hv irq-step",
        "hv irq-step off",
        "echo == QEMU's mask after off\\n", "maintenance packet qqemu.sstep",
        "hv irq-step bogus",
    ])
    harness.show(args, "irqstep", out)
    checks.golden("irqstep", out)
    checks.no_traceback(raw, "irqstep")
    checks.expect(raw, "== the window\n", "the window was found")
    checks.check(bool(re.search(r"== the window\n.*msr\s+daifclr, #0x2", raw)),
                 "the instruction before the traced IRQ's ELR is the unmask")
    default = raw.split("== default mask")[1].split("== offset")[0] if "== default mask" in raw else ""
    checks.reject(default, "entered an interrupt", "default mask: no step enters the IRQ")
    checks.expect(raw, "== offset\n$1 = 0x8", "default mask: two steps go through the window")
    checks.expect(raw, "== QEMU's mask after on\nsending: qqemu.sstep\nreceived: \"0x1\"", "on: QEMU's mask is 0x1")
    checks.expect(raw, "== QEMU's mask after off\nsending: qqemu.sstep\nreceived: \"0x7\"", "off: QEMU's mask is 0x7")
    on = raw.split("== irq-step on")[1].split("== where")[0] if "== irq-step on" in raw else ""
    checks.expect(on, "this step entered an interrupt: vector 5 (Current EL with SPx, IRQ)",
                  "on: the stop says the step entered the IRQ")
    checks.check(bool(re.search(r"== where\nel2lab_vec_cur_spx_irq in section", raw)),
                 "on: the step landed on vector 5 (GDB's info symbol)")
    checks.check(bool(re.search(r"== where\n.*\n\$\d+ = 0x4\n", raw)),
                 "on: the IRQ interrupted the instruction after the unmask (ELR_EL2)")
    checks.expect(raw, "hv irq-step is off: QEMU step mask 0x7", "state before")
    checks.expect(raw, "hv irq-step is on: QEMU step mask 0x1", "state while on")
    checks.expect(raw, "hv irq-step: takes on, off or nothing, not 'bogus'", "bad word")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
