"""ClawBench importers: TIGER-AI-Lab run folders and results.csv (``clawbench``) and the
scoootscooob submission JSON (``clawbench-submission``); fixtures in tests/fixtures/clawbench,
real files in ../shared/corpus/clawbench-tiger and clawbench-scoootscooob."""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import shutil
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import all_importers
from generator.importers.clawbench import ClawBench
from generator.importers.clawbench_submission import ClawBenchSubmission
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = ClawBench()
SUB = ClawBenchSubmission()
HERMES = "hermes-v2-047-daily-life-personal-care-taskrabbit-claude-sonnet-4-6-20260512-101500"
OPENCLAW = "openclaw-886-entertainment-hobbies-experience-topgolf-qwen3.5-397b-a17b-20260320-040604"
SECRETS = ("hunter2-secret", "k-123", "sid=abc123", "Bearer tok", "sk-or-v1", "cb92784dc43fb0", "555-0100")


@pytest.fixture
def cb(fixtures: Path) -> Path:
    return fixtures / "clawbench"


def one_trace(run: Path, label: str | None = None):
    anchor = run / "data" / "interception.json"
    if not anchor.is_file():
        anchor = next(p for p in (run / "data" / "agent-messages.jsonl", run / "data" / "actions.jsonl",
                                  run / "interception.json", run / "agent-messages.jsonl") if p.is_file())
    traces = list(IMP.traces(anchor, label or f"{run.name}/{anchor.relative_to(run).as_posix()}"))
    assert len(traces) == 1
    return traces[0]


def copy_run(cb: Path, tmp_path: Path, name: str = HERMES) -> Path:
    dst = tmp_path / name
    shutil.copytree(cb / name, dst)
    return dst


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_accepts_run_folders_anchor_and_csvs(cb: Path):
    assert IMP.sniff(cb / HERMES) is None
    assert IMP.sniff(cb / HERMES / "data") is None
    assert IMP.sniff(cb / HERMES / "data" / "interception.json") is None
    assert IMP.sniff(cb / OPENCLAW) is None
    for name in ("results.csv", "results-legacy.csv", "claude-sonnet-4-6-eval-results.csv"):
        assert IMP.sniff(cb / name) is None, name


def test_sniff_refuses_parts_parents_and_other_files(cb: Path, tmp_path: Path):
    for rel in ("data/actions.jsonl", "data/requests.jsonl", "data/agent-messages.jsonl", "judge_llm.json",
                "run-meta.json", "data/agent-stdout.log"):
        why = IMP.sniff(cb / HERMES / rel)
        assert why is not None and "import the run folder" in why, rel
    assert "not a ClawBench run file" in IMP.sniff(cb / HERMES / "data" / "recording.mp4")
    assert "task definition" in IMP.sniff(cb / "task.json")
    # the fixtures folder holds runs *and* CSVs: not a batch, the import command walks it
    assert IMP.sniff(cb) is not None
    (tmp_path / "other.csv").write_text("task,score\na,1\n")
    assert "results.csv" in IMP.sniff(tmp_path / "other.csv")
    (tmp_path / "x.jsonl").write_text('{"a": 1}\n')
    assert "not inside a ClawBench run folder" in IMP.sniff(tmp_path / "x.jsonl")
    assert IMP.sniff(tmp_path) is not None


def test_sniff_accepts_batch_folder_of_runs_only(cb: Path, tmp_path: Path):
    batch = tmp_path / "claude-sonnet-4-6"
    batch.mkdir()
    copy_run(cb, batch)
    copy_run(cb, batch, OPENCLAW)
    assert IMP.sniff(batch) is None
    (batch / "rescore-summary.json").write_text("{}")
    assert IMP.sniff(batch) is None
    (batch / "notes.txt").write_text("x")
    assert IMP.sniff(batch) is not None


def test_no_other_importer_takes_the_fixtures(cb: Path):
    for imp in all_importers():
        if imp.name == "clawbench":
            continue
        for p in (cb / HERMES, cb / HERMES / "data" / "interception.json", cb / "results.csv"):
            assert imp.sniff(p) is not None, (imp.name, p)


# --------------------------------------------------------------------------
# traces: hermes V2 run (intercepted, judged)
# --------------------------------------------------------------------------


def test_traces_is_a_generator(cb: Path):
    assert inspect.isgenerator(IMP.traces(cb / HERMES / "data" / "interception.json", "x"))
    # the other files of the run yield nothing (their content is in the anchor's trace)
    assert list(IMP.traces(cb / HERMES / "data" / "actions.jsonl", "x")) == []
    assert list(IMP.traces(cb / "results.csv", "results.csv")) == []


def test_hermes_run_steps_follow_the_files(cb: Path):
    run = cb / HERMES
    t = one_trace(run)
    msgs = jsonl(run / "data" / "agent-messages.jsonl")
    acts = jsonl(run / "data" / "actions.jsonl")
    reqs = jsonl(run / "data" / "requests.jsonl")
    static = [r for r in reqs if r["resource_type"] in ("Script", "Image", "Stylesheet", "Font") and r["method"] == "GET"]
    # session_meta makes no step; tool_started repeats tool_use; every other line makes one step
    transcript = [m for m in msgs if m["type"] not in ("session_meta", "tool_started", "tool_completed")]
    assert kinds(t).count("browser_event") == len(acts)
    assert kinds(t).count("api_call") == len(reqs) - len(static)
    assert kinds(t).count("tool_call") == sum(len(m["tool_calls"]) for m in msgs if m["type"] == "tool_use")
    assert kinds(t).count("tool_result") == sum(1 for m in msgs if m["type"] == "tool_result")
    assert kinds(t).count("observation") == 2  # agent-stdout.log, agent-stderr.log
    n_transcript = sum(1 for s in t.steps if s.source and "agent-messages.jsonl" in s.source)
    assert n_transcript == len(transcript)
    assert kinds(t)[-2:] == ["submission", "score"]
    assert len(t.steps) == len(transcript) + len(acts) + len(reqs) - len(static) + 2 + 2
    # merged by time: timed steps never go back in time
    times = [s.timestamp for s in t.steps if s.timestamp]
    assert times == sorted(times)
    assert all(s.timestamp.tzinfo is not None for s in t.steps if s.timestamp)
    assert f"{len(static)} GET requests for static resources" in " ".join(t.notes)


def test_hermes_timestamps_units(cb: Path):
    run = cb / HERMES
    t = one_trace(run)
    first_action = jsonl(run / "data" / "actions.jsonl")[0]
    step = next(s for s in t.steps if s.kind == StepKind.browser_event)
    assert step.timestamp == dt.datetime.fromtimestamp(first_action["timestamp"] / 1000, dt.timezone.utc)
    first_req = jsonl(run / "data" / "requests.jsonl")[0]
    api = next(s for s in t.steps if s.kind == StepKind.api_call)
    assert api.timestamp == dt.datetime.fromtimestamp(first_req["timestamp"], dt.timezone.utc)
    assert t.started_at == dt.datetime(2026, 5, 12, 10, 15, 0, tzinfo=dt.timezone.utc)
    assert any("no zone" in n for n in t.notes)


def test_hermes_tool_calls_and_results(cb: Path):
    t = one_trace(cb / HERMES)
    calls = [s for s in t.steps if s.kind == StepKind.tool_call]
    assert [c.tool_call.function for c in calls] == ["browser_navigate", "browser_click"]
    assert calls[0].tool_call.arguments == {"url": "https://www.taskrabbit.com"}
    assert calls[0].tool_call.id == "call_1"
    results = {s.tool_call_id: s for s in t.steps if s.kind == StepKind.tool_result}
    assert set(results) == {"call_1", "call_2"}
    assert results["call_1"].is_error is False
    assert results["call_2"].is_error is True and "not found" in results["call_2"].content
    assert results["call_2"].title == "browser_click"


def test_hermes_score_submission_and_deciding_step(cb: Path):
    run = cb / HERMES
    t = one_trace(run)
    lenient = json.loads((run / "judge_llm.json").read_text())
    strict = json.loads((run / "data" / "judge.json").read_text())
    inter = json.loads((run / "data" / "interception.json").read_text())
    expected = 1.0 if inter["intercepted"] and lenient["match"] is True else 0.0
    assert t.score == expected == 1.0
    assert t.score_source == "judge_llm.json"
    assert t.deciding_step == len(t.steps)
    last = t.steps[-1]
    assert last.kind == StepKind.score and last.content == t.scorer_explanation
    assert lenient["reason"] in t.scorer_explanation and strict["reason"] in t.scorer_explanation
    assert t.metadata["judge.json"]["match"] is False and t.metadata["judge_llm.json"]["match"] is True
    sub = t.steps[-2]
    assert sub.kind == StepKind.submission and t.submission == sub.content
    assert inter["request"]["url"] in t.submission and '"1br"' in t.submission
    assert t.status == "completed" and t.termination_reason == "intercepted"


def test_hermes_identity_usage_and_provenance(cb: Path):
    run = cb / HERMES
    meta = json.loads((run / "run-meta.json").read_text())
    t = one_trace(run)
    assert t.id == HERMES
    assert t.task_id == meta["test_case"]
    assert t.agent == "hermes" and t.model == meta["model"]
    assert t.usage.input_tokens == meta["usage"]["input_tokens"]
    assert t.usage.output_tokens == meta["usage"]["output_tokens"]
    assert t.usage.cost_usd == pytest.approx(meta["usage"]["estimated_cost_usd"])
    assert t.duration_s == meta["duration_seconds"]
    assert t.metadata["task_number"] == 47 and t.metadata["task_json_sha256"] == meta["task_json_sha256"]
    assert t.metadata["eval_schema"]["method"] == "POST"
    assert t.metadata["recording"]["name"] == "recording.mp4"


def test_secrets_never_reach_the_trace_or_draft(cb: Path):
    t = one_trace(cb / HERMES)
    text = t.model_dump_json()
    [draft] = IMP.drafts(cb / HERMES)
    dtext = draft.model_dump_json()
    for secret in SECRETS:
        assert secret not in text, secret
        assert secret not in dtext, secret
    assert "[REDACTED:credential-field]" in text
    assert "email_used" not in dtext and "personal_info" not in dtext
    notes = " ".join(t.notes)
    assert "password-like fields redacted" in notes and "Cookie/Authorization" in notes
    assert "headers are never shown" in notes


# --------------------------------------------------------------------------
# traces: openclaw V1 run (not intercepted, no judge)
# --------------------------------------------------------------------------


def test_openclaw_run(cb: Path):
    run = cb / OPENCLAW
    t = one_trace(run)
    msgs = jsonl(run / "data" / "agent-messages.jsonl")
    assert t.score == 0.0 and t.score_source == "interception.json"
    assert t.status == "completed" and t.termination_reason == "agent_idle"
    assert kinds(t)[-2:] == ["observation", "score"] and t.deciding_step == len(t.steps)
    assert t.submission is None
    # usage: the sum of the assistant messages' usage
    usages = [m["message"]["usage"] for m in msgs if m.get("type") == "message" and "usage" in m["message"]]
    assert t.usage.input_tokens == sum(u["input"] for u in usages)
    assert t.usage.output_tokens == sum(u["output"] for u in usages)
    assert t.usage.cost_usd == pytest.approx(sum(u["cost"]["total"] for u in usages))
    # blocks: text/thinking/toolCall become message/message/tool_call
    blocks = [b for m in msgs if m.get("type") == "message" and m["message"]["role"] != "toolResult"
              for b in m["message"]["content"]]
    results = [m for m in msgs if m.get("type") == "message" and m["message"]["role"] == "toolResult"]
    assert kinds(t).count("tool_call") == sum(1 for b in blocks if b["type"] == "toolCall")
    tr = [s for s in t.steps if s.kind == StepKind.tool_result]
    assert [s.is_error for s in tr] == [m["message"]["isError"] for m in results]
    assert [s.tool_call_id for s in tr] == [m["message"]["toolCallId"] for m in results]
    assert any("shown raw" in n for n in t.notes)  # the unrecognised 'custom' record
    assert t.model == "qwen3.5-397b-a17b" and t.agent == "openclaw"


# --------------------------------------------------------------------------
# traces: variants
# --------------------------------------------------------------------------


def _set_interception(run: Path, doc: dict) -> None:
    (run / "data" / "interception.json").write_text(json.dumps(doc))


@pytest.mark.parametrize("reason,status,kind", [
    ("chrome_cdp_timeout", "error", "error"),
    ("hermes_failed", "error", "error"),
    ("time_limit_exceeded", "limit", "observation"),
    ("agent_exited", "completed", "observation"),
])
def test_stop_reasons(cb: Path, tmp_path: Path, reason, status, kind):
    run = copy_run(cb, tmp_path)
    (run / "judge_llm.json").unlink()
    (run / "data" / "judge.json").unlink()
    _set_interception(run, {"intercepted": False, "stop_reason": reason, "stop_description": f"stopped: {reason}",
                            "request": None})
    t = one_trace(run)
    assert t.status == status
    assert t.score == 0.0
    assert t.steps[-2].kind.value == kind and t.steps[-2].title.endswith(reason)
    if status == "error":
        assert t.error == f"stopped: {reason}" and t.steps[-2].is_error


def test_intercepted_without_judge(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path)
    (run / "judge_llm.json").unlink()
    (run / "data" / "judge.json").unlink()
    t = one_trace(run)  # run-meta.json says final_pass
    assert t.score == 1.0 and t.score_source == "run-meta.json"
    meta = json.loads((run / "run-meta.json").read_text())
    del meta["final_pass"]
    (run / "run-meta.json").write_text(json.dumps(meta))
    t = one_trace(run)
    assert t.score is None and t.deciding_step == len(t.steps) and t.steps[-1].kind == StepKind.submission
    assert any("not judged" in n for n in t.notes)


def test_judge_null_match_counts_as_fail(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path)
    doc = json.loads((run / "judge_llm.json").read_text())
    doc.update(match=None, error="http_429")
    (run / "judge_llm.json").write_text(json.dumps(doc))
    t = one_trace(run)
    assert t.score == 0.0 and "judge error: http_429" in t.scorer_explanation


def test_flat_layout_without_meta_and_judge_in_data(cb: Path, tmp_path: Path):
    """A V2 HF-style run: no run-meta.json, judge.json in data/, files possibly flat."""
    src = cb / HERMES
    run = tmp_path / HERMES
    run.mkdir()
    for p in (src / "data").iterdir():
        if p.is_file():
            shutil.copy2(p, run / p.name)
    assert IMP.sniff(run) is None
    t = one_trace(run)
    assert t.task_id == "v2-047-daily-life-personal-care-taskrabbit"  # from judge.json test_case
    assert t.score == 0.0 and t.score_source == "judge.json"  # the strict judge said no
    assert t.model == "claude-sonnet-4-6"  # from the hermes session_meta
    assert t.agent == "hermes"  # from the folder name


def test_claude_code_transcript_without_times(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path)
    rows = [
        {"type": "system", "subtype": "init", "session_id": "s1", "model": "claude-opus-4-1", "tools": ["Bash"]},
        {"type": "assistant", "message": {"id": "m1", "model": "claude-opus-4-1", "role": "assistant", "content": [
            {"type": "thinking", "thinking": "plan"}, {"type": "text", "text": "Opening the site."},
            {"type": "tool_use", "id": "tu_1", "name": "mcp__browser__navigate", "input": {"url": "https://x.test"}}],
            "usage": {"input_tokens": 100, "output_tokens": 20}}},
        {"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "tu_1", "content": "navigated", "is_error": False}]}},
        {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 5000, "num_turns": 2,
         "result": "Done.", "total_cost_usd": 0.01},
    ]
    (run / "data" / "agent-messages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = one_trace(run)
    claude = [s for s in t.steps if s.source and "agent-messages" in s.source]
    assert [s.kind.value for s in claude] == ["message", "message", "tool_call", "tool_result", "message"]
    assert claude[2].tool_call.arguments == {"url": "https://x.test"} and claude[3].tool_call_id == "tu_1"
    assert claude[0].usage.input_tokens == 100
    assert t.steps[0] is claude[0]  # no times: the transcript comes first
    assert any("no timestamps" in n for n in t.notes)


def test_hermes_session_export_rows(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path)
    rows = [
        {"type": "session_meta", "id": "s1", "model": "glm-5.1", "platform": "cli"},
        {"type": "message", "session_id": "s1", "message_index": 0, "role": "user",
         "content": "Find a helper\n\nHERMES CREDENTIAL NOTE:\n- email: a@b.test\n- password: Zq81-webmail-pw\nUse it."},
        {"type": "message", "session_id": "s1", "message_index": 1, "role": "assistant", "content": "",
         "reasoning": "go", "tool_calls": [{"id": "c1", "type": "function",
                                            "function": {"name": "browser_navigate", "arguments": "{\"url\": \"u\"}"}}]},
        {"type": "message", "session_id": "s1", "message_index": 2, "role": "tool", "tool_call_id": "c1",
         "content": "{\"success\": false, \"error\": \"timeout\"}"},
    ]
    (run / "data" / "agent-messages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = one_trace(run)
    got = [s for s in t.steps if s.source and "agent-messages" in s.source]
    assert [s.kind.value for s in got] == ["message", "message", "tool_call", "tool_result"]
    assert got[2].tool_call.arguments == {"url": "u"} and got[3].is_error and got[3].title == "browser_navigate"
    assert "Zq81-webmail-pw" not in t.model_dump_json()
    assert "- password: [REDACTED:credential-field]" in got[0].content and "Use it." in got[0].content
    assert any("password lines in the transcript redacted" in n for n in t.notes)


def test_tool_arguments_with_credentials_are_redacted(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path)
    rows = [{"seq": 1, "timestamp": 1778580902.0, "type": "tool_use", "tool_name": "login",
             "tool_calls": [{"id": "c9", "type": "function",
                             "function": {"name": "login", "arguments": "{\"user\": \"alex\", \"password\": \"pw-77\"}"}}]}]
    (run / "data" / "agent-messages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = one_trace(run)
    call = next(s for s in t.steps if s.kind == StepKind.tool_call)
    assert call.tool_call.arguments == {"user": "alex", "password": "[REDACTED:credential-field]"}
    assert "pw-77" not in t.model_dump_json()


def test_no_interception_is_incomplete(cb: Path, tmp_path: Path):
    run = copy_run(cb, tmp_path, OPENCLAW)
    (run / "data" / "interception.json").unlink()
    t = one_trace(run)
    assert t.status == "incomplete" and t.score is None and t.deciding_step is None


# --------------------------------------------------------------------------
# broken input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rel,text,place", [
    ("data/actions.jsonl", '{"type": "click", "timestamp": 1}\n{not json\n', "line 2"),
    ("data/actions.jsonl", '{"timestamp": 1}\n', "line 1"),
    ("data/actions.jsonl", '{"type": "click", "timestamp": "soon"}\n', "line 1"),
    ("data/requests.jsonl", '{"timestamp": 1.0, "method": "GET"}\n', "line 1"),
    ("data/agent-messages.jsonl", '[1, 2]\n', "line 1"),
    ("data/interception.json", '{"intercepted": "yes"}', "/intercepted"),
    ("data/interception.json", '{"request": null}', "/intercepted"),
    ("judge_llm.json", '{"match": "maybe"}', "/match"),
    ("run-meta.json", '[]', ""),
])
def test_broken_files_raise_input_error(cb: Path, tmp_path: Path, rel, text, place):
    run = copy_run(cb, tmp_path)
    (run / rel).write_text(text)
    with pytest.raises(InputError) as err:
        one_trace(run, label=f"traces/r/{HERMES}/data/interception.json")
    assert err.value.place == place
    assert err.value.file.endswith(rel.split("/")[-1])


# --------------------------------------------------------------------------
# drafts
# --------------------------------------------------------------------------


def test_run_folder_draft(cb: Path):
    run = cb / HERMES
    [d] = IMP.drafts(run)
    assert d.run_id == HERMES and d.format == "clawbench"
    assert d.agent == "hermes-claude-sonnet-4-6" and d.harness == "hermes" and d.model == "claude-sonnet-4-6"
    assert d.benchmark == "clawbench-v2" and d.benchmark_version == "v2"
    assert d.tasks == ["v2-047-daily-life-personal-care-taskrabbit"]
    names = set(d.names.values())
    assert f"{HERMES}/data/interception.json" in names and f"{HERMES}/run-meta.json" in names
    assert not any(n.endswith((".mp4", ".png")) for n in names)
    rec = run / "data" / "recording.mp4"
    [meta] = d.metadata["recordings_not_copied"]
    assert meta == {"path": f"{HERMES}/data/recording.mp4", "bytes": rec.stat().st_size,
                    "sha256": hashlib.sha256(rec.read_bytes()).hexdigest()}
    assert d.metadata["screenshots_not_copied"]["count"] == 1
    assert set(d.formats.values()) == {"clawbench"} and set(d.formats) == set(d.files)
    assert d.environment["runtime"]["harness_image_id"].startswith("sha256:")
    assert "api_key" not in d.environment["model_config"] and d.environment["model_config"]["api_key_count"] == 1
    # the data folder and any file of the run give the same run
    assert IMP.drafts(run / "data")[0].files == d.files
    assert IMP.drafts(run / "data" / "actions.jsonl")[0].files == d.files


def test_batch_folder_draft_with_rescore_summary(cb: Path, tmp_path: Path):
    batch = tmp_path / "batch-20260512-1000" / "claude-sonnet-4-6"
    batch.mkdir(parents=True)
    copy_run(cb, batch)
    copy_run(cb, batch, OPENCLAW)
    summary = {"n_total": 2, "n_intercepted": 1, "reward_pct_lenient": 0.5, "tasks": [
        {"task_id": 47, "test_case": "v2-047-daily-life-personal-care-taskrabbit", "intercepted": True,
         "match_lenient": True},
        {"task_id": 886, "test_case": "886-entertainment-hobbies-experience-topgolf", "intercepted": False,
         "match_lenient": None}]}
    (batch / "rescore-summary.json").write_text(json.dumps(summary))
    [d] = IMP.drafts(batch)
    assert d.run_id == "batch-20260512-1000-claude-sonnet-4-6"
    assert set(d.tasks) == {"v2-047-daily-life-personal-care-taskrabbit", "886-entertainment-hobbies-experience-topgolf"}
    assert d.declared.overall == 0.5 and d.declared.source == "rescore-summary.json"
    assert d.declared.tasks == {"v2-047-daily-life-personal-care-taskrabbit": 1.0,
                                "886-entertainment-hobbies-experience-topgolf": 0.0}
    assert "rescore-summary.json" in d.names.values()
    assert d.model is None  # two models in the batch
    assert len(d.metadata["recordings_not_copied"]) == 1
    # every run folder yields exactly one trace, from its own anchor
    traces = [t for f in d.files for t in IMP.traces(Path(f), d.names[f])]
    assert sorted(t.id for t in traces) == sorted([HERMES, OPENCLAW])
    assert {t.trial for t in traces} == {1}


def test_repeated_attempts_are_numbered_trials(cb: Path, tmp_path: Path):
    later = HERMES.replace("20260512-101500", "20260513-080000")
    earlier = HERMES.replace("20260512-101500", "20260511-235959")
    for name in (later, earlier):
        shutil.copytree(cb / HERMES, tmp_path / name)
    copy_run(cb, tmp_path)
    trials = {name: one_trace(tmp_path / name).trial for name in (earlier, HERMES, later)}
    assert trials == {earlier: 1, HERMES: 2, later: 3}
    assert one_trace(tmp_path / later).task_id == one_trace(tmp_path / earlier).task_id


def test_results_csv_drafts(cb: Path):
    drafts = IMP.drafts(cb / "results.csv")
    assert [d.run_id for d in drafts] == ["clawbench-v2-hermes-glm-5.1", "clawbench-v1-openclaw-claude-sonnet-4-6"]
    for d in drafts:
        assert __import__("re").match(ID_PATTERN, d.run_id) and d.tasks == []
        assert list(IMP.traces(cb / "results.csv", "results.csv")) == []
    v2, v1 = drafts
    assert v2.declared.overall == pytest.approx(18.46 / 100) and v2.metadata["score_column"] == "reward_rate"
    assert v2.metadata["pass_rate"] == pytest.approx(0.4846) and v2.metadata["wall_hours"] == 11.35
    assert v2.agent == "hermes-glm-5.1" and v2.model == "glm-5.1" and v2.benchmark == "clawbench-v2"
    assert v1.declared.overall == pytest.approx(0.3333) and v1.metadata["score_column"] == "pass_rate"
    [legacy] = IMP.drafts(cb / "results-legacy.csv")
    assert legacy.declared.overall == pytest.approx(0.1846)


def test_results_csv_fraction_and_percent_strings(tmp_path: Path):
    p = tmp_path / "results.csv"
    p.write_text("model,harness,dataset,passed,total,pass_rate,reward_rate,wall_hours\n"
                 "m1,hermes,v2,26,130,0.2,,1\n"
                 "m2,hermes,v2,13,130,,\"10.0%\",2\n")
    a, b = IMP.drafts(p)
    assert a.declared.overall == pytest.approx(0.2)  # a fraction equal to passed/total
    assert b.declared.overall == pytest.approx(0.10)


@pytest.mark.parametrize("body,place", [
    ("m1,hermes,v2,1,2,50\n", "line 2"),
    ("m1,hermes,v2,1,2,fifty,,1\n", "line 2"),
    (",hermes,v2,1,2,50,,1\n", "line 2"),
])
def test_broken_results_csv(tmp_path: Path, body, place):
    p = tmp_path / "results.csv"
    p.write_text("model,harness,dataset,passed,total,pass_rate,reward_rate,wall_hours\n" + body)
    with pytest.raises(InputError) as err:
        IMP.drafts(p)
    assert err.value.place == place


def test_v1_eval_results_csv(cb: Path, tmp_path: Path):
    [d] = IMP.drafts(cb / "claude-sonnet-4-6-eval-results.csv")
    assert d.model == "claude-sonnet-4-6" and d.benchmark == "clawbench-v1"
    assert d.metadata["task_results"] == {"001": 1.0, "002": 0.0, "003": 0.0}
    assert d.declared.overall == pytest.approx(1 / 3) and d.declared.tasks == {}
    p = tmp_path / "m-eval-results.csv"
    p.write_text("task_id,task_name,model,pass,brief_justification\n1,a,m,maybe,x\n")
    with pytest.raises(InputError) as err:
        IMP.drafts(p)
    assert err.value.place == "line 2"


# --------------------------------------------------------------------------
# scoootscooob submission JSON
# --------------------------------------------------------------------------


SUBMISSION = {
    "submission_id": "11111111-2222-3333-4444-555555555555", "model": "openai/gpt-5.4", "provider": "openai",
    "timestamp": "2026-04-11T03:30:55+02:00", "openclaw_version": "", "benchmark_version": "0.4.0.dev1",
    "environment": {"task_count": 2, "pool": "all", "judge_model": "anthropic/claude-sonnet-4-6"},
    "overall_score": 0.5, "overall_cost_usd": 0.02, "overall_pass_hat_k": 0.5, "hard_subset_score": 0.0,
    "task_results": [
        {"task_id": "t1-a", "runs": 2, "scores": [0.9, 0.7], "mean_task_score": 0.8, "pass_at_1": True},
        {"task_id": "t1-b", "runs": 2, "scores": [0.1, 0.3], "mean_task_score": 0.2, "pass_at_1": False},
    ],
    "tier_results": [], "scenario_results": [], "certified": False,
    "environment_checksum": "c" * 64,
}


def test_submission_json(tmp_path: Path):
    p = tmp_path / "frontier.json"
    p.write_text(json.dumps(SUBMISSION))
    assert SUB.sniff(p) is None and IMP.sniff(p) is not None
    assert list(SUB.traces(p, "frontier.json")) == []
    [d] = SUB.drafts(p)
    assert d.run_id == "gpt-5.4-11111111" and d.agent == "openclaw-gpt-5.4" and d.model == "openai/gpt-5.4"
    assert d.benchmark == "clawbench-openclaw" and d.benchmark_version == "0.4.0.dev1"
    assert d.declared.overall == 0.5 and d.declared.cost_usd == 0.02 and d.declared.pass_hat == {2: 0.5}
    assert d.declared.tasks == {} and d.metadata["task_scores"] == {"t1-a": 0.8, "t1-b": 0.2}
    assert d.tasks == ["t1-a", "t1-b"]
    assert d.submitted == dt.datetime(2026, 4, 11, 1, 30, 55, tzinfo=dt.timezone.utc)
    assert d.environment["environment_checksum"] == "c" * 64 and d.harness_version is None


def test_submission_sniff_and_broken(tmp_path: Path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"submission_id": "x", "results": {}}))
    assert SUB.sniff(p) is not None
    bad = dict(SUBMISSION, task_results={"t1": 1})
    p.write_text(json.dumps(bad))
    with pytest.raises(InputError) as err:
        SUB.drafts(p)
    assert err.value.place == "/task_results"
    bad = dict(SUBMISSION, task_results=[{"task_id": "t", "scores": [0.1, "high"]}])
    p.write_text(json.dumps(bad))
    with pytest.raises(InputError) as err:
        SUB.drafts(p)
    assert err.value.place == "/task_results/0/scores/1"


# --------------------------------------------------------------------------
# real files (../shared/corpus)
# --------------------------------------------------------------------------


def test_corpus_tiger_files_are_not_runs(corpus: Path):
    folder = corpus / "clawbench-tiger"
    for p in [folder, *sorted(folder.iterdir())]:
        assert IMP.sniff(p) is not None, p
        assert SUB.sniff(p) is not None, p
    assert "task definition" in IMP.sniff(folder / "v2-047.task.json") or "not inside" in IMP.sniff(
        folder / "v2-047.task.json")


def test_corpus_submissions(corpus: Path):
    files = sorted((corpus / "clawbench-scoootscooob").glob("*.json"))
    assert files
    for p in files:
        doc = json.loads(p.read_text())
        assert SUB.sniff(p) is None and IMP.sniff(p) is not None
        assert list(SUB.traces(p, p.name)) == []
        [d] = SUB.drafts(p)
        assert d.model == doc["model"] and d.benchmark_version == doc["benchmark_version"]
        assert d.declared.overall == doc["overall_score"]
        assert d.declared.cost_usd == doc["overall_cost_usd"]
        assert d.metadata["task_scores"] == {t["task_id"]: t["mean_task_score"] for t in doc["task_results"]}
        assert d.tasks == [t["task_id"] for t in doc["task_results"]]
        runs = {t["runs"] for t in doc["task_results"]}
        assert d.declared.pass_hat == ({runs.pop(): doc["overall_pass_hat_k"]} if len(runs) == 1 else {})
        assert d.environment["environment_checksum"] == doc["environment_checksum"]
        # overall is the mean of the per-task scores, as the file claims
        assert doc["overall_score"] == pytest.approx(sum(d.metadata["task_scores"].values()) / len(d.tasks))


def test_corpus_sniff_accepts_only_own_samples(corpus: Path):
    for p in [corpus, *sorted(corpus.rglob("*"))]:
        if IMP.sniff(p) is None:
            pytest.fail(f"clawbench accepted {p}")
        if SUB.sniff(p) is None:
            assert p.parent.name == "clawbench-scoootscooob", p


# --------------------------------------------------------------------------
# end to end: import into a project, then build
# --------------------------------------------------------------------------


def test_import_and_build_end_to_end(cb: Path, tmp_path: Path):
    from generator.build import build_site
    from generator.ingest import import_paths
    from generator.scaffold import init_project

    root = tmp_path / "project"
    init_project(root)
    report = import_paths(root, [cb / HERMES, cb / OPENCLAW])
    assert sorted(report.written) == sorted([HERMES, OPENCLAW]) and report.findings == []
    copied = {p.relative_to(root / "traces" / HERMES).as_posix()
              for p in (root / "traces" / HERMES).rglob("*") if p.is_file()}
    assert f"{HERMES}/data/interception.json" in copied
    assert not any(c.endswith((".mp4", ".png")) for c in copied)  # the recording is referenced, not copied
    result = build_site(root, tmp_path / "site")
    assert result.errors == [], [f.format() for f in result.errors]
    runs = {r.run.id: r for r in result.runs}
    assert len(runs[HERMES].traces) == 1 and len(runs[OPENCLAW].traces) == 1
    assert runs[HERMES].score == 1.0 and runs[OPENCLAW].score == 0.0
