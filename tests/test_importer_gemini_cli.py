"""Gemini CLI session importer: JSON and JSONL containers, tool calls, tokens, rewinds, errors, corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.gemini_cli import GeminiCli
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = GeminiCli()
JSON_NAME = "session-2025-10-10T10-00-0f7c2d8e.json"
JSONL_NAME = "session-2025-10-10T10-00-5e6f7a8b.jsonl"


def one(path: Path):
    (t,) = list(IMP.traces(path, path.name))
    return t


def test_sniff(fixtures: Path, tmp_path: Path):
    for name in (JSON_NAME, JSONL_NAME):
        path = fixtures / "gemini_cli" / name
        assert IMP.sniff(path) is None
        imp, _ = detect(path)
        assert imp is not None and imp.name == "gemini-cli"
    (tmp_path / "a.json").write_text(json.dumps({"messages": [], "sessionId": "x"}))
    assert IMP.sniff(tmp_path / "a.json") is not None  # no projectHash
    (tmp_path / "b.jsonl").write_text(json.dumps({"sessionId": "x", "type": "user"}) + "\n")
    assert IMP.sniff(tmp_path / "b.jsonl") is not None
    assert IMP.sniff(tmp_path) is not None


def test_json_session(fixtures: Path):
    t = one(fixtures / "gemini_cli" / JSON_NAME)
    assert t.id == t.task_id == "0f7c2d8e-5a6b-4c3d-9e1f-2a3b4c5d6e7f"
    assert kinds(t) == ["message", "observation", "model_call", "tool_call", "tool_result", "terminal_command",
                        "tool_result", "model_call", "submission"]
    s = t.steps
    assert s[1].title == "info"
    assert s[2].content == "[thought] Planning: Write the file, then cat it."
    # tokens: input + tool prompt tokens; output + thoughts
    assert (s[2].usage.input_tokens, s[2].usage.output_tokens, s[2].usage.total_tokens) == (1005, 35, 1040)
    assert s[3].tool_call.function == "write_file" and s[3].tool_call.id == "write_file-1"
    assert s[3].tool_call.arguments == {"file_path": "/w/hello.txt", "content": "Hello"}
    # the result, then the diff the CLI displayed
    assert s[4].content == "Successfully created /w/hello.txt\n\n--- hello.txt\n+++ hello.txt\n@@ -0,0 +1 @@\n+Hello\n"
    assert s[4].tool_call_id == "write_file-1"
    assert s[5].content == "cat hello.txt" and s[5].source == "/messages/2/toolCalls/1"
    assert s[6].is_error and s[6].content == "permission denied"
    assert t.submission == "I created hello.txt; reading it failed." and t.deciding_step == 9
    assert t.status == "completed" and t.model == "gemini-2.5-pro"
    assert (t.usage.input_tokens, t.usage.output_tokens, t.usage.total_tokens) == (2105, 47, 2152)
    assert t.metadata["cached_tokens"] == 200 and t.metadata["summary"] == "Create hello.txt"
    assert t.started_at.isoformat() == "2025-10-10T10:00:00+00:00" and t.duration_s == 20.0


def test_jsonl_session_with_updates_and_rewind(fixtures: Path):
    t = one(fixtures / "gemini_cli" / JSONL_NAME)
    assert kinds(t) == ["message", "model_call", "message", "error"]
    assert [s.content for s in t.steps] == ["hello", "Hi!", "never mind", "Quota exceeded for model gemini-2.5-flash"]
    assert t.steps[1].source == "line 4"
    assert t.status == "error" and t.error.startswith("Quota exceeded") and t.submission is None
    assert t.metadata["summary"] == "greeting" and t.duration_s == 9.0
    assert any("2 message(s) were removed by $rewindTo" in n for n in t.notes)
    assert any("update an earlier message" in n for n in t.notes)


def test_open_tool_call_and_user_ending(tmp_path: Path):
    doc = {"sessionId": "s", "projectHash": "p", "messages": [
        {"id": "1", "timestamp": "2025-01-01T00:00:00Z", "type": "user", "content": "go"},
        {"id": "2", "timestamp": "2025-01-01T00:00:01Z", "type": "gemini", "content": "",
         "toolCalls": [{"id": "c", "name": "read_file", "args": {"path": "a"}, "status": "executing",
                        "timestamp": "2025-01-01T00:00:01Z"}]}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    t = one(path)
    assert kinds(t) == ["message", "model_call", "tool_call"] and t.status == "incomplete"
    doc["messages"] = doc["messages"][:1]
    path.write_text(json.dumps(doc))
    t = one(path)
    assert t.status == "incomplete" and any("user message and no reply" in n for n in t.notes)


def test_drafts(fixtures: Path):
    path = fixtures / "gemini_cli" / JSON_NAME
    (d,) = IMP.drafts(path)
    assert d.run_id == "0f7c2d8e-5a6b-4c3d-9e1f-2a3b4c5d6e7f" and re.match(ID_PATTERN, d.run_id)
    assert (d.agent, d.harness, d.model) == ("gemini-cli", "gemini-cli", "gemini-2.5-pro")
    assert d.tasks == [d.run_id] and d.benchmark is None and d.metadata["projectHash"].startswith("9c1b")


@pytest.mark.parametrize(
    "mutate, place",
    [
        (lambda d: d.update(messages={}), "/messages"),
        (lambda d: d["messages"].append("x"), "/messages/4"),
        (lambda d: d["messages"][0].update(type=3), "/messages/0/type"),
        (lambda d: d["messages"][0].update(timestamp="noon"), "/messages/0/timestamp"),
        (lambda d: d["messages"][2].update(tokens={"input": "lots"}), "/messages/2/tokens/input"),
        (lambda d: d["messages"][2]["toolCalls"][0].update(name=None), "/messages/2/toolCalls/0/name"),
        (lambda d: d["messages"][3].update(content=5), "/messages/3/content"),
    ],
)
def test_shape_errors(tmp_path: Path, fixtures: Path, mutate, place):
    doc = json.loads((fixtures / "gemini_cli" / JSON_NAME).read_text())
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == place


def test_broken_jsonl(tmp_path: Path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"sessionId": "s", "projectHash": "p"}\n{"id": "1", "type": "user", "content": "x"}\n{bad\n')
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == "line 3"
    path.write_text('{"sessionId": "s", "projectHash": "p"}\n{"what": 1}\n')
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == "line 2"


# --------------------------------------------------------------------------
# real file: ../shared/corpus/cli-sessions/gemini-cli.session.json
# --------------------------------------------------------------------------


def test_corpus_session(corpus: Path):
    path = corpus / "cli-sessions" / "gemini-cli.session.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    raw = json.loads(path.read_text())
    msgs = raw["messages"]
    exp = Counter()
    for m in msgs:
        exp[{"user": "message", "gemini": "model_call", "error": "error"}.get(m["type"], "observation")] += 1
        for c in m.get("toolCalls") or []:
            exp["terminal_command" if c["name"] == "run_shell_command" else "tool_call"] += 1
            if c.get("result") is not None:
                exp["tool_result"] += 1
    if msgs[-1]["type"] == "gemini" and msgs[-1]["content"]:
        exp["submission"] += 1
    assert IMP.sniff(path) is None
    t = one(path)
    assert Counter(kinds(t)) == exp
    gem = [m for m in msgs if m["type"] == "gemini"]
    assert t.usage.input_tokens == sum(m["tokens"]["input"] + m["tokens"].get("tool", 0) for m in gem)
    assert t.usage.output_tokens == sum(m["tokens"]["output"] + m["tokens"].get("thoughts", 0) for m in gem)
    assert t.usage.total_tokens == sum(m["tokens"]["total"] for m in gem)
    assert t.model == gem[-1]["model"] and t.id == raw["sessionId"]
    assert t.status == "completed" and t.submission == msgs[-1]["content"] and t.deciding_step == len(t.steps)
    assert t.steps[-1].kind == StepKind.submission
    import datetime as dt

    start, end = (dt.datetime.fromisoformat(raw[k].replace("Z", "+00:00")) for k in ("startTime", "lastUpdated"))
    assert t.duration_s == pytest.approx((end - start).total_seconds())
