#!/usr/bin/env python3
"""`hv gic`: the vGIC, virtual timer and power state from the debug block, against other sources.

On the timer guest: the block is off at the start; `hv gic on` arms it (GDB reads
the block's `armed` word back); after an IRQ exit from the guest, stopped in Vm<H>::handle
of the next exit, the snapshot of vCPU 0 must agree with
- GDB's own reads of the guest's timer registers on that CPU ($CNTV_CTL_EL0, $CNTV_CVAL_EL0,
  which the hypervisor does not touch between the exit and this stop);
- the trace ring: for each list register, the last IrqInjected / GuestEoi record decides whether
  it holds that INTID or is empty;
- `hv vcpu`'s power state (read from the VM's power table through the debug information).
`hv gic off` disarms it (read back too); a bad word is an error.
"""
import re
import sys

import harness

HANDLE = "break el2lab::Vm<el2lab::board::QemuVirtHal>::handle"


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    raw, _, out = harness.session_raw(args.build_dir, "timer", [
        "hv gic",
        "hv gic on",
        "echo == armed\\n", "x/wd (char *)&'el2lab::debug::block' + 16",
        "hv trace irq 1 --from-guest",
        HANDLE, "continue", "delete",
        "echo == gic\\n", "hv gic",
        "echo == timer\\n", "p/x $CNTV_CTL_EL0", "p/x $CNTV_CVAL_EL0",
        "echo == ring\\n", "hv exits 60",
        "echo == vcpu\\n", "hv vcpu 0",
        "hv gic off",
        "echo == disarmed\\n", "x/wd (char *)&'el2lab::debug::block' + 16",
        "hv gic bogus",
    ])
    # The ring's records are checked below, not kept in the golden file: their numbers follow
    # every change of the exit path.
    out = re.sub(r"== ring\n.*?(?=== vcpu)", "== ring\n(hv exits: checked, not kept)\n", out, flags=re.S)
    harness.show(args, "gic", out)
    checks.golden("gic", out)
    checks.no_traceback(raw, "gic")
    checks.expect(raw, "(not armed)\n  no snapshot yet: `hv gic on` arms it", "off at the start")
    checks.check(bool(re.search(r"== armed\n0x[0-9a-f]+ <el2lab::debug::block\+16>:\s+1\n", raw)),
                 "hv gic on writes armed = 1 (GDB reads it back)")
    checks.check(bool(re.search(r"== disarmed\n0x[0-9a-f]+ <el2lab::debug::block\+16>:\s+0\n", raw)),
                 "hv gic off writes armed = 0 (GDB reads it back)")
    checks.expect(raw, "hv gic: takes on, off or nothing, not 'bogus'", "bad word")

    gic = raw.split("== gic\n")[1].split("== timer")[0] if "== gic\n" in raw else ""
    timer = re.search(r"== timer\n\$\d+ = (0x[0-9a-f]+)\n\$\d+ = (0x[0-9a-f]+)", raw)
    ctl = int(timer.group(1), 16) if timer else None
    cval = int(timer.group(2), 16) if timer else None
    if checks.check(bool(gic) and timer is not None, "a snapshot and GDB's timer registers"):
        checks.expect(gic, "vCPU 0: power ON; snapshot", "vCPU 0 has a snapshot")
        if ctl & 1:
            checks.expect(gic, "virtual timer on", "timer enabled, as CNTV_CTL_EL0.ENABLE says")
            if ctl & 4:
                checks.expect(gic, "condition met (ISTATUS 1)", "ISTATUS as GDB reads it")
            else:
                checks.expect(gic, f"CNTV_CVAL_EL0 {cval:#x}", "the compare value GDB reads")
        else:
            checks.expect(gic, "virtual timer off", "timer off, as CNTV_CTL_EL0 says")
    checks.expect(raw, "vCPU 0: el2lab::Aarch64VCpu", "hv vcpu 0 ran")
    checks.check(bool(re.search(r"== vcpu\n.*\n.*power ON", raw)), "hv vcpu agrees: power ON")

    # The last list-register event of each LR in the ring, against the snapshot.
    ring = raw.split("== ring\n")[1].split("== vcpu")[0] if "== ring\n" in raw else ""
    last: dict[int, int | None] = {}
    for m in re.finditer(r"(IrqInjected|GuestEoi)\s+pc \S+ arg (0x[0-9a-f]+) esr (0x[0-9a-f]+)", ring):
        intid, lr = int(m.group(2), 16), int(m.group(3), 16)
        last[lr] = intid if m.group(1) == "IrqInjected" else None
    lrs = {int(n): text for n, text in re.findall(r"    LR(\d+)  0x[0-9a-f]+  (.*)", gic)}
    if checks.check(bool(last) and bool(lrs), f"LR events in the ring ({last}) and LRs in the block"):
        for n, intid in last.items():
            text = lrs.get(n, "")
            if intid is None:
                checks.check(text.startswith("invalid"), f"LR{n}: the guest finished it, the block says {text!r}")
            else:
                checks.check(f"vINTID {intid}," in text and not text.startswith("invalid"),
                             f"LR{n}: INTID {intid} was written there, the block says {text!r}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
