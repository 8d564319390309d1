"""The `hv` command family. `help hv` lists them; `help hv NAME` explains one.

Every command reports a wrong state in one line (no target, QEMU gone, a symbol this build
lacks, stopped in the guest) and never lets a Python traceback reach the user.
"""
from __future__ import annotations

import functools

import gdb

from . import annotate, cpu_state, esr, style, symbols, tracer, vcpu


def _guarded(name: str):
    """Turns StateError (and stray gdb errors) into the command's one-line message."""
    def wrap(invoke):
        @functools.wraps(invoke)
        def run(self, arg: str, from_tty: bool) -> None:
            try:
                invoke(self, arg, from_tty)
            except cpu_state.StateError as e:
                print(style.bad(f"{name}: {e}"))
            except gdb.error as e:
                message = str(e)
                if "No registers" in message or "not being run" in message:
                    message = ("QEMU is gone: the machine powered off (or QEMU was stopped); "
                               "start `make debug` again")
                print(style.bad(f"{name}: {message}"))
            except KeyboardInterrupt:
                print(style.warn(f"{name}: interrupted"))
        return run
    return wrap


def _require_hypervisor(name: str) -> None:
    if not symbols.hypervisor_loaded():
        raise cpu_state.StateError("no hypervisor symbols: load them with "
                                   "`file build/aarch64/core/el2/el2lab.elf` (make gdb does)")


class HvPrefix(gdb.Command):
    """el2lab hypervisor commands: narrate and inspect the EL2 exception path.

  hv where            where the CPU is stopped: EL, regime, hypervisor or guest
  hv step             run to the next stage of the exception path and narrate it
  hv trace KIND [N]   let N exceptions of KIND (irq, hvc, mmio, ...) happen; narrate each path
  hv vcpu [ID]        a vCPU's registers, from its trap frame
  hv exits [N]        the exit history in the hypervisor's trace ring
  hv esr VALUE        decode an ESR_EL2 value field by field (no target needed)
  hv vectors          the 16 entries of the EL2 vector table, checked against VBAR_EL2
  hv dispatch         the IRQ_HANDLER `blr` and the H::irq_fetch `bl`, side by side

Every stop at an annotation point (core/annotation_points.txt) prints one line saying where
in the path the CPU is."""

    def __init__(self) -> None:
        super().__init__("hv", gdb.COMMAND_USER, prefix=True)


class HvWhere(gdb.Command):
    """Say where the CPU is stopped: exception level, translation regime, hypervisor or guest.

At an annotation point, the narration of that stage follows.

Usage: hv where"""

    def __init__(self) -> None:
        super().__init__("hv where", gdb.COMMAND_USER)

    @_guarded("hv where")
    def invoke(self, arg: str, from_tty: bool) -> None:
        pc = cpu_state.register("pc")
        el = cpu_state.exception_level()
        who = "hypervisor" if el == 2 else "guest"
        cpu = cpu_state.cpu_number()
        on = "" if cpu is None else f" on CPU {cpu}"
        print(f"{style.title('stopped at EL' + str(el))} ({who}){on}, pc {pc:#x} in "
              f"{cpu_state.short_name(cpu_state.symbol_at(pc))}; {cpu_state.regime(el)}")
        if el != 2:
            print("  the hypervisor is not running: `hv step` runs to the next stage of its "
                  "exception path (the guest's next exit)")
            return
        n = annotate.narrate(pc)
        if n.stage:
            print("  " + n.line())


class HvStep(gdb.Command):
    """Run to the next stage of the hypervisor's exception path and narrate it.

Puts temporary breakpoints on every annotation point (core/annotation_points.txt: vector
entries, handler dispatch, exit decoding, the run loop, the world switch and the ERET) and on
the dispatch call sites, continues, and removes them at the next stop. From the guest (EL1),
the next stage is the vector entry of its next exit. On several CPUs it follows the one GDB
has selected (`thread N` selects CPU N-1): the other CPUs run past its breakpoints.

Usage: hv step"""

    def __init__(self) -> None:
        super().__init__("hv step", gdb.COMMAND_USER)

    @_guarded("hv step")
    def invoke(self, arg: str, from_tty: bool) -> None:
        cpu_state.require_target()
        _require_hypervisor("hv step")
        pc = cpu_state.register("pc")
        found, _ = symbols.resolved_points()
        addresses = {r.address for r in found if r.point.stage != "vectors"}
        addresses |= {s.address for s in symbols.dispatch_sites()}
        addresses.discard(pc)
        breakpoints = []
        follow = gdb.selected_thread()
        for address in sorted(addresses):
            b = gdb.Breakpoint(f"*{address:#x}", internal=True, temporary=True)
            b.silent = True
            if follow is not None:
                b.thread = follow.global_num  # this CPU's path only, not another's
            breakpoints.append(b)
        try:
            gdb.execute("continue")
        finally:
            for b in breakpoints:
                if b.is_valid():
                    b.delete()
        if not cpu_state.has_target():
            print(style.warn("hv step: the machine powered off before another stage was reached"))


class HvTrace(gdb.Command):
    """Let N exceptions of a kind go through the hypervisor and narrate each one's path.

Usage: hv trace KIND [N]

N defaults to 1. KIND: irq (IRQ/FIQ vectors), hvc, smc, mmio (data aborts from the guest), sysreg, wfx,
sync (any synchronous exception), serror, any.

Breakpoints that record without stopping (their stop() returns False) sit on the annotation
points of the stages entry, dispatch, exit and resume and on the dispatch call sites; each
one narrates its stage. Exceptions of other kinds run on unrecorded. The CPU stops at the
ERET that completes the N-th one; if the guest powers the machine off first, what was seen is
printed and the command says so. On several CPUs it traces the one GDB has selected (`thread N`
selects CPU N-1), so that two CPUs' paths do not interleave. Example: hv trace irq 3"""

    def __init__(self) -> None:
        super().__init__("hv trace", gdb.COMMAND_USER)

    @_guarded("hv trace")
    def invoke(self, arg: str, from_tty: bool) -> None:
        words = arg.split()
        if not words or words[0] not in tracer.KINDS:
            raise cpu_state.StateError(f"name what to trace: {', '.join(tracer.KINDS)} "
                                       "(e.g. `hv trace irq 3`)")
        count = 1
        if len(words) > 1:
            if not words[1].isdigit() or int(words[1]) < 1:
                raise cpu_state.StateError(f"N must be a positive number, not {words[1]!r}")
            count = int(words[1])
        _require_hypervisor("hv trace")
        tracer.run(words[0], count)


class HvVcpu(gdb.Command):
    """Show a vCPU's registers from its trap frame, its last exit and its exit counts.

The registers are x0-x30, SP_EL0, ELR (the guest's PC) and SPSR; the last exit is its vector,
its ESR decoded and the guest PC.

Usage: hv vcpu [ID]

Without ID, every vCPU found is shown. The Aarch64VCpu<H> objects are found in static storage first (the vcpus_ of el2lab_main's
`static Vm<Hal> vm` in the reference build, global vCPUs), then as `this` in frames of
Aarch64VCpu<H>::run. Stopped in the guest, the frame holds the
registers as of the last exit; the live ones are the CPU's."""

    def __init__(self) -> None:
        super().__init__("hv vcpu", gdb.COMMAND_USER)

    @_guarded("hv vcpu")
    def invoke(self, arg: str, from_tty: bool) -> None:
        wanted = None
        if arg.strip():
            if not arg.strip().isdigit():
                raise cpu_state.StateError(f"ID must be a vCPU number, not {arg.strip()!r}")
            wanted = int(arg.strip())
        cpu_state.require_target()
        _require_hypervisor("hv vcpu")
        with cpu_state.hypervisor_memory():
            found = vcpu.find_all()
            if not found:
                raise cpu_state.StateError("no Aarch64VCpu<H> object found (not in static storage, "
                                           "not in a frame of Aarch64VCpu<H>::run)")
            chosen = [f for f in found if wanted is None or f.id == wanted]
            if not chosen:
                ids = ", ".join(str(f.id) for f in found)
                plural = "s" if len(found) > 1 else ""
                raise cpu_state.StateError(f"no vCPU {wanted}: this VM has vCPU{plural} {ids}")
            lines = [line for f in chosen for line in vcpu.report(f)]
        for line in lines:
            print(line)


class HvExits(gdb.Command):
    """Show the exit history recorded in the hypervisor's trace ring.

Nothing stops at each exit: the hypervisor appends a record per exit (and per IRQ stage) to
`el2lab_trace`, and this reads it from memory. First a histogram by kind, then the last N
records (default 10) with the syndrome decoded.

Usage: hv exits [N]"""

    def __init__(self) -> None:
        super().__init__("hv exits", gdb.COMMAND_USER)

    @_guarded("hv exits")
    def invoke(self, arg: str, from_tty: bool) -> None:
        from . import trace  # noqa: PLC0415

        try:
            last = int(arg) if arg.strip() else 10
        except ValueError:
            raise cpu_state.StateError(f"N must be a number, not {arg!r}") from None
        with cpu_state.hypervisor_memory():
            records = trace.read_ring()
        counts: dict[str, int] = {}
        for r in records:
            counts[r.kind_name] = counts.get(r.kind_name, 0) + 1
        print(style.title(f"{len(records)} records in the trace ring"))
        for name, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:18} {count}")
        for r in records[-last:] if last > 0 else []:
            what = esr.decode(r.esr).summary if r.esr and r.is_exit else _event_note(r)
            print(f"  #{r.seq:<5} {r.kind_name:18} pc {r.guest_pc:#x} arg {r.address:#x} "
                  f"esr {r.esr:#x} icount {r.icount} cpu {r.cpu} vcpu {r.vcpu}"
                  + (f"  {what}" if what else ""))


def _event_note(r) -> str:
    """What a trace ring event (not an exit) says, from trace.h's Kind documentation."""
    if r.kind_name == "IrqEntry":
        return f"IRQ vector {r.address} ({esr.vector_name(r.address)})"
    if r.kind_name == "IrqDispatch":
        how = {0: "direct H::irq_fetch()/H::irq_handler() call", 1: "indirect IRQ_HANDLER call"}
        return f"INTID {r.address} acknowledged by the HAL, {how.get(r.esr, f'how {r.esr}')}"
    if r.kind_name == "IrqInjected":
        return f"INTID {r.address} written to list register {r.esr}"
    if r.kind_name == "GuestEoi":
        return f"the guest finished INTID {r.address}"
    return ""


class HvEsr(gdb.Command):
    """Decode an ESR_EL2 (or ESR_EL1) value field by field; needs no target.

The exception class, IL, and the ISS of data aborts, instruction aborts, trapped MSR/MRS,
HVC/SMC/SVC/BRK, WFI/WFE and SError, as core/portable/esr.h decodes them. A number works
anywhere (`hv esr 0x93810005`); while connected, an expression too (`hv esr $ESR_EL2`).

Usage: hv esr VALUE"""

    def __init__(self) -> None:
        super().__init__("hv esr", gdb.COMMAND_USER)

    @_guarded("hv esr")
    def invoke(self, arg: str, from_tty: bool) -> None:
        text = arg.strip()
        if not text:
            raise cpu_state.StateError("give a value, e.g. `hv esr 0x5a000000` or `hv esr $ESR_EL2`")
        try:
            value = int(text, 0)
        except ValueError:
            try:
                value = int(gdb.parse_and_eval(text))
            except gdb.error as e:
                raise cpu_state.StateError(f"{text!r} is not a number ({e})") from None
        for line in esr.report(value & cpu_state.MASK64):
            print(line)


class HvVectors(gdb.Command):
    """List the 16 entries of the EL2 vector table and check them against VBAR_EL2.

Each entry: index, offset from VBAR_EL2, address, symbol, name. Checks that VBAR_EL2 points at
el2lab_vector_table and that each entry's symbol sits exactly at its 0x80 slot (a label before
`.balign` would not). Works without a target, from the ELF.

Usage: hv vectors"""

    def __init__(self) -> None:
        super().__init__("hv vectors", gdb.COMMAND_USER)

    @_guarded("hv vectors")
    def invoke(self, arg: str, from_tty: bool) -> None:
        _require_hypervisor("hv vectors")
        table = symbols.address_of("el2lab_vector_table")
        vbar = cpu_state.try_register("VBAR_EL2") if cpu_state.has_target() else None
        if table is None:
            raise cpu_state.StateError("no symbol el2lab_vector_table in this build")
        if vbar is None:
            print(f"el2lab_vector_table at {table:#x} (VBAR_EL2 not read: not connected to QEMU)")
        elif vbar == table:
            print(style.good(f"VBAR_EL2 = {vbar:#x} = el2lab_vector_table: the hypervisor's vectors "
                             "are installed"))
        elif vbar == 0:
            print(style.warn(f"VBAR_EL2 = 0: not set yet (Aarch64PerCpu<H>::hardware_enable sets it); "
                             f"el2lab_vector_table is at {table:#x}"))
        else:
            print(style.bad(f"VBAR_EL2 = {vbar:#x}, but el2lab_vector_table is at {table:#x}: "
                            "exceptions go somewhere else"))
        pc = cpu_state.try_register("pc") if cpu_state.has_target() else None
        print(f"  {'#':>2}  {'offset':6}  {'address':10}  {'symbol':26}  entry")
        for i in range(16):
            address = table + i * esr.VECTOR_ENTRY_BYTES
            name = esr.VECTOR_SYMBOLS[i]
            at = symbols.address_of(name)
            if at is None:
                symbol = style.warn("(no symbol)")
            elif at != address:
                symbol = style.bad(f"{name} MISPLACED at {at:#x}")
            else:
                symbol = name
            here = "  <- pc" if pc is not None and address <= pc < address + esr.VECTOR_ENTRY_BYTES else ""
            print(f"  {i:>2}  {i * esr.VECTOR_ENTRY_BYTES:#06x}  {address:#010x}  {symbol:26}  "
                  f"{esr.vector_name(i)}{here}")


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

    @_guarded("hv dispatch")
    def invoke(self, arg: str, from_tty: bool) -> None:
        _require_hypervisor("hv dispatch")
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


# Disassembly with C++ names (`bl 0x... <el2lab::board::QemuVirtHal::irq_fetch()>`).
gdb.execute("set print asm-demangle on", to_string=True)

HvPrefix()
HvWhere()
HvStep()
HvTrace()
HvVcpu()
HvExits()
HvEsr()
HvVectors()
HvDispatch()
