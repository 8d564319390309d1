/*
 * probe.S — makes a hypercall with every general-purpose register holding a known value, and
 * records what the registers hold afterwards.
 *
 *   void hvc_register_probe(uint64_t function, uint64_t after[31]);
 *
 * x1-x30 are loaded with HVC_PATTERN(n), x0 with \p function; after the HVC, x0-x30 are
 * stored in after[0..30]. C++ (main.cc) decides which registers had to survive.
 */

/* The value register xn holds during the call; main.cc computes the same. */
#define HVC_PATTERN(n) (0x5a5a000000000000 + (n) * 0x0000010000000101)

    .text
    .globl hvc_register_probe
    .type hvc_register_probe, %function
hvc_register_probe:
    // Our caller expects x19-x30 back: park them, and the arguments, on the stack.
    sub     sp, sp, #112
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     x0, x1, [sp, #96]           // function at 96, after[] at 104

    .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    ldr     x\n, =HVC_PATTERN(\n)
    .endr
    ldr     x0, [sp, #96]
    hvc     #0

    str     x0, [sp, #96]               // free x0 to point at after[]
    ldr     x0, [sp, #104]
    .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    str     x\n, [x0, #(\n * 8)]
    .endr
    ldr     x1, [sp, #96]
    str     x1, [x0]

    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #112
    ret
    .size hvc_register_probe, . - hvc_register_probe
    .ltorg
