# Lab 00's GDB script, loaded by `make gdb LAB=00` after gdb/el2lab_gdb.py.
# Stops at the first exception a guest takes to EL2, so `hv step` can take you along it.
break el2lab_vec_lower64_sync
echo [lab 00] breakpoint on el2lab_vec_lower64_sync: `continue`, then `hv step` along the exit\n
