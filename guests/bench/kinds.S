/*
 * kinds.S — the measured instructions of the bench guest, one small routine per kind of exit.
 *
 * tools/bench finds every measured instruction by its global label with
 * `aarch64-linux-gnu-nm` (never by address), so each label below is part of the contract with
 * tools/bench/guest_symbols.py: rename one there too. The routines are plain AAPCS64
 * functions, written in assembly so that the compiler can neither move, merge nor duplicate
 * the instruction a label names.
 *
 *   bench_measure_begin / _end   the analyser counts a CPU's round trips only between these
 *   bench_hvc_trap               HVC #0 with PSCI_VERSION
 *   bench_mmio_trap              a store to the PL011 data register
 *   bench_sysreg_read_trap       MRS of ID_AA64MMFR0_EL1 (HCR_EL2.TID3 traps it)
 *   bench_sysreg_write_trap      MSR of CONTEXTIDR_EL1 with its own value (HCR_EL2.TVM)
 *   bench_irq_run_begin .. _end  the spin loop the virtual timer interrupts (no trapping insn)
 *   bench_wfi_trap               WFI while the virtual timer is about to fire
 *   bench_sgi_send_trap          MSR ICC_SGI1R_EL1: an SGI to another vCPU
 *   bench_sgi_wait_trap          WFI of the vCPU an SGI is about to wake
 */
    .text

// void bench_measure_begin(); void bench_measure_end(): markers only, no effect.
    .globl bench_measure_begin
    .type bench_measure_begin, %function
bench_measure_begin:
    ret
    .size bench_measure_begin, . - bench_measure_begin

    .globl bench_measure_end
    .type bench_measure_end, %function
bench_measure_end:
    ret
    .size bench_measure_end, . - bench_measure_end

// uint64_t bench_psci_version(): PSCI_VERSION over HVC; returns w0's answer.
    .globl bench_psci_version
    .type bench_psci_version, %function
bench_psci_version:
    movz    x0, #0x8400, lsl #16    // PSCI_VERSION, 0x8400_0000
    .globl bench_hvc_trap
bench_hvc_trap:
    hvc     #0
    ret
    .size bench_psci_version, . - bench_psci_version

// void bench_uart_write(uint64_t data_register, uint32_t byte): one store to the PL011.
    .globl bench_uart_write
    .type bench_uart_write, %function
bench_uart_write:
    .globl bench_mmio_trap
bench_mmio_trap:
    str     w1, [x0]
    ret
    .size bench_uart_write, . - bench_uart_write

// uint64_t bench_sysreg_read(): ID_AA64MMFR0_EL1.
    .globl bench_sysreg_read
    .type bench_sysreg_read, %function
bench_sysreg_read:
    .globl bench_sysreg_read_trap
bench_sysreg_read_trap:
    mrs     x0, id_aa64mmfr0_el1
    ret
    .size bench_sysreg_read, . - bench_sysreg_read

// uint64_t bench_sysreg_write(): writes CONTEXTIDR_EL1 back unchanged, returns its value.
// (Reads of CONTEXTIDR_EL1 are not trapped: only the write is an exit.)
    .globl bench_sysreg_write
    .type bench_sysreg_write, %function
bench_sysreg_write:
    mrs     x0, contextidr_el1
    .globl bench_sysreg_write_trap
bench_sysreg_write_trap:
    msr     contextidr_el1, x0
    ret
    .size bench_sysreg_write, . - bench_sysreg_write

// void bench_irq_running(volatile uint32_t* ticks, uint64_t tval): arms the virtual timer
// tval counts ahead, unmasks IRQs and spins until the IRQ handler has counted a tick. The
// interrupt lands somewhere in [bench_irq_run_begin, bench_irq_run_end).
    .globl bench_irq_running
    .type bench_irq_running, %function
bench_irq_running:
    ldr     w2, [x0]
    msr     cntv_tval_el0, x1
    mov     x3, #1                  // CNTV_CTL_EL0.ENABLE, IMASK clear
    msr     cntv_ctl_el0, x3
    isb
    .globl bench_irq_run_begin
bench_irq_run_begin:
    msr     daifclr, #2
1:  ldr     w4, [x0]
    cmp     w4, w2
    b.eq    1b
    .globl bench_irq_run_end
bench_irq_run_end:
    msr     daifset, #2
    ret
    .size bench_irq_running, . - bench_irq_running

// void bench_irq_wfi(volatile uint32_t* ticks, uint64_t tval): arms the virtual timer, then
// waits in WFI with IRQs masked until the handler has counted a tick. The IRQ is taken in the
// window after the WFI; a wake-up for anything else waits again (and counts as another trip).
    .globl bench_irq_wfi
    .type bench_irq_wfi, %function
bench_irq_wfi:
    ldr     w2, [x0]
    msr     daifset, #2
    msr     cntv_tval_el0, x1
    mov     x3, #1
    msr     cntv_ctl_el0, x3
    isb
1:
    .globl bench_wfi_trap
bench_wfi_trap:
    wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    ldr     w4, [x0]
    cmp     w4, w2
    b.eq    1b
    ret
    .size bench_irq_wfi, . - bench_irq_wfi

// void bench_sgi_send(uint64_t icc_sgi1r_value): one SGI, GICv3 system-register interface.
    .globl bench_sgi_send
    .type bench_sgi_send, %function
bench_sgi_send:
    dsb     sy                      // what this CPU wrote is visible before the SGI is
    .globl bench_sgi_send_trap
bench_sgi_send_trap:
    msr     icc_sgi1r_el1, x0
    isb
    ret
    .size bench_sgi_send, . - bench_sgi_send

// void bench_sgi_wait(volatile uint32_t* count): WFI with IRQs masked until the IRQ handler
// has changed *count (an SGI arrived and was taken in the window after the WFI).
    .globl bench_sgi_wait
    .type bench_sgi_wait, %function
bench_sgi_wait:
    ldr     w2, [x0]
    msr     daifset, #2
1:
    .globl bench_sgi_wait_trap
bench_sgi_wait_trap:
    wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    ldr     w4, [x0]
    cmp     w4, w2
    b.eq    1b
    ret
    .size bench_sgi_wait, . - bench_sgi_wait
