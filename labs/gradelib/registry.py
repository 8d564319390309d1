"""The @test decorator and the list of a grader's tests."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

NAME_RE = re.compile(r"^\d\d\.\d+-[a-z0-9][a-z0-9-]*$")
DEFAULT_TIMEOUT = 30.0
SCALE_VARIABLE = "EL2LAB_GRADE_TIMEOUT_SCALE"


@dataclass
class Test:
    name: str
    points: float
    function: Callable
    hidden: bool
    base_timeout: float

    @property
    def timeout(self) -> float:
        return self.base_timeout * timeout_scale()


TESTS: list[Test] = []


def timeout_scale() -> float:
    """EL2LAB_GRADE_TIMEOUT_SCALE: a factor for every timeout (2 for a slow VM). A value that
    is not a positive number is ignored (with the default 1) rather than crashing the grader."""
    raw = os.environ.get(SCALE_VARIABLE, "")
    try:
        value = float(raw) if raw else 1.0
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


def test(points: float, name: str, hidden: bool = False, timeout: float = DEFAULT_TIMEOUT):
    """Registers `function(t)` as a test named NN.k-short-name worth `points`. A hidden test
    is kept out of the student handout (it lives in the lab's hidden/ folder)."""
    if not NAME_RE.match(name):
        raise ValueError(f"test name {name!r} is not of the form NN.k-short-name")
    if any(t.name == name for t in TESTS):
        raise ValueError(f"two tests are named {name!r}")

    def register(function: Callable) -> Callable:
        TESTS.append(Test(name, float(points), function, hidden, float(timeout)))
        return function

    return register
