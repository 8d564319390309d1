"""Entry point of el2lab's GDB support: `gdb-multiarch -x gdb/el2lab_gdb.py`.

`make gdb` runs exactly that. It puts the `el2lab` package on GDB's Python path, loads the
hypervisor's symbols and, if `make debug` has QEMU waiting, connects and runs to the
hypervisor's first instruction. Environment: EL2LAB_BUILD (build directory, default
"build"), EL2LAB_GDB_SOCKET (QEMU's gdbstub socket, default <build>/gdb.sock).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import el2lab  # noqa: E402  (registers the commands)

el2lab.session.start()
