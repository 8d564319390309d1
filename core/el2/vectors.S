/*
 * vectors.S — the EL2 vector table and the world switch.
 *
 * 16 entries of 0x80 bytes: {current EL with SP0, current EL with SPx, lower EL AArch64,
 * lower EL AArch32} x {synchronous, IRQ, FIQ, SError}. Each entry reserves a trap frame on
 * the stack, saves x0/x1, puts its own index (0-15) in x0 and branches to one of two paths:
 *
 *   current EL -> el2lab_current_el_trap (IRQ, FIQ): save what a C++ call may change, call
 *                 el2lab_current_el_irq, restore, ERET; anything else -> el2lab_current_el_fault:
 *                 save the whole frame for the panic report.
 *   lower EL   -> el2lab_lower_el_trap:   save the rest *into the vCPU's frame* (SP points
 *                 there while a guest runs), then el2lab_vmexit switches back to the host
 *                 stack (its SP is kept in the word after the frame) and returns from
 *                 el2lab_enter_guest with the vector index.
 *
 * Every entry has a symbol (its label follows the .balign, so a GDB breakpoint on it lands on
 * the first instruction, not in padding); the names are annotation points (annotation_points.txt).
 */
#include "core/el2/trap_frame.h"

.macro VECTOR name, index, path
    .balign 0x80
    .globl \name
    .type \name, %function
\name:
    sub     sp, sp, #EL2LAB_TRAP_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       \path
    .size \name, . - \name
.endm

// Saves x2-x17 into the frame at sp: what both kinds of frame below hold.
.macro SAVE_X2_X17
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
.endm

// Loads x2-x17 and x0/x1 back from the frame at sp and pops it (the end of both restores).
.macro LOAD_X0_X17_AND_POP
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #EL2LAB_TRAP_FRAME_SIZE
.endm

// Saves x2-x30, SP_EL0, ELR_EL2 and SPSR_EL2 into the frame at sp (x0/x1 are saved already).
.macro SAVE_REST
    SAVE_X2_X17
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x9, sp_el0
    stp     x30, x9, [sp, #240]
    mrs     x10, elr_el2
    mrs     x11, spsr_el2
    stp     x10, x11, [sp, #EL2LAB_TF_ELR]
.endm

// Loads every register from the frame at sp and pops it (the inverse of entry + SAVE_REST).
.macro RESTORE_ALL
    ldp     x10, x11, [sp, #EL2LAB_TF_ELR]
    msr     elr_el2, x10
    msr     spsr_el2, x11
    ldp     x30, x9, [sp, #240]
    msr     sp_el0, x9
    ldp     x28, x29, [sp, #224]
    ldp     x26, x27, [sp, #208]
    ldp     x24, x25, [sp, #192]
    ldp     x22, x23, [sp, #176]
    ldp     x20, x21, [sp, #160]
    ldp     x18, x19, [sp, #144]
    LOAD_X0_X17_AND_POP
.endm

    .section .text.vectors, "ax"
    .balign 0x800
    .globl el2lab_vector_table
el2lab_vector_table:
    VECTOR el2lab_vec_cur_sp0_sync,     0,  el2lab_current_el_fault
    VECTOR el2lab_vec_cur_sp0_irq,      1,  el2lab_current_el_fault
    VECTOR el2lab_vec_cur_sp0_fiq,      2,  el2lab_current_el_fault
    VECTOR el2lab_vec_cur_sp0_serror,   3,  el2lab_current_el_fault
    VECTOR el2lab_vec_cur_spx_sync,     4,  el2lab_current_el_fault
    VECTOR el2lab_vec_cur_spx_irq,      5,  el2lab_current_el_trap
    VECTOR el2lab_vec_cur_spx_fiq,      6,  el2lab_current_el_trap
    VECTOR el2lab_vec_cur_spx_serror,   7,  el2lab_current_el_fault
    VECTOR el2lab_vec_lower64_sync,     8,  el2lab_lower_el_trap
    VECTOR el2lab_vec_lower64_irq,      9,  el2lab_lower_el_trap
    VECTOR el2lab_vec_lower64_fiq,      10, el2lab_lower_el_trap
    VECTOR el2lab_vec_lower64_serror,   11, el2lab_lower_el_trap
    VECTOR el2lab_vec_lower32_sync,     12, el2lab_lower_el_trap
    VECTOR el2lab_vec_lower32_irq,      13, el2lab_lower_el_trap
    VECTOR el2lab_vec_lower32_fiq,      14, el2lab_lower_el_trap
    VECTOR el2lab_vec_lower32_serror,   15, el2lab_lower_el_trap

    .text
// An IRQ or FIQ taken while the hypervisor itself runs (vectors 5 and 6: a CPU lets interrupts
// in only while it sleeps, in el2lab::sleep_until_interrupt). x0 = vector index.
// The handler is C++, which keeps x19-x29 itself (AAPCS64): the frame gets only what a call may
// change, x2-x18 and x30 (x0/x1 are saved already), and ELR_EL2/SPSR_EL2, so a debugger and a
// panic report can tell where the CPU was. Those two are not loaded back: nothing before the
// ERET changes them (IRQs stay masked, and any other exception at EL2 ends in a panic).
    .globl el2lab_current_el_trap
    .type el2lab_current_el_trap, %function
el2lab_current_el_trap:
    SAVE_X2_X17
    str     x18, [sp, #144]
    str     x30, [sp, #240]
    mrs     x10, elr_el2
    mrs     x11, spsr_el2
    stp     x10, x11, [sp, #EL2LAB_TF_ELR]
    bl      el2lab_current_el_irq
    ldr     x30, [sp, #240]
    ldr     x18, [sp, #144]
    LOAD_X0_X17_AND_POP
    eret
    .size el2lab_current_el_trap, . - el2lab_current_el_trap

// Any other exception while the hypervisor runs (a synchronous one, an SError, anything on
// SP_EL0, which EL2 never uses): a hypervisor bug. The whole frame is saved, for the panic
// report. x0 = vector index.
    .globl el2lab_current_el_fault
    .type el2lab_current_el_fault, %function
el2lab_current_el_fault:
    SAVE_REST
    mov     x1, sp                          // x1 = the trap frame
    bl      el2lab_current_el_exception     // (index, frame); does not return
    b       .
    .size el2lab_current_el_fault, . - el2lab_current_el_fault

// An exception from the guest. x0 = vector index; sp = the vCPU's trap frame.
    .globl el2lab_lower_el_trap
    .type el2lab_lower_el_trap, %function
el2lab_lower_el_trap:
    SAVE_REST
    .globl el2lab_vmexit
el2lab_vmexit:
    // Back to the host stack el2lab_enter_guest saved right after the guest's frame (where sp
    // points now), its x19/x20, frame pointer and return address back, and return from
    // el2lab_enter_guest with x0.
    ldr     x10, [sp, #EL2LAB_VCPU_HOST_SP]
    mov     sp, x10
    ldp     x19, x20, [sp], #16
    ldp     x29, x30, [sp], #16
    ret
    .size el2lab_lower_el_trap, . - el2lab_lower_el_trap

// uint64_t el2lab_enter_guest(TrapFrame* guest): run the guest until it traps. Not a C
// function: x0-x18 and x21-x28 come back as the guest left them. Its one caller,
// Aarch64VCpu<H>::run(), says so in the asm statement that calls it.
    .globl el2lab_enter_guest
    .type el2lab_enter_guest, %function
el2lab_enter_guest:
    // Save what the caller keeps across the guest: the frame pointer, the return address, x19
    // and x20 (the vCPU and its exit, which run() uses at once), and SP (below).
    stp     x29, x30, [sp, #-16]!
    stp     x19, x20, [sp, #-16]!
    mov     x10, sp
    str     x10, [x0, #EL2LAB_VCPU_HOST_SP]   // the word after the guest's frame
    // sp = the guest frame: RESTORE_ALL pops it, leaving sp just past it, where the next
    // lower-EL exception will save the guest's registers again.
    mov     sp, x0
    RESTORE_ALL
    .globl el2lab_guest_eret
el2lab_guest_eret:
    eret
    .size el2lab_enter_guest, . - el2lab_enter_guest
