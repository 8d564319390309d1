"""The `hv` command family, one module per subject (as the Linux kernel's scripts/gdb):

  base        the `hv` prefix, argument parsing and the one rule for errors
  path        hv where, hv step: where the CPU is, and the next stage of the exception path
  tracing     hv trace: whole exception paths, narrated without stopping at every stage
  vcpus       hv vcpu: a vCPU's registers from its trap frame
  history     hv exits: the trace ring
  decode      hv esr: an ESR value field by field
  vectors     hv vectors: the EL2 vector table, checked against VBAR_EL2
  dispatch    hv dispatch: IRQ_HANDLER's `blr` beside H::irq_fetch's `bl`
  walk        hv walk: stage-2 (and the guest's stage-1) translation table walks
  context     hv context: the context pane, once or at every stop
  breakpoints hv break-el2, hv break-guest: breakpoints that stop at one exception level
  record      hv record: exceptions recorded without stopping, as a timeline
  sstep       hv irq-step: whether a single step may enter an interrupt (QEMU's step mask)
  gic         hv gic: list registers, virtual timer, power state from the debug block

A new subject (page walks, the vGIC, ...) is a new module here, registered below. Every
command reports a wrong state by raising gdb.GdbError: GDB prints the one line, and a script
run with `-x` or `source` stops there instead of going on as if nothing happened.
"""
import gdb

from . import (base, breakpoints, context, decode, dispatch, gic, history, path,  # noqa: F401
               record, sstep, tracing, vcpus, vectors, walk)

# Disassembly with C++ names (`bl 0x... <el2lab::board::QemuVirtHal::irq_fetch()>`).
gdb.execute("set print asm-demangle on", to_string=True)
