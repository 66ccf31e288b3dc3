"""Codex CLI rollout importer: current and legacy shapes, tools, usage, endings, errors, corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.codex_cli import CodexCli
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = CodexCli()
SID = "0199a213-81c0-7800-8aa1-bbab2a035a53"
CURRENT = f"rollout-2025-10-03T12-00-00-{SID}.jsonl"


def one(path: Path):
    (t,) = list(IMP.traces(path, path.name))
    return t


def write_lines(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def line(typ, payload, ts="2025-10-03T12:00:00Z"):
    return {"timestamp": ts, "type": typ, "payload": payload}


META = line("session_meta", {"id": "s-1", "cwd": "/w", "cli_version": "0.50.0", "originator": "codex_exec"})


def test_sniff(fixtures: Path, tmp_path: Path):
    for name in (CURRENT, "rollout-legacy.jsonl"):
        path = fixtures / "codex_cli" / name
        assert IMP.sniff(path) is None
        imp, _ = detect(path)
        assert imp is not None and imp.name == "codex"
    assert IMP.sniff(write_lines(tmp_path / "c.jsonl", [{"type": "user", "message": {}}])) is not None
    assert IMP.sniff(write_lines(tmp_path / "h.jsonl", [{"id": "x", "timestamp": "t"}])) is not None  # header alone
    assert IMP.sniff(write_lines(tmp_path / "c.json", [META])) is not None


def test_current_rollout(fixtures: Path):
    t = one(fixtures / "codex_cli" / CURRENT)
    assert t.id == t.task_id == SID
    assert kinds(t) == ["message", "message", "message", "message", "terminal_command", "tool_result", "tool_call",
                        "tool_result", "terminal_command", "tool_result", "model_call", "submission"]
    s = t.steps
    assert s[0].title == "instructions" and s[0].content == "Follow AGENTS.md."
    assert s[1].title == "context" and s[2].title is None and s[2].content == "Make the tests pass."
    assert s[3].title == "reasoning" and s[3].content == "**Running tests**"
    shell = s[4]
    assert shell.content == "pytest -q" and shell.tool_call.function == "shell" and shell.tool_call_id == "call_A"
    assert shell.tool_call.arguments == {"command": ["bash", "-lc", "pytest -q"], "workdir": "/work/repo"}
    # old JSON output with metadata: exit code 1 -> error, duration from metadata
    assert s[5].tool_call_id == "call_A" and s[5].is_error and s[5].duration_s == 1.5 and s[5].content == "1 failed\n"
    assert s[6].tool_call.function == "apply_patch" and s[6].content.startswith("*** Begin Patch")
    assert not s[7].is_error
    # newer text output: "Exit code: 0" / "Wall time"
    assert not s[9].is_error and s[9].duration_s == 0.8
    assert s[10].model == "gpt-5-codex" and s[10].content == "Fixed `add` in calc.py; all 3 tests pass."
    # last_token_usage lands on the first step of each response (tools run inside the response)
    assert [(x.index, x.usage.input_tokens) for x in s if x.usage] == [(4, 1000), (7, 1300), (9, 1500), (11, 1600)]
    assert (t.usage.input_tokens, t.usage.output_tokens, t.usage.total_tokens) == (5400, 140, 5540)
    assert t.metadata["usage_detail"] == {"cached_input_tokens": 4700, "reasoning_output_tokens": 30}
    assert t.status == "completed" and t.submission == "Fixed `add` in calc.py; all 3 tests pass."
    assert t.deciding_step == 12 and t.model == "gpt-5-codex"
    assert t.metadata["git"]["commit_hash"] == "3f2a9c1d" and t.metadata["turn_approval_policy"] == "never"
    assert t.started_at.isoformat() == "2025-10-03T12:00:00+00:00" and t.duration_s == 11.0
    assert "user_message events (repeat response items) ×1" in t.notes[0]


def test_legacy_rollout(fixtures: Path):
    t = one(fixtures / "codex_cli" / "rollout-legacy.jsonl")
    assert t.id == "c3c4b301-27c8-4c70-b6e4-46b99fdf0236"
    assert kinds(t) == ["message", "terminal_command", "tool_result", "model_call", "submission"]
    assert t.steps[1].content == "ls" and t.steps[2].duration_s == 0.1 and t.steps[2].content == "README.md\nsrc\n"
    assert t.status == "completed" and t.duration_s is None  # only the session header has a time
    assert t.started_at.isoformat() == "2025-08-18T01:16:13.522000+00:00"
    assert any("record_type state markers (legacy) ×2" in n for n in t.notes)


def test_drafts(fixtures: Path):
    path = fixtures / "codex_cli" / CURRENT
    (d,) = IMP.drafts(path)
    assert d.run_id == SID and re.match(ID_PATTERN, d.run_id) and d.tasks == [SID]
    assert (d.agent, d.harness, d.harness_version, d.model) == ("codex", "codex", "0.44.0", "gpt-5-codex")
    assert d.environment["git_commit_hash"] == "3f2a9c1d" and d.environment["git_repository_url"].endswith("/repo")
    assert d.benchmark is None


def test_aborted_error_and_open_endings(tmp_path: Path):
    user = line("response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]})
    t = one(write_lines(tmp_path / "a.jsonl", [META, user, line("event_msg", {"type": "turn_aborted", "reason": "interrupted"})]))
    assert t.status == "incomplete" and t.termination_reason == "turn aborted (interrupted)"
    assert t.steps[-1].kind == StepKind.observation
    t = one(write_lines(tmp_path / "e.jsonl", [META, user, line("event_msg", {"type": "error", "message": "stream disconnected"})]))
    assert t.status == "error" and t.error == "stream disconnected" and t.steps[-1].is_error
    t = one(write_lines(tmp_path / "o.jsonl", [META, user, line("event_msg", {"type": "task_started"})]))
    assert t.status == "incomplete" and t.submission is None


def test_exec_end_without_output_becomes_result(tmp_path: Path):
    t = one(write_lines(tmp_path / "x.jsonl", [
        META,
        line("response_item", {"type": "local_shell_call", "call_id": "c1", "status": "completed",
                               "action": {"type": "exec", "command": ["ls", "-a"]}}),
        line("event_msg", {"type": "exec_command_end", "call_id": "c1", "exit_code": 2, "aggregated_output": "no such dir",
                           "duration": {"secs": 0, "nanos": 250000000}}),
        line("event_msg", {"type": "task_complete", "last_agent_message": None}),
    ]))
    assert kinds(t) == ["terminal_command", "tool_result"]
    assert t.steps[0].content == "ls -a"
    assert t.steps[1].is_error and t.steps[1].duration_s == 0.25 and "no such dir" in t.steps[1].content
    assert t.status == "completed" and t.submission is None and t.deciding_step is None


@pytest.mark.parametrize(
    "records, place",
    [
        ([META, "{oops"], "line 2"),
        ([META, {"something": "else"}], "line 2"),
        ([META, line("response_item", [])], "line 2#/payload"),
        ([META, line("response_item", {"type": "function_call", "name": 7, "arguments": "{}", "call_id": "c"})],
         "line 2#/payload/name"),
        ([META, line("event_msg", {"type": "token_count", "info": {"total_token_usage": {"input_tokens": "x"}}})],
         "line 2#/payload/info/total_token_usage/input_tokens"),
        ([META, line("response_item", {"type": "message", "role": "user", "content": 5})], "line 2#/payload/content"),
        ([line("session_meta", {"id": "s"}, ts="someday")], "line 1#/timestamp"),
    ],
)
def test_broken_input(tmp_path: Path, records, place):
    with pytest.raises(InputError) as exc:
        one(write_lines(tmp_path / "b.jsonl", records))
    assert exc.value.place == place


# --------------------------------------------------------------------------
# real (synthetic, shape-only) sample: ../shared/corpus/cli-sessions
# --------------------------------------------------------------------------


def test_corpus_sample(corpus: Path):
    path = corpus / "cli-sessions" / "codex.SYNTHETIC.sample_codex_session.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    exp = Counter()
    meta = rows[0]["payload"]
    if meta.get("instructions"):
        exp["message"] += 1
    for r in rows[1:]:
        p = r["payload"]
        if r["type"] == "response_item" and p["type"] == "message":
            exp["model_call" if p["role"] == "assistant" else "message"] += 1
    last = rows[-1]["payload"]
    assert last["type"] == "message" and last["role"] == "assistant"
    exp["submission"] = 1
    assert IMP.sniff(path) is None
    t = one(path)
    assert Counter(kinds(t)) == exp
    assert t.id == meta["id"] and t.status == "completed" and t.deciding_step == len(t.steps)
    for item in last["content"]:
        assert item["text"] in t.submission
    assert t.metadata["cli_version"] == meta["cli_version"]
    (d,) = IMP.drafts(path)
    assert d.harness_version == meta["cli_version"] and d.tasks == [meta["id"]]
