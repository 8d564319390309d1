"""el2lab's grader library: tests with points, timeouts, messages that point at the TODO.

A lab's grader (labs/NN-name/grade.py) looks like this:

    from gradelib import Lab, test, main
    lab = Lab(__file__)

    @test(40, "01.1-gicv3-timer", timeout=30)
    def gicv3_timer(t):
        run = t.boot(lab, "timer", gic=3)
        run.expect_pass(todo="TODO(01.1)")

    if __name__ == "__main__":
        main(lab)

Python 3 standard library only. Modules, one job each: registry (the @test decorator),
failures (what a failed test reports), context (what a test function gets), lab (a lab's
paths and TODO markers), build (the lab's hypervisor image and compile errors), qemu (runs
through tools/el2lab_run.py), gdbsession (batch GDB against a private gdbstub), hostprog (host test programs over a
student's portable code: compiled once, one case per run, crashes and hangs reported), runner (runs
the tests, prints, scores), results (Gradescope and PrairieLearn JSON), cli (the command line).
"""
from .failures import Fail
from .lab import Lab
from .registry import test
from .cli import main

__all__ = ["Fail", "Lab", "test", "main"]
