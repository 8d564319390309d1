# Lab 05's GDB script, loaded by `make gdb LAB=05` after gdb/el2lab_gdb.py.
# Where the VM's stage-2 tables come from: every frame the table builder takes.
break el2lab::labs::Stage2Hal::alloc_frame
echo [lab 05] breakpoint on Stage2Hal::alloc_frame (your FramePool::alloc()): `continue`, then `finish`\n
