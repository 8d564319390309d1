# Lab 07's GDB script, loaded by `make gdb LAB=07` after gdb/el2lab_gdb.py.
# The kick: who sends it, and where a CPU sleeps waiting for it.
break el2lab::labs::SmpHal::send_kick
echo [lab 07] breakpoint on SmpHal::send_kick: `continue`, `bt`, `info threads`\n
