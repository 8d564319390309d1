"""Lab 05's hidden tests: the pool over awkward regions and a long churn (host), and the
ram_fence guest on GICv2, whose stage 2 also maps the GIC's virtual CPU interface."""
import sys

from gradelib import hostprog, test

grade = sys.modules["__main__"]
hostprog.prepare(grade.lab, "frame_pool_odd_test",
                 lambda: ([grade.lab.dir / "hidden" / "frame_pool_odd_test.cc"], grade.pool_header()))


@test(10, "05.8-odd-regions", hidden=True)
def odd_regions(t):
    """TODO(05.1)-(05.5) another way: a physical base off the 4 KiB grid, a one-frame pool, an
    empty one, 1000 allocs and frees; then ram_fence on GICv2."""
    todos = ["TODO(05.1)", "TODO(05.4)", "TODO(05.5)"]
    grade.host_case(t, "frame_pool_odd_test", "odd_regions", todos)
    grade.host_case(t, "frame_pool_odd_test", "churn", todos)
    grade.boot_and_pass(t, "ram_fence", 2, ["TODO(05.1)", "TODO(05.5)"])
