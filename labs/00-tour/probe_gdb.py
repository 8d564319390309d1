"""Runs inside GDB for lab 00's grader: boots to the first HVC a guest makes from EL1 and
prints what the build did with it, as GRADE key=value lines. It knows no symbol but the
guest's entry (guest_main): the vectors are found from VBAR_EL2 itself."""
import gdb


def value(expr: str) -> int:
    return int(gdb.parse_and_eval(expr)) & 0xFFFF_FFFF_FFFF_FFFF


def probe() -> None:
    # By the time the guest runs, the hypervisor has set VBAR_EL2.
    gdb.execute("tbreak guest_main", to_string=True)
    gdb.execute("continue", to_string=True)
    vbar = value("$VBAR_EL2")
    entries = [vbar + 0x80 * i for i in range(16)]
    for address in entries:
        gdb.execute(f"break *{address:#x}", to_string=True)
    for _ in range(200):
        gdb.execute("continue", to_string=True)
        pc = value("$pc")
        if pc not in entries:
            continue
        esr = value("$ESR_EL2")
        spsr_el = (value("$SPSR_EL2") >> 2) & 3
        if esr >> 26 != 0x16 or spsr_el != 1 or (pc - vbar) // 0x80 < 8:
            continue
        elr = value("$ELR_EL2")
        before = gdb.execute(f"x/i {elr - 4:#x}", to_string=True)
        at = gdb.execute(f"x/i {elr:#x}", to_string=True)
        hvc_at = elr - 4 if "\thvc" in before else elr if "\thvc" in at else None
        print(f"GRADE vbar={vbar:#x} vector={(pc - vbar) // 0x80} offset={pc - vbar:#x} "
              f"esr={esr:#x} hcr={value('$HCR_EL2'):#x} elr={elr:#x} "
              f"hvc_at={hvc_at:#x}" if hvc_at is not None else f"GRADE vbar={vbar:#x} no_hvc")
        return
    print("GRADE no HVC from EL1 reached a lower-EL vector")


try:
    probe()
except gdb.error as e:
    print(f"GRADE error={str(e).replace(' ', '_')}")
