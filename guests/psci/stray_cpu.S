/*
 * stray_cpu.S — the entry point psci hands to CPU_ON calls that must fail.
 *
 * If the hypervisor wrongly starts a CPU anyway, that CPU arrives here at EL1 with the MMU
 * off and no stack: it records that it ran (main.cc checks the flag) and parks itself.
 */
    .text
    .globl psci_stray_cpu_entry
    .type psci_stray_cpu_entry, %function
psci_stray_cpu_entry:
    adrp    x1, psci_stray_cpu_ran
    mov     w2, #1
    str     w2, [x1, :lo12:psci_stray_cpu_ran]
1:  wfe
    b       1b
    .size psci_stray_cpu_entry, . - psci_stray_cpu_entry

    .bss
    .balign 4
    .globl psci_stray_cpu_ran
psci_stray_cpu_ran:
    .long   0
