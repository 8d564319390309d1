/*
 * head.S — entry of every el2lab guest.
 *
 * A guest is built both as an ELF and as a flat arm64 Image, so the header below makes the
 * flat file a valid Image: a loader (the hypervisor, or QEMU on bare hardware) places it at
 * RAM base + text_offset and jumps to its first byte at EL1h with x0 = the device tree's
 * address (0 if there is none).
 */
    .section .text.head, "ax"
    .globl guest_image_header
guest_image_header:
    b       guest_entry
    .long   0
    .quad   0x80000                 // text_offset: RAM base + 512 KiB, as linker.ld says
    .quad   __guest_image_size
    .quad   0
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .long   0

    .globl guest_entry
    .type guest_entry, %function
guest_entry:
    msr     tpidr_el1, xzr          // the boot CPU is logical CPU 0 (guest::cpu_index())
    mov     x19, x0
    adrp    x1, __guest_stack_top
    add     x1, x1, :lo12:__guest_stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  mov     x0, x19
    bl      guest_start             // runtime.cc: runs guest_main, then powers off
3:  wfi
    b       3b
    .size guest_entry, . - guest_entry

/*
 * Where a CPU started with PSCI CPU_ON begins (guest::start_cpu() passes this address): EL1h,
 * D/A/I/F masked, MMU off, x0 = the context id, which start_cpu() makes the CPU's logical
 * index. The index picks the CPU's stack from linker.ld's per-CPU stacks and goes into
 * TPIDR_EL1, where guest::cpu_index() reads it; the vector table is installed before any C++
 * runs, so a fault on this CPU is reported like one on the boot CPU. An index without a stack
 * (8 or more, which start_cpu() refuses) parks the CPU instead of running on someone's stack.
 */
    .text
    .globl guest_secondary_entry
    .type guest_secondary_entry, %function
guest_secondary_entry:
    cmp     x0, #8                  // guest::kMaxCpus
    b.hs    2f
    adrp    x1, __guest_stacks
    add     x1, x1, :lo12:__guest_stacks
    add     x2, x0, #1
    add     x1, x1, x2, lsl #14     // + (index + 1) * 16 KiB: the top of this CPU's stack
    mov     sp, x1
    msr     tpidr_el1, x0
    adrp    x1, guest_vector_table
    add     x1, x1, :lo12:guest_vector_table
    msr     vbar_el1, x1
    isb
    bl      guest_secondary_start   // runtime.cc: runs the CPU's function, then CPU_OFF
2:  wfi
    b       2b
    .size guest_secondary_entry, . - guest_secondary_entry
