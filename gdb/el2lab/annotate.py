"""The narration: one line at every stop that says where in the hypervisor's path we are.

The path of a guest exit, stage by stage (the stages of core/annotation_points.txt):

  entry     a vector of el2lab_vector_table fires: which of the 16, from which EL (SPSR_EL2),
            ESR_EL2 field by field, FAR/ELR/SPSR; then the registers are saved
  dispatch  a handler is called: IRQ_HANDLER's indirect `blr`, or a direct `bl` to H::...
  exit      back in C++: run() decodes the trap into a VmExit, Vm<H>::handle acts on it
  resume    the world switch loads the guest's registers and ERETs into it

Every line ends with the exception level and regime of the stop: breakpoints are virtual
addresses without an EL, so the narration checks the EL itself and says so if a hypervisor
address was hit at EL1.
"""
from __future__ import annotations

from dataclasses import dataclass

import gdb

from . import cpu_state, devices, esr, exits, style, symbols, trace, vmexit


@dataclass
class Narration:
    stage: str   # entry | dispatch | exit | resume | boot | panic | vectors | '' (no point)
    symbol: str  # the annotation point (generic name) or the function containing pc
    text: str    # what happens here
    where: str   # "EL2, MMU off"
    hal: str | None = None

    def line(self) -> str:
        if not self.stage:
            return f"{style.dim('[el2lab]')} {self.symbol}: {self.text} ({self.where})"
        with_hal = f" [H = {self.hal}]" if self.hal else ""
        return (f"{style.stage(self.stage, '[el2lab ' + self.stage + ']')} "
                f"{style.name(self.symbol)}{with_hal}: {self.text} ({self.where})")


def _x(n: int) -> int:
    return cpu_state.register(f"x{n}")


def _hex(v: int) -> str:
    return f"{v:#x}"


def _vector_index(pc: int) -> int | None:
    base = symbols.address_of("el2lab_vector_table")
    if base is None or not base <= pc < base + 16 * esr.VECTOR_ENTRY_BYTES:
        return None
    return (pc - base) // esr.VECTOR_ENTRY_BYTES


def describe_exception(index: int) -> str:
    """Vector, origin EL and the syndrome registers, as they are at a vector's entry."""
    spsr = cpu_state.register("SPSR_EL2")
    elr = cpu_state.register("ELR_EL2")
    raw = cpu_state.register("ESR_EL2")
    parts = [f"vector {index} of 16, VBAR_EL2+{index * esr.VECTOR_ENTRY_BYTES:#05x} "
             f"({esr.vector_name(index)}), taken from {esr.spsr_mode(spsr)}"]
    if index in esr.IRQ_VECTORS:
        parts.append(f"ESR_EL2 not written by an interrupt (holds {_hex(raw)} from an earlier "
                     "exception)")
    else:
        d = esr.decode(raw)
        parts.append(f"ESR_EL2 {_hex(raw)}: {d.one_line()}")
        if d.ec in esr.EC_WITH_FAR:
            far = cpu_state.register("FAR_EL2")
            text = f"FAR_EL2 {_hex(far)}"
            if d.ec in (esr.EC_DATA_ABORT_LOWER, esr.EC_INSTR_ABORT_LOWER):
                hpfar = cpu_state.register("HPFAR_EL2")
                ipa = ((hpfar >> 4) & ((1 << 44) - 1)) << 12 | (far & 0xFFF)
                text += f", IPA {_hex(ipa)} (HPFAR_EL2)"
            parts.append(text)
        else:
            parts.append("FAR_EL2 not set by this class")
    parts.append(f"ELR_EL2 {_hex(elr)}{cpu_state.symbol_offset(elr)}")
    parts.append(f"SPSR_EL2 {_hex(spsr)} ({esr.describe_spsr(spsr)})")
    return "; ".join(parts)


def _vcpu_at(address: int, resolved: symbols.Resolved | None) -> gdb.Value | None:
    if resolved is None:
        return None
    try:
        t = gdb.lookup_type(resolved.name.rsplit("::", 1)[0])
        return gdb.Value(address).cast(t.pointer()).dereference()
    except gdb.error:
        return None


# The annotation points each CPU has stopped at since its last guest exit (el2lab_vmexit), so
# the world switch's narration can say when an exit never reached the run loop. Only stops this
# package narrates count; a CPU without a narrated el2lab_vmexit has no entry.
_since_exit: dict[int, set[str]] = {}


def _note_stop(name: str) -> None:
    cpu = cpu_state.cpu_number()
    if cpu is None:
        return
    if name == "el2lab_vmexit":
        _since_exit[cpu] = set()
    elif cpu in _since_exit:
        _since_exit[cpu].add(name)


# Which MMIO accesses run() answers itself (Aarch64VCpu<H>::handed_to_devices, MmioDevices).
_MMIO_RULE = ("; the UART is answered so, and the test device once the log is done with the "
              "kind, under the devices' own lock")


def _answered_in_run(vcpu_address: int) -> str:
    """If the exit before this entry never reached the run loop — Aarch64VCpu<H>::run answered
    it and went straight back into the guest — what it was; '' otherwise. Known for sure when
    this CPU's way from el2lab_vmexit was narrated (Vm<H>::handle was not on it); otherwise, for
    a hypercall, from run()'s own tests on the vCPU whose frame el2lab_enter_guest loads (a
    trapped system register or an MMIO access is told only when narrated: whether el2lab
    models the register, or which device answers, is the hypervisor's question)."""
    from . import vcpu  # noqa: PLC0415 — vcpu imports much of the package
    found = [f for f in vcpu.find_all() if f.address == vcpu_address]
    if not found:
        return ""
    v = found[0].value
    try:
        trap = v["trap_"]
        vector, kind = int(trap["vector"]), int(trap["kind"])
        irq = int(v["irq_"])
        calls = int(v["exit_counts_"]["_M_elems"][kind]) if 0 <= kind < 14 else 0
        limit = int(v["exits_to_run_loop_"])
        exit_ = vmexit.from_value(v["exit_"])
    except (gdb.error, KeyError, TypeError):
        return ""
    seen = _since_exit.get(cpu_state.cpu_number())
    is_irq = vector in (9, 10, 13, 14)
    if seen is not None:
        if "el2lab::Vm<H>::handle" in seen or "el2lab::Aarch64VCpu<H>::run" in seen:
            return ""
    elif is_irq or vector != 8 or kind != 0 or esr.bits(int(trap["esr"]), 26, 6) != 0x16 or \
            calls <= limit or not exits.answerable_by_vcpu(exit_.fields.get("function", 0)):
        return ""  # not narrated from the exit on: only a hypercall can be told from the state
    vid = int(v["id_"])
    if is_irq and irq == 26:
        return "run() took the turn tick (INTID 26) itself and gives the guest its CPU back at once; "
    if is_irq and irq == 27:
        return (f"vCPU {vid} forwarded the virtual timer tick (INTID 27) by itself in run() (tick "
                f"{calls}: the first {limit} went to the run loop and its log): it freed the list "
                f"registers the guest had finished, dropped the priority and put the tick in list "
                f"register 0; the run loop never saw it; ")
    if vector == 8 and kind == 10:
        return (f"vCPU {vid} slept through its WFI in run() itself (WFI exit {calls}: the first "
                f"{limit} went to the run loop and its log): its timer woke it, through "
                f"IRQ_HANDLER, and went straight into list register 0; the run loop never saw "
                f"it; ")
    # The synchronous exits run() answers: (what it did, which exit of the kind, the rule).
    answered = {
        0: ("answered", "by itself in run()", "hypercall", " and its log"),
        1: ("handed", "straight to the VM's devices from run()", "MMIO read", _MMIO_RULE),
        2: ("handed", "straight to the VM's devices from run()", "MMIO write", _MMIO_RULE),
        3: ("emulated", "by itself in run()", "system-register read", " and its log"),
        4: ("emulated", "by itself in run()", "system-register write", " and its log"),
    }
    if vector == 8 and kind in answered:
        verb, where, which, rule = answered[kind]
        return (f"vCPU {vid} {verb} {exit_.describe()} {where} ({which} {calls}: the first "
                f"{limit} went to the run loop{rule}): the run loop never saw it; ")
    return ""



def _frame_at(address: int) -> gdb.Value | None:
    try:
        return gdb.Value(address).cast(gdb.lookup_type("el2lab::TrapFrame").pointer()).dereference()
    except gdb.error:
        return None


def _frame_elr_spsr(address: int) -> tuple[int, int]:
    base = address
    return cpu_state.read_u64(base + 256), cpu_state.read_u64(base + 264)


def _device_map(exit_: vmexit.Exit):
    """The VM's device map for an MMIO exit (read only then: it costs a few memory reads)."""
    if exit_.kind not in ("MmioRead", "MmioWrite"):
        return None
    return devices.current()


def describe_point(r: symbols.Resolved, pc: int) -> str:
    """The stage-specific text at annotation point r (the CPU is stopped on its first insn)."""
    name = r.point.symbol
    _note_stop(name)
    index = _vector_index(pc)
    if r.point.stage == "entry" and name.startswith("el2lab_vec_") and index is not None:
        return describe_exception(index)
    if name == "el2lab_current_el_trap":
        i = _x(0)
        return (f"vector {i} ({esr.vector_name(i)}) was taken at EL2 itself: saving what a C++ "
                f"call may change of the interrupted hypervisor (x0-x18, x30) and ELR/SPSR in a "
                f"frame on its own stack (sp {_hex(cpu_state.register('sp'))}); x19-x29 the "
                f"handler keeps itself; then el2lab_current_el_irq")
    if name == "el2lab_current_el_fault":
        i = _x(0)
        return (f"vector {i} ({esr.vector_name(i)}) was taken at EL2 itself, and only an IRQ "
                f"should be: saving all the hypervisor's registers in a frame on its own stack "
                f"(sp {_hex(cpu_state.register('sp'))}) for the panic report")
    if name == "el2lab_lower_el_trap":
        i = _x(0)
        return (f"vector {i} ({esr.vector_name(i)}): saving the guest's x2-x30, SP_EL0, ELR_EL2 "
                f"and SPSR_EL2 straight into its vCPU's trap frame (sp {_hex(cpu_state.register('sp'))})")
    if name == "el2lab_vmexit":
        sp = cpu_state.register("sp")
        elr, spsr = _frame_elr_spsr(sp)
        i = _x(0)
        return (f"guest frame complete at {_hex(sp)} (guest PC {_hex(elr)}, {esr.spsr_mode(spsr)}); "
                f"back to the host stack saved in the word after it: el2lab_enter_guest returns "
                f"vector {i} ({esr.vector_name(i)}) to Aarch64VCpu<H>::run")
    if name == "el2lab::Aarch64VCpu<H>::run":
        this = _x(0)
        vcpu = _vcpu_at(this, r)
        if vcpu is None:
            return f"vCPU at {_hex(this)}: enters the guest and returns the next VmExit"
        vid = int(vcpu["id_"])
        pc_guest = int(vcpu["frame_"]["elr"]) & cpu_state.MASK64
        first = "" if bool(vcpu["loaded_"]) else (
            "first run on this CPU: loads the guest's EL1 and FP/SIMD state, VMPIDR_EL2 and "
            "VTTBR_EL2 (stage 2), then ")
        return (f"vCPU {vid}: {first}enters the guest at PC {_hex(pc_guest)}"
                f"{cpu_state.symbol_offset(pc_guest)} and returns the next VmExit")
    if name == "el2lab::decode_sync_exit":
        raw, far, hpfar = _x(0), _x(1), _x(2)  # ESR_EL2, FAR_EL2, HPFAR_EL2 in registers
        d = esr.decode(raw)
        text = (f"decoding the synchronous trap into a VmExit: ESR {_hex(raw)} = EC {d.ec:#04x} "
                f"{d.ec_name} ({d.summary})")
        if d.ec in (esr.EC_DATA_ABORT_LOWER, esr.EC_INSTR_ABORT_LOWER):
            ipa = ((hpfar >> 4) & ((1 << 44) - 1)) << 12 | (far & 0xFFF)
            text += f", fault IPA {_hex(ipa)}"
        return text
    if name == "el2lab::Vm<H>::handle":
        exit_ = vmexit.at_address(_x(1))
        source = "" if exit_.source == "memory" else " (from the trace ring)"
        return (f"VmExit {style.value(exit_.describe())}{source}; the run loop: "
                f"{exit_.outcome(_device_map(exit_))}")
    if name == "el2lab_enter_guest":
        frame = _x(0)
        elr, spsr = _frame_elr_spsr(frame)
        return (f"{_answered_in_run(frame)}world switch: saves what run() keeps across the guest "
                f"(x19, x20, the frame pointer, the return address) and SP, loads the guest's "
                f"registers from its frame at {_hex(frame)}; ERET will go to {_hex(elr)}"
                f"{cpu_state.symbol_offset(elr)} in {esr.spsr_mode(spsr)}")
    if name == "el2lab_guest_eret":
        return _guest_eret()
    if name == "el2lab_current_el_exception":
        i = _x(0)
        frame = _x(1)
        elr, _ = _frame_elr_spsr(frame)
        raw = cpu_state.register("ESR_EL2")
        return (f"C++ handler called for vector {i} ({esr.vector_name(i)}): an exception at EL2 "
                f"other than an IRQ is a hypervisor bug (ESR {_hex(raw)} "
                f"{esr.ec_name(esr.bits(raw, 26, 6))}, at {_hex(elr)}"
                f"{cpu_state.symbol_offset(elr)}): the panic report follows")
    if name == "el2lab_current_el_irq":
        direct = [s for s in symbols.dispatch_sites() if s.kind == "irq_handler_direct"]
        indirect = [s for s in symbols.dispatch_sites() if s.kind == "irq_handler_call"]
        hal_name = symbols.hal_short(symbols.hal())
        if indirect:
            s = indirect[0]
            return (f"an IRQ taken at EL2: calls IRQ_HANDLER with `{s.insn.pretty()}` at {_hex(s.address)} "
                    f"(indirect, through the per-CPU IrqHandler's function table), which lands in "
                    f"H::irq_handler [H = {hal_name}]")
        if direct:
            s = direct[0]
            return (f"an IRQ taken at EL2: calls H::irq_handler [H = {hal_name}] directly with "
                    f"`{s.insn.pretty()}` at {_hex(s.address)} (static dispatch build)")
        return "an IRQ taken at EL2 (no call to IRQ_HANDLER or H::irq_handler found in this build)"
    if r.point.stage == "hal":
        return f"{r.point.description}; {_caller()}"
    if name == "el2lab::panic_on_exception":
        i = _x(0)
        frame = _x(1)
        elr, spsr = _frame_elr_spsr(frame)
        return (f"panic report for vector {i} ({esr.vector_name(i)}), interrupted code at "
                f"{_hex(elr)}{cpu_state.symbol_offset(elr)} ({esr.spsr_mode(spsr)})")
    if name == "el2lab_entry":
        return f"{r.point.description}; x0 = {_hex(_x(0))}"
    if name == "el2lab_main":
        return f"{r.point.description}; device tree at {_hex(_x(0))}"
    return r.point.description


def _caller() -> str:
    """How the function at whose first instruction the CPU stands was called (from x30)."""
    lr = _x(30)
    call = symbols.insn_at(lr - 4)
    where = f"{_hex(lr - 4)}{cpu_state.symbol_offset(lr - 4)}"
    if call is None:
        return f"returns to {_hex(lr)}"
    if call.mnemonic == "blr":
        reg = symbols.call_target(call)[1]
        return (f"reached through `{call.pretty()}` at {where}: an indirect call, the target "
                f"loaded from memory{' (IRQ_HANDLER)' if 'irq' in where else ''}"
                f"{'; the target was the IrqHandler thunk, which tail-calls here' if _is_thunk(cpu_state.try_register(reg)) else ''}")
    if call.mnemonic == "bl":
        return f"called by `{call.pretty()}` at {where}: a direct call, the target fixed in the instruction"
    return f"returns to {_hex(lr)}{cpu_state.symbol_offset(lr)}"


def _is_thunk(address: int | None) -> bool:
    return address is not None and address in symbols._irq_handler_thunks()  # noqa: SLF001


def _guest_eret() -> str:
    elr, spsr = cpu_state.register("ELR_EL2"), cpu_state.register("SPSR_EL2")
    return (f"ERET into the guest: PC <- ELR_EL2 {_hex(elr)}{cpu_state.symbol_offset(elr)}, "
            f"PSTATE <- SPSR_EL2 {_hex(spsr)} ({esr.describe_spsr(spsr)}); x0 {_hex(_x(0))}"
            f"{_injected(elr)}")


def _injected(elr: int) -> str:
    """What the ERET target says about the exit's outcome: a target inside the guest's own
    vector table (VBAR_EL1) means the hypervisor injected an exception (an external abort for
    an access to no device, an undefined instruction, ...) — read from the machine, not
    predicted."""
    vbar = cpu_state.try_register("VBAR") or cpu_state.try_register("VBAR_EL1")
    if not vbar or not vbar <= elr < vbar + 16 * esr.VECTOR_ENTRY_BYTES or elr % esr.VECTOR_ENTRY_BYTES:
        return ""
    i = (elr - vbar) // esr.VECTOR_ENTRY_BYTES
    return (f"; that is the guest's own vector VBAR_EL1+{elr - vbar:#05x} ({esr.vector_name(i)}): "
            "the hypervisor injected an exception")


def describe_site(site: symbols.Site) -> str:
    if site.kind == "guest_eret":
        return f"`eret` in {site.function} (this build has no el2lab_guest_eret label): {_guest_eret()}"
    text = f"`{site.insn.pretty()}`: {site.label}"
    if site.insn.mnemonic == "blr":
        reg = symbols.call_target(site.insn)[1]
        target = cpu_state.register(reg)
        text += f"; {reg} holds {_hex(target)}{cpu_state.symbol_offset(target)}"
    if site.kind == "current_el_eret":
        elr, spsr = cpu_state.register("ELR_EL2"), cpu_state.register("SPSR_EL2")
        text += f": PC <- {_hex(elr)}{cpu_state.symbol_offset(elr)} ({esr.describe_spsr(spsr)})"
        handled = _el2_irq_intid()
        if handled is not None:
            text += f"; this IRQ was {exits.intid_name(handled)} (trace ring: IrqDispatch)"
    return text


def _el2_irq_intid() -> int | None:
    """The INTID the HAL acknowledged for the IRQ this CPU took at EL2 (vector 5), from the
    trace ring: the IrqDispatch record after this CPU's last IrqEntry at EL2; None if the
    last EL2 exception was not an IRQ or the ring says nothing."""
    thread = gdb.selected_thread()
    cpu = thread.num - 1 if thread is not None else 0
    intid = None
    for r in trace.read_ring():
        if r.cpu != cpu:
            continue
        if r.kind_name == "IrqEntry" and r.address == 5:
            intid = -1
        elif r.kind_name == "IrqDispatch" and intid == -1:
            intid = r.address
    return intid if intid is not None and intid >= 0 else None


def narrate(pc: int | None = None) -> Narration:
    """What the stop at pc (default: the current one) means. Raises cpu_state.StateError."""
    if pc is None:
        pc = cpu_state.register("pc")
    el = cpu_state.exception_level()
    where = cpu_state.where_short()
    r = symbols.at_address(pc)
    site = symbols.site_at(pc) if r is None else None
    if r is None and site is None:
        text = f"pc {_hex(pc)}"
        near = next((symbols.at_address(pc - d) for d in (4, 8, 12, 16) if symbols.at_address(pc - d)), None)
        # Only when pc is still inside that point's own code: a function the linker placed
        # just after it (right after the vector table, say) is not a missed prologue.
        if near is not None and el == 2 and \
                cpu_state.symbol_at(pc) in ("?", near.name, near.point.symbol):
            text += (f", {pc - near.address} bytes into the annotation point {near.point.symbol}: GDB "
                     f"put the breakpoint after what it took for a prologue (a build without debug "
                     f"information); `break *{near.name}` stops on its first instruction")
        return Narration("", cpu_state.short_name(cpu_state.symbol_at(pc)), text, where)
    if el != 2:
        where += ("; a hypervisor address executed at EL%d: the guest uses this virtual address "
                  "too, so this is not the hypervisor's code running" % el)
        name = r.point.symbol if r else site.function
        return Narration(r.point.stage if r else site.stage, name, "not narrated", where)
    if site is not None:
        return Narration(site.stage, site.function, _safe(describe_site, site), where)
    return Narration(r.point.stage, r.point.symbol, _safe(describe_point, r, pc), where, r.hal and
                     symbols.hal_short(r.hal))


def _safe(fn, *args) -> str:
    try:
        return fn(*args)
    except cpu_state.StateError as e:
        return f"(could not read the state: {e})"
    except (gdb.error, gdb.MemoryError, KeyError, ValueError, OverflowError) as e:
        return f"(could not decode this stop: {e})"


def width() -> int:
    """Columns for narration: the terminal's (at most 120), 100 when GDB has no width (batch)."""
    try:
        columns = int(gdb.parameter("width") or 0)
    except (gdb.error, TypeError, ValueError):
        columns = 0
    return min(columns, 120) if 40 <= columns else 100


def wrap(line: str, indent: str) -> str:
    return style.wrap(line, indent, width())


def describe_stop() -> str:
    """The narration line for the current stop (kept for callers of the first version)."""
    return narrate().line()


# Set while a command narrates its own stops (hv trace), to avoid a second line.
suppress = False


def _on_stop(event) -> None:
    if suppress:
        return
    if isinstance(event, gdb.SignalEvent) and event.stop_signal not in ("SIGTRAP", "SIGINT"):
        return
    try:
        print(wrap(narrate().line(), "    "))
    except cpu_state.StateError:
        pass  # the machine is gone (e.g. powered off); GDB says so itself
    except Exception as e:  # noqa: BLE001 — a stop must never end in a Python traceback
        print(style.bad(f"[el2lab] this stop could not be narrated: {e}"))


gdb.events.stop.connect(_on_stop)
