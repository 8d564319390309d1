# Lab 04's GDB script, loaded by `make gdb LAB=04` after gdb/el2lab_gdb.py.
# Breakpoint 2: your VirqHal::write_list_register (what the core injects, before you encode it);
# breakpoint 3: the guest's acknowledge, which reads the virtual interrupt your encoding made.
break el2lab::labs::VirqHal::write_list_register
break el2lab::guest::gic::acknowledge
echo [lab 04] breakpoints on VirqHal::write_list_register and the guest's gic::acknowledge: `continue`\n
