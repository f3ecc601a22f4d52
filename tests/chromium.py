"""A headless Chromium driven over the W3C WebDriver protocol (chromedriver), standard library
only, for tests that load a page and run JavaScript in it. :func:`available` says whether
Debian's ``chromium`` and ``chromium-driver`` are installed; tests skip when not.

Chromium runs with no sandbox, GPU, network services, sync, component updates or first-run
pages, and a fresh profile folder (the test machines have no internet and run as root).
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1000"]


def binaries() -> tuple[str | None, str | None]:
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser") if shutil.which(b)), None)
    return browser, shutil.which("chromedriver")


def available() -> bool:
    return all(binaries())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """``with Browser() as b: b.open(path); b.js("return 1 + 1")``."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.browser, self.driver = binaries()
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="synthgen-chromium-")
        self.port = _free_port()
        self.proc = None
        self.session = None

    def __enter__(self) -> "Browser":
        self.proc = subprocess.Popen([self.driver, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": self.browser, "args": CHROMIUM_ARGS + [f"--user-data-dir={self.profile}"]}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.session:
                self._call("DELETE", f"/session/{self.session}")
        finally:
            if self.proc is not None:
                self.proc.terminate()
                self.proc.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read() or b"{}").get("value")

    def open(self, path: str | Path) -> None:
        url = Path(path).resolve().as_uri() if not str(path).startswith(("file:", "http")) else str(path)
        self._call("POST", f"/session/{self.session}/url", {"url": url})

    def js(self, script: str, *args):
        return self._call("POST", f"/session/{self.session}/execute/sync",
                          {"script": script, "args": list(args)})

    def wait_for(self, script: str, timeout: float = 20.0):
        """Poll ``script`` until it returns something truthy (returned) or time runs out (None)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.2)
        return None

    def screenshot(self, path: str | Path) -> Path:
        """The visible page as a PNG (for people looking at what a test saw)."""
        import base64
        data = self._call("GET", f"/session/{self.session}/screenshot")
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
