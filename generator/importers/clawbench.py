"""ClawBench (TIGER-AI-Lab / NAIL-Group): run folders and the leaderboard ``results.csv``.

Spec sources (read from the public repositories; there is no machine-readable
schema for run files): ``TIGER-AI-Lab/ClawBench``
``src/clawbench/runtime/runtime-server/server.py`` (writer of ``actions.jsonl``,
``requests.jsonl``, ``interception.json``),
``src/clawbench/runner/run_support/results.py`` (stop reasons,
``ensure_interception``), ``src/clawbench/runner/judge_llm.py`` and
``src/clawbench/eval/rescore.py`` (``judge.json`` / ``judge_llm.json``,
``rescore-summary.json``), ``src/clawbench/runtime/harnesses/hermes/run-hermes.sh``
and ``hermes-capture.py`` (hermes ``agent-messages.jsonl`` and the
``agent-stdout.log``/``agent-stderr.log`` copies), ``AGENTS.md`` (run layout,
per-harness transcript shapes), ``eval/scoring.md`` (two-stage scoring, the
leaderboard row ``model,harness,dataset,passed,total,pass_rate[,reward_rate],wall_hours``)
and ``reacher-z/ClawBench`` ``docs/data_format.md`` (field tables),
``leaderboard/README.md`` (V1 ``<model>-eval-results.csv``). The task file
schema is ``test-cases/task.schema.json``.

Inputs
------
- **A run folder** (one task attempt): ``<run>/{run-meta.json?, eval-schema.json?,
  judge_llm.json?, judge.json?, data/{agent-messages.jsonl, actions.jsonl,
  requests.jsonl, interception.json, judge.json?, agent-stdout.log?,
  agent-stderr.log?, usage.jsonl?, screenshots/, recording.mp4}}``; the files may
  also sit directly in the run folder (no ``data/``). A ``task.json`` copied into
  the run folder is read for the task number, instruction and expected
  ``eval_schema`` (``metadata``); the task id is ``run-meta.json`` ``test_case``,
  else the judge file's ``test_case``, else the run folder name without harness
  prefix and timestamp.
- **A batch folder** whose sub-folders are all run folders (``test-output/<model>/``):
  one run with one trace per run folder; its ``rescore-summary.json`` (if any)
  gives the declared scores.
- **``results.csv``** (leaderboard, one row per model × harness × corpus) and the
  V1 per-model ``<model>-eval-results.csv`` (``task_id, task_name, model, pass,
  brief_justification``): metadata and declared scores only, no traces.

Anything else (``task.json`` and the JSON Schemas on their own) is refused.

Normalisations
--------------
- **Timestamps**: ``actions.jsonl`` ``timestamp`` is epoch **milliseconds**
  (``Date.now()``); ``requests.jsonl`` and the hermes live capture use epoch
  **seconds** (``time.time()``); OpenClaw/Pi transcripts carry ISO 8601 strings
  (or ms numbers); any other number is read as ms when above 1e11, else seconds.
  ``run-meta.json`` ``timestamp`` (``YYYYMMDD-HHMMSS``, written in UTC without a
  zone marker) becomes ``Trace.started_at`` with a note. All become aware UTC.
- **Trial**: run folders named ``<harness>-<case>-<model>-<YYYYMMDD-HHMMSS>`` that
  differ only in the timestamp are attempts at the same task: numbered 1, 2, …
  in time order (1 when the name has no timestamp).
- **Order**: steps from the transcript, the DOM events and the requests are
  merged by timestamp (stable; an entry without a time keeps its place after
  the previous entry of the same file; a transcript with no times at all is
  placed first, with a note).
- **Steps**: transcript lines per harness shape (hermes live capture and session
  export, OpenClaw/Pi ``message`` records, Claude Code stream-json; other shapes
  are shown raw as ``message`` steps and counted in the notes) → ``message``,
  ``tool_call`` (``ToolCall`` with parsed arguments), ``tool_result``
  (``tool_call_id``, ``is_error``); each DOM event → ``browser_event``; each
  request → ``api_call``, except GET requests for static resources (CDP
  resource type Image/Stylesheet/Script/Font/Media/…), which are counted per
  type in the notes; the two agent logs → one ``observation`` step each
  (clipped to 20,000 characters, head and tail kept); ``interception.json`` →
  a ``submission`` step (the intercepted request: ``Trace.submission``) or,
  when nothing was intercepted, an ``observation`` step with the stop reason
  (an ``error`` step for infrastructure stop reasons); the judge verdict → a
  final ``score`` step that is ``Trace.deciding_step``.
- **Secrets**: request headers are never shown (they carry cookies and
  authorization); credential-like keys in request bodies, query parameters,
  the intercepted request, tool-call arguments and URL query strings are
  replaced by ``[REDACTED:credential-field]``, and so are ``password: …`` lines in
  the transcript (the hermes harness writes the webmail credentials into the
  prompt); DOM ``input``/``change`` values typed into password-like
  fields are redacted; ``email_used``, ``personal_info`` and API keys in
  ``run-meta.json`` are never copied. The notes count every redaction. E-mail
  addresses in requests (the benchmark's disposable accounts) are left to the
  site's own personal-data redaction (``generator/redact.py``).
- **Score**: ``final_pass = intercepted AND judge match is True`` (scoring.md):
  1.0 or 0.0. The lenient judge (``judge_llm.json``, the leaderboard default)
  is used when present, else ``judge.json``; a ``match: null`` or judge error
  counts as 0. Not intercepted → 0.0 from ``interception.json``. Intercepted but
  never judged → ``run-meta.json`` ``final_pass`` when present, else no score.
- **Status**: infrastructure stop reasons (``chrome_cdp_timeout``,
  ``*_failed``, ``missing_harness``, ``run-meta`` ``infra_failure``) → error;
  ``time_limit_exceeded`` → limit; an intercepted request or the agent
  stopping (idle, exited) → completed; no ``interception.json`` → incomplete.
- **Usage**: per step from the transcript where it carries usage; per trace from
  ``run-meta.json`` ``usage``, else the sum of ``usage.jsonl``, else the sum
  of the steps. Duration: ``run-meta`` ``duration_seconds``, else the span of
  the timestamps.
- **Recording**: ``recording.mp4`` (and screenshots) are never copied into the
  run: drafts list their name, size and sha256 in ``metadata`` and leave them
  out of ``files``.
- **Drafts**: ``run_id`` = the run folder's name (one attempt) or the batch
  folder's (``batch-<ts>-<model>`` when it sits in a ``batch-*`` folder);
  ``names`` keep the run folder (``<run>/data/actions.jsonl``) so that run
  folders can be merged into one run with ``--run``; benchmark =
  ``clawbench-v2`` for ``v2-…`` cases, ``clawbench-v1`` for numbered V1 cases.
- **Agent id** = ``<harness>-<model>`` (the registry binds an agent id to its
  models); ``agent_name`` = ``<harness> (<model>)``; ``harness`` = the harness.
- **V1 eval CSV**: ``declared.overall`` = mean of ``pass``; the per-task
  pass/fail goes to ``metadata.task_results`` (a declared per-task score needs
  a trace, and the CSV has none).
- **results.csv**: ``pass_rate``/``reward_rate`` are percentages (a value ≤ 1
  that equals ``passed/total`` is taken as a fraction); ``declared.overall`` is
  ``reward_rate`` (Stage 2) when filled, else ``pass_rate``, divided by 100.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import add_usage
from generator.importers._webutil import (
    REDACTED,
    clip,
    dumps,
    finite_num,
    is_secret_key,
    is_static_resource,
    parse_time,
    redact,
    redact_url,
    sha256_file,
    slug,
    url_title,
)
from generator.jsonread import expect, iter_jsonl, load_json, pointer
from generator.model import DeclaredScores, RunDraft, Step, StepKind, ToolCall, Trace, Usage

DATA_FILES = ("interception.json", "agent-messages.jsonl", "actions.jsonl", "requests.jsonl")
JUDGE_FILES = ("judge_llm.json", "judge.json")
MEDIA_SUFFIXES = {".mp4", ".webm", ".mkv", ".mov", ".png", ".jpg", ".jpeg", ".webp", ".gif"}
BATCH_FILES = ("rescore-summary.json", "batch-summary.json")
LOG_FILES = ("agent-stdout.log", "agent-stderr.log")
LOG_LIMIT = 20_000
BODY_LIMIT = 4_000
TEXT_LIMIT = 20_000
SNIFF_BYTES = 64 * 1024

HARNESSES = (
    "claude-code-chrome-extension", "claude-code", "claw-code", "browser-use", "steel-browser",
    "browserbase", "openclaw", "opencode", "webbrain", "hermes", "harbor", "codex", "null", "pi",
)
INFRA_STOP_REASONS = {
    "chrome_cdp_timeout", "gateway_failed", "opencode_failed", "claude_code_failed", "codex_failed",
    "browser_use_failed", "hermes_failed", "pi_failed", "proxy_failed", "missing_harness",
    "agent_browser_cdp_failed", "harbor_failed",
}
LIMIT_STOP_REASONS = {"time_limit_exceeded"}
RESULTS_COLUMNS = {"model", "harness", "dataset"}
V1_EVAL_COLUMNS = {"task_id", "model", "pass"}
_RUN_TS = re.compile(r"-(\d{8}-\d{6})$")
_HERMES_LIVE = {"reasoning", "thinking", "tool_use", "tool_result", "tool_started", "tool_completed"}


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _layout(folder: Path) -> tuple[Path, Path] | None:
    """``(run root, data folder)`` when ``folder`` is a run folder (or its ``data/``)."""
    try:
        data = folder / "data"
        if data.is_dir() and any((data / n).is_file() for n in DATA_FILES):
            return folder, data
        if any((folder / n).is_file() for n in DATA_FILES):
            if folder.name == "data":  # the data folder of the run folder above it
                return folder.parent, folder
            return folder, folder
    except OSError:
        return None
    return None


def _is_run(folder: Path) -> bool:
    lay = _layout(folder)
    if lay is None:
        return False
    _, data = lay
    present = [n for n in DATA_FILES if (data / n).is_file()]
    if "interception.json" in present:
        try:
            doc = load_json(data / "interception.json")
        except InputError:
            return len(present) >= 2
        return isinstance(doc, dict) and "intercepted" in doc
    return len(present) >= 2


def _judge_path(root: Path, data: Path, name: str) -> Path | None:
    for folder in (root, data):
        if (folder / name).is_file():
            return folder / name
    return None


def _anchor(root: Path, data: Path) -> Path | None:
    """The one file of a run whose ``traces`` yields the run's trace."""
    for name in DATA_FILES:
        if (data / name).is_file():
            return data / name
    for name in (*JUDGE_FILES, "run-meta.json"):
        p = _judge_path(root, data, name)
        if p is not None:
            return p
    return None


def _run_of_file(path: Path) -> tuple[Path, Path] | None:
    for folder in (path.parent, path.parent.parent):
        lay = _layout(folder)
        if lay is not None and path.resolve().is_relative_to(lay[0].resolve()):
            return lay
    return None


def _child_runs(folder: Path) -> list[Path]:
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [c for c in children if _is_run(c)]


def _is_batch(folder: Path) -> bool:
    """A folder whose sub-folders are all ClawBench run folders (at least one) and whose
    only files are batch summaries."""
    try:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError:
        return False
    children = [p for p in entries if p.is_dir()]
    if any(p.is_file() and p.name not in BATCH_FILES for p in entries):
        return False  # other files beside the runs: let the import command walk the folder
    return bool(children) and all(_is_run(c) for c in children)


def _sibling_label(label: str, anchor: Path, other: Path) -> str:
    rel = os.path.relpath(other, anchor.parent)
    return os.path.normpath(str(PurePosixPath(label).parent / rel)).replace(os.sep, "/")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    n = finite_num(value)
    return int(n) if n is not None else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return dumps(value)


def _scrub(value: Any) -> Any:
    """Drop credential and personal keys from a metadata dict (recursively)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                continue
            low = k.lower()
            if (is_secret_key(k) and not low.endswith(("_count", "_sha256"))) or "email" in low \
                    or low in ("personal_info", "api_keys"):
                continue
            out[k] = _scrub(v)
        return out
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _agent_id(harness: str | None, model: str | None) -> str | None:
    """Agent id = harness + model (the registry binds an agent id to its models)."""
    if not harness:
        return None
    return slug(f"{harness}-{model.split('/')[-1]}" if model else harness)


def _agent_name(harness: str | None, model: str | None) -> str | None:
    if not harness:
        return None
    return f"{harness} ({model})" if model else harness


def _harness_from_name(name: str) -> str | None:
    for h in HARNESSES:
        if name == h or name.startswith(h + "-"):
            return h
    return None


def _benchmark_of(test_case: str | None, folder: str) -> tuple[str, str | None]:
    probe = test_case or ""
    if probe.startswith("v2-") or "-v2-" in folder or folder.startswith("v2-"):
        return "clawbench-v2", "v2"
    if re.match(r"^\d{1,4}-", probe):
        return "clawbench-v1", "v1"
    if probe.startswith("claw-eval") or "claw-eval" in folder:
        return "clawbench-claw-eval", None
    return "clawbench", None


def _task_from_folder(name: str) -> str:
    """Best-effort task id from ``<harness>-<case>-<model>-<YYYYMMDD-HHMMSS>``."""
    base = _RUN_TS.sub("", name)
    h = _harness_from_name(base)
    if h:
        base = base[len(h) + 1:]
    return base or name


def _trial_of(root: Path) -> int:
    """1 + the number of sibling run folders of the same harness, task and model that started
    earlier (names that differ only in the ``-YYYYMMDD-HHMMSS`` suffix); 1 when the name has none."""
    m = _RUN_TS.search(root.name)
    if not m:
        return 1
    base = root.name[: m.start()]
    stamps = []
    try:
        for p in root.parent.iterdir():
            other = _RUN_TS.search(p.name)
            if other and p.name[: other.start()] == base and p.is_dir():
                stamps.append(other.group(1))
    except OSError:
        return 1
    stamps.sort()
    return stamps.index(m.group(1)) + 1 if m.group(1) in stamps else 1


def _usage_from(obj: Any) -> Usage | None:
    """Token usage from the many spellings harnesses use."""
    if not isinstance(obj, dict):
        return None

    def first(*keys: str) -> float | None:
        for k in keys:
            v = finite_num(obj.get(k))
            if v is not None:
                return v
        return None

    inp = first("input_tokens", "input", "prompt_tokens", "inputTokens")
    out = first("output_tokens", "output", "completion_tokens", "outputTokens")
    total = first("total_tokens", "totalTokens", "total")
    cost = first("estimated_cost_usd", "total_cost_usd", "cost_usd")
    c = obj.get("cost")
    if cost is None and isinstance(c, dict):
        cost = finite_num(c.get("total"))
    elif cost is None:
        cost = finite_num(c)
    if inp is None and out is None and total is None and cost is None:
        return None
    return Usage(input_tokens=_int(inp), output_tokens=_int(out), total_tokens=_int(total), cost_usd=cost)


def _parse_args(args: Any) -> Any:
    if isinstance(args, str):
        try:
            return orjson.loads(args)
        except orjson.JSONDecodeError:
            return args
    return args


def _looks_error(content: Any) -> bool:
    value = _parse_args(content) if isinstance(content, str) else content
    if isinstance(value, dict):
        if value.get("success") is False or value.get("ok") is False:
            return True
        err = value.get("error")
        return bool(err) and err is not None
    return False


def _read_json_opt(path: Path | None, label: str) -> Any:
    if path is None or not path.is_file():
        return None
    return load_json(path, label)


# --------------------------------------------------------------------------
# Trace builder (one run folder)
# --------------------------------------------------------------------------


class _Run:
    def __init__(self, root: Path, data: Path, anchor: Path, label: str):
        self.root, self.data, self.anchor, self.label = root, data, anchor, label
        self.items: list[tuple[float | None, int, int, Step]] = []
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}
        self.naive = False
        self.model: str | None = None
        self.step_usage = Usage()
        self.meta_from_messages: dict[str, Any] = {}
        self.tool_names: dict[str, str] = {}
        self.first_ts: Any = None
        self.last_ts: Any = None
        self.logs: list[Step] = []
        self.static: dict[str, int] = {}

    # -- plumbing ----------------------------------------------------------

    def lab(self, path: Path) -> str:
        return _sibling_label(self.label, self.anchor, path)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def ts(self, value: Any, unit: str | None) -> Any:
        ts, naive = parse_time(value, unit)
        if naive:
            self.naive = True
        if ts is not None:
            if self.first_ts is None or ts < self.first_ts:
                self.first_ts = ts
            if self.last_ts is None or ts > self.last_ts:
                self.last_ts = ts
        return ts

    def add(self, stream: int, step: Step) -> None:
        if stream == 0:
            step.content = _scrub_text(step.content, self)
            if step.tool_call is not None and isinstance(step.tool_call.arguments, (dict, list)):
                args, n = redact(step.tool_call.arguments)
                if n:
                    self.count("credential-like tool arguments redacted", n)
                    step.tool_call.arguments = args
                    step.content = dumps(args, indent=True)
        key = step.timestamp.timestamp() if step.timestamp else None
        self.items.append((key, stream, len(self.items), step))
        if step.usage is not None:
            self.step_usage = add_usage(self.step_usage, step.usage)

    # -- agent messages ----------------------------------------------------

    def read_messages(self, path: Path) -> None:
        label = self.lab(path)
        rel = self.rel(path)
        for number, rec in iter_jsonl(path, label):
            src = f"{rel} line {number}"
            expect(rec, dict, label, f"line {number}", "a JSON object per line")
            self._message(rec, src, label, number)

    def _message(self, rec: dict, src: str, label: str, number: int) -> None:
        kind = rec.get("type")
        msg = rec.get("message")
        if kind in ("session_meta", "session", "system") and not isinstance(msg, dict):
            for key in ("model", "provider", "session_id", "id", "version", "platform", "cwd"):
                if isinstance(rec.get(key), (str, int)) and key not in self.meta_from_messages:
                    self.meta_from_messages[key] = rec[key]
            if isinstance(rec.get("model"), str) and rec["model"]:
                self.model = self.model or rec["model"]
            if kind == "system" and rec.get("subtype") not in (None, "init"):
                self._raw(rec, src, "system")
            return
        if "seq" in rec and kind in _HERMES_LIVE:
            self._hermes_live(rec, src)
        elif kind == "message" and isinstance(msg, dict):
            self._pi_message(rec, msg, src, label, number)
        elif kind == "message_end" and isinstance(msg, dict):
            self._pi_message(rec, msg, src, label, number)
        elif kind in ("message_start", "message_update", "tool_execution_start", "tool_execution_update",
                      "tool_execution_end"):
            self.count(f"'{kind}' events (duplicates of the complete message/tool records)")
        elif kind == "message" and isinstance(rec.get("role"), str):
            self._openai_message(rec, src)
        elif kind in ("assistant", "user") and isinstance(msg, dict):
            self._claude_message(kind, rec, msg, src)
        elif kind == "result" and ("result" in rec or "total_cost_usd" in rec or "usage" in rec):
            self._claude_result(rec, src)
        elif kind == "hermes_log":
            stream = rec.get("stream") if isinstance(rec.get("stream"), str) else "log"
            self.add(0, Step(kind=StepKind.observation, actor="harness", title=f"hermes {stream}",
                             content=clip(_text(rec.get("content")), LOG_LIMIT)[0], source=src))
        elif isinstance(rec.get("role"), str) and ("content" in rec or "tool_calls" in rec):
            self._openai_message(rec, src)
        else:
            self._raw(rec, src, kind if isinstance(kind, str) else None)

    def _raw(self, rec: dict, src: str, kind: str | None) -> None:
        self.count("agent-messages lines in a shape this importer does not interpret (shown raw)")
        ts = self.ts(rec.get("timestamp"), None)
        self.add(0, Step(kind=StepKind.message, actor="agent", timestamp=ts, title=kind or "record",
                         content=clip(dumps(rec, indent=True), TEXT_LIMIT)[0], source=src))

    def _tool_call(self, call_id: Any, name: Any, args: Any, ts: Any, src: str, model: str | None) -> Step:
        fname = name if isinstance(name, str) and name else "tool"
        cid = str(call_id) if isinstance(call_id, (str, int)) and call_id != "" else None
        parsed = _parse_args(args)
        if cid:
            self.tool_names[cid] = fname
        content = parsed if isinstance(parsed, str) else dumps(parsed, indent=True) if parsed is not None else ""
        return Step(kind=StepKind.tool_call, actor="assistant", timestamp=ts, title=fname,
                    content=clip(content, TEXT_LIMIT)[0], tool_call=ToolCall(id=cid, function=fname, arguments=parsed),
                    tool_call_id=cid, model=model, source=src)

    def _tool_result(self, call_id: Any, name: Any, content: Any, is_error: bool, ts: Any, src: str) -> Step:
        cid = str(call_id) if isinstance(call_id, (str, int)) and call_id != "" else None
        title = name if isinstance(name, str) and name else (self.tool_names.get(cid or "") or None)
        return Step(kind=StepKind.tool_result, actor="tool", timestamp=ts, title=title,
                    content=clip(_content_text(content), TEXT_LIMIT)[0], tool_call_id=cid, is_error=is_error,
                    source=src)

    def _hermes_live(self, rec: dict, src: str) -> None:
        kind = rec["type"]
        ts = self.ts(rec.get("timestamp"), "s")
        if kind in ("reasoning", "thinking"):
            text = rec.get("reasoning") if kind == "reasoning" else rec.get("content")
            self.add(0, Step(kind=StepKind.message, actor="assistant", timestamp=ts, title=kind,
                             content=clip(_text(text), TEXT_LIMIT)[0], model=self.model, source=src))
        elif kind == "tool_use":
            calls = rec.get("tool_calls")
            if isinstance(calls, list) and calls:
                for j, call in enumerate(calls):
                    if not isinstance(call, dict):
                        continue
                    fn = call.get("function") if isinstance(call.get("function"), dict) else {}
                    self.add(0, self._tool_call(call.get("id"), fn.get("name") or rec.get("tool_name"),
                                                fn.get("arguments", rec.get("arguments")), ts,
                                                f"{src} /tool_calls/{j}", self.model))
            else:
                self.add(0, self._tool_call(rec.get("tool_call_id"), rec.get("tool_name"), rec.get("arguments"),
                                            ts, src, self.model))
        elif kind == "tool_result":
            content = rec.get("content")
            self.add(0, self._tool_result(rec.get("tool_call_id"), rec.get("tool_name"), content,
                                          _looks_error(content), ts, src))
        else:  # tool_started / tool_completed progress events repeat tool_use / tool_result
            self.count("hermes tool progress events (duplicates of tool_use/tool_result)")

    def _openai_message(self, rec: dict, src: str) -> None:
        """Hermes session export rows and other OpenAI-style chat messages."""
        role = rec["role"]
        ts = self.ts(rec.get("timestamp"), None)
        model = rec.get("model") if isinstance(rec.get("model"), str) else self.model
        if role == "tool":
            content = rec.get("content")
            self.add(0, self._tool_result(rec.get("tool_call_id"), rec.get("name") or rec.get("tool_name"),
                                          content, _looks_error(content), ts, src))
            return
        steps: list[Step] = []
        reasoning = rec.get("reasoning") or rec.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning.strip():
            steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, title="reasoning",
                              content=clip(reasoning, TEXT_LIMIT)[0], model=model if role == "assistant" else None,
                              source=src))
        text = _content_text(rec.get("content"))
        calls = rec.get("tool_calls") if isinstance(rec.get("tool_calls"), list) else []
        if text.strip() or not calls:
            steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, content=clip(text, TEXT_LIMIT)[0],
                              model=model if role == "assistant" else None, source=src))
        for j, call in enumerate(calls):
            if isinstance(call, dict):
                fn = call.get("function") if isinstance(call.get("function"), dict) else call
                steps.append(self._tool_call(call.get("id"), fn.get("name"), fn.get("arguments"), ts,
                                             f"{src} /tool_calls/{j}", model))
        usage = _usage_from(rec.get("usage"))
        if steps and usage is not None:
            steps[0].usage = usage
        for s in steps:
            self.add(0, s)

    def _pi_message(self, rec: dict, msg: dict, src: str, label: str, number: int) -> None:
        """OpenClaw session records and Pi ``message_end`` events."""
        role = msg.get("role")
        if not isinstance(role, str):
            raise InputError(label, f"line {number}", "expected message.role (user, assistant or toolResult)")
        ts = self.ts(rec.get("timestamp") if rec.get("timestamp") is not None else msg.get("timestamp"), None)
        model = msg.get("model") if isinstance(msg.get("model"), str) else self.model
        if role == "assistant" and isinstance(msg.get("model"), str):
            self.model = self.model or msg["model"]
        content = msg.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": _text(content)}]
        if role == "toolResult":
            self.add(0, self._tool_result(msg.get("toolCallId"), msg.get("toolName"), blocks,
                                          bool(msg.get("isError")), ts, src))
            return
        steps: list[Step] = []
        for j, block in enumerate(blocks):
            bsrc = f"{src} /message/content/{j}"
            if not isinstance(block, dict):
                steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, content=_text(block), source=bsrc))
                continue
            btype = block.get("type")
            if btype == "text":
                steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts,
                                  content=clip(_text(block.get("text")), TEXT_LIMIT)[0],
                                  model=model if role == "assistant" else None, source=bsrc))
            elif btype == "thinking":
                steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, title="thinking",
                                  content=clip(_text(block.get("thinking")), TEXT_LIMIT)[0], model=model,
                                  source=bsrc))
            elif btype == "toolCall":
                steps.append(self._tool_call(block.get("id"), block.get("name"), block.get("arguments"), ts, bsrc,
                                             model))
            elif btype == "image":
                steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, content="[image]", source=bsrc))
            else:
                steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, title=str(btype),
                                  content=clip(dumps(block), TEXT_LIMIT)[0], source=bsrc))
        if not steps:
            steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, content="", source=src))
        err = msg.get("errorMessage")
        if isinstance(err, str) and err:
            steps.append(Step(kind=StepKind.error, actor=role, timestamp=ts, title="model error", content=err,
                              is_error=True, source=src))
        usage = _usage_from(msg.get("usage"))
        if usage is not None:
            steps[0].usage = usage
        for s in steps:
            self.add(0, s)

    def _claude_message(self, kind: str, rec: dict, msg: dict, src: str) -> None:
        ts = self.ts(rec.get("timestamp"), None)
        model = msg.get("model") if isinstance(msg.get("model"), str) else self.model
        if kind == "assistant" and isinstance(msg.get("model"), str):
            self.model = self.model or msg["model"]
        content = msg.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": _text(content)}]
        steps: list[Step] = []
        for j, block in enumerate(blocks):
            bsrc = f"{src} /message/content/{j}"
            btype = block.get("type") if isinstance(block, dict) else None
            if btype == "text":
                steps.append(Step(kind=StepKind.message, actor=kind, timestamp=ts,
                                  content=clip(_text(block.get("text")), TEXT_LIMIT)[0],
                                  model=model if kind == "assistant" else None, source=bsrc))
            elif btype == "thinking":
                steps.append(Step(kind=StepKind.message, actor=kind, timestamp=ts, title="thinking",
                                  content=clip(_text(block.get("thinking")), TEXT_LIMIT)[0], model=model, source=bsrc))
            elif btype == "tool_use":
                steps.append(self._tool_call(block.get("id"), block.get("name"), block.get("input"), ts, bsrc, model))
            elif btype == "tool_result":
                steps.append(self._tool_result(block.get("tool_use_id"), None, block.get("content"),
                                               bool(block.get("is_error")), ts, bsrc))
            else:
                steps.append(Step(kind=StepKind.message, actor=kind, timestamp=ts, title=str(btype),
                                  content=clip(dumps(block), TEXT_LIMIT)[0], source=bsrc))
        usage = _usage_from(msg.get("usage"))
        if steps and usage is not None and kind == "assistant":
            steps[0].usage = usage
        for s in steps:
            self.add(0, s)

    def _claude_result(self, rec: dict, src: str) -> None:
        ts = self.ts(rec.get("timestamp"), None)
        is_error = bool(rec.get("is_error"))
        self.meta_from_messages["result"] = {k: rec[k] for k in ("subtype", "num_turns", "duration_ms",
                                                                 "total_cost_usd") if k in rec}
        self.add(0, Step(kind=StepKind.error if is_error else StepKind.message, actor="assistant", timestamp=ts,
                         title=f"result ({rec.get('subtype')})" if rec.get("subtype") else "result",
                         content=clip(_text(rec.get("result")), TEXT_LIMIT)[0], is_error=is_error,
                         duration_s=(finite_num(rec.get("duration_ms")) or 0) / 1000 or None, source=src))

    # -- browser actions ---------------------------------------------------

    def read_actions(self, path: Path) -> None:
        label = self.lab(path)
        rel = self.rel(path)
        for number, rec in iter_jsonl(path, label):
            expect(rec, dict, label, f"line {number}", "a DOM event object per line")
            kind = rec.get("type")
            if not isinstance(kind, str):
                raise InputError(label, f"line {number}", "expected a DOM event with a 'type' string")
            ts = rec.get("timestamp")
            if ts is not None and finite_num(ts) is None:
                raise InputError(label, f"line {number}", "expected 'timestamp' as epoch milliseconds (number)")
            when = self.ts(ts, "ms")
            self.add(1, Step(kind=StepKind.browser_event, actor="agent", timestamp=when, title=kind,
                             content=self._describe_action(rec), source=f"{rel} line {number}"))

    def _describe_action(self, rec: dict) -> str:
        kind = rec["type"]
        target = rec.get("target") if isinstance(rec.get("target"), dict) else {}
        tag = str(target.get("tagName") or "").lower()
        ident = f"#{target['id']}" if target.get("id") else ""
        cls = str(target.get("className") or "").strip().split()
        elem = f"<{tag}{ident}{'.' + '.'.join(cls[:3]) if cls else ''}>" if tag else ""
        text = str(target.get("textContent") or "").strip()
        lines = []
        url, n = redact_url(str(rec.get("url") or ""))
        if n:
            self.count("URL query values redacted", n)
        if kind == "pageLoad":
            lines.append(f"page load {dumps(rec.get('title') or '')}")
        elif kind == "click":
            where = f" at ({rec.get('x')}, {rec.get('y')})" if "x" in rec else ""
            lines.append(f"click {elem} {dumps(text[:100])}{where}".replace("  ", " "))
        elif kind in ("keydown", "keyup"):
            lines.append(f"{kind} {dumps(rec.get('key'))} on {elem}" if elem else f"{kind} {dumps(rec.get('key'))}")
        elif kind in ("input", "change"):
            value = rec.get("value")
            probe = " ".join(str(target.get(k) or "") for k in ("id", "className", "xpath")).lower()
            if value and ("pass" in probe or "pwd" in probe or "secret" in probe or "cvv" in probe):
                value = REDACTED
                self.count("values typed into password-like fields redacted")
            lines.append(f"{kind} {elem} value {dumps(value)}")
        elif kind == "scroll":
            lines.append(f"scroll to ({rec.get('scrollX')}, {rec.get('scrollY')})")
        elif kind == "submit":
            lines.append(f"submit {elem}")
        else:
            lines.append(dumps({k: v for k, v in rec.items() if k not in ("timestamp", "url")}))
        if tag and kind not in ("click", "input", "change", "submit", "keydown", "keyup"):
            lines.append(f"target {elem} {dumps(text[:100])}")
        if target.get("xpath"):
            lines.append(f"xpath {target['xpath']}")
        if url:
            lines.append(url)
        return "\n".join(lines)

    # -- requests ----------------------------------------------------------

    def read_requests(self, path: Path) -> None:
        label = self.lab(path)
        rel = self.rel(path)
        static: dict[str, int] = {}
        for number, rec in iter_jsonl(path, label):
            expect(rec, dict, label, f"line {number}", "a request object per line")
            method = rec.get("method")
            url = rec.get("url")
            if not isinstance(method, str) or not isinstance(url, str):
                raise InputError(label, f"line {number}", "expected a request with 'method' and 'url' strings")
            ts = rec.get("timestamp")
            if ts is not None and finite_num(ts) is None:
                raise InputError(label, f"line {number}", "expected 'timestamp' as epoch seconds (number)")
            rtype = rec.get("resource_type") if isinstance(rec.get("resource_type"), str) else None
            headers = rec.get("headers") if isinstance(rec.get("headers"), dict) else {}
            if any(str(h).lower() in ("cookie", "authorization", "proxy-authorization") for h in headers):
                self.count("requests whose Cookie/Authorization headers were left out")
            when = self.ts(ts, "s")
            if is_static_resource(method, url, None, rtype):
                static[rtype or "static"] = static.get(rtype or "static", 0) + 1
                continue
            self.add(2, Step(kind=StepKind.api_call, actor="browser", timestamp=when,
                             title=url_title(method, url), content=self._describe_request(rec, method, url, rtype),
                             source=f"{rel} line {number}"))
        if static:
            parts = ", ".join(f"{k} {v}" for k, v in sorted(static.items()))
            self.notes.append(f"{sum(static.values())} GET requests for static resources are not shown as steps "
                              f"({parts}); they are in {rel}")
            self.static = static

    def _describe_request(self, rec: dict, method: str, url: str, rtype: str | None) -> str:
        shown, n = redact_url(url)
        if n:
            self.count("URL query values redacted", n)
        lines = [f"{method} {shown}"]
        if rtype:
            lines.append(f"resource type: {rtype}")
        body = rec.get("body")
        if body not in (None, "", {}, []):
            red, n = redact(body)
            if n:
                self.count("credential-like body fields redacted", n)
            text, cut = clip(red if isinstance(red, str) else dumps(red, indent=True), BODY_LIMIT)
            lines.append("body:\n" + text)
        return "\n".join(lines)

    # -- logs --------------------------------------------------------------

    def read_log(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(self.lab(path), "", f"cannot read the log ({exc.strerror})") from None
        text = raw.decode("utf-8", errors="replace")
        shown, cut = clip(text, LOG_LIMIT)
        if cut:
            self.notes.append(f"{path.name}: {cut} of {len(text)} characters not shown (head and tail kept)")
        self.logs.append(Step(kind=StepKind.observation, actor="harness", title=path.name, content=shown,
                              source=self.rel(path)))


_CRED_LINE = re.compile(r"(?im)^(\s*[-*]?\s*(?:password|passwd|pwd|passcode)\s*[:=]\s*)(\S.*?)\s*$")


def _scrub_text(text: str, run: "_Run") -> str:
    """Redact ``password: …`` lines (hermes puts the webmail credentials into the prompt)."""
    if "pass" not in text.lower() and "pwd" not in text.lower():
        return text
    new, n = _CRED_LINE.subn(lambda m: m.group(1) + REDACTED, text)
    if n:
        run.count("password lines in the transcript redacted", n)
    return new


def _content_text(content: Any) -> str:
    """Text of a message/tool content: a string, a list of blocks, or any JSON value."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for block in content:
            if isinstance(block, str):
                out.append(block)
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                out.append(block["text"])
            elif isinstance(block, dict) and block.get("type") == "image":
                out.append("[image]")
            else:
                out.append(dumps(block))
        return "\n".join(out)
    return dumps(content, indent=True)


# --------------------------------------------------------------------------
# Interception and judge
# --------------------------------------------------------------------------


def _interception_request(doc: dict, label: str) -> dict | None:
    """The intercepted request: ``{request: {...}}`` (code) or flat ``{url, method, body}`` (docs)."""
    req = doc.get("request")
    if req is not None:
        expect(req, dict, label, "/request", "the intercepted request object (or null)")
        return req
    if isinstance(doc.get("url"), str):
        return {k: doc.get(k) for k in ("url", "method", "params", "body") if k in doc}
    return None


def _describe_intercepted(req: dict, counts: dict[str, int]) -> str:
    url, n1 = redact_url(str(req.get("url") or ""))
    lines = [f"{req.get('method') or '?'} {url}"]
    params, n2 = redact(req.get("params"))
    if params:
        lines.append("params: " + dumps(params))
    body, n3 = redact(req.get("body"))
    if body not in (None, "", {}, []):
        lines.append("body:\n" + clip(body if isinstance(body, str) else dumps(body, indent=True), TEXT_LIMIT)[0])
    n = n1 + n2 + n3
    if n:
        counts["credential-like fields of the intercepted request redacted"] = \
            counts.get("credential-like fields of the intercepted request redacted", 0) + n
    return "\n".join(lines)


def _judge_line(name: str, doc: dict) -> str:
    rubric = doc.get("rubric") or ("lenient" if name == "judge_llm.json" else "strict")
    who = f" ({doc['judge_model']})" if isinstance(doc.get("judge_model"), str) else ""
    line = f"Stage 2, {rubric} LLM judge{who} [{name}]: match = {dumps(doc.get('match'))}"
    if isinstance(doc.get("reason"), str) and doc["reason"]:
        line += f" — {doc['reason']}"
    if doc.get("error"):
        line += f" (judge error: {doc['error']})"
    return line


# --------------------------------------------------------------------------
# CSV (leaderboard rows)
# --------------------------------------------------------------------------


def _csv_header(path: Path) -> list[str] | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    try:
        row = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
    return [c.strip().lower() for c in row]


def _csv_kind(path: Path) -> str | None:
    header = _csv_header(path)
    if not header:
        return None
    cols = set(header)
    if RESULTS_COLUMNS <= cols and ({"pass_rate", "reward_rate"} & cols):
        return "results"
    if V1_EVAL_COLUMNS <= cols and "task_name" in cols:
        return "v1-eval"
    return None


def _read_csv(path: Path, label: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, "", f"cannot read the CSV as UTF-8 ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [c.strip().lower() for c in next(reader)]
    except StopIteration:
        raise InputError(label, "line 1", "expected a header row") from None
    except csv.Error as exc:
        raise InputError(label, "line 1", f"invalid CSV ({exc})") from None
    rows = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise InputError(label, f"line {line}", f"expected {len(header)} fields, found {len(row)}")
            rows.append((line, dict(zip(header, (c.strip() for c in row)))))
    except csv.Error as exc:
        raise InputError(label, f"line {reader.line_num}", f"invalid CSV ({exc})") from None
    return rows


def _rate(value: str, passed: float | None, total: float | None, label: str, place: str) -> float | None:
    """A rate as a fraction: ``18.46`` (percent), ``"18.5%"`` or a fraction equal to passed/total."""
    if value == "":
        return None
    text = value.strip()
    pct = text.endswith("%")
    try:
        x = float(text.rstrip("%").strip())
    except ValueError:
        raise InputError(label, place, f"expected a rate (a percentage such as 18.46), found {value!r}") from None
    if not math.isfinite(x):
        raise InputError(label, place, f"expected a finite rate, found {value!r}")
    if not pct and x <= 1 and passed is not None and total and abs(x - passed / total) <= 0.005:
        return x  # a fraction equal to passed/total
    return x / 100


def _float_cell(row: dict[str, str], key: str, label: str, place: str) -> float | None:
    value = row.get(key, "")
    if value == "":
        return None
    try:
        x = float(value)
    except ValueError:
        raise InputError(label, place, f"expected a number in column {key!r}, found {value!r}") from None
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class ClawBench(Importer):
    name = "clawbench"
    title = "ClawBench (TIGER-AI-Lab / NAIL-Group) run folders and leaderboard results.csv"
    spec = ("TIGER-AI-Lab/ClawBench: src/clawbench/runtime/runtime-server/server.py, "
            "src/clawbench/runner/run_support/results.py, src/clawbench/runner/judge_llm.py, "
            "src/clawbench/eval/rescore.py, eval/scoring.md, AGENTS.md; test-cases/task.schema.json")
    patterns = (
        "<run>/ (data/agent-messages.jsonl, actions.jsonl, requests.jsonl, interception.json; judge*.json)",
        "<batch>/ of run folders",
        "results.csv (model,harness,dataset,passed,total,pass_rate,reward_rate,wall_hours)",
        "<model>-eval-results.csv (task_id,task_name,model,pass,brief_justification)",
    )
    priority = 40

    # -- sniff -------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            if _is_run(path):
                return None
            if _is_batch(path):
                return None
            return "folder is not a ClawBench run folder (data/actions.jsonl, requests.jsonl, interception.json)"
        if not path.is_file():
            return "not a file or folder"
        if path.suffix.lower() == ".csv":
            if _csv_kind(path):
                return None
            return "CSV header is not a ClawBench results.csv (model, harness, dataset, pass_rate)"
        if path.suffix.lower() not in (".json", ".jsonl", ".log"):
            return "not a ClawBench run file (.json, .jsonl, .log) or results.csv"
        lay = _run_of_file(path)
        if lay is None or not _is_run(lay[0]) and not _is_run(lay[1]):
            if path.name == "task.json":
                return "a ClawBench task definition (task.json), not a run"
            return "not inside a ClawBench run folder"
        anchor = _anchor(*lay)
        if anchor is not None and anchor.resolve() == path.resolve():
            return None
        return "part of a ClawBench run folder; import the run folder (its traces come from " \
               f"{anchor.name if anchor else 'interception.json'})"

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        if path.suffix.lower() == ".csv" or path.name in BATCH_FILES:
            return
        lay = _run_of_file(path)
        if lay is None:
            raise InputError(label, "", "expected a file inside a ClawBench run folder (with data/interception.json "
                                        "or actions.jsonl and requests.jsonl)")
        anchor = _anchor(*lay)
        if anchor is None or anchor.resolve() != path.resolve():
            return
        yield self._trace(lay[0], lay[1], path, label)

    def _trace(self, root: Path, data: Path, anchor: Path, label: str) -> Trace:
        run = _Run(root, data, anchor, label)
        meta_path = root / "run-meta.json"
        meta = _read_json_opt(meta_path, run.lab(meta_path))
        if meta is not None:
            expect(meta, dict, run.lab(meta_path), "", "run-meta.json as an object")
        meta = meta or {}
        task_path = root / "task.json"
        task = _read_json_opt(task_path, run.lab(task_path))
        task = task if isinstance(task, dict) else {}

        if isinstance(meta.get("model"), str):
            run.model = meta["model"]
        msgs = data / "agent-messages.jsonl"
        if msgs.is_file():
            run.read_messages(msgs)
        else:
            run.notes.append("no agent-messages.jsonl: the agent's own messages are not in this run")
        if (data / "actions.jsonl").is_file():
            run.read_actions(data / "actions.jsonl")
        if (data / "requests.jsonl").is_file():
            run.read_requests(data / "requests.jsonl")
        for name in LOG_FILES:
            if (data / name).is_file():
                run.read_log(data / name)

        # order the timeline
        last: dict[int, float] = {}
        keyed = []
        streams = [s for _, s, _, _ in run.items]
        untimed_messages = 0 in streams and all(k is None for k, s, _, _ in run.items if s == 0)
        for key, stream, order, step in run.items:
            if key is None:
                key = last.get(stream, -math.inf)
            else:
                last[stream] = key
            keyed.append((key, stream, order, step))
        keyed.sort(key=lambda t: (t[0], t[1], t[2]))
        steps = [s for _, _, _, s in keyed] + run.logs
        if untimed_messages and any(s in (1, 2) for _, s, _, _ in run.items):
            run.notes.append("the agent transcript carries no timestamps: its steps are listed before the browser "
                             "activity instead of interleaved with it")

        # interception (stage 1)
        inter_path = data / "interception.json"
        inter_label = run.lab(inter_path)
        inter = _read_json_opt(inter_path, inter_label)
        intercepted: bool | None = None
        stop_reason = stop_desc = None
        submission = None
        deciding: int | None = None
        status = "incomplete"
        error = None
        if inter is not None:
            expect(inter, dict, inter_label, "", "interception.json as an object")
            if "intercepted" not in inter:
                raise InputError(inter_label, "/intercepted", "expected 'intercepted' (true or false)")
            intercepted = expect(inter["intercepted"], bool, inter_label, "/intercepted", "'intercepted' as a boolean")
            stop_reason = inter.get("stop_reason") if isinstance(inter.get("stop_reason"), str) else None
            stop_desc = inter.get("stop_description") if isinstance(inter.get("stop_description"), str) else None
            req = _interception_request(inter, inter_label)
            if intercepted:
                content = _describe_intercepted(req or {}, run.counts) if req else "(request not recorded)"
                method, url = str((req or {}).get("method") or "?"), str((req or {}).get("url") or "")
                steps.append(Step(kind=StepKind.submission, actor="agent", title=f"intercepted {url_title(method, url)}",
                                  content=content, source=f"{run.rel(inter_path)} /request"))
                submission = content
                status = "completed"
            else:
                infra = stop_reason in INFRA_STOP_REASONS
                steps.append(Step(kind=StepKind.error if infra else StepKind.observation, actor="harness",
                                  title=f"not intercepted: {stop_reason or 'unknown'}",
                                  content=stop_desc or f"Session stopped: {stop_reason or 'unknown'}.",
                                  is_error=infra, source=f"{run.rel(inter_path)} /stop_reason"))
                if infra:
                    status, error = "error", stop_desc or stop_reason
                elif stop_reason in LIMIT_STOP_REASONS:
                    status = "limit"
                else:
                    status = "completed"
            deciding = len(steps)
        else:
            run.notes.append("no interception.json: the run has no Stage-1 outcome")
        if meta.get("infra_failure") is True and status != "error":
            status = "error"
            error = error or f"run-meta.json marks an infrastructure failure ({meta.get('failure_category')})"

        # judge (stage 2)
        judges = {}
        for name in JUDGE_FILES:
            p = _judge_path(root, data, name)
            if p is not None:
                doc = load_json(p, run.lab(p))
                expect(doc, dict, run.lab(p), "", f"{name} as an object")
                if "match" in doc and doc["match"] is not None and not isinstance(doc["match"], bool):
                    raise InputError(run.lab(p), "/match", "expected 'match' as true, false or null")
                judges[name] = (p, doc)
        score = score_source = explanation = None
        stage1 = ("Stage 1, request interception: " + (
            f"intercepted ({(inter.get('request') or inter).get('method')} request matched eval_schema)"
            if intercepted else f"not intercepted ({stop_reason or 'no stop reason'})"
            if intercepted is False else "no interception.json"))
        if judges:
            primary = "judge_llm.json" if "judge_llm.json" in judges else "judge.json"
            p, doc = judges[primary]
            match = doc.get("match")
            score = 1.0 if intercepted and match is True else 0.0
            lines = [stage1] + [_judge_line(n, d) for n, (_, d) in judges.items()]
            lines.append(f"final_pass = intercepted AND match ({primary}) = {score == 1.0}")
            explanation = "\n".join(lines)
            score_source = primary
            src = f"{run.rel(p)} /match"
        elif intercepted is False:
            score, score_source = 0.0, "interception.json"
            explanation = stage1 + "\nNo interception means reward 0 (Stage 2 is not run)."
            src = f"{run.rel(inter_path)} /intercepted"
        elif intercepted and isinstance(meta.get("final_pass"), bool):
            score, score_source = (1.0 if meta["final_pass"] else 0.0), "run-meta.json"
            explanation = f"{stage1}\nrun-meta.json: judge_match = {dumps(meta.get('judge_match'))}, " \
                          f"final_pass = {dumps(meta['final_pass'])}"
            src = f"{run.rel(meta_path)} /final_pass"
        elif intercepted:
            run.notes.append("intercepted but not judged (no judge.json / judge_llm.json): Stage 2 is missing, "
                             "so the trace has no score")
        if explanation is not None:
            steps.append(Step(kind=StepKind.score, actor="scorer", title=f"score {score:g}", content=explanation,
                              source=src))
            deciding = len(steps)

        # identity
        folder = root.name
        test_case = meta.get("test_case") if isinstance(meta.get("test_case"), str) else None
        for _, doc in judges.values():
            test_case = test_case or (doc.get("test_case") if isinstance(doc.get("test_case"), str) else None)
        task_meta = task.get("metadata") if isinstance(task.get("metadata"), dict) else {}
        num_id = meta.get("task_id", task_meta.get("task_id"))
        task_id = test_case or _task_from_folder(folder)
        harness = meta.get("harness") if isinstance(meta.get("harness"), str) else _harness_from_name(folder)

        # usage and time
        usage = _usage_from(meta.get("usage")) if isinstance(meta.get("usage"), dict) else None
        usage_file = data / "usage.jsonl"
        if usage is None and usage_file.is_file():
            total = Usage()
            for number, rec in iter_jsonl(usage_file, run.lab(usage_file)):
                expect(rec, dict, run.lab(usage_file), f"line {number}", "a usage object per line")
                total = add_usage(total, _usage_from(rec))
            usage = total
        if usage is None:
            usage = run.step_usage
        started, naive = parse_time(_meta_timestamp(meta.get("timestamp")), None)
        if naive:
            run.notes.append("run-meta.json timestamp has no zone (written in UTC); taken as UTC")
        started = started or run.first_ts
        duration = finite_num(meta.get("duration_seconds"))
        if duration is None and run.first_ts is not None and run.last_ts is not None:
            duration = (run.last_ts - run.first_ts).total_seconds()
        if run.naive:
            run.notes.append("some transcript timestamps carry no zone; they were taken as UTC")

        notes = list(run.notes)
        for key, n in sorted(run.counts.items()):
            notes.append(f"{n} {key}")
        if any(n.endswith("redacted") or "left out" in n for n in run.counts):
            notes.append("request headers are never shown (they may carry cookies or credentials)")
        media = [p for p in (data / "recording.mp4",) if p.is_file()]
        shots = data / "screenshots"
        n_shots = sum(1 for _ in shots.iterdir()) if shots.is_dir() else 0
        if media or n_shots:
            notes.append("the session recording and screenshots are not copied into the site"
                         + (f" ({n_shots} screenshots)" if n_shots else ""))

        metadata: dict[str, Any] = {"run_folder": folder}
        if num_id is not None:
            metadata["task_number"] = num_id
        for key in ("metaclass", "class", "platform", "result_category", "failure_category", "infra_failure",
                    "adjusted_eligible", "infra_flags", "task_json_sha256", "thinking_level", "temperature",
                    "max_tokens", "time_limit_minutes", "judge_match", "final_pass"):
            if key in meta:
                metadata[key] = _scrub(meta[key])
        if stop_reason:
            metadata["stop_reason"] = stop_reason
        schema = (inter or {}).get("schema") or task.get("eval_schema")
        if isinstance(schema, dict):
            metadata["eval_schema"] = schema
        if isinstance(task.get("instruction"), str):
            metadata["instruction"] = task["instruction"]
        elif isinstance(meta.get("instruction"), str):
            metadata["instruction"] = meta["instruction"]
        if run.meta_from_messages:
            metadata["transcript_session"] = _scrub(run.meta_from_messages)
        if run.static:
            metadata["static_requests"] = run.static
        for name, (_, doc) in judges.items():
            metadata[name] = {k: doc[k] for k in ("match", "judge_model", "rubric", "error") if k in doc}
        if media:
            metadata["recording"] = {"name": media[0].name, "bytes": media[0].stat().st_size}

        return Trace(
            id=folder, task_id=str(task_id), trial=_trial_of(root), status=status,
            termination_reason=stop_reason or ("intercepted" if intercepted else None),
            score=score, score_source=score_source, scorer_explanation=explanation, submission=submission,
            error=error, agent=harness, model=run.model, usage=usage, duration_s=duration, started_at=started,
            deciding_step=deciding, steps=steps, source_file=label, source_pointer="", notes=notes,
            metadata=metadata,
        )

    # -- drafts ------------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        if path.is_dir():
            if _is_run(path):
                root = _layout(path)[0]
                return [self._run_draft([root], root.parent, slug(root.name, "clawbench-run"))]
            runs = _child_runs(path)
            if runs and _is_batch(path):
                rid = slug(f"{path.parent.name}-{path.name}" if path.parent.name.startswith("batch-") else path.name,
                           "clawbench-run")
                return [self._run_draft([_layout(r)[0] for r in runs], path, rid, batch=path)]
            raise InputError(str(path), "", "expected a ClawBench run folder or a folder of run folders")
        if path.suffix.lower() == ".csv":
            kind = _csv_kind(path)
            if kind == "results":
                return self._results_drafts(path)
            if kind == "v1-eval":
                return [self._v1_draft(path)]
            raise InputError(str(path), "line 1", "expected a ClawBench results.csv header "
                                                  "(model, harness, dataset, passed, total, pass_rate)")
        lay = _run_of_file(path)
        if lay is None:
            raise InputError(str(path), "", "expected a file inside a ClawBench run folder")
        return self.drafts(lay[0])

    def _run_draft(self, roots: list[Path], base: Path, run_id: str | None, batch: Path | None = None) -> RunDraft:
        files: list[str] = []
        names: dict[str, str] = {}
        recordings: list[dict[str, Any]] = []
        shots = 0
        shot_bytes = 0
        skipped_hidden = 0
        tasks: list[str] = []
        models: set[str] = set()
        harnesses: set[str] = set()
        first_meta: dict[str, Any] = {}
        for root in roots:
            lay = _layout(root)
            data = lay[1] if lay else root
            for p in sorted(root.rglob("*")):
                if not p.is_file() or p.is_symlink():
                    continue
                rel = p.relative_to(base).as_posix()
                if p.suffix.lower() in MEDIA_SUFFIXES:
                    if "screenshots" in p.relative_to(root).parts and p.suffix.lower() != ".mp4":
                        shots += 1
                        shot_bytes += p.stat().st_size
                    else:
                        recordings.append({"path": rel, "bytes": p.stat().st_size, "sha256": sha256_file(p)})
                    continue
                if any(part.startswith(".") for part in p.relative_to(root).parts) and p.name != ".token_counts.json":
                    skipped_hidden += 1
                    continue
                files.append(str(p.resolve()))
                names[str(p.resolve())] = rel
            meta_path = root / "run-meta.json"
            meta = load_json(meta_path) if meta_path.is_file() else {}
            meta = meta if isinstance(meta, dict) else {}
            if not first_meta and meta:
                first_meta = meta
            test_case = meta.get("test_case") if isinstance(meta.get("test_case"), str) else None
            if test_case is None:
                for name in JUDGE_FILES:
                    jp = _judge_path(root, data, name)
                    doc = load_json(jp) if jp else None
                    if isinstance(doc, dict) and isinstance(doc.get("test_case"), str):
                        test_case = doc["test_case"]
                        break
            task = test_case or _task_from_folder(root.name)
            if task not in tasks:
                tasks.append(task)
            if isinstance(meta.get("model"), str):
                models.add(meta["model"])
            h = meta.get("harness") if isinstance(meta.get("harness"), str) else _harness_from_name(root.name)
            if h:
                harnesses.add(h)
        declared = DeclaredScores()
        metadata: dict[str, Any] = {}
        if batch is not None:
            for name in BATCH_FILES:
                p = batch / name
                if p.is_file():
                    files.append(str(p.resolve()))
                    names[str(p.resolve())] = name
            declared = self._rescore_declared(batch / "rescore-summary.json", tasks)
        if recordings:
            metadata["recordings_not_copied"] = recordings
        if shots:
            metadata["screenshots_not_copied"] = {"count": shots, "bytes": shot_bytes}
        if skipped_hidden:
            metadata["hidden_files_not_copied"] = skipped_hidden
        if len(roots) == 1:
            metadata["run_folder"] = roots[0].name
        test_case = first_meta.get("test_case")
        if not isinstance(test_case, str):
            test_case = tasks[0] if tasks else None
        bench, version = _benchmark_of(test_case, roots[0].name if roots else "")
        environment: dict[str, Any] = {}
        for key in ("runtime", "browser_runtime", "model_config", "run_flags", "judge_config", "thinking_level",
                    "temperature", "max_tokens", "time_limit_minutes"):
            if key in first_meta:
                environment[key] = _scrub(first_meta[key])
        model = models.pop() if len(models) == 1 else None
        harness = harnesses.pop() if len(harnesses) == 1 else None
        return RunDraft(
            run_id=run_id, agent=_agent_id(harness, model), agent_name=_agent_name(harness, model), model=model,
            harness=harness, benchmark=bench,
            benchmark_name={"clawbench-v1": "ClawBench V1", "clawbench-v2": "ClawBench V2"}.get(bench, "ClawBench"),
            benchmark_version=version, tasks=tasks, format=self.name, files=files, names=names,
            formats={f: self.name for f in files}, declared=declared, environment=environment, metadata=metadata,
        )

    def _rescore_declared(self, path: Path, tasks: list[str]) -> DeclaredScores:
        if not path.is_file():
            return DeclaredScores()
        label = str(path)
        doc = load_json(path, label)
        expect(doc, dict, label, "", "rescore-summary.json as an object")
        overall = None
        for key in ("reward_pct_lenient", "reward_pct_strict", "pass_rate_with_judge"):
            if finite_num(doc.get(key)) is not None:
                overall = finite_num(doc[key])
                break
        per_task: dict[str, float] = {}
        rows = doc.get("tasks")
        if rows is not None:
            expect(rows, list, label, "/tasks", "a list of per-task records")
            for i, row in enumerate(rows):
                expect(row, dict, label, pointer("tasks", i), "a per-task record")
                tid = row.get("test_case") or row.get("task_id")
                if tid is None:
                    continue
                match = row.get("match_lenient", row.get("match_strict"))
                per_task[str(tid)] = 1.0 if row.get("intercepted") and match is True else 0.0
        return DeclaredScores(overall=overall, tasks=per_task, source="rescore-summary.json")

    def _results_drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        rows = _read_csv(path, label)
        out = []
        resolved = str(path.resolve())
        for line, row in rows:
            place = f"line {line}"
            model, harness, dataset = row.get("model", ""), row.get("harness", ""), row.get("dataset", "")
            if not model or not harness:
                raise InputError(label, place, "expected 'model' and 'harness' in every row")
            passed = _float_cell(row, "passed", label, place)
            total = _float_cell(row, "total", label, place)
            pass_rate = _rate(row.get("pass_rate", ""), passed, total, label, place)
            reward_rate = _rate(row.get("reward_rate", ""), passed, total, label, place)
            overall = reward_rate if reward_rate is not None else pass_rate
            source_col = "reward_rate" if reward_rate is not None else "pass_rate"
            metadata: dict[str, Any] = {"csv_line": line, "score_column": source_col}
            for key in ("passed", "total", "wall_hours"):
                v = _float_cell(row, key, label, place)
                if v is not None:
                    metadata[key] = int(v) if key != "wall_hours" and v.is_integer() else v
            if pass_rate is not None:
                metadata["pass_rate"] = pass_rate
            if reward_rate is not None:
                metadata["reward_rate"] = reward_rate
            extra = {k: v for k, v in row.items() if k not in ("model", "harness", "dataset", "passed", "total",
                                                              "pass_rate", "reward_rate", "wall_hours") and v}
            if extra:
                metadata["other_columns"] = extra
            ds = dataset.lower()
            bench = f"clawbench-{slug(ds)}" if ds else "clawbench"
            out.append(RunDraft(
                run_id=slug(f"clawbench-{ds}-{harness}-{model}" if ds else f"clawbench-{harness}-{model}"),
                agent=_agent_id(harness, model), agent_name=_agent_name(harness, model), model=model, harness=harness,
                benchmark=bench,
                benchmark_name=f"ClawBench {dataset.upper()}" if dataset else "ClawBench", benchmark_version=ds or None,
                format=self.name, files=[resolved], names={resolved: path.name}, formats={resolved: self.name},
                declared=DeclaredScores(overall=overall, source=f"{path.name} {source_col}"), metadata=metadata,
            ))
        if not out:
            raise InputError(label, "line 2", "expected at least one leaderboard row")
        return out

    def _v1_draft(self, path: Path) -> RunDraft:
        label = str(path)
        rows = _read_csv(path, label)
        tasks: dict[str, float] = {}
        models = set()
        justifications = 0
        for line, row in rows:
            tid = row.get("task_id", "")
            if not tid:
                raise InputError(label, f"line {line}", "expected a task_id in every row")
            value = row.get("pass", "").lower()
            if value not in ("true", "false", "1", "0", "pass", "fail", "yes", "no"):
                raise InputError(label, f"line {line}", f"expected pass as True or False, found {row.get('pass')!r}")
            tasks[tid] = 1.0 if value in ("true", "1", "pass", "yes") else 0.0
            if row.get("model"):
                models.add(row["model"])
            if row.get("brief_justification"):
                justifications += 1
        model = models.pop() if len(models) == 1 else None
        resolved = str(path.resolve())
        overall = sum(tasks.values()) / len(tasks) if tasks else None
        stem = path.name[: -len("-eval-results.csv")] if path.name.endswith("-eval-results.csv") else path.stem
        return RunDraft(
            run_id=slug(f"clawbench-v1-{stem}"), model=model or stem, benchmark="clawbench-v1",
            benchmark_name="ClawBench V1", benchmark_version="v1", tasks=list(tasks), format=self.name,
            files=[resolved], names={resolved: path.name}, formats={resolved: self.name},
            declared=DeclaredScores(overall=overall, source=path.name),
            metadata={"task_results": tasks, "justifications": justifications},
        )


def _meta_timestamp(value: Any) -> Any:
    """``YYYYMMDD-HHMMSS`` (run-meta) → ISO; other values unchanged."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})", value.strip())
        if m:
            y, mo, d, h, mi, s = m.groups()
            return f"{y}-{mo}-{d}T{h}:{mi}:{s}"
    return value
