"""hv dispatch: IRQ_HANDLER's indirect `blr` beside H::irq_fetch's direct `bl`."""
from __future__ import annotations

import gdb

from .. import style, symbols
from .base import guarded, require_hypervisor


class HvDispatch(gdb.Command):
    """Show IRQ_HANDLER's indirect `blr` and H::irq_fetch's direct `bl`, side by side.

Both are disassembled from the loaded hypervisor:

  left   IRQ_HANDLER: the per-CPU, type-erased handler the current-EL IRQ path calls through
         a function table -> an indirect `blr xN` (found in the functions of the dispatch
         annotation points, inside IrqHandler::operator())
  right  H::irq_fetch() in Aarch64VCpu<H>::run: resolved at compile time -> a direct
         `bl <symbol>`, or no call at all when the compiler inlined it

Needs no target. Says so clearly when this build has no IRQ_HANDLER call yet.

Usage: hv dispatch"""

    WIDTH = 60

    def __init__(self) -> None:
        super().__init__("hv dispatch", gdb.COMMAND_USER)

    @guarded("hv dispatch")
    def invoke(self, arg: str, from_tty: bool) -> None:
        require_hypervisor()
        hal = symbols.hal_short(symbols.hal())
        sites = symbols.dispatch_sites()
        left = self._column_indirect([s for s in sites if s.kind == "irq_handler_call"])
        right = self._column_direct([s for s in sites if s.kind == "irq_fetch_call"], hal)
        print(style.title(f"IRQ dispatch in this build [H = {hal}]: indirect call vs direct call"))
        rows = max(len(left), len(right))
        left += [""] * (rows - len(left))
        right += [""] * (rows - len(right))
        for a, b in zip(left, right):
            print(f"{a:{self.WIDTH}} | {b}".rstrip())
        print("blr: the target address is loaded from memory at run time (IrqHandler's function "
              "table, like Rust's &dyn Fn()): one more load, and the branch must be predicted.")
        print("bl: the target is encoded in the instruction, fixed when H was chosen at compile "
              "time, so the compiler may even inline it (then there is no call at all).")

    def _cut(self, text: str) -> str:
        return text if len(text) <= self.WIDTH else text[:self.WIDTH - 3] + "..."

    def _context(self, site: symbols.Site, cut: bool = True) -> list[str]:
        insns = symbols.disassemble(site.address)
        at = next((i for i, insn in enumerate(insns) if insn.address == site.address), 0)
        out = []
        for insn in insns[max(0, at - 3):at + 3]:
            mark = ">" if insn.address == site.address else " "
            line = f"{mark} {insn.address:#x}  {insn.pretty()}"
            out.append(self._cut(line) if cut else line)
        return out

    def _column_indirect(self, calls: list[symbols.Site]) -> list[str]:
        out = ["IRQ_HANDLER (IRQ taken at EL2)", ""]
        if calls:
            s = calls[0]
            out += [self._cut(f"in {s.function}:")] + self._context(s)
            out += ["", self._cut(f"indirect: {symbols.call_target(s.insn)[1]} holds the target")]
            return out
        dispatch = [r.point.symbol for r in symbols.resolved_points({"dispatch"})[0]]
        registered = bool(symbols.irq_handler_tables())
        out += ["not in this build: no `blr` in the dispatch",
                "functions (" + ", ".join(dispatch or ["none found"]) + ")",
                "or the functions they call.",
                ""]
        if registered:
            out += ["IRQ_HANDLER is registered (hardware_enable",
                    "stores it in the per-CPU block) but nothing",
                    "calls it yet: every exception at EL2 panics.",
                    "The call arrives with the GIC driver."]
        else:
            out += ["No IrqHandler thunk either: IRQ_HANDLER is",
                    "never registered in this build."]
        return out

    def _column_direct(self, calls: list[symbols.Site], hal: str) -> list[str]:
        out = [f"H::irq_fetch in Aarch64VCpu<H>::run", ""]
        if calls:
            s = calls[0]
            out += [f"in {s.function}:"] + self._context(s, cut=False)
            target = symbols.call_target(s.insn)
            out += ["", self._cut(f"direct: {target[0]:#x} is in the instruction" if target[0] else "direct")]
            return out
        run = symbols.resolve_symbol("el2lab::Aarch64VCpu<H>::run")
        if run is None:
            return out + ["not in this build: no Aarch64VCpu<H>::run"]
        out += [f"no `bl` to {hal}::irq_fetch in run():",
                "the compiler inlined it (static dispatch",
                "allows that), so there is no call instruction."]
        spots = symbols.irq_fetch_inlined()
        if spots:
            out += ["", "its inlined code:"] + [self._cut(f"  {a:#x}  {t}") for a, t in spots[:4]]
        else:
            spots = self._external_interrupt(run)
            if spots:
                out += ["", "its result, built into ExternalInterrupt:"]
                out += [self._cut(f"  {a:#x}  {t}") for a, t in spots[:4]]
        out += ["", "A [[gnu::noinline]] irq_fetch in the HAL",
                "would show the `bl` here."]
        return out

    @staticmethod
    def _external_interrupt(run: symbols.Resolved) -> list[tuple[int, str]]:
        spots = []
        for insn in symbols.disassemble(run.address):
            chain = symbols.inline_chain(insn.address, run.address)
            if any("ExternalInterrupt&&" in c for c in chain):
                spots.append((insn.address, insn.pretty()))
        return spots


HvDispatch()
