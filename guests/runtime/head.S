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
