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


def dim(text: str) -> str:
    return _wrap("2", text)
