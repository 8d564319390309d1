#!/usr/bin/env python3
"""The context pane (`hv context on|off`) along one MMIO exit of the mmio guest, into the guest.

Compared with a golden transcript, and checked against what does not come from the pane:
- every pane fits an 80x24 terminal: at most 20 lines, none over 80 columns;
- at Vm<H>::handle the exit in progress is the one the hypervisor's own log prints for that
  access ("exit MmioRead 0xb000100 width 4 -> w0"), and it is the newest of the `recent` exits;
- at a vector entry the exit line decodes the ESR_EL2 that `hv esr $ESR_EL2` decodes;
- in the guest the pane says no exit is in progress and shows the PC `hv where` reports;
- `hv context off` stops the pane; without an argument it prints one pane; a bad word is an
  error; it is off by default (no pane before `hv context on`).
"""
import re
import sys

import harness

ABORT = "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x24 && ($HPFAR_EL2 >> 4) == 0xb000"


def panes(text: str) -> list[list[str]]:
    out, current = [], None
    for line in text.splitlines():
        if line.startswith("-- el2lab context:"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line == "-" * 80:
                out.append(current)
                current = None
    return out


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    out, console = harness.session(args.build_dir, "mmio", [
        ABORT, "continue", "delete",   # default off: no pane at this stop
        "hv context on",
        "hv step",                     # el2lab_lower_el_trap
        "hv esr $ESR_EL2",
        "hv step", "hv step", "hv step",  # el2lab_vmexit, decode_sync_exit, Vm<H>::handle
        "hv step", "hv step", "hv step",  # run, el2lab_enter_guest, el2lab_guest_eret
        "stepi",                       # into the guest
        "hv where",
        "hv context off",
        "hv step",                     # no pane any more
        "hv context",                  # one pane, now
        "hv context bogus",
    ])
    harness.show(args, "context", out)
    checks.golden("context", out)
    checks.no_traceback(out, "context")

    found = panes(out)
    checks.check(len(found) == 9, f"one pane per stop while on, one for `hv context`: {len(found)}")
    for i, p in enumerate(found):
        checks.check(len(p) <= 20, f"pane {i} has {len(p)} lines (at most 20)")
        long = [line for line in p if len(line) > 80]
        checks.check(not long, f"pane {i}: lines over 80 columns: {long}")
    before_on = out.split("[el2lab] context pane at every stop: on")[0]
    checks.check("-- el2lab context:" not in before_on, "off by default")

    handle = next((p for p in found if "stage   [exit] el2lab::Vm<H>::handle" in p), [])
    logged = re.search(r"exit (MmioRead ADDR width 4 -> w0)",
                       harness.normalise(console))
    if checks.check(bool(handle) and logged is not None, "a pane at Vm<H>::handle, the exit in the log"):
        checks.expect("\n".join(handle), f"VmExit {logged.group(1)}",
                      "the exit in progress is the one the hypervisor logs")
        recent = [line for line in handle if line.startswith(("recent", "        #"))]
        checks.check(bool(recent) and recent[-1].rstrip().endswith("MmioRead ADDR"),
                     f"the newest recent exit is this MmioRead: {recent}")

    esr_line = re.search(r"^ESR ADDR: (Data Abort from a lower EL: .*)$", out, re.M)
    entry = next((p for p in found if "stage   [entry] el2lab_lower_el_trap" in p), [])
    if checks.check(esr_line is not None and bool(entry), "`hv esr` output and the trap-save pane"):
        checks.expect("\n".join(entry), esr_line.group(1)[:60],
                      "the pane's syndrome is what hv esr decodes")

    where = re.search(r"stopped at EL1 \(guest\) on CPU 0, pc (ADDR) in (\w+)", out)
    guest = next((p for p in found if "EL1 (guest)" in p[0]), [])
    if checks.check(where is not None and bool(guest), "a pane in the guest and `hv where` there"):
        text = "\n".join(guest)
        checks.expect(text, "exit    none: the guest runs at EL1", "no exit in progress in the guest")
        checks.expect(text, f"guest   PC ADDR <{where.group(2)}+N>", "the guest PC hv where reports")
    after_off = out.split("[el2lab] context pane at every stop: off")[-1].split("hv step: the guest")[-1]
    checks.check(after_off.count("-- el2lab context:") == 1, "off: only the pane `hv context` asked for")
    checks.expect(out, "hv context: takes on, off or nothing, not 'bogus'", "a bad word")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
