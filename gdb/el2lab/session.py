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
    _drop_other_symbol_files(elf)
    if guest and guest.endswith(".elf") and os.path.exists(guest):
        gdb.execute(f"add-symbol-file {guest}", to_string=True)
        _say(f"guest symbols from {_show(guest)}")

    if not os.path.exists(socket):
        _say(style.bad("QEMU is not waiting for GDB: run `make debug` in another terminal first"))
        return
    replay = _session_info(socket).get("replay", False)
    if replay:
        # A replaying QEMU first loads its start snapshot: it answers the first packets later
        # than GDB's default 2 s, and a late answer would be taken for the next one's.
        gdb.execute("set remotetimeout 30", to_string=True)
    try:
        gdb.execute(f"target remote {socket}", to_string=True)
    except gdb.error as e:
        _say(style.bad(f"cannot connect to QEMU at {socket}: {e} (is `make debug` still running?)"))
        return
    global _connected_socket
    _connected_socket = socket
    _say(f"connected to QEMU at {_show(socket)}; `help hv` lists the el2lab commands")
    if replay:
        _say("this run is a replay of a recorded one: reverse-stepi and reverse-continue go "
             "backwards (across an ERET too)")
    pc = cpu_state.register("pc")
    if cpu_state.symbol_at(pc) == "?":
        # QEMU waits on its boot stub at the bottom of RAM; run to our first instruction.
        _say("running QEMU's boot stub up to the hypervisor's entry")
        from . import symbols  # noqa: PLC0415
        entry = symbols.address_of("el2lab_entry")
        gdb.execute(f"tbreak *{entry:#x}" if entry else "tbreak el2lab_entry", to_string=True)
        gdb.execute("continue")


_connected_socket = None
_running = False  # between a resume and the next stop: a closed connection then is QEMU's exit


def _on_cont(_event=None) -> None:
    global _running
    _running = True


def _on_stop(_event=None) -> None:
    global _running
    _running = False


gdb.events.cont.connect(_on_cont)
gdb.events.stop.connect(_on_stop)


def _on_connection_removed(_event=None) -> None:
    """GDB reports QEMU's exit at power-off as a raw 'Remote communication error ... Broken
    pipe' (QEMU closes the socket without an exit packet): say what it means. A `quit` or
    `disconnect` while stopped closes the connection too, and needs no explanation."""
    global _running
    if _connected_socket is not None and _running:
        _running = False
        _say(style.warn("QEMU has exited: the guest powered the machine off (or QEMU was "
                        "stopped)"))
        _say("`make debug` starts a new run; `make gdb` (or `source gdb/el2lab_gdb.py`) attaches")


if hasattr(gdb.events, "connection_removed"):
    gdb.events.connection_removed.connect(_on_connection_removed)


def _drop_other_symbol_files(elf: str) -> None:
    """Removes symbol files added by an earlier start() (a previous session's guest): `file`
    replaces only the main one, and a stale guest's symbols would name the wrong functions
    (a stop in the spin guest shown as the timer guest's on_irq)."""
    keep = os.path.realpath(elf)
    for objfile in list(gdb.objfiles()):
        name = objfile.filename
        if not objfile.is_valid() or not name or os.path.realpath(name) == keep:
            continue
        if objfile.owner is not None or not os.path.exists(name):
            continue  # separate debug info of a kept file, or GDB's own (vDSO, ...)
        try:
            gdb.execute(f"remove-symbol-file {name}", to_string=True)
            _say(f"dropped the symbols of {_show(name)} (an earlier session's guest)")
        except gdb.error:
            pass


def _session_info(socket: str) -> dict:
    """What tools/el2lab_run.py recorded next to the socket: the guest, whether it replays."""
    try:
        with open(socket + ".json", encoding="utf-8") as f:
            info = json.load(f)
            return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def _guest_of(socket: str) -> str | None:
    """The guest image tools/el2lab_run.py recorded next to the socket for this session."""
    return _session_info(socket).get("guest")
