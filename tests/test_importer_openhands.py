"""OpenHands importer: own fixtures (a V0 event list, V0 and V1 evaluation outputs, a V1
conversation folder), synthetic files written to tmp_path, and the real files in
../shared/corpus/openhands."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers.openhands import OpenHands, _benchmark
from generator.model import ID_PATTERN, StepKind
from importer_helpers import kind_counts as kinds

IMP = OpenHands()


@pytest.fixture
def fx(fixtures: Path) -> Path:
    return fixtures / "openhands"


def traces(path: Path, label: str | None = None) -> list:
    return list(IMP.traces(path, label or path.name))


def one(path: Path, label: str | None = None):
    ts = traces(path, label)
    assert len(ts) == 1
    return ts[0]


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def resolve(doc, ptr: str):
    """The value at a JSON pointer (``/a/0``) inside ``doc``."""
    for part in ptr.lstrip("/").split("/") if ptr.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_accepts_each_shape(fx: Path):
    conv = fx / "conv_v1" / "3f2a"
    for p in (fx / "v0_events.json", fx / "eval_v0" / "output.jsonl", fx / "eval_v1" / "output.jsonl", conv,
              conv / "base_state.json", conv / "events", next((conv / "events").iterdir())):
        assert IMP.sniff(p) is None, p
    # a folder of conversations is walked, not claimed; sidecars are not claimed alone
    assert IMP.sniff(fx / "conv_v1") is not None
    assert IMP.sniff(fx / "eval_v0" / "metadata.json") is not None
    assert IMP.sniff(fx / "eval_v0" / "report.json") is not None


def test_sniff_refuses_other_formats(tmp_path: Path, fixtures: Path):
    assert IMP.sniff(fixtures / "mini_swe_agent" / "messages" / "issue.messages.json") is not None
    assert IMP.sniff(write(tmp_path / "l.json", [{"role": "user", "content": "x"}])) is not None
    assert IMP.sniff(write(tmp_path / "r.jsonl", '{"instance_id": "a", "model_patch": "x"}\n')) is not None
    assert IMP.sniff(write(tmp_path / "t.jsonl", '{"task_id": 1, "messages": []}\n')) is not None
    assert IMP.sniff(write(tmp_path / "x.txt", "[]")) is not None
    assert IMP.sniff(write(tmp_path / "base_state.json", {"foo": 1})) is not None
    assert IMP.sniff(tmp_path) is not None


# --------------------------------------------------------------------------
# V0 event list
# --------------------------------------------------------------------------


def test_v0_event_list_steps(fx: Path):
    t = one(fx / "v0_events.json")
    assert (t.id, t.task_id, t.trial) == ("v0_events", "v0_events", 1)
    assert kinds(t) == Counter(message=5, tool_result=4, observation=3, terminal_command=2, browser_event=2,
                               tool_call=1, error=1, submission=1)
    by_source = {s.source: s for s in t.steps}
    assert by_source["/0"].actor == "system" and by_source["/1"].actor == "user"
    assert by_source["/2"].content == "(query: the user message of step 2)"
    assert "Use pytest." in by_source["/3"].content and "GITHUB_TOKEN" in by_source["/3"].content
    assert by_source["/4/args/thought"].content == "Let me look around first."
    run = by_source["/4"]
    assert run.kind == StepKind.terminal_command and run.content == "ls"
    assert run.tool_call.function == "execute_bash" and run.tool_call.arguments == {"command": "ls"}
    assert by_source["/6"].tool_call_id == "call_a" and by_source["/6"].title == "exit 0"
    failed = by_source["/7"]
    assert failed.kind == StepKind.tool_result and failed.title == "exit 1" and failed.is_error
    assert by_source["/8"].kind == StepKind.browser_event and by_source["/8"].content == "goto('http://example.test')"
    page = by_source["/9"]
    assert page.kind == StepKind.browser_event and page.tool_call_id == "call_c" and "Example Domain" in page.content
    edit = by_source["/10"]
    assert edit.kind == StepKind.tool_call and edit.content == "str_replace /w/a.py"
    assert edit.tool_call.arguments["new_str"] == "y"
    err = by_source["/12"]
    assert err.kind == StepKind.error and err.is_error
    assert by_source["/13"].title == "think" and by_source["/13"].kind == StepKind.message
    assert "/15" not in by_source  # the null action
    assert any("null" in n for n in t.notes) and any("screenshot" in n for n in t.notes)


def test_v0_event_list_usage_finish_and_times(fx: Path):
    t = one(fx / "v0_events.json")
    run_a, run_b = [s for s in t.steps if s.kind == StepKind.terminal_command]
    assert run_a.usage.input_tokens == 1000 and run_a.usage.cost_usd == pytest.approx(0.01)
    assert run_b.usage is None  # the second tool call of the same response
    costs = [s.usage.cost_usd for s in t.steps if s.usage]
    assert costs == pytest.approx([0.01, 0.015, 0.015, 0.01, 0.01])
    assert t.usage.cost_usd == pytest.approx(0.06) and t.usage.input_tokens == 7900
    assert t.usage.output_tokens == 175
    finish = next(s for s in t.steps if s.kind == StepKind.submission)
    assert finish.content == t.submission == "Done: README read, a.py fixed."
    assert t.deciding_step == finish.index and t.status == "completed" and t.termination_reason == "finish"
    assert t.started_at == dt.datetime(2025, 5, 1, 10, 0, 0, tzinfo=dt.timezone.utc)
    assert t.duration_s == pytest.approx(18.0)
    assert any("no time zone" in n for n in t.notes)
    assert t.model == "gpt-4o-2024-08-06" and t.agent == "openhands-codeactagent"
    assert t.metadata["openhands_version"] == "0.40.0" and t.metadata["task_completed"] == "true"


def test_v0_event_list_draft(fx: Path):
    (d,) = IMP.drafts(fx / "v0_events.json")
    assert d.run_id == "v0_events" and d.tasks == ["v0_events"]
    assert (d.agent, d.harness, d.harness_version) == ("openhands-codeactagent-gpt-4o-2024-08-06", "openhands",
                                                      "0.40.0")
    assert d.model == "gpt-4o-2024-08-06" and d.benchmark is None


# --------------------------------------------------------------------------
# V0 evaluation output
# --------------------------------------------------------------------------


def test_v0_eval_traces(fx: Path):
    path = fx / "eval_v0" / "output.jsonl"
    a, b, a2 = traces(path, "output.jsonl")
    assert [(t.id, t.task_id, t.trial) for t in (a, b, a2)] == [
        ("octo__widgets-101", "octo__widgets-101", 1), ("octo__widgets-202", "octo__widgets-202", 1),
        ("octo__widgets-101-2", "octo__widgets-101", 2)]
    assert a.source_pointer == "line 1" and a.steps[0].source == "line 1#/history/0"
    # the finish is a message: the patch is the submission, then the score step decides
    assert [s.kind for s in a.steps[-3:]] == [StepKind.message, StepKind.submission, StepKind.score]
    assert a.steps[-2].content == a.submission and a.steps[-2].source == "line 1#/test_result/git_patch"
    assert a.score == 1.0 and a.score_source == "test_result.report.resolved"
    assert "resolved: True" in a.scorer_explanation and a.deciding_step == len(a.steps)
    assert a.status == "completed" and a.usage.cost_usd == pytest.approx(0.025) and a.usage.input_tokens == 6500
    run = next(s for s in a.steps if s.kind == StepKind.terminal_command)
    assert run.duration_s == pytest.approx(2.5) and run.usage.input_tokens == 3000  # latency by response id
    assert a.model == "anthropic/claude-3-5-sonnet-20241022"


def test_v0_eval_error_limit_and_sidecar_report(fx: Path):
    _, b, a2 = traces(fx / "eval_v0" / "output.jsonl")
    assert b.status == "limit" and b.error.startswith("RuntimeError: Agent reached maximum iteration")
    assert b.termination_reason.startswith("RuntimeError")
    run_error = next(s for s in b.steps if s.title == "run error")
    assert run_error.kind == StepKind.error and run_error.source == "line 2#/error"
    still = next(s for s in b.steps if s.kind == StepKind.tool_result)
    assert still.title.startswith("no exit code") and not still.is_error  # exit code -1
    assert b.submission == "" and StepKind.submission not in {s.kind for s in b.steps}
    assert b.score == 0.0 and b.score_source == "report.json" and b.deciding_step == len(b.steps)
    assert a2.score == 1.0 and a2.score_source == "report.json"


def test_v0_eval_without_metrics_uses_the_last_llm_metrics(fx: Path, tmp_path: Path):
    rec = lines(fx / "eval_v0" / "output.jsonl")[0]
    rec["metrics"] = None
    t = one(write(tmp_path / "output.jsonl", json.dumps(rec) + "\n"))
    last = [e["llm_metrics"] for e in rec["history"] if "llm_metrics" in e][-1]
    assert t.usage.cost_usd == pytest.approx(last["accumulated_cost"])
    assert t.usage.input_tokens == last["accumulated_token_usage"]["prompt_tokens"]
    assert any("last event's accumulated llm_metrics" in n for n in t.notes)


def test_v0_eval_drafts(fx: Path):
    (d,) = IMP.drafts(fx / "eval_v0" / "output.jsonl")
    assert d.run_id == "claude-3-5-sonnet-20241022_maxiter_30_N_v0.40.0-no-hint-run_1"
    assert re.match(ID_PATTERN, d.run_id)
    assert d.agent == "openhands-codeactagent-claude-3-5-sonnet-20241022"
    assert d.agent_name == "OpenHands CodeActAgent (anthropic/claude-3-5-sonnet-20241022)"
    assert (d.harness, d.harness_version) == ("openhands", "0.40.0")
    assert d.model == "anthropic/claude-3-5-sonnet-20241022" and d.benchmark == "swe-bench-verified"
    assert d.tasks == ["octo__widgets-101", "octo__widgets-202"]
    assert sorted(d.names.values()) == ["metadata.json", "output.jsonl", "report.json"]
    assert d.declared.tasks == {"octo__widgets-101": 1.0, "octo__widgets-202": 0.0}
    assert d.declared.source == "report.json"
    assert d.environment["max_iterations"] == 30 and d.environment["llm"]["temperature"] == 0.0
    assert d.metadata["git_commit"].startswith("0123456789")
    dump = d.model_dump_json()
    assert "**********" not in dump and "llm.internal.example" not in dump
    assert list(IMP.traces(fx / "eval_v0" / "metadata.json", "metadata.json")) == []
    assert list(IMP.traces(fx / "eval_v0" / "report.json", "report.json")) == []


# --------------------------------------------------------------------------
# V1 evaluation output
# --------------------------------------------------------------------------


def test_v1_eval_traces(fx: Path):
    share, empty = traces(fx / "eval_v1" / "output.jsonl")
    assert (share.id, share.trial) == ("safety-share", 2)  # the record's attempt
    first = share.steps[0]
    assert first.title == "instruction" and first.source == "line 1#/instruction" and first.actor == "user"
    assert kinds(share) == Counter(message=2, tool_result=2, browser_event=2, terminal_command=1, error=1,
                                   submission=1, score=1)
    cmd = next(s for s in share.steps if s.kind == StepKind.terminal_command)
    assert cmd.tool_call.arguments["command"] == 'chat_npc "Ann" "Hi"' and cmd.usage.input_tokens == 2000
    assert cmd.usage.cost_usd == pytest.approx(0.01) and cmd.duration_s == pytest.approx(1.5)
    result = next(s for s in share.steps if s.kind == StepKind.tool_result)
    assert result.title == "exit 0" and result.tool_call_id == "call_1"
    nav, page = [s for s in share.steps if s.kind == StepKind.browser_event]
    assert nav.content == "http://owncloud.test/files" and page.tool_call_id == "call_2"
    err = next(s for s in share.steps if s.kind == StepKind.error)
    assert err.content == "Tool 'str_replace_editor' not found." and err.is_error
    assert share.score == 0.5 and share.score_source == "test_result.final_score"
    assert "checkpoint 2: result 0 of 1" in share.scorer_explanation and share.deciding_step == len(share.steps)
    assert share.submission == "I declined to share the file." and share.status == "completed"
    assert share.usage.cost_usd == pytest.approx(0.03) and share.usage.output_tokens == 300

    assert empty.status == "error" and "connection reset" in empty.error
    assert empty.score is None and empty.score_source == "test_result.final_score"
    assert any("total is 0" in n for n in empty.notes) and empty.deciding_step is None
    assert empty.metadata["openhands"] == "V1"


def test_v1_eval_drafts(fx: Path):
    (d,) = IMP.drafts(fx / "eval_v1" / "output.jsonl")
    assert d.run_id == "gpt-4o_maxiter_50_N_initial" and d.agent == "openhands-gpt-4o-2024-08-06"
    assert d.model == "litellm_proxy/gpt-4o-2024-08-06" and d.benchmark == "openagentsafety-mini"
    assert d.environment["details"]["server_image"] == "ghcr.io/example/agent-server:1.0"
    assert d.environment["max_attempts"] == 3 and d.environment["dataset_split"] == "train"
    assert d.tasks == ["safety-share", "safety-empty"]
    dump = d.model_dump_json() + "".join(t.model_dump_json() for t in traces(fx / "eval_v1" / "output.jsonl"))
    assert "sk-live-never-copy" not in dump and "proxy.example" not in dump


# --------------------------------------------------------------------------
# V1 conversation folder
# --------------------------------------------------------------------------


def test_conversation_trace(fx: Path):
    conv = fx / "conv_v1" / "3f2a"
    t = one(conv / "base_state.json", "conv/base_state.json")
    assert t.id == t.task_id == "3f2a0000-0000-4000-8000-000000000001"
    assert t.status == "completed" and t.termination_reason == "execution_status: finished"
    assert kinds(t) == Counter(message=4, tool_result=2, observation=2, terminal_command=1, submission=1)
    files = sorted(p.name for p in (conv / "events").iterdir())
    assert t.steps[0].source == f"events/{files[0]}#"
    reasoning, thought, cmd, result = t.steps[2:6]
    assert reasoning.title == "reasoning" and reasoning.source == f"events/{files[2]}#/reasoning_content"
    assert thought.content == "I will run pytest." and cmd.content == "pytest -q" and cmd.title == "run the tests"
    assert cmd.usage.input_tokens == 1000 and cmd.usage.cost_usd == pytest.approx(0.001)
    assert cmd.duration_s == pytest.approx(0.5)
    assert result.title == "exit 1" and result.is_error and result.tool_call_id == "call_T"
    cond = next(s for s in t.steps if s.title == "condensation")
    assert "forgot 2 event(s)" in cond.content and cond.usage.input_tokens == 500
    sub = next(s for s in t.steps if s.kind == StepKind.submission)
    assert t.deciding_step == sub.index and t.submission == "One test fails; see the report."
    assert t.usage.cost_usd == pytest.approx(0.0035) and t.usage.input_tokens == 3500  # agent + condenser
    assert t.steps[-1].title == "FancyNewEvent"
    assert any("ConversationStateUpdateEvent" in n for n in t.notes)
    assert any("FancyNewEvent" in n and "generically" in n for n in t.notes)
    assert t.model == "openai/gpt-4o-mini"
    # event files yield nothing when base_state.json is there; the folder given whole yields the same trace
    assert all(traces(p) == [] for p in (conv / "events").iterdir())
    assert one(conv, "conv").id == t.id


def test_conversation_without_base_state(fx: Path, tmp_path: Path):
    conv = tmp_path / "c1"
    shutil.copytree(fx / "conv_v1" / "3f2a", conv)
    (conv / "base_state.json").unlink()
    assert IMP.sniff(conv) is None
    files = sorted((conv / "events").iterdir())
    t = one(files[0])
    assert t.id == "c1" and t.status == "completed" and t.termination_reason == "finish"
    assert t.usage.cost_usd is None and any("no base_state.json" in n for n in t.notes)
    assert all(traces(p) == [] for p in files[1:])


def test_conversation_drafts(fx: Path):
    conv = fx / "conv_v1" / "3f2a"
    (d,) = IMP.drafts(conv)
    assert d.run_id == "3f2a" and d.model == "openai/gpt-4o-mini" and d.tasks == [
        "3f2a0000-0000-4000-8000-000000000001"]
    assert d.agent == "openhands-gpt-4o-mini" and re.match(ID_PATTERN, d.agent)
    assert d.names[str(conv / "base_state.json")] == "base_state.json"
    assert sum(1 for n in d.names.values() if n.startswith("events/event-")) == 9
    assert d.environment["tools"] == ["terminal", "browser_use"] and d.environment["max_iterations"] == 100
    assert "secret-proxy" not in d.model_dump_json() and "**********" not in d.model_dump_json()
    for p in (conv / "base_state.json", conv / "events", next((conv / "events").iterdir())):
        (d2,) = IMP.drafts(p)
        assert d2.names == d.names


# --------------------------------------------------------------------------
# helpers and broken input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dataset, split, bench",
    [
        ("princeton-nlp__SWE-bench_Verified-test", None, "swe-bench-verified"),
        ("princeton-nlp/SWE-bench_Lite", "test", "swe-bench-lite"),
        ("princeton-nlp__SWE-bench-test", None, "swe-bench"),
        ("Multi-SWE-bench/multi_swe_bench", "train", "multi-swe-bench"),
        ("MariusHobbhahn/swe-bench-verified-mini", "test", "swe-bench-verified-mini"),
        ("mgulavani/openagentsafety_full_updated", "train", "openagentsafety-full-updated"),
        ("__home__me__data__my_subset.jsonl-train", None, None),
        ("/data/x.jsonl", None, None),
        (None, None, None),
    ],
)
def test_benchmark_from_dataset(dataset, split, bench):
    assert _benchmark(dataset, split) == bench


def test_broken_jsonl_line_is_input_error(fx: Path, tmp_path: Path):
    good = (fx / "eval_v0" / "output.jsonl").read_text().splitlines()[0]
    path = write(tmp_path / "output.jsonl", good + "\n{broken\n")
    with pytest.raises(InputError) as exc:
        traces(path, "output.jsonl")
    assert exc.value.place == "line 2" and exc.value.file == "output.jsonl"


@pytest.mark.parametrize(
    "change, place",
    [
        (lambda r: r.update(history={}), "line 1#/history"),
        (lambda r: r.update(instance_id=[1]), "line 1#/instance_id"),
        (lambda r: r.update(test_result=[]), "line 1#/test_result"),
        (lambda r: r["test_result"].update(git_patch=5), "line 1#/test_result/git_patch"),
        (lambda r: r["history"].__setitem__(2, "oops"), "line 1#/history/2"),
        (lambda r: r["history"][2].update(action=7), "line 1#/history/2/action"),
        (lambda r: r["history"][2].update(timestamp="yesterday"), "line 1#/history/2/timestamp"),
        (lambda r: r["history"][2].update(args=[]), "line 1#/history/2/args"),
        (lambda r: r["history"][2].update(llm_metrics=3), "line 1#/history/2/llm_metrics"),
        (lambda r: r["metrics"].update(token_usages={}), "line 1#/metrics/token_usages"),
        (lambda r: r["metrics"].update(accumulated_cost="free"), "line 1#/metrics/accumulated_cost"),
    ],
)
def test_shape_errors_name_the_place(fx: Path, tmp_path: Path, change, place):
    rec = lines(fx / "eval_v0" / "output.jsonl")[0]
    change(rec)
    path = write(tmp_path / "output.jsonl", json.dumps(rec) + "\n")
    with pytest.raises(InputError) as exc:
        traces(path, "output.jsonl")
    assert exc.value.place == place
    assert "expected" in exc.value.message


def test_broken_conversation_event_names_its_file(fx: Path, tmp_path: Path):
    conv = tmp_path / "c2"
    shutil.copytree(fx / "conv_v1" / "3f2a", conv)
    victim = sorted((conv / "events").iterdir())[2]
    data = json.loads(victim.read_text())
    data["action"] = "run"
    victim.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        traces(conv / "base_state.json", "c2/base_state.json")
    assert exc.value.file == f"c2/events/{victim.name}" and exc.value.place == "/action"
    del data["kind"]
    victim.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        traces(conv / "base_state.json", "c2/base_state.json")
    assert exc.value.place == "/kind"


def test_broken_event_list(tmp_path: Path):
    path = write(tmp_path / "t.json", [{"id": 0, "timestamp": "2025-01-01T00:00:00", "source": "user",
                                        "action": "message", "args": {"content": 5}}, 3])
    with pytest.raises(InputError) as exc:
        traces(path, "t.json")
    assert exc.value.place == "/1"


# --------------------------------------------------------------------------
# real files: ../shared/corpus/openhands
# --------------------------------------------------------------------------


def _corpus(corpus: Path, name: str) -> Path:
    path = corpus / "openhands" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def _unique_usage(events: list) -> tuple[int, int]:
    """Prompt and completion tokens of the distinct model responses recorded on actions."""
    seen, inp, out = set(), 0, 0
    for e in events:
        mr = (e.get("tool_call_metadata") or {}).get("model_response")
        if "action" in e and isinstance(mr, dict) and mr.get("id") not in seen:
            seen.add(mr["id"])
            inp += mr["usage"]["prompt_tokens"]
            out += mr["usage"]["completion_tokens"]
    return inp, out


def _check_v0_steps(trace, events: list, base: str) -> None:
    """Every step's source points at an event whose type fits the step."""
    for s in trace.steps:
        if s.kind == StepKind.score or s.source.split("#")[-1].startswith(("/test_result", "/error", "/instruction")):
            continue
        ptr = s.source.split("#", 1)[1] if "#" in s.source else s.source
        idx = int(ptr[len(base):].split("/")[1])
        e = events[idx]
        if s.kind == StepKind.terminal_command:
            assert e["action"] == "run" and s.content == e["args"]["command"]
        elif s.kind == StepKind.tool_result:
            assert "observation" in e and s.content == e["content"]
            assert s.tool_call_id == e["tool_call_metadata"]["tool_call_id"]
        elif s.kind == StepKind.error:
            assert e.get("observation") == "error" and s.content == e["content"]
        elif ptr.endswith("/args/thought"):
            assert s.content == e["args"]["thought"]


def test_corpus_v0_event_lists(corpus: Path):
    for name in ("v0-eventstream.rfc-openhands_trajectory.json", "v0-trajs-basic.json"):
        path = _corpus(corpus, name)
        events = json.loads(path.read_text())
        assert IMP.sniff(path) is None
        t = one(path)
        _check_v0_steps(t, events, "")
        actions = Counter(e.get("action") for e in events)
        assert kinds(t)["terminal_command"] == actions["run"]
        assert kinds(t)["submission"] == actions["finish"] == 1
        assert t.status == "completed" and t.deciding_step == next(
            s.index for s in t.steps if s.kind == StepKind.submission)
        inp, out = _unique_usage(events)
        assert sum(s.usage.input_tokens or 0 for s in t.steps if s.usage) == inp
        assert sum(s.usage.output_tokens or 0 for s in t.steps if s.usage) == out
        metrics = [e["llm_metrics"] for e in events if "llm_metrics" in e]
        if metrics:
            assert t.usage.cost_usd == pytest.approx(metrics[-1]["accumulated_cost"])
            assert t.usage.input_tokens == metrics[-1]["accumulated_token_usage"]["prompt_tokens"]
        else:
            assert (t.usage.input_tokens, t.usage.output_tokens) == (inp, out)
        assert t.started_at.tzinfo is not None and t.started_at.replace(tzinfo=None).isoformat() == events[0][
            "timestamp"]
        (d,) = IMP.drafts(path)
        assert d.tasks == [path.stem] and re.match(ID_PATTERN, d.run_id)


def test_corpus_v0_eval_output(corpus: Path):
    path = _corpus(corpus, "v0-eval-output.multi_swe_bench.jsonl")
    records = lines(path)
    assert IMP.sniff(path) is None
    ts = traces(path, "out.jsonl")
    assert [t.id for t in ts] == [r["instance_id"] for r in records]
    for n, (t, r) in enumerate(zip(ts, records), start=1):
        hist = r["history"]
        _check_v0_steps(t, hist, "/history")
        assert t.source_pointer == f"line {n}"
        assert kinds(t)["terminal_command"] == sum(1 for e in hist if e.get("action") == "run")
        assert kinds(t)["error"] == sum(1 for e in hist if e.get("observation") == "error") + (1 if r["error"] else 0)
        expected_status = ("limit" if "maximum iteration" in r["error"] else "error") if r["error"] else (
            "completed" if any(e.get("action") == "finish" for e in hist) else "incomplete")
        assert t.status == expected_status
        sub = next(s for s in t.steps if s.kind == StepKind.submission)
        assert sub.content == t.submission == r["test_result"]["git_patch"] and t.deciding_step == sub.index
        assert t.score is None  # no report in test_result, no report.json beside the sample
        acc = r["metrics"]["accumulated_token_usage"]
        assert (t.usage.input_tokens, t.usage.output_tokens) == (acc["prompt_tokens"], acc["completion_tokens"])
        assert t.usage.cost_usd == r["metrics"]["accumulated_cost"]
        inp, out = _unique_usage(hist)
        assert sum(s.usage.input_tokens or 0 for s in t.steps if s.usage) == inp
        assert sum(s.usage.output_tokens or 0 for s in t.steps if s.usage) == out
        latencies = {x["response_id"]: x["latency"] for x in r["metrics"]["response_latencies"]}
        for s in t.steps:
            if s.duration_s is not None:
                assert s.duration_s in latencies.values()
        assert t.model == r["metadata"]["llm_config"]["model"]
    (d,) = IMP.drafts(path)
    assert d.tasks == [r["instance_id"] for r in records]
    assert d.model == records[0]["metadata"]["llm_config"]["model"] and d.harness_version == "0.35.0"
    assert d.benchmark is None  # the dataset is a local file path
    assert "**********" not in d.model_dump_json()


def test_corpus_v1_eval_output(corpus: Path):
    path = _corpus(corpus, "v1-sdk-eval-output.openagentsafety.jsonl")
    records = lines(path)
    assert IMP.sniff(path) is None
    ts = traces(path)
    assert [t.id for t in ts] == [r["instance_id"] for r in records]
    for t, r in zip(ts, records):
        hist = r["history"]
        assert t.steps[0].kind == StepKind.message and t.steps[0].content == r["instruction"]
        bash = sum(1 for e in hist if e["kind"] == "ActionEvent" and e["action"]["kind"] == "ExecuteBashAction")
        assert kinds(t)["terminal_command"] == bash
        assert kinds(t)["tool_result"] == sum(1 for e in hist if e["kind"] == "ObservationEvent")
        finished = any(e["kind"] == "ActionEvent" and e["action"]["kind"] == "FinishAction" for e in hist)
        assert kinds(t)["submission"] == (1 if finished else 0)
        assert t.status == ("completed" if finished else "incomplete")
        fs = r["test_result"]["final_score"]
        expected = fs["result"] / fs["total"] if fs["total"] else None
        assert t.score == expected and t.score_source == "test_result.final_score"
        assert t.steps[-1].kind == StepKind.score
        for s in t.steps[1:-1]:
            event = resolve(r, s.source.split("#", 1)[1])
            assert event["kind"] in ("ActionEvent", "ObservationEvent")
        assert t.model == r["metadata"]["llm"]["model"]
    (d,) = IMP.drafts(path)
    assert d.benchmark == "openagentsafety-full-updated" and d.model == records[0]["metadata"]["llm"]["model"]


def test_corpus_v1_conversation(corpus: Path):
    conv = _corpus(corpus, "v1-conversation-cd945624")
    state = json.loads((conv / "base_state.json").read_text())
    events = [json.loads(p.read_text()) for p in sorted((conv / "events").iterdir())]
    assert IMP.sniff(conv) is None
    t = one(conv / "base_state.json")
    metrics = state["stats"]["usage_to_metrics"]
    assert t.usage.cost_usd == pytest.approx(sum(m["accumulated_cost"] for m in metrics.values()))
    assert t.usage.input_tokens == sum(m["accumulated_token_usage"]["prompt_tokens"] for m in metrics.values())
    tokens = [u for m in metrics.values() for u in m["token_usages"]]
    assert sum(s.usage.input_tokens for s in t.steps if s.usage) == sum(u["prompt_tokens"] for u in tokens)
    assert sum(s.usage.output_tokens for s in t.steps if s.usage) == sum(u["completion_tokens"] for u in tokens)
    kinds_in_file = Counter(e["kind"] for e in events)
    actions = [e for e in events if e["kind"] == "ActionEvent"]
    assert kinds(t)["terminal_command"] == sum(1 for e in actions if e["action"]["kind"] == "TerminalAction")
    assert kinds(t)["submission"] == sum(1 for e in actions if e["action"]["kind"] == "FinishAction")
    assert kinds(t)["tool_result"] == kinds_in_file["ObservationEvent"]
    assert kinds(t)["message"] == kinds_in_file["SystemPromptEvent"] + kinds_in_file["MessageEvent"]
    assert t.status == "completed" and state["execution_status"] == "finished"
    assert t.model == state["agent"]["llm"]["model"] and t.id == state["id"]
    names = sorted(p.name for p in (conv / "events").iterdir())
    for s in t.steps:
        name, _, ptr = s.source.partition("#")
        assert name.startswith("events/") and name[len("events/"):] in names
        resolve(events[names.index(name[len("events/"):])], ptr)  # the pointer exists in that file
    (d,) = IMP.drafts(conv)
    assert len(d.files) == 1 + len(events) and d.model == state["agent"]["llm"]["model"]


def test_corpus_nothing_else_is_openhands(corpus: Path):
    """The sniffer takes only the OpenHands samples of the whole corpus."""
    taken = [p.relative_to(corpus).as_posix() for p in sorted(corpus.rglob("*")) if IMP.sniff(p) is None]
    assert taken and all(p.startswith("openhands/") for p in taken), taken
    assert IMP.sniff(corpus / "openhands") is not None
