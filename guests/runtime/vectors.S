/*
 * vectors.S — the guest's EL1 exception vector table (VBAR_EL1 points here).
 *
 * 16 entries of 0x80 bytes: {current EL with SP_EL0, current EL with SP_ELx, lower EL
 * AArch64, lower EL AArch32} x {synchronous, IRQ, FIQ, SError}. Every entry does the same:
 * push an ExceptionFrame (guest.h) on the stack, put its own index in x0 and go to
 * guest_vector_common, which saves the rest, calls guest_exception(index, frame) in
 * runtime.cc and, if that returns, restores everything from the frame and ERETs. A handler
 * that wants to skip the faulting instruction adds 4 to the frame's ELR.
 *
 * Each entry's label follows its .balign, so a breakpoint on it lands on its first
 * instruction, not in the padding before it.
 */

#define FRAME_SIZE 272      /* sizeof(ExceptionFrame): x0-x30, ELR, SPSR, padding */
#define FRAME_ELR 248
#define FRAME_SPSR 256

.macro VECTOR name, index
    .balign 0x80
\name:
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       guest_vector_common
.endm

    .section .text.vectors, "ax"
    .balign 0x800
    .globl guest_vector_table
guest_vector_table:
    VECTOR  guest_vector_el1_sp0_sync,      0
    VECTOR  guest_vector_el1_sp0_irq,       1
    VECTOR  guest_vector_el1_sp0_fiq,       2
    VECTOR  guest_vector_el1_sp0_serror,    3
    VECTOR  guest_vector_el1_spx_sync,      4
    VECTOR  guest_vector_el1_spx_irq,       5
    VECTOR  guest_vector_el1_spx_fiq,       6
    VECTOR  guest_vector_el1_spx_serror,    7
    VECTOR  guest_vector_el0_a64_sync,      8
    VECTOR  guest_vector_el0_a64_irq,       9
    VECTOR  guest_vector_el0_a64_fiq,       10
    VECTOR  guest_vector_el0_a64_serror,    11
    VECTOR  guest_vector_el0_a32_sync,      12
    VECTOR  guest_vector_el0_a32_irq,       13
    VECTOR  guest_vector_el0_a32_fiq,       14
    VECTOR  guest_vector_el0_a32_serror,    15

// x0 = vector index; x0/x1 of the interrupted code are saved at [sp] already.
guest_vector_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, elr_el1
    stp     x30, x2, [sp, #240]         // x30 at 240, ELR at FRAME_ELR
    mrs     x3, spsr_el1
    str     x3, [sp, #FRAME_SPSR]

    mov     x1, sp                      // guest_exception(index, frame)
    bl      guest_exception

    ldr     x3, [sp, #FRAME_SPSR]
    msr     spsr_el1, x3
    ldp     x30, x2, [sp, #240]
    msr     elr_el1, x2
    ldp     x28, x29, [sp, #224]
    ldp     x26, x27, [sp, #208]
    ldp     x24, x25, [sp, #192]
    ldp     x22, x23, [sp, #176]
    ldp     x20, x21, [sp, #160]
    ldp     x18, x19, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME_SIZE
    eret
