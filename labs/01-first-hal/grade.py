#!/usr/bin/env python3
"""Lab 01's grader: `make grade LAB=01` (or python3 labs/01-first-hal/grade.py --help).

It boots the lab's hypervisor (built with your labs/01-first-hal/hal.h) with the timer guest
and reads what happened; it never reads your code.
"""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradelib import Fail, Lab, main, test  # noqa: E402

lab = Lab(__file__)
# Enough exits in the log to see the timer's, and the log stays short.
LOG_EXITS = "el2lab.log_exits=5"
IRQ_EXIT_27 = re.compile(r"exit ExternalInterrupt vector 27\b")


def timer_test(t, gic: int, fetch_todo: str) -> None:
    """The timer guest must take its 100 ticks and pass. When it does not, the exit log says
    which half of the HAL is missing: no IRQ exit with INTID 27 means irq_fetch() never
    acknowledged the timer; IRQ exits without the guest finishing point at irq_handler()."""
    run = t.boot("timer", gic=gic, append=LOG_EXITS)
    if run.outcome == "ok" and run.guest_passed("timer"):
        return
    if not any(IRQ_EXIT_27.search(line) for line in run.lines):
        hint = (f"no 'exit ExternalInterrupt vector 27' in the exit log: irq_fetch() never "
                f"returned the timer's INTID on GICv{gic}. Look at {lab.todo(fetch_todo)}")
    else:
        hint = ("irq_fetch() works (the exit log shows 'ExternalInterrupt vector 27'), but the "
                "ticks that arrive while the vCPU sleeps in WFI are lost: they reach EL2 through "
                f"IRQ_HANDLER, which calls irq_handler(). Look at {lab.todo('TODO(01.3)')}")
    if run.outcome == "ok":
        failures = "; ".join(run.guest_failures()) or "the guest did not print PASS timer"
        raise Fail(f"the timer guest failed on GICv{gic}: {failures}\n  {hint}")
    run.require_clean_end(hint)


@test(30, "01.1-irq-exits")
def irq_exits(t):
    """TODO(01.1): a tick that interrupts the running guest makes an ExternalInterrupt exit
    whose INTID, from irq_fetch(), is the virtual timer's (27)."""
    run = t.boot("timer", gic=3, append=LOG_EXITS)
    exits = [line for line in run.lines if "exit ExternalInterrupt" in line]
    if any(IRQ_EXIT_27.search(line) for line in exits):
        return
    seen = f" (the log shows: {exits[0].strip()})" if exits else ""
    raise Fail("the exit log has no 'exit ExternalInterrupt vector 27': irq_fetch() did not "
               f"return the virtual timer's INTID on GICv3{seen}.\n"
               f"  Look at {lab.todo('TODO(01.1)')}")


@test(40, "01.3-gicv3-timer")
def gicv3_timer(t):
    """TODO(01.1) + TODO(01.3): the timer guest takes all 100 ticks on GICv3."""
    timer_test(t, 3, "TODO(01.1)")


@test(10, "01.4-concept-error", timeout=120)
def concept_error(t):
    """A HAL made of yours minus one member must fail to build with the concept error that
    names the missing member — once without irq_fetch(), once without irq_handler()."""
    t.image()  # your own HAL must build first (its error is the one to report)
    hal_type = lab.config["hal_type"]
    header = lab.student_file("hal.h")
    main_cc = lab.root / "core" / "el2" / "main.cc"
    with tempfile.TemporaryDirectory(prefix="el2lab-grade-") as tmp:
        for kept, missing in (("irq_handler", "irq_fetch"), ("irq_fetch", "irq_handler")):
            returns = "std::size_t" if kept == "irq_fetch" else "void"
            partial = Path(tmp) / f"without_{missing}.h"
            partial.write_text(
                f'#pragma once\n#include "{header}"\n'
                f"struct WithoutMember : ::el2lab::board::QemuVirtPlatform {{\n"
                f"  static {returns} {kept}() {{ return {hal_type}::{kept}(); }}\n}};\n")
            ok, output = t.builder.try_compile(
                main_cc, {"EL2LAB_HAL_HEADER": f'"{partial}"', "EL2LAB_HAL_TYPE": "WithoutMember"},
                [], t.remaining())
            t.note(f"=== the hypervisor with your HAL minus {missing}() ===\n{output}")
            if ok:
                raise Fail(f"a HAL without {missing}() compiled: the concept VCpuHal must reject it")
            from gradelib.build import concept_error as trim  # noqa: PLC0415
            message = trim(output)
            if message is None or f"H::{missing}()" not in message:
                raise Fail(f"the build of your HAL minus {missing}() failed, but not with the "
                           f"concept error naming 'H::{missing}()': "
                           f"{message or output.strip().splitlines()[0] if output.strip() else ''}")
            t.note(f"grader's summary: {message}")


if __name__ == "__main__":
    main(lab)
