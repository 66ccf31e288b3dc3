"""Trace ids of one run that differ only in case ("Task-1", "task-1").

Output paths are compared case-insensitively (macOS and Windows hosts cannot hold both "Task-1.html" and
"task-1.html"), so before the fix the second trace was refused with a plan error and lost. Now the later one
gets a stable suffix from its exact id: both are published, each with its own page or run-page anchor, and
score cells link to the right one.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from generator.build import build_site
from generator.discover import load_run
from generator.ingest import refresh_manifest
from generator.plan import MAX_SLUG, PathPlan, slugify
from projects import copy_example

SWE = "swe-agent-gpt-4o-2026-02"
SHORT = ["Task-1", "task-1", "TASK-1"]  # 15 steps each: shown on the run page
LONG = ["Long-A", "long-a"]  # 39 steps each: pages of their own, three each (15 steps a page)
RESOLVED = {"Task-1", "long-a"}


def _suffixed(task: str) -> str:
    return f"{task}-{hashlib.sha256(task.encode()).hexdigest()[:8]}"


def _project(root: Path) -> Path:
    project = copy_example(root)
    cfg = yaml.safe_load((project / "tracesite.yaml").read_text())
    cfg["limits"].update(steps_per_page=15, run_page_steps=100)
    (project / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    folder = project / "traces" / SWE
    short = (folder / "acme__widgets-12.traj").read_text()  # ends in its patch: the deciding step
    traj = json.loads(short)
    traj["trajectory"] *= 3
    traj["history"] += traj["history"][2:] * 2
    long = json.dumps(traj)
    for p in folder.glob("*.traj"):
        p.unlink()
    for task in SHORT:
        (folder / f"{task}.traj").write_text(short)
    for task in LONG:
        (folder / f"{task}.traj").write_text(long)
    tasks = SHORT + LONG
    (folder / "results.json").write_text(json.dumps({"resolved": sorted(RESOLVED),
                                                     "unresolved": sorted(set(tasks) - RESOLVED)}))
    (folder / "all_preds.jsonl").unlink()
    meta = yaml.safe_load((folder / "run.yaml").read_text())
    meta["declared"] = {}
    meta["files"] = []
    (folder / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    bench = yaml.safe_load((project / "registry" / "benchmarks.yaml").read_text())
    for entry in bench.values() if isinstance(bench, dict) else bench:
        if entry.get("tasks") and "acme__parser-7" in entry["tasks"]:
            entry["tasks"] = tasks
    (project / "registry" / "benchmarks.yaml").write_text(yaml.safe_dump(bench, sort_keys=False))
    entry, errs = load_run(folder, project)
    assert entry is not None and entry.run is not None, errs
    refresh_manifest(project, entry)
    return project


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path / "p")
    result = build_site(project, project / "site")
    rs = next(r for r in result.runs if r.run.id == SWE)
    return project, result, rs


def _section(page: str, anchor: str) -> str:
    """The run page's <section> of the inline trace whose step ids start with ``anchor``."""
    m = re.search(rf'<section class="trace" id="{re.escape(anchor[:-1])}".*?</section>', page, re.S)
    assert m, anchor
    return m.group(0)


def test_every_case_variant_is_published(built):
    project, result, rs = built
    assert not [f for f in rs.findings if f.rule == "plan"]
    assert sorted(t.task_id for t in rs.traces) == sorted(SHORT + LONG)
    by_task = {t.task_id: t for t in rs.traces}
    # run.yaml lists the files in path order (TASK-1, Task-1, task-1): the first of each group keeps its plain name
    assert [by_task[t].slug for t in SHORT] == [_suffixed("Task-1"), _suffixed("task-1"), "TASK-1"]
    assert [by_task[t].slug for t in LONG] == ["Long-A", _suffixed("long-a")]
    assert all(by_task[t].inline for t in SHORT) and not any(by_task[t].inline for t in LONG)
    slugs = [t.slug.lower() for t in rs.traces]
    assert len(slugs) == len(set(slugs))
    # every file of the site has a name of its own on a case-insensitive host
    files = [p.relative_to(project / "site").as_posix().lower() for p in (project / "site").rglob("*") if p.is_file()]
    assert len(files) == len(set(files))


def test_each_page_and_anchor_shows_its_own_trace(built):
    project, result, rs = built
    site = project / "site"
    for t in rs.traces:
        if t.inline:
            assert t.page_urls == [rs.url] and t.anchor == f"t~{t.slug}~"
            section = _section((site / rs.url).read_text(), t.anchor)
            assert f"Task <code>{html.escape(t.task_id)}</code>" in section
            assert f'id="{t.anchor}step-1"' in section
            assert ("only in case" in section) == (t.slug != t.task_id)  # a note says why the name has a suffix
        else:
            assert t.page_urls == [f"runs/{SWE}/traces/{t.slug}{p}.html" for p in ("", ".p2", ".p3")]
            for url in t.page_urls:
                assert f"<code>{html.escape(t.task_id)}</code>" in (site / url).read_text()
            assert ("only in case" in (site / t.page_urls[0]).read_text()) == (t.slug != t.task_id)
    ids = re.findall(r'\bid="([^"]+)"', (site / rs.url).read_text())
    assert len(ids) == len(set(ids))  # (HTML ids are case-sensitive; the trace anchors differ even without case)
    trace_ids = [i.lower() for i in ids if i.startswith("t~")]
    assert len(trace_ids) == len(set(trace_ids)) and len(trace_ids) > 5 * len(SHORT)


def test_score_cells_link_to_their_own_trace(built):
    project, result, rs = built
    site = project / "site"
    page = (site / rs.url).read_text()
    for t in rs.traces:
        assert t.score == (1.0 if t.task_id in RESOLVED else 0.0)  # each trace kept its own verdict
        row = re.search(rf'<tr id="task-{re.escape(t.task_id)}">.*?</tr>', page, re.S).group(0)
        [(href, text)] = re.findall(r'<a class="cell [^"]*" href="([^"]+)"[^>]*>([^<]*)</a>', row)
        assert html.unescape(href) == "../../" + t.url and text == f"1: {t.score:.0%}"
        target, _, frag = t.url.partition("#")
        assert (site / target).is_file()
        if t.deciding_step:  # the deciding step (the last one here) is where the cell points
            assert t.deciding_step == t.steps and frag == f"{t.anchor}step-{t.steps}"
            if t.inline:
                assert f'id="{frag}"' in _section(page, t.anchor)
            else:
                shown = (site / target).read_text()
                assert target.endswith(".p3.html") and f'id="{frag}"' in shown
                assert f"<code>{html.escape(t.task_id)}</code>" in shown
        else:
            assert frag == (t.anchor[:-1] if t.inline else "")
    assert all(t.deciding_step for t in rs.traces)


def test_names_are_the_same_on_every_build(tmp_path, monkeypatch, built):
    project, _, rs = built
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache2"))
    again = _project(tmp_path / "q")
    rs2 = next(r for r in build_site(again, again / "site", jobs=2).runs if r.run.id == SWE)
    assert [(t.id, t.slug, t.url) for t in rs2.traces] == [(t.id, t.slug, t.url) for t in rs.traces]
    for p in (project / "site" / "runs" / SWE).rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (again / "site" / p.relative_to(project / "site")).read_bytes(), p


def test_plan_gives_case_variants_stable_distinct_slugs():
    plan = PathPlan()
    assert plan.claim_slug("Task-1", "a") == ("Task-1", None)
    assert plan.claim_slug("task-1", "b") == (_suffixed("task-1"), None)
    assert plan.claim_slug("TASK-1", "c") == (_suffixed("TASK-1"), None)
    # the suffix comes from the exact id alone, whatever else the run holds
    other = PathPlan()
    assert other.claim_slug("x", "z") == ("x", None)
    assert other.claim_slug("X", "y") == (_suffixed("X"), None)
    assert other.claim_slug("task-1", "b") == ("task-1", None)
    # the same owner claiming again gets the same name; an id that takes a suffixed name is refused
    assert plan.claim_slug("task-1", "b") == (_suffixed("task-1"), None)
    # refused (the earlier owner named) only when the suffixed name is taken too, by an id spelt like it
    third = PathPlan()
    assert third.claim_slug("b", "o0") == ("b", None)
    assert third.claim_slug(_suffixed("B").lower(), "o1") == (_suffixed("B").lower(), None)
    assert third.claim_slug("B", "o2") == (_suffixed("B"), "o1")
    # long ids stay within the slug length
    long_id = "A" * MAX_SLUG
    assert slugify(long_id) == long_id
    assert plan.claim_slug(long_id, "e") == (long_id, None)
    slug, prev = plan.claim_slug(long_id.lower(), "f")
    assert prev is None and len(slug) <= MAX_SLUG


def test_side_by_side_views_of_case_variants_are_distinct_files(tmp_path, monkeypatch):
    """Two runs that disagree on "Task-1", "task-1" and "TASK-1": each task gets its own
    side-by-side view, and no two files of the comparison differ only in case."""
    import shutil

    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path / "p")
    twin_id = "swe-agent-gpt-4o-2026-02-rerun"
    twin = project / "traces" / twin_id
    shutil.copytree(project / "traces" / SWE, twin)
    tasks = SHORT + LONG
    flipped = set(tasks) - RESOLVED  # the twin solves exactly what the original did not
    (twin / "results.json").write_text(json.dumps({"resolved": sorted(flipped),
                                                   "unresolved": sorted(RESOLVED)}))
    meta = yaml.safe_load((twin / "run.yaml").read_text())
    meta["id"] = twin_id
    (twin / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    entry, errs = load_run(twin, project)
    assert entry is not None and entry.run is not None, errs
    refresh_manifest(project, entry)
    cfg = yaml.safe_load((project / "tracesite.yaml").read_text())
    cfg["rank_runs_with_errors"] = True  # comparisons are drawn between ranked runs; these have check errors
    (project / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    result = build_site(project, project / "site")
    assert [f for f in result.findings if f.rule == "plan"] == []
    views = sorted((project / "site" / "benchmarks").rglob(f"compare/*{slugify(twin_id)}*/*.html"))
    titles = {}
    for view in views:
        m = re.search(r"<code>([^<]*)</code>", view.read_text())
        titles[view.name] = html.unescape(m.group(1)) if m else None
    lowered = [name.lower() for name in titles]
    assert len(lowered) == len(set(lowered)), sorted(titles)
    assert sorted(titles.values()) == sorted(tasks)  # every disagreement has its view, each its own task
    for name, task in titles.items():
        assert name in (f"{task}.html", f"{_suffixed(task)}.html"), (name, task)
