#!/usr/bin/env python3
"""README.md's GDB walkthrough, run as written, so the README cannot go stale.

The commands come from README.md itself: the guest of its `make debug GUEST=...` line and the
`hv ...` lines of the same block, in their order, in one session (as a student types them after
`make gdb`). The session must narrate both roads of an interrupt — taken at EL2 through
IRQ_HANDLER, and a guest exit through H::irq_fetch, the exit, the injection into a list register
and the guest's EOI, and the ERET — with no error. And every `hv` command the README's GDB
paragraph names must exist (`help hv` lists it).
"""
import re
import sys
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[2]
MARKER = "so the IRQ path is three commands away:"


def walkthrough(readme: str) -> tuple[str, list[str]]:
    """(guest name, the hv commands) of the README's interrupt walkthrough."""
    start = readme.index(MARKER)
    block = readme[readme.index("```", start) + 3:]
    block = block[block.index("\n") + 1:block.index("```")]
    guest = re.search(r"make debug GUEST=build/aarch64/guests/(\w+)/", block).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines()
                if line.strip().startswith("hv ")]
    return guest, commands


def named_commands(readme: str) -> set[str]:
    """The `hv WORD` subcommands the README's GDB section names."""
    section = readme[readme.index("`make debug` + `make gdb`"):readme.index("## The labs")]
    return set(re.findall(r"`hv ([a-z][a-z0-9-]*)", section))


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    readme = (ROOT / "README.md").read_text()
    guest, commands = walkthrough(readme)
    checks.check(len(commands) <= 3 and commands, f"the README's walkthrough: {commands} on {guest}")
    out, _ = harness.session(args.build_dir, guest, commands + ["help hv"])
    harness.show(args, "readme", out)
    checks.no_traceback(out, "readme")
    checks.reject(out, "powered off after", "no command of the walkthrough runs out of interrupts")
    for text, what in [
        ("vector 5 el2lab_vec_cur_spx_irq", "the EL2 road: vector 5"),
        ("IRQ_HANDLER: indirect call", "the EL2 road: IRQ_HANDLER's blr"),
        ("vector 9 el2lab_vec_lower64_irq", "the guest-exit road: vector 9"),
        ("H::irq_fetch: direct call", "the guest-exit road: H::irq_fetch's bl"),
        ("VmExit ExternalInterrupt INTID 27", "the exit, with its INTID"),
        ("[inject]   INTID 27 written to list register", "the injection into a list register"),
        ("[eoi]      the guest had finished INTID 27", "the guest's EOI"),
        ("ERET into the guest", "the ERET"),
    ]:
        checks.expect(harness.unwrap(out), text, what)
    listing = out[out.find("List of hv subcommands:"):]
    for name in sorted(named_commands(readme)):
        checks.check(f"hv {name} --" in listing, f"README's `hv {name}` exists")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
