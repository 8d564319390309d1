# Lab 06's GDB script, loaded by `make gdb LAB=06` after gdb/el2lab_gdb.py.
# Every guest access to the PL031's window reaches the HAL here, after the run loop found the
# device on its MMIO bus.
break el2lab::labs::MmioHal::guest_device_read
break el2lab::labs::MmioHal::guest_device_write
echo [lab 06] breakpoints on MmioHal::guest_device_read and guest_device_write: `continue`\n
