"""Inspect AI logs holding one sample and epoch twice: the later copy is reported and skipped, the rest imported.

Before the fix the importer raised at the duplicate, so every later sample of the file was lost (samples 3
and 4 below). The same holds for a sample that cannot be read at all (a corrupt ``.eval`` member, a
malformed sample in a ``.json`` log): it is reported at its place and every other sample is imported
(see the end of this file).
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.build import build_site
from generator.discover import load_run
from generator.importers.inspect_ai import InspectAI
from generator.ingest import refresh_manifest
from projects import copy_example

IMP = InspectAI()
RUN = "inspect-react-llama-2026-05"
LOG = "2026-05-06T10-00-00_arith-word-problems_llama.json"
EXPECTED = "expected distinct (id, epoch) pairs"
EVAL_NAMES = ["samples/1_epoch_1.json", "samples/2_epoch_1.json", "samples/1-copy_epoch_1.json",
              "samples/3_epoch_1.json", "samples/4_epoch_1.json"]


@pytest.fixture
def log() -> dict:
    return json.loads((Path(__file__).resolve().parents[1] / "traces" / RUN / LOG).read_text())


def _with_duplicate(log: dict) -> dict:
    """The log's samples 1, 2, 3, 4 (epoch 1) as 1, 2, <1 again, scored I instead of C>, 3, 4."""
    log = copy.deepcopy(log)
    samples = log["samples"]
    dup = copy.deepcopy(samples[0])
    dup["scores"] = {"match": {"value": "I", "answer": "0", "explanation": "a second copy"}}
    log["samples"] = samples[:2] + [dup] + samples[2:]
    return log


def _write_eval(path: Path, log: dict, names: list[str]) -> Path:
    """An .eval zip of ``log`` with its samples under the member ``names`` (in order)."""
    header = {k: v for k, v in log.items() if k not in ("samples", "reductions")}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_journal/start.json", json.dumps({"version": 2, "eval": log["eval"], "plan": log["plan"]}))
        for name, sample in zip(names, log["samples"], strict=True):
            zf.writestr(name, json.dumps(sample))
        zf.writestr("reductions.json", json.dumps(log.get("reductions", [])))
        zf.writestr("header.json", json.dumps(header))
    return path


def _write(folder: Path, data: dict, container: str, stem: str = LOG[:-5]) -> tuple[str, str]:
    """Writes ``data`` as a .json or .eval log; (file name, place of the duplicate sample)."""
    if container == "json":
        (folder / f"{stem}.json").write_text(json.dumps(data))
        return f"{stem}.json", "/samples/2"
    _write_eval(folder / f"{stem}.eval", data, EVAL_NAMES)
    return f"{stem}.eval", EVAL_NAMES[2]


@pytest.mark.parametrize("container", ["json", "eval"])
def test_importer_reads_on_past_a_duplicate(tmp_path: Path, log: dict, container: str):
    """The importer yields every sample, the copy included, with where it was read; the run stage keeps the
    first and reports the other."""
    name, _ = _write(tmp_path, _with_duplicate(log), container)
    traces = list(IMP.traces(tmp_path / name, name))
    assert [t.id for t in traces] == ["1-e1", "2-e1", "1-e1", "3-e1", "4-e1"]
    places = ["/samples/0", "/samples/2"] if container == "json" else [EVAL_NAMES[0], EVAL_NAMES[2]]
    assert [(t.source_pointer, t.score) for t in traces if t.id == "1-e1"] == list(zip(places, [1.0, 0.0]))


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = copy_example(tmp_path / "p")
    (project / "traces" / RUN / LOG).unlink()
    return project


def _build(project: Path, site: str = "site"):
    entry, errs = load_run(project / "traces" / RUN, project)
    assert entry is not None, errs
    refresh_manifest(project, entry)
    result = build_site(project, project / site)
    return result, next(r for r in result.runs if r.run.id == RUN)


def _duplicates(rs) -> list:
    return [f for f in rs.findings if EXPECTED in f.message]


@pytest.mark.parametrize("container", ["json", "eval"])
def test_build_reports_the_duplicate_and_keeps_every_other_sample(project: Path, log: dict, container: str):
    name, place = _write(project / "traces" / RUN, _with_duplicate(log), container)
    result, rs = _build(project)
    assert sorted(t.id for t in rs.traces) == ["1-e1", "2-e1", "3-e1", "4-e1"]
    assert next(t for t in rs.traces if t.id == "1-e1").score == 1.0  # the first copy (C), not the second (I)
    [dup] = _duplicates(rs)
    assert (dup.file, dup.place, dup.severity, dup.rule, dup.run) == (f"traces/{RUN}/{name}", place, "error",
                                                                      "import", RUN)
    first = "/samples/0" if container == "json" else EVAL_NAMES[0]
    assert f"the copy at {first} is kept" in dup.message and "'1-e1'" in dup.message
    assert dup in result.errors and not rs.verified
    html = (project / "site" / rs.url).read_text()
    assert place in html and "appears again" in html  # shown on the run page
    # deterministic: the same input gives the same site
    _build(project, "again")
    for f in (project / "site").rglob("*.html"):
        assert f.read_bytes() == (project / "again" / f.relative_to(project / "site")).read_bytes(), f


def test_each_of_several_copies_is_reported(project: Path, log: dict):
    data = copy.deepcopy(log)
    s = data["samples"]
    data["samples"] = [s[0], s[0], s[0], s[1], s[2], s[3], s[3]]
    (project / "traces" / RUN / LOG).write_text(json.dumps(data))
    _, rs = _build(project)
    assert sorted(t.id for t in rs.traces) == ["1-e1", "2-e1", "3-e1", "4-e1"]
    assert [f.place for f in _duplicates(rs)] == ["/samples/1", "/samples/2", "/samples/6"]


def test_a_sample_again_in_another_log_of_the_run(project: Path, log: dict):
    """A retried eval often repeats samples in a second log: the copy in the later file is the one skipped,
    and the finding says where the kept one is."""
    folder = project / "traces" / RUN
    (folder / "a.json").write_text(json.dumps(log))
    retry = copy.deepcopy(log)
    retry["samples"] = [retry["samples"][3]]
    (folder / "b.json").write_text(json.dumps(retry))
    _, rs = _build(project)
    assert sorted(t.id for t in rs.traces) == ["1-e1", "2-e1", "3-e1", "4-e1"]
    assert [t.source_file for t in rs.traces if t.id == "4-e1"] == [f"traces/{RUN}/a.json"]
    [dup] = _duplicates(rs)
    assert (dup.file, dup.place) == (f"traces/{RUN}/b.json", "/samples/0")
    assert f"the copy at traces/{RUN}/a.json:/samples/3 is kept" in dup.message


def test_same_id_in_another_epoch_is_not_a_duplicate(project: Path, log: dict):
    data = copy.deepcopy(log)
    again = copy.deepcopy(data["samples"][0])
    again["epoch"] = 2
    data["samples"].insert(1, again)
    (project / "traces" / RUN / LOG).write_text(json.dumps(data))
    _, rs = _build(project)
    assert sorted(t.id for t in rs.traces) == ["1-e1", "1-e2", "2-e1", "3-e1", "4-e1"]
    assert _duplicates(rs) == [] and not any(f.rule == "import" for f in rs.findings)


# -- a sample that cannot be read: reported at its place, every other sample imported --------------------


def _declare_tasks(project: Path, tasks: dict) -> None:
    meta = project / "traces" / RUN / "run.yaml"
    data = yaml.safe_load(meta.read_text())
    data["declared"]["tasks"] = tasks
    meta.write_text(yaml.safe_dump(data, sort_keys=False))


def _break_member(path: Path, member: str) -> None:
    """Flip bytes inside the deflate data of ``member`` (its directory entry stays intact)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[start : start + 40] = bytes(b ^ 0xFF for b in data[start : start + 40])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("container", ["json", "eval"])
def test_build_reports_a_broken_sample_and_keeps_every_other_one(project: Path, log: dict, container: str):
    """The user's report: one corrupt member lost the samples after it, and the run stage then said "task '3'
    is scored but the run has no trace of it" for tasks whose members were intact."""
    _declare_tasks(project, {"1": 1.0, "2": 1.0, "3": 0.0})
    folder = project / "traces" / RUN
    if container == "json":
        data = copy.deepcopy(log)
        data["samples"][1]["events"] = "not a list"  # the JSON parses; only sample 2 is malformed
        (folder / LOG).write_text(json.dumps(data))
        name, place = LOG, "/samples/1/events"
    else:
        name = f"{LOG[:-5]}.eval"
        _write_eval(folder / name, log, ["samples/1_epoch_1.json", "samples/2_epoch_1.json",
                                         "samples/3_epoch_1.json", "samples/4_epoch_1.json"])
        _break_member(folder / name, "samples/2_epoch_1.json")
        place = "samples/2_epoch_1.json"
    result, rs = _build(project)
    assert sorted(t.id for t in rs.traces) == ["1-e1", "3-e1", "4-e1"]
    [broken] = [f for f in rs.findings if f.rule == "import"]
    assert (broken.file, broken.place, broken.severity, broken.run) == (f"traces/{RUN}/{name}", place, "error", RUN)
    assert "this sample is skipped and every other sample of the log is imported" in broken.message
    assert broken in result.errors and not rs.verified
    # only the task whose sample is lost is said to have no trace
    untraced = [f.place for f in rs.findings if "no trace of it" in f.message]
    assert untraced == ["/declared/tasks/2"]
    [coverage] = [f for f in rs.findings if f.rule == "task-source" and "missing" in f.message]
    assert "missing: 2." in coverage.message

