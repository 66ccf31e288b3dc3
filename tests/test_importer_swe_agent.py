"""SWE-agent importer: own fixtures (0.x experiment folder), synthetic 1.x
files written to tmp_path, and the real files in ../shared/corpus/swe-agent."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers.swe_agent import SWEAgent, _benchmark_from_field, _slug
from generator.model import ID_PATTERN, StepKind
from importer_helpers import kind_counts as kinds, only_trace, write_json

EXP = "gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1"
IMP = SWEAgent()


@pytest.fixture
def exp(fixtures: Path) -> Path:
    return fixtures / "swe_agent" / EXP


def one(path: Path):
    return only_trace(IMP, path)


def write(path: Path, data) -> Path:
    return write_json(path, data, indent=2)


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff_accepts_traj_preds_and_folder(exp: Path):
    assert IMP.sniff(exp) is None
    assert IMP.sniff(exp / "octo__widgets-101.traj") is None
    assert IMP.sniff(exp / "all_preds.jsonl") is None
    # A folder of experiment folders is walked by `import`, not claimed whole,
    # so other formats beside the experiments are not swallowed.
    assert IMP.sniff(exp.parent) is not None


def test_sniff_refuses_with_reasons(tmp_path: Path):
    assert "no *.traj" in IMP.sniff(tmp_path)
    other = write(tmp_path / "x.json", {"history": [], "info": {}})
    assert "not a *.traj" in IMP.sniff(other)
    no_info = write(tmp_path / "a.traj", {"messages": []})
    assert "lacks" in IMP.sniff(no_info)
    broken = write(tmp_path / "b.traj", '{"history": [')
    assert "not readable JSON" in IMP.sniff(broken)
    preds = write(tmp_path / "all_preds.jsonl", '{"foo": 1}\n')
    assert "instance_id" in IMP.sniff(preds)


def test_sniff_accepts_1x_instance_layout(tmp_path: Path):
    write(tmp_path / "inst-1" / "inst-1.traj", {"history": [], "trajectory": [], "info": {}})
    assert IMP.sniff(tmp_path) is None


# --------------------------------------------------------------------------
# traces from the fixtures (0.x style)
# --------------------------------------------------------------------------


def test_submitted_trace_steps_and_kinds(exp: Path):
    t = one(exp / "octo__widgets-101.traj")
    assert (t.id, t.task_id, t.trial) == ("octo__widgets-101", "octo__widgets-101", 1)
    assert t.status == "completed" and t.termination_reason == "submitted"
    # system, demo, task, 3 thoughts; 3 actions; 2 observations (submit has none in 0.x history); 1 submission
    assert kinds(t) == Counter(message=6, terminal_command=3, observation=2, submission=1)
    assert [s.index for s in t.steps] == list(range(1, len(t.steps) + 1))
    demo = t.steps[1]
    assert demo.title == "demonstration" and demo.source == "/history/1"
    assert t.steps[3].kind == StepKind.message and t.steps[3].content.startswith("The bug is in `add`")
    assert "```" not in t.steps[3].content  # the thought, not the raw content with the action
    cmd = t.steps[4]
    assert cmd.kind == StepKind.terminal_command and cmd.content == "open widgets/core.py"
    assert cmd.source == "/history/3/action"
    assert t.steps[5].kind == StepKind.observation and t.steps[5].source == "/history/4"
    assert t.model == "gpt4" and cmd.model == "gpt4"
    assert any("cover the 3 'trajectory' entries" in n for n in t.notes)


def test_submission_and_deciding_step(exp: Path):
    t = one(exp / "octo__widgets-101.traj")
    data = json.loads((exp / "octo__widgets-101.traj").read_text())
    last = t.steps[-1]
    assert last.kind == StepKind.submission and last.source == "/info/submission"
    assert last.content == data["info"]["submission"] == t.submission
    assert t.deciding_step == last.index == len(t.steps)
    assert t.score is None and t.score_source is None


def test_usage_from_model_stats(exp: Path):
    t = one(exp / "octo__widgets-101.traj")
    assert t.usage.input_tokens == 19500 and t.usage.output_tokens == 240
    assert t.usage.cost_usd == pytest.approx(0.21)
    assert t.metadata["api_calls"] == 3


def test_exit_cost_trace(exp: Path):
    t = one(exp / "octo__widgets-202.traj")
    assert t.status == "limit" and t.termination_reason == "exit_cost"
    assert t.submission is None and t.deciding_step is None
    assert StepKind.submission not in {s.kind for s in t.steps}
    assert kinds(t) == Counter(message=4, terminal_command=2, observation=2)
    obs = [s for s in t.steps if s.kind == StepKind.observation]
    assert [o.duration_s for o in obs] == [1.5, 2.25]
    assert t.duration_s == pytest.approx(3.75)
    assert "\x1b[31m" in obs[1].content  # raw terminal output kept for the renderer
    assert t.usage.cost_usd == pytest.approx(3.02)


def test_predictions_file_yields_no_traces(exp: Path):
    assert list(IMP.traces(exp / "all_preds.jsonl", "all_preds.jsonl")) == []


@pytest.mark.parametrize(
    "exit_status, status",
    [
        ("submitted", "completed"),
        ("submitted (exit_cost)", "completed"),
        ("exit_cost", "limit"),
        ("exit_context", "limit"),
        ("exit_command_timeout", "limit"),
        ("exit_total_execution_time", "limit"),
        ("exit_format", "limit"),
        ("exit_error", "error"),
        ("exit_api", "error"),
        ("exit_environment_error", "error"),
        ("exit_forfeit", "completed"),
        (None, "incomplete"),
        ("something_new", "incomplete"),
    ],
)
def test_status_mapping(tmp_path: Path, exit_status, status):
    data = {"history": [], "trajectory": [], "info": {"exit_status": exit_status}}
    t = one(write(tmp_path / "x__y-1.traj", data))
    assert t.status == status
    assert t.termination_reason == exit_status
    if exit_status == "submitted (exit_cost)":
        assert any("automatically after exit_cost" in n for n in t.notes)


def test_error_message_from_last_trajectory_step(tmp_path: Path):
    data = {
        "history": [],
        "trajectory": [{"action": "", "thought": "Exit due to unknown error: boom", "observation": ""}],
        "info": {"exit_status": "exit_error"},
    }
    t = one(write(tmp_path / "e-1.traj", data))
    assert t.status == "error" and t.error == "Exit due to unknown error: boom"


def test_trajectory_only_file(tmp_path: Path):
    data = {
        "trajectory": [
            {"thought": "look", "action": "ls\n", "observation": "a b", "execution_time": 0.5},
            {"thought": "done", "action": "submit\n", "observation": "diff", "execution_time": 1.0},
        ],
        "info": {"exit_status": "submitted", "submission": "diff"},
    }
    t = one(write(tmp_path / "t-1.traj", data))
    assert kinds(t) == Counter(message=2, terminal_command=2, observation=2, submission=1)
    assert t.steps[2].source == "/trajectory/0/observation" and t.steps[2].duration_s == 0.5
    assert t.duration_s == pytest.approx(1.5)
    assert t.deciding_step == 7


# --------------------------------------------------------------------------
# 1.x style: message_type, tool calls, replay_config, instance folders
# --------------------------------------------------------------------------


def _v1_traj(iid: str) -> dict:
    call = {"id": "call_1", "type": "function",
            "function": {"name": "bash", "arguments": json.dumps({"command": "ls -a"})}}
    return {
        "trajectory": [
            {"action": "bad", "thought": "oops", "observation": "", "execution_time": 0.0},  # requeried format error
            {"action": "ls -a", "thought": "List files.", "observation": ".\n..", "execution_time": 0.75},
            {"action": "submit", "thought": "Submit.", "observation": "diff --git a/x b/x", "execution_time": 0.25},
        ],
        "history": [
            {"role": "system", "content": "You are a helpful assistant.", "agent": iid, "message_type": "system_prompt"},
            {"role": "user", "content": [{"type": "text", "text": "<issue>fix x</issue>"}], "agent": iid,
             "message_type": "observation"},
            {"role": "assistant", "content": "List files.", "thought": "List files.", "action": "ls -a",
             "agent": iid, "tool_calls": [call], "message_type": "action"},
            {"role": "tool", "content": [{"type": "text", "text": "OBSERVATION:\n.\n.."}], "agent": iid,
             "message_type": "observation", "tool_call_ids": ["call_1"]},
            {"role": "assistant", "content": "Submit.", "thought": "Submit.", "action": "submit", "agent": iid,
             "message_type": "action"},
            {"role": "user", "content": "diff --git a/x b/x", "agent": iid, "message_type": "observation"},
        ],
        "info": {"exit_status": "submitted", "submission": "diff --git a/x b/x", "swe_agent_version": "1.1.0",
                 "model_stats": {"instance_cost": 0.05, "tokens_sent": 1000, "tokens_received": 50, "api_calls": 3}},
        "replay_config": json.dumps({"agent": {"model": {"name": "claude-3-5-sonnet-20241022"}}}),
        "environment": iid,
    }


@pytest.fixture
def v1_exp(tmp_path: Path) -> Path:
    exp = tmp_path / "anthropic_filemap__claude-3-5-sonnet-20241022___swe_bench_verified_test"
    for iid in ("astropy__astropy-1", "django__django-2"):
        write(exp / iid / f"{iid}.traj", _v1_traj(iid))
        write(exp / iid / "attempt_0" / f"{iid}.traj", _v1_traj(iid))  # retry-loop copy: not a task
    write(exp / "preds.json", {iid: {"model_name_or_path": exp.name, "instance_id": iid, "model_patch": "d"}
                               for iid in ("astropy__astropy-1", "django__django-2")})
    return exp


def test_v1_tool_calls_and_alignment(v1_exp: Path):
    t = one(v1_exp / "django__django-2" / "django__django-2.traj")
    assert kinds(t) == Counter(message=4, tool_call=1, tool_result=1, terminal_command=1, observation=1,
                               submission=1)
    task = t.steps[1]
    assert task.kind == StepKind.message and task.content == "<issue>fix x</issue>"
    call = next(s for s in t.steps if s.kind == StepKind.tool_call)
    assert call.tool_call.function == "bash" and call.tool_call.arguments == {"command": "ls -a"}
    assert call.tool_call.id == "call_1" and call.content == "ls -a"
    assert call.source == "/history/2/tool_calls/0"
    result = next(s for s in t.steps if s.kind == StepKind.tool_result)
    assert result.tool_call_id == "call_1" and result.actor == "tool"
    assert result.duration_s == 0.75  # aligned past the requeried trajectory entry
    obs = next(s for s in t.steps if s.kind == StepKind.observation)
    assert obs.duration_s == 0.25
    assert t.model == "claude-3-5-sonnet-20241022"
    assert t.metadata["swe_agent_version"] == "1.1.0"
    assert any("counts differ" in n for n in t.notes)


def test_v1_drafts(v1_exp: Path):
    (d,) = IMP.drafts(v1_exp)
    assert d.model == "claude-3-5-sonnet-20241022"
    assert d.benchmark == "swe-bench-verified"
    assert d.harness == "swe-agent" and d.harness_version == "1.1.0"
    assert d.tasks == ["astropy__astropy-1", "django__django-2"]
    assert sorted(d.names.values()) == ["astropy__astropy-1/astropy__astropy-1.traj",
                                        "django__django-2/django__django-2.traj", "preds.json"]
    assert re.match(ID_PATTERN, d.run_id)


def test_single_file_draft_in_1x_layout(v1_exp: Path):
    (d,) = IMP.drafts(v1_exp / "django__django-2" / "django__django-2.traj")
    assert d.tasks == ["django__django-2"] and d.run_id == _slug(v1_exp.name)
    assert sorted(d.names.values()) == ["django__django-2/django__django-2.traj", "preds.json"]
    (d2,) = IMP.drafts(v1_exp / "django__django-2")  # the instance folder itself
    assert d2.run_id == d.run_id and d2.tasks == d.tasks and d2.names == d.names


# --------------------------------------------------------------------------
# drafts on the fixture experiment
# --------------------------------------------------------------------------


def test_drafts_fixture_experiment(exp: Path):
    (d,) = IMP.drafts(exp)
    assert d.run_id == EXP and re.match(ID_PATTERN, d.run_id)
    assert d.model == "gpt4"
    assert d.benchmark == "swe-bench-dev-easy"
    assert (d.agent, d.harness, d.harness_version) == ("swe-agent", "swe-agent", None)
    assert d.tasks == ["octo__widgets-101", "octo__widgets-202"]
    assert sorted(d.names.values()) == ["all_preds.jsonl", "octo__widgets-101.traj", "octo__widgets-202.traj"]
    assert all(Path(f).is_file() for f in d.files)
    assert d.declared.tasks == {} and d.declared.source is None
    assert d.environment["cost_limit"] == 3.0 and d.environment["config"] == "default"


def test_drafts_on_parent_gives_one_draft_per_experiment(exp: Path):
    drafts = IMP.drafts(exp.parent)
    assert [d.run_id for d in drafts] == [EXP]


def test_drafts_model_from_folder_name_then_predictions(exp: Path, tmp_path: Path):
    # no replay_config: the folder name prefix names the model
    named = tmp_path / "gpt4o__SWE-bench_Lite__default__t-0.00"
    data = json.loads((exp / "octo__widgets-101.traj").read_text())
    del data["replay_config"]
    write(named / "a-1.traj", data)
    (d,) = IMP.drafts(named)
    assert d.model == "gpt4o" and d.benchmark == "swe-bench-lite"
    # plain folder name: the predictions file's model_name_or_path
    plain = tmp_path / "my-run"
    write(plain / "a-1.traj", data)
    shutil.copy(exp / "all_preds.jsonl", plain / "all_preds.jsonl")
    (d,) = IMP.drafts(plain)
    assert d.model == "gpt4" and d.benchmark == "swe-bench-dev-easy" and d.run_id == "my-run"
    # nothing names a benchmark
    bare = tmp_path / "bare"
    write(bare / "a-1.traj", data)
    (d,) = IMP.drafts(bare)
    assert d.model is None and d.benchmark is None


def test_swe_bench_report_gives_declared_and_score(exp: Path, tmp_path: Path):
    copy = tmp_path / EXP
    shutil.copytree(exp, copy)
    write(copy / "results.json", {"generated": ["octo__widgets-101"], "resolved": ["octo__widgets-101"]})
    (d,) = IMP.drafts(copy)
    assert d.declared.tasks == {"octo__widgets-101": 1.0, "octo__widgets-202": 0.0}
    assert d.declared.source == "results.json" and "results.json" in d.names.values()
    t = one(copy / "octo__widgets-101.traj")
    assert t.score == 1.0 and t.score_source == "results.json"
    assert list(IMP.traces(copy / "results.json", "results.json")) == []


def test_per_instance_report_json(exp: Path, tmp_path: Path):
    copy = tmp_path / EXP
    shutil.copytree(exp, copy)
    write(copy / "report.json", {"octo__widgets-202": {"patch_exists": False, "resolved": False}})
    (d,) = IMP.drafts(copy)
    assert d.declared.tasks == {"octo__widgets-202": 0.0} and d.declared.source == "report.json"
    assert one(copy / "octo__widgets-101.traj").score is None


def test_benchmark_and_slug_helpers():
    assert _benchmark_from_field("swe-bench-dev-easy_first_only") == "swe-bench-dev-easy"
    assert _benchmark_from_field("SWE-bench_Verified") == "swe-bench-verified"
    assert _benchmark_from_field("swe_bench_full_test") == "swe-bench"
    assert _benchmark_from_field("my_issues") is None
    long = "x" * 200 + "__y"
    assert re.match(ID_PATTERN, _slug(long)) and len(_slug(long)) <= 128
    assert _slug(long) != _slug("x" * 200 + "__z")
    assert _slug("__weird name!") == "weird-name-"


# --------------------------------------------------------------------------
# broken input
# --------------------------------------------------------------------------


def test_broken_json_is_input_error(tmp_path: Path):
    path = write(tmp_path / "b-1.traj", '{"history": [\n  {"role": "user",}\n]}')
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "b-1.traj"))
    assert exc.value.file == "b-1.traj" and exc.value.place.startswith("line 2")


@pytest.mark.parametrize(
    "data, place",
    [
        ({"history": [{"role": "user", "content": "x"}, "oops"], "info": {}}, "/history/1"),
        ({"history": [{"role": 3, "content": "x"}], "info": {}}, "/history/0/role"),
        ({"history": [{"role": "user", "content": 5}], "info": {}}, "/history/0/content"),
        ({"history": [], "info": {"model_stats": {"tokens_sent": "many"}}}, "/info/model_stats/tokens_sent"),
        ({"history": [], "info": {"submission": 7}}, "/info/submission"),
        ({"history": [], "info": {}, "replay_config": "{not json"}, "/replay_config"),
        ({"history": {}, "info": {}}, "/history"),
        ({"trajectory": [{"action": "ls", "execution_time": "slow"}], "info": {}}, "/trajectory/0/execution_time"),
    ],
)
def test_shape_errors_name_the_place(tmp_path: Path, data, place):
    path = write(tmp_path / "s-1.traj", data)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "s-1.traj"))
    assert exc.value.place == place
    assert "expected" in exc.value.message


def test_broken_predictions_is_input_error(tmp_path: Path):
    write(tmp_path / "run" / "a-1.traj", {"history": [], "info": {}})
    write(tmp_path / "run" / "all_preds.jsonl", '{"instance_id": "a-1", "model_patch": ""}\n{broken\n')
    with pytest.raises(InputError) as exc:
        IMP.drafts(tmp_path / "run")
    assert exc.value.place == "line 2"


# --------------------------------------------------------------------------
# real files: ../shared/corpus/swe-agent
# --------------------------------------------------------------------------


def _expected_kinds(data: dict) -> Counter:
    """Count by kind computed straight from the file's history."""
    hist = data["history"]
    first_assistant = next(i for i, h in enumerate(hist) if h["role"] == "assistant")
    before = [h for h in hist[:first_assistant]]
    after = [h for h in hist[first_assistant:] if str(h.get("is_demo", False)).lower() != "true"]
    assistants = [h for h in after if h["role"] == "assistant"]
    observations = [h for h in after if h["role"] != "assistant"]
    thoughts = [h for h in assistants if (h.get("thought") or h["content"]).strip()]
    actions = [h for h in assistants if (h.get("action") or "").strip()]
    exp = Counter(message=len(before) + len(thoughts), terminal_command=len(actions),
                  observation=len(observations))
    if (data["info"].get("submission") or "").strip():
        exp["submission"] = 1
    return exp


@pytest.mark.parametrize("name", ["pydicom__pydicom-1458.traj", "sweagent-test-repo-i1.traj"])
def test_corpus_traj_imports(corpus: Path, name: str):
    path = corpus / "swe-agent" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data = json.loads(path.read_text())
    assert IMP.sniff(path) is None
    t = one(path)
    assert t.id == t.task_id == path.stem
    assert kinds(t) == _expected_kinds(data)
    assert kinds(t)["terminal_command"] == sum(1 for h in data["history"] if h["role"] == "assistant")
    assert kinds(t)["terminal_command"] == len(data["trajectory"])
    stats = data["info"]["model_stats"]
    assert t.usage.input_tokens == stats["tokens_sent"]
    assert t.usage.output_tokens == stats["tokens_received"]
    assert t.usage.cost_usd == pytest.approx(stats["instance_cost"])
    assert t.submission == data["info"]["submission"]
    assert t.steps[-1].kind == StepKind.submission and t.steps[-1].content == data["info"]["submission"]
    assert t.deciding_step == len(t.steps)
    assert t.status == "completed" and t.termination_reason == data["info"]["exit_status"]
    demos = [s for s in t.steps if s.title == "demonstration"]
    assert len(demos) == sum(1 for h in data["history"] if str(h.get("is_demo", False)).lower() == "true")
    for s in t.steps:
        assert s.source and s.source.startswith(("/history/", "/info/"))


def test_corpus_drafts(corpus: Path):
    folder = corpus / "swe-agent"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    assert IMP.sniff(folder) is None
    (d,) = IMP.drafts(folder)
    stems = sorted(p.stem for p in folder.glob("*.traj"))
    assert sorted(d.tasks) == stems
    assert d.model == "gpt4"
    assert d.run_id and re.match(ID_PATTERN, d.run_id)
    assert "all_preds.jsonl" in d.names.values()
    assert list(IMP.traces(folder / "all_preds.jsonl", "all_preds.jsonl")) == []


def test_corpus_eval_folder_is_not_swe_agent(corpus: Path):
    folder = corpus / "swe-bench-eval"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    assert IMP.sniff(folder) is not None
