# Lab 01's GDB script, loaded by `make gdb LAB=01` after gdb/el2lab_gdb.py.
# Your HAL's two entry points: the direct call on an IRQ exit, the one behind IRQ_HANDLER.
break el2lab::labs::FirstHal::irq_fetch
break el2lab::labs::FirstHal::irq_handler
echo [lab 01] breakpoints on FirstHal::irq_fetch and FirstHal::irq_handler: `continue`\n
