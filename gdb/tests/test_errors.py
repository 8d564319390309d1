#!/usr/bin/env python3
"""The wrong states: one clear line each, never a Python traceback. Golden transcripts too.

no target   GDB without QEMU: every command that needs a CPU says how to get one; the
            offline ones (hv esr, hv dispatch, hv vectors) still work from the ELF.
gone        the guest powers the machine off (QEMU exits): every command says QEMU is gone.
EL1         stopped in the guest (a breakpoint on the guest's guest_main): the narration and
            `hv where` say EL1, `hv vcpu` says the frame is the last exit's, `hv step` runs to
            the guest's next exit.
missing     a build that lacks symbols (a copy of el2lab.elf without debug information and
            without el2lab_guest_eret and el2lab_vmexit, like a student's build may be): the
            commands name what is missing, fall back (the ERET found by disassembly, the
            VmExit read from the trace ring) and go on.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import harness

ALL = ["hv where", "hv step", "hv trace irq 1", "hv vcpu", "hv exits", "hv vectors",
       "hv dispatch", "hv esr 0x5a000000"]


def stripped_build(build: Path):
    """A fake build directory whose el2lab.elf lacks debug info and two annotation points."""
    def prepare(tmp: Path) -> dict:
        elf = tmp / "build" / "aarch64" / "core" / "el2" / "el2lab.elf"
        elf.parent.mkdir(parents=True)
        objcopy = shutil.which("aarch64-linux-gnu-objcopy") or "objcopy"
        subprocess.run([objcopy, "--strip-debug", "--strip-symbol=el2lab_guest_eret",
                        "--strip-symbol=el2lab_vmexit",
                        str(build / "aarch64" / "core" / "el2" / "el2lab.elf"), str(elf)], check=True)
        return {"EL2LAB_BUILD": str(tmp / "build")}
    return prepare


def main() -> int:
    args = harness.arguments(__doc__)
    checks = harness.Checks(args.update)

    # No QEMU at all: the socket does not exist.
    import tempfile  # noqa: PLC0415
    with tempfile.TemporaryDirectory(prefix="el2lab-gdb-") as tmp:
        raw = harness.gdb_batch(args.build_dir, Path(tmp) / "nobody.sock", ALL)
        out = harness.normalise(raw, args.build_dir, Path(tmp))
    harness.show(args, "no target", out)
    checks.golden("errors_no_target", out)
    checks.no_traceback(out, "no target")
    checks.expect(out, "QEMU is not waiting for GDB", "no target: session")
    for command in ("hv where", "hv step", "hv trace", "hv vcpu", "hv exits"):
        checks.expect(out, f"{command}: not connected to QEMU: run `make debug`", f"no target: {command}")
    checks.expect(out, "(VBAR_EL2 not read: not connected to QEMU)", "no target: hv vectors works offline")
    checks.expect(out, "IRQ dispatch in this build", "no target: hv dispatch works offline")
    checks.expect(out, "ESR ADDR: HVC (AArch64): hvc #0x0", "no target: hv esr works offline")

    # QEMU gone: run the hello guest to its power-off.
    out, _ = harness.session(args.build_dir, "hello", ["continue", *ALL])
    harness.show(args, "gone", out)
    checks.golden("errors_gone", out)
    checks.no_traceback(out, "gone")
    for command in ("hv where", "hv step", "hv trace", "hv vcpu", "hv exits"):
        checks.expect(out, f"{command}: QEMU is gone: the machine powered off", f"gone: {command}")

    # Stopped in the guest, at EL1.
    out, _ = harness.session(args.build_dir, "hvc", [
        "break guest_main", "continue", "hv where", "hv vcpu", "hv step", "hv where"])
    harness.show(args, "EL1", out)
    checks.golden("errors_el1", out)
    checks.no_traceback(out, "EL1")
    checks.expect(out, "EL1 (guest), stage 2 on)", "EL1: the narration names EL1")
    checks.expect(out, "stopped at EL1 (guest)", "EL1: hv where")
    checks.expect(out, "stopped in the guest: its live registers are the CPU's", "EL1: hv vcpu")
    checks.expect(out, "[el2lab entry] el2lab_vec_lower64_sync:", "EL1: hv step reaches the next exit")

    # A build without some annotation points and without debug information.
    out, _ = harness.session(args.build_dir, "hvc", [
        "break el2lab_vec_lower64_sync", "continue", "delete",
        "break *el2lab_vec_lower64_sync if ($ESR_EL2 >> 26) == 0x16", "continue", "delete",
        *["hv step"] * 7, "hv vcpu", "hv trace hvc 1", "hv dispatch"],
        prepare=stripped_build(args.build_dir))
    harness.show(args, "missing", out)
    checks.golden("errors_missing_symbols", out)
    checks.no_traceback(out, "missing")
    checks.expect(out, "not in this build, so not narrated: el2lab_vmexit, el2lab_guest_eret",
                  "missing: hv trace names them")
    checks.expect(out, "this build has no el2lab_guest_eret label", "missing: the ERET found anyway")
    checks.expect(out, "(from the trace ring)", "missing: VmExit from the trace ring")
    checks.expect(out, "hv vcpu: no Aarch64VCpu<H> object found", "missing: hv vcpu")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
