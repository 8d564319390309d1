/*
 * round.S — one round of the register-integrity test: fill every register with a pattern,
 * trap to the hypervisor once, and photograph every register.
 *
 *   void regs_round(uint64_t seed, uint64_t kind, uint64_t x0_value, RegsSnapshot* out);
 *
 * Pattern n of a round is  seed * MIX + n * STEP  (main.cc computes the same):
 *   x0-x30      patterns 0-30        (x0 is then replaced by x0_value: the call, or an address)
 *   v0-v31      patterns 32-95       (vk: low half 32 + 2k, high half 33 + 2k)
 *   SP_EL0      pattern 96
 *   NZCV        the top four bits of pattern 0, as N, Z, C, V
 *   SP          unchanged: it must simply survive
 * `kind` picks the trapping instruction (the ARM list below, in the order of main.cc's Kind).
 * Right after the trap, `out` receives x0-x30, SP, SP_EL0, NZCV and v0-v31 as they were.
 *
 * Nothing between the fill and the snapshot may change a register the test checks, so the
 * snapshot code starts by borrowing TPIDR_EL1 and TPIDRRO_EL0 (system registers the
 * hypervisor does not trap) as places to park x0 and SP until it has a stack again.
 */

#define REGS_KINDS 11       /* entries in the table at `arms` */
#define MIX 0x9e3779b97f4a7c15
#define STEP 0x0001000100010001

/* RegsSnapshot (main.cc) */
#define SNAP_SP 248
#define SNAP_SP_EXPECTED 256
#define SNAP_SP_EL0 264
#define SNAP_NZCV 272
#define SNAP_V 288

/* regs_round's stack frame */
#define FRAME_SIZE 192
#define FRAME_X0_VALUE 160
#define FRAME_OUT 168
#define FRAME_SCRATCH 176

    .text
    .globl regs_round
    .type regs_round, %function
regs_round:
    // Save what AAPCS64 says a function must preserve: x19-x30 and d8-d15.
    sub     sp, sp, #FRAME_SIZE
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    stp     x2, x3, [sp, #FRAME_X0_VALUE]   // and FRAME_OUT
    // The SP every trap must leave alone, where the snapshot code can find it without a
    // free register.
    mov     x9, sp
    adrp    x10, regs_expected_sp
    str     x9, [x10, :lo12:regs_expected_sp]

    // Jump to the arm for this kind: a table of branches, one instruction each.
    cmp     x1, #REGS_KINDS
    b.hs    bad_kind
    adr     x9, arms
    add     x9, x9, x1, lsl #2
    br      x9
arms:
    b       arm_hvc
    b       arm_mmio_read_x0
    b       arm_mmio_read_x17
    b       arm_mmio_read_x30
    b       arm_mmio_read_xzr
    b       arm_mmio_write_x29
    b       arm_mmio_read_signed_x9
    b       arm_sysreg_read_x0
    b       arm_sysreg_read_x21
    b       arm_sysreg_write
    b       arm_wfi

// Each arm: fill, set x30 (fill's return used it) and x0, trap, take the snapshot.
.macro ARM name, trap:vararg
\name:
    bl      fill
    sub     x30, x29, x28               // x30 = x29 + STEP: pattern 30
    add     x30, x29, x30
    ldr     x0, [sp, #FRAME_X0_VALUE]
    \trap
    b       snapshot
.endm

    ARM arm_hvc,                hvc #0                  // x0 = el2lab's kNop
    ARM arm_mmio_read_x0,       ldr w0, [x0]            // x0 = the test device's ID register
    ARM arm_mmio_read_x17,      ldr w17, [x0]
    ARM arm_mmio_read_x30,      ldr w30, [x0]
    ARM arm_mmio_read_xzr,      ldr wzr, [x0]
    ARM arm_mmio_write_x29,     str x29, [x0]           // x0 = a scratch register
    ARM arm_mmio_read_signed_x9, ldrsh x9, [x0]         // x0 = the pattern register
    ARM arm_sysreg_read_x0,     mrs x0, id_aa64mmfr0_el1
    ARM arm_sysreg_read_x21,    mrs x21, id_aa64pfr0_el1
    ARM arm_sysreg_write,       msr sctlr_el1, x0       // x0 = SCTLR_EL1's own value
    ARM arm_wfi,                wfi                     // IRQs are masked: only a trap returns

bad_kind:
    b       restore

// In: x0 = seed. Fills v0-v31, SP_EL0, NZCV and x0-x29 with the round's patterns.
fill:
    ldr     x1, =MIX
    mul     x0, x0, x1                  // x0 = pattern 0
    ldr     x1, =STEP
    add     x2, x0, x1, lsl #5          // pattern 32
    .irp k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmov    d\k, x2                     // low half (also zeroes the high half)
    add     x2, x2, x1
    mov     v\k\().d[1], x2             // high half
    add     x2, x2, x1
    .endr
    msr     sp_el0, x2                  // pattern 96
    lsr     x3, x0, #60                 // NZCV = top nibble of pattern 0
    lsl     x3, x3, #28
    msr     nzcv, x3
    add     x2, x0, x1, lsl #1          // x2 = pattern 2, then each register one STEP on
    add     x3, x2, x1
    add     x4, x3, x1
    add     x5, x4, x1
    add     x6, x5, x1
    add     x7, x6, x1
    add     x8, x7, x1
    add     x9, x8, x1
    add     x10, x9, x1
    add     x11, x10, x1
    add     x12, x11, x1
    add     x13, x12, x1
    add     x14, x13, x1
    add     x15, x14, x1
    add     x16, x15, x1
    add     x17, x16, x1
    add     x18, x17, x1
    add     x19, x18, x1
    add     x20, x19, x1
    add     x21, x20, x1
    add     x22, x21, x1
    add     x23, x22, x1
    add     x24, x23, x1
    add     x25, x24, x1
    add     x26, x25, x1
    add     x27, x26, x1
    add     x28, x27, x1
    add     x29, x28, x1
    add     x1, x0, x1                  // last, as it held STEP: pattern 1
    ret

// Photographs every register into *out, then returns from regs_round.
snapshot:
    msr     tpidr_el1, x0               // park x0
    mov     x0, sp
    msr     tpidrro_el0, x0             // park the SP the trap left
    adrp    x0, regs_expected_sp        // and get a stack we can trust
    ldr     x0, [x0, :lo12:regs_expected_sp]
    mov     sp, x0
    str     x1, [sp, #FRAME_SCRATCH]
    ldr     x1, [sp, #FRAME_OUT]
    .irp n, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    str     x\n, [x1, #(\n * 8)]
    .endr
    mrs     x2, nzcv                    // nothing since the trap has set the flags
    str     x2, [x1, #SNAP_NZCV]
    ldr     x2, [sp, #FRAME_SCRATCH]
    str     x2, [x1, #8]                // x1
    mrs     x2, tpidr_el1
    str     x2, [x1, #0]                // x0
    mrs     x2, tpidrro_el0
    str     x2, [x1, #SNAP_SP]
    str     x0, [x1, #SNAP_SP_EXPECTED]
    mrs     x2, sp_el0
    str     x2, [x1, #SNAP_SP_EL0]
    add     x2, x1, #SNAP_V
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]

restore:
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #FRAME_SIZE
    ret
    .size regs_round, . - regs_round
    .ltorg

    .bss
    .balign 8
regs_expected_sp:
    .quad   0
