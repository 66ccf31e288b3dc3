"""`tracesite serve` in a real browser: pages load livereload's client within their
Content-Security-Policy, and a change to an input rebuilds the site and reloads the page."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from browser import chromium
from projects import copy_example


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = copy_example(tmp_path / "p")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "-C", str(project), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    origin = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # the first build, then the server
            try:
                urllib.request.urlopen(f"{origin}/index.html", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"serve exited: {proc.stdout.read()}")
                time.sleep(0.1)
        yield project, origin
    finally:
        proc.terminate()
        proc.wait(10)


def test_live_reload_works_under_the_pages_csp(served):
    project, origin = served
    problems, requests, sockets = [], [], []
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(f"{origin}/method/index.html")
        page.wait_for_function("() => window.LiveReload !== undefined", timeout=20_000)
        assert any("/livereload.js" in u for u in requests)
        assert sockets and all(s.startswith(f"ws://127.0.0.1:{origin.rsplit(':', 1)[1]}/") for s in sockets)
        # livereload's watcher takes its first look at the files when the browser connects: an edit
        # made in that instant is part of its starting point, so the edit is repeated until seen.
        method = project / "content" / "method.md"
        for attempt in range(6):
            method.write_text(method.read_text() + f"\n\nA sentence added while serving ({attempt}).\n")
            try:
                page.wait_for_function("() => document.body.textContent.includes('added while serving')",
                                       timeout=10_000)
                break
            except Exception:  # not reloaded yet: edit again
                continue
        assert "added while serving" in page.content()
    assert problems == []
