"""asciicast importer: fixtures written for these tests, then the real corpus."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator import importers
from generator.errors import InputError
from generator.importers.asciicast import Asciicast
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = Asciicast()
START_V2 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.timezone.utc)  # header timestamp 1735732800


@pytest.fixture
def casts(fixtures: Path) -> Path:
    return fixtures / "asciicast"


def one(path: Path, label: str):
    traces = list(IMP.traces(path, label))
    assert len(traces) == 1
    return traces[0]


def events(path: Path) -> tuple[dict, list[list]]:
    """Header and events of a .cast file, read independently of the importer."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    evs = [json.loads(ln) for ln in lines[1:] if ln.strip() and not ln.lstrip().startswith("#")]
    return header, evs


def test_sniff(casts: Path, tmp_path: Path, fixtures: Path):
    harbor = fixtures / "harbor_atif" / "jobs" / "2025-11-02__10-00-00" / "hello-world__AbC123X" / "agent"
    assert "trajectory.json" in IMP.sniff(harbor / "recording.cast")  # taken by harbor-atif with its trial
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "recording.cast").write_text((harbor / "recording.cast").read_text())
    assert IMP.sniff(tmp_path / "agent" / "recording.cast") is None  # no trajectory beside it
    assert IMP.sniff(casts / "session-v2.cast") is None
    assert IMP.sniff(casts / "build-v3.cast") is None
    assert "v1" in IMP.sniff(casts / "old-v1.cast")
    assert IMP.sniff(casts) is not None
    (tmp_path / "x.json").write_text('{"version": 2, "width": 80, "height": 24}\n')
    assert IMP.sniff(tmp_path / "x.json") == "not a .cast file"
    (tmp_path / "y.cast").write_text('{"version": 2, "width": "80", "height": 24}\n')
    assert IMP.sniff(tmp_path / "y.cast") is not None
    (tmp_path / "z.cast").write_text("hello\n")
    assert IMP.sniff(tmp_path / "z.cast") is not None
    imp, _ = importers.detect(casts / "session-v2.cast")
    assert imp is not None and imp.name == "asciicast"


def test_v2_groups_inputs_outputs_and_markers(casts: Path):
    t = one(casts / "session-v2.cast", "traces/run-x/session-v2.cast")
    assert kinds(t) == ["observation", "terminal_command", "observation", "observation",
                        "terminal_command", "observation", "terminal_command", "observation"]
    s = t.steps
    assert s[0].content == "$ " and s[0].source == "line 2"
    assert s[1].content == "ls" and s[1].title == "ls" and s[1].source == "line 3"
    assert s[1].duration_s == pytest.approx(0.5)
    # echo typed while the command was entered stays with the output that follows
    assert s[2].content == "ls\r\n\x1b[1;34mdocs\x1b[0m  notes.txt\r\n$ " and s[2].source == "line 4"
    assert s[3].title == "marker" and s[3].content == "checkpoint" and s[3].source == "line 11"
    assert s[4].content == "^C" and s[4].source == "line 12"
    assert s[6].content == "exit" and s[7].content == "exit\r\n"
    assert s[0].timestamp == START_V2 + dt.timedelta(seconds=0.1)
    assert s[4].timestamp == START_V2 + dt.timedelta(seconds=4)
    assert t.id == t.task_id == "session-v2" and t.trial == 1
    assert t.status == "completed" and t.termination_reason is None and t.score is None
    assert t.started_at == START_V2 and t.duration_s == 9.5
    assert t.metadata["recording"] == "session-v2.cast"
    assert t.metadata["resizes"] == [[2.0, "120x40"]]
    assert t.metadata["term"] == {"cols": 100, "rows": 30, "type": "xterm-256color"}
    assert t.metadata["env"] == {"SHELL": "/bin/bash", "TERM": "xterm-256color"}
    assert "sk-fixture-secret" not in t.model_dump_json()
    assert any("1 resize events" in n for n in t.notes)
    assert any("1 blank lines" in n for n in t.notes)
    assert not any("intervals" in n for n in t.notes)


def test_v3_intervals_comments_exit(casts: Path):
    t = one(casts / "build-v3.cast", "traces/r/logs/build-v3.cast")
    assert kinds(t) == ["observation", "observation", "observation"]
    out, marker, ex = t.steps
    assert out.content == "building...\r\ncompiling main.c\r\n\x1b[31merror: undefined reference\x1b[0m\r\n"
    assert out.duration_s == pytest.approx(3.5) and out.title == "output at 0.500 s"
    start = dt.datetime(2025, 1, 1, 13, 0, tzinfo=dt.timezone.utc)
    assert out.timestamp == start + dt.timedelta(seconds=0.5)
    assert marker.title == "marker" and marker.timestamp == start + dt.timedelta(seconds=4.5)
    assert ex.title == "exit" and ex.content == "exit status 2" and ex.is_error and ex.source == "line 9"
    assert t.termination_reason == "exit status 2" and t.metadata["exit_status"] == 2
    assert t.duration_s == pytest.approx(5.0)
    assert t.metadata["resizes"] == [[2.0, "90x30"]]
    assert t.metadata["recording"] == "logs/build-v3.cast"
    assert t.metadata["term"]["type"] == "tmux-256color" and t.metadata["tags"] == ["ci"]
    joined = "\n".join(t.notes)
    assert "intervals since the previous event" in joined
    assert "2 comment lines" in joined and "unknown code 'z'" in joined


def test_v3_without_timestamp_or_exit(tmp_path: Path):
    p = tmp_path / "t.cast"
    p.write_text('{"version": 3, "term": {"cols": 80, "rows": 24}}\n[0.5, "i", "echo hi\\r"]\n[0.25, "o", "hi\\r\\n"]\n')
    t = one(p, "t.cast")
    assert kinds(t) == ["terminal_command", "observation"]
    assert t.steps[0].timestamp is None and t.steps[1].title == "output at 0.750 s"
    assert any("no exit event" in n for n in t.notes) and any("no timestamp" in n for n in t.notes)
    assert t.duration_s == pytest.approx(0.75)


def test_drafts(casts: Path, tmp_path: Path):
    [d] = IMP.drafts(casts / "session-v2.cast")
    assert d.run_id == "session-v2" and d.tasks == ["session-v2"]
    assert d.benchmark is None and d.agent is None and d.model is None
    f = str((casts / "session-v2.cast").resolve())
    assert d.files == [f] and d.names == {f: "session-v2.cast"} and d.formats == {f: "asciicast"}
    assert d.environment == {"term": {"cols": 100, "rows": 30, "type": "xterm-256color"}, "shell": "/bin/bash"}
    assert d.metadata["recorded_at"] == START_V2.isoformat()
    assert "sk-fixture-secret" not in d.model_dump_json()
    rec = tmp_path / "hello-world__x1" / "agent" / "recording.cast"
    rec.parent.mkdir(parents=True)
    rec.write_text((casts / "build-v3.cast").read_text())
    [d] = IMP.drafts(rec)
    assert d.run_id == "hello-world__x1-recording" and re.match(ID_PATTERN, d.run_id)
    assert d.tasks == ["hello-world__x1-recording"]
    assert d.names == {str(rec.resolve()): "hello-world__x1/recording.cast"}
    # after import the file sits in traces/<run>/hello-world__x1/recording.cast: same task id
    built = tmp_path / "traces" / "run" / "hello-world__x1" / "recording.cast"
    built.parent.mkdir(parents=True)
    built.write_text(rec.read_text())
    t = one(built, "traces/run/hello-world__x1/recording.cast")
    assert t.task_id == t.id == "hello-world__x1-recording"
    assert t.metadata["recording"] == "hello-world__x1/recording.cast"


@pytest.mark.parametrize("body, place", [
    ('[0.1, "o", "x"]\n', "line 1"),
    ('{"version": 2, "width": 80}\n', "line 1"),
    ('{"version": 2, "width": 80, "height": 24, "timestamp": "today"}\n', "line 1"),
    ('{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\n["0.2", "o", "b"]\n', "line 3"),
    ('{"version": 2, "width": 80, "height": 24}\n[0.1, 5, "a"]\n', "line 2"),
    ('{"version": 2, "width": 80, "height": 24}\n[0.1, "o", 5]\n', "line 2"),
    ('{"version": 2, "width": 80, "height": 24}\n\n[0.1, "o", "a"\n', "line 3"),
    ('{"version": 3, "term": {"cols": 80, "rows": 24}}\n# c\n{"t": 1}\n', "line 3"),
    # event times that no step timestamp can hold (fuzz: OverflowError from timedelta)
    ('{"version": 2, "width": 80, "height": 24, "timestamp": 1735732800}\n[0.1, "o", "a"]\n[1e308, "i", "b"]\n',
     "line 3"),
    ('{"version": 3, "term": {"cols": 80, "rows": 24}}\n[1e308, "o", "a"]\n', "line 2"),
    ('{"version": 3, "term": {"cols": 80, "rows": 24}}\n[6e8, "o", "a"]\n[6e8, "o", "b"]\n', "line 3"),
    ('{"version": 2, "width": 80, "height": 24, "timestamp": 253402300000}\n[1000000, "o", "a"]\n', "line 2"),
])
def test_broken_input(tmp_path: Path, body: str, place: str):
    p = tmp_path / "b.cast"
    p.write_text(body)
    with pytest.raises(InputError) as exc:
        list(IMP.traces(p, "b.cast"))
    assert exc.value.place == place and exc.value.message.startswith(("expected", "invalid JSON"))


def test_broken_fixture_and_v1(casts: Path):
    gen = IMP.traces(casts / "broken-event.cast", "broken-event.cast")
    with pytest.raises(InputError) as exc:
        list(gen)
    assert exc.value.place == "line 4"
    with pytest.raises(InputError) as exc:
        list(IMP.traces(casts / "old-v1.cast", "old-v1.cast"))
    assert exc.value.place == "line 1"
    with pytest.raises(InputError):
        IMP.drafts(casts / "old-v1.cast")


# --------------------------------------------------------------------------
# the real corpus
# --------------------------------------------------------------------------


def test_corpus_casts(corpus: Path):
    files = sorted((corpus / "asciicast").glob("*.cast"))
    if not files:
        pytest.skip("no asciicast samples in the corpus")
    for path in files:
        assert IMP.sniff(path) is None, path
        header, evs = events(path)
        t = one(path, path.name)
        by = {c: [e for e in evs if e[1] == c] for c in "oimrx"}
        cmds = [s for s in t.steps if s.kind == StepKind.terminal_command]
        assert (len(cmds) == 0) if not by["i"] else (1 <= len(cmds) <= len(by["i"])), path.name
        assert sum(1 for s in t.steps if s.title == "marker") == len(by["m"]), path.name
        assert sum(1 for s in t.steps if s.title == "exit") == len(by["x"]), path.name
        outputs = [s for s in t.steps if s.kind == StepKind.observation and s.title.startswith("output")]
        assert "".join(s.content for s in outputs) == "".join(e[2] for e in by["o"]), path.name
        assert len(t.metadata.get("resizes", [])) == len(by["r"]), path.name
        if header["version"] == 3:
            assert t.duration_s == pytest.approx(sum(e[0] for e in evs)), path.name
        else:
            assert t.duration_s == pytest.approx(header.get("duration", evs[-1][0])), path.name
        if by["x"]:
            assert t.metadata["exit_status"] == int(by["x"][-1][2])
        assert t.metadata["recording"] == path.name
        [d] = IMP.drafts(path)
        assert d.tasks == [path.stem] and re.match(ID_PATTERN, d.run_id)


def test_corpus_sniff_accepts_only_casts(corpus: Path):
    for path in sorted(corpus.rglob("*")):
        if IMP.sniff(path) is None:
            assert path.suffix == ".cast" and path.parent.name == "asciicast", path
