#!/usr/bin/env python3
"""Writes the reference site's GDB page from the GDB package itself.

The page is docs/gdb_commands.md.in with two placeholders filled in:

  @EL2LAB_GDB_COMMANDS@       one section per `gdb.Command` subclass found in gdb/el2lab/*.py:
                              its name (the string passed to `super().__init__`), its docstring
                              and the `Usage:` line of that docstring, followed by the extra
                              notes in docs/gdb/<name with _ for spaces>.md if that file exists
  @EL2LAB_ANNOTATION_POINTS@  the table of core/annotation_points.txt

The Python sources are read with `ast`, never imported (importing needs GDB's `gdb` module).
So adding a command to the GDB package is all it takes to document it; the build fails with
a clear message if the new command has no docstring or no `Usage:` line.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Command:
    name: str        # "hv where"
    prefix: bool     # a prefix command ("hv"): introduces its family
    summary: str     # first paragraph of the docstring
    details: list[str]  # the other paragraphs, without the Usage line
    usage: str       # "hv exits [N]"; "" for a prefix command
    source: str      # "gdb/el2lab/commands.py:16"


class PageError(Exception):
    pass


def _is_gdb_command(cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        if isinstance(base, ast.Attribute) and base.attr == "Command":
            if isinstance(base.value, ast.Name) and base.value.id == "gdb":
                return True
    return False


def _registered_name(cls: ast.ClassDef) -> tuple[str, bool] | None:
    """The command name passed to gdb.Command.__init__ and whether it is a prefix."""
    for node in ast.walk(cls):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__" and node.args):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            prefix = any(k.arg == "prefix" and isinstance(k.value, ast.Constant)
                         and k.value.value is True for k in node.keywords)
            return first.value, prefix
    return None


def _split_docstring(doc: str) -> tuple[str, list[str], str]:
    """(summary, detail paragraphs, usage) of a GDB command docstring.

    A paragraph whose lines are indented (a column layout, a list of examples) is kept
    verbatim and marked with a leading "\0"; any other paragraph is joined into one line."""
    usage = ""
    kept: list[str] = []
    for line in doc.splitlines():
        m = re.match(r"\s*Usage:\s*(.+)$", line)
        if m and not usage:
            usage = m.group(1).strip()
        else:
            kept.append(line.rstrip())
    paragraphs = []
    for block in re.split(r"\n\s*\n", "\n".join(kept).strip("\n")):
        lines = block.split("\n")
        if not block.strip():
            continue
        if any(line.startswith((" ", "\t")) for line in lines):
            paragraphs.append("\0" + "\n".join(lines))
        else:
            paragraphs.append(" ".join(" ".join(lines).split()))
    summary = paragraphs[0] if paragraphs and not paragraphs[0].startswith("\0") else ""
    return summary, paragraphs[1:] if summary else paragraphs, usage


def find_commands(package: Path, repo: Path) -> list[Command]:
    commands = []
    for path in sorted(package.rglob("*.py")):  # the commands live in commands/
        tree = ast.parse(path.read_text(), filename=str(path))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            if not _is_gdb_command(cls):
                continue
            where = f"{path.relative_to(repo)}:{cls.lineno}"
            registered = _registered_name(cls)
            if registered is None:
                raise PageError(f"{where}: class {cls.name} never passes its command name "
                                      "to gdb.Command.__init__")
            name, prefix = registered
            doc = ast.get_docstring(cls)
            if not doc:
                raise PageError(f"{where}: command `{name}` has no docstring (GDB's help "
                                      "text, and this page's text)")
            summary, details, usage = _split_docstring(doc)
            if not prefix and not usage:
                raise PageError(f"{where}: the docstring of `{name}` needs a line "
                                      f"'Usage: {name} ...'")
            commands.append(Command(name, prefix, summary, details, usage, where))
    return commands


# A C++ name with a scope or template arguments: Aarch64VCpu<H>::run, IrqHandler::operator().
_CXX_NAME = re.compile(r"[A-Za-z_~][\w~]*(?:<[\w:, ]*>)?(?:::[A-Za-z_~][\w~]*(?:<[\w:, ]*>)?)*"
                       r"(?:\(\))?")


def doxygen_text(text: str) -> str:
    """Plain docstring text as Doxygen markdown: `code spans` stay as they are; C++ names with
    `::` or `<...>` become code spans (Doxygen would take `::run` for a link request and `<H>`
    for HTML); characters Doxygen treats as commands or markup are escaped."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # outside backticks
        out, pos = [], 0
        for m in _CXX_NAME.finditer(parts[i]):
            if "::" in m.group() or "<" in m.group():
                out.append(re.sub(r"([\\@<>#%&$])", r"\\\1", parts[i][pos:m.start()]))
                out.append("`" + m.group() + "`")
                pos = m.end()
        out.append(re.sub(r"([\\@<>#%&$])", r"\\\1", parts[i][pos:]))
        parts[i] = "".join(out)
    return "`".join(parts)


def _paragraph(p: str) -> str:
    if p.startswith("\0"):  # verbatim
        return "~~~\n" + textwrap.dedent(p[1:]) + "\n~~~\n"
    return doxygen_text(p) + "\n"


def anchor(name: str) -> str:
    return "gdb_" + re.sub(r"\W+", "_", name).strip("_")


def commands_markdown(commands: list[Command], notes_dir: Path) -> str:
    if not commands:
        return "No command is defined yet.\n"
    out = []
    families = [c for c in commands if c.prefix]
    members = [c for c in commands if not c.prefix]
    # The summary table first, then one section per command.
    out.append("| command | what it does |\n| --- | --- |")
    for c in members:
        summary = c.summary[:-1] + "." if c.summary.endswith(":") else c.summary
        out.append(f"| \\ref {anchor(c.name)} \"{c.name}\" | {doxygen_text(summary)} |")
    out.append("")
    for family in families:
        out.append(f"All of them belong to the `{family.name}` family: "
                   f"{doxygen_text(family.summary)} (defined in `{family.source}`)\n")
    for c in members:
        out.append(f"## {c.name} {{#{anchor(c.name)}}}\n")
        out.append(f"~~~\n{c.usage}\n~~~\n")
        out.append(doxygen_text(c.summary) + "\n")
        out.extend(_paragraph(p) for p in c.details)
        notes = notes_dir / (re.sub(r"\W+", "_", c.name) + ".md")
        if notes.exists():
            out.append(notes.read_text().rstrip() + "\n")
        out.append(f"Defined in `{c.source.rsplit(':', 1)[0]}` (class at line "
                   f"{c.source.rsplit(':', 1)[1]}).\n")
    return "\n".join(out)


def annotation_points_markdown(path: Path) -> str:
    rows = ["| symbol | stage | what happens there |", "| --- | --- | --- |"]
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(None, 2)
        if len(fields) < 3:
            raise PageError(f"{path}: cannot read the line {line!r}")
        symbol, stage, what = fields
        rows.append(f"| `{symbol}` | {stage} | {doxygen_text(what)} |")
    return "\n".join(rows) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, required=True, help="the el2lab source tree")
    ap.add_argument("--template", type=Path, required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args()
    repo = args.repo.resolve()
    try:
        commands = find_commands(repo / "gdb" / "el2lab", repo)
        page = args.template.read_text()
        page = page.replace("@EL2LAB_GDB_COMMANDS@",
                            commands_markdown(commands, repo / "docs" / "gdb"))
        page = page.replace("@EL2LAB_ANNOTATION_POINTS@",
                            annotation_points_markdown(repo / "core" / "annotation_points.txt"))
    except PageError as e:
        print(f"gdb_reference: error: {e}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # Rewrite only on change, so an unchanged page does not make Doxygen run again.
    if not args.output.exists() or args.output.read_text() != page:
        args.output.write_text(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
