"""mini-swe-agent importer: own fixtures (v1 fences, v2 run folder with text-based and
tool-calling trajectories, a Responses-API trajectory, a bare message list), synthetic
files written to tmp_path, and the real files in ../shared/corpus/mini-swe-agent."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.mini_swe_agent import MiniSWEAgent
from generator.model import ID_PATTERN, StepKind
from importer_helpers import kind_counts as kinds, only_trace, write_json

IMP = MiniSWEAgent()
FENCE = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)


@pytest.fixture
def fx(fixtures: Path) -> Path:
    return fixtures / "mini_swe_agent"


def one(path: Path, label: str | None = None):
    return only_trace(IMP, path, label)


def write(path: Path, data) -> Path:
    return write_json(path, data, indent=1)


def minimal(messages: list, **info) -> dict:
    return {"info": {"mini_version": "2.0.0", **info}, "messages": messages, "trajectory_format": "mini-swe-agent-1.1"}


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_accepts_trajectories_folders_preds_and_message_lists(fx: Path):
    assert IMP.sniff(fx / "v1" / "calc__calc-1.traj.json") is None
    assert IMP.sniff(fx / "run_v2") is None
    assert IMP.sniff(fx / "run_v2" / "octo__widgets-101") is None  # an instance folder
    assert IMP.sniff(fx / "run_v2" / "preds.json") is None
    assert IMP.sniff(fx / "messages" / "issue.messages.json") is None
    assert IMP.sniff(fx / "responses" / "resp__task-1.traj.json") is None
    # a folder of run folders is walked by `import`, not claimed whole
    assert IMP.sniff(fx) is not None
    assert IMP.sniff(fx / "run_v2" / "exit_statuses_1760000000.yaml") is not None


def test_sniff_refuses_other_formats(tmp_path: Path, fixtures: Path):
    swe = write(tmp_path / "a" / "x__y-1.traj", {"trajectory": [], "history": [], "info": {"exit_status": "submitted"}})
    assert IMP.sniff(swe) is not None
    assert IMP.sniff(fixtures / "openhands" / "v0_events.json") is not None  # an OpenHands event list
    chat = write(tmp_path / "chat.json", [{"role": "system", "content": "hi"}, {"role": "user", "content": "hello"}])
    assert "markers" in IMP.sniff(chat)
    first_user = write(tmp_path / "u.json", [{"role": "user", "content": "<returncode>0</returncode>"}])
    assert IMP.sniff(first_user) is not None
    assert "not a .json" in IMP.sniff(write(tmp_path / "x.jsonl", "{}\n"))
    obj = write(tmp_path / "other.json", {"info": {}, "messages": []})
    assert IMP.sniff(obj) is not None
    assert IMP.sniff(write(tmp_path / "list.traj", "[1, 2]")) is not None
    atif = write(tmp_path / "trajectory.json", {"schema_version": "ATIF-v1.5", "session_id": "s",
                                                "agent": {"name": "mini-swe-agent", "version": "2.0.0"},
                                                "info": {"mini_version": "2.0.0"}, "steps": []})
    assert IMP.sniff(atif) is not None


def test_preds_json_beside_swe_agent_trajectories_is_refused(tmp_path: Path):
    preds = {"i-1": {"model_name_or_path": "gpt4", "instance_id": "i-1", "model_patch": ""}}
    exp = tmp_path / "swe"
    write(exp / "i-1" / "i-1.traj", {"trajectory": [], "history": [], "info": {}})
    write(exp / "preds.json", preds)
    assert "SWE-agent" in IMP.sniff(exp / "preds.json")
    imp, _ = detect(exp / "preds.json")
    assert imp is not None and imp.name == "swe-agent"
    # alone, a SWE-agent experiment name in model_name_or_path gives it away
    lone = write(tmp_path / "lone" / "preds.json",
                 {"i-1": {"model_name_or_path": "default__gpt4___swe_bench_lite_test", "instance_id": "i-1",
                          "model_patch": ""}})
    assert IMP.sniff(lone) is not None
    plain = write(tmp_path / "plain" / "preds.json", preds)
    assert IMP.sniff(plain) is None


def test_mini_traj_with_swe_agent_extension(tmp_path: Path):
    path = write(tmp_path / "trajs" / "a__b-1.traj", minimal([{"role": "system", "content": "s"}],
                                                             exit_status="Submitted", submission="d"))
    assert IMP.sniff(path) is None
    assert IMP.sniff(tmp_path / "trajs") is None
    t = one(path)
    assert t.task_id == "a__b-1" and t.status == "completed"


# --------------------------------------------------------------------------
# v1: fences in the text, user-message exit
# --------------------------------------------------------------------------


def test_v1_steps_kinds_and_sources(fx: Path):
    path = fx / "v1" / "calc__calc-1.traj.json"
    t = one(path)
    assert (t.id, t.task_id, t.trial) == ("calc__calc-1", "calc__calc-1", 1)
    # system + task, 4 assistant texts; 3 single-fence actions; 2 observations; 1 format error; exit → submission
    assert kinds(t) == Counter(message=6, terminal_command=3, observation=2, error=1, submission=1)
    assert [s.index for s in t.steps] == list(range(1, 14))
    cmd = t.steps[3]
    assert cmd.kind == StepKind.terminal_command and cmd.content == "cat calc.py"
    assert cmd.source == "/messages/2/content"
    fmt = next(s for s in t.steps if s.kind == StepKind.error)
    assert fmt.title == "format error" and fmt.source == "/messages/5" and fmt.is_error
    failed = t.steps[9]
    assert failed.kind == StepKind.observation and failed.title == "exit 1" and failed.is_error
    assert t.steps[4].title == "exit 0" and not t.steps[4].is_error
    assert any("2 code blocks" in n for n in t.notes)


def test_v1_submission_usage_status(fx: Path):
    path = fx / "v1" / "calc__calc-1.traj.json"
    data = json.loads(path.read_text())
    t = one(path)
    assert t.status == "completed" and t.termination_reason == "Submitted"
    last = t.steps[-1]
    assert last.kind == StepKind.submission and last.source == "/messages/9"
    assert last.content == t.submission == data["info"]["submission"]
    assert t.deciding_step == len(t.steps)
    assert t.usage.cost_usd == pytest.approx(0.0123)
    assert t.usage.input_tokens == 500 + 560 + 620 + 700 and t.usage.output_tokens == 20 + 25 + 40 + 30
    assert t.metadata["api_calls"] == 4 and t.metadata["mini_version"] == "1.9.0"
    assert t.model == "anthropic/claude-sonnet-4-20250514"
    assert t.steps[2].usage.total_tokens == 520 and t.steps[2].model == "claude-sonnet-4-20250514"
    assert t.started_at is None and t.duration_s is None  # v1 has no timestamps
    assert t.score is None


# --------------------------------------------------------------------------
# v2 run folder: extra.actions, timestamps, tool calls, exit messages
# --------------------------------------------------------------------------


def test_v2_text_based_actions_and_timestamps(fx: Path):
    t = one(fx / "run_v2" / "octo__widgets-101" / "octo__widgets-101.traj.json")
    assert t.task_id == "octo__widgets-101"  # the instance_id key
    assert kinds(t) == Counter(message=6, terminal_command=2, observation=1, error=1, submission=1)
    reasoning = t.steps[2]
    assert reasoning.title == "reasoning" and reasoning.content == "Start by exploring."
    text, cmd, obs = t.steps[3], t.steps[4], t.steps[5]
    assert text.usage.cost_usd == pytest.approx(0.001) and text.usage.input_tokens == 100
    assert cmd.content == "ls" and cmd.source == "/messages/2/extra/actions/0"
    t0 = dt.datetime.fromtimestamp(1760000000.0, tz=dt.timezone.utc)
    assert cmd.timestamp == t0 + dt.timedelta(seconds=2)
    assert obs.duration_s == pytest.approx(0.5) and obs.title == "exit 0"
    assert t.steps[7].kind == StepKind.error and t.steps[7].title == "format error"
    sub = t.steps[-1]
    assert sub.kind == StepKind.submission and sub.source == "/messages/7"
    assert t.deciding_step == len(t.steps) and t.submission == "diff --git a/w.py b/w.py\n+fixed\n"
    assert t.started_at == t0 + dt.timedelta(seconds=2) and t.duration_s == pytest.approx(5.0)
    assert t.usage.cost_usd == pytest.approx(0.004)
    assert sum(s.usage.cost_usd for s in t.steps if s.usage) == pytest.approx(0.004)


def test_v2_tool_calls_and_limit(fx: Path):
    t = one(fx / "run_v2" / "octo__widgets-202" / "octo__widgets-202.traj.json")
    assert t.status == "limit" and t.termination_reason == "LimitsExceeded"
    assert t.submission is None and t.deciding_step is None and t.error is None
    cmds = [s for s in t.steps if s.kind == StepKind.terminal_command]
    assert [c.tool_call.id for c in cmds] == ["call_1", "call_2"]
    assert cmds[0].tool_call.function == "bash" and cmds[0].tool_call.arguments == {"command": "grep -rn bug ."}
    assert cmds[0].usage.input_tokens == 1000 and cmds[1].usage is None  # one response, usage once
    results = [s for s in t.steps if s.kind == StepKind.tool_result]
    assert [r.tool_call_id for r in results] == ["call_1", "call_2", "call_3"]
    assert results[0].is_error and not results[1].is_error and results[2].is_error  # rc 1, rc 0, exception_info
    assert results[1].duration_s == pytest.approx(1.5)
    other = next(s for s in t.steps if s.kind == StepKind.tool_call)
    assert other.title == "report" and other.tool_call.arguments == {"note": "stuck"}
    last = t.steps[-1]
    assert last.kind == StepKind.observation and last.title == "LimitsExceeded" and last.actor == "harness"


def test_responses_api_messages_and_error_exit(fx: Path):
    t = one(fx / "responses" / "resp__task-1.traj.json")
    assert t.status == "error" and t.termination_reason == "RuntimeError"
    assert t.error == "RuntimeError: docker container died"
    reasoning, text, call, result = t.steps[2:6]
    assert reasoning.title == "reasoning" and reasoning.source == "/messages/2/output/0" and reasoning.usage is None
    assert text.content == "Running the tests." and text.usage.input_tokens == 300 and text.usage.output_tokens == 40
    assert call.kind == StepKind.terminal_command and call.tool_call_id == "call_9" and call.content == "pytest -q"
    assert result.kind == StepKind.tool_result and result.tool_call_id == "call_9" and result.title == "exit 2"
    assert result.is_error and result.duration_s == pytest.approx(4.0)
    tb = t.steps[-1]
    assert tb.kind == StepKind.error and tb.source == "/info/traceback" and "RuntimeError" in tb.content


def test_bare_message_list_infers_the_submission(fx: Path):
    t = one(fx / "messages" / "issue.messages.json")
    assert t.task_id == "issue.messages"
    assert kinds(t) == Counter(message=4, terminal_command=2, observation=1, submission=1)
    assert t.steps[0].source == "/0" and t.steps[3].source == "/2/content"
    assert t.status == "completed" and t.termination_reason is None
    assert t.submission.startswith("diff --git") and t.deciding_step == 8
    assert any("inferred" in n or "taken as the submission" in n for n in t.notes)
    assert t.usage.cost_usd is None and t.model is None


@pytest.mark.parametrize(
    "exit_status, status",
    [
        ("Submitted", "completed"),
        ("LimitsExceeded", "limit"),
        ("TimeExceeded", "limit"),
        ("CostLimitExceeded", "limit"),
        ("ContextWindowExceededError", "limit"),
        ("RepeatedFormatError", "limit"),
        ("UserInterruption", "incomplete"),
        ("KeyError", "error"),
        ("", "incomplete"),
        (None, "incomplete"),
    ],
)
def test_status_mapping(tmp_path: Path, exit_status, status):
    info = {"submission": "boom"} | ({"exit_status": exit_status} if exit_status is not None else {})
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "t"},
            {"role": "assistant", "content": "x\n```bash\nls\n```"},
            {"role": "user", "content": "<returncode>0</returncode>\n<output>\n</output>"}]
    t = one(write(tmp_path / "s__t-1.traj.json", minimal(msgs, **info)))
    assert t.status == status
    assert t.termination_reason == (exit_status or None)
    if status == "error":
        assert t.error == f"{exit_status}: boom"
    if exit_status == "Submitted":
        assert t.steps[-1].kind == StepKind.submission and t.steps[-1].source == "/info/submission"
        assert t.deciding_step == len(t.steps)


# --------------------------------------------------------------------------
# drafts
# --------------------------------------------------------------------------


def test_drafts_run_folder(fx: Path):
    (d,) = IMP.drafts(fx / "run_v2")
    assert d.run_id == "run_v2" and re.match(ID_PATTERN, d.run_id)
    assert (d.agent, d.harness, d.harness_version) == ("mini-swe-agent-gpt-5-mini", "mini-swe-agent", "2.0.0")
    assert d.agent_name == "mini-swe-agent (openai/gpt-5-mini)"
    assert d.model == "openai/gpt-5-mini" and d.benchmark is None
    assert d.tasks == ["octo__widgets-101", "octo__widgets-202"]
    assert sorted(d.names.values()) == ["exit_statuses_1760000000.yaml",
                                        "octo__widgets-101/octo__widgets-101.traj.json",
                                        "octo__widgets-202/octo__widgets-202.traj.json", "preds.json"]
    assert set(d.formats.values()) == {"mini-swe-agent"} and all(Path(f).is_file() for f in d.files)
    assert d.environment["agent_type"] == "minisweagent.agents.default.DefaultAgent"
    assert d.environment["model_kwargs"] == {"temperature": 1.0}
    assert d.declared.tasks == {} and d.declared.overall is None
    assert list(IMP.traces(fx / "run_v2" / "preds.json", "preds.json")) == []
    assert list(IMP.traces(fx / "run_v2" / "exit_statuses_1760000000.yaml", "x.yaml")) == []
    # the folder given whole yields both traces
    assert [t.id for t in IMP.traces(fx / "run_v2", "run_v2")] == ["octo__widgets-101", "octo__widgets-202"]


def test_drafts_single_file_and_instance_folder(fx: Path):
    (d,) = IMP.drafts(fx / "run_v2" / "octo__widgets-202" / "octo__widgets-202.traj.json")
    assert d.run_id == "run_v2" and d.tasks == ["octo__widgets-202", "octo__widgets-101"]
    assert sorted(d.names.values()) == ["octo__widgets-202/octo__widgets-202.traj.json", "preds.json"]
    (d2,) = IMP.drafts(fx / "run_v2" / "octo__widgets-202")
    assert d2.names == d.names
    (p,) = IMP.drafts(fx / "run_v2" / "preds.json")
    assert p.tasks == ["octo__widgets-101", "octo__widgets-202"] and p.model == "openai/gpt-5-mini"
    assert list(p.names.values()) == ["preds.json"]


def test_secrets_are_never_copied(fx: Path):
    path = fx / "v1" / "calc__calc-1.traj.json"
    (d,) = IMP.drafts(path)
    t = one(path)
    assert "sk-never-copy" not in d.model_dump_json() and "sk-never-copy" not in t.model_dump_json()
    assert d.environment["model_kwargs"] == {"temperature": 0.0}


# --------------------------------------------------------------------------
# broken input
# --------------------------------------------------------------------------


def test_broken_json_is_input_error(tmp_path: Path):
    path = write(tmp_path / "b.traj.json", '{"info": {"mini_version": "2"},\n "messages": [,]}')
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "b.traj.json"))
    assert exc.value.file == "b.traj.json" and exc.value.place.startswith("line 2")


@pytest.mark.parametrize(
    "data, place",
    [
        (minimal("nope"), "/messages"),
        (minimal([{"role": "system", "content": "s"}, 7]), "/messages/1"),
        (minimal([{"role": "system", "content": 5}]), "/messages/0/content"),
        (minimal([{"role": 3, "content": "x"}]), "/messages/0/role"),
        (minimal([{"role": "assistant", "content": "x", "extra": []}]), "/messages/0/extra"),
        (minimal([{"role": "assistant", "content": "x", "extra": {"timestamp": "soon"}}]),
         "/messages/0/extra/timestamp"),
        (minimal([{"role": "assistant", "content": "x", "extra": {"cost": "cheap"}}]), "/messages/0/extra/cost"),
        (minimal([{"role": "assistant", "content": "x", "tool_calls": {}}]), "/messages/0/tool_calls"),
        (minimal([{"role": "assistant", "content": "x", "extra": {"actions": [{"cmd": "ls"}]}}]),
         "/messages/0/extra/actions/0/command"),
        (minimal([], model_stats={"instance_cost": "a lot"}), "/info/model_stats/instance_cost"),
        (minimal([], exit_status=3), "/info/exit_status"),
        ({"info": [], "messages": []}, "/info"),
    ],
)
def test_shape_errors_name_the_place(tmp_path: Path, data, place):
    path = write(tmp_path / "s.traj.json", data)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "s.traj.json"))
    assert exc.value.place == place
    assert "expected" in exc.value.message


def test_broken_predictions_is_input_error(tmp_path: Path):
    write(tmp_path / "run" / "a" / "a.traj.json", minimal([{"role": "system", "content": "s"}]))
    write(tmp_path / "run" / "preds.json",
          '{"a": {"model_name_or_path": "m", "instance_id": "a", "model_patch": ""}, "b": 5}')
    with pytest.raises(InputError) as exc:
        IMP.drafts(tmp_path / "run")
    assert exc.value.place == "/b"


# --------------------------------------------------------------------------
# real files: ../shared/corpus/mini-swe-agent
# --------------------------------------------------------------------------


def _expected(messages: list, exit_message: bool) -> Counter:
    """Step kinds computed straight from a v1 message list (one fence = one command)."""
    first = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    exp = Counter(message=first)
    after = messages[first:]
    last_is_exit = exit_message
    for j, m in enumerate(after):
        if m["role"] == "assistant":
            exp["message"] += 1
            exp["terminal_command"] += 1 if len(FENCE.findall(m["content"])) == 1 else 0
        elif j == len(after) - 1 and last_is_exit:
            exp["submission"] += 1
        else:
            exp["observation"] += 1
    return exp


def test_corpus_hello_world(corpus: Path):
    path = corpus / "mini-swe-agent" / "hello-world.mini-swe-agent-1.traj.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data = json.loads(path.read_text())
    assert IMP.sniff(path) is None
    t = one(path)
    assert kinds(t) == _expected(data["messages"], exit_message=True)
    assert t.status == "completed" and t.termination_reason == data["info"]["exit_status"] == "Submitted"
    assert t.submission == data["info"]["submission"] and t.deciding_step == len(t.steps)
    assert t.usage.cost_usd == pytest.approx(data["info"]["model_stats"]["instance_cost"])
    usages = [m["extra"]["response"]["usage"] for m in data["messages"] if m["role"] == "assistant"]
    assert t.usage.input_tokens == sum(u["prompt_tokens"] for u in usages)
    assert t.usage.output_tokens == sum(u["completion_tokens"] for u in usages)
    assert t.model == data["info"]["config"]["model"]["model_name"]
    commands = [s.content for s in t.steps if s.kind == StepKind.terminal_command]
    assert commands == [FENCE.findall(m["content"])[0].strip() for m in data["messages"] if m["role"] == "assistant"]
    for s in t.steps:
        assert s.source and s.source.startswith("/messages/")


def test_corpus_bare_message_list(corpus: Path):
    path = corpus / "mini-swe-agent" / "github_issue.messages.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data = json.loads(path.read_text())
    assert IMP.sniff(path) is None
    t = one(path)
    assert kinds(t) == _expected(data, exit_message=True)
    assert t.submission == data[-1]["content"] and t.steps[-1].source == f"/{len(data) - 1}"
    errors = [s for s in t.steps if s.is_error]
    expected_errors = sum(1 for m in data if m["role"] == "user" and re.match(r"<returncode>(?!0<)", m["content"]))
    assert len(errors) == expected_errors


def test_corpus_predictions_and_folder(corpus: Path):
    folder = corpus / "mini-swe-agent"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    preds = folder / "preds.results.json"
    data = json.loads(preds.read_text())
    assert IMP.sniff(preds) is None
    assert list(IMP.traces(preds, preds.name)) == []
    (p,) = IMP.drafts(preds)
    assert p.tasks == list(data) and p.model == next(iter(data.values()))["model_name_or_path"]
    assert IMP.sniff(folder) is None
    (d,) = IMP.drafts(folder)
    assert sorted(d.names.values()) == sorted(p.name for p in folder.iterdir())
    assert d.harness_version == "1.13.4" and re.match(ID_PATTERN, d.run_id)
    assert IMP.sniff(corpus) is not None


def test_corpus_nothing_else_is_mini_swe_agent(corpus: Path):
    """The sniffer takes only the mini-swe-agent samples of the whole corpus."""
    taken = [p.relative_to(corpus).as_posix() for p in sorted(corpus.rglob("*")) if IMP.sniff(p) is None]
    assert taken and all(p.startswith("mini-swe-agent") for p in taken), taken


def test_message_list_needs_the_task_second(tmp_path: Path):
    two_systems = write(tmp_path / "m.json", [{"role": "system", "content": "```mswea_bash_command"},
                                              {"role": "system", "content": "<returncode>0</returncode>"}])
    assert "second message" in IMP.sniff(two_systems)
