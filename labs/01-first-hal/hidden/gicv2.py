"""Lab 01's hidden test: the same timer, on a GICv2 (memory-mapped CPU interface)."""
import importlib
import sys

from gradelib import test

grade = sys.modules["__main__"]


@test(20, "01.2-gicv2-timer", hidden=True)
def gicv2_timer(t):
    """TODO(01.2) + TODO(01.3): the timer guest takes all 100 ticks on GICv2."""
    grade.timer_test(t, 2, "TODO(01.2)")
