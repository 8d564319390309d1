#!/usr/bin/env python3
"""docs.site: builds the reference site and checks it, standard library only.

1. `cmake --build BUILD --target docs` succeeds (Doxygen runs with every warning an error).
2. Doxygen's warning log exists and is empty.
3. Every diagrams/*.puml was rendered to a non-empty SVG that really is a drawing (an <svg>
   root with text in it), was copied into the site and is shown by at least one page.
4. Every `el2lab_...` symbol and every part of every `el2lab::...` name a diagram uses still
   exists somewhere in core/ (so a rename shows up here, not in a confused reader).
5. No broken internal link: every href/src/data of every HTML page, every url() of the site's
   CSS and every page the navigation tree's scripts name points to a file that exists, and a
   #fragment into another page names an anchor that page has.
6. The site works offline: no page, stylesheet or script loads anything (script, stylesheet,
   image, font, frame) from the network. Ordinary <a href="https://..."> links are allowed.

Every problem is listed before the test fails.
"""
from __future__ import annotations

import argparse
import html.parser
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes that load or link something, and the elements where they load a resource.
LINK_ATTRS = {"href", "src", "data"}
RESOURCE_TAGS = {"script", "link", "img", "object", "iframe", "embed", "source", "audio", "video"}


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)


class PageParser(html.parser.HTMLParser):
    """Collects link targets and anchor names of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.anchors.add(value)
            if name in LINK_ATTRS:
                self.links.append((tag, name, value))

    handle_startendtag = handle_starttag


def is_remote(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return scheme in ("http", "https", "ftp") or url.startswith("//")


def is_local_file_link(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        return False  # http:, mailto:, javascript:, data: ...
    return bool(parts.path)  # "#anchor" alone stays in the page


def build(build_dir: Path, problems: Problems) -> None:
    start = time.monotonic()
    run = subprocess.run(["cmake", "--build", str(build_dir), "--target", "docs",
                          "--parallel", str(os.cpu_count() or 2)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(f"build: cmake --build --target docs: exit status {run.returncode} "
          f"({time.monotonic() - start:.1f} s)")
    if run.returncode != 0:
        print("\n".join(run.stdout.splitlines()[-60:]))
        problems.add("the docs target failed to build (output above)")


def check_warnings(log: Path, repo: Path, problems: Problems) -> None:
    if not log.exists():
        problems.add(f"no Doxygen warning log at {log}: did Doxygen run?")
        return
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    for line in lines:
        problems.add("Doxygen: " + line.replace(str(repo) + "/", ""))
    print(f"warnings: {len(lines)} lines in {log.name}")


def check_diagrams(repo: Path, diagram_dir: Path, html_dir: Path, pages: dict[Path, PageParser],
                   problems: Problems) -> None:
    sources = sorted((repo / "diagrams").glob("*.puml"))
    if not sources:
        problems.add("no diagrams/*.puml found")
    shown: set[str] = set()
    for parser in pages.values():
        for _tag, _attr, value in parser.links:
            shown.add(Path(urlsplit(value).path).name)
    core_text = "\n".join(p.read_text(errors="replace") for p in (repo / "core").rglob("*")
                          if p.is_file() and p.suffix in (".h", ".cc", ".S", ".ld", ".txt"))
    for puml in sources:
        svg = diagram_dir / (puml.stem + ".svg")
        label = f"diagrams/{puml.name}"
        if not svg.exists() or svg.stat().st_size == 0:
            problems.add(f"{label}: not rendered to a non-empty {svg}")
            continue
        try:
            root = ET.parse(svg).getroot()
        except ET.ParseError as e:
            problems.add(f"{label}: {svg.name} is not well-formed XML: {e}")
            continue
        texts = [t for t in root.iter() if t.tag.endswith("}text") or t.tag == "text"]
        if not root.tag.endswith("svg") or not texts:
            problems.add(f"{label}: {svg.name} has no <svg> root or no text")
        if "Syntax Error" in svg.read_text(errors="replace"):
            problems.add(f"{label}: PlantUML drew a syntax error")
        if not (html_dir / svg.name).exists():
            problems.add(f"{label}: {svg.name} was not copied into the site")
        if svg.name not in shown:
            problems.add(f"{label}: no page of the site shows {svg.name}")
        text = puml.read_text()
        for symbol in sorted(set(re.findall(r"\bel2lab_\w+", text))):
            if not re.search(r"\b" + re.escape(symbol) + r"\b", core_text):
                problems.add(f"{label}: names {symbol}, which core/ no longer has")
        # el2lab::Aarch64VCpu<H>::run, el2lab::decode_sync_exit: every part must still exist.
        for name in sorted(set(re.findall(r"\bel2lab(?:::\w+(?:<\w+>)?)+", text))):
            for part in re.findall(r"::(\w+)", name):
                if not re.search(r"\b" + re.escape(part) + r"\b", core_text):
                    problems.add(f"{label}: names {name}, but core/ has no {part}")
    print(f"diagrams: {len(sources)} sources checked")


def read_pages(html_dir: Path) -> dict[Path, PageParser]:
    pages = {}
    for page in sorted(html_dir.rglob("*.html")):
        parser = PageParser()
        parser.feed(page.read_text(errors="replace"))
        pages[page] = parser
    return pages


def check_links(html_dir: Path, pages: dict[Path, PageParser], problems: Problems) -> None:
    checked = 0
    for page, parser in pages.items():
        rel = page.relative_to(html_dir)
        for tag, attr, value in parser.links:
            if is_remote(value):
                if tag in RESOURCE_TAGS:
                    problems.add(f"offline: {rel} loads <{tag} {attr}={value!r}> from the network")
                continue
            if not is_local_file_link(value):
                continue
            parts = urlsplit(value)
            target = (page.parent / unquote(parts.path)).resolve()
            checked += 1
            if not target.exists():
                problems.add(f"broken link: {rel}: <{tag} {attr}={value!r}>")
            elif parts.fragment and target.suffix == ".html" and target in pages:
                if unquote(parts.fragment) not in pages[target].anchors:
                    problems.add(f"broken anchor: {rel}: {value!r} (no such id in "
                                 f"{target.relative_to(html_dir)})")
    # Stylesheets: url(...) and @import.
    for css in sorted(html_dir.rglob("*.css")):
        text = css.read_text(errors="replace")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text) + \
                re.findall(r"@import\s+['\"]([^'\"]+)['\"]", text):
            if is_remote(url):
                problems.add(f"offline: {css.relative_to(html_dir)} loads {url} from the network")
            elif is_local_file_link(url) and not (css.parent / unquote(urlsplit(url).path)).exists():
                problems.add(f"broken link: {css.relative_to(html_dir)}: url({url})")
            checked += 1
    # The navigation tree's scripts name the pages they link to.
    for js in sorted(html_dir.glob("nav*.js")):
        for name in set(re.findall(r"\"([\w\-./]+\.html)(?:#[^\"]*)?\"", js.read_text())):
            checked += 1
            if not (html_dir / name).exists():
                problems.add(f"broken link: {js.name} names {name}")
    # Scripts must not fetch anything from the network either.
    for js in sorted(html_dir.rglob("*.js")):
        for url in re.findall(r"['\"]((?:https?:)?//[^'\"\s]+)['\"]", js.read_text(errors="replace")):
            if re.search(r"\.(js|css|woff2?|ttf|otf|png|svg|gif|jpe?g)(\?|$)", url):
                problems.add(f"offline: {js.relative_to(html_dir)} refers to {url}")
    print(f"links: {checked} local links in {len(pages)} pages, stylesheets and scripts checked")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", type=Path, required=True)
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--html", type=Path, required=True)
    ap.add_argument("--warnings", type=Path, required=True, help="Doxygen's WARN_LOGFILE")
    ap.add_argument("--diagram-dir", type=Path, required=True, help="where the SVGs are rendered")
    ap.add_argument("--no-build", action="store_true", help="check the site as it is")
    args = ap.parse_args()
    start = time.monotonic()
    problems = Problems()
    repo = args.repo.resolve()

    if not args.no_build:
        build(args.build_dir, problems)
    check_warnings(args.warnings, repo, problems)
    if not (args.html / "index.html").exists():
        problems.add(f"no site at {args.html}/index.html")
        pages = {}
    else:
        pages = read_pages(args.html.resolve())
    check_diagrams(repo, args.diagram_dir, args.html, pages, problems)
    if pages:
        check_links(args.html.resolve(), pages, problems)

    elapsed = time.monotonic() - start
    if problems.items:
        print(f"\nFAIL: {len(problems.items)} problems ({elapsed:.1f} s):")
        for p in problems.items:
            print("  " + p)
        return 1
    print(f"PASS: site built without warnings, diagrams rendered and shown, links and offline "
          f"use checked ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
