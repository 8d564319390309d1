# Lab 03's GDB script, loaded by `make gdb LAB=03` after gdb/el2lab_gdb.py.
# Breakpoint 2: the reference HAL's irq_fetch, which your DynamicHal reaches through its table:
# at the stop, `x/i $lr - 4` shows the call instruction that got there.
break el2lab::board::QemuVirtHal::irq_fetch
echo [lab 03] breakpoint on QemuVirtHal::irq_fetch (reached through DynamicHal's table): `continue`\n
