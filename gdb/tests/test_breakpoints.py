#!/usr/bin/env python3
"""EL-aware breakpoints (hv break-el2, hv break-guest) and hv record, compared with golden files.

hvc: `hv record on` at the first instruction, a guest-only breakpoint later in the guest, then
     `hv record off`: the timeline's guest exits must be the ones the hypervisor's own log
     prints ("exit Hypercall ... at PC X", in order) and it must say that it matches the trace
     ring; `hv break-el2` stops with PSTATE.EL = 2; errors for bad words and locations.
ipi: `hv break-guest --vcpu 1 on_irq` (the IRQ handler both vCPUs run) stops on CPU 1 at EL1
     only ($_thread and $cpsr, read by GDB itself); a guest-only breakpoint on a hypervisor
     vector lets every hit pass and says so in its listing.
"""
import re
import sys

import harness


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)

    raw, console, hvc = harness.session_raw(args.build_dir, "hvc", [
        "hv record off",
        "hv record bogus",
        "hv record on",
        "hv record on",
        "hv break-guest check_counting",
        "continue",
        "hv record off",
        "hv break-el2 el2lab::decode_sync_exit",
        "continue",
        "echo == EL at the stop\\n", "p ($cpsr >> 2) & 3",
        "hv break-el2",
        "hv break-el2 --vcpu x y",
        "hv break-guest --bogus f",
        "hv break-guest nosuchfn",
    ])
    harness.show(args, "hvc", hvc)
    checks.golden("breakpoints_hvc", hvc)
    checks.no_traceback(hvc, "hvc")
    # The hypervisor's log prints the first dozen exits of a kind with their guest PC; the
    # timeline's HVC entries must be those, in that order (raw addresses, not normalised).
    logged = re.findall(r"exit Hypercall HVC function \S+ x1 \S+ at PC (0x[0-9a-f]+)", console)
    recorded = re.findall(r"vector 8  from EL1h hvc #0x0, ELR (0x[0-9a-f]+)", raw)
    n = min(len(recorded), len(logged))
    checks.check(n >= 3, f"HVCs both recorded ({len(recorded)}) and logged ({len(logged)})")
    checks.check(recorded[:n] == logged[:n], f"the recorded HVCs are the logged ones, in order: "
                                             f"{recorded[:n]} vs {logged[:n]}")
    checks.expect(hvc, "matches the trace ring:", "the timeline agrees with the trace ring")
    checks.expect(hvc, "synchronous guest exits, the same in the trace ring", "per CPU")
    checks.expect(hvc, "hv record: not recording: `hv record on` starts it", "off while off")
    checks.expect(hvc, "hv record: takes on, off or nothing, not 'bogus'", "bad word")
    checks.expect(hvc, "hv record: already recording", "on twice")
    checks.expect(hvc, "breakpoint 2 (hv break-guest): stopped at EL1 (the guest)", "break-guest stop")
    checks.expect(hvc, "== EL at the stop\n$1 = 2", "break-el2 stopped at EL2 (GDB's $cpsr)")
    checks.expect(hvc, "hv break-el2: --vcpu takes a vCPU number", "bad vCPU")
    checks.expect(hvc, "hv break-guest: unknown option '--bogus'", "bad option")
    checks.expect(hvc, "hv break-guest: no breakpoint: 'nosuchfn' is not a location", "bad location")
    checks.reject(hvc, "<PENDING>", "no pending breakpoint is left behind")

    ipi, _ = harness.session(args.build_dir, "ipi", [
        "hv break-guest --vcpu 1 on_irq",
        "hv break-guest *el2lab_vec_lower64_sync",
        "continue",
        "echo == thread and EL\\n", "p $_thread", "p ($cpsr >> 2) & 3",
        "hv where",
        "hv break-guest",
    ])
    harness.show(args, "ipi", ipi)
    # Two CPUs share time with the debugger attached (icount sleep=on): how many hits went by
    # on the other CPU varies by one or two from run to run; the checks below read the number.
    checks.golden("breakpoints_ipi", re.sub(r"let \d+ hits? pass", "let N hits pass", ipi))
    checks.no_traceback(ipi, "ipi")
    checks.expect(ipi, "== thread and EL\n$1 = 2\n$2 = 1", "stopped on CPU 1 (thread 2) at EL1")
    checks.expect(ipi, "stopped at EL1 (guest) on CPU 1", "hv where agrees")
    checks.expect(ipi, "note: *el2lab_vec_lower64_sync is hypervisor code", "the other world noted")
    listing = re.search(r"breakpoint 3 \(hv break-guest \*el2lab_vec_lower64_sync\): stopped 0 times, "
                        r"let (\d+) hits? pass \(EL2 on CPU \d", ipi)
    checks.check(listing is not None and int(listing.group(1)) > 0,
                 "the guest-only breakpoint on a vector let the hypervisor's hits pass")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
