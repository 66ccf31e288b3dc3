"""WebArena-Verified importer: task folders, prefixed flat files, output folders, HAR redaction,
broken input, and the real demo task in ../shared/corpus/webarena-verified."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.errors import InputError
from generator.importers import all_importers
from generator.importers.webarena_verified import WebArenaVerified
from generator.model import StepKind
from importer_helpers import step_kinds as kinds

IMP = WebArenaVerified()
STATIC_MIME = re.compile(r"^(image/|font/|text/css|application/javascript|text/javascript)")


@pytest.fixture
def wa(fixtures: Path) -> Path:
    return fixtures / "webarena_verified"


def traces_of(path: Path, label: str | None = None):
    return list(IMP.traces(path, label or path.name))


def expected_api_entries(har: dict) -> list[dict]:
    """HAR entries the importer should show: not a GET of a static resource (independent rule)."""
    out = []
    for e in har["log"]["entries"]:
        mime = e["response"]["content"].get("mimeType", "")
        path = urlsplit(e["request"]["url"]).path
        static = e["request"]["method"] == "GET" and (
            STATIC_MIME.match(mime) or "/static/" in path
            or re.search(r"\.(js|css|png|jpe?g|gif|svg|ico|woff2?|ttf)$", path))
        if not static:
            out.append(e)
    return out


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_layouts(wa: Path):
    assert IMP.sniff(wa / "demo") is None  # output folder of task folders
    assert IMP.sniff(wa / "demo" / "12") is None  # task folder
    assert IMP.sniff(wa / "demo" / "12" / "agent_response.json") is None  # the anchor file
    assert IMP.sniff(wa / "flat") is None
    assert IMP.sniff(wa / "flat" / "7.agent_response.json") is None
    for p in (wa / "demo" / "12" / "eval_result.json", wa / "demo" / "12" / "network.har",
              wa / "flat" / "7.network.har"):
        assert "part of a WebArena-Verified task" in IMP.sniff(p)
    assert IMP.sniff(wa) is not None  # a parent of output folders: walked by the import command


def test_sniff_refusals(tmp_path: Path):
    (tmp_path / "network.har").write_text('{"log": {"entries": []}}')
    assert "no WebArena-Verified agent_response.json" in IMP.sniff(tmp_path / "network.har")
    (tmp_path / "eval_result.json").write_text('{"task_id": 3, "accuracy": 0.5}')  # another tool's file
    assert "does not look like" in IMP.sniff(tmp_path / "eval_result.json")
    assert IMP.sniff(tmp_path) is not None
    (tmp_path / "results.json").write_text("{}")
    assert IMP.sniff(tmp_path / "results.json") is not None
    (tmp_path / "x_agent_response.json.bak").write_text("{}")
    assert IMP.sniff(tmp_path / "x_agent_response.json.bak") is not None
    (tmp_path / "abcagent_response.json").write_text('{"status": "SUCCESS"}')  # prefix without separator
    assert IMP.sniff(tmp_path / "abcagent_response.json") is not None
    assert IMP.sniff(tmp_path) is not None
    # an output folder with other files in it is walked, not taken whole
    out = tmp_path / "out"
    (out / "3").mkdir(parents=True)
    (out / "3" / "agent_response.json").write_text('{"task_type": "NAVIGATE", "status": "SUCCESS"}')
    assert IMP.sniff(out) is None
    (out / "README.md").write_text("x")
    assert IMP.sniff(out) is not None


def test_no_other_importer_takes_the_fixtures(wa: Path):
    for imp in all_importers():
        if imp.name == "webarena-verified":
            continue
        for p in (wa / "demo", wa / "demo" / "12", wa / "demo" / "12" / "agent_response.json",
                  wa / "flat" / "7.agent_response.json"):
            assert imp.sniff(p) is not None, (imp.name, p)


# --------------------------------------------------------------------------
# traces
# --------------------------------------------------------------------------


def test_traces_only_from_the_anchor(wa: Path):
    task = wa / "demo" / "12"
    assert inspect.isgenerator(IMP.traces(task / "agent_response.json", "x"))
    assert traces_of(task / "eval_result.json") == []
    assert traces_of(task / "network.har") == []
    assert len(traces_of(task / "agent_response.json")) == 1


def test_task_folder_trace(wa: Path):
    task = wa / "demo" / "12"
    har = json.loads((task / "network.har").read_text())
    ev = json.loads((task / "eval_result.json").read_text())
    resp = json.loads((task / "agent_response.json").read_text())
    [t] = traces_of(task / "agent_response.json", "traces/demo/12/agent_response.json")
    shown = expected_api_entries(har)
    assert kinds(t) == ["api_call"] * len(shown) + ["submission", "score"]
    for step, entry in zip(t.steps, shown):
        assert step.title.startswith(entry["request"]["method"] + " ")
        assert step.duration_s == pytest.approx(entry["time"] / 1000)
        assert step.timestamp == dt.datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
        assert step.is_error == (entry["response"]["status"] >= 400)
        assert f"→ {entry['response']['status']}" in step.content
    n_static = len(har["log"]["entries"]) - len(shown)
    assert f"{n_static} GET requests for static resources" in " ".join(t.notes)
    assert t.id == t.task_id == str(ev["task_id"])
    assert t.score == ev["score"] and t.score_source == "eval_result.json"
    assert t.deciding_step == len(t.steps) and t.steps[-1].kind == StepKind.score
    for er in ev["evaluators_results"]:
        assert er["evaluator_name"] in t.scorer_explanation
        for a in er["assertions"]:
            assert a["assertion_name"] in t.scorer_explanation
    assert json.loads(t.submission) == resp and t.steps[-2].title == "RETRIEVE SUCCESS"
    assert t.status == "completed" and t.termination_reason == "success"
    for key in ("webarena_verified_version", "webarena_verified_evaluator_checksum", "webarena_verified_data_checksum",
                "intent_template_id", "sites", "task_revision"):
        assert t.metadata[key] == ev[key]
    assert t.metadata["har_creator"] == {"name": "Playwright", "version": "1.55.0"}
    starts = [dt.datetime.fromisoformat(e["startedDateTime"].replace("Z", "+00:00")) for e in har["log"]["entries"]]
    ends = [s.timestamp() + e["time"] / 1000 for s, e in zip(starts, har["log"]["entries"])]
    assert t.started_at == min(starts)
    assert t.duration_s == pytest.approx(max(ends) - min(starts).timestamp())
    # a JSON response body is shown, a body stored beside the HAR is named
    assert any('"totalRecords": 70' in s.content for s in t.steps)
    assert any("stored beside the HAR as 0f1e2d3c.html" in s.content for s in t.steps)


def test_har_secrets_are_dropped(wa: Path):
    task = wa / "demo" / "12"
    [t] = traces_of(task / "agent_response.json")
    text = t.model_dump_json()
    for secret in ("s3ss10n", "YWRtaW46YWRtaW4=", "admin1234", "abc123secret", "tok-999", "Xy12"):
        assert secret not in text, secret
    login = next(s for s in t.steps if "index/index" in s.title)
    assert "login[password]=[REDACTED:credential-field]" in login.content
    assert "login[username]=admin" in login.content  # not a credential
    notes = " ".join(t.notes)
    assert "1 entries whose cookies / Authorization headers were dropped" in notes
    assert "headers are never shown" in notes
    assert "cookie" not in " ".join(s.content.lower() for s in t.steps)


def test_older_field_names_and_missing_har(wa: Path):
    [t] = traces_of(wa / "demo" / "44" / "agent_response.json")
    assert kinds(t) == ["submission", "score"]
    assert t.steps[0].title == "MUTATE NOT_FOUND_ERROR"
    assert t.termination_reason == "not_found_error" and t.score == 0.0
    assert t.metadata["agent_error_details"].startswith("No order")
    assert any("no network.har" in n for n in t.notes)


def test_flat_prefixed_files_with_invalid_response_and_eval_error(wa: Path):
    flat = wa / "flat"
    [t] = traces_of(flat / "7.agent_response.json", "traces/flat/7.agent_response.json")
    assert t.task_id == "7"
    assert t.submission == (flat / "7.agent_response.json").read_text()
    assert any("not valid JSON" in n for n in t.notes)
    assert t.status == "error" and "Invalid agent response" in t.error
    failed = next(s for s in t.steps if s.kind == StepKind.api_call and s.is_error)
    assert "no response (status 0)" in failed.content


def test_eval_only_and_har_only(tmp_path: Path, wa: Path):
    task = tmp_path / "out" / "12"
    shutil.copytree(wa / "demo" / "12", task)
    (task / "agent_response.json").unlink()
    [t] = traces_of(task / "eval_result.json")  # now the anchor
    assert t.status == "completed" and t.submission is None and t.score == 1.0
    (task / "eval_result.json").unlink()
    assert IMP.sniff(task) is not None and traces_of(task / "network.har") == []


@pytest.mark.parametrize("name,text,place", [
    ("network.har", '{"log": {"entries": {}}}', "/log/entries"),
    ("network.har", '{"entries": []}', "/log"),
    ("network.har", '{"log": {"entries": [{"request": {"method": "GET"}}]}}', "/log/entries/0/request/url"),
    ("network.har", '{"log": {"entries": [{"startedDateTime": "yesterday", "request": {"method": "GET", '
                    '"url": "http://a/b"}, "response": {"status": 200}}]}}', "/log/entries/0/startedDateTime"),
    ("network.har", '{"log": {"entries": [{"request": {"method": "GET", "url": "http://a/b"}, '
                    '"response": {"status": "ok"}}]}}', "/log/entries/0/response/status"),
    ("network.har", '{"log": ', "line 1, column 9"),
    ("eval_result.json", '{"task_id": 12, "score": "high"}', "/score"),
    ("eval_result.json", '{"task_id": 12, "score": 1, "evaluators_results": {}}', "/evaluators_results"),
    ("eval_result.json", '{"task_id": true, "score": 1}', "/task_id"),
    ("eval_result.json", '[1]', ""),
])
def test_broken_files_raise_input_error(tmp_path: Path, wa: Path, name, text, place):
    task = tmp_path / "12"
    shutil.copytree(wa / "demo" / "12", task)
    (task / name).write_text(text)
    with pytest.raises(InputError) as err:
        traces_of(task / "agent_response.json", "traces/run/12/agent_response.json")
    assert err.value.place == place
    assert err.value.file == f"traces/run/12/{name}"


# --------------------------------------------------------------------------
# drafts
# --------------------------------------------------------------------------


def test_drafts(wa: Path):
    [d] = IMP.drafts(wa / "demo")
    assert d.run_id == "demo" and d.benchmark == "webarena-verified" and d.benchmark_version == "1.2.3"
    assert d.tasks == ["12", "44"] and d.agent is None and d.model is None
    assert sorted(d.names.values()) == ["12/agent_response.json", "12/eval_result.json", "12/network.har",
                                        "44/agent_response.json", "44/eval_result.json"]
    assert d.environment["webarena_verified_evaluator_checksum"] == "a" * 64
    assert set(d.formats.values()) == {"webarena-verified"}
    [one] = IMP.drafts(wa / "demo" / "12")
    assert one.run_id == "demo" and one.tasks == ["12"] and len(one.files) == 3
    [f] = IMP.drafts(wa / "flat" / "7.agent_response.json")
    assert f.run_id == "flat" and sorted(f.names.values()) == ["7.agent_response.json", "7.eval_result.json",
                                                              "7.network.har"]
    # each task yields exactly one trace across its files
    traces = [t for p in d.files for t in IMP.traces(Path(p), d.names[p])]
    assert sorted(t.task_id for t in traces) == ["12", "44"]


# --------------------------------------------------------------------------
# real files (../shared/corpus/webarena-verified)
# --------------------------------------------------------------------------


def test_corpus_demo_task(corpus: Path):
    folder = corpus / "webarena-verified"
    assert IMP.sniff(folder) is None
    [d] = IMP.drafts(folder)
    assert d.tasks == ["107"] and len(d.files) == 3
    ev = json.loads((folder / "107.eval_result.json").read_text())
    resp = json.loads((folder / "107.agent_response.json").read_text())
    har = json.loads((folder / "107.network.har").read_text())
    traces = [t for p in d.files for t in IMP.traces(Path(p), d.names[p])]
    assert len(traces) == 1
    t = traces[0]
    shown = expected_api_entries(har)
    assert kinds(t).count("api_call") == len(shown) > 0
    assert len(t.steps) == len(shown) + 2
    n_static = len(har["log"]["entries"]) - len(shown)
    assert t.metadata["har_entries"] == len(har["log"]["entries"])
    assert sum(t.metadata["static_requests"].values()) == n_static
    assert t.score == ev["score"] and t.status == "completed"
    assert json.loads(t.submission) == resp
    assert t.metadata["webarena_verified_evaluator_checksum"] == ev["webarena_verified_evaluator_checksum"]
    assert d.environment["webarena_verified_data_checksum"] == ev["webarena_verified_data_checksum"]
    assert d.benchmark_version == ev["webarena_verified_version"]
    # every assertion message of the evaluator reaches the explanation; `actual` was a JSON string
    for er in ev["evaluators_results"]:
        for a in er["assertions"]:
            for msg in a["assertion_msgs"]:
                assert msg in t.scorer_explanation
    cookie_entries = sum(1 for e in har["log"]["entries"]
                         if any(h["name"].lower() in ("cookie", "set-cookie", "authorization")
                                for h in e["request"]["headers"] + e["response"]["headers"])
                         or e["request"]["cookies"] or e["response"]["cookies"])
    assert f"{cookie_entries} entries whose cookies / Authorization headers were dropped" in t.notes
    cookie_values = {h["value"] for e in har["log"]["entries"] for h in e["request"]["headers"]
                     if h["name"].lower() == "cookie"}
    text = t.model_dump_json()
    assert cookie_values and not any(v in text for v in cookie_values)
    times = [s.timestamp for s in t.steps if s.timestamp]
    assert times == sorted(times)


def test_corpus_sniff_accepts_only_own_samples(corpus: Path):
    for p in [corpus, *sorted(corpus.rglob("*"))]:
        if IMP.sniff(p) is None:
            assert "webarena-verified" in p.parts, p


def test_import_and_build_the_corpus_task(corpus: Path, tmp_path: Path):
    from generator.build import build_site
    from generator.ingest import import_paths
    from generator.scaffold import init_project

    root = tmp_path / "project"
    init_project(root)
    report = import_paths(root, [corpus / "webarena-verified"], agent="demo-agent", run_id="wav-demo")
    assert report.written == ["wav-demo"] and report.findings == []
    result = build_site(root, tmp_path / "site")
    assert result.errors == [], [f.format() for f in result.errors]
    [run] = [r for r in result.runs if r.run.id == "wav-demo"]
    assert len(run.traces) == 1 and run.score == 0.0
