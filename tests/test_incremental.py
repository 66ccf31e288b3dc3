"""Rebuilds: nothing changed writes nothing; one changed run is rebuilt alone;
parallel workers give the same bytes as one process."""

from __future__ import annotations

import hashlib
import json
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
    assert second.stats["runs_from_cache"] == len(second.runs)
    assert _state(site) == before  # same files, same inodes, same mtimes


def test_one_changed_run_is_rebuilt_alone(project):
    site = project / "site"
    build_site(project, site, use_cache=True)
    before = _state(site)
    # A real edit: the trace file changes and its sha256 is updated in run.yaml.
    folder = project / "traces" / RUN
    data = folder / "retail_results.json"
    doc = json.loads(data.read_text())
    doc["simulations"][0]["messages"][1]["content"] += " (edited)"
    data.write_text(json.dumps(doc))
    meta = yaml.safe_load((folder / "run.yaml").read_text())
    meta["files"][0]["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    (folder / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    result = build_site(project, site, use_cache=True)
    assert result.errors == []
    assert result.stats["runs_from_cache"] == len(result.runs) - 1
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


def test_parallel_workers_give_identical_output(project):
    build_site(project, project / "one", jobs=1)
    build_site(project, project / "two", jobs=2)
    assert _hashes(project / "one") == _hashes(project / "two")
