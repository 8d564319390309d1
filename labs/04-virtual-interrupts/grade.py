#!/usr/bin/env python3
"""Lab 04's grader: `make grade LAB=04` (or python3 labs/04-virtual-interrupts/grade.py --help).

On the host it compiles tests/lr_test.cc against your lr_codec.h: the list-register bits,
checked against the GIC architecture's layout, and the core's VirtualInterrupts driving raw
registers through your functions. In QEMU it boots the lab's hypervisor (your VirqHal) with the
timer and ipi guests. It never reads your code.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402
from gradelib.host_test import compile_and_run  # noqa: E402

lab = Lab(__file__)
_host: dict = {}


def host_results(t) -> dict[str, list[tuple[str, bool, str]]]:
    """The host test's checks by generation ('v3', 'v2'): (name, passed, why). Run once."""
    if not _host:
        header = lab.rel(lab.student_file("lr_codec.h"))
        status, output = compile_and_run(
            t, lab.dir / "tests" / "lr_test.cc", {"LAB04_CODEC_HEADER": f'"{header}"'},
            "the host test (tests/lr_test.cc)", lab.todo("TODO(04.1)"),
            [lab.root / "core" / "portable" / "vgic.cc"])
        for m in re.finditer(r"^(ok|FAIL) (v[23]) ([\w-]+)(?:: (.*))?$", output, re.M):
            _host.setdefault(m.group(2), []).append((m.group(3), m.group(1) == "ok", m.group(4) or ""))
        if not _host:
            raise Fail(f"the host test printed no result (exit status {status}; a crash?): "
                       f"{output.strip().splitlines()[-1:] or '(nothing)'}. "
                       f"Look at {lab.todo('TODO(04.1)')}")
    return _host


def grade_codec(t, generation: str, todo: str, points: float) -> None:
    checks = host_results(t).get(generation, [])
    failed = [(name, why) for name, ok, why in checks if not ok]
    if checks and not failed:
        return
    passed = len(checks) - len(failed)
    # Partial credit once something real is encoded: an all-zero stub passes the trivial checks.
    if not any(ok for name, ok, _ in checks if name in ("encode-hw-timer", "decode-hw")):
        passed = 0
    lines = "\n  ".join(f"{name}: {why}" for name, why in failed[:5])
    more = f"\n  ... and {len(failed) - 5} more" if len(failed) > 5 else ""
    register = "ICH_LR<n>_EL2" if generation == "v3" else "GICH_LR<n>"
    raise Fail(f"{len(failed)} of {len(checks)} {register} checks failed:\n  {lines}{more}\n"
               f"  Look at {lab.todo(todo)}", int(points * passed / max(1, len(checks))))


@test(25, "04.1-gicv3-encoding", timeout=60)
def gicv3_encoding(t):
    """TODO(04.1): encode_v3/decode_v3 against ICH_LR<n>_EL2's layout, and through the core's
    VirtualInterrupts (partial credit per check)."""
    grade_codec(t, "v3", "TODO(04.1)", 25)


@test(20, "04.2-gicv2-encoding", timeout=60)
def gicv2_encoding(t):
    """TODO(04.2): encode_v2/decode_v2 against GICH_LR<n>'s layout, and through the core."""
    grade_codec(t, "v2", "TODO(04.2)", 20)


def guest_test(t, guest: str, gic: int) -> None:
    """The guest must pass with VirqHal. When it does not, the host test says whether the
    encoding (04.1/04.2) or the HAL members (04.3) are to blame."""
    run = t.boot(guest, gic=gic)
    if run.outcome == "ok" and run.guest_passed(guest):
        return
    generation, codec_todo = ("v3", "TODO(04.1)") if gic == 3 else ("v2", "TODO(04.2)")
    codec_ok = all(ok for _, ok, _ in host_results(t).get(generation, [(None, False, "")]))
    if codec_ok:
        hint = (f"your encoding passes the host test, so look at the HAL members that read and "
                f"write the registers: {lab.todo('TODO(04.3)')}")
    else:
        hint = (f"your GICv{gic} encoding fails the host test (see 04.{1 if gic == 3 else 2}): "
                f"{lab.todo(codec_todo)}; then {lab.todo('TODO(04.3)')}")
    what = ("no virtual interrupt reached the guest" if guest == "timer"
            else "the SGIs between the vCPUs did not all arrive")
    if run.outcome == "ok":
        failures = "; ".join(run.guest_failures()) or f"no 'PASS {guest}'"
        raise Fail(f"{guest} on GICv{gic}: {failures}\n  {hint}")
    if run.outcome == "timeout":
        raise Fail(f"{guest} on GICv{gic} timed out after {run.timeout:.0f} s: {what} "
                   f"(the guest would wait forever).\n  {hint}")
    run.require_clean_end(hint)


@test(30, "04.3-gicv3-timer", timeout=20)
def gicv3_timer(t):
    """TODO(04.1) + TODO(04.3): the timer guest takes its 100 ticks through your list registers."""
    guest_test(t, "timer", 3)


@test(10, "04.4-gicv3-ipi", timeout=20)
def gicv3_ipi(t):
    """TODO(04.1) + TODO(04.3): SGIs between two vCPUs, each through a list register."""
    guest_test(t, "ipi", 3)


if __name__ == "__main__":
    main(lab)
