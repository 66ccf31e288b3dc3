"""Harbor ATIF importer: fixtures written for these tests, then the real corpus."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from generator import importers
from generator.errors import InputError
from generator.importers.harbor_atif import HarborAtif
from generator.model import ID_PATTERN, StepKind
from importer_helpers import only_trace, step_kinds as kinds

IMP = HarborAtif()
TRIAL = Path("jobs/2025-11-02__10-00-00/hello-world__AbC123X")


@pytest.fixture
def atif(fixtures: Path) -> Path:
    return fixtures / "harbor_atif"


def one(path: Path, label: str | None = None):
    return only_trace(IMP, path, label)


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------


def test_sniff_accepts_main_and_orphans_and_refuses_parts(atif: Path, tmp_path: Path):
    assert IMP.sniff(atif / "summarised.trajectory.json") is None
    assert IMP.sniff(atif / "embedded.json") is None
    assert IMP.sniff(atif / TRIAL / "agent" / "trajectory.json") is None
    assert IMP.sniff(atif / "lonely.trajectory.cont-2.json") is None  # its main file is absent
    for part in ("summarised.trajectory.cont-1.json", "summarised.trajectory.summarization-1-summary.json"):
        why = IMP.sniff(atif / part)
        assert why is not None and "summarised.trajectory.json" in why
    assert "imported with agent/trajectory.json" in IMP.sniff(atif / TRIAL / "result.json")
    assert IMP.sniff(atif) is not None  # folders are walked, never accepted
    (tmp_path / "t.txt").write_text('{"schema_version": "ATIF-v1.5", "steps": []}')
    assert IMP.sniff(tmp_path / "t.txt") == "not a .json file"
    write(tmp_path / "other.json", {"schema_version": "1.0", "steps": []})
    assert IMP.sniff(tmp_path / "other.json") is not None


def test_detect_picks_this_importer(atif: Path):
    imp, _ = importers.detect(atif / "summarised.trajectory.json")
    assert imp is not None and imp.name == "harbor-atif"
    imp, refusals = importers.detect(atif / "summarised.trajectory.cont-1.json")
    assert imp is None and "part of the ATIF trajectory" in refusals["harbor-atif"]


def test_companions_name_their_main_file(atif: Path):
    assert IMP.companion_of(atif / "summarised.trajectory.cont-1.json") == atif / "summarised.trajectory.json"
    assert IMP.companion_of(atif / TRIAL / "result.json") == atif / TRIAL / "agent" / "trajectory.json"
    assert IMP.companion_of(atif / "summarised.trajectory.json") is None
    assert IMP.companion_of(atif / "lonely.trajectory.cont-2.json") is None  # its main file is absent


def test_import_with_a_companion_file_passed_too(atif: Path, tmp_path: Path):
    """Passing a trajectory with its continuation (as a shell glob does) imports both without an
    error; passing the continuation alone says which file to import instead."""
    from generator.ingest import import_paths
    from generator.scaffold import init_project

    init_project(tmp_path / "p")
    main, part = atif / "summarised.trajectory.json", atif / "summarised.trajectory.cont-1.json"
    report = import_paths(tmp_path / "p", [main, part], run_id="r1", benchmark="tb")
    assert not report.failed, [f.format() for f in report.findings]
    assert any(s.startswith(f"{part}: read with {main.name}") for s in report.skipped)
    assert (tmp_path / "p" / "traces" / "r1" / part.name).is_file()
    alone = import_paths(tmp_path / "p", [part], run_id="r2", benchmark="tb")
    assert alone.failed and f"read with {main}" in alone.findings[0].message
    assert not (tmp_path / "p" / "traces" / "r2").exists()


# --------------------------------------------------------------------------
# one trial: main file + subagent + continuation
# --------------------------------------------------------------------------


def test_trial_steps_in_order(atif: Path):
    t = one(atif / "summarised.trajectory.json")
    assert kinds(t) == [
        "message",                                    # user task
        "message", "message",                         # reasoning, agent message
        "terminal_command", "tool_call",              # bash_command keystrokes, read_file
        "observation", "tool_result",                 # terminal output, read_file result
        "message", "terminal_command", "observation",  # wait step
        "message",                                    # system: summarization handoff
        "observation",                                # subagent header (summary file)
        "message", "message", "message", "message",   # 2 copied + 2 new subagent steps
        "observation",                                # questions subagent: file absent
        "observation",                                # continuation boundary
        "message",                                    # copied context in cont-1
        "message", "terminal_command", "observation",
        "message", "tool_call", "tool_result",
    ]
    assert t.steps[1].title == "reasoning" and "look first" in t.steps[1].content
    ls = t.steps[3]
    assert ls.content == "ls -la\n" and ls.title == "ls -la"
    assert ls.tool_call.function == "bash_command" and ls.tool_call.arguments == {"keystrokes": "ls -la\n", "duration": 0.1}
    assert t.steps[5].tool_call_id == "call_a" and t.steps[5].title == "terminal output"
    assert t.steps[6].tool_call_id == "call_b" and t.steps[6].content == "No notes."
    wait = t.steps[8]
    assert wait.content == "" and wait.title == "wait 5s"
    assert t.steps[9].tool_call_id == "call_c"  # no source_call_id: linked to the step's only call
    # subagent steps carry their own actor and point into their file
    sub = t.steps[12:16]
    assert all(s.actor.endswith(":terminus-2-summarization-summary") for s in sub)
    assert [s.title for s in sub] == ["copied context", "copied context", None, None]
    assert sub[0].source == "summarised.trajectory.summarization-1-summary.json#/steps/0"
    assert "not beside the file" in t.steps[16].content
    assert t.steps[17].title == "continuation"
    assert t.steps[19].content == "Analysis: I will write the file.\n[image images/screen-1.png image/png]"
    assert t.steps[20].source == "summarised.trajectory.cont-1.json#/steps/1/tool_calls/0"
    assert t.steps[0].source == "/steps/0"


def test_trial_usage_timestamps_and_notes(atif: Path):
    t = one(atif / "summarised.trajectory.json")
    # usage: sum of the step metrics of the three files (600+700 main, 300 subagent, 900+950 continuation)
    assert t.usage.input_tokens == 600 + 700 + 300 + 900 + 950
    assert t.usage.output_tokens == 40 + 20 + 50 + 70 + 10
    assert t.usage.cost_usd == pytest.approx(0.002 + 0.001 + 0.0005 + 0.004 + 0.003)
    assert t.steps[1].usage.input_tokens == 600 and t.steps[2].usage is None  # on the first step of the ATIF step
    assert t.metadata["cached_tokens"] == 100
    assert set(t.metadata["final_metrics"]) == {"summarised.trajectory.json", "summarised.trajectory.cont-1.json",
                                                "summarised.trajectory.summarization-1-summary.json"}
    assert t.metadata["missing_files"] == ["trajectory.summarization-1-questions.json"]
    assert t.steps[0].timestamp == dt.datetime(2025, 11, 2, 10, 0, tzinfo=dt.timezone.utc)
    assert t.steps[1].timestamp == dt.datetime(2025, 11, 2, 9, 0, 5, tzinfo=dt.timezone.utc)  # +01:00 converted
    assert t.task_id == "summarised" and t.id == "summarised" and t.trial == 1
    assert t.status == "completed" and t.score is None and t.deciding_step is None
    assert t.agent == "terminus-2" and t.model == "openai/gpt-4o"
    joined = "\n".join(t.notes)
    assert "2 steps are copied context" not in joined and "3 steps are copied context" in joined
    assert "1 tool calls and 1 observation results" in joined
    assert "token ids and logprobs of 1 steps" in joined
    assert "no Harbor result.json" in joined
    assert "sk-fixture-secret" not in t.model_dump_json()


def test_parts_yield_nothing_on_their_own(atif: Path):
    assert list(IMP.traces(atif / "summarised.trajectory.cont-1.json", "cont.json")) == []
    assert list(IMP.traces(atif / "summarised.trajectory.summarization-1-summary.json", "s.json")) == []
    assert list(IMP.traces(atif / TRIAL / "result.json", "result.json")) == []
    assert list(IMP.traces(atif / TRIAL / "agent" / "recording.cast", "recording.cast")) == []


def test_orphan_continuation_is_its_own_trace(atif: Path):
    t = one(atif / "lonely.trajectory.cont-2.json")
    assert t.task_id == "lonely"
    assert kinds(t) == ["message", "message", "observation"]
    assert t.steps[0].title == "copied context"
    assert t.steps[2].tool_call_id is None and t.steps[2].title == "observation"
    assert t.status == "incomplete"  # no final_metrics, no result
    assert any("main trajectory (lonely.trajectory.json) is not beside it" in n for n in t.notes)


def test_orphan_parts_stay_separate(tmp_path: Path, atif: Path):
    first = json.loads((atif / "lonely.trajectory.cont-2.json").read_text())
    first["continued_trajectory_ref"] = "trajectory.cont-3.json"
    write(tmp_path / "lonely.trajectory.cont-2.json", first)
    second = json.loads((atif / "lonely.trajectory.cont-2.json").read_text())
    second["steps"][1]["message"] = "second segment"
    write(tmp_path / "lonely.trajectory.cont-3.json", second)
    assert IMP.sniff(tmp_path / "lonely.trajectory.cont-2.json") is None
    assert IMP.sniff(tmp_path / "lonely.trajectory.cont-3.json") is None
    a = one(tmp_path / "lonely.trajectory.cont-2.json")
    b = one(tmp_path / "lonely.trajectory.cont-3.json")
    assert kinds(a) == ["message", "message", "observation", "observation"]
    assert "imported as a trace of its own" in a.steps[-1].content
    assert "second segment" not in a.model_dump_json() and b.steps[1].content == "second segment"


def test_fields_not_shown_are_counted(atif: Path):
    t = one(atif / "summarised.trajectory.json")
    assert "fields not shown: extra (1 step)" in t.notes


def test_embedded_subagent_v17(atif: Path):
    t = one(atif / "embedded.json")
    assert kinds(t) == ["message", "tool_call", "tool_result", "observation", "message", "message",
                        "terminal_command", "observation"]
    assert t.steps[4].actor == "user:claude-code-subagent"
    assert t.steps[5].source == "/subagent_trajectories/0/steps/1"
    assert t.steps[6].content == "pytest -x tests/test_io.py" and t.steps[6].tool_call.function == "Bash"
    assert t.usage.input_tokens == 50


def test_unreached_part_is_appended(tmp_path: Path, atif: Path):
    for name in ("summarised.trajectory.json", "summarised.trajectory.summarization-1-summary.json",
                 "summarised.trajectory.cont-1.json"):
        shutil.copy(atif / name, tmp_path / name)
    doc = json.loads((tmp_path / "summarised.trajectory.json").read_text())
    del doc["continued_trajectory_ref"]
    write(tmp_path / "summarised.trajectory.json", doc)
    t = one(tmp_path / "summarised.trajectory.json")
    assert any("summarised.trajectory.cont-1.json is named as a part" in n for n in t.notes)
    assert t.steps[-1].source == "summarised.trajectory.cont-1.json#/steps/2/observation/results/0"


def test_references_never_leave_the_folder(tmp_path: Path, atif: Path):
    (tmp_path / "inner").mkdir()
    secret = write(tmp_path / "outside.json", json.loads((atif / "embedded.json").read_text()))
    doc = json.loads((atif / "lonely.trajectory.cont-2.json").read_text())
    doc["continued_trajectory_ref"] = "../outside.json"
    write(tmp_path / "inner" / "main.json", doc)
    t = one(tmp_path / "inner" / "main.json")
    assert str(secret) not in t.model_dump_json()
    assert t.metadata["missing_files"] == ["../outside.json"]


# --------------------------------------------------------------------------
# Harbor trial folder: result.json gives task, score, outcome
# --------------------------------------------------------------------------


def test_harbor_trial_result(atif: Path):
    t = one(atif / TRIAL / "agent" / "trajectory.json", "traces/r/agent/trajectory.json")
    assert t.task_id == "hello-world" and t.id == "hello-world__AbC123X"
    assert t.status == "limit" and t.termination_reason == "AgentTimeoutError"
    assert t.error.startswith("AgentTimeoutError: Agent execution timed out")
    assert t.score == 0.0 and t.score_source == "result.json verifier_result.rewards.reward"
    assert kinds(t) == ["message", "message", "terminal_command", "observation", "error", "score"]
    assert t.deciding_step == 6 and t.steps[-1].actor == "verifier"
    assert "reward = 0" in t.scorer_explanation
    assert t.steps[4].is_error and t.steps[4].source == "result.json#/exception_info"
    assert t.started_at == dt.datetime(2025, 11, 2, 9, 59, 58, tzinfo=dt.timezone.utc)
    assert t.duration_s == pytest.approx(82.0)
    assert t.notes[0].startswith("some timestamps carry no time zone")
    assert t.metadata["harbor_agent_result"]["n_input_tokens"] == 500
    assert t.metadata["recording"] == "agent/recording.cast"  # relative to the label's folder
    t2 = one(atif / TRIAL / "agent" / "trajectory.json", "traces/r/hello-world__AbC123X/agent/trajectory.json")
    assert t2.metadata["recording"] == "hello-world__AbC123X/agent/recording.cast"  # inside the run folder
    assert "sk-fixture-secret" not in t.model_dump_json()  # the trial config is never copied


def test_harbor_trial_draft(atif: Path):
    [d] = IMP.drafts(atif / TRIAL / "agent" / "trajectory.json")
    assert d.run_id == "hello-world__AbC123X" and re.match(ID_PATTERN, d.run_id)
    assert d.benchmark == "terminal-bench" and d.benchmark_version == "2.0"
    assert d.tasks == ["hello-world"]
    res = str((atif / TRIAL / "result.json").resolve())
    traj = str((atif / TRIAL / "agent" / "trajectory.json").resolve())
    rec = str((atif / TRIAL / "agent" / "recording.cast").resolve())
    assert d.files == [res, traj, rec]
    assert d.names == {res: "hello-world__AbC123X/result.json", traj: "hello-world__AbC123X/agent/trajectory.json",
                       rec: "hello-world__AbC123X/agent/recording.cast"}
    assert d.formats == {res: "harbor-atif", traj: "harbor-atif", rec: "harbor-atif"}
    assert "sk-fixture-secret" not in d.model_dump_json()
    # the result file alone leads to the same run
    assert [x.model_dump() for x in IMP.drafts(atif / TRIAL / "result.json")] == [d.model_dump()]


def test_main_draft_groups_its_parts(atif: Path):
    [d] = IMP.drafts(atif / "summarised.trajectory.json")
    assert re.match(ID_PATTERN, d.run_id) and re.match(ID_PATTERN, d.agent)
    assert d.run_id == "summarised.trajectory" and d.tasks == ["summarised"]
    assert d.agent == "terminus-2-openai-gpt-4o" and d.harness == "terminus-2" and d.harness_version == "2.0.0"
    assert d.model == "openai/gpt-4o" and d.benchmark is None
    names = sorted(d.names.values())
    assert names == ["summarised.trajectory.cont-1.json", "summarised.trajectory.json",
                     "summarised.trajectory.summarization-1-summary.json"]
    assert set(d.formats.values()) == {"harbor-atif"}
    assert d.environment["agent_extra"] == {"parser": "json", "temperature": 0.7}  # api_key removed
    assert "sk-fixture-secret" not in d.model_dump_json()
    # a part's draft is its main file's draft
    assert IMP.drafts(atif / "summarised.trajectory.cont-1.json")[0].model_dump() == d.model_dump()


# --------------------------------------------------------------------------
# broken input
# --------------------------------------------------------------------------


def _main(atif: Path) -> dict:
    return json.loads((atif / "summarised.trajectory.json").read_text())


@pytest.mark.parametrize("mutate, place", [
    (lambda d: d.__setitem__("steps", {"a": 1}), "/steps"),
    (lambda d: d["steps"].__setitem__(1, "step"), "/steps/1"),
    (lambda d: d["steps"][1].pop("source"), "/steps/1/source"),
    (lambda d: d["steps"][1]["tool_calls"][0].pop("function_name"), "/steps/1/tool_calls/0/function_name"),
    (lambda d: d["steps"][1]["metrics"].__setitem__("prompt_tokens", "600"), "/steps/1/metrics/prompt_tokens"),
    (lambda d: d["steps"][1]["metrics"].__setitem__("cost_usd", True), "/steps/1/metrics/cost_usd"),
    (lambda d: d["steps"][1].__setitem__("timestamp", "yesterday"), "/steps/1/timestamp"),
    (lambda d: d["steps"][1]["observation"].__setitem__("results", "x"), "/steps/1/observation/results"),
    (lambda d: d["steps"][1].__setitem__("message", True), "/steps/1/message"),
    (lambda d: d["steps"][3]["observation"]["results"][0].__setitem__("subagent_trajectory_ref", "x"),
     "/steps/3/observation/results/0/subagent_trajectory_ref"),
    (lambda d: d.__setitem__("continued_trajectory_ref", 7), "/continued_trajectory_ref"),
    (lambda d: d.__setitem__("agent", "terminus"), "/agent"),
])
def test_broken_main_raises_input_error(tmp_path: Path, atif: Path, mutate, place):
    doc = _main(atif)
    mutate(doc)
    path = write(tmp_path / "t.json", doc)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(path, "t.json"))
    assert exc.value.place == place
    assert exc.value.message.startswith("expected")


def test_broken_part_names_its_file(tmp_path: Path, atif: Path):
    for name in ("summarised.trajectory.json", "summarised.trajectory.summarization-1-summary.json"):
        shutil.copy(atif / name, tmp_path / name)
    cont = json.loads((atif / "summarised.trajectory.cont-1.json").read_text())
    cont["steps"][2]["tool_calls"][0]["tool_call_id"] = 5
    write(tmp_path / "summarised.trajectory.cont-1.json", cont)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(tmp_path / "summarised.trajectory.json", "traces/r/summarised.trajectory.json"))
    assert exc.value.file == "traces/r/summarised.trajectory.cont-1.json"
    assert exc.value.place == "/steps/2/tool_calls/0/tool_call_id"


def test_invalid_json_and_broken_result(tmp_path: Path, atif: Path):
    (tmp_path / "bad.json").write_text('{"schema_version": "ATIF-v1.5", "steps": [')
    with pytest.raises(InputError) as exc:
        list(IMP.traces(tmp_path / "bad.json", "bad.json"))
    assert exc.value.place.startswith("line 1")
    trial = tmp_path / "t__1"
    shutil.copytree(atif / TRIAL, trial)
    res = json.loads((trial / "result.json").read_text())
    res["verifier_result"]["rewards"]["reward"] = "1"
    write(trial / "result.json", res)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(trial / "agent" / "trajectory.json", "x/agent/trajectory.json"))
    assert exc.value.file == "x/result.json" and exc.value.place == "/verifier_result/rewards/reward"
    with pytest.raises(InputError):
        IMP.drafts(tmp_path / "bad.json")
    write(tmp_path / "plain.json", {"steps": []})
    with pytest.raises(InputError) as exc:
        list(IMP.traces(tmp_path / "plain.json", "plain.json"))
    assert exc.value.place == ""


# --------------------------------------------------------------------------
# the real corpus
# --------------------------------------------------------------------------


def _expected(files: list[Path]) -> dict[str, int]:
    """Counts the steps the ATIF files of one trial should give, from the raw JSON."""
    n = {"terminal_command": 0, "tool_call": 0, "copied": 0, "input_tokens": 0, "output_tokens": 0,
         "results": 0, "agent_messages": 0}
    for f in files:
        for st in json.loads(f.read_text(encoding="utf-8"))["steps"]:
            if st.get("is_copied_context"):
                n["copied"] += 1
                continue
            for tc in st.get("tool_calls") or []:
                n["terminal_command" if tc["function_name"] == "bash_command" else "tool_call"] += 1
            n["results"] += sum(1 for r in (st.get("observation") or {}).get("results", []) if "content" in r)
            m = st.get("metrics") or {}
            n["input_tokens"] += m.get("prompt_tokens", 0)
            n["output_tokens"] += m.get("completion_tokens", 0)
            if st["source"] == "agent" and (st.get("message") or "").strip():
                n["agent_messages"] += 1
    return n


def test_corpus_atif(corpus: Path):
    root = corpus / "harbor-atif"
    files = sorted(root.glob("*.json"))
    if not files:
        pytest.skip("no ATIF samples in the corpus")
    mains = [f for f in files if IMP.sniff(f) is None]
    parts = [f for f in files if f not in mains]
    assert {f.name for f in parts} == {"terminus-2.context-summarization.trajectory.summarization-1-summary.json"}
    for path in mains:
        [t] = list(IMP.traces(path, path.name))
        [d] = IMP.drafts(path)
        group = [Path(f) for f in d.files]
        assert group[0] == path.resolve()
        exp = _expected(group)
        count = {k: sum(1 for s in t.steps if s.kind.value == k) for k in ("terminal_command", "tool_call")}
        assert count == {"terminal_command": exp["terminal_command"], "tool_call": exp["tool_call"]}, path.name
        assert sum(1 for s in t.steps if s.title == "copied context") == exp["copied"], path.name
        results = sum(1 for s in t.steps if s.kind in (StepKind.tool_result, StepKind.observation)
                      and s.actor == "environment")
        assert results == exp["results"], path.name
        assert sum(1 for s in t.steps if s.kind == StepKind.message and s.actor.startswith("agent")
                   and s.title is None) == exp["agent_messages"], path.name
        assert t.usage.input_tokens == exp["input_tokens"] and t.usage.output_tokens == exp["output_tokens"]
        assert t.score is None and t.model == json.loads(path.read_text())["agent"]["model_name"]
        assert re.match(ID_PATTERN, d.run_id) and re.match(ID_PATTERN, d.agent)
        for s in t.steps:
            assert s.source, (path.name, s.index)
    # The summarisation subagent belongs to its main trajectory's run, and nothing of it is a separate task.
    main = root / "terminus-2.context-summarization.trajectory.json"
    if main.exists():
        [d] = IMP.drafts(main)
        assert any(f.endswith("summarization-1-summary.json") for f in d.files)
        assert list(IMP.traces(parts[0], parts[0].name)) == []
        [t] = list(IMP.traces(main, main.name))
        assert sum(1 for s in t.steps if s.actor.endswith(":terminus-2-summarization-summary")) == \
            len(json.loads(parts[0].read_text())["steps"])
        missing = t.metadata["missing_files"]
        assert missing == ["trajectory.summarization-1-questions.json", "trajectory.summarization-1-answers.json"]


def test_corpus_sniff_accepts_only_atif(corpus: Path):
    for path in sorted(corpus.rglob("*")):
        ok = IMP.sniff(path) is None
        if ok:
            assert path.parent.name == "harbor-atif", path


def test_harbor_job_imports_as_one_run_and_builds(tmp_path: Path, atif: Path):
    """Trials of one Harbor job share a run id, so ``import`` merges them; the build finds result.json."""
    from click.testing import CliRunner

    from generator.cli import main

    job = tmp_path / "jobs" / "my-job"
    job.mkdir(parents=True)
    write(job / "config.json", {"job_name": "my-job", "n_attempts": 1})
    shutil.copytree(atif / TRIAL, job / "hello-world__AbC123X")
    second = job / "fix-bug__ZZ9"
    shutil.copytree(atif / TRIAL, second)
    res = json.loads((second / "result.json").read_text())
    res.update(task_name="fix-bug", trial_name="fix-bug__ZZ9", exception_info=None,
               verifier_result={"rewards": {"reward": 1.0}})
    write(second / "result.json", res)
    drafts = [d for p in (job / "hello-world__AbC123X" / "agent" / "trajectory.json",
                          second / "agent" / "trajectory.json") for d in IMP.drafts(p)]
    assert drafts[0].run_id == drafts[1].run_id == "my-job__terminus-2__openai-gpt-4o__terminal-bench-2.0"

    proj = tmp_path / "board"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(proj)], catch_exceptions=False).exit_code == 0
    out = runner.invoke(main, ["-C", str(proj), "import", str(job)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    run_dir = proj / "traces" / drafts[0].run_id
    files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.suffix in (".json", ".cast"))
    assert files == ["fix-bug__ZZ9/agent/recording.cast", "fix-bug__ZZ9/agent/trajectory.json",
                     "fix-bug__ZZ9/result.json", "hello-world__AbC123X/agent/recording.cast",
                     "hello-world__AbC123X/agent/trajectory.json", "hello-world__AbC123X/result.json"]
    from generator.build import check_project

    result = check_project(proj)
    assert not result.errors, [f.format() for f in result.errors]
    [summary] = [r for r in result.runs if r.run.id == drafts[0].run_id]
    assert sorted((t.task_id, t.score, t.status) for t in summary.traces) == \
        [("fix-bug", 1.0, "completed"), ("hello-world", 0.0, "limit")]


def test_companions_with_format_or_in_a_folder_are_read_with_their_main_file(atif: Path, tmp_path: Path):
    from generator.ingest import import_paths
    from generator.scaffold import init_project

    init_project(tmp_path / "p")
    main, part = atif / "summarised.trajectory.json", atif / "summarised.trajectory.summarization-1-summary.json"
    report = import_paths(tmp_path / "p", [part, main], run_id="r1", benchmark="tb", fmt="harbor-atif")
    assert not report.failed, [f.format() for f in report.findings]
    folder = tmp_path / "only"
    folder.mkdir()
    for f in (main, part):
        shutil.copy(f, folder / f.name)
    report = import_paths(tmp_path / "p", [folder], run_id="r2", benchmark="tb")
    assert not report.failed, [f.format() for f in report.findings]
    assert any(s.startswith(f"{folder / part.name}: read with {main.name}") for s in report.skipped), report.skipped
