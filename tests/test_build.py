"""End-to-end build of the bundled example project and of small broken projects."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generator.build import build_site, check_project
from generator.discover import discover
from sitecheck import STEP_ANCHOR, broken_links, parse, trace_html
from projects import copy_example

ROOT = Path(__file__).resolve().parents[1]


def _copy_example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "project")


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def example(tmp_path):
    return _copy_example(tmp_path)


def test_example_builds_clean_with_three_failure_classes(example, tmp_path):
    result = build_site(example, tmp_path / "site")
    assert result.errors == [], [f.format() for f in result.errors]
    benches = {r.run.benchmark for r in result.runs}
    assert len(benches) >= 2 and len(result.runs) >= 5
    classes = {t.failure.cls for r in result.runs for t in r.traces if t.failure}
    assert classes == {"model", "code", "infrastructure"}


def test_every_score_link_reaches_its_evidence(example, tmp_path):
    site = tmp_path / "site"
    build_site(example, site)
    problems, checked = broken_links(site)
    assert problems == []
    assert checked > 50
    # Leaderboard score cells link to run pages; run task cells link to a trace step anchor.
    board = parse(site / "benchmarks" / "retail-desk" / "index.html")
    scores = [h for h, c in board.links if "score" in c.split()]
    assert len(scores) == 2 and all(h.startswith("../../runs/") for h in scores)
    run = parse(site / "runs" / "northwind-gpt-4o-2026-03" / "index.html")
    cells = [h for h, c in run.links if "cell" in c.split()]
    assert len(cells) == 8 and all(STEP_ANCHOR.search(h) for h in cells)


def test_deciding_step_is_highlighted_on_trace_page(example, tmp_path):
    site = tmp_path / "site"
    result = build_site(example, site)
    run = next(r for r in result.runs if r.run.id == "inspect-react-haiku-2026-05")
    t = run.traces[0]
    html = (site / t.url.split("#")[0]).read_text()
    assert f'id="{t.anchor}step-{t.deciding_step}" class="step k-score deciding' in html


def test_builds_are_byte_identical(example, tmp_path):
    build_site(example, tmp_path / "a")
    build_site(example, tmp_path / "b")
    assert _tree_hashes(tmp_path / "a") == _tree_hashes(tmp_path / "b")


def test_inputs_are_not_modified_by_build(example, tmp_path):
    before = _tree_hashes(example)
    build_site(example, tmp_path / "site")
    assert _tree_hashes(example) == before


def test_one_bad_run_does_not_lose_the_others(example, tmp_path):
    bad = example / "traces" / "inspect-react-llama-2026-05"
    trace = next(p for p in bad.iterdir() if p.suffix == ".json")
    trace.write_bytes(trace.read_bytes()[:500])  # truncated: bad JSON and a hash mismatch
    site = tmp_path / "site"
    result = build_site(example, site)
    rules = {(f.rule, f.run) for f in result.errors}
    assert ("import", "inspect-react-llama-2026-05") in rules
    assert any(f.rule == "integrity" and "sha256" in f.message for f in result.errors)
    assert any("line 1" in f.place or "line" in f.place for f in result.errors if f.rule == "import")
    # Every other run still has its pages, and the broken run is listed, unranked.
    for r in result.runs:
        assert (site / r.url).is_file()
    assert len([r for r in result.runs if r.traces]) == 4
    board = (site / "benchmarks" / "arith-word-problems" / "index.html").read_text()
    assert "Not ranked" in board


def test_check_reports_what_build_reports(example):
    (example / "traces" / "northwind-gpt-4o-2026-03" / "stray.txt").write_text("x")
    result = check_project(example)
    assert any(f.rule == "integrity" and f.file.endswith("stray.txt") for f in result.findings)
    assert not (example / "site").exists()


def test_unregistered_agent_and_missing_file_are_errors(example, tmp_path):
    meta = example / "traces" / "swe-agent-gpt-4o-2026-02" / "run.yaml"
    meta.write_text(meta.read_text().replace("agent: swe-agent", "agent: swe-agnet"))
    (example / "traces" / "swe-agent-gpt-4o-2026-02" / "acme__parser-7.traj").unlink()
    result = check_project(example)
    msgs = [(f.rule, f.place, f.message) for f in result.errors]
    assert any(r == "identity" and p == "/agent" and "swe-agnet" in m for r, p, m in msgs)
    assert any(r == "integrity" and "missing" in m for r, p, m in msgs)


def test_bad_run_yaml_reports_pointer(example):
    meta = example / "traces" / "northwind-gpt-4o-2026-03" / "run.yaml"
    meta.write_text(meta.read_text().replace("benchmark: retail-desk", "benchmrk: retail-desk"))
    result = check_project(example)
    places = {(f.file, f.place) for f in result.errors}
    assert ("traces/northwind-gpt-4o-2026-03/run.yaml", "/benchmark") in places  # missing
    assert ("traces/northwind-gpt-4o-2026-03/run.yaml", "/benchmrk") in places  # unknown key


def _page_with_thought(example: Path, tmp_path: Path, text: str):
    """Build the example with ``text`` in place of a SWE-agent thought; (page holding it, result)."""
    traj = example / "traces" / "swe-agent-gpt-4o-2026-02" / "acme__widgets-12.traj"
    traj.write_text(traj.read_text().replace("Let me find the conversion function.", text))
    result = build_site(example, tmp_path / "site")
    return trace_html(tmp_path / "site", result, "swe-agent-gpt-4o-2026-02", "acme__widgets-12"), result


def test_trace_content_is_escaped(example, tmp_path):
    page, result = _page_with_thought(example, tmp_path, "<script>alert(1)</script><img src=x onerror=alert(2)>")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert any(f.rule == "integrity" for f in result.errors)  # the edit broke its sha256


def test_long_trace_is_split_into_pages_with_resolving_anchors(example, tmp_path):
    cfg = example / "tracesite.yaml"
    cfg.write_text(cfg.read_text().replace("steps_per_page: 500", "steps_per_page: 10"))
    site = tmp_path / "site"
    result = build_site(example, site)
    multi = [t for r in result.runs for t in r.traces if t.page_count > 1]
    assert multi
    t = multi[0]
    assert t.deciding_step > 10 and ".p" in t.url  # the deciding step lives on a later page
    problems, _ = broken_links(site)
    assert problems == []


def test_invisible_characters_are_shown_as_markers(example, tmp_path):
    """Bidi overrides and zero-width characters in trace text (Trojan Source) appear as visible
    markers in the page, never as themselves, and the text around them stays escaped."""
    page, _ = _page_with_thought(example, tmp_path, "admin\u202e\u2066<b>txt.exe\u200b</b> done")
    assert "admin⟦U+202E⟧⟦U+2066⟧&lt;b&gt;txt.exe⟦U+200B⟧&lt;/b&gt; done" in page
    assert not any(c in page for c in "\u202e\u2066\u200b")


def test_marking_markup_from_the_escaping_filters_keeps_it_escaped(example):
    """The finalize hook re-wraps as markup only what an escaping filter already escaped (here
    ANSI-coloured terminal text): markers are added, nothing is unescaped."""
    from generator.render import Renderer

    env = Renderer(discover(example).config, example).env
    out = env.from_string("{{ x|ansi }}|{{ y }}").render(x="\x1b[31m<i>\u202e</i>\x1b[0m", y="<i>\u200b</i>")
    assert out == ('<span class="a-fg1">&lt;i&gt;⟦U+202E⟧&lt;/i&gt;</span>|&lt;i&gt;⟦U+200B⟧&lt;/i&gt;')
