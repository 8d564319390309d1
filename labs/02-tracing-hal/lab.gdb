# Lab 02's GDB script, loaded by `make gdb LAB=02` after gdb/el2lab_gdb.py.
# Breakpoint 2: your TracingHal's irq_fetch() (`finish` shows the INTID, `hv exits 3` the record
# it just wrote); breakpoint 3: the guest's power-off, when the whole run is in the trace ring.
break el2lab::labs::TracingHal<el2lab::board::QemuVirtHal, el2lab::labs::TraceRingSink>::irq_fetch
break el2lab::firmware::system_off
echo [lab 02] breakpoints on TracingHal<QemuVirtHal, TraceRingSink>::irq_fetch and on system_off: `continue`\n
