"""Constants shared with the hypervisor, as its own C++ computed them at build time.

gdb/gen_constants.cc writes <build>/gdb/el2lab_constants.py (EXIT_KINDS, VECTOR_NAMES,
KNOWN_SYSREGS, MMIO_DEVICES). The package's modules keep a table of their own so they work on a
tree that was never built, but take the generated one when it is there; the ctest
gdb.constants_match_build fails when the two drift, so a renamed exit kind or a new system
register breaks a test, not a classroom.
"""
from __future__ import annotations

import os
import runpy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load() -> dict:
    build = os.path.join(ROOT, os.environ.get("EL2LAB_BUILD", "build"))
    path = os.path.join(build, "gdb", "el2lab_constants.py")
    try:
        return runpy.run_path(path)
    except (OSError, SyntaxError):
        return {}


GENERATED = _load()


def get(name: str, fallback):
    """The generated value of `name`, or the module's own table when the tree is not built."""
    return GENERATED.get(name, fallback)
