/*
 * head.S — where the hypervisor starts.
 *
 * QEMU loads the flat image as if it were a Linux arm64 Image: it reads the 64-byte header
 * below, copies the image to RAM base + text_offset and jumps to its first byte at EL2h with
 * x0 = the device tree's address, MMU and caches off, DAIF masked. Secondary CPUs stay off
 * until someone calls PSCI CPU_ON, so only the boot CPU arrives here.
 */
#include "core/el2/trap_frame.h"

    .section .text.head, "ax"
    .globl el2lab_image_header
el2lab_image_header:
    b       el2lab_entry            // code0: jump over the header
    .long   0                       // code1
    .quad   __hyp_text_offset       // text_offset: where in RAM to load us (linker.ld)
    .quad   __hyp_image_size        // image_size, BSS and stacks included
    .quad   0                       // flags: little-endian, page size unspecified
    .quad   0, 0, 0                 // reserved
    .ascii  "ARM\x64"               // magic
    .long   0                       // no PE/COFF header

    .globl el2lab_entry
    .type el2lab_entry, %function
el2lab_entry:
    mov     x19, x0                 // keep the device tree pointer

    // The boot CPU's stack is the first one in the stacks area.
    adrp    x1, __stacks_start
    add     x1, x1, :lo12:__stacks_start
    add     x1, x1, #(16 * 1024)
    mov     sp, x1

    // Zero the BSS: C++ expects zero-initialised globals.
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b

2:  mov     x0, x19
    bl      el2lab_main             // does not return
3:  wfe
    b       3b
    .size el2lab_entry, . - el2lab_entry

/*
 * Where a secondary CPU starts, at EL2h, when the boot CPU asks the firmware's PSCI CPU_ON
 * for it: x0 = the CPU's logical index (the CPU_ON context), its stack the index-th one.
 */
    .globl el2lab_secondary_entry
    .type el2lab_secondary_entry, %function
el2lab_secondary_entry:
    mov     x19, x0
    adrp    x1, __stacks_start
    add     x1, x1, :lo12:__stacks_start
    add     x2, x0, #1
    lsl     x2, x2, #14             // (index + 1) * 16 KiB
    add     x1, x1, x2
    mov     sp, x1
    mov     x0, x19
    bl      el2lab_secondary_main   // does not return
4:  wfe
    b       4b
    .size el2lab_secondary_entry, . - el2lab_secondary_entry
