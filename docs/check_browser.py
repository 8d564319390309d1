#!/usr/bin/env python3
"""docs.browser: opens pages of the reference site in headless Chromium and checks that they
render with their diagrams and without errors. Standard library only.

How: Chromium is started with `--remote-debugging-pipe`, which speaks the Chrome DevTools
Protocol over two inherited file descriptors (fd 3: commands in, fd 4: replies and events
out), each message one JSON text followed by a NUL byte. Unlike `--remote-debugging-port`
there is no port to discover or race for and no WebSocket framing to implement, and unlike
`--dump-dom` the script sees the live page: console messages, exceptions, every network
request, and the documents inside the <object> elements Doxygen embeds SVGs with.

For each page (opened as a file:// URL, as a reader opens the site offline):
- it must fire its load event, and then settle (no request in flight);
- no uncaught exception, no console.error/assert, no error in the browser log (a failed
  resource load is one), no failed request;
- no request may leave the machine (anything but file:, data:, blob:, about:) — the offline
  check, done by the browser itself;
- every <img> must be complete with a natural width > 0;
- every SVG <object> must hold a parsed <svg> document with text and a non-empty bounding box,
  and occupy space on the page; a page must show at least --min-diagrams of them.
With --screenshot-dir, a full-page PNG of each page is written too.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe."""

    def __init__(self, chromium: str, profile: str, log_path: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds() -> None:  # runs in the child before exec: fd 3 and 4 for Chromium
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
             "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            preexec_fn=child_fds, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 20) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive(timeout)
            if reply is None:
                raise TimeoutError(f"no reply to {method} within {timeout} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                return None
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def pump(self, seconds: float) -> None:
        """Collects events for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            event = self.receive(left)
            if event is None:
                return
            self.events.append(event)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (TimeoutError, EOFError, RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self._log.close()


PAGE_SCRIPT = """JSON.stringify({
  title: document.title,
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, complete: i.complete,
                                          width: i.naturalWidth})),
  objects: [...document.querySelectorAll('object')].map(o => {
    const r = o.getBoundingClientRect();
    return {data: o.data, type: o.type, width: r.width, height: r.height};
  }),
  contents: document.querySelector('div.contents') ? 1 : 0
})"""

SVG_SCRIPT = """JSON.stringify((() => {
  const root = document.documentElement;
  const box = root && root.getBBox ? root.getBBox() : {width: 0, height: 0};
  return {tag: root ? root.localName : null, texts: document.getElementsByTagName('text').length,
          width: box.width, height: box.height};
})())"""


def evaluate(dt: DevTools, session: str, expression: str, context: int | None = None) -> dict:
    params = {"expression": expression, "returnByValue": True}
    if context is not None:
        params["contextId"] = context
    result = dt.send("Runtime.evaluate", params, session)
    if "exceptionDetails" in result:
        raise RuntimeError(f"script failed: {result['exceptionDetails'].get('text')}")
    return json.loads(result["result"]["value"])


def frames(tree: dict) -> list[dict]:
    out = [tree["frame"]]
    for child in tree.get("childFrames", []):
        out.extend(frames(child))
    return out


def check_page(dt: DevTools, html_dir: Path, name: str, min_diagrams: int,
               screenshot_dir: Path | None) -> list[str]:
    problems: list[str] = []
    url = (html_dir / name).resolve().as_uri()
    target = dt.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = dt.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        dt.send(f"{domain}.enable", {}, session)
    # A request that would leave the machine is reported below; blocking it keeps the test
    # itself off the network.
    dt.send("Network.setBlockedURLs",
            {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]}, session)
    dt.send("Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
    first_event = len(dt.events)
    start = time.monotonic()
    dt.send("Page.navigate", {"url": url}, session)

    # Wait for the load event, then until no request has been in flight for 0.3 s.
    loaded = False
    in_flight: set[str] = set()
    quiet_since = None
    seen = first_event
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        dt.pump(0.1)
        for event in dt.events[seen:]:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Page.loadEventFired":
                loaded = True
            elif method == "Network.requestWillBeSent":
                in_flight.add(params["requestId"])
            elif method in ("Network.loadingFinished", "Network.loadingFailed"):
                in_flight.discard(params["requestId"])
        seen = len(dt.events)
        if loaded and not in_flight:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 0.3:
                break
        else:
            quiet_since = None
    elapsed = time.monotonic() - start
    if not loaded:
        problems.append(f"{name}: no load event within 20 s")

    # Errors, failed loads and requests that would need the network.
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in dt.events[first_event:]
            if e.get("sessionId") == session and e.get("method") == "Network.requestWillBeSent"}
    for event in dt.events[first_event:]:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"{name}: uncaught exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"{name}: console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            problems.append(f"{name}: browser log error: {entry['text']} {entry.get('url', '')}")
        elif (method == "Network.loadingFailed" and not params.get("canceled")
              and urls.get(params["requestId"], "").startswith(LOCAL_SCHEMES)):
            why = params.get("blockedReason") or params.get("errorText")
            problems.append(f"{name}: loading {urls.get(params['requestId'], '?')} failed: {why}")
        elif method == "Network.requestWillBeSent":
            req_url = params["request"]["url"]
            if not req_url.startswith(LOCAL_SCHEMES):
                problems.append(f"{name}: requests {req_url} from the network (the site must "
                                "work offline)")

    page = evaluate(dt, session, PAGE_SCRIPT)
    if not page["contents"]:
        problems.append(f"{name}: no Doxygen contents block: the page did not render")
    for image in page["images"]:
        if not image["complete"] or image["width"] == 0:
            problems.append(f"{name}: image not loaded: {image['src']}")

    # Each SVG <object> is a child frame: evaluate in it to see the parsed drawing.
    all_frames = frames(dt.send("Page.getFrameTree", {}, session)["frameTree"])
    diagrams = []
    for obj in page["objects"]:
        if obj["type"] != "image/svg+xml":
            continue
        label = obj["data"].rsplit("/", 1)[-1]
        frame = next((f for f in all_frames if f.get("url") == obj["data"]), None)
        if frame is None:
            problems.append(f"{name}: diagram {label}: no document was loaded into its <object>")
            continue
        world = dt.send("Page.createIsolatedWorld",
                        {"frameId": frame["id"], "worldName": "el2lab-check"}, session)
        svg = evaluate(dt, session, SVG_SCRIPT, world["executionContextId"])
        if svg["tag"] != "svg" or svg["texts"] == 0 or svg["width"] <= 0 or svg["height"] <= 0:
            problems.append(f"{name}: diagram {label} did not render: {svg}")
        elif obj["width"] < 50 or obj["height"] < 50:
            problems.append(f"{name}: diagram {label} takes no room on the page "
                            f"({obj['width']:.0f}x{obj['height']:.0f})")
        else:
            diagrams.append(f"{label} {obj['width']:.0f}x{obj['height']:.0f}")
    if len(diagrams) < min_diagrams:
        problems.append(f"{name}: {len(diagrams)} diagrams rendered, expected at least "
                        f"{min_diagrams}")

    if screenshot_dir is not None:
        # The viewport as a reader sees it (the navigation tree keeps the page itself at
        # window height; the contents scroll inside it).
        shot = dt.send("Page.captureScreenshot", {"format": "png"}, session)
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        out = screenshot_dir / (Path(name).stem + ".png")
        out.write_bytes(base64.b64decode(shot["data"]))
        print(f"  screenshot: {out}")

    print(f"{name}: \"{page['title']}\" loaded in {elapsed:.2f} s; {len(page['images'])} "
          f"images; diagrams: {', '.join(diagrams) or 'none'}")
    dt.send("Target.closeTarget", {"targetId": target})
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chromium", default="", help="the browser (Debian package chromium)")
    ap.add_argument("--html", type=Path, required=True, help="the site's HTML directory")
    ap.add_argument("--page", action="append", required=True, help="a page to open")
    ap.add_argument("--min-diagrams", type=int, default=1, help="per page")
    ap.add_argument("--screenshot-dir", type=Path)
    args = ap.parse_args()

    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not Path(chromium).exists():
        print("FAIL: Chromium not found; tools/setup.sh installs it (Debian package chromium)")
        return 1
    start = time.monotonic()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="el2lab-chromium-") as profile:
        log = Path(profile) / "chromium.log"
        dt = DevTools(chromium, os.path.join(profile, "profile"), log)
        try:
            version = dt.send("Browser.getVersion")["product"]
            print(f"browser: {version} (headless, DevTools over a pipe)")
            for name in args.page:
                problems += check_page(dt, args.html, name, args.min_diagrams,
                                       args.screenshot_dir)
        except (TimeoutError, EOFError, RuntimeError, OSError) as e:
            problems.append(f"DevTools session failed: {e}")
            session_failed = True
        else:
            session_failed = False
        finally:
            dt.close()
        if session_failed:
            chromium_output = log.read_text(errors="replace").strip()
            if chromium_output:
                print("Chromium's own output:\n" + chromium_output[-3000:])
    elapsed = time.monotonic() - start
    if problems:
        print(f"\nFAIL ({elapsed:.1f} s):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"PASS: {len(args.page)} pages rendered with their diagrams, no console errors, "
          f"nothing fetched from the network ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
