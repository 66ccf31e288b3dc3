"""Rebuilds: nothing changed writes nothing; one changed run is rebuilt alone;
parallel workers give the same bytes as one process."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from generator.build import build_site
from projects import copy_example

ROOT = Path(__file__).resolve().parents[1]
RUN = "northwind-gpt-4o-2026-03"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    return copy_example(tmp_path / "p")


def _state(site: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in site.rglob("*") if p.is_file()}


def _hashes(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_nothing_changed_writes_nothing(project):
    site = project / "site"
    first = build_site(project, site, use_cache=True)
    assert first.changed and first.written == first.pages
    before = _state(site)
    second = build_site(project, site, use_cache=True)
    assert not second.changed and second.written == 0
    assert second.stats["runs_from_cache"] == second.run_count == first.run_count
    assert second.runs == []  # no summary was even loaded: every board was unchanged
    assert (second.trace_count, second.findings) == (first.trace_count, first.findings)
    assert _state(site) == before  # same files, same inodes, same mtimes


def test_one_changed_run_is_rebuilt_alone(project):
    site = project / "site"
    build_site(project, site, use_cache=True)
    before = _state(site)
    _edit_trace(project)
    result = build_site(project, site, use_cache=True)
    assert result.errors == []
    assert result.stats["runs_from_cache"] == result.run_count - 1
    # Only the changed run's board was drawn again: the summaries loaded are its runs'.
    assert {rs.run.benchmark for rs in result.runs} == {"retail-desk"}
    after = _state(site)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed  # the edited trace page at least
    assert all(p.startswith(f"runs/{RUN}/") or p.startswith("benchmarks/retail-desk/") or p == "manifest.json"
               for p in changed), sorted(changed)
    other = [p for p in after if p.startswith("runs/swe-agent-gpt-4o-2026-02/")]
    assert other and all(before[p] == after[p] for p in other)
    # And the result equals a clean build.
    clean = build_site(project, project / "clean", use_cache=False)
    assert clean.errors == []
    assert _hashes(site) == _hashes(project / "clean")


def test_unreadable_cached_summary_is_rebuilt(project, tmp_path):
    """A board drawn again needs the summaries of its unchanged runs; one whose cache file is
    gone or damaged is processed again, and the site still equals a clean build."""
    site = project / "site"
    build_site(project, site, use_cache=True)
    other = next((tmp_path / "cache").rglob("harbor-claude-sonnet-4-5-2026-04.pickle"))
    other.write_bytes(b"not a pickle")
    _edit_trace(project)
    result = build_site(project, site, use_cache=True)
    assert result.errors == []
    assert {rs.run.id for rs in result.runs} == {RUN, "harbor-claude-sonnet-4-5-2026-04"}
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(site) == _hashes(project / "clean")


def _edit_trace(project: Path) -> None:
    """A real edit of the run RUN: its trace file changes and its sha256 is updated in run.yaml."""
    folder = project / "traces" / RUN
    data = folder / "retail_results.json"
    doc = json.loads(data.read_text())
    doc["simulations"][0]["messages"][1]["content"] += " (edited)"
    data.write_text(json.dumps(doc))
    meta = yaml.safe_load((folder / "run.yaml").read_text())
    meta["files"][0]["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    (folder / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))


def test_parallel_workers_give_identical_output(project):
    build_site(project, project / "one", jobs=1)
    build_site(project, project / "two", jobs=2)
    assert _hashes(project / "one") == _hashes(project / "two")


def test_unchanged_metadata_is_not_parsed_again(project, monkeypatch):
    """A cached build parses only the run.yaml files whose bytes changed; the others come from
    the cache, and an edit is seen."""
    import generator.cache as cache_module

    build_site(project, project / "site", use_cache=True)
    parsed = []
    real = cache_module.parse_yaml
    monkeypatch.setattr(cache_module, "parse_yaml", lambda text, label: parsed.append(label) or real(text, label))
    build_site(project, project / "site", use_cache=True)
    assert parsed == []
    meta = project / "traces" / RUN / "run.yaml"
    meta.write_text(meta.read_text().replace("model: gpt-4o-2024-08-06", "model: gpt-4o-edited", 1))
    result = build_site(project, project / "site", use_cache=True)
    assert parsed == [f"traces/{RUN}/run.yaml"]
    assert next(r for r in result.runs if r.run.id == RUN).run.model == "gpt-4o-edited"


def test_unchanged_metadata_is_not_even_read_but_a_same_size_edit_is_seen(project, monkeypatch):
    """A rebuild trusts a run.yaml's size, mtime, ctime and inode (as it does for trace files)
    and does not read the file; an edit that keeps the size and restores the mtime still
    changes the ctime, and is parsed and built."""
    from pathlib import Path as PathType

    build_site(project, project / "site", use_cache=True)
    reads = []
    real = PathType.read_bytes
    monkeypatch.setattr(PathType, "read_bytes",
                        lambda self: reads.append(self.name) or real(self))
    build_site(project, project / "site", use_cache=True)
    assert [n for n in reads if n in ("run.yaml", "run.yml", "run.json")] == []
    meta = project / "traces" / RUN / "run.yaml"
    st = meta.stat()
    text = meta.read_text()
    meta.write_text(text.replace("model: gpt-4o-2024-08-06", "model: gpt-4o-2024-08-07", 1))
    os.utime(meta, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert meta.stat().st_size == st.st_size and meta.stat().st_mtime_ns == st.st_mtime_ns
    result = build_site(project, project / "site", use_cache=True)
    assert next(r for r in result.runs if r.run.id == RUN).run.model == "gpt-4o-2024-08-07"
    assert result.stats["runs_from_cache"] == result.run_count - 1


@pytest.mark.parametrize("in_place_max", [200, 0])
def test_removed_run_leaves_no_file_behind(project, monkeypatch, in_place_max):
    """Whether a rebuild updates site/ in place (few changes) or swaps in a new folder (many),
    a removed run's pages and folder are gone and the site equals a clean build."""
    import shutil

    import generator.write

    monkeypatch.setattr(generator.write, "IN_PLACE_MAX", in_place_max)
    site = project / "site"
    build_site(project, site, use_cache=True)
    assert (site / "runs" / RUN / "index.html").is_file()
    shutil.rmtree(project / "traces" / RUN)
    result = build_site(project, site, use_cache=True)
    assert result.changed and not (site / "runs" / RUN).exists()
    assert not list(site.parent.glob(".site*"))  # no staging or old folder left beside it
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(site) == _hashes(project / "clean")


def test_lean_build_keeps_no_summaries_and_writes_the_same_site(project):
    """`tracesite build` keeps no run summary in memory (boards read them back from the cache):
    the site is byte-identical to an in-memory build, and the counts still cover every run."""
    lean = build_site(project, project / "lean", use_cache=True, keep_summaries=False)
    full = build_site(project, project / "full", use_cache=False)
    assert lean.runs == [] and lean.run_count == len(full.runs) == 5
    assert lean.trace_count == sum(len(r.traces) for r in full.runs)
    assert sorted(lean.findings) == sorted(full.findings)
    assert _hashes(project / "lean") == _hashes(project / "full")


def test_a_run_called_index_does_not_clash_with_the_cache_index(project):
    old = project / "traces" / "harbor-claude-sonnet-4-5-2026-04"
    meta = old / "run.yaml"
    meta.write_text(meta.read_text().replace("id: harbor-claude-sonnet-4-5-2026-04", "id: index", 1))
    old.rename(project / "traces" / "index")
    first = build_site(project, project / "site", use_cache=True)
    second = build_site(project, project / "site", use_cache=True)
    assert first.errors == [] and second.errors == []
    assert second.stats["runs_from_cache"] == second.run_count == 5 and not second.changed


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(project):
    import subprocess
    import sys

    site = project / "site"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = project / f".site.build-{gone.stdout.strip()}-abc123"
    (dead / "runs").mkdir(parents=True)
    alive = project / f".site.build-{os.getppid()}-def456"  # a live process: maybe a build still running
    alive.mkdir()
    build_site(project, site)
    assert not dead.exists() and alive.exists()


def _board_of_many_runs(project: Path, copies: int = 4) -> list[str]:
    """Copies of the run RUN (new ids) on its board, and one run per leaderboard page."""
    cfg = yaml.safe_load((project / "tracesite.yaml").read_text())
    cfg.setdefault("limits", {})["runs_per_page"] = 1
    (project / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    ids = []
    for i in range(1, copies + 1):
        rid = f"{RUN}-copy-{i}"
        shutil.copytree(project / "traces" / RUN, project / "traces" / rid)
        meta = yaml.safe_load((project / "traces" / rid / "run.yaml").read_text())
        meta["id"] = rid
        (project / "traces" / rid / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
        ids.append(rid)
    return ids


def test_board_pages_whose_rows_did_not_change_are_kept(project, monkeypatch):
    """A board drawn again renders only the pages whose rows (rank, rank group, run inputs) or
    place changed, and the first; the site still equals a clean build, also when ranks move."""
    from generator.render import Renderer

    _board_of_many_runs(project)
    site = project / "site"
    build_site(project, site, use_cache=True)
    rendered = []
    real = Renderer.render

    def counting_render(self, template, path, **kw):
        if template == "leaderboard.html":
            rendered.append(path)
        return real(self, template, path, **kw)

    monkeypatch.setattr(Renderer, "render", counting_render)
    _edit_trace(project)  # RUN's text changes, not its score: no row moves
    build_site(project, site, use_cache=True)
    board = [p for p in rendered if p.startswith("benchmarks/retail-desk/")]
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "benchmarks" / "retail-desk").rglob("*.html")
                   if p.parent.name == "page" or p.name == "index.html" and p.parent.name == "retail-desk")
    assert len(pages) == 6  # five copies of the run and the other run of the board, one a page
    assert len(board) == 2, board  # the first page, and the page of the edited run
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(site) == _hashes(project / "clean")
    # Now RUN's declared score no longer matches its traces: an error, so it leaves the ranking
    # and every run after it moves up one page.
    meta_file = project / "traces" / RUN / "run.yaml"
    meta_file.write_text(meta_file.read_text().replace("overall: 0.75", "overall: 0.95"))
    rendered.clear()
    result = build_site(project, site, use_cache=True)
    assert any(f.rule == "reconciliation" and f.run == RUN for f in result.errors)
    assert len([p for p in rendered if p.startswith("benchmarks/retail-desk/")]) > 2
    shutil.rmtree(project / "clean")
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(site) == _hashes(project / "clean")
