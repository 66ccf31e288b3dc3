"""OpenAI Codex CLI session rollouts (``~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl``).

Spec: ``openai/codex`` ``codex-rs/protocol/src/protocol.rs`` (``RolloutLine``,
``RolloutItem``, ``SessionMeta``, ``TurnContextItem``, ``CompactedItem``,
``EventMsg``, ``TokenUsage`` / ``TokenUsageInfo``) and
``codex-rs/protocol/src/models.rs`` (``ResponseItem``, ``ContentItem``,
``FunctionCallOutputPayload``); the persisted event subset is
``codex-rs/rollout/src/policy.rs``.

Two shapes are read:

- current (since about September 2025): every line is
  ``{"timestamp", "type", "payload"}`` with ``type`` ``session_meta``,
  ``response_item``, ``turn_context``, ``event_msg`` or ``compacted``;
- legacy: the first line is the bare session meta ``{"id", "timestamp",
  "instructions", "git"}``, then bare ``ResponseItem`` objects and
  ``{"record_type": "state"}`` markers (skipped, counted), with no per-line
  timestamps.

Steps, in file order:

- ``session_meta``: ``instructions`` / ``base_instructions.text`` -> a
  ``message`` (actor ``system``, titled ``instructions``); the rest (cwd,
  originator, cli_version, source, model_provider, git) -> metadata;
- ``response_item`` ``message``: user -> ``message`` (titled ``context`` when
  it is harness-injected ``<environment_context>`` / ``<user_instructions>`` /
  ``AGENTS.md`` text), developer/system -> ``message`` titled
  ``instructions``, assistant -> ``model_call``; ``reasoning`` -> ``message``
  (actor assistant, titled ``reasoning``: the summary text, or
  ``[encrypted reasoning]``); ``function_call`` / ``custom_tool_call`` /
  ``local_shell_call`` / ``tool_search_call`` -> ``terminal_command`` for
  shell tools (``shell``, ``exec_command``, ``shell_command``,
  ``container.exec``, ``local_shell``; content = the command) else
  ``tool_call``, with ``ToolCall`` (``arguments`` is a JSON string in the file
  and is decoded); ``function_call_output`` / ``custom_tool_call_output`` /
  ``tool_search_output`` -> ``tool_result`` (``tool_call_id`` = ``call_id``;
  the old ``{"output", "metadata": {"exit_code", "duration_seconds"}}`` JSON
  and the newer ``Exit code: N`` / ``Wall time: X seconds`` text headers give
  ``is_error`` for a non-zero exit and ``duration_s``; ``{success: false}`` is
  an error); ``web_search_call`` -> ``browser_event``; ``compaction`` and
  unknown items -> ``observation``; ``ghost_snapshot`` is skipped (counted);
- ``compacted`` -> ``observation`` (the summary message);
- ``event_msg``: ``token_count`` gives usage (below); ``error`` -> ``error``
  step; ``turn_aborted`` -> ``observation``; ``exec_command_end``,
  ``patch_apply_end``, ``mcp_tool_call_end`` complete the matching
  ``tool_result`` (duration, non-zero exit / failure -> ``is_error``) or,
  when the rollout has no output item for that call, become the
  ``tool_result``; ``user_message``, ``agent_message``, ``agent_reasoning``
  repeat response items and are only shown when the file has no response
  items; ``item_completed`` (plan updates), ``warning`` and
  ``stream_error`` -> ``observation``; other event types are counted in the
  notes;
- ``turn_context`` lines set the model of the following model calls (their
  models, effort and policies go to metadata) and make no step.

Normalisations:

- **Usage**: ``token_count.info.last_token_usage`` is the usage of the API
  call that just ended (Codex runs the requested tools before the response's
  token count is written); it goes on the first step of that response (the
  first assistant item since the previous token count or user message). The trace's usage is the
  last ``total_token_usage`` (Codex's cumulative count); OpenAI's
  ``input_tokens`` already include ``cached_input_tokens`` and
  ``output_tokens`` include ``reasoning_output_tokens`` (both kept in
  metadata). No cost is recorded.
- **Timestamps** are RFC 3339 with ``Z`` (zone-less taken as UTC, noted);
  legacy files have only the session start.

Trace: ``id`` = ``task_id`` = the session id (``session_meta.id``; else the
file stem), trial 1, no benchmark, agent and harness ``codex`` at
``cli_version``. ``status``: ``completed`` when the last turn ended with
``task_complete`` (its ``last_agent_message``, else the last assistant
message, is the ``submission`` step and ``deciding_step``), ``error`` after an
``error`` event with no later completion, ``incomplete`` when the last turn was
aborted (``termination_reason`` = ``turn aborted (<reason>)``) or never ended.
Files with no ``event_msg`` at all (legacy, ``codex exec`` fixtures) are
``completed`` when they end on an assistant message.
"""

from __future__ import annotations

import re
from collections import Counter
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
    parse_args,
    session_head,
    session_trace,
    span_seconds,
    timestamp,
    tool_kind,
)
from generator.jsonread import expect
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

ROLLOUT_TYPES = {"session_meta", "response_item", "turn_context", "event_msg", "compacted"}
ITEM_TYPES = {"message", "reasoning", "function_call", "function_call_output", "custom_tool_call",
              "custom_tool_call_output", "local_shell_call", "web_search_call", "tool_search_call",
              "tool_search_output", "image_generation_call", "compaction", "compaction_summary", "ghost_snapshot"}
CALL_TYPES = {"function_call", "custom_tool_call", "local_shell_call", "tool_search_call"}
OUTPUT_TYPES = {"function_call_output", "custom_tool_call_output", "tool_search_output"}
DUPLICATE_EVENTS = {"user_message", "agent_message", "agent_reasoning", "agent_reasoning_raw_content"}
END_EVENTS = {"exec_command_end", "patch_apply_end", "mcp_tool_call_end"}
OBSERVED_EVENTS = {"warning", "stream_error", "item_completed", "context_compacted", "thread_rolled_back",
                   "entered_review_mode", "exited_review_mode", "background_event"}
CONTEXT_MARKERS = ("<environment_context>", "<user_instructions>", "# AGENTS.md instructions", "<INSTRUCTIONS>")

_EXIT = re.compile(r"^Exit code:\s*(-?\d+)", re.MULTILINE)
_WALL = re.compile(r"^Wall time:\s*([0-9.]+)\s*seconds", re.MULTILINE)


def _s(value: Any) -> str | None:
    """A string discriminator, or None (a list or object there must not break set lookups)."""
    return value if isinstance(value, str) else None


def _content_text(content: Any, label: str, place: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    expect(content, list, label, place, "content as a list of content items")
    parts = []
    for i, item in enumerate(content):
        if isinstance(item, str):
            parts.append(item)
            continue
        expect(item, dict, label, f"{place}/{i}", "a content item object")
        if item.get("type") == "reasoning" and isinstance(item.get("text"), str):
            parts.append("[reasoning] " + item["text"])
        elif isinstance(item.get("text"), str):
            parts.append(item["text"])
        elif item.get("type") in ("input_image", "image"):
            parts.append("[image]")
        else:
            parts.append(text_or_json(item))
    return "\n".join(parts)


def _token_usage(u: Any, label: str, place: str) -> tuple[Usage | None, dict[str, int]]:
    if not isinstance(u, dict):
        return None, {}
    inp = int_field(u, "input_tokens", label, place + "/input_tokens")
    out = int_field(u, "output_tokens", label, place + "/output_tokens")
    total = int_field(u, "total_tokens", label, place + "/total_tokens")
    extra = {}
    for k in ("cached_input_tokens", "reasoning_output_tokens"):
        v = int_field(u, k, label, f"{place}/{k}")
        if v is not None:
            extra[k] = v
    if inp is None and out is None and total is None:
        return None, extra
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=total), extra


def _output(raw: Any, label: str, place: str) -> tuple[str, bool, float | None]:
    """(text, is_error, duration) of a function_call_output payload."""
    if isinstance(raw, dict):  # {content, success} (older failure shape) or structured
        text = raw.get("content") if isinstance(raw.get("content"), str) else text_or_json(raw)
        return text, raw.get("success") is False, None
    if isinstance(raw, list):
        return _content_text(raw, label, place), False, None
    if raw is None:
        return "", False, None
    if not isinstance(raw, str):
        raise InputError(label, place, "expected the tool output as a string, a list of content items or an object")
    parsed = parse_args(raw)
    if isinstance(parsed, dict) and "output" in parsed and isinstance(parsed.get("metadata"), dict):
        meta = parsed["metadata"]
        code = meta.get("exit_code")
        dur = meta.get("duration_seconds")
        text = parsed["output"] if isinstance(parsed["output"], str) else text_or_json(parsed["output"])
        return (text, isinstance(code, int) and not isinstance(code, bool) and code != 0,
                float(dur) if isinstance(dur, (int, float)) and not isinstance(dur, bool) else None)
    m = _EXIT.search(raw[:400])
    w = _WALL.search(raw[:400])
    return raw, bool(m and int(m.group(1)) != 0), float(w.group(1)) if w else None


def _duration(value: Any) -> float | None:
    if isinstance(value, dict):
        secs, nanos = value.get("secs"), value.get("nanos", 0)
        if isinstance(secs, (int, float)) and isinstance(nanos, (int, float)):
            return float(secs) + float(nanos) / 1e9
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9.]+)\s*(ms|s)?\s*", value)
        if m:
            return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    return None


class _Rollout:
    def __init__(self, label: str) -> None:
        self.label = label
        self.notes = Notes()
        self.steps: list[Step] = []
        self.meta: dict[str, Any] = {}
        self.session_id: str | None = None
        self.models: list[str] = []
        self.model: str | None = None
        self.turn_settings: dict[str, list[Any]] = {}
        self.response_first: int | None = None
        self.usage_total: Usage | None = None
        self.usage_extra: dict[str, int] = {}
        self.times: list[Any] = []
        self.skipped: Counter[str] = Counter()
        self.results: dict[str, Step] = {}
        self.pending_end: dict[str, tuple[bool, float | None]] = {}
        self.state = "none"
        self.state_detail: str | None = None
        self.last_agent_message: str | None = None
        self.events = 0
        self.orphan_token_counts = 0


class CodexCli(Importer):
    name = "codex"
    title = "OpenAI Codex CLI session rollout (JSONL)"
    spec = "openai/codex codex-rs/protocol/src/protocol.rs (RolloutLine, RolloutItem, EventMsg), codex-rs/protocol/src/models.rs (ResponseItem)"
    patterns = ("rollout-*.jsonl with session_meta/response_item lines",)
    priority = 40

    def sniff(self, path: Path) -> str | None:
        values, why = session_head(path, "Codex", limit=5)
        if why:
            return why
        first = values[0]
        if not isinstance(first, dict):
            return "first line is not a JSON object"
        if _s(first.get("type")) in ROLLOUT_TYPES and isinstance(first.get("payload"), dict) and "timestamp" in first:
            return None
        if (set(first) <= {"id", "timestamp", "instructions", "git"} and isinstance(first.get("id"), str)
                and "timestamp" in first and len(values) > 1):
            nxt = values[1]
            if isinstance(nxt, dict) and ("record_type" in nxt or _s(nxt.get("type")) in ITEM_TYPES):
                return None
        return "first line is not a Codex rollout line ({timestamp, type, payload}) nor a legacy session header"

    # -- reading -----------------------------------------------------------

    def _read(self, path: Path, label: str) -> _Rollout:
        r = _Rollout(label)
        records: list[tuple[int, str, dict, Any, bool]] = []  # (line, kind, payload, timestamp, wrapped)
        for number, value in iter_lines(path, label):
            rec = expect(value, dict, label, f"line {number}", "a JSON object per line")
            if _s(rec.get("type")) in ROLLOUT_TYPES and "payload" in rec:
                payload = expect(rec["payload"], dict, label, f"line {number}#/payload", "payload as an object")
                records.append((number, rec["type"], payload, rec.get("timestamp"), True))
            elif "record_type" in rec:
                r.skipped["record_type state markers (legacy)"] += 1
            elif _s(rec.get("type")) in ITEM_TYPES:
                records.append((number, "response_item", rec, None, False))
            elif not records and isinstance(rec.get("id"), str) and "timestamp" in rec:
                records.append((number, "session_meta", rec, rec.get("timestamp"), False))
                r.notes.add("legacy rollout (before the {timestamp, type, payload} lines): no per-line timestamps")
            else:
                raise InputError(label, f"line {number}", "expected a Codex rollout line with 'type' and 'payload'")
        has_items = any(kind == "response_item" and p.get("type") == "message" for _n, kind, p, _t, _w in records)
        output_ids = {str(p.get("call_id")) for _n, kind, p, _t, _w in records
                      if kind == "response_item" and _s(p.get("type")) in OUTPUT_TYPES and p.get("call_id") is not None}
        for number, kind, payload, ts_raw, wrapped in records:
            base = f"line {number}#/payload" if wrapped else f"line {number}#"
            ts = timestamp(ts_raw, label, f"line {number}#/timestamp" if wrapped else f"line {number}#/timestamp", r.notes)
            if ts is not None:
                r.times.append(ts)
            if kind == "session_meta":
                self._meta(r, payload, base, ts, number)
            elif kind == "turn_context":
                model = payload.get("model")
                if isinstance(model, str) and model:
                    r.model = model
                    if model not in r.models:
                        r.models.append(model)
                for key in ("effort", "approval_policy", "sandbox_policy", "summary", "cwd"):
                    if payload.get(key) is not None:
                        vals = r.turn_settings.setdefault(key, [])
                        if payload[key] not in vals:
                            vals.append(payload[key])
                r.skipped["turn_context (settings, in metadata)"] += 1
            elif kind == "compacted":
                msg = payload.get("message")
                r.steps.append(Step(kind=StepKind.observation, actor="harness", title="compacted",
                                    content=msg if isinstance(msg, str) else text_or_json(payload), timestamp=ts,
                                    source=f"line {number}"))
                r.response_first = None
            elif kind == "response_item":
                self._item(r, payload, base, ts, number, output_ids)
            else:
                r.events += 1
                self._event(r, payload, base, ts, number, has_items, output_ids)
        return r

    def _meta(self, r: _Rollout, p: dict, base: str, ts: Any, number: int) -> None:
        label = r.label
        sid = p.get("id")
        if r.session_id is None and isinstance(sid, (str, int)) and str(sid):
            r.session_id = str(sid)
        elif r.session_id is not None and sid is not None and str(sid) != r.session_id:
            r.notes.add("a second session_meta line names another session (a fork or resumed copy); the first id is used")
        for key in ("cwd", "originator", "cli_version", "model_provider", "forked_from_id", "agent_nickname",
                    "agent_role", "memory_mode"):
            if isinstance(p.get(key), str) and key not in r.meta:
                r.meta[key] = p[key]
        if p.get("source") is not None and "source" not in r.meta:
            r.meta["source"] = p["source"]
        git = p.get("git")
        if isinstance(git, dict):
            r.meta.setdefault("git", {k: v for k, v in git.items() if isinstance(v, str)})
        instructions = p.get("instructions")
        title = "instructions"
        if instructions is None and isinstance(p.get("base_instructions"), dict):
            instructions = p["base_instructions"].get("text")
            title = "base instructions"
        if instructions is not None:
            text = expect(instructions, str, label, f"{base}/instructions", "instructions as a string")
            if text.strip():
                r.steps.append(Step(kind=StepKind.message, actor="system", title=title, content=text, timestamp=ts,
                                    source=f"line {number}"))
        if p.get("dynamic_tools"):
            r.skipped["session_meta dynamic_tools (tool definitions)"] += 1

    def _open_response(self, r: _Rollout) -> None:
        if r.response_first is None:
            r.response_first = len(r.steps)

    def _item(self, r: _Rollout, p: dict, base: str, ts: Any, number: int, output_ids: set[str]) -> None:
        label = r.label
        itype = _s(p.get("type"))
        src = f"line {number}"
        if itype == "message":
            role = p.get("role")
            role = role if isinstance(role, str) else "user"
            text = _content_text(p.get("content"), label, f"{base}/content")
            if role == "assistant":
                self._open_response(r)
                r.steps.append(Step(kind=StepKind.model_call, actor="assistant", content=text, model=r.model,
                                    timestamp=ts, source=src))
            else:
                r.response_first = None
                if role == "user":
                    title = "context" if text.lstrip().startswith(CONTEXT_MARKERS) else None
                    if title is None:
                        r.state, r.state_detail = "open", None
                else:
                    title = "instructions"
                r.steps.append(Step(kind=StepKind.message, actor=role, title=title, content=text, timestamp=ts, source=src))
        elif itype == "reasoning":
            self._open_response(r)
            summary = p.get("summary") or []
            expect(summary, list, label, f"{base}/summary", "the reasoning summary as a list")
            texts = [s.get("text") for s in summary if isinstance(s, dict) and isinstance(s.get("text"), str)]
            content = p.get("content")
            if isinstance(content, list):
                texts += [c.get("text") for c in content if isinstance(c, dict) and isinstance(c.get("text"), str)]
            text = "\n\n".join(texts) if texts else ("[encrypted reasoning]" if p.get("encrypted_content") else "")
            r.steps.append(Step(kind=StepKind.message, actor="assistant", title="reasoning", content=text, model=r.model,
                                timestamp=ts, source=src))
        elif itype in CALL_TYPES:
            self._open_response(r)
            cid = p.get("call_id", p.get("id"))
            cid = str(cid) if cid is not None else None
            if itype == "local_shell_call":
                action = p.get("action") if isinstance(p.get("action"), dict) else {}
                name, args = "local_shell", action
            elif itype == "custom_tool_call":
                name = expect(p.get("name"), str, label, f"{base}/name", "the tool name as a string")
                args = p.get("input")
            elif itype == "tool_search_call":
                name, args = "tool_search", p.get("arguments")
            else:
                name = expect(p.get("name"), str, label, f"{base}/name", "the function name as a string")
                args = parse_args(p.get("arguments"))
            kind = tool_kind(name)
            if itype == "local_shell_call":
                kind = StepKind.terminal_command
            cmd = command_text(name, args) if kind == StepKind.terminal_command else None
            r.steps.append(Step(kind=kind, actor="assistant", title=name,
                                content=cmd if cmd is not None else (text_or_json(args) if args is not None else ""),
                                tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid,
                                model=r.model, timestamp=ts, source=src))
        elif itype in OUTPUT_TYPES:
            # a tool runs while its response is still open: the response's token_count comes after the output
            cid = p.get("call_id")
            cid = str(cid) if cid is not None else None
            raw = p.get("output", p.get("tools"))
            text, is_err, dur = _output(raw, label, f"{base}/output")
            if p.get("status") == "failed":
                is_err = True
            step = Step(kind=StepKind.tool_result, actor="tool", content=text, tool_call_id=cid, is_error=is_err,
                        duration_s=dur, timestamp=ts, source=src)
            r.steps.append(step)
            if cid is not None:
                r.results[cid] = step
                if cid in r.pending_end:
                    err, d = r.pending_end.pop(cid)
                    step.is_error = step.is_error or err
                    step.duration_s = step.duration_s if step.duration_s is not None else d
        elif itype == "web_search_call":
            self._open_response(r)
            action = p.get("action")
            r.steps.append(Step(kind=StepKind.browser_event, actor="assistant", title="web search",
                                content=text_or_json(action) if action is not None else "", timestamp=ts, source=src))
        elif itype == "ghost_snapshot":
            r.skipped["ghost_snapshot items (git snapshots)"] += 1
        elif itype in ("compaction", "compaction_summary"):
            r.steps.append(Step(kind=StepKind.observation, actor="harness", title="compaction",
                                content="[encrypted compaction summary]", timestamp=ts, source=src))
        else:
            r.steps.append(Step(kind=StepKind.observation, actor=None, title=str(itype), content=text_or_json(p),
                                timestamp=ts, source=src))
            r.notes.add("some response items have types this reader does not know; shown as observations")

    def _event(self, r: _Rollout, p: dict, base: str, ts: Any, number: int, has_items: bool, output_ids: set[str]) -> None:
        label = r.label
        etype = _s(p.get("type"))
        src = f"line {number}"
        if etype == "token_count":
            info = p.get("info")
            if not isinstance(info, dict):
                r.skipped["token_count without usage (rate limits only)"] += 1
                return
            last, _ = _token_usage(info.get("last_token_usage"), label, f"{base}/info/last_token_usage")
            total, extra = _token_usage(info.get("total_token_usage"), label, f"{base}/info/total_token_usage")
            if total is not None:
                r.usage_total = total
                r.usage_extra = extra
            if last is not None and r.response_first is not None and r.response_first < len(r.steps):
                r.steps[r.response_first].usage = last
            elif last is not None:
                r.orphan_token_counts += 1
            r.response_first = None
        elif etype in DUPLICATE_EVENTS:
            if has_items:
                r.skipped[f"{etype} events (repeat response items)"] += 1
                if etype == "user_message":
                    r.state, r.state_detail = "open", None
                return
            text = p.get("message", p.get("text"))
            text = text if isinstance(text, str) else text_or_json(text)
            if etype == "user_message":
                r.response_first = None
                r.state, r.state_detail = "open", None
                r.steps.append(Step(kind=StepKind.message, actor="user", content=text, timestamp=ts, source=src))
            elif etype == "agent_message":
                self._open_response(r)
                r.steps.append(Step(kind=StepKind.model_call, actor="assistant", content=text, model=r.model,
                                    timestamp=ts, source=src))
            else:
                self._open_response(r)
                r.steps.append(Step(kind=StepKind.message, actor="assistant", title="reasoning", content=text,
                                    model=r.model, timestamp=ts, source=src))
        elif etype in ("task_started", "turn_started"):
            r.skipped["task_started events"] += 1
        elif etype in ("task_complete", "turn_complete"):
            r.state = "complete"
            msg = p.get("last_agent_message")
            r.last_agent_message = msg if isinstance(msg, str) else None
        elif etype == "turn_aborted":
            reason = p.get("reason")
            r.state, r.state_detail = "aborted", str(reason) if reason is not None else None
            r.steps.append(Step(kind=StepKind.observation, actor="harness", title="turn aborted",
                                content=str(reason) if reason is not None else "", timestamp=ts, source=src))
            r.response_first = None
        elif etype == "error":
            msg = p.get("message")
            text = msg if isinstance(msg, str) else text_or_json(p)
            r.state, r.state_detail = "error", text
            r.steps.append(Step(kind=StepKind.error, actor="harness", title="error", content=text, is_error=True,
                                timestamp=ts, source=src))
        elif etype in END_EVENTS:
            self._end_event(r, etype, p, ts, src, output_ids)
        elif etype in OBSERVED_EVENTS:
            if etype == "item_completed" and isinstance(p.get("item"), dict):
                content = text_or_json(p["item"].get("text", p["item"]))
            else:
                content = p.get("message") if isinstance(p.get("message"), str) else text_or_json(p)
            r.steps.append(Step(kind=StepKind.observation, actor="harness", title=str(etype), content=content,
                                timestamp=ts, source=src))
        else:
            r.skipped[f"{etype} events"] += 1

    def _end_event(self, r: _Rollout, etype: str, p: dict, ts: Any, src: str, output_ids: set[str]) -> None:
        cid = p.get("call_id")
        cid = str(cid) if cid is not None else None
        if etype == "exec_command_end":
            code = p.get("exit_code")
            failed = isinstance(code, int) and not isinstance(code, bool) and code != 0
            text = next((p[k] for k in ("aggregated_output", "formatted_output", "stdout") if isinstance(p.get(k), str) and p[k]), "")
            if not text and isinstance(p.get("stderr"), str):
                text = p["stderr"]
            if isinstance(code, int):
                text = f"exit code {code}\n{text}" if text else f"exit code {code}"
        elif etype == "patch_apply_end":
            failed = p.get("success") is False
            text = "\n".join(x for x in (p.get("stdout"), p.get("stderr")) if isinstance(x, str) and x)
        else:
            result = p.get("result")
            failed = isinstance(result, dict) and ("Err" in result or result.get("isError") is True)
            text = text_or_json(result) if result is not None else ""
        dur = _duration(p.get("duration"))
        if cid is not None and cid in output_ids:
            if cid in r.results:
                step = r.results[cid]
                step.is_error = step.is_error or failed
                if step.duration_s is None:
                    step.duration_s = dur
            else:
                r.pending_end[cid] = (failed, dur)
            r.skipped[f"{etype} events (merged into the tool result)"] += 1
            return
        r.steps.append(Step(kind=StepKind.tool_result, actor="tool", title=etype, content=text, tool_call_id=cid,
                            is_error=failed, duration_s=dur, timestamp=ts, source=src))

    # -- importer API ------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        r = self._read(path, label)
        sid = r.session_id or path.stem
        notes = r.notes
        if r.skipped:
            notes.add("lines or events not shown as steps: " + ", ".join(f"{k} ×{n}" for k, n in sorted(r.skipped.items())))
        if r.orphan_token_counts:
            notes.add(f"{r.orphan_token_counts} token_count event(s) follow no new model output; their usage is only in the total")
        steps = r.steps
        status, reason, error, submission = "incomplete", None, None, None
        answer = final_answer(steps)
        if r.events == 0:
            if answer is not None:
                status, submission = "completed", answer.content
            notes.add("no event_msg lines: the end of the session is judged from the last message")
        elif r.state == "complete":
            status = "completed"
            submission = r.last_agent_message if r.last_agent_message else (answer.content if answer else None)
        elif r.state == "error":
            status, error, reason = "error", r.state_detail, "error"
        elif r.state == "aborted":
            reason = f"turn aborted ({r.state_detail})" if r.state_detail else "turn aborted"
        else:
            notes.add("the last turn has no task_complete event: the session stops before it ended")
        deciding = None
        if submission:
            steps.append(Step(kind=StepKind.submission, actor="assistant", title="final answer", content=submission,
                              timestamp=answer.timestamp if answer else None,
                              source=answer.source if answer else None))
            deciding = len(steps)
        else:
            submission = None
        usage = r.usage_total
        if usage is None:
            for st in steps:
                usage = add_usage(usage, st.usage)
        metadata: dict[str, Any] = dict(r.meta)
        metadata.update({f"turn_{k}": (v[0] if len(v) == 1 else v) for k, v in r.turn_settings.items()})
        if r.usage_extra:
            metadata["usage_detail"] = r.usage_extra
        started, span = span_seconds(r.times)
        yield session_trace(
            session_id=sid, label=label, agent="codex", models=r.models, usage=usage, started=started,
            duration_s=span,
            status=status, termination_reason=reason, submission=submission, error=error,
            deciding_step=deciding, steps=steps, notes=notes.items, metadata=metadata,
        )

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        (trace,) = list(self.traces(path, label))
        env: dict[str, Any] = {}
        git = trace.metadata.get("git")
        if isinstance(git, dict):
            for k in ("commit_hash", "branch", "repository_url"):
                if isinstance(git.get(k), str):
                    env[f"git_{k}"] = git[k]
        for k in ("originator", "model_provider"):
            if isinstance(trace.metadata.get(k), str):
                env[k] = trace.metadata[k]
        abs_path = str(path.resolve())
        version = trace.metadata.get("cli_version")
        return [RunDraft(
            run_id=slug_hashed(trace.id),
            agent="codex",
            agent_name="Codex CLI",
            organisation="OpenAI",
            model=trace.model,
            harness="codex",
            harness_version=version if isinstance(version, str) else None,
            tasks=[trace.task_id],
            format=self.name,
            files=[abs_path],
            names={abs_path: path.name},
            formats={abs_path: self.name},
            environment=env,
            metadata={"session_id": trace.id},
        )]

