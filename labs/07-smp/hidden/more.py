"""Lab 07's hidden tests: CPUs past Aff0 15 (host), and SGIs between 4 vCPUs on GICv2."""
import sys

from gradelib import test

grade = sys.modules["__main__"]


@test(20, "07.7-range-and-gicv2-ipi", hidden=True)
def range_and_gicv2(t):
    """TODO(07.1) another way: Aff0 of 16 and more needs the range selector; then the ipi guest
    on 4 vCPUs over GICv2 (the kick through GICD_SGIR), every SGI counted."""
    grade.visible(t, "sgi1r_range", ["TODO(07.1)"])
    grade.guest_run(t, "ipi", 2, 4, r"^ipi: 4 vCPUs, 63 cross-vCPU SGIs delivered$",
                    ["TODO(07.3)", "TODO(07.2)"])
