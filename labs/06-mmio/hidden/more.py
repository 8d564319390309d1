"""Lab 06's hidden tests: the device under a clock that jumps and wraps (host), and the rtc
guest on GICv2."""
import sys

from gradelib import hostprog, test

grade = sys.modules["__main__"]
hostprog.prepare(grade.lab, "pl031_jumps_test",
                 lambda: ([grade.lab.dir / "hidden" / "pl031_jumps_test.cc"], grade.device_header()))


@test(25, "06.6-clock-jumps", hidden=True)
def clock_jumps(t):
    """TODO(06.1)/(06.2) another way: a clock that jumps by days, a count that wraps past
    2^32 with a match on the far side, a load while a match is pending; then rtc on GICv2."""
    grade.host_case(t, "pl031_jumps_test", "jumps", ["TODO(06.1)", "TODO(06.2)"])
    grade.rtc_guest(t, 2)
