"""tau-bench (v1) importer: fixtures written for these tests, then the real corpus."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator import importers
from generator.errors import InputError
from generator.importers.tau_bench_v1 import TauBenchV1, parse_name
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds, write_json

IMP = TauBenchV1()
RESULTS = "tool-calling-gpt-4o-mini-0.0_range_0-2_user-gpt-4o-llm_0105120000.json"


@pytest.fixture
def tau(fixtures: Path) -> Path:
    return fixtures / "tau_bench"


write = write_json


def test_sniff_and_refusals(tau: Path, fixtures: Path, tmp_path: Path):
    assert IMP.sniff(tau / RESULTS) is None
    assert IMP.sniff(tau / "sonnet-35-new-airline.json") is None
    assert IMP.sniff(tau) is not None
    # tau2-bench files are objects with "simulations": never this format
    for p in sorted((fixtures / "tau2").rglob("*.json")):
        assert IMP.sniff(p) is not None, p
    shutil.copy(fixtures / "tau2" / "results.json", tmp_path / "results.json")
    with pytest.raises(InputError) as exc:
        list(IMP.traces(tmp_path / "results.json", "results.json"))
    assert "tau2" in exc.value.message
    write(tmp_path / "list.json", [{"task_id": 1, "reward": 1.0}])
    assert IMP.sniff(tmp_path / "list.json") is not None
    write(tmp_path / "empty.json", [])
    assert IMP.sniff(tmp_path / "empty.json") is not None
    (tmp_path / "r.txt").write_text((tau / RESULTS).read_text())
    assert IMP.sniff(tmp_path / "r.txt") == "not a .json file"
    imp, _ = importers.detect(tau / RESULTS)
    assert imp is not None and imp.name == "tau-bench"


def test_parse_name():
    assert parse_name("tool-calling-gpt-4o-0.0_range_0--1_user-gpt-4o-llm_0612073827") == {
        "strategy": "tool-calling", "model": "gpt-4o", "temperature": 0.0, "task_range": [0, -1],
        "user_model": "gpt-4o", "user_strategy": "llm", "file_time": "0612073827"}
    assert parse_name("react-claude-3-5-sonnet-20240620-0.5_range_10-20_user-gpt-4-turbo-react_1231235959")["model"] \
        == "claude-3-5-sonnet-20240620"
    assert parse_name("gpt-4o-airline") == {"model": "gpt-4o", "domain": "airline"}
    assert parse_name("sonnet-35-new-retail") == {"model": "sonnet-35-new", "domain": "retail"}
    assert parse_name("results") == {}


def test_completed_trace(tau: Path):
    t = list(IMP.traces(tau / RESULTS, RESULTS))[0]
    assert kinds(t) == ["message", "message", "message", "tool_call", "tool_result", "tool_call", "tool_result",
                        "tool_call", "tool_result", "message", "message", "score"]
    assert t.id == "0-t1" and t.task_id == "0" and t.trial == 1
    assert t.status == "completed" and t.termination_reason == "user_stop"
    assert t.score == 1.0 and t.score_source == "reward" and t.deciding_step == 12
    assert t.steps[3].tool_call.arguments == {"email": "ana@example.com"} and t.steps[3].tool_call_id == "call_1"
    assert t.steps[4].tool_call_id == "call_1" and t.steps[4].title == "find_user_id_by_email"
    assert t.steps[5].tool_call.arguments == '{"order_id": "#W100", "reason": '  # invalid JSON kept as written
    assert t.steps[6].is_error and not t.steps[8].is_error
    assert t.steps[0].actor == "system" and t.steps[2].model == "gpt-4o-mini" and t.steps[1].model == "gpt-4o"
    assert t.steps[3].source == "/0/traj/2/tool_calls/0" and t.steps[-1].source == "/0/info/reward_info"
    text = t.scorer_explanation
    assert "r_actions 1" in text and "aa11bb22" in text and "cancel_pending_order" in text
    assert t.steps[-1].content == text and t.steps[-1].actor == "scorer"
    assert t.metadata["user_cost"] == 0.0021 and t.metadata["domain"] == "retail"
    assert t.usage.tokens() is None and t.usage.cost_usd is None
    assert any("not valid JSON" in n for n in t.notes)


def test_outputs_error_and_limit_traces(tau: Path):
    _, outputs, error, limit = list(IMP.traces(tau / RESULTS, RESULTS))
    assert kinds(outputs) == ["message", "message", "message", "tool_call", "tool_result", "score"]
    assert outputs.termination_reason == "transfer_to_human_agents" and outputs.score == 0.0
    assert "[not found] 42" in outputs.scorer_explanation and "r_outputs 0" in outputs.scorer_explanation
    assert error.status == "error" and error.id == "0-t2" and error.trial == 2
    assert error.error == "litellm.RateLimitError: rate limit exceeded"
    assert kinds(error) == ["error", "score"] and "Traceback" in error.steps[0].content
    assert limit.status == "limit" and limit.termination_reason == "max_num_steps"
    assert kinds(limit) == ["message", "message", "tool_call", "tool_result", "score"]
    assert limit.deciding_step == 5 and "turn limit" in limit.scorer_explanation
    assert any("no reward_info" in n for n in limit.notes)


def test_drafts(tau: Path):
    [d] = IMP.drafts(tau / RESULTS)
    assert d.run_id == RESULTS[:-5] and re.match(ID_PATTERN, d.run_id)
    assert d.model == "gpt-4o-mini" and d.agent == "tool-calling-gpt-4o-mini" and d.harness == "tau-bench"
    assert d.benchmark == "tau-bench-retail" and d.metadata["domain_from"] == "system prompt"
    assert d.tasks == ["0", "1"]
    assert d.environment == {"user_model": "gpt-4o", "user_strategy": "llm", "temperature": 0.0,
                             "task_range": [0, 2], "num_trials": 2}
    assert d.metadata["file_time"] == "0105120000"
    f = str((tau / RESULTS).resolve())
    assert d.files == [f] and d.formats == {f: "tau-bench"} and d.names == {f: RESULTS}
    assert d.declared.overall is None
    [h] = IMP.drafts(tau / "sonnet-35-new-airline.json")
    assert h.benchmark == "tau-bench-airline" and h.model == "sonnet-35-new" and h.agent == "tau-bench-sonnet-35-new"
    assert h.metadata["domain_from"] == "file name"


def _records(tau: Path) -> list:
    return json.loads((tau / RESULTS).read_text())


@pytest.mark.parametrize("mutate, place", [
    (lambda d: d[0].__setitem__("task_id", None), "/0/task_id"),
    (lambda d: d[1].__setitem__("traj", "hello"), "/1/traj"),
    (lambda d: d[0]["traj"][2]["tool_calls"][0].pop("function"), "/0/traj/2/tool_calls/0/function"),
    (lambda d: d[0]["traj"][2]["tool_calls"][0]["function"].pop("name"), "/0/traj/2/tool_calls/0/function/name"),
    (lambda d: d[0].__setitem__("reward", "1.0"), "/0/reward"),
    (lambda d: d[0].__setitem__("reward", True), "/0/reward"),
    (lambda d: d[0].__setitem__("info", []), "/0/info"),
    (lambda d: d[0]["traj"][3].pop("role"), "/0/traj/3/role"),
    (lambda d: d[0]["traj"][3].__setitem__("tool_call_id", 3), "/0/traj/3/tool_call_id"),
    (lambda d: d[0]["traj"][1].__setitem__("content", 5), "/0/traj/1/content"),
    (lambda d: d[0].__setitem__("trial", "a"), "/0/trial"),
    (lambda d: d[0]["info"].__setitem__("reward_info", 1), "/0/info/reward_info"),
    (lambda d: d.__setitem__(2, "x"), "/2"),
])
def test_broken_input(tmp_path: Path, tau: Path, mutate, place):
    recs = _records(tau)
    mutate(recs)
    path = write(tmp_path / RESULTS, recs)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, RESULTS))
    assert exc.value.place == place
    assert exc.value.message.startswith("expected")


def test_invalid_json(tmp_path: Path):
    (tmp_path / "r.json").write_text('[{"task_id": 0, "reward": 1.0, "info": {}, "traj": [')
    with pytest.raises(InputError) as exc:
        list(IMP.traces(tmp_path / "r.json", "r.json"))
    assert exc.value.place.startswith("line 1")
    with pytest.raises(InputError):
        IMP.drafts(tmp_path / "r.json")


# --------------------------------------------------------------------------
# the real corpus
# --------------------------------------------------------------------------


def _expected(rec: dict) -> tuple[int, int, int]:
    msgs = calls = results = 0
    for m in rec["traj"]:
        if m["role"] == "tool":
            results += 1
            continue
        tc = m.get("tool_calls") or []
        calls += len(tc)
        if (m.get("content") or "").strip() or not tc:
            msgs += 1
    return msgs, calls, results


def test_corpus_files(corpus: Path):
    files = sorted((corpus / "tau-bench").glob("*.json"))
    if not files:
        pytest.skip("no tau-bench samples in the corpus")
    for path in files:
        assert IMP.sniff(path) is None, path
        raw = json.loads(path.read_text(encoding="utf-8"))
        traces = list(IMP.traces(path, path.name))
        assert len(traces) == len(raw) and len({t.id for t in traces}) == len(raw)
        for n, (t, rec) in enumerate(zip(traces, raw)):
            where = f"{path.name}/{n}"
            assert t.task_id == str(rec["task_id"]) and t.trial == rec["trial"] + 1, where
            assert t.score == rec["reward"], where
            counted = tuple(sum(1 for s in t.steps if s.kind == k)
                            for k in (StepKind.message, StepKind.tool_call, StepKind.tool_result))
            assert counted == _expected(rec), where
            ri = rec["info"].get("reward_info")
            if "error" in rec["info"]:
                assert t.status == "error", where
            elif ri is None:
                assert t.status == "limit", where
            else:
                assert t.status == "completed", where
                assert t.termination_reason == ("user_stop" if rec["info"]["source"] == "user"
                                                else rec["info"]["source"]), where
            assert t.deciding_step == len(t.steps) and t.steps[-1].kind == StepKind.score, where
        [d] = IMP.drafts(path)
        assert d.benchmark == "tau-bench-airline" and d.model == "gpt-4o"
        assert d.tasks == list(dict.fromkeys(str(r["task_id"]) for r in raw))
        assert d.environment["num_trials"] == len({r["trial"] for r in raw})


def test_corpus_sniff_refuses_tau2_and_others(corpus: Path):
    for path in sorted(corpus.rglob("*")):
        if IMP.sniff(path) is None:
            assert path.parent.name == "tau-bench", path
