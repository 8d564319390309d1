/*
 * external.S — a guest written only against the documented guest ABI (README.md), with none
 * of el2lab's headers or runtime: proof that any image following the ABI runs.
 *
 * Built as a raw binary (no header), so it is loaded at RAM base + 0x80000 = 0x40080000 and
 * entered at EL1h with x0 = the device tree's address. It checks the device tree's magic,
 * reads the test device's ID, asks PSCI for its version over HVC, prints what it found on the
 * PL011 and powers off with PSCI SYSTEM_OFF.
 */
    .equ UART, 0x09000000
    .equ TEST_DEVICE_ID, 0x0b000100
    .equ PSCI_VERSION, 0x84000000
    .equ PSCI_SYSTEM_OFF, 0x84000008

    .text
    .globl _start
_start:
    mov     x20, x0                     // device tree address
    adr     x0, banner
    bl      puts

    ldr     w1, [x20]                   // FDT magic, stored big-endian
    rev     w1, w1
    movz    w2, #0xfeed
    movk    w2, #0xd00d, lsl #16
    cmp     w1, w2
    b.ne    fail

    movz    x3, #(TEST_DEVICE_ID & 0xffff)
    movk    x3, #(TEST_DEVICE_ID >> 16), lsl #16
    ldr     w1, [x3]                    // emulated MMIO read
    movz    w2, #0x3254
    movk    w2, #0x454c, lsl #16        // "EL2T"
    cmp     w1, w2
    b.ne    fail

    movz    x0, #(PSCI_VERSION >> 16), lsl #16
    hvc     #0
    cmp     x0, #0x10000                // PSCI 1.0 or later
    b.lo    fail

    adr     x0, pass
    bl      puts
    b       off
fail:
    adr     x0, failed
    bl      puts
off:
    movz    x0, #(PSCI_SYSTEM_OFF & 0xffff)
    movk    x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
    hvc     #0
1:  wfi
    b       1b

// puts(x0 = NUL-terminated string): polls the PL011's TX-full flag before each byte.
puts:
    movz    x1, #(UART >> 16), lsl #16
2:  ldrb    w2, [x0], #1
    cbz     w2, 4f
3:  ldr     w3, [x1, #0x18]             // UARTFR
    tbnz    w3, #5, 3b                  // TXFF
    str     w2, [x1]                    // UARTDR
    b       2b
4:  ret

banner: .asciz "external: a guest that knows only the ABI\r\n"
pass:   .asciz "PASS external\r\n"
failed: .asciz "FAIL external: device tree, test device or PSCI not as documented\r\n"
