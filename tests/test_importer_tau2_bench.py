"""tau2-bench importer: results files, submission folders, voice ticks, broken input,
and the real files in ../shared/corpus (tau2-leaderboard, tau2-bench)."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import shutil
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers.tau2_bench import Tau2Bench
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds, write_json

IMP = Tau2Bench()
SUB_FOLDER = "example-agent_example-org_2026-01-02"


@pytest.fixture
def tau2(fixtures: Path) -> Path:
    return fixtures / "tau2"


write = write_json


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_accepts_tau2_inputs(tau2: Path):
    assert IMP.sniff(tau2 / "results.json") is None
    assert IMP.sniff(tau2 / SUB_FOLDER) is None
    assert IMP.sniff(tau2 / SUB_FOLDER / "submission.json") is None
    assert IMP.sniff(tau2 / SUB_FOLDER / "trajectories" / "airline.json") is None
    assert IMP.sniff(tau2 / "variant.json") is None
    assert IMP.sniff(tau2 / "voice-simulation.json") is None


def test_sniff_refuses_other_files(tmp_path: Path, tau2: Path):
    (tmp_path / "notes.md").write_text("# simulations\n")
    assert "not a .json" in IMP.sniff(tmp_path / "notes.md")
    write(tmp_path / "manifest.json", {"submissions": ["a_b_2026-01-01"]})
    assert "simulations" in IMP.sniff(tmp_path / "manifest.json")
    # A JSON Schema names model_name and results, but not as a submission's values.
    write(tmp_path / "schema.json", {"title": "Submission", "properties": {"model_name": {"type": "string"},
                                                                         "results": {"type": "object"}}})
    assert IMP.sniff(tmp_path / "schema.json") is not None
    write(tmp_path / "sims.json", {"info": {}, "simulations": {"not": "a list"}})
    assert IMP.sniff(tmp_path / "sims.json") is not None
    # Large file without any tau2 key near its start: refused from its head alone.
    write(tmp_path / "big.json", {"events": ["x" * 100] * 2000})
    assert IMP.sniff(tmp_path / "big.json") is not None
    (tmp_path / "bad.json").write_text('{"simulations": [')
    assert IMP.sniff(tmp_path / "bad.json") is not None
    assert IMP.sniff(tmp_path) is not None
    assert IMP.sniff(tau2 / SUB_FOLDER / "trajectories") is not None


# --------------------------------------------------------------------------
# traces from a results file
# --------------------------------------------------------------------------


def test_traces_is_a_generator(tau2: Path):
    assert inspect.isgenerator(IMP.traces(tau2 / "results.json", "results.json"))


def test_results_traces_basics(tau2: Path):
    traces = list(IMP.traces(tau2 / "results.json", "runs/r/results.json"))
    assert len(traces) == 4
    assert len({t.id for t in traces}) == 4
    assert [t.task_id for t in traces] == ["0", "0", "1", "1"]
    assert [t.trial for t in traces] == [1, 2, 1, 2]  # tau2 trials are 0-based
    assert [t.status for t in traces] == ["completed", "completed", "completed", "error"]
    assert [t.termination_reason for t in traces] == ["user_stop", "agent_stop", "user_stop", "infrastructure_error"]
    assert [t.score for t in traces] == [1.0, 0.0, 1.0, None]
    for n, t in enumerate(traces):
        assert t.source_file == "runs/r/results.json"
        assert t.source_pointer == f"/simulations/{n}"
        assert t.model == "agent-llm-1"
        assert any("UTC" in note for note in t.notes)


def test_successful_trace_steps(tau2: Path):
    t = next(IMP.traces(tau2 / "results.json", "results.json"))
    assert kinds(t) == ["message", "message", "tool_call", "tool_result", "message", "message", "score"]
    assert [s.index for s in t.steps] == list(range(1, 8))
    assert [s.actor for s in t.steps] == ["assistant", "user", "assistant", "tool", "assistant", "user", "scorer"]
    call = t.steps[2]
    assert call.tool_call.function == "get_user_details"
    assert call.tool_call.arguments == {"user_id": "mia_1"}
    assert call.tool_call.id == "call_1"
    assert call.source == "/simulations/0/messages/2/tool_calls/0"
    assert call.usage.input_tokens == 100 and call.usage.output_tokens == 20 and call.usage.cost_usd == 0.004
    result = t.steps[3]
    assert result.tool_call_id == "call_1" and result.title == "get_user_details" and not result.is_error
    assert result.source == "/simulations/0/messages/3"
    assert t.steps[0].content == "Hi! How can I help you today?"
    assert t.steps[0].timestamp == dt.datetime(2025, 6, 1, 10, 0, 0, tzinfo=dt.timezone.utc)
    assert t.started_at == dt.datetime(2025, 6, 1, 10, 0, 0, tzinfo=dt.timezone.utc)
    assert t.duration_s == 9.0
    # The agent's usage: agent_cost, and tokens of the assistant messages only.
    assert t.usage.cost_usd == 0.012
    assert (t.usage.input_tokens, t.usage.output_tokens) == (250, 30)
    assert t.metadata["user_usage"] == {"input_tokens": 120, "output_tokens": 17}
    assert t.metadata["user_cost"] == 0.001
    # The score step decides.
    assert t.deciding_step == len(t.steps)
    assert t.steps[t.deciding_step - 1].kind == StepKind.score
    assert t.score_source == "reward_info.reward"
    assert "action_checks: 1/1 matched" in t.scorer_explanation


def test_failed_trace_has_tool_error_and_explanation(tau2: Path):
    t = list(IMP.traces(tau2 / "results.json", "results.json"))[1]
    assert kinds(t) == ["message", "message", "message", "tool_call", "tool_result", "message", "score"]
    assert t.steps[0].actor == "system"
    assert t.steps[2].content == "Let me look that up."  # text and tool call in one message: both kept
    assert t.steps[3].tool_call.arguments == {"reservation_id": "ABC-123"}
    assert t.steps[4].is_error and "not found" in t.steps[4].content
    assert t.score == 0.0
    text = t.scorer_explanation
    assert "does not match" in text
    assert "action_checks: 1/2 matched" in text and "cancel_reservation" in text
    assert "nl_assertions: 0/1 met" in text and "never mentioned the policy" in text
    assert t.steps[-1].content == text and t.steps[-1].actor == "scorer"


def test_multi_tool_message_expands(tau2: Path):
    t = list(IMP.traces(tau2 / "results.json", "results.json"))[2]
    # Empty content with tool calls makes no message step; the MultiToolMessage makes two results.
    assert kinds(t) == ["message", "tool_call", "tool_call", "tool_result", "tool_result", "message", "score"]
    assert [s.tool_call_id for s in t.steps[3:5]] == ["call_3", "call_4"]
    assert t.steps[3].source == "/simulations/2/messages/2/tool_messages/0"
    assert t.usage.cost_usd is None


def test_infrastructure_error_trace(tau2: Path):
    t = list(IMP.traces(tau2 / "results.json", "results.json"))[3]
    assert t.status == "error" and t.score is None and t.deciding_step is None
    assert t.error == "RateLimitError: Rate limit exceeded"
    assert kinds(t) == ["error"]
    assert any("no reward_info" in n for n in t.notes)


def test_variant_file_and_zoned_timestamps(tau2: Path):
    traces = list(IMP.traces(tau2 / "variant.json", "variant.json"))
    assert len(traces) == 1
    t = traces[0]
    assert t.model == "agent-llm-2" and t.agent == "custom_agent" and t.trial == 1
    assert t.started_at == dt.datetime(2026, 3, 20, 16, 42, 31, tzinfo=dt.timezone.utc)
    assert kinds(t) == ["message", "message", "score"]
    [d] = IMP.drafts(tau2 / "variant.json")
    assert d.benchmark == "tau2-retail" and d.model == "agent-llm-2"
    assert d.declared.overall == 1.0


def test_voice_ticks(tau2: Path):
    [t] = list(IMP.traces(tau2 / "voice-simulation.json", "simulations/voice-0.json"))
    assert kinds(t) == ["message", "message", "tool_call", "tool_result"]
    assert t.steps[0].content == "Thanks for calling, how can I help?"
    assert t.steps[1].actor == "user" and t.steps[1].content == "I need to change my address."
    assert t.steps[2].tool_call.arguments == {"zip": "10001"}
    assert t.steps[0].source == "/ticks/1/agent_chunk"
    assert any("1 of 4 ticks" in n for n in t.notes)
    assert t.score is None and t.deciding_step is None


# --------------------------------------------------------------------------
# broken input: always InputError with a JSON pointer
# --------------------------------------------------------------------------


def test_message_without_role(tau2: Path):
    gen = IMP.traces(tau2 / "broken-role.json", "broken-role.json")
    first = next(gen)
    assert first.task_id == "7"
    with pytest.raises(InputError) as exc:
        next(gen)
    assert exc.value.place == "/simulations/1/messages/1/role"
    assert "expected" in exc.value.message


def _results(tau2: Path) -> dict:
    return json.loads((tau2 / "results.json").read_text())


@pytest.mark.parametrize("mutate, place", [
    (lambda d: d.__setitem__("simulations", {"a": 1}), "/simulations"),
    (lambda d: d["simulations"][1]["reward_info"].__setitem__("reward", "1.0"), "/simulations/1/reward_info/reward"),
    (lambda d: d["simulations"][1]["reward_info"].__setitem__("reward", True), "/simulations/1/reward_info/reward"),
    (lambda d: d["simulations"][0]["messages"][2]["tool_calls"][0].pop("name"),
     "/simulations/0/messages/2/tool_calls/0/name"),
    (lambda d: d["simulations"][0].__setitem__("messages", "hello"), "/simulations/0/messages"),
    (lambda d: d["simulations"][0].__setitem__("task_id", None), "/simulations/0/task_id"),
    (lambda d: d["simulations"][0].__setitem__("trial", "first"), "/simulations/0/trial"),
    (lambda d: d["simulations"][0].__setitem__("start_time", "yesterday"), "/simulations/0/start_time"),
    (lambda d: d["simulations"][0]["messages"][1].__setitem__("usage", {"prompt_tokens": "many"}),
     "/simulations/0/messages/1/usage/prompt_tokens"),
    (lambda d: d["simulations"].__setitem__(0, "not an object"), "/simulations/0"),
])
def test_broken_results_raise_input_error(tmp_path: Path, tau2: Path, mutate, place):
    doc = _results(tau2)
    mutate(doc)
    path = write(tmp_path / "results.json", doc)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "results.json"))
    assert exc.value.place == place
    assert exc.value.message.startswith("expected")


def test_invalid_json_and_unknown_document(tmp_path: Path):
    (tmp_path / "bad.json").write_text('{"info": {}, "simulations": [')
    with pytest.raises(InputError):
        list(IMP.traces(tmp_path / "bad.json", "bad.json"))
    with pytest.raises(InputError):
        IMP.drafts(tmp_path / "bad.json")
    write(tmp_path / "other.json", {"hello": "world"})
    with pytest.raises(InputError):
        list(IMP.traces(tmp_path / "other.json", "other.json"))
    with pytest.raises(InputError):
        IMP.drafts(tmp_path / "other.json")


def test_broken_submission_raises_input_error(tmp_path: Path, tau2: Path):
    sub = json.loads((tau2 / SUB_FOLDER / "submission.json").read_text())
    sub["results"]["airline"]["pass_1"] = "62.5"
    write(tmp_path / "submission.json", sub)
    with pytest.raises(InputError) as exc:
        IMP.drafts(tmp_path / "submission.json")
    assert exc.value.place == "/results/airline/pass_1"
    sub["results"]["airline"]["pass_1"] = 62.5
    sub["submission_date"] = "next week"
    write(tmp_path / "submission.json", sub)
    with pytest.raises(InputError) as exc:
        IMP.drafts(tmp_path / "submission.json")
    assert exc.value.place == "/submission_date"


# --------------------------------------------------------------------------
# drafts
# --------------------------------------------------------------------------


def test_results_file_draft(tau2: Path):
    [d] = IMP.drafts(tau2 / "results.json")
    assert re.match(ID_PATTERN, d.run_id) and re.match(ID_PATTERN, d.agent)
    assert d.run_id == "agent-llm-1-airline-2025-06-01"
    assert d.model == "agent-llm-1" and d.harness == "tau2-bench"
    assert d.benchmark == "tau2-airline" and d.benchmark_version == "0123456"
    assert d.tasks == ["0", "1"]
    assert d.declared.overall is None and not d.declared.pass_hat
    assert d.environment["user_simulator"] == "user-llm-1"
    assert d.environment["num_trials"] == 2
    assert d.files == [str((tau2 / "results.json").resolve())]
    assert "sk-fixture" not in d.model_dump_json()  # llm_args are never copied


def test_submission_folder_drafts(tau2: Path):
    folder = tau2 / SUB_FOLDER
    drafts = IMP.drafts(folder)
    # telecom is null and banking_knowledge has no value: no run for them.
    assert [d.benchmark for d in drafts] == ["tau2-airline", "tau2-retail"]
    air, retail = drafts
    for d in drafts:
        assert re.match(ID_PATTERN, d.run_id) and re.match(ID_PATTERN, d.agent) and re.match(ID_PATTERN, d.benchmark)
        assert d.agent == "example-agent-1.0" and d.agent_name == "Example Agent 1.0"
        assert d.organisation == "Example Labs"
        assert d.submitter.organisation == "Example Evaluators"
        assert d.submitted == dt.date(2026, 1, 2)
        assert d.harness == "custom" and d.benchmark_version == "1.0.1"
        dumped = d.model_dump_json()
        assert "contact-person@example.com" not in dumped and "Contact Person" not in dumped
    assert air.run_id == f"{SUB_FOLDER}-airline"
    assert air.declared.overall == pytest.approx(0.625)
    assert air.declared.pass_hat == {1: pytest.approx(0.625), 2: pytest.approx(0.5)}
    assert air.declared.cost_usd == 0.25
    assert air.declared.source == "submission.json results.airline"
    sub = str((folder / "submission.json").resolve())
    traj = str((folder / "trajectories" / "airline.json").resolve())
    assert air.files == [sub, traj]
    assert air.names == {sub: "submission.json", traj: "trajectories/airline.json"}
    assert air.tasks == ["0"]
    assert air.metadata["submission_type"] == "custom" and air.metadata["modality"] == "text"
    assert air.metadata["user_simulator"] == "gpt-4.1"
    assert retail.files == [sub]
    assert retail.metadata["trajectory_file_absent"] is True
    assert retail.declared.overall == pytest.approx(0.7) and retail.declared.cost_usd is None
    # The bare submission.json gives the same drafts.
    assert [d.model_dump() for d in IMP.drafts(folder / "submission.json")] == [d.model_dump() for d in drafts]


def test_submission_json_has_no_traces(tau2: Path):
    assert list(IMP.traces(tau2 / SUB_FOLDER / "submission.json", "submission.json")) == []
    traces = list(IMP.traces(tau2 / SUB_FOLDER / "trajectories" / "airline.json", "trajectories/airline.json"))
    assert [t.trial for t in traces] == [1, 2]


def test_trajectory_found_by_content_without_mapping(tmp_path: Path, tau2: Path):
    folder = tmp_path / "agent_org_2026-01-02"
    (folder / "trajectories").mkdir(parents=True)
    sub = json.loads((tau2 / SUB_FOLDER / "submission.json").read_text())
    del sub["trajectory_files"]
    write(folder / "submission.json", sub)
    shutil.copy(tau2 / SUB_FOLDER / "trajectories" / "airline.json", folder / "trajectories" / "run-1.json")
    air, retail = IMP.drafts(folder)
    assert [Path(f).name for f in air.files] == ["submission.json", "run-1.json"]
    assert retail.files == [str((folder / "submission.json").resolve())]


# --------------------------------------------------------------------------
# The real corpus
# --------------------------------------------------------------------------


def _expected_steps(sim: dict) -> tuple[int, int, int]:
    """(message, tool_call, tool_result) steps a simulation's messages should give."""
    msgs = calls = results = 0
    for m in sim.get("messages") or []:
        if m["role"] == "tool":
            results += len(m["tool_messages"]) if "tool_messages" in m else 1
            continue
        tc = m.get("tool_calls") or []
        calls += len(tc)
        if (m.get("content") or "").strip() or not tc:
            msgs += 1
    return msgs, calls, results


def _trajectory_files(corpus: Path) -> list[Path]:
    root = corpus / "tau2-leaderboard"
    return sorted(root.glob("*/*/trajectories/*.json")) + sorted(root.glob("extras/*.json"))


def test_corpus_trajectory_files(corpus: Path):
    files = _trajectory_files(corpus)
    if not files:
        pytest.skip("no tau2 trajectory files in the corpus")
    total = 0
    for path in files:
        assert IMP.sniff(path) is None, path
        raw = json.loads(path.read_text(encoding="utf-8"))
        sims = raw["simulations"]
        traces = list(IMP.traces(path, path.name))
        assert len(traces) == len(sims), path
        assert len({t.id for t in traces}) == len(traces), path
        for n, (trace, sim) in enumerate(zip(traces, sims)):
            where = f"{path.name}/simulations/{n}"
            ri = sim.get("reward_info")
            assert trace.score == (ri["reward"] if ri else None), where
            assert trace.task_id == str(sim["task_id"]) and trace.trial == sim["trial"] + 1, where
            counted = tuple(sum(1 for s in trace.steps if s.kind == k)
                            for k in (StepKind.message, StepKind.tool_call, StepKind.tool_result))
            assert counted == _expected_steps(sim), where
            if ri:
                assert trace.deciding_step == len(trace.steps), where
                assert trace.steps[-1].kind == StepKind.score, where
            total += 1
    assert total >= len(files)


def _submission_dirs(corpus: Path) -> list[Path]:
    root = corpus / "tau2-leaderboard"
    return sorted(p.parent for p in list(root.glob("submissions/*/submission.json"))
                  + list(root.glob("pr-submissions/*/submission.json")))


def test_corpus_submission_folders(corpus: Path):
    dirs = _submission_dirs(corpus)
    if not dirs:
        pytest.skip("no tau2 submissions in the corpus")
    for folder in dirs:
        raw = json.loads((folder / "submission.json").read_text(encoding="utf-8"))
        present = {d: v for d, v in raw["results"].items()
                   if isinstance(v, dict) and any(v.get(k) is not None for k in v if k.startswith("pass_") or k == "cost")}
        assert IMP.sniff(folder) is None, folder
        drafts = IMP.drafts(folder)
        suffix = "-voice" if str(raw.get("modality") or "text").lower() == "voice" else ""
        assert [d.benchmark for d in drafts] == [f"tau2-{d}{suffix}" for d in present], folder
        emails = [v for v in (raw.get("contact_info") or {}).values() if isinstance(v, str) and "@" in v]
        for draft, (domain, entry) in zip(drafts, present.items()):
            assert re.match(ID_PATTERN, draft.run_id), draft.run_id
            assert re.match(ID_PATTERN, draft.agent), draft.agent
            if entry.get("pass_1") is None:
                assert draft.declared.overall is None
            else:
                assert draft.declared.overall == pytest.approx(entry["pass_1"] / 100), (folder, domain)
            dumped = draft.model_dump_json()
            for email in emails:
                assert email not in dumped, folder
            for f in draft.files:
                assert Path(f).is_file() and f in draft.names


def test_corpus_trajectories_attached_to_drafts(corpus: Path):
    folder = corpus / "tau2-leaderboard" / "submissions" / "toolorchestra_nvidia_2025-12-02"
    if not folder.is_dir():
        pytest.skip("toolorchestra submission absent")
    by_domain = {d.benchmark: d for d in IMP.drafts(folder)}
    assert [Path(f).name for f in by_domain["tau2-airline"].files] == \
        ["submission.json", "toolorchestra_airline_gpt-5_1trial.json"]
    assert len(by_domain["tau2-retail"].tasks) == 114
    assert len(by_domain["tau2-telecom"].files) == 1


def test_corpus_refusals(corpus: Path):
    root = corpus / "tau2-leaderboard" / "submissions"
    for name in ("manifest.json", "schema.json", "README.md"):
        if (root / name).exists():
            assert IMP.sniff(root / name) is not None, name
    schema = corpus / "tau2-bench" / "submission.schema.json"
    if schema.exists():
        assert IMP.sniff(schema) is not None


def test_corpus_voice_simulation(corpus: Path):
    path = corpus / "tau2-bench" / "voice-simulation.49b22f0c.json"
    if not path.exists():
        pytest.skip("voice simulation sample absent")
    assert IMP.sniff(path) is None
    [t] = list(IMP.traces(path, path.name))
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert t.task_id == raw["task_id"] and t.trial == raw["trial"] + 1
    assert t.notes  # ticks without text are reported, not silently dropped
