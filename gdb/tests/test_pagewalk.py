#!/usr/bin/env python3
"""The table walker behind `hv walk` (el2lab/pagewalk.py), plain python3, against hand-built tables.

Every table and expected address below was worked out by hand from the Arm ARM's VMSAv8-64
rules (index bits per level, descriptor encodings), not taken from the walker: a 40-bit stage-2
space with two concatenated level-1 pages, a 32-bit one like el2lab's with 2 MiB blocks, faults
at levels 1, 2 and 3 and out of range, a guest stage-1 walk whose tables sit at IPAs that stage
2 moves (so each table read must go through stage 2), TTBR1 and a 64 KiB granule.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from el2lab import pagewalk  # noqa: E402

passed, failed = 0, []


def check(ok: bool, what: str) -> None:
    global passed
    if ok:
        passed += 1
    else:
        failed.append(what)
        print(f"CHECK FAILED: {what}")


class Memory(dict):
    def read(self, pa: int) -> int:
        self.reads.append(pa)
        return self.get(pa, 0)

    def __init__(self, *a) -> None:
        super().__init__(*a)
        self.reads = []


# Stage-2 leaf attribute bits: MemAttr 0b1111 (Normal WB) << 2, S2AP 0b11 << 6, SH 0b11 << 8, AF.
NORMAL_RW = 0x3C | 0xC0 | 0x300 | 0x400
DEVICE_RW = (0b0001 << 2) | 0xC0 | 0x400 | (0b10 << 53)
VTCR_40 = 24 | (1 << 6) | (1 << 31)   # T0SZ 24, SL0 1 (level 1), TG0 4 KiB
VTCR_32 = 32 | (1 << 6) | (1 << 31)   # T0SZ 32, SL0 1


def concatenated_root() -> None:
    # IPA 0x80_4020_1234: L1 index 0x201 (bits 39:30; beyond 512, so in the 2nd root page),
    # L2 index 1, L3 index 1, page offset 0x234.
    mem = Memory({0x1000_0000 + 8 * 0x201: 0x1000_3003,
                  0x1000_3000 + 8 * 1: 0x1000_4003,
                  0x1000_4000 + 8 * 1: 0x8765_4000 | NORMAL_RW | 0b11})
    w = pagewalk.stage2(0x80_4020_1234, (5 << 48) | 0x1000_0000, VTCR_40, mem.read)
    check(w.ok and w.output == 0x8765_4234, f"40-bit walk ends at PA 0x87654234 (got {w.output})")
    check([s.level for s in w.steps] == [1, 2, 3], "three levels read")
    check(mem.reads == [0x1000_1008, 0x1000_3008, 0x1000_4008], f"descriptor addresses {mem.reads}")
    check(w.steps[0].index == 0x201, "level-1 index spans the concatenated pages")
    check(w.steps[-1].kind == "page" and "Normal write-back" in w.steps[-1].text
          and "read-write" in w.steps[-1].text and "executable" in w.steps[-1].text,
          f"page fields named: {w.steps[-1].text}")
    check(w.leaf_size == 4096, "a 4 KiB page")
    check("VMID 5" in pagewalk.describe_vttbr((5 << 48) | 0x1000_0000), "VTTBR VMID")
    check("40-bit IPA space, 4 KiB granule, start level 1" == pagewalk.describe_vtcr(VTCR_40),
          "VTCR described")


def el2lab_like() -> None:
    # 32-bit IPA space; L1 entry 1 (IPA 1-2 GiB) -> an L2 table of 2 MiB blocks for 768 MiB
    # of RAM at 0x4000_0000 (L2 entries 0..383), nothing else mapped.
    mem = Memory({0x7004_4000 + 8 * 1: 0x7004_5003})
    for i in range(384):
        mem[0x7004_5000 + 8 * i] = (0x4000_0000 + (i << 21)) | NORMAL_RW | 0b01
    vttbr = (1 << 48) | 0x7004_4000
    ram = pagewalk.stage2(0x4008_0040, vttbr, VTCR_32, mem.read)
    check(ram.ok and ram.output == 0x4008_0040 and ram.leaf_size == 2 << 20,
          "guest RAM: a 2 MiB block at level 2, 1:1")
    check(ram.steps[-1].kind == "block" and ram.steps[-1].index == 0, "block at L2 index 0")
    top = pagewalk.stage2(0x6fff_fff8, vttbr, VTCR_32, mem.read)
    check(top.ok and top.output == 0x6fff_fff8 and top.steps[-1].index == 383, "last RAM block")
    uart = pagewalk.stage2(0x0900_0000, vttbr, VTCR_32, mem.read)
    check(not uart.ok and uart.fault_level == 1 and "invalid" in uart.fault,
          f"device window below RAM: fault at level 1 ({uart.fault})")
    above = pagewalk.stage2(0x7000_0000, vttbr, VTCR_32, mem.read)
    check(not above.ok and above.fault_level == 2 and above.steps[-1].index == 384,
          f"past RAM in the same GiB: fault at level 2 ({above.fault})")
    far = pagewalk.stage2(0x1_0000_0000, vttbr, VTCR_32, mem.read)
    check(not far.ok and not far.steps and "beyond the VM's 32-bit IPA space" in far.fault,
          f"beyond T0SZ: no table read ({far.fault})")


def odd_descriptors() -> None:
    vttbr = 0x2000_0000
    mem = Memory({0x2000_0000: 0x2000_1003, 0x2000_1000: 0x2000_2003,
                  0x2000_2000: 0x5000_0000 | NORMAL_RW | 0b01,        # 0b01 at level 3: reserved
                  0x2000_0008: 0x4000_0000 | (NORMAL_RW & ~0x400) | 0b01,  # L1 block, AF 0
                  0x2000_0010: 0x8000_0000 | DEVICE_RW | 0b01})       # L1 block, device
    r = pagewalk.stage2(0x0000_0123, vttbr, VTCR_32, mem.read)
    check(not r.ok and r.fault_level == 3 and "reserved" in r.fault, f"0b01 at level 3: {r.fault}")
    af = pagewalk.stage2(0x4000_0010, vttbr, VTCR_32, mem.read)
    check(af.ok and af.output == 0x4000_0010 and af.leaf_size == 1 << 30, "1 GiB block at level 1")
    check(any("access flag fault at level 1" in n for n in af.notes), f"AF 0 noted: {af.notes}")
    dev = pagewalk.stage2(0x8000_1000, vttbr, VTCR_32, mem.read)
    check(dev.ok and "Device-nGnRE" in dev.steps[-1].text and "no execution" in dev.steps[-1].text,
          f"device fields: {dev.steps[-1].text}")


def guest_stage1() -> None:
    # Stage 2 maps IPA 1-2 GiB to PA 2-3 GiB (one L1 block), so a stage-1 table at IPA X is
    # read at PA X + 0x4000_0000.
    s2 = Memory({0x3000_0000 + 8: 0x8000_0000 | NORMAL_RW | 0b01})

    def ipa_to_pa(ipa: int):
        return pagewalk.stage2(ipa, 0x3000_0000, VTCR_32, s2.read)

    # TCR_EL1: T0SZ 25 (39-bit, walk from level 1), TG0 4 KiB; T1SZ 25, TG1 4 KiB (0b10).
    tcr = 25 | (25 << 16) | (0b10 << 30)
    s1 = Memory({0x8100_0000: 0x4100_1003,                             # L1[0] -> table IPA 0x41001000
                 0x8100_1008: 0x4020_0000 | 0x400 | 0x300 | (1 << 2) | 0b01})  # L2[1]: block
    w = pagewalk.stage1(0x20_3008, 0x4100_0000, 0x4200_0000, tcr, s1.read, ipa_to_pa)
    check(w.ok and w.output == 0x4020_3008, f"VA 0x203008 -> IPA 0x40203008 (got {w.output})")
    check(s1.reads == [0x8100_0000, 0x8100_1008], f"stage-1 tables read at their PAs: {s1.reads}")
    check(len(w.nested) == 2 and all(n.ok for n in w.nested), "each table read went through stage 2")
    check([s.entry_pa for s in w.steps] == [0x8100_0000, 0x8100_1008], "steps keep the PA read")
    check("AttrIndx 1" in w.steps[-1].text and "global" in w.steps[-1].text, w.steps[-1].text)
    check(any("TTBR0_EL1" in n for n in w.notes), "TTBR0 chosen for a low VA")
    hi = pagewalk.stage1(0xffff_ff80_0000_1000, 0x4100_0000, 0x4200_0000, tcr, s1.read, ipa_to_pa)
    check(not hi.ok and hi.fault_level == 1 and any("TTBR1_EL1" in n for n in hi.notes),
          f"TTBR1 half, empty table: fault at level 1 ({hi.fault})")
    hole = pagewalk.stage1(0x0000_8000_0000_0000, 0x4100_0000, 0x4200_0000, tcr, s1.read, ipa_to_pa)
    check(not hole.ok and hole.fault_level == 0 and "outside both halves" in hole.fault,
          f"VA in the hole between the halves: level 0 ({hole.fault})")
    unmapped = pagewalk.stage1(0x20_3008, 0x1000_0000, 0, tcr, s1.read, ipa_to_pa)
    check(not unmapped.ok and "not mapped at stage 2" in unmapped.fault,
          f"a stage-1 table at an IPA stage 2 does not map ({unmapped.fault})")
    epd = pagewalk.stage1(0x20_3008, 0x4100_0000, 0, tcr | (1 << 7), s1.read, ipa_to_pa)
    check(not epd.ok and "EPD0" in epd.fault, "TCR_EL1.EPD0 disables TTBR0 walks")


def granule_64k() -> None:
    # TG0 0b01 (64 KiB), T0SZ 22 (42 bits): 13 index bits per level, walk from level 2.
    # VA 0x2_2345_6789: L2 index bits 41:29 = 17, L3 index bits 28:16 = 0x345, offset 0x6789.
    tcr = 22 | (0b01 << 14) | (1 << 23)
    mem = Memory({0x1_0000 + 8 * 17: 0x2_0003, 0x2_0000 + 8 * 0x345: 0x999_0000 | 0x400 | 0b11})
    w = pagewalk.stage1(0x2_2345_6789, 0x1_0000, 0, tcr, mem.read)
    check(w.geometry.start_level == 2 and w.ok and w.output == 0x999_6789,
          f"64 KiB granule: VA -> 0x9996789 (got {w.output}, start {w.geometry.start_level})")
    check(w.leaf_size == 64 << 10, "a 64 KiB page")


for test in (concatenated_root, el2lab_like, odd_descriptors, guest_stage1, granule_64k):
    test()
print(f"{passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
