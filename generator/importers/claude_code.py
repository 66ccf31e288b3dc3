"""Claude Code session transcripts (``~/.claude/projects/<project>/<sessionId>.jsonl``).

Spec: there is no published schema. The shapes below follow the files Claude
Code writes as read by ``simonw/claude-code-transcripts``
(``src/claude_code_transcripts/__init__.py``, ``tests/sample_session.jsonl``)
and by Codex's reader of them (``openai/codex`` ``codex-rs/external-agent-sessions``);
message bodies are Anthropic Messages API objects (content blocks ``text``,
``thinking``, ``redacted_thinking``, ``tool_use``, ``tool_result``, ``image``;
``usage{input_tokens, cache_creation_input_tokens, cache_read_input_tokens,
output_tokens}``).

One JSON object per line with a ``type``:

- ``user`` / ``assistant``: ``message`` (role, content as a string or a list
  of blocks, ``model``, ``id``, ``usage``), ``uuid``, ``parentUuid``,
  ``isSidechain``, ``sessionId``, ``timestamp``, ``cwd``, ``gitBranch``,
  ``version``; ``isMeta`` (harness-injected text), ``isCompactSummary``,
  ``isApiErrorMessage``, ``toolUseResult`` (a structured copy of a tool
  result);
- ``system``: harness notices (``subtype``, ``content``, ``level``);
- ``summary``: a session title (``summary``, ``leafUuid``);
- anything else (``file-history-snapshot``, ``queue-operation``...) is
  bookkeeping.

The headless ``claude -p --output-format stream-json`` output is read too:
same ``user`` / ``assistant`` lines (``session_id`` instead of
``sessionId``), a ``system`` ``init`` line (model, tools, cwd,
``claude_code_version``) and a final ``result`` line (``subtype``
``success`` / ``error_max_turns`` / ``error_during_execution``, ``result``
text, ``total_cost_usd``, ``usage``, ``duration_ms``, ``num_turns``). The
result line decides the ending: ``success`` -> ``completed`` with its text as
the ``submission`` step, ``error_max_turns`` -> ``limit``, other errors ->
``error`` (an ``error`` step); its cost is the trace's ``cost_usd``, its usage
is used when the responses carry none, ``duration_ms`` is the duration.

Steps, in file order:

- a user line: its text -> ``message`` (actor ``user``; titled ``meta`` for
  ``isMeta``, ``compact summary`` for ``isCompactSummary``); each
  ``tool_result`` block -> ``tool_result`` (``tool_call_id`` = ``tool_use_id``,
  ``is_error`` from the block);
- consecutive assistant lines sharing ``message.id`` are one API response
  (Claude Code writes one line per content block): its thinking and text ->
  one ``model_call`` (model, usage), then one step per ``tool_use`` block:
  ``terminal_command`` for ``Bash`` (content = the command), ``browser_event``
  for browser-automation MCP tools (``mcp__playwright__*``...), else
  ``tool_call``; all carry a ``ToolCall`` with the input as arguments. An
  assistant line with ``isApiErrorMessage`` -> ``error`` step;
- ``system`` -> ``observation`` (``error`` when ``level`` is ``error``);
- sidechain lines (``isSidechain``, sub-agents) are kept in place and titled
  ``sidechain``; lines on a branch the session abandoned (a rewind: a message
  whose ``parentUuid`` has another child on the path to the last message) are
  titled ``off the final branch``; both are counted in the notes.

Normalisations:

- **Usage** per response: the line of that ``message.id`` with the largest
  ``output_tokens`` (the same usage is repeated on every line of a response);
  a response id seen again later is not counted twice. Sidechain and
  abandoned-branch responses count too (they were paid for). ``input_tokens`` =
  ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``
  (Anthropic's ``input_tokens`` excludes cached input; the GenAI convention
  counts it), cache figures are summed in ``Trace.metadata``. The usage goes
  on the first step of its response. No cost is recorded in the files.
- **Timestamps** are ISO 8601 with ``Z``; zone-less ones are taken as UTC
  (noted). ``duration_s`` = last minus first timestamp.
- ``summary`` lines go to ``Trace.metadata["summaries"]``; other bookkeeping
  lines and ``toolUseResult`` copies are counted in the notes.

Sub-agent transcripts (newer versions write ``<sessionId>/subagents/agent-*.jsonl``,
every message a sidechain with the parent's ``sessionId``) are read as a
session of their own: their sidechain is their main line, and their id is
``<sessionId>-agent-<agentId>`` so it cannot collide with the parent session.

Trace: ``id`` = ``task_id`` = the ``sessionId`` (else the file stem), trial 1,
no benchmark, agent and harness ``claude-code`` at ``version``. ``status``:
``error`` when the session ends on an API error (``Trace.error``), ``completed``
when it ends on an assistant answer with no tool call left open (that answer is
the ``submission`` step and ``deciding_step``), else ``incomplete``
(``termination_reason`` = ``interrupted by user`` when the last user message
says so).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import add_usage, slug_hashed, text_or_json
from generator.importers._cli_common import (
    Notes,
    command_text,
    final_answer,
    int_field,
    iter_lines,
    session_head,
    session_trace,
    span_seconds,
    timestamp,
    tool_kind,
)
from generator.jsonread import expect
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

MESSAGE_TYPES = {"user", "assistant"}
KNOWN_TYPES = {"user", "assistant", "system", "summary"}
INTERRUPTED = ("[Request interrupted by user", "[Request interrupted")


def _usage(u: Any, label: str, place: str) -> tuple[Usage | None, dict[str, int]]:
    if u is None:
        return None, {}
    expect(u, dict, label, place, "usage as an object")
    inp = int_field(u, "input_tokens", label, place + "/input_tokens")
    cc = int_field(u, "cache_creation_input_tokens", label, place + "/cache_creation_input_tokens")
    cr = int_field(u, "cache_read_input_tokens", label, place + "/cache_read_input_tokens")
    out = int_field(u, "output_tokens", label, place + "/output_tokens")
    if inp is None and out is None and cc is None and cr is None:
        return None, {}
    total_in = None if inp is None and cc is None and cr is None else (inp or 0) + (cc or 0) + (cr or 0)
    return Usage(input_tokens=total_in, output_tokens=out), {"cache_creation_input_tokens": cc or 0,
                                                             "cache_read_input_tokens": cr or 0}


def _block_text(content: Any) -> str:
    """Text of a tool_result's content (a string or a list of blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                if block.get("type") == "text" and isinstance(block.get("text"), str):
                    parts.append(block["text"])
                elif block.get("type") in ("image", "document"):
                    parts.append(f"[{block['type']}]")
                else:
                    parts.append(text_or_json(block))
            else:
                parts.append(text_or_json(block))
        return "\n".join(parts)
    return text_or_json(content)


class _Session:
    def __init__(self, label: str) -> None:
        self.label = label
        self.notes = Notes()
        self.steps: list[Step] = []
        self.main: list[bool] = []  # per step: on the main line (not sidechain, not abandoned)
        self.skipped: Counter[str] = Counter()
        self.models: list[str] = []
        self.usage: Usage | None = None
        self.cache = Counter()
        self.usage_ids: set[str] = set()
        self.repeat_ids = 0
        self.summaries: list[str] = []
        self.session_id: str | None = None
        self.meta: dict[str, list[str]] = defaultdict(list)
        self.times: list[Any] = []
        self.open_calls: dict[str, int] = {}
        self.sidechain = 0
        self.abandoned_steps = 0
        self.tool_use_results = 0
        self.api_error: str | None = None
        self.result: tuple[int, dict] | None = None
        self.subagent: str | None = None

    def add(self, on_main: bool, **fields: Any) -> Step:
        step = Step(**fields)
        self.steps.append(step)
        self.main.append(on_main)
        return step


def _abandoned(records: list[tuple[int, dict]]) -> set[str]:
    """uuids on branches the session left (rewinds), from the parentUuid tree."""
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = defaultdict(list)
    last: str | None = None
    for _n, rec in records:
        uid = rec.get("uuid")
        if not isinstance(uid, str) or rec.get("type") not in ("user", "assistant", "system"):
            continue
        par = rec.get("parentUuid")
        if not isinstance(par, str):
            par = rec.get("logicalParentUuid") if isinstance(rec.get("logicalParentUuid"), str) else None
        parent[uid] = par
        if par is not None:
            children[par].append(uid)
        if not rec.get("isSidechain"):
            last = uid
    if last is None:
        return set()
    path: list[str] = []
    seen: set[str] = set()
    node: str | None = last
    while node is not None and node not in seen:
        seen.add(node)
        path.append(node)
        node = parent.get(node)
    on_path = set(path)
    out: set[str] = set()
    for node in path:
        kids = children.get(node, [])
        if len(kids) < 2:
            continue
        for kid in kids:
            if kid in on_path:
                continue
            stack = [kid]
            while stack:
                cur = stack.pop()
                if cur in out:
                    continue
                out.add(cur)
                stack.extend(children.get(cur, []))
    return out


class ClaudeCode(Importer):
    name = "claude-code"
    title = "Claude Code session transcript (JSONL)"
    spec = "no published schema; simonw/claude-code-transcripts src/claude_code_transcripts/__init__.py; Anthropic Messages API"
    patterns = ("<sessionId>.jsonl with type user/assistant lines carrying message and uuid",)
    priority = 40

    def sniff(self, path: Path) -> str | None:
        values, why = session_head(path, "Claude Code")
        if why:
            return why
        for value in values:
            if not isinstance(value, dict):
                return "a line is not a JSON object"
            kind = value.get("type")
            if not isinstance(kind, str):  # not a transcript line; traces() names it if the file is taken
                continue
            if kind in MESSAGE_TYPES and isinstance(value.get("message"), dict) and (
                    "uuid" in value or "sessionId" in value or "session_id" in value):
                return None
            if kind == "summary" and "leafUuid" in value:
                return None
        return "no Claude Code user/assistant line (type, message, uuid/sessionId) near the start"

    # -- reading -----------------------------------------------------------

    def _records(self, path: Path, label: str) -> list[tuple[int, dict]]:
        out = []
        for number, value in iter_lines(path, label):
            rec = expect(value, dict, label, f"line {number}", "a JSON object per line")
            kind = rec.get("type")
            expect(kind, str, label, f"line {number}", "a 'type' string on every line")
            out.append((number, rec))
        return out

    def _session(self, path: Path, label: str) -> _Session:
        records = self._records(path, label)
        s = _Session(label)
        abandoned = _abandoned(records)
        messages = [rec for _n, rec in records if rec["type"] in MESSAGE_TYPES]
        if messages and all(rec.get("isSidechain") is True for rec in messages):
            # a sub-agent transcript (<sessionId>/subagents/agent-<id>.jsonl): its sidechain is its main line
            s.subagent = next((str(r["agentId"]) for r in messages if isinstance(r.get("agentId"), (str, int))), path.stem)
        group: list[tuple[int, dict]] = []
        for number, rec in records:
            kind = rec["type"]
            if kind == "assistant":
                msg = expect(rec.get("message"), dict, label, f"line {number}#/message", "a message object")
                mid = msg.get("id")
                if group and (mid is None or group[0][1]["message"].get("id") != mid):
                    self._assistant(s, group, abandoned)
                    group = []
                group.append((number, rec))
                continue
            if group:
                self._assistant(s, group, abandoned)
                group = []
            self._common(s, number, rec)
            if kind == "user":
                self._user(s, number, rec, abandoned)
            elif kind == "system":
                self._system(s, number, rec, abandoned)
            elif kind == "summary":
                text = rec.get("summary")
                if isinstance(text, str):
                    s.summaries.append(text)
            elif kind == "result":
                s.result = (number, rec)
            else:
                s.skipped[kind] += 1
        if group:
            self._assistant(s, group, abandoned)
        return s

    def _common(self, s: _Session, number: int, rec: dict) -> None:
        label = s.label
        for key in ("sessionId", "session_id"):
            if s.session_id is None and isinstance(rec.get(key), str) and rec[key]:
                s.session_id = rec[key]
        if rec.get("type") == "system" and rec.get("subtype") == "init":  # stream-json header
            for key, meta in (("model", "model"), ("claude_code_version", "version"), ("cwd", "cwd")):
                value = rec.get(key)
                if isinstance(value, str) and value and value not in s.meta[meta]:
                    s.meta[meta].append(value)
        for key in ("cwd", "gitBranch", "version", "userType", "entrypoint"):
            value = rec.get(key)
            if isinstance(value, str) and value and value not in s.meta[key]:
                s.meta[key].append(value)
        ts = timestamp(rec.get("timestamp"), label, f"line {number}#/timestamp", s.notes)
        if ts is not None:
            s.times.append(ts)

    def _titles(self, s: _Session, rec: dict, abandoned: set[str], *extra: str | None) -> tuple[str | None, bool]:
        labels = [e for e in extra if e]
        on_main = True
        if rec.get("isSidechain") and s.subagent is None:
            labels.append("sidechain")
            on_main = False
        if isinstance(rec.get("uuid"), str) and rec["uuid"] in abandoned:
            labels.append("off the final branch")
            on_main = False
        return (", ".join(labels) or None), on_main

    def _count(self, s: _Session, rec: dict, abandoned: set[str], n: int) -> None:
        if rec.get("isSidechain") and s.subagent is None:
            s.sidechain += n
        if isinstance(rec.get("uuid"), str) and rec["uuid"] in abandoned:
            s.abandoned_steps += n

    def _user(self, s: _Session, number: int, rec: dict, abandoned: set[str]) -> None:
        label = s.label
        place = f"line {number}#/message"
        msg = expect(rec.get("message"), dict, label, place, "a message object")
        ts = timestamp(rec.get("timestamp"), label, f"line {number}#/timestamp", None)
        extra = "meta" if rec.get("isMeta") else ("compact summary" if rec.get("isCompactSummary") else None)
        title, on_main = self._titles(s, rec, abandoned, extra)
        if rec.get("toolUseResult") is not None:
            s.tool_use_results += 1
        content = msg.get("content")
        before = len(s.steps)
        if isinstance(content, str):
            s.add(on_main, kind=StepKind.message, actor="user", title=title, content=content, timestamp=ts,
                  source=f"line {number}")
        elif isinstance(content, list):
            texts: list[str] = []
            for b, block in enumerate(content):
                bplace = f"{place}/content/{b}"
                if isinstance(block, str):
                    texts.append(block)
                    continue
                expect(block, dict, label, bplace, "a content block object")
                btype = block.get("type")
                if btype == "text":
                    texts.append(expect(block.get("text", ""), str, label, bplace + "/text", "text as a string"))
                elif btype == "tool_result":
                    if texts:
                        s.add(on_main, kind=StepKind.message, actor="user", title=title, content="\n".join(texts),
                              timestamp=ts, source=f"line {number}")
                        texts = []
                    tid = block.get("tool_use_id")
                    tid = str(tid) if tid is not None else None
                    is_err = block.get("is_error") is True
                    s.add(on_main, kind=StepKind.tool_result, actor="tool", title=title, content=_block_text(block.get("content")),
                          tool_call_id=tid, is_error=is_err, timestamp=ts, source=f"line {number}#/message/content/{b}")
                    if tid is not None:
                        s.open_calls.pop(tid, None)
                elif btype in ("image", "document"):
                    texts.append(f"[{btype}]")
                else:
                    texts.append(text_or_json(block))
            if texts:
                s.add(on_main, kind=StepKind.message, actor="user", title=title, content="\n".join(texts), timestamp=ts,
                      source=f"line {number}")
        elif content is None:
            s.add(on_main, kind=StepKind.message, actor="user", title=title, content="", timestamp=ts, source=f"line {number}")
        else:
            raise InputError(label, place + "/content", "expected message content as a string or a list of blocks")
        self._count(s, rec, abandoned, len(s.steps) - before)

    def _system(self, s: _Session, number: int, rec: dict, abandoned: set[str]) -> None:
        ts = timestamp(rec.get("timestamp"), s.label, f"line {number}#/timestamp", None)
        subtype = rec.get("subtype") if isinstance(rec.get("subtype"), str) else None
        title, on_main = self._titles(s, rec, abandoned, subtype or "system")
        content = rec.get("content")
        text = content if isinstance(content, str) else (text_or_json(content) if content is not None else "")
        if not text and rec.get("compactMetadata") is not None:
            text = text_or_json(rec["compactMetadata"])
        if not text:  # e.g. the stream-json init line: its settings are the content
            rest = {k: v for k, v in rec.items() if k not in ("type", "subtype", "uuid", "parentUuid", "session_id",
                                                              "sessionId", "timestamp", "isSidechain")}
            text = text_or_json(rest) if rest else ""
        is_err = rec.get("level") == "error"
        s.add(False, kind=StepKind.error if is_err else StepKind.observation, actor="harness", title=title,
              content=text, is_error=is_err, timestamp=ts, source=f"line {number}")
        self._count(s, rec, abandoned, 1)

    def _assistant(self, s: _Session, group: list[tuple[int, dict]], abandoned: set[str]) -> None:
        label = s.label
        first_no, first = group[0]
        for number, rec in group:
            self._common(s, number, rec)
        msg0 = first["message"]
        mid = msg0.get("id") if isinstance(msg0.get("id"), str) else None
        ts = timestamp(first.get("timestamp"), label, f"line {first_no}#/timestamp", None)
        title, on_main = self._titles(s, first, abandoned)
        model = next((r["message"].get("model") for _n, r in group if isinstance(r["message"].get("model"), str)), None)
        if model == "<synthetic>":
            model = None
        if model and model not in s.models:
            s.models.append(model)
        # usage: the largest output among the response's lines, counted once per response id
        best: tuple[Usage | None, dict[str, int]] = (None, {})
        for number, rec in group:
            u = _usage(rec["message"].get("usage"), label, f"line {number}#/message/usage")
            if u[0] is not None and (best[0] is None or (u[0].output_tokens or 0) >= (best[0].output_tokens or 0)):
                best = u
        usage = best[0]
        if usage is not None and mid is not None:
            if mid in s.usage_ids:
                s.repeat_ids += 1
                usage = None
            else:
                s.usage_ids.add(mid)
        if usage is not None:
            s.usage = add_usage(s.usage, usage)
            s.cache.update(best[1])
        texts: list[str] = []
        text_line: int | None = None
        calls: list[tuple[int, int, dict]] = []
        api_error = any(r.get("isApiErrorMessage") for _n, r in group)
        for number, rec in group:
            content = rec["message"].get("content")
            place = f"line {number}#/message/content"
            if isinstance(content, str):
                texts.append(content)
                text_line = text_line or number
                continue
            if content is None:
                continue
            expect(content, list, label, place, "message content as a string or a list of blocks")
            for b, block in enumerate(content):
                bplace = f"{place}/{b}"
                expect(block, dict, label, bplace, "a content block object")
                btype = block.get("type")
                if btype == "text":
                    texts.append(expect(block.get("text", ""), str, label, bplace + "/text", "text as a string"))
                    text_line = text_line or number
                elif btype == "thinking":
                    thought = block.get("thinking")
                    texts.append("[thinking]\n" + (thought if isinstance(thought, str) else ""))
                    text_line = text_line or number
                elif btype == "redacted_thinking":
                    texts.append("[redacted thinking]")
                    text_line = text_line or number
                elif btype in ("tool_use", "server_tool_use"):
                    expect(block.get("name"), str, label, bplace + "/name", "the tool name as a string")
                    calls.append((number, b, block))
                else:
                    texts.append(text_or_json(block))
                    text_line = text_line or number
        before = len(s.steps)
        text = "\n\n".join(t for t in texts if t)
        if api_error:
            s.api_error = text or "API error"
            s.add(on_main, kind=StepKind.error, actor="assistant", title=title or "API error", content=text,
                  is_error=True, timestamp=ts, usage=usage, source=f"line {first_no}")
        elif texts:
            s.add(on_main, kind=StepKind.model_call, actor="assistant", title=title, content=text, model=model,
                  usage=usage, timestamp=ts, source=f"line {text_line or first_no}")
        for i, (number, b, block) in enumerate(calls):
            name = block["name"]
            args = block.get("input")
            cid = str(block["id"]) if block.get("id") is not None else None
            kind = tool_kind(name)
            cmd = command_text(name, args) if kind == StepKind.terminal_command else None
            s.add(on_main, kind=kind, actor="assistant", title=title or name,
                         content=cmd if cmd is not None else (text_or_json(args) if args is not None else ""),
                         tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid, model=model,
                         usage=usage if (i == 0 and len(s.steps) == before) else None, timestamp=ts,
                         source=f"line {number}#/message/content/{b}")
            if cid is not None and on_main:
                s.open_calls[cid] = len(s.steps)
        self._count(s, first, abandoned, len(s.steps) - before)

    # -- importer API ------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        s = self._session(path, label)
        sid = s.session_id or path.stem
        notes = s.notes
        parent_session = None
        if s.subagent is not None:
            parent_session = sid
            sid = f"{sid}-agent-{s.subagent}" if s.session_id else sid
            notes.add(f"a sub-agent transcript (every message is a sidechain) of session {parent_session}; "
                      "its id is the session id with the agent id appended, so it does not collide with the session")
        if s.skipped:
            notes.add("lines not shown (Claude Code bookkeeping): "
                      + ", ".join(f"{k} ×{n}" for k, n in sorted(s.skipped.items())))
        if s.summaries:
            notes.add(f"{len(s.summaries)} summary line(s) (session titles) are in the metadata, not shown as steps")
        if s.tool_use_results:
            notes.add(f"{s.tool_use_results} structured toolUseResult copies are not shown (the tool_result blocks are)")
        if s.sidechain:
            notes.add(f"{s.sidechain} step(s) come from sidechain (sub-agent) lines, titled 'sidechain'")
        if s.abandoned_steps:
            notes.add(f"{s.abandoned_steps} step(s) lie on branches the session abandoned (rewinds), titled 'off the final branch'")
        if s.repeat_ids:
            notes.add(f"{s.repeat_ids} response id(s) appear again later in the file; their usage is counted once")
        if len(s.meta.get("cwd", [])) > 1:
            notes.add("the working directory changed during the session")

        status, reason, error = "incomplete", None, None
        main_steps = [st for st, m in zip(s.steps, s.main) if m and st.kind != StepKind.observation]
        last = main_steps[-1] if main_steps else None
        steps = s.steps
        submission = None
        deciding = None
        usage = s.usage
        duration = None
        if s.result is not None:  # stream-json: the result line says how the run ended
            status, reason, error, submission, usage, duration = self._result(s, usage)
            if submission is not None:
                steps.append(Step(kind=StepKind.submission, actor="assistant", title="result", content=submission,
                                  source=f"line {s.result[0]}"))
                deciding = len(steps)
            elif status != "completed":
                steps.append(Step(kind=StepKind.error, actor="harness", title=reason, content=error or reason or "",
                                  is_error=True, source=f"line {s.result[0]}"))
        elif last is None:
            notes.add("no messages: the session is empty")
        elif last.kind == StepKind.error and s.api_error is not None:
            status, error, reason = "error", s.api_error, "API error"
        else:
            answer = final_answer(main_steps)
            if answer is not None and not s.open_calls:
                status = "completed"
                submission = answer.content
                steps.append(Step(kind=StepKind.submission, actor="assistant", title="final answer", content=submission,
                                  timestamp=answer.timestamp, source=answer.source))
                deciding = len(steps)
            elif last.kind == StepKind.message and last.actor == "user":
                if last.content.strip().startswith(INTERRUPTED):
                    reason = "interrupted by user"
                notes.add("the session ends with a user message and no reply")
            else:
                notes.add("the session ends with a tool call or result and no final answer")
        metadata: dict[str, Any] = {k: (v[0] if len(v) == 1 else v) for k, v in s.meta.items() if v}
        if s.summaries:
            metadata["summaries"] = s.summaries
        if s.cache:
            metadata["cache_tokens"] = dict(s.cache)
        if parent_session is not None:
            metadata["parent_session"] = parent_session
        started, span = span_seconds(s.times)
        yield session_trace(
            session_id=sid, label=label, agent="claude-code", models=s.models, usage=usage, started=started,
            duration_s=duration if duration is not None else span,
            status=status, termination_reason=reason, submission=submission, error=error,
            deciding_step=deciding, steps=steps, notes=notes.items, metadata=metadata,
        )

    def _result(self, s: _Session, usage: Usage | None) -> tuple:
        """Status, reason, error, submission, usage and duration from a stream-json ``result`` line."""
        number, rec = s.result  # type: ignore[misc]
        label = s.label
        place = f"line {number}"
        subtype = rec.get("subtype") if isinstance(rec.get("subtype"), str) else None
        is_error = rec.get("is_error") is True
        text = rec.get("result")
        text = text if isinstance(text, str) else None
        if subtype == "success" and not is_error:
            status, reason, error, submission = "completed", subtype, None, text
        elif subtype == "error_max_turns":
            status, reason, error, submission = "limit", subtype, text, None
        else:
            status, reason, error, submission = "error", subtype or "error", text or subtype or "error", None
        total, _cache = _usage(rec.get("usage"), label, place + "#/usage")
        if usage is None and total is not None:
            usage = total
        elif total is not None and usage is not None and (usage.input_tokens, usage.output_tokens) != (
                total.input_tokens, total.output_tokens):
            s.notes.add("the result line's usage differs from the sum over responses; the sum is shown")
        cost = rec.get("total_cost_usd", rec.get("cost_usd"))
        if cost is not None:
            if isinstance(cost, bool) or not isinstance(cost, (int, float)):
                raise InputError(label, place + "#/total_cost_usd", "expected total_cost_usd as a number")
            usage = (usage or Usage()).model_copy(update={"cost_usd": float(cost)})
        ms = rec.get("duration_ms")
        duration = ms / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) else None
        for key in ("num_turns", "duration_api_ms"):
            if isinstance(rec.get(key), (int, float)) and not isinstance(rec.get(key), bool):
                s.meta.setdefault(key, []).append(str(rec[key]))
        return status, reason, error, submission, usage, duration

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        (trace,) = list(self.traces(path, label))
        version = trace.metadata.get("version")
        if isinstance(version, list):
            version = version[-1]
        env: dict[str, Any] = {}
        if isinstance(trace.metadata.get("gitBranch"), str):
            env["git_branch"] = trace.metadata["gitBranch"]
        abs_path = str(path.resolve())
        return [RunDraft(
            run_id=slug_hashed(trace.id),
            agent="claude-code",
            agent_name="Claude Code",
            organisation="Anthropic",
            model=trace.model,
            harness="claude-code",
            harness_version=version,
            tasks=[trace.task_id],
            format=self.name,
            files=[abs_path],
            names={abs_path: path.name},
            formats={abs_path: self.name},
            environment=env,
            metadata={"session_id": trace.id},
        )]

