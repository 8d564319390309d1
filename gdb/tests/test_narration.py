#!/usr/bin/env python3
"""The stop narration along two complete guest exits, compared with golden transcripts.

hvc:  the guest's first HVC — stop at el2lab_vec_lower64_sync when ESR_EL2.EC is 0x16, then
      `hv step` through every stage: vector entry (ESR decoded, origin EL from SPSR_EL2),
      saving the frame, el2lab_vmexit, decode_sync_exit, Vm<H>::handle (the VmExit decoded
      from memory and what the run loop does), run(), the world switch, the ERET.
mmio: the mmio guest's first access to the test device (a data abort whose HPFAR_EL2 names
      page 0xb000), the same way, plus the VmExit and TrapFrame pretty-printers at the run
      loop.
irq:  the first IRQ taken from a running guest — el2lab_vec_lower64_irq, the direct `bl` to
      H::irq_fetch, the ExternalInterrupt exit, back into the guest — on the timer guest, whose
      ticks land both while it sleeps in WFI and while it runs (its second half never sleeps,
      so one comes for sure). Which tick it is depends on how idle time passes under the
      debugger (see tools/el2lab_run.py), so this session has no golden file: it checks the
      stages, and that `hv step` followed one CPU — every narrated line names the same one.
alone: a hypercall past the log limit, which the vCPU answers inside run(): from el2lab_vmexit
      straight to the world switch, whose narration says the run loop never saw it.
sysreg: a trapped MSR/MRS past the log limit, which the vCPU emulates inside run(): decoded,
      then the world switch, the same way.
mmio-direct: an access to the test device past the log limit, which the vCPU hands straight
      to the VM's devices from run(), the same way.
ticks: `hv trace irq 3` over timer ticks past the log limit, which the vCPU forwards itself.
wfi:  `hv step` through a WFI past the log limit, which the vCPU sleeps through in run().
(The IRQ taken at EL2 through IRQ_HANDLER is narrated by test_trace_paths.py.)
"""
import re
import sys

import harness


def narrated(args, checks: harness.Checks, name: str, guest: str, commands: list[str]) -> str:
    """One live session on `guest`, shown with --show and free of Python tracebacks."""
    text, _ = harness.session(args.build_dir, guest, commands)
    harness.show(args, name, text)
    checks.no_traceback(text, name)
    return text


def short_road(args, checks: harness.Checks, name: str, guest: str, ec: int | str, skip: int,
               steps: int, needles: list[tuple[str, str]]) -> None:
    """`hv step` from the vector entry of the synchronous exit with ESR_EL2.EC `ec` (a number,
    or a condition that starts with one) that comes after `skip` others, on `guest`: the needles
    must follow el2lab_vmexit's line, and the run loop's handle() must not (the vCPU answered
    the exit in run())."""
    condition = f"{ec:#x}" if isinstance(ec, int) else ec
    text = narrated(args, checks, name, guest, [
        f"break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == {condition}",
        f"ignore $bpnum {skip}",
        "continue",
        "delete",
        *(["hv step"] * steps),
    ])
    after = text[text.find("[el2lab exit] el2lab_vmexit:"):]
    checks.check(bool(after), f"{name}: hv step reached el2lab_vmexit")
    for needle, what in needles:
        checks.expect(after, needle, f"{name} {what}")
    checks.check("Vm<H>::handle" not in after, f"{name}: the run loop's handle() is not a stage")


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)
    steps = ["hv step"] * 8

    hvc, console = harness.session(args.build_dir, "hvc", [
        "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x16",
        "continue",
        "delete",
        *steps[:4],
        "hv where",
        *steps[4:],
        "hv where",
    ])
    harness.show(args, "hvc", hvc)
    checks.golden("narration_hvc", hvc)
    checks.no_traceback(hvc, "hvc")
    for needle, what in [
        ("[el2lab entry] el2lab_vec_lower64_sync: vector 8 of 16, VBAR_EL2+0x400 (Lower EL using "
         "AArch64, Synchronous), taken from EL1h; ESR_EL2 ADDR: EC 0x16 HVC (AArch64), IL 1", "vector entry"),
        ("[el2lab entry] el2lab_lower_el_trap:", "frame save"),
        ("[el2lab exit] el2lab_vmexit:", "vmexit"),
        ("[el2lab exit] el2lab::decode_sync_exit:", "decode"),
        ("[el2lab exit] el2lab::Vm<H>::handle [H = QemuVirtHal]: VmExit Hypercall HVC function ADDR", "handle"),
        ("[el2lab resume] el2lab_enter_guest:", "world switch"),
        ("[el2lab resume] el2lab_guest_eret: ERET into the guest: PC <- ELR_EL2", "eret"),
        ("(EL1h, DAIF masked)", "SPSR decoded"),
        ("EL2, MMU off)", "EL checked at the stop"),
    ]:
        checks.expect(hvc, needle, f"hvc {what}")

    mmio, _ = harness.session(args.build_dir, "mmio", [
        "break el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x24 && ($HPFAR_EL2 >> 4) == 0xb000",
        "continue",
        "delete",
        *steps[:4],
        "print *(el2lab::VmExit *)$x1",
        "print ((el2lab::Vm<el2lab::board::QemuVirtHal> *)$x0)->vcpus_._M_elems[$x2].frame_",
        *steps[4:],
    ])
    harness.show(args, "mmio", mmio)
    checks.golden("narration_mmio", mmio)
    checks.no_traceback(mmio, "mmio")
    for needle, what in [
        ("EC 0x24 Data Abort from a lower EL, IL 1", "data abort decoded"),
        ("ISV 1 (syndrome valid)", "ISS field by field"),
        ("IPA ADDR (HPFAR_EL2)", "fault IPA"),
        ("VmExit Mmio", "VmExit decoded"),
        ("the test device", "device named"),
        ("= VmExit Mmio", "VmExit pretty-printer"),
        ("TrapFrame {", "TrapFrame pretty-printer"),
        ("[el2lab resume] el2lab_guest_eret:", "eret"),
    ]:
        checks.expect(mmio, needle, f"mmio {what}")
    # A hypercall past the log limit: the vCPU answers it inside run(), so `hv step` goes from
    # el2lab_vmexit straight to the world switch, and the narration says why handle() was not
    # on the way. (The hvc guest makes about 45 calls before its last checks; the 40th is one.)
    short_road(args, checks, "alone", "hvc", 0x16, 39, 4, [
        ("[el2lab resume] el2lab_enter_guest: vCPU 0 answered Hypercall ", "answered in run()"),
        ("by itself in run() (hypercall 40: the first 13 went to the run loop and its log)",
         "which call, and why"),
        ("[el2lab resume] el2lab_guest_eret: ERET into the guest", "back to the guest"),
    ])

    # A trapped MSR/MRS past the log limit: the vCPU emulates it inside run() (the sysreg
    # guest makes 67, its last 48 in a loop past the limit; the 51st is one of those).
    short_road(args, checks, "sysreg", "sysreg", 0x18, 50, 5, [
        ("[el2lab exit] el2lab::decode_sync_exit:", "decoded as any trap"),
        ("[el2lab resume] el2lab_enter_guest: vCPU 0 emulated SysReg", "emulated in run()"),
        ("by itself in run() (system-register ", "which access, and why"),
        ("the first 13 went to the run loop and its log", "the log limit named"),
    ])

    # An MMIO access to the test device past the log limit: the vCPU hands it to the VM's
    # devices from run() (the mmio guest makes hundreds; the 100th data abort on the test
    # device's page is one).
    short_road(args, checks, "mmio-direct", "mmio",
               "0x24 && ($HPFAR_EL2 >> 4) == 0xb000", 99, 5, [
        ("[el2lab exit] el2lab::decode_sync_exit:", "decoded as any trap"),
        ("[el2lab resume] el2lab_enter_guest: vCPU 0 handed Mmio", "handed over in run()"),
        ("straight to the VM's devices from run() (MMIO ", "which access, and why"),
        ("the first 13 went to the run loop; the UART is answered so", "the rule named"),
    ])

    # Timer ticks past the log limit (the timer guest takes about 50): the vCPU forwards them
    # itself, and the run loop's handle() is not among a path's stages. (The 21st lower-EL IRQ
    # and the two after it are ticks 21-23 or later; a tick that finds a list register still in
    # use goes to the run loop, which the narration must then show instead.)
    ticks = narrated(args, checks, "ticks", "timer", [
        "break el2lab_vec_lower64_irq",
        "ignore $bpnum 20",
        "continue",
        "delete",
        "hv trace irq 3 --from-guest",
    ])
    paths = re.split(r"(?m)^irq \d+ of \d+: ", ticks)[1:]
    forwarded = [p for p in paths if "forwarded the virtual timer tick (INTID 27) by itself" in p]
    checks.check(len(paths) == 3 and len(forwarded) >= 1,
                 f"ticks: {len(forwarded)} of {len(paths)} paths forwarded in run()")
    checks.check(all("Vm<H>::handle" not in p for p in forwarded) and
                 all("Vm<H>::handle" in p for p in paths if p not in forwarded),
                 "ticks: handle() is on exactly the paths not forwarded in run()")
    checks.expect(ticks, "the first 13 went to the run loop and its log", "ticks: why")

    # A WFI past the log limit, with the timer armed: the vCPU sleeps through it in run(), the
    # timer's IRQ is taken at EL2 through IRQ_HANDLER, and the tick goes into a list register
    # without the run loop.
    short_road(args, checks, "wfi", "timer", 0x01, 30, 10, [
        ("[el2lab entry] el2lab_vec_cur_spx_irq: vector 5 of 16", "the IRQ taken at EL2"),
        ("`blr xN`: IRQ_HANDLER: indirect call", "through IRQ_HANDLER"),
        ("[el2lab resume] el2lab_enter_guest: vCPU 0 slept through its WFI in run() itself (WFI "
         "exit 31: the first 13 went to the run loop and its log)", "slept in run()"),
    ])

    irq = narrated(args, checks, "irq", "timer", [
        "break el2lab_vec_lower64_irq",
        "continue",
        "delete",
        *(["hv step"] * 9),
        "hv where",
    ])
    for needle, what in [
        ("[el2lab entry] el2lab_vec_lower64_irq: vector 9 of 16, VBAR_EL2+0x480", "IRQ vector"),
        ("ESR_EL2 not written by an interrupt", "stale ESR said so"),
        ("`bl ADDR <el2lab::board::QemuVirtHal::irq_fetch>`: H::irq_fetch: direct call",
         "the direct call"),
        ("VmExit ExternalInterrupt INTID ", "the exit"),
        ("[el2lab resume] el2lab_guest_eret: ERET into the guest", "back to the guest"),
    ]:
        checks.expect(irq, needle, f"irq {what}")
    after_break = irq[irq.find("el2lab_vec_lower64_irq: vector 9"):]
    cpus = set(re.findall(r"\(CPU (\d+), EL", after_break))
    checks.check(len(cpus) == 1, f"irq: hv step followed one CPU (lines name CPUs {sorted(cpus)})")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
