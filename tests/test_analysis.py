"""Failure classes, patterns, comparisons and open data on the built example site."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import referencing
import yaml

from generator.build import build_site
from generator.compare import align_steps
from generator.failures import classify
from generator.model import Step, StepKind, ToolCall, Trace
from generator.opendata import csv_cell
from sitecheck import broken_links, parse
from projects import copy_example

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "generator" / "schemas"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("ex") / "p")
    site = root / "site"
    result = build_site(root, site)
    assert result.errors == []
    return root, site, result


# ---------------------------------------------------------------- classification rules

def _trace(status="completed", score=0.0, reason=None, error=None, steps=()):
    return Trace(id="t", task_id="x", status=status, score=score, termination_reason=reason, error=error,
                 steps=list(steps))


@pytest.mark.parametrize("trace, cls", [
    (_trace(score=0.0, reason="user_stop"), "model"),
    (_trace(status="limit", score=0.0, reason="max_steps"), "model"),
    (_trace(status="error", score=None, reason="infrastructure_error", error="RateLimitError: 429"), "infrastructure"),
    (_trace(status="error", score=None, error="OSError: [Errno 28] No space left on device"), "infrastructure"),
    (_trace(status="error", score=None, error="browser crashed: Target page, context or browser has been closed"),
     "infrastructure"),
    (_trace(status="error", score=None, reason="agent_error",
            error="Traceback (most recent call last):\n  File \"a.py\"\nKeyError: 'function'"), "code"),
    (_trace(status="error", score=None, error="submission client: validator rejected the payload"), "code"),
    (_trace(status="error", score=None, steps=[Step(kind=StepKind.error, content="ConnectionError: refused")]),
     "infrastructure"),
])
def test_classification_rules(trace, cls):
    assert classify(trace).cls == cls


def test_success_and_unscored_are_not_failures():
    assert classify(_trace(score=1.0)) is None
    assert classify(_trace(score=None)) is None


def test_example_has_every_class_with_the_steps_that_show_it(built):
    _, _, result = built
    by_cls = {}
    for rs in result.runs:
        for t in rs.traces:
            if t.failure:
                by_cls.setdefault(t.failure.cls, []).append(t)
    assert set(by_cls) == {"model", "code", "infrastructure"}
    infra = by_cls["infrastructure"]
    assert any(t.failure.steps for t in infra)


def test_failure_override_is_applied_and_shown(built, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(built[0], root, ignore=shutil.ignore_patterns("site"))
    meta = root / "traces" / "swe-agent-gpt-4o-2026-02" / "run.yaml"
    data = yaml.safe_load(meta.read_text())
    data["failure_overrides"] = {"acme__parser-7": {"class": "code", "reason": "our installer script filled /tmp"}}
    meta.write_text(yaml.safe_dump(data, sort_keys=False))
    result = build_site(root, tmp_path / "site")
    rs = next(r for r in result.runs if r.run.id == "swe-agent-gpt-4o-2026-02")
    t = next(t for t in rs.traces if t.task_id == "acme__parser-7")
    assert t.failure.cls == "code" and "override" in t.failure.rule and "infrastructure" in t.failure.rule
    page = (tmp_path / "site" / rs.url).read_text()
    assert "our installer script filled /tmp" in page


# ---------------------------------------------------------------- pages

def test_failure_counts_link_to_trace_lists(built):
    _, site, result = built
    failures = parse(site / "benchmarks" / "retail-desk" / "failures.html")
    count_links = [h for h, _ in failures.links if "#failures-" in h]
    assert count_links
    problems, _ = broken_links(site)
    assert problems == []


def test_failure_patterns_group_across_runs(built):
    _, site, _ = built
    html = (site / "benchmarks" / "arith-word-problems" / "failures.html").read_text()
    # Both arith runs fail task 3 with a rejected answer: one pattern, two runs.
    assert "2 attempts in 2 runs" in html


def test_task_matrix_links_every_attempt(built):
    _, site, result = built
    page = parse(site / "benchmarks" / "retail-desk" / "matrix.html")
    cells = [h for h, c in page.links if "cell" in c.split()]
    expected = sum(len(r.traces) for r in result.runs if r.run.benchmark == "retail-desk")
    assert len(cells) == expected


def test_comparison_lists_disagreements_with_both_traces(built):
    _, site, result = built
    a = next(r for r in result.runs if r.run.id == "harbor-claude-sonnet-4-5-2026-04")
    b = next(r for r in result.runs if r.run.id == "northwind-gpt-4o-2026-03")
    expected = sorted(t for t in set(a.task_values) & set(b.task_values) if a.task_values[t] != b.task_values[t])
    data = json.loads((site / "benchmarks" / "retail-desk" / "compare"
                       / "harbor-claude-sonnet-4-5-2026-04--northwind-gpt-4o-2026-03.json").read_text())
    assert sorted(d["task_id"] for d in data["disagreements"]) == expected
    assert all(d["a_traces"] and d["b_traces"] for d in data["disagreements"])


def test_side_by_side_marks_the_first_divergence(built):
    _, site, _ = built
    views = list((site / "benchmarks" / "retail-desk" / "compare").rglob("*/*.html"))
    assert views
    html = views[0].read_text()
    assert 'id="diverge"' in html


def test_alignment_of_two_attempts():
    def s(kind, content="", fn=None):
        return Step(kind=kind, content=content, tool_call=ToolCall(function=fn) if fn else None)
    a = [s(StepKind.message, "hi"), s(StepKind.tool_call, fn="lookup"), s(StepKind.tool_result, "1"),
         s(StepKind.message, "done")]
    b = [s(StepKind.message, "hi"), s(StepKind.tool_call, fn="lookup"), s(StepKind.tool_result, "2"),
         s(StepKind.tool_call, fn="refund"), s(StepKind.message, "done")]
    rows, first = align_steps(a, b)
    assert first == 2  # same kinds, different tool output
    assert [r.a is None for r in rows] == [False, False, False, True, False]
    assert align_steps(a, a)[1] is None


# ---------------------------------------------------------------- open data

def _registry() -> referencing.Registry:
    resources = []
    for p in SCHEMAS.glob("*.json"):
        doc = json.loads(p.read_text())
        res = referencing.Resource.from_contents(doc)
        resources.append((doc["$id"], res))
    return referencing.Registry().with_resources(resources)


def _validate(data, schema_file):
    schema = json.loads((SCHEMAS / schema_file).read_text())
    jsonschema.Draft202012Validator(schema, registry=_registry()).validate(data)


def test_leaderboard_json_and_csv_follow_the_schema(built):
    _, site, result = built
    for bench in ("retail-desk", "patchwork-lite", "arith-word-problems"):
        data = json.loads((site / "benchmarks" / bench / "leaderboard.json").read_text())
        _validate(data, "leaderboard.v1.schema.json")
        for row in data["runs"]:
            rs = next(r for r in result.runs if r.run.id == row["run_id"])
            assert row["score"] == pytest.approx(rs.score) and row["ci95"][0] <= row["score"] <= row["ci95"][1]
            assert set(row["failures"]) == {"model", "code", "infrastructure"}
        rows = list(csv.DictReader(io.StringIO((site / "benchmarks" / bench / "leaderboard.csv").read_text())))
        assert [r["run_id"] for r in rows] == [r["run_id"] for r in data["runs"]]
        assert all(float(r["ci95_low"]) <= float(r["score"]) <= float(r["ci95_high"]) for r in rows)


def test_run_and_compare_json_follow_the_schema(built):
    _, site, _ = built
    for p in (site / "runs").glob("*/run.json"):
        _validate(json.loads(p.read_text()), "run.v1.schema.json")
    for p in (site / "benchmarks").rglob("compare/*.json"):
        _validate(json.loads(p.read_text()), "compare.v1.schema.json")


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("plain", "plain"), (-0.5, "-0.5"), (3, "3"), (None, ""), (True, "true"),
])
def test_csv_cells_are_neutralised(value, expected):
    assert csv_cell(value) == expected


def test_hostile_agent_name_in_csv_is_neutralised(built, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(built[0], root, ignore=shutil.ignore_patterns("site"))
    reg = root / "registry" / "agents.yaml"
    data = yaml.safe_load(reg.read_text())
    data["swe-agent"]["name"] = "=cmd|' /C calc'!A0"
    reg.write_text(yaml.safe_dump(data, sort_keys=False))
    build_site(root, tmp_path / "site")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "site" / "benchmarks" / "patchwork-lite" / "leaderboard.csv").read_text())))
    assert rows[0]["agent_name"] == "'=cmd|' /C calc'!A0"
