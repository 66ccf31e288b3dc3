"""Regressions found by trying to break rebuilds, pages and config (each test names the problem)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
import yaml

from generator.build import build_site
from generator.discover import load_run
from generator.ingest import refresh_manifest
from projects import copy_example

SWE = "swe-agent-gpt-4o-2026-02"
SIGNED = "inspect-react-haiku-2026-05"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    return copy_example(tmp_path / "p")


def _hashes(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def _run(result, run_id):
    return next(r for r in result.runs if r.run.id == run_id)


def test_revoking_a_signer_is_seen_by_a_cached_build(project):
    build_site(project, project / "site", use_cache=True)
    signers = project / "registry" / "allowed_signers"
    signers.write_text("".join(line for line in signers.read_text().splitlines(True) if "evals@" not in line))
    result = build_site(project, project / "site", use_cache=True)
    assert any(f.rule == "signature" and f.run == SIGNED and f.severity == "error" for f in result.errors)
    assert not _run(result, SIGNED).verified


def test_a_bad_config_builds_nothing(project):
    build_site(project, project / "site")
    before = _hashes(project / "site")
    cfg = project / "tracesite.yaml"
    cfg.write_text(cfg.read_text() + "require_signatures: true\n" + "title: [unclosed\n")
    result = build_site(project, project / "site")
    assert not result.built and any(f.file == "tracesite.yaml" for f in result.errors)
    assert _hashes(project / "site") == before


def test_a_build_that_fails_part_way_is_repaired_by_the_next_build(project, monkeypatch):
    """The third os.replace of the build fails (here in a write of the build cache, before the site
    is committed); the next build gives the same site as a clean one. The interrupted update of
    site/ in place is tests/test_output_safety.py's."""
    import generator.write

    site = project / "site"
    build_site(project, site, use_cache=True)
    cfg = project / "tracesite.yaml"
    original = cfg.read_text()
    cfg.write_text(original.replace("title: Example agent leaderboard", "title: Mixed title"))
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise PermissionError(13, "Permission denied", str(dst))
        return os.replace(src, dst)

    monkeypatch.setattr(generator.write.os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        build_site(project, site, use_cache=True)
    monkeypatch.undo()
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(project.parent / "cache"))
    cfg.write_text(original)
    build_site(project, site, use_cache=True)
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(site) == _hashes(project / "clean")


def test_a_same_size_edit_with_the_old_mtime_is_seen(project):
    build_site(project, project / "site", use_cache=True)
    traj = project / "traces" / SWE / "acme__widgets-12.traj"
    st = traj.stat()
    text = traj.read_text()
    assert "find the conversion" in text
    traj.write_text(text.replace("find the conversion", "find the CONVERSION"))
    os.utime(traj, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert traj.stat().st_size == st.st_size and traj.stat().st_mtime_ns == st.st_mtime_ns
    result = build_site(project, project / "site", use_cache=True)
    assert any(f.rule == "integrity" and f.run == SWE for f in result.errors)


def test_a_run_whose_folder_differs_from_its_id_is_not_verified(project):
    (project / "traces" / SIGNED).rename(project / "traces" / "haiku-folder")
    result = build_site(project, project / "site")
    rs = _run(result, SIGNED)
    assert any(f.rule == "run-metadata" for f in rs.findings) and not rs.verified and rs.errors


def _swe_run_with_tasks(project: Path, tasks: list[str]) -> None:
    """The example SWE-agent run with one trajectory per task (copies of a real one), re-manifested."""
    folder = project / "traces" / SWE
    src = (folder / "acme__widgets-12.traj").read_text()
    for p in folder.glob("*.traj"):
        p.unlink()
    for task in tasks:
        (folder / f"{task}.traj").write_text(src)
    meta = yaml.safe_load((folder / "run.yaml").read_text())
    meta["declared"] = {}
    meta["files"] = [f for f in meta["files"] if not f["path"].endswith(".traj")]
    (folder / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    entry, errs = load_run(folder, project)
    assert entry is not None and entry.run is not None, errs
    refresh_manifest(project, entry)


def test_step_ids_of_traces_on_one_run_page_never_collide(project):
    cfg = yaml.safe_load((project / "tracesite.yaml").read_text())
    cfg["limits"]["run_page_steps"] = 100
    (project / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    _swe_run_with_tasks(project, ["x", "x-step-1", "x-h"])
    result = build_site(project, project / "site")
    rs = _run(result, SWE)
    assert {t.task_id for t in rs.traces} == {"x", "x-step-1", "x-h"} and all(t.inline for t in rs.traces)
    html = (project / "site" / rs.url).read_text()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_trace_named_like_another_traces_page_is_reported_not_a_crash(project):
    cfg = yaml.safe_load((project / "tracesite.yaml").read_text())
    cfg["limits"].update(run_page_steps=0, steps_per_page=10)
    (project / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    _swe_run_with_tasks(project, ["x", "x.p2"])
    result = build_site(project, project / "site")
    assert any(f.rule == "plan" and f.run == SWE for f in result.errors)
    assert (project / "site" / "index.html").is_file()


def test_cache_files_of_another_shape_are_ignored(project, tmp_path):
    """Valid pickles that are not what this version wrote (a list, a dict of the wrong things)
    are ignored, not a crash."""
    import pickle

    build_site(project, project / "site", use_cache=True)
    for name, value in (("meta.pickle", [1, 2]), ("index.pickle", ("key", [1], {"b": 2}))):
        for f in (tmp_path / "cache").rglob(name):
            f.write_bytes(pickle.dumps(value))
    meta = next((tmp_path / "cache").rglob("meta.pickle"))
    result = build_site(project, project / "site", use_cache=True)
    assert result.errors == []
    build_site(project, project / "clean", use_cache=False)
    assert _hashes(project / "site") == _hashes(project / "clean")
    meta.write_bytes(pickle.dumps({"x": "not a pair"}))
    assert build_site(project, project / "site", use_cache=True).errors == []
