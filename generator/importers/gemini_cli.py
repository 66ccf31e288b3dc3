"""Gemini CLI saved sessions (``~/.gemini/tmp/<projectHash>/chats/session-*.json`` / ``.jsonl``).

Spec: ``google-gemini/gemini-cli`` ``packages/core/src/services/chatRecordingTypes.ts``
(``ConversationRecord``, ``MessageRecord``, ``ToolCallRecord``,
``TokensSummary``) and ``packages/core/src/services/chatRecordingService.ts``
(the writer, and ``loadConversationRecord`` for the JSON Lines form).

Two containers:

- ``.json`` (older CLI versions): one ``ConversationRecord``
  ``{sessionId, projectHash, startTime, lastUpdated, messages[], summary?,
  kind?, directories?}``;
- ``.jsonl`` (newer versions): a first metadata record
  ``{sessionId, projectHash, startTime, ...}``, then message records (an
  ``id`` each; a record whose id was seen before replaces that message in
  place), ``{"$set": {...}}`` metadata updates and ``{"$rewindTo": id}``
  records, which drop that message and every later one (as the CLI does when
  it loads the file; the dropped messages are counted in the notes).

Messages (``type`` ``user`` / ``gemini`` / ``info`` / ``warning`` / ``error``,
``content`` a string or a list of ``@google/genai`` parts, ``timestamp``):

- ``user`` -> ``message`` (actor ``user``);
- ``gemini`` -> ``model_call`` (actor ``assistant``; content = the
  ``thoughts`` as ``[thought] subject: description`` lines, then the text;
  ``model``; usage from ``tokens``), then per ``toolCalls`` entry a
  ``terminal_command`` (``run_shell_command``; content = the command) or
  ``tool_call`` with ``ToolCall(id, name, args)``, and a ``tool_result`` with
  the call's ``result`` (``functionResponse.response.output`` / ``error``, else
  the parts as JSON) followed by ``resultDisplay`` (what the CLI showed, e.g.
  the ``fileDiff`` of an edit) when it adds text; ``status`` ``error`` or
  ``cancelled`` -> ``is_error``;
- ``info`` / ``warning`` -> ``observation``; ``error`` -> ``error`` step.

Normalisations:

- **Usage** (``tokens`` = Gemini API ``usageMetadata``): ``input_tokens`` =
  ``input`` (``promptTokenCount``, which includes cached tokens) + ``tool``
  (``toolUsePromptTokenCount``); ``output_tokens`` = ``output``
  (``candidatesTokenCount``) + ``thoughts`` (``thoughtsTokenCount``), since the
  GenAI convention counts reasoning as output; ``total_tokens`` = ``total``.
  ``cached`` is summed in ``Trace.metadata``. No cost is recorded.
- **Timestamps** are ISO 8601 with ``Z`` (zone-less taken as UTC, noted);
  ``started_at`` = ``startTime``, ``duration_s`` = ``lastUpdated`` -
  ``startTime`` (else the span of the message timestamps).

Trace: ``id`` = ``task_id`` = ``sessionId``, trial 1, no benchmark, agent and
harness ``gemini-cli`` (the files carry no CLI version). ``status``: ``error``
when the last user/gemini/error message is an error (``Trace.error``),
``completed`` when it is a Gemini answer with text whose tool calls all
finished (the answer is the ``submission`` step and ``deciding_step``), else
``incomplete``. ``projectHash``, ``summary``, ``kind`` and ``directories`` go
to metadata.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import SNIFF_BYTES, add_usage, slug_hashed, text_or_json
from generator.importers._cli_common import (
    Notes,
    session_trace,
    command_text,
    int_field,
    iter_lines,
    parse_args,
    read_head_lines,
    timestamp,
    tool_kind,
)
from generator.jsonread import expect, load_json
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

MESSAGE_TYPES = {"user", "gemini", "info", "warning", "error"}
FINISHED = {"success", "error", "cancelled"}


def _parts_text(content: Any, label: str, place: str) -> str:
    """Text of a PartListUnion: a string, one Part, or a list of strings and Parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    expect(content, list, label, place, "content as a string or a list of parts")
    out = []
    for part in content:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                out.append(("[thought] " if part.get("thought") else "") + part["text"])
            elif isinstance(part.get("functionResponse"), dict):
                out.append(_function_response(part["functionResponse"]))
            elif isinstance(part.get("functionCall"), dict):
                out.append(text_or_json(part["functionCall"]))
            elif "inlineData" in part or "fileData" in part:
                data = part.get("inlineData") or part.get("fileData") or {}
                out.append(f"[{data.get('mimeType', 'file') if isinstance(data, dict) else 'file'}]")
            else:
                out.append(text_or_json(part))
        else:
            out.append(text_or_json(part))
    return "\n".join(out)


def _function_response(fr: dict) -> str:
    resp = fr.get("response")
    if isinstance(resp, dict):
        for key in ("output", "error", "content"):
            if key in resp:
                value = resp[key]
                return value if isinstance(value, str) else text_or_json(value)
    return text_or_json(resp) if resp is not None else ""


def _usage(tokens: Any, label: str, place: str) -> tuple[Usage | None, int]:
    if tokens is None:
        return None, 0
    expect(tokens, dict, label, place, "tokens as an object")
    inp = int_field(tokens, "input", label, place + "/input")
    out = int_field(tokens, "output", label, place + "/output")
    thoughts = int_field(tokens, "thoughts", label, place + "/thoughts")
    tool = int_field(tokens, "tool", label, place + "/tool")
    total = int_field(tokens, "total", label, place + "/total")
    cached = int_field(tokens, "cached", label, place + "/cached") or 0
    if inp is None and out is None and total is None:
        return None, cached
    return Usage(input_tokens=None if inp is None and tool is None else (inp or 0) + (tool or 0),
                 output_tokens=None if out is None and thoughts is None else (out or 0) + (thoughts or 0),
                 total_tokens=total), cached


class GeminiCli(Importer):
    name = "gemini-cli"
    title = "Gemini CLI saved session (JSON / JSONL)"
    spec = "google-gemini/gemini-cli packages/core/src/services/chatRecordingTypes.ts (ConversationRecord, MessageRecord)"
    patterns = ("session-*.json / session-*.jsonl with sessionId, projectHash, messages",)
    priority = 40

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            return "a folder; Gemini CLI sessions are single .json or .jsonl files"
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            values = read_head_lines(path, limit=1)
            if values and isinstance(values[0], dict) and isinstance(values[0].get("sessionId"), str) \
                    and "projectHash" in values[0] and "type" not in values[0]:
                return None
            return "first line is not a Gemini CLI session header (sessionId, projectHash)"
        if suffix != ".json":
            return "not a .json or .jsonl file"
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        if not re.match(rb'\s*\{\s*"(sessionId|projectHash)"\s*:', head):
            return 'first key is not "sessionId" or "projectHash"'
        if b'"projectHash"' in head and b'"messages"' in head:
            return None
        return "no projectHash and messages near the start"

    # -- reading -----------------------------------------------------------

    def _load(self, path: Path, label: str) -> tuple[dict, list[tuple[str, dict]], Notes]:
        """(metadata, [(source, message)], notes)."""
        notes = Notes()
        if path.suffix.lower() != ".jsonl":
            doc = expect(load_json(path, label), dict, label, "", "a Gemini CLI ConversationRecord object")
            messages = expect(doc.get("messages", []), list, label, "/messages", "messages as a list")
            out = []
            for i, m in enumerate(messages):
                out.append((f"/messages/{i}", expect(m, dict, label, f"/messages/{i}", "a message object")))
            meta = {k: v for k, v in doc.items() if k != "messages"}
            return meta, out, notes
        meta: dict[str, Any] = {}
        order: list[str] = []
        by_id: dict[str, tuple[str, dict]] = {}
        dropped = replaced = 0
        for number, value in iter_lines(path, label):
            rec = expect(value, dict, label, f"line {number}", "a JSON object per line")
            if isinstance(rec.get("$rewindTo"), str):
                target = rec["$rewindTo"]
                if target in by_id:
                    idx = order.index(target)
                    dropped += len(order) - idx
                    for mid in order[idx:]:
                        del by_id[mid]
                    del order[idx:]
                else:
                    dropped += len(order)
                    order, by_id = [], {}
            elif "$set" in rec:
                upd = expect(rec["$set"], dict, label, f"line {number}#/$set", "$set as an object")
                meta.update(upd)
            elif isinstance(rec.get("id"), str):
                mid = rec["id"]
                if mid in by_id:
                    replaced += 1
                else:
                    order.append(mid)
                by_id[mid] = (f"line {number}", rec)
            elif isinstance(rec.get("sessionId"), str):
                meta.update(rec)
            else:
                raise InputError(label, f"line {number}", "expected a session header, a message (id), $set or $rewindTo record")
        if dropped:
            notes.add(f"{dropped} message(s) were removed by $rewindTo records (the session was rewound); not shown")
        if replaced:
            notes.add(f"{replaced} message record(s) update an earlier message with the same id; the last version is shown")
        if isinstance(meta.get("messages"), list) and meta["messages"]:
            notes.add("a $set record carries a full message list; the message records are shown instead")
        meta.pop("messages", None)
        return meta, [by_id[mid] for mid in order], notes

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        meta, messages, notes = self._load(path, label)
        sid = meta.get("sessionId")
        sid = str(sid) if isinstance(sid, (str, int)) and str(sid) else path.stem
        steps: list[Step] = []
        models: list[str] = []
        usage: Usage | None = None
        cached = 0
        times = []
        unknown = Counter()
        last_kind: str | None = None
        last_text = ""
        last_open = False
        last_error: str | None = None
        answer_step: Step | None = None
        for src, m in messages:
            base = f"{src}#" if src.startswith("line") else src
            mtype = m.get("type")
            expect(mtype, str, label, base + "/type", "the message type as a string")
            ts = timestamp(m.get("timestamp"), label, base + "/timestamp", notes)
            if ts is not None:
                times.append(ts)
            text = _parts_text(m.get("content"), label, base + "/content")
            if mtype == "user":
                steps.append(Step(kind=StepKind.message, actor="user", content=text, timestamp=ts, source=src))
                last_kind, last_open = "user", False
            elif mtype == "gemini":
                model = m.get("model") if isinstance(m.get("model"), str) else None
                if model and model not in models:
                    models.append(model)
                u, c = _usage(m.get("tokens"), label, base + "/tokens")
                usage = add_usage(usage, u)
                cached += c
                thoughts = []
                raw_thoughts = m.get("thoughts") or []
                expect(raw_thoughts, list, label, base + "/thoughts", "thoughts as a list")
                for th in raw_thoughts:
                    if isinstance(th, dict):
                        subject, desc = th.get("subject"), th.get("description")
                        thoughts.append("[thought] " + ": ".join(str(x) for x in (subject, desc) if x))
                    else:
                        thoughts.append("[thought] " + text_or_json(th))
                content = "\n".join(thoughts + ([text] if text else []))
                step = Step(kind=StepKind.model_call, actor="assistant", content=content, model=model, usage=u,
                            timestamp=ts, source=src)
                steps.append(step)
                answer_step = step if text.strip() else None
                last_kind, last_text, last_open = "gemini", text, False
                calls = m.get("toolCalls") or []
                expect(calls, list, label, base + "/toolCalls", "toolCalls as a list")
                for j, call in enumerate(calls):
                    cplace = f"{base}/toolCalls/{j}"
                    expect(call, dict, label, cplace, "a tool call object")
                    name = expect(call.get("name"), str, label, cplace + "/name", "the tool name as a string")
                    args = parse_args(call.get("args"))
                    cid = str(call["id"]) if call.get("id") is not None else None
                    cts = timestamp(call.get("timestamp"), label, cplace + "/timestamp", notes) or ts
                    kind = tool_kind(name)
                    cmd = command_text(name, args) if kind == StepKind.terminal_command else None
                    display = call.get("displayName")
                    steps.append(Step(kind=kind, actor="assistant", title=display if isinstance(display, str) and display else name,
                                      content=cmd if cmd is not None else (text_or_json(args) if args is not None else ""),
                                      tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid,
                                      model=model, timestamp=cts, source=f"{base}/toolCalls/{j}"))
                    status = call.get("status")
                    result = call.get("result")
                    if result is not None or status in FINISHED:
                        rtext = _parts_text(result, label, cplace + "/result") if result is not None else ""
                        disp = call.get("resultDisplay")
                        if isinstance(disp, dict) and isinstance(disp.get("fileDiff"), str):
                            disp = disp["fileDiff"]  # edits: the diff the CLI showed (the result only says "ok")
                        if disp is not None:
                            dtext = disp if isinstance(disp, str) else text_or_json(disp)
                            if dtext.strip() and dtext.strip() not in rtext:
                                rtext = f"{rtext}\n\n{dtext}" if rtext else dtext
                        steps.append(Step(kind=StepKind.tool_result, actor="tool", title=name, content=rtext,
                                          tool_call_id=cid, is_error=status in ("error", "cancelled"), timestamp=cts,
                                          source=f"{base}/toolCalls/{j}/result"))
                    else:
                        last_open = True
                    answer_step = None if calls else answer_step
            elif mtype == "error":
                steps.append(Step(kind=StepKind.error, actor="harness", content=text, is_error=True, timestamp=ts, source=src))
                last_kind, last_error = "error", text
            elif mtype in ("info", "warning"):
                steps.append(Step(kind=StepKind.observation, actor="harness", title=mtype, content=text, timestamp=ts,
                                  source=src))
            else:
                unknown[mtype] += 1
                steps.append(Step(kind=StepKind.observation, actor=None, title=mtype, content=text or text_or_json(m),
                                  timestamp=ts, source=src))
        if unknown:
            notes.add("messages of unknown types shown as observations: " + ", ".join(f"{k} ×{n}" for k, n in sorted(unknown.items())))

        status, error, submission, deciding, reason = "incomplete", None, None, None, None
        if last_kind == "error":
            status, error, reason = "error", last_error, "error"
        elif last_kind == "gemini" and not last_open and answer_step is not None:
            status, submission = "completed", last_text
            steps.append(Step(kind=StepKind.submission, actor="assistant", title="final answer", content=last_text,
                              timestamp=answer_step.timestamp, source=answer_step.source))
            deciding = len(steps)
        elif last_kind == "user":
            notes.add("the session ends with a user message and no reply")
        elif last_kind is None:
            notes.add("no messages: the session is empty")
        else:
            notes.add("the session ends with tool calls and no final answer")

        start = timestamp(meta.get("startTime"), label, "/startTime", notes) if meta.get("startTime") is not None else None
        end = timestamp(meta.get("lastUpdated"), label, "/lastUpdated", notes) if meta.get("lastUpdated") is not None else None
        times.sort()
        started = start or (times[0] if times else None)
        finished = end or (times[-1] if times else None)
        metadata: dict[str, Any] = {}
        for key in ("projectHash", "summary", "kind", "directories", "startTime", "lastUpdated", "activeExtensionName"):
            if meta.get(key) is not None:
                metadata[key] = meta[key]
        if cached:
            metadata["cached_tokens"] = cached
        yield session_trace(
            session_id=sid, label=label, agent="gemini-cli", models=models, usage=usage, started=started,
            duration_s=(finished - started).total_seconds() if started and finished and finished >= started else None,
            pointer="/messages" if path.suffix.lower() != ".jsonl" else "line 1",
            status=status, termination_reason=reason, submission=submission, error=error,
            deciding_step=deciding, steps=steps, notes=notes.items, metadata=metadata,
        )

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        (trace,) = list(self.traces(path, label))
        abs_path = str(path.resolve())
        return [RunDraft(
            run_id=slug_hashed(trace.id),
            agent="gemini-cli",
            agent_name="Gemini CLI",
            organisation="Google",
            model=trace.model,
            harness="gemini-cli",
            tasks=[trace.task_id],
            format=self.name,
            files=[abs_path],
            names={abs_path: path.name},
            formats={abs_path: self.name},
            metadata={"session_id": trace.id} | ({"projectHash": trace.metadata["projectHash"]}
                                                 if "projectHash" in trace.metadata else {}),
        )]

