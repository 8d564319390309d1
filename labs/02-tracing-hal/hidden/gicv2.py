"""Lab 02's hidden test: the same trace on a GICv2, where the timer is forwarded in software —
the hypervisor itself deactivates it once the guest's EOI raised a maintenance interrupt."""
import sys

from gradelib import Fail, test

grade = sys.modules["__main__"]
tc = grade.tc
lab = grade.lab


@test(10, "02.5-gicv2-trace", hidden=True, timeout=60)
def gicv2_trace(t):
    """On GICv2: fetches match the IRQ exits, drops follow, and every irq_deactivate(27)
    record follows a GuestEoi of INTID 27 on its CPU (software forwarding)."""
    records = tc.trace(t, lab, 2)
    tc.require_calls(records, "irq_fetch", lab.todo("TODO(02.1)"))
    if tc.check_fetches(records, lab.todo("TODO(02.1)")) < 5:
        raise Fail(f"too few IRQ exits matched with irq_fetch() records on GICv2: "
                   f"{lab.todo('TODO(02.1)')}")
    tc.require_calls(records, "irq_deactivate", lab.todo("TODO(02.2)"))
    tc.check_drops(records, lab.todo("TODO(02.2)"))
    # The ring keeps the last 1024 records: when it has wrapped, a CPU's first records may
    # finish a tick whose injection and EOI were overwritten. Those are the deactivations before
    # the CPU's first retained injection of INTID 27; every later one needs an EOI of its own.
    wrapped = bool(records) and min(r.seq for r in records) > 1
    for cpu, recs in tc.by_cpu(records).items():
        eois = 0
        injected = False
        for r in recs:
            if r.kind == "IrqInjected" and r.arg == 27:
                injected = True
            elif r.kind == "GuestEoi" and r.arg == 27:
                eois += 1
            elif r.member == "irq_deactivate" and r.arg == 27:
                if wrapped and not injected and eois == 0:
                    continue  # its tick began before the oldest record the ring kept
                if eois == 0:
                    raise Fail(f"record #{r.seq}: irq_deactivate(27) on CPU {cpu} before the guest "
                               f"finished INTID 27: {lab.todo('TODO(02.2)')}")
                eois -= 1
