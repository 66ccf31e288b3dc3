"""Inspect AI importer: score mapping, steps, containers, hostile archives, corpus."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers import inspect_ai as mod
from generator.importers.inspect_ai import InspectAI, score_to_float
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = InspectAI()


# --------------------------------------------------------------------------
# helpers: logs and zips written by the tests
# --------------------------------------------------------------------------


@pytest.fixture
def small(fixtures: Path) -> Path:
    return fixtures / "inspect" / "small_log.json"


@pytest.fixture
def log(small: Path) -> dict:
    return json.loads(small.read_text())


def write_json(tmp_path: Path, data: dict, name: str = "log.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, payload as stored, method, crc, uncompressed size)."""
    out = io.BytesIO()
    central = []
    for name, payload, method, crc, usize in entries:
        offset = out.tell()
        bname = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(payload), usize, len(bname), 0))
        out.write(bname + payload)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(payload), usize, len(bname), 0, 0, 0, 0, 0, offset) + bname)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), cd_size, cd_start, 0))
    return out.getvalue()


def deflate_entry(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, c.compress(data) + c.flush(), 8, zlib.crc32(data), len(data)


def zstd_entry(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    zstandard = pytest.importorskip("zstandard")
    # a streamed frame without the content size, as Inspect's writer produces
    cobj = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    payload = cobj.compress(data) + cobj.flush()
    return name, payload, 93, zlib.crc32(data), len(data)


def condense(sample: dict) -> dict:
    """Move model-event inputs into events_data.messages with input_refs, as _pool.py does."""
    sample = copy.deepcopy(sample)
    pool: list = []
    index: dict[str, int] = {}
    for ev in sample["events"]:
        if ev["event"] == "model" and ev["input"]:
            idx = []
            for msg in ev["input"]:
                key = json.dumps(msg, sort_keys=True)
                if key not in index:
                    index[key] = len(pool)
                    pool.append(msg)
                idx.append(index[key])
            refs, start, end = [], idx[0], idx[0] + 1
            for i in idx[1:]:
                if i == end:
                    end += 1
                else:
                    refs.append([start, end])
                    start, end = i, i + 1
            refs.append([start, end])
            ev["input"], ev["input_refs"] = [], refs
    sample["events_data"] = {"messages": pool, "calls": []}
    return sample


def eval_entries(log: dict, *, zstd: bool = False, condensed: bool = False) -> list:
    make = zstd_entry if zstd else deflate_entry
    header = {k: v for k, v in log.items() if k not in ("samples", "reductions")}
    entries = [make("_journal/start.json", json.dumps({"version": 2, "eval": log["eval"], "plan": log["plan"]}).encode())]
    for s in log["samples"]:
        s = condense(s) if condensed else s
        entries.append(make(f"samples/{s['id']}_epoch_{s['epoch']}.json", json.dumps(s).encode()))
    entries.append(make("reductions.json", json.dumps(log.get("reductions", [])).encode()))
    entries.append(make("header.json", json.dumps(header).encode()))
    return entries


def write_eval(tmp_path: Path, log: dict, name: str = "log.eval", **kw) -> Path:
    path = tmp_path / name
    path.write_bytes(raw_zip(eval_entries(log, **kw)))
    return path


def all_traces(path: Path) -> list:
    return list(IMP.traces(path, path.name))


# --------------------------------------------------------------------------
# score mapping
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("C", 1.0), ("I", 0.0), ("P", 0.5), ("N", 0.0),
        (1, 1.0), (0.25, 0.25), (True, 1.0), (False, 0.0),
        ("yes", 1.0), ("False", 0.0), ("0.75", 0.75),
        ({"a": "C", "b": "I"}, 0.5), ({"x": 1, "y": 0.5, "z": "n/a"}, 0.75), (["C", "C", "I", "P"], 0.625),
        (None, None), ("maybe", None), ({}, None), ("nan", None),
    ],
)
def test_score_to_float(value, expected):
    assert score_to_float(value) == expected


# --------------------------------------------------------------------------
# sniff and drafts
# --------------------------------------------------------------------------


def test_sniff(small: Path, tmp_path: Path, log: dict):
    assert IMP.sniff(small) is None
    assert IMP.sniff(write_eval(tmp_path, log)) is None
    assert "folder" in IMP.sniff(tmp_path)
    other = write_json(tmp_path, {"trajectory": []}, "other.json")
    assert IMP.sniff(other) is not None
    (tmp_path / "x.txt").write_text("hello")
    assert IMP.sniff(tmp_path / "x.txt") is not None
    (tmp_path / "bad.json").write_text("{not json")
    assert IMP.sniff(tmp_path / "bad.json") == "not valid JSON"
    (tmp_path / "plain.eval").write_bytes(raw_zip([deflate_entry("readme.txt", b"hi")]))
    assert "header.json" in IMP.sniff(tmp_path / "plain.eval")
    (tmp_path / "notzip.eval").write_bytes(b"hello")
    assert "zip" in IMP.sniff(tmp_path / "notzip.eval")
    # a big .json is recognised from its first 64 KB
    big = copy.deepcopy(log)
    big["samples"][0]["metadata"] = {"pad": "x" * 200_000}
    big_path = write_json(tmp_path, big, "big.json")
    assert big_path.stat().st_size > 100_000
    assert IMP.sniff(big_path) is None
    assert detect(small)[0] is not None and detect(small)[0].name == "inspect-ai"


def test_drafts_json(small: Path):
    (d,) = IMP.drafts(small)
    assert d.run_id == "arith-RUN123"
    assert re.match(ID_PATTERN, d.run_id)
    assert d.agent == "system_message-basic_agent"
    assert d.model == "mockllm/model"
    assert (d.harness, d.harness_version) == ("inspect_ai", "0.3.100")
    assert (d.benchmark, d.benchmark_version) == ("arith", "2")
    assert d.tasks == ["add-1", "add-2"]
    assert d.declared.overall == 0.5
    assert d.declared.source == "results.scores[0].metrics.accuracy"
    assert d.declared.tasks == {"add-1": 1.0, "add-2": 0.0}
    assert d.declared.cost_usd == pytest.approx(0.003)
    assert d.environment["sandbox"] == {"type": "docker", "config": "compose.yaml"}
    assert d.environment["model_generate_config"] == {"temperature": 0.0}
    assert d.environment["message_limit"] == 30
    assert "task_args" not in d.environment  # empty values are left out
    assert d.files == [str(small.resolve())]
    assert d.names == {str(small.resolve()): "small_log.json"}
    assert d.format == "inspect-ai"


def test_drafts_placeholders_and_solver(tmp_path: Path, log: dict):
    log["eval"]["run_id"] = "..."
    log["eval"].pop("eval_id")
    log["eval"]["solver"] = "inspect_swe/claude_code"
    (d,) = IMP.drafts(write_json(tmp_path, log, "my run.json"))
    assert d.run_id == "arith-my-run"
    assert d.agent == "claude_code"
    log["eval"]["task"] = "..."
    (d,) = IMP.drafts(write_json(tmp_path, log, "other.json"))
    assert d.run_id == "other" and d.benchmark is None


def test_drafts_eval_matches_json(tmp_path: Path, small: Path, log: dict):
    (dj,) = IMP.drafts(small)
    (de,) = IMP.drafts(write_eval(tmp_path, log))
    for field in ("run_id", "agent", "model", "harness_version", "benchmark", "benchmark_version", "tasks", "declared", "environment"):
        assert getattr(dj, field) == getattr(de, field), field


# --------------------------------------------------------------------------
# traces from the .json fixture
# --------------------------------------------------------------------------


def test_json_traces(small: Path):
    t1, t2 = all_traces(small)
    assert (t1.id, t1.task_id, t1.trial) == ("add-1-e1", "add-1", 1)
    assert (t1.status, t1.score, t1.score_source) == ("completed", 1.0, "scores.match.value")
    assert kinds(t1) == ["message", "message", "model_call", "tool_call", "terminal_command", "tool_result", "model_call", "score"]
    system, user, call, tcall, cmd, result, final, score = t1.steps
    assert system.actor == "system" and user.actor == "user"
    assert user.content.startswith("What is 1 + 1?")  # attachment:// resolved
    assert user.source == "/samples/0/events/2/input/1"
    assert tcall.tool_call.function == "bash" and tcall.tool_call.arguments == {"cmd": "echo $((1+1))"}
    assert tcall.tool_call.id == "call_1" == result.tool_call_id
    assert cmd.content.startswith("$ bash --login") and "2" in cmd.content
    # the result is placed after the sandbox command run inside the tool's span
    assert result.title == "bash" and result.content == "2\n" and not result.is_error
    assert call.usage.total_tokens == 60 and call.model == "mockllm/model"
    assert final.content == "2"
    assert score.actor == "scorer" and "matches the target" in score.content
    assert score.source == "/samples/0/events/10"
    assert t1.deciding_step == 8 == score.index
    assert t1.submission == "2"
    assert "The answer 2 matches the target 2." in t1.scorer_explanation
    assert t1.usage.total_tokens == 130 and t1.usage.cost_usd == pytest.approx(0.0015)
    assert t1.duration_s == 6.0
    assert t1.started_at == dt.datetime(2025, 3, 1, 10, 0, 0, tzinfo=dt.timezone.utc)  # the first event
    assert all(s.timestamp is None or s.timestamp.tzinfo is not None for s in t1.steps)
    assert t1.source_pointer == "/samples/0"
    assert t1.model == "mockllm/model"
    assert any("state event" in n for n in t1.notes) and any("span_begin" in n for n in t1.notes)
    assert any("sample_init" in n for n in t1.notes)

    assert (t2.id, t2.status, t2.score) == ("add-2-e1", "completed", 0.0)
    assert kinds(t2) == ["message", "message", "model_call", "tool_call", "tool_result", "model_call", "observation", "score"]
    err = t2.steps[4]
    assert err.is_error and "timed out" in err.content and err.tool_call_id == "call_2"
    assert t2.submission == "5"
    assert t2.scorer_explanation == "Answer: 5"
    assert t2.deciding_step == len(t2.steps)
    # the system message shown once per trace even though both model calls carry it
    assert [s.actor for s in t2.steps if s.kind == StepKind.message] == ["system", "user"]


def test_messages_fallback_and_appended_score(tmp_path: Path, log: dict):
    s = log["samples"][0]
    del s["events"]
    path = write_json(tmp_path, log)
    t = all_traces(path)[0]
    assert kinds(t) == ["message", "message", "message", "tool_call", "tool_result", "message", "score"]
    assert t.steps[3].tool_call.function == "bash"
    assert t.steps[4].tool_call_id == "call_1"
    last = t.steps[-1]
    assert last.actor == "scorer" and last.source == "/samples/0/scores/match"
    assert "matches the target" in last.content
    assert t.deciding_step == len(t.steps)


def test_status_error_limit_incomplete(tmp_path: Path, log: dict):
    a, b = log["samples"]
    a["error"] = {"message": "RuntimeError: sandbox died", "traceback": "Traceback ...", "traceback_ansi": ""}
    a.pop("scores")
    b["limit"] = {"type": "message", "limit": 30}
    b["events"].insert(4, {"timestamp": "2025-03-01T10:01:33Z", "event": "sample_limit", "type": "message", "message": "Message limit 30 exceeded", "limit": 30})
    ta, tb = all_traces(write_json(tmp_path, log))
    assert ta.status == "error" and ta.error == "RuntimeError: sandbox died" and ta.score is None and ta.deciding_step is None
    assert ta.steps[-1].kind == StepKind.error and ta.steps[-1].source == "/samples/0/error"
    assert tb.status == "limit" and tb.termination_reason.startswith("message limit")
    assert [s.title for s in tb.steps if s.kind == StepKind.error] == ["message limit"]  # no duplicate from sample.limit

    log2 = json.loads(json.dumps(log))
    log2["status"] = "started"
    log2["samples"][1].pop("limit")
    log2["samples"][1].pop("scores")
    _, tc = all_traces(write_json(tmp_path, log2, "started.json"))
    assert tc.status == "incomplete" and tc.score is None


def test_multi_scorer_uses_results_first(tmp_path: Path, log: dict):
    s = log["samples"][0]
    s["scores"] = {"other": {"value": 0.2}, "match": {"value": {"a": "C", "b": "I"}}}
    t = all_traces(write_json(tmp_path, log))[0]
    assert t.score == 0.5 and t.score_source.startswith("scores.match.value")
    assert t.metadata["scores"]["other"] == 0.2


def test_json_without_samples_yields_nothing(tmp_path: Path, log: dict):
    del log["samples"]
    assert all_traces(write_json(tmp_path, log)) == []


@pytest.mark.parametrize(
    "breakage, place",
    [
        (lambda log: log.__setitem__("samples", {"a": 1}), "/samples"),
        (lambda log: log["samples"][0]["events"][1].pop("event"), "/samples/0/events/1"),
        (lambda log: log["samples"][0]["events"].__setitem__(2, "model"), "/samples/0/events/2"),
        (lambda log: log["samples"][0].pop("id"), "/samples/0/id"),
        (lambda log: log["samples"][1].__setitem__("epoch", "one"), "/samples/1/epoch"),
        (lambda log: log["samples"][0]["events"][2].__setitem__("timestamp", "yesterday"), "/samples/0/events/2/timestamp"),
        (lambda log: log["samples"][0]["events"][10].__setitem__("score", "C"), "/samples/0/events/10/score"),
        (lambda log: log["samples"][0]["events"][2]["output"]["choices"][0]["message"]["tool_calls"][0].pop("function"),
         "/samples/0/events/2/output/choices/0/message/tool_calls/0/function"),
        # a duplicate (id, epoch) no longer stops the file: see tests/test_inspect_duplicates.py
        (lambda log: log.__setitem__("eval", []), "/eval"),
        # fuzz: a span id that is a list crashed with TypeError (unhashable type: 'list')
        (lambda log: log["samples"][0]["events"][6].__setitem__("id", []), "/samples/0/events/6/id"),
        (lambda log: log["samples"][0]["events"][3].__setitem__("id", ["sp-tool1"]), "/samples/0/events/3/id"),
    ],
)
def test_broken_json_raises_input_error(tmp_path: Path, log: dict, breakage, place):
    breakage(log)
    path = write_json(tmp_path, log)
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert exc.value.place == place
    assert "expected" in exc.value.message


def test_invalid_json_file(tmp_path: Path):
    (tmp_path / "x.json").write_text('{"version": 2, "eval": {')
    with pytest.raises(InputError):
        IMP.drafts(tmp_path / "x.json")
    with pytest.raises(InputError):
        all_traces(tmp_path / "x.json")


# --------------------------------------------------------------------------
# .eval containers
# --------------------------------------------------------------------------


def summary(traces) -> list:
    return [(t.id, t.score, t.status, kinds(t), [s.content for s in t.steps]) for t in traces]


def test_deflate_eval_matches_json(tmp_path: Path, small: Path, log: dict):
    path = write_eval(tmp_path, log)
    assert zipfile.ZipFile(path).testzip() is None  # a valid zip for Python's reader too
    te = all_traces(path)
    assert summary(te) == summary(all_traces(small))
    assert te[0].source_pointer == "samples/add-1_epoch_1.json"
    assert te[0].steps[2].source == "samples/add-1_epoch_1.json#/events/2"


def test_deflate_eval_written_by_zipfile(tmp_path: Path, small: Path, log: dict):
    path = tmp_path / "zf.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps({k: v for k, v in log.items() if k != "samples"}))
        for s in log["samples"]:
            zf.writestr(f"samples/{s['id']}_epoch_1.json", json.dumps(s))
    assert summary(all_traces(path)) == summary(all_traces(small))


def test_zstd_condensed_eval_matches_json(tmp_path: Path, small: Path, log: dict):
    path = write_eval(tmp_path, log, zstd=True, condensed=True)
    te = all_traces(path)
    assert summary(te) == summary(all_traces(small))
    assert te[0].steps[1].source == "samples/add-1_epoch_1.json#/events_data/messages/1"
    (d,) = IMP.drafts(path)
    assert d.run_id == "arith-RUN123" and d.declared.tasks == {"add-1": 1.0, "add-2": 0.0}


def test_zstd_missing_gives_clear_message(tmp_path: Path, log: dict, monkeypatch):
    path = write_eval(tmp_path, log, zstd=True)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(InputError) as exc:
        IMP.drafts(path)
    assert "pip install 'tracesite[zstd]'" in exc.value.message
    assert exc.value.place == "header.json"
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert "zstd" in exc.value.message


def test_journal_only_eval_is_started(tmp_path: Path, log: dict):
    log["samples"][1].pop("scores")
    entries = [e for e in eval_entries(log) if e[0] != "header.json"]
    path = tmp_path / "crashed.eval"
    path.write_bytes(raw_zip(entries))
    assert IMP.sniff(path) is None
    t1, t2 = all_traces(path)
    assert t1.status == "completed" and t2.status == "incomplete"
    (d,) = IMP.drafts(path)
    assert d.declared.overall is None and d.metadata.get("status") == "started"


def test_chunked_samples_refused(tmp_path: Path, log: dict):
    entries = eval_entries(log) + [deflate_entry("samples/3_epoch_1/sample.json", b"{}")]
    path = tmp_path / "chunked.eval"
    path.write_bytes(raw_zip(entries))
    for call in (lambda: IMP.drafts(path), lambda: all_traces(path)):
        with pytest.raises(InputError) as exc:
            call()
        assert "chunked samples" in exc.value.message and exc.value.place == "samples/3_epoch_1/"


def test_sample_member_broken(tmp_path: Path, log: dict):
    entries = eval_entries(log)
    entries[1] = deflate_entry(entries[1][0], b'{"id": "add-1", "epoch": 1, "events": [{"timestamp": "x"}]}')
    path = tmp_path / "broken.eval"
    path.write_bytes(raw_zip(entries))
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert exc.value.place == "samples/add-1_epoch_1.json#/events/0"
    entries[1] = deflate_entry(entries[1][0], b'{"id": ')
    path.write_bytes(raw_zip(entries))
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert exc.value.place.startswith("samples/add-1_epoch_1.json#line 1")


# One bad sample skips that sample only. Before the fix the importer raised at the first broken member or
# sample, so every sample after it was lost (and the run stage then said its scored tasks had no trace).


def three_samples(log: dict) -> dict:
    """The small log with a third sample, add-3 (a copy of add-2)."""
    third = copy.deepcopy(log["samples"][1])
    third["id"] = "add-3"
    log["samples"].append(third)
    return log


def read_on(path: Path) -> tuple[list[str], InputError | None]:
    """(ids of the traces yielded, the InputError raised after them or None)."""
    ids: list[str] = []
    try:
        for trace in IMP.traces(path, path.name):
            ids.append(trace.id)
    except InputError as exc:
        return ids, exc
    return ids, None


def _deflate_garbage(entry: tuple) -> tuple:
    name, payload, method, crc, size = entry
    return name, payload[:10] + b"\xff" * 50 + payload[60:], method, crc, size


def _bad_crc(entry: tuple) -> tuple:
    name, payload, method, crc, size = entry
    return name, payload, method, crc ^ 0xFFFF, size


def _bad_utf8(entry: tuple) -> tuple:
    text = json.dumps(json.loads(zlib.decompress(entry[1], -15)), indent=1).encode()
    at = text.index(b'"epoch"')  # on a line of its own, after the opening brace and the id
    return deflate_entry(entry[0], text[:at] + b'"\xff": 1, ' + text[at:])


@pytest.mark.parametrize(
    "corrupt, place, words",
    [
        (_deflate_garbage, "samples/add-1_epoch_1.json", "cannot read zip member"),
        (_bad_crc, "samples/add-1_epoch_1.json", "cannot read zip member"),
        (lambda e: deflate_entry(e[0], b'{"id": "add-1", "epoch": 1,\n "events": [}'),
         "samples/add-1_epoch_1.json#line 2, column 13", "invalid JSON"),
        (_bad_utf8, "samples/add-1_epoch_1.json#line 3, column 3", "byte 0xff is not valid UTF-8"),
        (lambda e: deflate_entry(e[0], b'{"id": "add-1", "epoch": 1, "events": "none"}'),
         "samples/add-1_epoch_1.json#/events", "expected a list of events"),
        (lambda e: deflate_entry(e[0], b'[1, 2]'), "samples/add-1_epoch_1.json", "expected an object (EvalSample)"),
    ],
    ids=["deflate", "crc", "json", "utf8", "shape", "not-an-object"],
)
def test_broken_member_skips_that_sample_only(tmp_path: Path, log: dict, corrupt, place, words):
    entries = eval_entries(three_samples(log))
    assert entries[1][0] == "samples/add-1_epoch_1.json"
    entries[1] = corrupt(entries[1])
    path = tmp_path / "broken.eval"
    path.write_bytes(raw_zip(entries))
    ids, exc = read_on(path)
    assert ids == ["add-2-e1", "add-3-e1"]  # the samples after the broken one are all read
    assert exc is not None and (exc.file, exc.place) == ("broken.eval", place)
    assert words in exc.message
    assert exc.message.endswith("this sample is skipped and every other sample of the log is imported")


def test_broken_zstd_member_skips_that_sample_only(tmp_path: Path, log: dict):
    entries = eval_entries(three_samples(log), zstd=True)
    name, payload, method, crc, size = entries[2]
    entries[2] = (name, payload[:20] + b"\x00" * 20 + payload[40:], method, crc, size)
    path = tmp_path / "zbroken.eval"
    path.write_bytes(raw_zip(entries))
    ids, exc = read_on(path)
    assert ids == ["add-1-e1", "add-3-e1"]
    assert exc is not None and exc.place == "samples/add-2_epoch_1.json" and "corrupt" in exc.message


def test_several_broken_members_are_all_named(tmp_path: Path, log: dict):
    entries = eval_entries(three_samples(log))
    entries[1] = _deflate_garbage(entries[1])
    entries[3] = deflate_entry(entries[3][0], b'{"id": "add-3", "epoch": "x"}')
    path = tmp_path / "two.eval"
    path.write_bytes(raw_zip(entries))
    ids, exc = read_on(path)
    assert ids == ["add-2-e1"]
    assert exc is not None and exc.place == "samples/add-1_epoch_1.json"
    assert "; 1 more sample is skipped: samples/add-3_epoch_1.json#/epoch: expected an integer epoch" in exc.message


def test_refusal_still_stops_the_file_and_names_the_skipped(tmp_path: Path, log: dict, monkeypatch):
    """A safety limit is about the archive, not one sample: it stops the file where it is met."""
    entries = eval_entries(three_samples(log))
    entries[1] = deflate_entry(entries[1][0], b"[1, 2]")
    path = tmp_path / "big.eval"
    path.write_bytes(raw_zip(entries))
    header_bytes = next(e[4] for e in entries if e[0] == "header.json")
    monkeypatch.setattr(mod, "MAX_TOTAL_BYTES", header_bytes + 100)  # the header and the broken member fit, add-2 not
    ids, exc = read_on(path)
    assert ids == [] and exc is not None
    assert exc.place == "samples/add-2_epoch_1.json" and "bytes in total; refused" in exc.message
    assert "before it, 1 sample was skipped: samples/add-1_epoch_1.json: expected an object" in exc.message


def test_zstd_missing_still_stops_the_file(tmp_path: Path, log: dict, monkeypatch):
    path = write_eval(tmp_path, three_samples(log), zstd=True)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert "pip install" in exc.value.message and "skipped" not in exc.value.message


@pytest.mark.parametrize(
    "breakage, place",
    [
        (lambda s: s.pop("id"), "/samples/1/id"),
        (lambda s: s.__setitem__("events", "none"), "/samples/1/events"),
        (lambda s: s["events"][1].__setitem__("timestamp", "yesterday"), "/samples/1/events/1/timestamp"),
    ],
)
def test_broken_sample_in_json_log_skips_that_sample_only(tmp_path: Path, log: dict, breakage, place):
    log = three_samples(log)
    breakage(log["samples"][1])
    ids, exc = read_on(write_json(tmp_path, log))
    assert ids == ["add-1-e1", "add-3-e1"]
    assert exc is not None and exc.place == place and "expected" in exc.message and "skipped" in exc.message


def test_corpus_eval_with_a_corrupt_member(corpus: Path, tmp_path: Path):
    """The user's report: bytes flipped inside one member of a real log lost the members after it."""
    src = corpus / "inspect-ai" / "log_streaming.eval"
    if not src.is_file():
        pytest.skip("no log_streaming.eval in the corpus")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        names = [i.filename for i in zf.infolist() if i.filename.startswith("samples/")]
        info = zf.getinfo(names[1])
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 300  # inside the deflate data
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    path = tmp_path / "flipped.eval"
    path.write_bytes(bytes(data))
    ids, exc = read_on(path)
    expected = [re.sub(r"^samples/(.+)_epoch_(\d+)\.json$", r"\1-e\2", n) for n in names]
    assert ids == expected[:1] + expected[2:]
    assert exc is not None and exc.place == names[1]


# --------------------------------------------------------------------------
# hostile archives
# --------------------------------------------------------------------------


def hostile(tmp_path: Path, log: dict, extra: list, name: str = "bad.eval") -> Path:
    path = tmp_path / name
    path.write_bytes(raw_zip(eval_entries(log) + extra))
    return path


def refused(path: Path, seconds: float = 2.0) -> InputError:
    start = time.monotonic()
    with pytest.raises(InputError) as exc:
        IMP.drafts(path)
    with pytest.raises(InputError):
        list(IMP.traces(path, path.name))
    assert time.monotonic() - start < seconds
    return exc.value


@pytest.mark.parametrize("member", ["../x", "samples/../../etc/passwd", "/abs.json", "C:/win.json", "samples\\1_epoch_1.json"])
def test_hostile_member_names(tmp_path: Path, log: dict, member: str):
    err = refused(hostile(tmp_path, log, [deflate_entry(member, b"{}")]))
    assert "refused" in err.message


def test_duplicate_member_names(tmp_path: Path, log: dict):
    err = refused(hostile(tmp_path, log, [deflate_entry("header.json", b"{}")]))
    assert "twice" in err.message


def test_too_many_members(tmp_path: Path, log: dict, monkeypatch):
    path = hostile(tmp_path, log, [deflate_entry(f"extra/{i}.txt", b"") for i in range(20)])
    monkeypatch.setattr(mod, "MAX_MEMBERS", 10)
    err = refused(path)
    assert "members" in err.message
    assert IMP.sniff(path) is not None


def test_member_count_checked_before_parsing_directory(tmp_path: Path, log: dict):
    data = bytearray(raw_zip(eval_entries(log)))
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 0xFFFE, 0xFFFE)  # claims 65534 members
    path = tmp_path / "claims.eval"
    path.write_bytes(bytes(data))
    mod_limit = mod.MAX_MEMBERS
    try:
        mod.MAX_MEMBERS = 1000
        err = refused(path)
    finally:
        mod.MAX_MEMBERS = mod_limit
    assert "65534" in err.message


def test_ratio_bomb_declared(tmp_path: Path, log: dict):
    bomb = b"\0" * (20 << 20)
    err = refused(hostile(tmp_path, log, [deflate_entry("samples/9_epoch_1.json", bomb)]), seconds=3)
    assert "zip bomb" in err.message


def test_ratio_bomb_lying_sizes(tmp_path: Path, log: dict):
    """Declared sizes look harmless; the stream is stopped all the same."""
    bomb = b"\0" * (20 << 20)
    name, payload, method, crc, _ = deflate_entry("samples/9_epoch_1.json", bomb)
    path = hostile(tmp_path, log, [(name, payload, method, crc, 100)])
    with pytest.raises(InputError):
        all_traces(path)
    name, payload, method, crc, _ = zstd_entry("samples/9_epoch_1.json", bomb)
    path = hostile(tmp_path, log, [(name, payload, method, crc, 100)], "zbomb.eval")
    with pytest.raises(InputError) as exc:
        all_traces(path)
    assert "declared size" in exc.value.message


def test_ratio_limit_while_streaming(tmp_path: Path, log: dict, monkeypatch):
    monkeypatch.setattr(mod, "RATIO_MIN_BYTES", 1000)
    monkeypatch.setattr(mod, "MAX_RATIO", 2)
    err = refused(write_eval(tmp_path, log))
    assert "zip bomb" in err.message


def test_truncated_and_corrupt_zips(tmp_path: Path, log: dict):
    good = raw_zip(eval_entries(log))
    for i, data in enumerate([good[: len(good) // 2], good[:-10], good[:100], b"PK\x03\x04" + b"\0" * 40]):
        path = tmp_path / f"t{i}.eval"
        path.write_bytes(data)
        refused(path)
        assert IMP.sniff(path) is not None
    # member data corrupted, directory intact
    data = bytearray(good)
    start = data.find(b"samples/add-1_epoch_1.json") + len("samples/add-1_epoch_1.json")
    data[start + 10 : start + 60] = b"\xff" * 50
    path = tmp_path / "corrupt.eval"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError):
        all_traces(path)
    # zstd member corrupted: CRC or frame error
    zgood = bytearray(raw_zip(eval_entries(log, zstd=True)))
    start = zgood.find(b"samples/add-1_epoch_1.json") + len("samples/add-1_epoch_1.json")
    zgood[start + 20 : start + 40] = b"\x00" * 20
    path = tmp_path / "zcorrupt.eval"
    path.write_bytes(bytes(zgood))
    with pytest.raises(InputError):
        all_traces(path)


def test_unsupported_method_and_encryption(tmp_path: Path, log: dict):
    name, payload, _, crc, size = deflate_entry("x.bin", b"hello")
    err = refused(hostile(tmp_path, log, [(name, payload, 12, crc, size)]))
    assert "compression method 12" in err.message
    data = bytearray(raw_zip(eval_entries(log)))
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 8, 1)  # encrypted flag in the central directory
    path = tmp_path / "enc.eval"
    path.write_bytes(bytes(data))
    assert "encrypted" in refused(path).message


# --------------------------------------------------------------------------
# corpus: real files
# --------------------------------------------------------------------------


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted((corpus / "inspect-ai").glob("*"))
    if not files:
        pytest.skip("no inspect-ai corpus files")
    return files


def read_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    """Independent member reader for the checks (zipfile, or raw bytes + zstandard)."""
    if info.compress_type != 93:
        with zipfile.ZipFile(path) as zf:
            return zf.read(info)
    zstandard = pytest.importorskip("zstandard")
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        n, e = struct.unpack("<HH", head[26:30])
        fh.seek(info.header_offset + 30 + n + e)
        raw = fh.read(info.compress_size)
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw), read_across_frames=True).read()


EXPECTED = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}


def expected_score(sample: dict, first: str | None):
    scores = sample.get("scores") or {}
    if not scores:
        return None
    name = first if first in scores else next(iter(scores))
    value = scores[name]["value"]
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return EXPECTED[value]


def file_samples(path: Path) -> tuple[list[dict], str | None]:
    if path.suffix == ".json":
        log = json.loads(path.read_text())
        results = log.get("results") or {}
        first = (results.get("scores") or [{}])[0].get("name")
        return log.get("samples") or [], first
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    by_name = {i.filename: i for i in infos}
    header = json.loads(read_member(path, by_name["header.json"]))
    first = ((header.get("results") or {}).get("scores") or [{}])[0].get("name")
    samples = [json.loads(read_member(path, i)) for i in infos if re.match(r"^samples/[^/]+\.json$", i.filename)]
    return samples, first


def test_corpus_every_file_imports(corpus: Path):
    for path in corpus_files(corpus):
        assert IMP.sniff(path) is None, path.name
        (d,) = IMP.drafts(path)
        assert d.run_id and re.match(ID_PATTERN, d.run_id)
        assert d.harness == "inspect_ai" and d.harness_version
        traces = all_traces(path)
        samples, first = file_samples(path)
        assert len(traces) == len(samples), path.name
        by_id = {f"{s['id']}-e{s['epoch']}": s for s in samples}
        assert sorted(by_id) == sorted(t.id for t in traces)
        for t in traces:
            s = by_id[t.id]
            assert t.score == expected_score(s, first), (path.name, t.id)
            assert t.task_id == str(s["id"]) and t.trial == s["epoch"]
            if s.get("scores"):
                assert t.deciding_step is not None and t.steps[t.deciding_step - 1].kind == StepKind.score
            for step in t.steps:
                assert step.source
                assert step.timestamp is None or step.timestamp.tzinfo is not None


def test_corpus_eval_trace_count_matches_members(corpus: Path):
    for path in corpus_files(corpus):
        if path.suffix != ".eval":
            continue
        with zipfile.ZipFile(path) as zf:
            n = sum(1 for name in zf.namelist() if re.match(r"^samples/[^/]+\.json$", name))
        assert len(all_traces(path)) == n


def test_corpus_streaming_eval(corpus: Path):
    path = corpus / "inspect-ai" / "log_streaming.eval"
    if not path.exists():
        pytest.skip("log_streaming.eval absent")
    traces = all_traces(path)
    assert sorted(t.id for t in traces) == ["1-e1", "1-e2", "2-e1", "2-e2"]
    assert sum(t.score for t in traces) / len(traces) == IMP.drafts(path)[0].declared.overall == 0.75
    assert all(kinds(t) == ["message", "message", "model_call", "score"] for t in traces)


def test_corpus_browser_json_and_zstd_agree(corpus: Path):
    pj, pz = corpus / "inspect-ai" / "browser.json", corpus / "inspect-ai" / "browser.zstd.eval"
    if not (pj.exists() and pz.exists()):
        pytest.skip("browser corpus files absent")
    tj, tz = all_traces(pj), all_traces(pz)
    assert [t.task_id for t in tj] == [t.task_id for t in tz]
    assert [t.score for t in tj] == [t.score for t in tz]
    count = lambda ts: [sum(1 for s in t.steps if s.kind == StepKind.tool_call) for t in ts]  # noqa: E731
    assert count(tj) == count(tz) and count(tj)[0] > 0
    assert [kinds(t) for t in tj] == [kinds(t) for t in tz]
    # the condensed zstd file resolves input_refs and attachments to the same prompt
    assert tj[0].steps[0].content == tz[0].steps[0].content
    assert not tz[0].steps[0].content.startswith("attachment://")
    assert IMP.drafts(pj)[0].run_id == IMP.drafts(pz)[0].run_id


def test_corpus_tool_call_errors(corpus: Path):
    path = corpus / "inspect-ai" / "log_tool_call_error.json"
    if not path.exists():
        pytest.skip("log_tool_call_error.json absent")
    (t,) = all_traces(path)
    results = [s for s in t.steps if s.kind == StepKind.tool_result]
    assert len(results) == 11 and all(s.is_error for s in results)
    assert "output_limit" in results[-1].content
    (d,) = IMP.drafts(path)
    assert d.run_id == "log_tool_call_error"  # placeholder run id "..." falls back to the file stem


def test_nested_events_naive_timestamps_and_depth(tmp_path: Path, log: dict):
    s = log["samples"][0]
    tool = s["events"][4]
    tool["events"] = [{"timestamp": "2025-03-01T10:00:02.5", "event": "sandbox", "action": "exec", "cmd": "ls", "result": 1, "output": "no such file"}]
    t = all_traces(write_json(tmp_path, log))[0]
    nested = [st for st in t.steps if st.source == "/samples/0/events/4/events/0"]
    assert len(nested) == 1 and nested[0].kind == StepKind.terminal_command and nested[0].is_error
    assert nested[0].timestamp == dt.datetime(2025, 3, 1, 10, 0, 2, 500000, tzinfo=dt.timezone.utc)
    assert any("taken as UTC" in n for n in t.notes)
    i_nested = t.steps.index(nested[0])
    i_result = next(i for i, st in enumerate(t.steps) if st.kind == StepKind.tool_result)
    assert i_nested < i_result

    deep: dict = {"timestamp": "2025-03-01T10:00:02Z", "event": "subtask", "name": "x", "events": []}
    node = deep
    for _ in range(40):
        child = {"timestamp": "2025-03-01T10:00:02Z", "event": "subtask", "name": "x", "events": []}
        node["events"].append(child)
        node = child
    s["events"].append(deep)
    with pytest.raises(InputError) as exc:
        all_traces(write_json(tmp_path, log, "deep.json"))
    assert "nested deeper" in exc.value.message


def test_condensed_refs_broken(tmp_path: Path, log: dict):
    sample = condense(log["samples"][0])
    sample["events"][2]["input_refs"] = [[0, 99]]
    log["samples"] = [sample]
    with pytest.raises(InputError) as exc:
        all_traces(write_json(tmp_path, log))
    assert exc.value.place == "/samples/0/events/2/input_refs/0"
    del sample["events_data"]
    with pytest.raises(InputError) as exc:
        all_traces(write_json(tmp_path, log, "nodata.json"))
    assert exc.value.place == "/samples/0/events_data/messages"


def _model_event(refs: list, second: int) -> dict:
    return {"timestamp": f"2025-03-01T10:00:{second:02d}+00:00", "event": "model", "model": "mockllm/model", "input": [],
            "input_refs": refs, "output": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}}


def test_condensed_long_conversation_reads_each_message_once(tmp_path: Path, log: dict, monkeypatch):
    # 400 model events, each repeating the whole conversation so far: reading every message of
    # every event would be 80,000 reads (quadratic); each pool message is read once instead.
    pool = [{"id": "sys", "role": "system", "content": "be brief"}]
    events = []
    for i in range(400):
        pool.append({"id": f"u{i}", "role": "user", "content": f"question {i}"})
        events.append(_model_event([[0, len(pool)]], i % 60))
        pool.append({"id": f"a{i}", "role": "assistant", "content": "ok"})
    sample = log["samples"][0]
    sample["events"], sample["events_data"] = events, {"messages": pool, "calls": []}
    log["samples"] = [sample]
    reads = 0
    read = mod._SampleReader.input_message

    def counted(self, *args):
        nonlocal reads
        reads += 1
        return read(self, *args)

    monkeypatch.setattr(mod._SampleReader, "input_message", counted)
    (t,) = all_traces(write_json(tmp_path, log))
    messages = [s for s in t.steps if s.kind == StepKind.message]
    assert [m.content for m in messages] == ["be brief"] + [f"question {i}" for i in range(400)]
    assert messages[-1].source == f"/samples/0/events_data/messages/{len(pool) - 2}"
    assert messages[-1].timestamp == dt.datetime(2025, 3, 1, 10, 0, 399 % 60, tzinfo=dt.timezone.utc)
    assert reads == len(pool) - 1  # the last assistant message is in no event's input


def test_condensed_refs_reread_at_other_positions(tmp_path: Path, log: dict):
    # Messages without an id are told apart by (position in the input, role, text): the same pool
    # message at another position is another step; a missing attachment counts once per read.
    pool = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": "attachment://nowhere"},
    ]
    sample = log["samples"][0]
    sample["events"] = [_model_event(r, i) for i, r in enumerate([[[0, 2]], [[0, 4]], [[1, 4]], [[0, 4]], [[0, 1], [3, 4], [1, 2]]])]
    sample["events_data"] = {"messages": pool, "calls": []}
    log["samples"] = [sample]
    (t,) = all_traces(write_json(tmp_path, log))
    got = [(s.content, s.source.rsplit("/", 1)[1], s.timestamp.second) for s in t.steps if s.kind == StepKind.message]
    assert got == [
        ("sys", "0", 0), ("q", "1", 0),  # event 0
        ("attachment://nowhere", "3", 1),  # event 1: only the new message
        ("q", "1", 2), ("attachment://nowhere", "3", 2),  # event 2: shifted by one, new positions
        # event 3: all seen; event 4: q at position 2 and the attachment at position 1 are new
        ("attachment://nowhere", "3", 4), ("q", "1", 4),
    ]
    assert any(n.startswith("4 attachment reference(s) not found") for n in t.notes)


def test_observation_events(tmp_path: Path, log: dict):
    s = log["samples"][1]
    s["events"] += [
        {"timestamp": "2025-03-01T10:01:36Z", "event": "logger", "message": {"level": "warning", "message": "slow tool"}},
        {"timestamp": "2025-03-01T10:01:37Z", "event": "input", "input": "y", "input_ansi": "y"},
        {"timestamp": "2025-03-01T10:01:38Z", "event": "approval", "message": "run rm?", "decision": "reject", "approver": "human", "explanation": "no"},
        {"timestamp": "2025-03-01T10:01:39Z", "event": "brand_new_event"},
    ]
    t = all_traces(write_json(tmp_path, log))[1]
    obs = [(st.title, st.content) for st in t.steps if st.kind == StepKind.observation]
    assert ("log warning", "slow tool") in obs and ("input", "y") in obs and ("approval: reject", "run rm?\nno") in obs
    assert any("brand_new_event" in n for n in t.notes)
    # the score event stays the deciding step even with events after it
    assert t.steps[t.deciding_step - 1].source == "/samples/1/events/5"


def test_symlink_member_is_refused(tmp_path: Path, log: dict):
    import stat as _stat
    import zipfile as _zf

    path = tmp_path / "link.eval"
    with _zf.ZipFile(path, "w") as zf:
        zf.writestr("header.json", json.dumps({k: v for k, v in log.items() if k != "samples"}))
        info = _zf.ZipInfo("samples/1_epoch_1.json")
        info.create_system = 3
        info.external_attr = (_stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    err = refused(path)
    assert "symlink" in err.message and err.place == "samples/1_epoch_1.json"


def test_overlapping_members_are_refused(tmp_path: Path, log: dict):
    import zipfile as _zf

    path = tmp_path / "overlap.eval"
    with _zf.ZipFile(path, "w", _zf.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps({k: v for k, v in log.items() if k != "samples"}))
        zf.writestr("samples/1_epoch_1.json", json.dumps(log["samples"][0]))
    data = bytearray(path.read_bytes())
    # Point the second central-directory entry at the first member's local header.
    cd = data.rfind(b"PK\x01\x02")
    struct_offset = cd + 42
    data[struct_offset:struct_offset + 4] = (0).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    err = refused(path)
    assert "overlaps" in err.message, err.message
