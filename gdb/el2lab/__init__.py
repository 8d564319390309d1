"""el2lab's GDB package: one module per subject, as in the Linux kernel's scripts/gdb.

  style              colours on a terminal, plain text when piped or with NO_COLOR
  annotation_points  the symbols the narration uses (read from core/annotation_points.txt)
  esr, exits         ESR_EL2 and VmExit decoding in plain Python (no gdb needed: unit-tested)
  cpu_state          which EL and translation regime a stop is in, read safely
  symbols            annotation points resolved in the loaded hypervisor; dispatch call sites
  vmexit             reading a VmExit std::variant from memory
  annotate           the one-line narration printed at every stop
  tracer             `hv trace`: non-stopping breakpoints that collect a path's events
  vcpu               finding Aarch64VCpu<H> objects and showing their registers
  printers           pretty-printers for TrapFrame, VmExit and Aarch64VCpu<H>
  devices            the VM's device map (which IPA is which emulated device), from the hypervisor
  pagewalk           stage-2 and stage-1 table walks in plain Python (`hv walk`)
  context            the context pane printed at each stop (`hv context on`)
  unwinder           `bt` from an exit handler on into the guest's frames (its trap frame)
  diagram            `hv trace --diagram`: the traced paths as a PlantUML sequence diagram
  gic                the hypervisor's debug block decoded (`hv gic`): list registers, timer
  recorder           `hv record`: silent breakpoints on every exception, a timeline
  frames             `bt`: short frame names, the backtrace ends at the exception boundary
  commands           the `hv` command family, one module per subject (commands/)
  session            loading symbols and connecting to QEMU
  trace              reading the hypervisor's trace ring from memory
"""
try:
    import gdb  # noqa: F401
except ImportError:  # plain python3 (the unit tests): only the pure modules are usable
    gdb = None
if gdb is not None and not hasattr(gdb, "execute"):
    gdb = None  # python3 started at the top of the tree imports the gdb/ folder as "gdb"

if gdb is not None:
    from . import (annotate, annotation_points, commands, context, devices, frames, cpu_state,  # noqa: F401
                   pagewalk, printers, recorder, session, style, symbols, trace, tracer, unwinder,
                   vcpu, vmexit)
