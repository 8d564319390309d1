"""Colours for GDB output: ANSI on a terminal, plain when piped or when NO_COLOR is set."""
import os


def enabled() -> bool:
    return os.isatty(1) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _wrap(code: str, text: str) -> str:
    return f"\033[{code}m{text}\033[0m" if enabled() else text


def title(text: str) -> str:
    return _wrap("1;36", text)


def good(text: str) -> str:
    return _wrap("32", text)


def bad(text: str) -> str:
    return _wrap("1;31", text)


def warn(text: str) -> str:
    return _wrap("33", text)


def dim(text: str) -> str:
    return _wrap("2", text)


def name(text: str) -> str:
    """A symbol or register name."""
    return _wrap("1", text)


def value(text: str) -> str:
    """A decoded value worth the eye: an exit, a syndrome."""
    return _wrap("35", text)


_STAGE_COLOURS = {"entry": "1;33", "dispatch": "1;35", "exit": "1;34", "resume": "1;32",
                  "panic": "1;31", "boot": "1;36", "vectors": "1;36"}


def stage(stage_name: str, text: str) -> str:
    """Text in the colour of an exception-path stage (entry, dispatch, exit, resume, ...)."""
    return _wrap(_STAGE_COLOURS.get(stage_name, "1"), text)


def wrap(line: str, indent: str, limit: int = 100) -> str:
    """A long narration line cut at its clauses ('; ') and then at words, continuation lines
    indented under the text: a stop reads as a short paragraph instead of a 400-column line."""
    if len(line) <= limit:
        return line
    out, current = [], ""
    for i, clause in enumerate(line.split("; ")):
        piece = clause if i == 0 else "; " + clause
        if current and len(current) + len(piece) > limit:
            out.append(current + ";")
            current = indent + piece[2:]
        else:
            current += piece
        while len(current) > limit:
            cut = current.rfind(" ", len(indent) + 1, limit)
            if cut <= len(indent):
                break
            out.append(current[:cut])
            current = indent + current[cut + 1:]
    out.append(current)
    return "\n".join(out)
