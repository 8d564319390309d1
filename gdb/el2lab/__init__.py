"""el2lab's GDB package: one module per subject, as in the Linux kernel's scripts/gdb.

  style              colours on a terminal, plain text when piped or with NO_COLOR
  annotation_points  the symbols the narration uses (read from core/annotation_points.txt)
  cpu_state          which EL and translation regime a stop is in, read safely
  commands           the `hv` command family
  annotate           the one-line narration printed at every stop
  session            loading symbols and connecting to QEMU
  trace              reading the hypervisor's trace ring from memory
"""
from . import annotate, annotation_points, commands, cpu_state, session, style, trace  # noqa: F401
