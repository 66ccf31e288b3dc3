"""Claude Code session importer: responses split over lines, usage, branches, status, errors, corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.claude_code import ClaudeCode
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = ClaudeCode()
SID = "5f0e3c1a-1111-4222-8333-944455556666"


def one(path: Path):
    (t,) = list(IMP.traces(path, path.name))
    return t


def write_lines(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def msg(kind, uid, parent, content, mid=None, usage=None, **kw):
    m = {"role": kind, "content": content}
    if mid:
        m.update(id=mid, model="claude-opus-4-1")
    if usage:
        m["usage"] = usage
    return {"type": kind, "uuid": uid, "parentUuid": parent, "sessionId": "s-1",
            "timestamp": "2025-01-01T00:00:00Z", "message": m, **kw}


def test_sniff(fixtures: Path, tmp_path: Path):
    path = fixtures / "claude_code" / "session.jsonl"
    assert IMP.sniff(path) is None
    imp, _ = detect(path)
    assert imp is not None and imp.name == "claude-code"
    assert IMP.sniff(write_lines(tmp_path / "x.jsonl", [{"type": "message", "role": "user"}])) is not None
    assert IMP.sniff(write_lines(tmp_path / "x.json", [msg("user", "u", None, "hi")])) is not None
    assert IMP.sniff(tmp_path) is not None


def test_fixture_steps(fixtures: Path):
    t = one(fixtures / "claude_code" / "session.jsonl")
    assert t.id == t.task_id == SID
    assert kinds(t) == ["message", "message", "model_call", "terminal_command", "tool_result", "model_call",
                        "tool_call", "tool_result", "observation", "model_call", "message", "model_call",
                        "tool_call", "tool_result", "model_call", "submission"]
    s = t.steps
    assert s[1].title == "meta"
    # msg_1 is split over two lines: one model call (the thinking) then the Bash call
    assert s[2].content == "[thinking]\nRun the tests first." and s[2].source == "line 5"
    assert s[3].content == "pytest -q" and s[3].tool_call.function == "Bash"
    assert s[3].tool_call.arguments == {"command": "pytest -q", "description": "Run tests"}
    assert s[3].tool_call_id == "toolu_1" and s[3].source == "line 6#/message/content/0"
    # usage of a split response: the largest output, input incl. cache creation and reads
    assert (s[2].usage.input_tokens, s[2].usage.output_tokens) == (10 + 100 + 1000, 40)
    assert s[4].tool_call_id == "toolu_1" and s[4].is_error and s[4].content == "1 failed"
    assert s[6].tool_call.function == "Read" and s[7].tool_call_id == "toolu_2"
    # the rewind: s1 -> a4 lie on the abandoned branch
    assert s[8].title == "informational, off the final branch" and s[8].actor == "harness"
    assert s[9].title == "off the final branch"
    assert s[11].title == "sidechain" and s[11].content == "Subagent: searching"
    # a response with only a tool call carries its usage on the tool call
    assert s[12].tool_call.function == "Edit" and s[12].usage.output_tokens == 50
    assert t.submission == "Fixed add(); the test passes now." and s[15].content == t.submission
    assert t.deciding_step == 16 and t.status == "completed"
    assert t.usage.input_tokens == 1110 + 1220 + 1305 + 1 + 1530 + 1610
    assert t.usage.output_tokens == 40 + 30 + 20 + 2 + 50 + 15
    assert t.metadata["cache_tokens"] == {"cache_creation_input_tokens": 100, "cache_read_input_tokens": 6600}
    assert t.model == "claude-sonnet-4-5-20250929" and t.agent == "claude-code"
    assert t.metadata["summaries"] == ["Fix the failing test"] and t.metadata["gitBranch"] == "main"
    assert t.started_at.isoformat() == "2025-11-02T09:00:00+00:00" and t.duration_s == 13.0
    notes = " | ".join(t.notes)
    for text in ("file-history-snapshot ×1", "summary line", "toolUseResult", "sidechain", "abandoned"):
        assert text in notes


def test_drafts(fixtures: Path):
    path = fixtures / "claude_code" / "session.jsonl"
    (d,) = IMP.drafts(path)
    assert d.run_id == SID and d.tasks == [SID] and d.benchmark is None
    assert (d.agent, d.harness, d.harness_version) == ("claude-code", "claude-code", "1.0.80")
    assert d.model == "claude-sonnet-4-5-20250929" and d.environment == {"git_branch": "main"}
    assert d.names[str(path.resolve())] == "session.jsonl"


def test_repeated_response_id_counted_once(tmp_path: Path):
    u = {"input_tokens": 10, "output_tokens": 7}
    path = write_lines(tmp_path / "r.jsonl", [
        msg("user", "u1", None, "go"),
        msg("assistant", "a1", "u1", [{"type": "text", "text": "one"}], "m1", u),
        msg("user", "u2", "a1", "again"),
        msg("assistant", "a2", "u2", [{"type": "text", "text": "one (resent)"}], "m1", u),
    ])
    t = one(path)
    assert (t.usage.input_tokens, t.usage.output_tokens) == (10, 7)
    assert any("counted once" in n for n in t.notes)


def test_api_error_and_interrupted_endings(tmp_path: Path):
    err = msg("assistant", "a1", "u1", [{"type": "text", "text": "API Error: 529 overloaded"}], "m1")
    err["isApiErrorMessage"] = True
    err["message"]["model"] = "<synthetic>"
    t = one(write_lines(tmp_path / "e.jsonl", [msg("user", "u1", None, "hi"), err]))
    assert t.status == "error" and t.error == "API Error: 529 overloaded" and t.model is None
    assert t.steps[-1].kind == StepKind.error and t.steps[-1].is_error
    t = one(write_lines(tmp_path / "i.jsonl", [
        msg("user", "u1", None, "hi"),
        msg("assistant", "a1", "u1", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "sleep 99"}}], "m1"),
        msg("user", "u2", "a1", [{"type": "text", "text": "[Request interrupted by user for tool use]"}]),
    ]))
    assert t.status == "incomplete" and t.termination_reason == "interrupted by user" and t.submission is None
    t = one(write_lines(tmp_path / "o.jsonl", [
        msg("user", "u1", None, "hi"),
        msg("assistant", "a1", "u1", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}], "m1"),
    ]))
    assert t.status == "incomplete" and t.deciding_step is None


@pytest.mark.parametrize(
    "records, place",
    [
        (['{"type": "user", "message": {"role": "user", "content": "hi"}, "uuid": "u"}', "{broken"], "line 2"),
        ([{"message": {}}], "line 1"),
        (["[1, 2]"], "line 1"),
        ([msg("user", "u1", None, 5)], "line 1#/message/content"),
        ([msg("assistant", "a1", None, [{"type": "tool_use", "id": "t", "name": 3}], "m")], "line 1#/message/content/0/name"),
        ([msg("assistant", "a1", None, [{"type": "text", "text": "x"}], "m", {"output_tokens": "many"})],
         "line 1#/message/usage/output_tokens"),
        ([{**msg("user", "u1", None, "hi"), "timestamp": "yesterday"}], "line 1#/timestamp"),
    ],
)
def test_broken_input(tmp_path: Path, records, place):
    path = write_lines(tmp_path / "b.jsonl", records)
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == place


def test_unhashable_type_is_not_a_crash(tmp_path: Path):
    # fuzz: a "type" that is a list made sniff() raise TypeError (unhashable type: 'list')
    bad = {**msg("user", "u0", None, "hi"), "type": ["user"]}
    assert IMP.sniff(write_lines(tmp_path / "only.jsonl", [bad])) is not None
    path = write_lines(tmp_path / "b.jsonl", [bad, msg("user", "u1", None, "hi")])
    assert IMP.sniff(path) is None
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == "line 1" and "expected" in exc.value.message


# --------------------------------------------------------------------------
# real (synthetic, shape-only) sample: ../shared/corpus/cli-sessions
# --------------------------------------------------------------------------


def test_corpus_sample(corpus: Path):
    path = corpus / "cli-sessions" / "claude-code.SYNTHETIC.sample_session.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    exp = Counter()
    call_ids, result_ids = [], []
    for r in rows:
        if r["type"] == "user":
            c = r["message"]["content"]
            if isinstance(c, str):
                exp["message"] += 1
            else:
                for b in c:
                    if b["type"] == "tool_result":
                        exp["tool_result"] += 1
                        result_ids.append(b["tool_use_id"])
                if any(b["type"] == "text" for b in c):
                    exp["message"] += 1
        elif r["type"] == "assistant":
            blocks = r["message"]["content"]
            if any(b["type"] in ("text", "thinking") for b in blocks):
                exp["model_call"] += 1
            for b in blocks:
                if b["type"] == "tool_use":
                    exp["terminal_command" if b["name"] == "Bash" else "tool_call"] += 1
                    call_ids.append(b["id"])
    last = rows[-1]
    final_text = "\n\n".join(b["text"] for b in last["message"]["content"] if b["type"] == "text")
    exp["submission"] = 1
    assert IMP.sniff(path) is None
    t = one(path)
    assert Counter(kinds(t)) == exp
    assert [s.tool_call_id for s in t.steps if s.tool_call] == call_ids
    assert [s.tool_call_id for s in t.steps if s.kind == StepKind.tool_result] == result_ids
    assert t.submission == final_text and t.status == "completed" and t.deciding_step == len(t.steps)
    assert t.id == rows[1]["sessionId"]
    assert t.metadata["summaries"] == [r["summary"] for r in rows if r["type"] == "summary"]
    (d,) = IMP.drafts(path)
    import re
    assert re.match(ID_PATTERN, d.run_id) and d.tasks == [t.id]


def _stream(tmp_path: Path, result: dict) -> Path:
    sid = "d2b1c0a9-0000-4000-8000-000000000001"
    return write_lines(tmp_path / "stream.jsonl", [
        {"type": "system", "subtype": "init", "cwd": "/w", "session_id": sid, "tools": ["Bash"],
         "model": "claude-sonnet-4-5", "claude_code_version": "2.0.1", "permissionMode": "bypassPermissions"},
        {"type": "assistant", "message": {"id": "m1", "role": "assistant", "model": "claude-sonnet-4-5",
                                          "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}],
                                          "usage": {"input_tokens": 3, "cache_read_input_tokens": 100, "output_tokens": 9}},
         "parent_tool_use_id": None, "session_id": sid, "uuid": "a1"},
        {"type": "user", "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a b"}]},
         "parent_tool_use_id": None, "session_id": sid, "uuid": "u1"},
        {"type": "assistant", "message": {"id": "m2", "role": "assistant", "model": "claude-sonnet-4-5",
                                          "content": [{"type": "text", "text": "Two files."}],
                                          "usage": {"input_tokens": 4, "cache_read_input_tokens": 110, "output_tokens": 5}},
         "parent_tool_use_id": None, "session_id": sid, "uuid": "a2"},
        {"type": "result", "session_id": sid, "uuid": "r", "num_turns": 2, "duration_ms": 4200, "duration_api_ms": 3900,
         **result},
    ])


def test_stream_json_result_line(tmp_path: Path):
    path = _stream(tmp_path, {"subtype": "success", "is_error": False, "result": "Two files.", "total_cost_usd": 0.0123,
                              "usage": {"input_tokens": 7, "cache_read_input_tokens": 210, "output_tokens": 14}})
    assert IMP.sniff(path) is None
    t = one(path)
    assert t.id == "d2b1c0a9-0000-4000-8000-000000000001"
    assert kinds(t) == ["observation", "terminal_command", "tool_result", "model_call", "submission"]
    assert t.steps[-1].source == "line 5" and t.submission == "Two files." and t.deciding_step == 5
    assert t.status == "completed" and t.termination_reason == "success"
    assert (t.usage.input_tokens, t.usage.output_tokens) == (217, 14) and t.usage.cost_usd == 0.0123
    assert t.duration_s == 4.2 and t.metadata["version"] == "2.0.1" and t.model == "claude-sonnet-4-5"
    assert '"permissionMode": "bypassPermissions"' in t.steps[0].content


def test_stream_json_limit_and_error(tmp_path: Path):
    t = one(_stream(tmp_path, {"subtype": "error_max_turns", "is_error": True, "total_cost_usd": 0.5}))
    assert t.status == "limit" and t.termination_reason == "error_max_turns" and t.submission is None
    assert t.steps[-1].kind == StepKind.error and t.usage.cost_usd == 0.5
    t = one(_stream(tmp_path, {"subtype": "error_during_execution", "is_error": True}))
    assert t.status == "error" and t.error == "error_during_execution"
    with pytest.raises(InputError) as exc:
        one(_stream(tmp_path, {"subtype": "success", "total_cost_usd": "cheap"}))
    assert exc.value.place == "line 5#/total_cost_usd"


def test_subagent_transcript_gets_its_own_id(tmp_path: Path):
    recs = [msg("user", "u1", None, "Search the repo", isSidechain=True, agentId="a7f3"),
            msg("assistant", "a1", "u1", [{"type": "text", "text": "Found 3 files."}], "m1", isSidechain=True, agentId="a7f3")]
    t = one(write_lines(tmp_path / "agent-a7f3.jsonl", recs))
    assert t.id == t.task_id == "s-1-agent-a7f3" and t.metadata["parent_session"] == "s-1"
    assert t.status == "completed" and t.submission == "Found 3 files."
    assert all(s.title is None or "sidechain" not in s.title for s in t.steps)
