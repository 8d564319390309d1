"""Loading the hypervisor's symbols and connecting GDB to QEMU's gdbstub."""
from __future__ import annotations

import json
import os

import gdb

from . import cpu_state, style

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _show(path: str) -> str:
    """A path relative to the project when inside it, absolute otherwise."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def _say(text: str) -> None:
    print(f"{style.title('[el2lab]')} {text}")


def start() -> None:
    """What `make gdb` does: symbols, connection, run to the hypervisor's entry."""
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture aarch64", to_string=True)
    build = os.path.join(ROOT, os.environ.get("EL2LAB_BUILD", "build"))
    # A lab's image (make gdb LAB=NN) replaces the reference one.
    elf = os.environ.get("EL2LAB_HYPERVISOR_ELF") or os.path.join(build, "aarch64", "core", "el2",
                                                                   "el2lab.elf")
    if not os.path.exists(elf):
        _say(style.bad(f"no hypervisor at {elf}: build it first (make)"))
        return
    gdb.execute(f"file {elf}", to_string=True)
    _say(f"hypervisor symbols from {_show(elf)}")

    socket = os.environ.get("EL2LAB_GDB_SOCKET", os.path.join(build, "gdb.sock"))
    guest = _guest_of(socket)
    if guest and guest.endswith(".elf") and os.path.exists(guest):
        gdb.execute(f"add-symbol-file {guest}", to_string=True)
        _say(f"guest symbols from {_show(guest)}")

    if not os.path.exists(socket):
        _say(style.bad("QEMU is not waiting for GDB: run `make debug` in another terminal first"))
        return
    try:
        gdb.execute(f"target remote {socket}", to_string=True)
    except gdb.error as e:
        _say(style.bad(f"cannot connect to QEMU at {socket}: {e} (is `make debug` still running?)"))
        return
    _say(f"connected to QEMU at {_show(socket)}; `help hv` lists the el2lab commands")
    pc = cpu_state.register("pc")
    if cpu_state.symbol_at(pc) == "?":
        # QEMU waits on its boot stub at the bottom of RAM; run to our first instruction.
        _say("running QEMU's boot stub up to the hypervisor's entry")
        from . import symbols  # noqa: PLC0415
        entry = symbols.address_of("el2lab_entry")
        gdb.execute(f"tbreak *{entry:#x}" if entry else "tbreak el2lab_entry", to_string=True)
        gdb.execute("continue")


def _guest_of(socket: str) -> str | None:
    """The guest image tools/el2lab_run.py recorded next to the socket for this session."""
    try:
        with open(socket + ".json", encoding="utf-8") as f:
            return json.load(f).get("guest")
    except (OSError, ValueError):
        return None
