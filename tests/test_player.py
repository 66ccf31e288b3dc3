"""Terminal recordings: published redacted, played by the bundled asciinema-player
(no third-party requests), and only their pages allow WebAssembly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from browser import chromium, served
from generator.build import build_site
from generator.ingest import import_paths
from generator.scaffold import init_project

CAST = Path(__file__).resolve().parent / "fixtures" / "asciicast" / "session-v2.cast"
KEY = "ghp_CANARYabcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("cast") / "p"
    init_project(root)
    src = tmp_path_factory.mktemp("src") / "session.cast"
    lines = CAST.read_bytes().splitlines()
    lines.append(orjson.dumps([99.0, "o", f"export GITHUB_TOKEN={KEY}\r\n"]))
    src.write_bytes(b"\n".join(lines) + b"\n")
    report = import_paths(root, [src], run_id="cast1", benchmark="term", agent="human")
    assert not report.failed, report.findings
    out = root / "site"
    build_site(root, out)
    return out


def test_recording_is_published_redacted_and_valid(site):
    casts = list(site.rglob("*.cast"))
    assert len(casts) == 1
    data = casts[0].read_bytes()
    assert KEY not in data.decode() and b"[REDACTED:github-token]" in data
    for line in data.splitlines():
        orjson.loads(line)  # still asciicast: one JSON value per line


def test_only_recording_pages_allow_webassembly(site):
    from html import unescape
    page = unescape(next(site.rglob("*session*.html")).read_text())
    assert "script-src 'self' 'wasm-unsafe-eval';" in page and "data-cast=" in page
    assert "wasm-unsafe-eval" not in unescape((site / "index.html").read_text())


def test_player_runs_without_errors_or_foreign_requests(site):
    page_path = next(site.rglob("*session*.html")).relative_to(site).as_posix()
    problems, foreign = [], []
    with chromium() as browser, served(site) as origin:
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(origin) else None)
        page.goto(f"{origin}/{page_path}")
        page.wait_for_selector(".ap-wrapper", timeout=10_000)
        assert page.locator(".ap-player").count() == 1
    assert problems == [] and foreign == []


def test_asciicast_v3_with_comment_lines_gets_its_player(tmp_path):
    """asciicast v3 allows "#" comment lines; the recording is still published (without them)."""
    v3 = CAST.parent / "build-v3.cast"
    assert any(line.startswith(b"#") for line in v3.read_bytes().splitlines())
    root = tmp_path / "p"
    init_project(root)
    report = import_paths(root, [v3], run_id="cast3", benchmark="term", agent="human")
    assert not report.failed, report.findings
    build_site(root, root / "site")
    casts = list((root / "site").rglob("*.cast"))
    assert len(casts) == 1
    lines = casts[0].read_bytes().splitlines()
    assert lines and not any(line.startswith(b"#") for line in lines)
    for line in lines:
        orjson.loads(line)
