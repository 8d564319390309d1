"""Lab 04's hidden test: the same guests on a GICv2, whose list registers are 32-bit words of
the memory-mapped GICH frame — and whose SGIs carry the sender's CPU number."""
import sys

from gradelib import test

grade = sys.modules["__main__"]


@test(15, "04.5-gicv2-guests", hidden=True, timeout=20)
def gicv2_guests(t):
    """TODO(04.2) + TODO(04.3): the timer and ipi guests pass on GICv2."""
    grade.guest_test(t, "timer", 2)
    grade.guest_test(t, "ipi", 2)
