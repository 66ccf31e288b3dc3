"""AgentLab importer: experiment folders (summary_info.json + experiment.log; pickles never read),
study folders, the reproducibility journal, broken input, and the real files in
../shared/corpus/browsergym-agentlab."""

from __future__ import annotations

import builtins
import csv
import datetime as dt
import gzip
import inspect
import io
import json
import pickle
import re
import shutil
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import all_importers
from generator.importers.agentlab import AgentLab
from generator.model import ID_PATTERN, StepKind

IMP = AgentLab()
CLICK = "2024-10-01_11-45-23_GenericAgent-gpt-4o-mini_on_miniwob.click-test_17"
ASC = "2024-10-01_11-46-02_GenericAgent-gpt-4o-mini_on_miniwob.ascending-numbers_3"


@pytest.fixture
def al(fixtures: Path) -> Path:
    return fixtures / "agentlab"


@pytest.fixture
def study(al: Path) -> Path:
    return next(al.glob("*_study_*"))


@pytest.fixture
def no_pickle(monkeypatch):
    """Fail the test if anything tries to unpickle or gunzip while importing."""
    def boom(*a, **k):
        raise AssertionError("a pickle was about to be loaded")
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(gzip, "open", boom)
    real_open = builtins.open

    def guarded_open(file, *a, **k):
        if str(file).endswith((".pkl", ".pkl.gz")):
            raise AssertionError(f"opened a pickle file {file}")
        return real_open(file, *a, **k)
    monkeypatch.setattr(builtins, "open", guarded_open)


def one(path: Path, label: str = "summary_info.json"):
    traces = list(IMP.traces(path, label))
    assert len(traces) == 1
    return traces[0]


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff(al: Path, study: Path, tmp_path: Path):
    assert IMP.sniff(study) is None
    assert IMP.sniff(study / CLICK) is None
    assert IMP.sniff(study / CLICK / "summary_info.json") is None
    assert IMP.sniff(al / "reproducibility_journal.csv") is None
    for name in ("step_0.pkl.gz", "exp_args.pkl"):
        assert "pickle" in IMP.sniff(study / CLICK / name)
    assert "pickle" in IMP.sniff(study / "study.pkl.gz")
    for name in ("experiment.log", "package_versions.txt", "screenshot_step_0.png"):
        assert IMP.sniff(study / CLICK / name) is not None
    assert IMP.sniff(al) is not None  # a parent of a study and a journal: walked
    (tmp_path / "summary_info.json").write_text('{"n_steps": 1}')
    assert "cum_reward" in IMP.sniff(tmp_path / "summary_info.json")
    (tmp_path / "r.csv").write_text("model,score\nx,1\n")
    assert IMP.sniff(tmp_path / "r.csv") is not None


def test_no_other_importer_takes_the_fixtures(al: Path, study: Path):
    for imp in all_importers():
        if imp.name == "agentlab":
            continue
        for p in (study, study / CLICK, study / CLICK / "summary_info.json", al / "reproducibility_journal.csv"):
            assert imp.sniff(p) is not None, (imp.name, p)


# --------------------------------------------------------------------------
# traces
# --------------------------------------------------------------------------


def test_traces_is_a_generator_and_metadata_files_yield_nothing(study: Path, al: Path):
    assert inspect.isgenerator(IMP.traces(study / CLICK / "summary_info.json", "x"))
    for p in (study / CLICK / "experiment.log", study / "reproducibility_info.json", al / "reproducibility_journal.csv"):
        assert list(IMP.traces(p, p.name)) == []


def test_successful_experiment(study: Path, no_pickle):
    exp = study / CLICK
    doc = json.loads((exp / "summary_info.json").read_text())
    t = one(exp / "summary_info.json")
    log = (exp / "experiment.log").read_text()
    thoughts = log.count("Agent thought:")
    actions = log.count("Agent action:")
    assert thoughts == actions == 2
    assert [s.kind.value for s in t.steps] == ["message", "browser_event"] * thoughts + ["observation", "score"]
    assert sum(1 for s in t.steps if s.title == "thought") == thoughts
    assert sum(1 for s in t.steps if s.title == "action") == actions
    first = t.steps[0]
    assert first.content == "The button labelled ONE is bid 14.\nI will click it."  # multi-line record
    assert first.timestamp == dt.datetime(2024, 10, 1, 11, 45, 25, 480000, tzinfo=dt.timezone.utc)
    assert t.steps[1].content == "click('14')"
    assert t.score == doc["cum_reward"] and t.deciding_step == len(t.steps)
    assert t.steps[-1].kind == StepKind.score and t.scorer_explanation == t.steps[-1].content
    assert t.status == "completed" and t.termination_reason == "terminated"
    assert t.task_id == "miniwob.click-test" and t.metadata["seed"] == 17
    assert t.agent == "GenericAgent" and t.model == "gpt-4o-mini"
    assert t.usage.input_tokens == doc["stats.cum_openai_prompt_tokens"]
    assert t.usage.output_tokens == doc["stats.cum_openai_completion_tokens"]
    assert t.usage.total_tokens == doc["stats.cum_openai_total_tokens"]
    assert t.usage.cost_usd == doc["stats.cum_openai_total_cost"]
    assert t.duration_s == pytest.approx(doc["stats.cum_step_elapsed"] + doc["stats.cum_agent_elapsed"])
    assert t.started_at == dt.datetime(2024, 10, 1, 11, 45, 23, tzinfo=dt.timezone.utc)
    notes = " ".join(t.notes)
    assert "never read" in notes and "4 pickle files here" in notes
    assert "2 other experiment.log records" in notes
    assert t.metadata["package_versions"]["agentlab"] == "0.3.2"


def test_errored_experiment(study: Path, no_pickle):
    exp = study / ASC
    doc = json.loads((exp / "summary_info.json").read_text())
    t = one(exp / "summary_info.json")
    assert [s.kind.value for s in t.steps] == ["observation", "error", "score"]
    err = t.steps[1]
    assert err.is_error and doc["err_msg"] in err.content and doc["stack_trace"] in err.content
    assert t.status == "error" and t.error == doc["err_msg"].splitlines()[0]
    assert t.score == 0.0 and t.deciding_step == 3


@pytest.mark.parametrize("changes,status", [
    ({"terminated": False, "truncated": True, "err_msg": None}, "limit"),
    ({"terminated": False, "truncated": False, "err_msg": None}, "incomplete"),
    ({"terminated": False, "truncated": False,
      "err_msg": "Last step in episode was not terminated or truncated."}, "incomplete"),
    ({"terminated": True, "truncated": False, "err_msg": None}, "completed"),
])
def test_status(tmp_path: Path, study: Path, changes, status):
    doc = json.loads((study / CLICK / "summary_info.json").read_text())
    doc.update(changes)
    p = tmp_path / "summary_info.json"
    p.write_text(json.dumps(doc))
    t = one(p)
    assert t.status == status
    assert ("error" in [s.kind.value for s in t.steps]) is False


@pytest.mark.parametrize("changes,place", [
    ({"n_steps": "ten"}, "/n_steps"),
    ({"cum_reward": "high"}, "/cum_reward"),
    ({"err_msg": ["x"]}, "/err_msg"),
    ({"truncated": "yes"}, "/truncated"),
    ({"stats.cum_openai_total_cost": "free"}, "/stats.cum_openai_total_cost"),
])
def test_broken_summary_raises_input_error(tmp_path: Path, study: Path, changes, place):
    doc = json.loads((study / CLICK / "summary_info.json").read_text())
    doc.update(changes)
    p = tmp_path / "summary_info.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        one(p, "traces/r/summary_info.json")
    assert err.value.place == place and err.value.file == "traces/r/summary_info.json"


def test_missing_keys_and_bad_json(tmp_path: Path):
    p = tmp_path / "summary_info.json"
    p.write_text('{"n_steps": 1}')
    with pytest.raises(InputError) as err:
        one(p)
    assert err.value.place == "/cum_reward"
    p.write_text('{"n_steps": 1, "cum_reward": ')
    with pytest.raises(InputError) as err:
        one(p)
    assert err.value.place.startswith("line 1")
    p.write_text("[]")
    with pytest.raises(InputError):
        one(p)


# --------------------------------------------------------------------------
# drafts
# --------------------------------------------------------------------------


def test_study_draft(study: Path, no_pickle):
    [d] = IMP.drafts(study)
    info = json.loads((study / "reproducibility_info.json").read_text())
    assert d.run_id == study.name and re.match(ID_PATTERN, d.run_id)
    assert d.agent == "GenericAgent-gpt-4o-mini" and d.model == "gpt-4o-mini" and d.harness == "agentlab"
    assert d.benchmark == info["benchmark"] and d.benchmark_version == info["benchmark_version"]
    assert d.tasks == ["miniwob.click-test", "miniwob.ascending-numbers"]
    names = set(d.names.values())
    assert f"{CLICK}/summary_info.json" in names and "reproducibility_info.json" in names
    assert f"{CLICK}/experiment.log" in names
    assert not any(n.endswith((".pkl", ".pkl.gz", ".png")) for n in names)
    n_pickles = sum(1 for p in study.rglob("*") if p.name.endswith((".pkl", ".pkl.gz")))
    assert d.metadata["pickles_not_read"] == n_pickles
    assert d.environment["agentlab_git_hash"] == info["agentlab_git_hash"]
    assert d.environment["agentlab__local_modifications"] == ["M: src/agentlab/llm/llm_configs.py"]
    assert d.harness_version == "0.3.2"
    traces = [t for f in d.files for t in IMP.traces(Path(f), d.names[f])]
    assert sorted(t.id for t in traces) == [CLICK, ASC]
    [e] = IMP.drafts(study / CLICK)
    assert e.run_id == CLICK and e.tasks == ["miniwob.click-test"]
    assert IMP.drafts(study / CLICK / "summary_info.json")[0].files == e.files


def _journal_rows_independently(path: Path) -> list[list[str]]:
    """Rows start at lines whose fifth comma-separated field is a date (the journal's own layout)."""
    lines = path.read_text().splitlines()[1:]
    starts = [i for i, line in enumerate(lines)
              if not line.startswith(" ") and len(line.split(",")) > 4
              and re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}", line.split(",")[4])]
    out = []
    for a, b in zip(starts, starts[1:] + [len(lines)]):
        out.append(lines[a].split(","))
    return out


def test_journal_drafts(al: Path):
    path = al / "reproducibility_journal.csv"
    rows = _journal_rows_independently(path)
    drafts = IMP.drafts(path)
    assert len(drafts) == len(rows) == 4
    for d, row in zip(drafts, rows):
        assert d.agent_name == row[1] and d.declared.overall == float(row[6])
        assert d.benchmark_version == row[3] and re.match(ID_PATTERN, d.run_id) and re.match(ID_PATTERN, d.agent)
        assert d.submitted == dt.datetime.strptime(row[4], "%Y-%m-%d_%H-%M-%S").replace(tzinfo=dt.timezone.utc)
        assert d.files == [str(path.resolve())]
    assert drafts[1].environment["agentlab__local_modifications"] == ["M: main.py", "M: src/agentlab/llm/chat_api.py"]
    assert drafts[1].model == "anthropic_claude-3.5-sonnet:beta" and drafts[1].submitter.name == "Jane Roe"
    assert "repaired" in drafts[2].metadata and "repaired" not in drafts[3].metadata
    assert drafts[3].agent_name == "GenericAgent-meta-llama_llama-4-maverick"  # not swallowed by the open quote
    assert drafts[1].metadata["n_err"] == 2 and drafts[1].metadata["n_completed"] == "330/330"
    assert "comment" not in drafts[1].metadata  # "None" is AgentLab's empty comment


def test_broken_journal(tmp_path: Path, al: Path):
    text = (al / "reproducibility_journal.csv").read_text().splitlines(keepends=True)
    p = tmp_path / "reproducibility_journal.csv"
    p.write_text(text[0] + text[1].replace(",0.75,", ",lots,"))
    with pytest.raises(InputError) as err:
        IMP.drafts(p)
    assert err.value.place == "line 2"
    p.write_text(text[0] + text[1].replace(",4/4,", ",4/4,extra,"))
    with pytest.raises(InputError) as err:
        IMP.drafts(p)
    assert err.value.place == "line 2"
    p.write_text(text[0] + "stray line before any row\n")
    with pytest.raises(InputError) as err:
        IMP.drafts(p)
    assert err.value.place == "line 2"


# --------------------------------------------------------------------------
# real files (../shared/corpus/browsergym-agentlab)
# --------------------------------------------------------------------------


def test_corpus_summary(corpus: Path, no_pickle):
    p = corpus / "browsergym-agentlab" / "summary_info.miniwob_64.json"
    doc = json.loads(p.read_text())
    assert IMP.sniff(p) is None
    t = one(p, p.name)
    expected = ["observation"] + (["error"] if doc["err_msg"] else []) + ["score"]
    assert [s.kind.value for s in t.steps] == expected
    assert t.score == doc["cum_reward"] and t.deciding_step == len(t.steps)
    assert t.usage.input_tokens == doc["stats.cum_openai_prompt_tokens"]
    assert t.usage.output_tokens == doc["stats.cum_openai_completion_tokens"]
    assert t.usage.total_tokens == doc["stats.cum_openai_total_tokens"]
    assert t.usage.cost_usd == pytest.approx(doc["stats.cum_openai_total_cost"])
    assert t.duration_s == pytest.approx(doc["stats.cum_step_elapsed"] + doc["stats.cum_agent_elapsed"])
    assert t.status == ("error" if doc["err_msg"] else "limit" if doc["truncated"] else "completed")
    assert t.error == doc["err_msg"]
    assert f"after {doc['n_steps']} steps" in t.scorer_explanation
    assert any("never read" in n for n in t.notes)
    assert t.metadata["stats"] == {k[6:]: v for k, v in doc.items() if k.startswith("stats.")}
    [d] = IMP.drafts(p)
    assert d.files == [str(p.resolve())] and d.harness == "agentlab"


def test_corpus_journal(corpus: Path):
    p = corpus / "browsergym-agentlab" / "reproducibility_journal.csv"
    assert IMP.sniff(p) is None
    rows = _journal_rows_independently(p)
    drafts = IMP.drafts(p)
    assert len(drafts) == len(rows) > 60
    for d, row in zip(drafts, rows):
        assert d.agent_name == row[1]
        assert d.benchmark == re.sub(r"[^A-Za-z0-9._-]+", "-", row[2])
        assert d.declared.overall == float(row[6])
        assert d.metadata["n_completed"] == row[9]
    assert len({d.run_id for d in drafts}) == len(drafts)
    # rows whose last cell opens a quote it never closes are read, and said so
    repaired = [d for d in drafts if "repaired" in d.metadata]
    raw = p.read_text().splitlines()
    assert len(repaired) == sum(1 for line in raw if line.endswith(',"'))
    # a plain csv reader loses rows to those quotes; the importer does not
    plain = list(csv.DictReader(io.StringIO(p.read_text())))
    assert len(drafts) > sum(1 for r in plain if r.get("avg_reward") and re.fullmatch(r"[0-9.]+", r["avg_reward"]))
    assert list(IMP.traces(p, p.name)) == []


def test_corpus_sniff_accepts_only_own_samples(corpus: Path):
    for p in [corpus, *sorted(corpus.rglob("*"))]:
        if IMP.sniff(p) is None:
            assert p.parent.name == "browsergym-agentlab", p


def test_study_copy_without_log_or_versions(tmp_path: Path, study: Path):
    dst = tmp_path / "s"
    shutil.copytree(study, dst)
    (dst / CLICK / "experiment.log").unlink()
    (dst / CLICK / "package_versions.txt").unlink()
    t = one(dst / CLICK / "summary_info.json")
    assert [s.kind.value for s in t.steps] == ["observation", "score"]
    assert "package_versions" not in t.metadata
