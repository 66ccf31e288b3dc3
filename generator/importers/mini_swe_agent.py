"""mini-swe-agent trajectories (``*.traj.json``), bare message lists and predictions.

Format: ``SWE-agent/mini-swe-agent`` (MIT). No JSON schema; the shapes are
``src/minisweagent/agents/default.py`` (``serialize``/``save``: top level
``{info, messages, trajectory_format}``), ``src/minisweagent/models/litellm_model.py``
and ``src/minisweagent/models/utils/actions_text.py`` / ``actions_toolcall.py`` /
``actions_toolcall_response.py`` (the ``extra`` fields of model and
observation messages), ``docs/usage/output_files.md`` and
``docs/advanced/v2_migration.md``.

Inputs accepted
---------------
- a trajectory ``{info, messages, trajectory_format}``: ``mini-swe-agent-1``
  (v1.x: hand-formatted ``{role, content}`` messages, the action inside a
  ```` ```bash ```` or ```` ```mswea_bash_command ```` fence of the assistant
  text), ``mini-swe-agent-1.1`` (v2.x: the model's own message plus
  ``extra`` — ``actions``, ``cost``, ``timestamp``, ``response``; observation
  messages with ``extra.returncode``/``raw_output``/``timestamp``; a final
  ``role: "exit"`` message), tool-calling models (``tool_calls`` and ``role:
  "tool"`` messages), Responses-API models (``{object: "response", output:
  [...]}`` messages and ``function_call_output`` items), and third-party
  ``mini-swe-agent-1.x`` variants of the same shape. Files are named
  ``*.traj.json`` (also ``*.traj`` in SWE-bench experiment copies, whose
  content tells them apart from SWE-agent's ``.traj``: no ``history``/
  ``trajectory`` keys);
- a bare JSON list of ``{role, content}`` messages (the pre-envelope shape of
  the repository's test fixtures): accepted only when the first message is
  the ``system`` one, the second a ``user`` one, and the first 64 KB carry a
  mini-swe-agent marker (``mswea_bash_command``, ``<returncode>``,
  ``COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`` or ``MINI_SWE_AGENT_FINAL_OUTPUT``),
  so OpenHands event lists and other JSON lists are never taken;
- a predictions file (``preds.json`` or any ``*preds*.json``): an object keyed
  by instance id, each ``{model_name_or_path, instance_id, model_patch}``.
  Metadata only (no traces). A file literally named ``preds.json`` is shared
  with SWE-agent 1.x: it is refused when SWE-agent ``.traj`` files lie beside
  it, and, with no trajectories beside it at all, when its
  ``model_name_or_path`` is a SWE-agent experiment name (holds ``__``);
- a run folder (``<output>/<instance_id>/<instance_id>.traj.json`` instance
  folders and/or ``*.traj.json`` files, with ``preds.json`` and
  ``exit_statuses_*.yaml``), or one instance folder. A folder holding run
  folders is not taken (the import command walks it).

Run metadata (``drafts``)
-------------------------
``run_id`` = slug of the run folder name; ``agent`` = ``mini-swe-agent-<model>``
(lower-cased, the model's last path component: the registry binds an agent
id to its models), ``harness`` = ``mini-swe-agent``; ``harness_version`` =
``info.mini_version``; ``model`` =
``info.config.model.model_name`` of the first trajectory, else the
predictions' ``model_name_or_path``; ``benchmark`` = None (the files do not
name the data set; give ``--benchmark``); ``tasks`` = instance ids
(``instance_id`` key, else the file name without ``.traj.json``/``.traj``/
``.json``), then prediction keys; ``environment`` = agent/model/environment
classes, step and cost limits and the model kwargs without keys, tokens,
secrets or URLs (the environment image is per instance: it goes to
``Trace.metadata``); ``files`` = trajectories, predictions and
``exit_statuses_*.yaml`` of the run folder. No declared scores: mini-swe-agent
does not score itself.

Traces (``traces``)
-------------------
One trace per trajectory file: ``id`` = ``task_id`` = the instance id, trial 1.

- ``system`` message and the user messages before the first model message →
  ``message`` (actor ``system``/``user``);
- each model message → ``message`` (actor ``assistant``) with its text (a
  ``reasoning_content`` comes first as a ``message`` titled ``reasoning``),
  carrying the call's usage (``extra.response.usage`` prompt/completion
  tokens, or the Responses-API ``usage`` input/output tokens), ``extra.cost``
  (USD, v2) and ``extra.timestamp``; a message without text and with actions
  puts that usage on its first action instead; a Responses-API message
  becomes one step per output item (``message`` text, ``reasoning`` summary,
  ``function_call``), its usage on the text item (else the first item);
- its actions → ``terminal_command`` (the bash command; with a ``ToolCall``
  ``bash`` ``{"command": …}`` and ``tool_call_id`` for tool-calling models; a
  tool other than ``bash`` → ``tool_call``). Actions come from the
  ``tool_calls``/``function_call`` items when present (they carry the call
  ids and arguments), else from ``extra.actions``, else from the code fences
  of the text (the ``action_regex`` of the
  config when given, else ```` ```mswea_bash_command ```` then ```` ```bash ````).
  A text with no fence or several fences yields no action (the harness
  rejected it; the next message is its format error);
- observation messages → ``tool_result`` (when they answer a tool call id) or
  ``observation``, titled ``exit <returncode>`` (``extra.returncode``, else the
  ``<returncode>`` tag of the text); a non-zero return code or an
  ``exception_info`` sets ``is_error``. Their ``duration_s`` is the time from
  the model message's timestamp to theirs (v2 only: v1 has no timestamps);
- format errors (``extra.interrupt_type`` ``FormatError``, or in v1 the user
  message after a text without exactly one action) → ``error`` (actor
  ``harness``); other interruptions → ``observation`` titled by their type;
- the exit message (``role: "exit"``, or in v1 the last user message when it
  equals ``info.submission``): ``Submitted`` → ``submission`` step (also
  ``Trace.submission``; the ``deciding_step``); a limit → ``observation``
  titled by the exit status; any other status (an exception class name) →
  ``error``. An ``info.traceback`` adds an ``error`` step.

``status`` from ``info.exit_status``: ``Submitted`` → completed;
``LimitsExceeded``, ``TimeExceeded``, ``*LimitExceeded``, ``ContextWindowExceededError``,
``FormatError``, ``RepeatedFormatError`` → limit; ``UserInterruption``,
``KeyboardInterrupt`` → incomplete; any other non-empty value (an exception
class name) → error, with ``Trace.error`` = status and message; empty or
missing → incomplete. ``termination_reason`` = ``exit_status``. In a bare
message list (no ``info``), when the last action is the submit command
(``echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT``/``MINI_SWE_AGENT_FINAL_OUTPUT``)
and the last message is not an observation, that message is taken as the
submission and the trace as completed; the notes say it was inferred.

Usage: ``cost_usd`` = ``info.model_stats.instance_cost``; tokens = the sum
over model messages of their usage (None when no message carries usage; the
envelope has no token counts). ``api_calls`` goes to ``Trace.metadata``.
Timestamps (unix seconds, v2) become timezone-aware UTC datetimes;
``started_at`` is the first one, ``duration_s`` the span from the first to
the last (so it starts at the first model response, not at the task).
``score`` stays None: scores come from a separate SWE-bench evaluation.
``Step.source`` is the JSON pointer of the message (``/messages/3``), of its
tool call (``/messages/3/tool_calls/0``), of its action
(``/messages/3/extra/actions/0``) or, for a bare list, ``/3``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import (
    integer as _int,
    content_text,
    json_text as _json_text,
    num as _num,
    read_head as _read_head,
    slug as _slug,
    visible as _visible,
)
from generator.jsonread import expect, load_json, pointer
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

TAIL_BYTES = 4 * 1024
MAX_FOLDER_SNIFFS = 200
FORMAT = "mini-swe-agent"

SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
_MARKERS = (b"mswea_bash_command", b"<returncode>") + tuple(m.encode() for m in SUBMIT_MARKERS)
_FORMAT_RE = re.compile(rb'"trajectory_format"\s*:\s*"mini-swe-agent')
_SYSTEM_FIRST = re.compile(rb'^\[\s*\{\s*"role"\s*:\s*"system"')
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_DEFAULT_REGEXES = (r"```mswea_bash_command\s*\n(.*?)\n```", r"```bash\s*\n(.*?)\n```")

_LIMITS = {"LimitsExceeded", "TimeExceeded", "ContextWindowExceededError", "FormatError", "RepeatedFormatError"}
_STOPPED = {"UserInterruption", "KeyboardInterrupt"}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _read_tail(path: Path, size: int = TAIL_BYTES) -> bytes:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        end = fh.tell()
        fh.seek(max(0, end - size))
        return fh.read()


def _task_stem(name: str) -> str:
    for suffix in (".traj.json", ".traj", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _is_preds_name(name: str) -> bool:
    return name.endswith(".json") and "preds" in name.lower()


def _first_elements(head: bytes, n: int = 2) -> list:
    """Up to ``n`` leading elements of a JSON list whose start is ``head`` (fewer when cut off)."""
    text = head.decode("utf-8", errors="ignore").lstrip()
    if not text.startswith("["):
        return []
    out: list = []
    decoder = json.JSONDecoder()
    pos = 1
    while len(out) < n:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
        out.append(value)
    return out


def _text(content: Any, label: str, place: str) -> str:
    """Message content: a string, or a list of parts (``text``/``input_text``/``output_text``, images)."""
    return content_text(content, label, place, ("image_url", "image", "input_image"), _json_text)


def _timestamp(value: Any, label: str, place: str) -> dt.datetime | None:
    """``extra.timestamp`` (unix seconds) → aware UTC datetime."""
    if value is None:
        return None
    num = _num(value)
    if num is None:
        expect(value, (int, float), label, place, "a unix timestamp (number)")
    try:
        return dt.datetime.fromtimestamp(num, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise InputError(label, place, f"expected a unix timestamp in seconds, found {value!r}") from None


def _status(exit_status: str | None) -> str:
    if not exit_status:
        return "incomplete"
    if exit_status == "Submitted":
        return "completed"
    if exit_status in _LIMITS or exit_status.endswith("LimitExceeded") or exit_status.endswith("LimitsExceeded"):
        return "limit"
    if exit_status in _STOPPED:
        return "incomplete"
    return "error"


# --------------------------------------------------------------------------
# What a file is
# --------------------------------------------------------------------------


def _trajectory_evidence(head: bytes, tail: bytes) -> bool:
    """The first/last bytes of a JSON object that is a mini-swe-agent trajectory."""
    if not head.lstrip().startswith(b"{"):
        return False
    if b'"schema_version"' in head and b"ATIF" in head:
        return False  # an ATIF trajectory converted from mini-swe-agent (harbor-atif)
    if _FORMAT_RE.search(tail) or _FORMAT_RE.search(head):
        return True
    if b'"history"' in head and b'"trajectory"' in head:
        return False  # SWE-agent
    return b'"info"' in head and (b'"mini_version"' in head or b'"minisweagent.' in head)


def _file_kind(path: Path) -> tuple[str | None, str | None]:
    """``(kind, None)`` with kind trajectory/messages/preds, or ``(None, reason)``."""
    name = path.name
    if not (name.endswith(".json") or name.endswith(".traj")):
        return None, "not a .json or .traj file"
    head = _read_head(path)
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        tail = _read_tail(path)
        if _trajectory_evidence(head, tail):
            return "trajectory", None
        if _is_preds_name(name) and b'"model_patch"' in head and b'"instance_id"' in head:
            why = _preds_shape(head)
            return ("preds", None) if why is None else (None, why)
        return None, "JSON object without a mini-swe-agent trajectory_format, info.mini_version or predictions"
    if stripped.startswith(b"["):
        if name.endswith(".traj"):
            return None, "a .traj file holding a JSON list"
        first = _first_elements(head)
        if first:
            if not (isinstance(first[0], dict) and first[0].get("role") == "system" and "content" in first[0]):
                return None, "JSON list whose first element is not a {role: system, content} message"
            if len(first) > 1 and not (isinstance(first[1], dict) and first[1].get("role") == "user"):
                return None, "message list whose second message is not the user's task"
        elif not _SYSTEM_FIRST.match(stripped):
            return None, "JSON list that does not start with a system message"
        if not any(m in head for m in _MARKERS):
            return None, ("message list without mini-swe-agent markers (mswea_bash_command, <returncode>, "
                          "submit command)")
        return "messages", None
    return None, "not a JSON object or list"


def _preds_shape(head: bytes) -> str | None:
    """None when the first record of a predictions object is ``{instance_id, model_patch, …}``."""
    text = head.decode("utf-8", errors="ignore").lstrip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        if not data:
            return "empty predictions object"
        first = next(iter(data.values()))
        if isinstance(first, dict) and "instance_id" in first and "model_patch" in first:
            return None
        return "predictions object whose records lack instance_id/model_patch"
    if data is not None:
        return "predictions file that is not an object keyed by instance id"
    m = re.match(r'\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{', text)
    return None if m else "predictions file that is not an object keyed by instance id"


def _preds_model(head: bytes) -> str | None:
    m = re.search(rb'"model_name_or_path"\s*:\s*"((?:[^"\\]|\\.)*)"', head)
    if not m:
        return None
    try:
        return json.loads(b'"' + m.group(1) + b'"')
    except ValueError:
        return None


def _swe_agent_traj_beside(folder: Path) -> bool:
    """True when ``folder`` holds SWE-agent ``.traj`` files (directly or as ``<id>/<id>.traj``)."""
    checked = 0
    try:
        entries = sorted(p for p in folder.iterdir() if _visible(p))
    except OSError:
        return False
    for p in entries:
        cand = None
        if p.is_file() and p.name.endswith(".traj"):
            cand = p
        elif p.is_dir() and (p / f"{p.name}.traj").is_file():
            cand = p / f"{p.name}.traj"
        if cand is None:
            continue
        checked += 1
        try:
            head = _read_head(cand)
            tail = _read_tail(cand)
        except OSError:
            continue
        if not _trajectory_evidence(head, tail):
            return True
        if checked >= 3:
            break
    return False


def _mini_evidence_beside(folder: Path) -> bool:
    """Names that only a mini-swe-agent run folder has."""
    try:
        entries = sorted(p for p in folder.iterdir() if _visible(p))
    except OSError:
        return False
    for p in entries:
        if p.is_file() and (p.name.endswith(".traj.json") or p.name == "minisweagent.log"
                            or (p.name.startswith("exit_statuses") and p.suffix in (".yaml", ".yml"))):
            return True
        if p.is_dir() and (p / f"{p.name}.traj.json").is_file():
            return True
    return False


# --------------------------------------------------------------------------
# Trajectory → steps
# --------------------------------------------------------------------------


class _Builder:
    def __init__(self, label: str, model: str | None, regexes: list[re.Pattern], base: tuple):
        self.label = label
        self.model = model
        self.regexes = regexes
        self.base = base
        self.steps: list[Step] = []
        self.notes: list[str] = []
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.step_cost: float | None = None
        self.timestamps: list[dt.datetime] = []
        self.pending: dict[str, Step] = {}  # tool call id → action step
        self.last_assistant_ts: dt.datetime | None = None
        self.expect_format_error = False
        self.exit_step: Step | None = None
        self.exit_status: str | None = None
        self.exit_submission: str | None = None
        self.last_action: str | None = None
        self.seen_assistant = False
        self.unknown = 0

    def ptr(self, *parts: object) -> str:
        return pointer(*self.base, *parts)

    # -- usage -------------------------------------------------------------

    def _usage(self, m: dict, extra: dict, place: str) -> Usage | None:
        usage = None
        response = extra.get("response")
        if isinstance(response, dict) and isinstance(response.get("usage"), dict):
            usage = response["usage"]
        elif isinstance(m.get("usage"), dict):
            usage = m["usage"]
        inp = out = total = None
        if usage is not None:
            inp = _int(usage.get("prompt_tokens", usage.get("input_tokens")))
            out = _int(usage.get("completion_tokens", usage.get("output_tokens")))
            total = _int(usage.get("total_tokens"))
        cost = extra.get("cost")
        if cost is not None:
            cost = expect(cost, (int, float), self.label, f"{place}/extra/cost", "'cost' as a number (USD)")
            self.step_cost = (self.step_cost or 0.0) + float(cost)
        if inp is not None:
            self.input_tokens = (self.input_tokens or 0) + inp
        if out is not None:
            self.output_tokens = (self.output_tokens or 0) + out
        if inp is None and out is None and total is None and cost is None:
            return None
        return Usage(input_tokens=inp, output_tokens=out, total_tokens=total,
                     cost_usd=float(cost) if cost is not None else None)

    def _model_of(self, m: dict, extra: dict) -> str | None:
        response = extra.get("response")
        if isinstance(response, dict) and isinstance(response.get("model"), str):
            return response["model"]
        if isinstance(m.get("model"), str):
            return m["model"]
        return self.model

    def _ts(self, extra: dict, place: str) -> dt.datetime | None:
        ts = _timestamp(extra.get("timestamp"), self.label, f"{place}/extra/timestamp")
        if ts is not None:
            self.timestamps.append(ts)
        return ts

    # -- messages ------------------------------------------------------------

    def run(self, messages: list, info: dict | None) -> None:
        label = self.label
        items = [expect(m, dict, label, self.ptr(i), "a message object") for i, m in enumerate(messages)]
        submission = info.get("submission") if info else None
        exit_status = info.get("exit_status") if info else None
        for i, m in enumerate(items):
            place = self.ptr(i)
            extra = m.get("extra")
            if extra is None:
                extra = {}
            expect(extra, dict, label, f"{place}/extra", "'extra' as an object")
            role = m.get("role")
            if role is not None:
                expect(role, str, label, f"{place}/role", "'role' as a string")
            kind = m.get("type")
            if m.get("object") == "response":
                self._response(m, extra, place)
            elif kind == "function_call_output":
                self._observation(m, extra, place, role="tool", call_id=m.get("call_id"),
                                  text=_text(m.get("output"), label, f"{place}/output"))
            elif kind == "function_call":
                self.seen_assistant = True
                self.steps.append(self._tool_call(m, place))
            elif role == "assistant":
                self._assistant(m, extra, place)
            elif role == "exit":
                self._exit(extra.get("exit_status"), extra.get("submission", m.get("content")), place,
                           _text(m.get("content"), label, f"{place}/content"))
            elif role == "tool":
                call_id = m.get("tool_call_id")
                self._observation(m, extra, place, role="tool", call_id=call_id,
                                  text=_text(m.get("content"), label, f"{place}/content"))
            elif role in ("system", "user") or kind == "message":
                text = _text(m.get("content"), label, f"{place}/content")
                who = role or "user"
                if not self.seen_assistant or who == "system":
                    self.steps.append(Step(kind=StepKind.message, actor=who, content=text, source=place,
                                           timestamp=self._ts(extra, place)))
                elif (i == len(items) - 1 and isinstance(exit_status, str) and exit_status
                      and isinstance(submission, str) and text == submission and "returncode" not in extra):
                    self._exit(exit_status, submission, place, text)  # v1: the exit message is a user message
                else:
                    self._observation(m, extra, place, role=who, call_id=None, text=text)
            else:
                self.unknown += 1
                self.steps.append(Step(kind=StepKind.observation, actor=str(role or kind or "unknown"),
                                       title=f"unrecognised message ({role or kind or 'no role'})",
                                       content=_json_text({k: v for k, v in m.items() if k != "extra"}),
                                       source=place))
        if self.unknown:
            self.notes.append(f"{self.unknown} message(s) of an unrecognised shape are shown as JSON observations")

    def _assistant(self, m: dict, extra: dict, place: str) -> None:
        label = self.label
        self.seen_assistant = True
        ts = self._ts(extra, place)
        self.last_assistant_ts = ts
        model = self._model_of(m, extra)
        usage = self._usage(m, extra, place)
        reasoning = m.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning.strip():
            self.steps.append(Step(kind=StepKind.message, actor="assistant", title="reasoning", content=reasoning,
                                   model=model, timestamp=ts, source=place))
        text = _text(m.get("content"), label, f"{place}/content")
        actions = self._actions(m, extra, place, text)
        if text.strip() or not actions:
            self.steps.append(Step(kind=StepKind.message, actor="assistant", content=text, model=model,
                                   usage=usage, timestamp=ts, source=place))
            usage = None
        for step in actions:
            step.model = model
            step.timestamp = ts
            if usage is not None:
                step.usage = usage
                usage = None
            self.steps.append(step)

    def _actions(self, m: dict, extra: dict, place: str, text: str) -> list[Step]:
        label = self.label
        calls = m.get("tool_calls")
        if calls is not None:
            expect(calls, list, label, f"{place}/tool_calls", "'tool_calls' as a list")
        if calls:
            return [self._tool_call(c, f"{place}/tool_calls/{k}") for k, c in enumerate(calls)]
        actions = extra.get("actions")
        if actions is not None:
            expect(actions, list, label, f"{place}/extra/actions", "'extra.actions' as a list")
            out = []
            for k, a in enumerate(actions):
                aplace = f"{place}/extra/actions/{k}"
                expect(a, dict, label, aplace, "an action object")
                cmd = expect(a.get("command"), str, label, f"{aplace}/command", "the action's 'command' as a string")
                call_id = a.get("tool_call_id")
                step = Step(kind=StepKind.terminal_command, actor="assistant", content=cmd, source=aplace)
                if isinstance(call_id, str):
                    step.tool_call = ToolCall(id=call_id, function="bash", arguments={"command": cmd})
                    step.tool_call_id = call_id
                    self.pending[call_id] = step
                out.append(step)
            if actions:
                self.last_action = actions[-1].get("command")
            self.expect_format_error = not actions
            return out
        found: list[str] = []
        for rx in self.regexes:
            found = [a.strip() for a in rx.findall(text)]
            if found:
                break
        if len(found) == 1:
            self.expect_format_error = False
            self.last_action = found[0]
            return [Step(kind=StepKind.terminal_command, actor="assistant", content=found[0],
                         source=f"{place}/content")]
        self.expect_format_error = True
        if found:
            self.notes.append(f"{place}: {len(found)} code blocks in one response; the harness runs none of them")
        return []

    def _tool_call(self, call: Any, place: str) -> Step:
        label = self.label
        expect(call, dict, label, place, "a tool call object")
        fn = call.get("function")
        if isinstance(fn, dict):
            name = expect(fn.get("name"), str, label, f"{place}/function/name", "the function name")
            args: Any = fn.get("arguments")
        else:
            name = expect(call.get("name"), str, label, f"{place}/name", "the function name")
            args = call.get("arguments")
        if isinstance(args, str):
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass  # the model emitted invalid JSON: keep its text
        call_id = call.get("call_id", call.get("id"))  # Responses-API items: call_id links the output
        if call_id is not None:
            call_id = expect(call_id, str, label, f"{place}/id", "the tool call id as a string")
        if name == "bash" and isinstance(args, dict) and isinstance(args.get("command"), str):
            kind, content = StepKind.terminal_command, args["command"]
            self.last_action = content
        else:
            kind, content = StepKind.tool_call, args if isinstance(args, str) else _json_text(args)
        self.expect_format_error = False
        step = Step(kind=kind, actor="assistant", title=None if kind == StepKind.terminal_command else name,
                    content=content, tool_call=ToolCall(id=call_id, function=name, arguments=args),
                    tool_call_id=call_id, source=place)
        if call_id:
            self.pending[call_id] = step
        return step

    def _response(self, m: dict, extra: dict, place: str) -> None:
        """A Responses-API message: ``{object: "response", output: [items], usage, model}``."""
        label = self.label
        self.seen_assistant = True
        ts = self._ts(extra, place)
        self.last_assistant_ts = ts
        if ts is None and _num(m.get("created_at")) is not None:
            ts = _timestamp(m["created_at"], label, f"{place}/created_at")
        model = self._model_of(m, extra)
        usage = self._usage(m, extra, place)
        output = m.get("output")
        if output is None:
            output = []
        expect(output, list, label, f"{place}/output", "'output' as a list of items")
        first = len(self.steps)
        for k, item in enumerate(output):
            iplace = f"{place}/output/{k}"
            expect(item, dict, label, iplace, "an output item object")
            typ = item.get("type")
            if typ == "function_call":
                step = self._tool_call(item, iplace)
            elif typ == "reasoning":
                summary = item.get("summary") or []
                text = _text(summary, label, f"{iplace}/summary") if isinstance(summary, list) else str(summary)
                if not text.strip():
                    continue  # encrypted reasoning: nothing readable
                step = Step(kind=StepKind.message, actor="assistant", title="reasoning", content=text, source=iplace)
            elif typ == "message":
                step = Step(kind=StepKind.message, actor="assistant",
                            content=_text(item.get("content"), label, f"{iplace}/content"), source=iplace)
            else:
                step = Step(kind=StepKind.observation, actor="assistant", title=f"output item {typ}",
                            content=_json_text(item), source=iplace)
            step.model, step.timestamp = model, ts
            self.steps.append(step)
        if len(self.steps) == first:
            self.steps.append(Step(kind=StepKind.message, actor="assistant", content="", model=model, timestamp=ts,
                                   source=place))
        made = self.steps[first:]
        carrier = next((s for s in made if s.kind == StepKind.message and s.title is None), made[0])
        carrier.usage = usage  # the response's usage goes on its text (else its first item)
        actions = extra.get("actions")
        self.expect_format_error = isinstance(actions, list) and not actions

    def _observation(self, m: dict, extra: dict, place: str, *, role: str, call_id: Any, text: str) -> None:
        label = self.label
        ts = self._ts(extra, place)
        interrupt = extra.get("interrupt_type")
        if interrupt == "FormatError" or (self.expect_format_error and "returncode" not in extra
                                          and not _RETURNCODE.search(text) and call_id is None):
            self.steps.append(Step(kind=StepKind.error, actor="harness", title="format error", content=text,
                                   is_error=True, timestamp=ts, source=place))
            self.expect_format_error = False
            return
        if isinstance(interrupt, str) and interrupt:
            self.steps.append(Step(kind=StepKind.observation, actor="harness", title=interrupt, content=text,
                                   timestamp=ts, source=place))
            return
        rc = extra.get("returncode")
        if rc is not None and _int(rc) is None:
            expect(rc, int, label, f"{place}/extra/returncode", "'returncode' as an integer")
        rc = _int(rc)
        if rc is None:
            found = _RETURNCODE.search(text)
            rc = int(found.group(1)) if found else None
        if call_id is not None:
            call_id = expect(call_id, str, label, f"{place}/tool_call_id", "the tool call id as a string")
        duration = None
        if ts is not None and self.last_assistant_ts is not None:
            duration = max(0.0, (ts - self.last_assistant_ts).total_seconds())
        is_error = (rc is not None and rc != 0) or bool(extra.get("exception_info"))
        self.steps.append(Step(kind=StepKind.tool_result if call_id else StepKind.observation,
                               actor="tool" if call_id else role, title=f"exit {rc}" if rc is not None else None,
                               content=text, tool_call_id=call_id, is_error=is_error, timestamp=ts,
                               duration_s=duration, source=place))
        self.expect_format_error = False

    def _exit(self, status: Any, submission: Any, place: str, text: str) -> None:
        status = status if isinstance(status, str) else None
        self.exit_status = status
        sub = submission if isinstance(submission, str) else text
        self.exit_submission = sub
        if status == "Submitted":
            step = Step(kind=StepKind.submission, actor="assistant", title="submission", content=sub, source=place)
        elif _status(status) == "limit":
            step = Step(kind=StepKind.observation, actor="harness", title=status, content=text or f"stopped: {status}",
                        source=place)
        else:
            step = Step(kind=StepKind.error, actor="harness", title=status or "exit", content=text or (status or ""),
                        is_error=bool(status), source=place)
        self.exit_step = step
        self.steps.append(step)


def _regexes(info: dict) -> list[re.Pattern]:
    """The config's ``action_regex`` when it names one (and compiles), else the defaults."""
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    for section in ("model", "agent"):
        sub = config.get(section)
        if isinstance(sub, dict) and isinstance(sub.get("action_regex"), str):
            try:
                return [re.compile(sub["action_regex"], re.DOTALL)]
            except re.error:
                break
    return [re.compile(rx, re.DOTALL) for rx in _DEFAULT_REGEXES]


def _config_model(info: dict) -> str | None:
    config = info.get("config")
    if isinstance(config, dict) and isinstance(config.get("model"), dict):
        name = config["model"].get("model_name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def _environment(info: dict) -> dict[str, Any]:
    """Provenance from ``info.config``: classes, image, limits, model kwargs (no keys, no URLs)."""
    out: dict[str, Any] = {}
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    for key in ("agent_type", "model_type", "environment_type"):
        if isinstance(config.get(key), str):
            out[key] = config[key]
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    for key in ("step_limit", "cost_limit", "mode"):
        if isinstance(agent.get(key), (int, float, str)) and not isinstance(agent.get(key), bool):
            out[key] = agent[key]
    env = config.get("environment") if isinstance(config.get("environment"), dict) else {}
    for key in ("image", "container_image", "timeout", "cwd"):
        if isinstance(env.get(key), (str, int, float)) and not isinstance(env.get(key), bool) and env.get(key) != "":
            out[f"environment_{key}"] = env[key]
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    kwargs = model.get("model_kwargs")
    if isinstance(kwargs, dict):
        safe = {k: v for k, v in kwargs.items()
                if isinstance(v, (int, float, str, bool)) and not re.search(r"key|token|secret|url|base", k, re.I)}
        if safe:
            out["model_kwargs"] = safe
    return out


def _trace(path: Path, label: str, data: Any) -> Trace:
    notes: list[str] = []
    if isinstance(data, list):
        info: dict = {}
        messages = data
        base: tuple = ()
        notes.append("a bare message list: no info block (no exit status, model, cost or version)")
        task_id = _task_stem(path.name)
    else:
        expect(data, dict, label, "", "a mini-swe-agent trajectory object")
        info = data.get("info") if data.get("info") is not None else {}
        expect(info, dict, label, "/info", "'info' as an object")
        messages = expect(data.get("messages"), list, label, "/messages", "'messages' as a list")
        base = ("messages",)
        iid = data.get("instance_id")
        task_id = iid if isinstance(iid, str) and iid.strip() else _task_stem(path.name)
    exit_status = info.get("exit_status")
    if exit_status is not None:
        exit_status = expect(exit_status, str, label, "/info/exit_status", "'exit_status' as a string")
    submission = info.get("submission")
    if submission is not None and not isinstance(submission, str):
        submission = _json_text(submission)
    model = _config_model(info)
    b = _Builder(label, model, _regexes(info), base)
    b.run(messages, {"exit_status": exit_status, "submission": submission} if info else None)
    steps = b.steps
    notes += b.notes
    if b.exit_status and not exit_status:
        exit_status = b.exit_status
    if b.exit_submission is not None and submission is None:
        submission = b.exit_submission

    status = _status(exit_status)
    trace_submission: str | None = None
    deciding = None
    error = None
    if exit_status == "Submitted":
        trace_submission = submission if submission is not None else ""
        if b.exit_step is None or b.exit_step.kind != StepKind.submission:
            steps.append(Step(kind=StepKind.submission, actor="assistant", title="submission",
                              content=trace_submission, source="/info/submission"))
            deciding = len(steps)
        else:
            deciding = steps.index(b.exit_step) + 1
        if not trace_submission.strip():
            notes.append("exit status Submitted with an empty submission")
    elif not info and isinstance(data, list):
        last = steps[-1] if steps else None
        if (last is not None and last.kind == StepKind.observation and last.title is None
                and b.last_action and b.last_action.lstrip().startswith(
                    tuple(f"echo {m}" for m in SUBMIT_MARKERS))):
            last.kind, last.title, last.actor = StepKind.submission, "submission (inferred)", "assistant"
            trace_submission = last.content
            deciding = len(steps)
            status = "completed"
            notes.append("the exit status is not recorded: the last message follows the submit command and is "
                         "taken as the submission")
    elif status == "error":
        detail = submission if isinstance(submission, str) and submission.strip() else ""
        error = f"{exit_status}: {detail}" if detail else exit_status
    elif status == "limit":
        notes.append(f"stopped by {exit_status}")
    if exit_status in _STOPPED:
        notes.append(f"the run was interrupted ({exit_status})")
    if not exit_status and info:
        notes.append("info.exit_status is empty: the run stops without an ending")

    traceback = info.get("traceback")
    if isinstance(traceback, str) and traceback.strip():
        steps.append(Step(kind=StepKind.error, actor="harness", title="traceback", content=traceback, is_error=True,
                          source="/info/traceback"))
        if error is None and status == "error":
            error = traceback.strip().splitlines()[-1]

    stats = info.get("model_stats")
    metadata: dict[str, Any] = {}
    cost = None
    if stats is not None:
        expect(stats, dict, label, "/info/model_stats", "'model_stats' as an object")
        if stats.get("instance_cost") is not None:
            cost = float(expect(stats["instance_cost"], (int, float), label, "/info/model_stats/instance_cost",
                                "'instance_cost' as a number (USD)"))
        calls = stats.get("api_calls")
        if calls is not None:
            metadata["api_calls"] = int(expect(calls, (int, float), label, "/info/model_stats/api_calls",
                                               "'api_calls' as a number"))
    if cost is None and b.step_cost is not None:
        cost = b.step_cost
    usage = Usage(input_tokens=b.input_tokens, output_tokens=b.output_tokens, cost_usd=cost)
    if b.input_tokens is not None or b.output_tokens is not None:
        notes.append("tokens are summed over the model messages' usage (the trajectory records no token totals)")
    for key in ("mini_version",):
        if isinstance(info.get(key), str):
            metadata[key] = info[key]
    if isinstance(data, dict) and isinstance(data.get("trajectory_format"), str):
        metadata["trajectory_format"] = data["trajectory_format"]
    metadata.update(_environment(info))

    started = min(b.timestamps) if b.timestamps else None
    duration = (max(b.timestamps) - started).total_seconds() if b.timestamps else None
    if duration is not None:
        notes.append("duration runs from the first to the last recorded message timestamp")

    return Trace(
        id=task_id,
        task_id=task_id,
        trial=1,
        status=status,
        termination_reason=exit_status or None,
        submission=trace_submission,
        error=error,
        agent="mini-swe-agent",
        model=model,
        usage=usage,
        duration_s=duration,
        started_at=started,
        deciding_step=deciding,
        steps=steps,
        source_file=label,
        source_pointer="",
        notes=notes,
        metadata=metadata,
    )


def _read_preds(path: Path, label: str) -> dict[str, dict]:
    data = load_json(path, label)
    expect(data, dict, label, "", "an object mapping instance id to prediction")
    for key, rec in data.items():
        expect(rec, dict, label, pointer(key), "a prediction object")
        if rec.get("instance_id") is not None:
            expect(rec["instance_id"], str, label, pointer(key, "instance_id"), "'instance_id' as a string")
    return data


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class MiniSWEAgent(Importer):
    name = "mini-swe-agent"
    title = "mini-swe-agent trajectories"
    spec = ("SWE-agent/mini-swe-agent: src/minisweagent/agents/default.py (serialize), "
            "src/minisweagent/models/utils/actions_*.py, docs/usage/output_files.md, docs/advanced/v2_migration.md")
    patterns = ("*.traj.json", "<id>/<id>.traj.json", "*.traj with mini-swe-agent content",
                "preds.json / *preds*.json beside them", "a bare message list fixture (*.json)")

    # -- detection ---------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            if self._trajectories(path, first_only=True):
                return None
            return "folder holds no mini-swe-agent trajectories (*.traj.json or <id>/<id>.traj.json)"
        kind, why = _file_kind(path)
        if kind is None:
            return why
        if kind == "preds":
            return self._preds_ok(path)
        return None

    def _preds_ok(self, path: Path) -> str | None:
        folder = path.parent
        if _swe_agent_traj_beside(folder):
            return "predictions beside SWE-agent .traj files"
        if (path.name == "preds.json" and not _mini_evidence_beside(folder)
                and not self._trajectories(folder, first_only=True)):
            model = _preds_model(_read_head(path))
            if model is None or "__" in model:
                return "preds.json with no mini-swe-agent files beside it and a SWE-agent style model_name_or_path"
        return None

    def _trajectories(self, folder: Path, first_only: bool = False) -> list[Path]:
        """mini-swe-agent trajectory files of the run folder ``folder`` (or of the instance folder itself)."""
        own = folder / f"{folder.name}.traj.json"
        if own.is_file() and _file_kind(own)[0] == "trajectory":
            return [own]
        out: list[Path] = []
        try:
            entries = sorted(p for p in folder.iterdir() if _visible(p))
        except OSError:
            return []
        sniffs = 0
        for p in entries:
            if sniffs >= MAX_FOLDER_SNIFFS and not out:
                break
            cand = None
            if p.is_file() and (p.name.endswith(".traj.json") or p.name.endswith(".traj")):
                cand = p
            elif p.is_dir():
                for name in (f"{p.name}.traj.json", f"{p.name}.traj"):
                    if (p / name).is_file():
                        cand = p / name
                        break
            if cand is None:
                continue
            sniffs += 1
            try:
                kind, _ = _file_kind(cand)
            except OSError:
                continue
            if kind == "trajectory":
                out.append(cand)
                if first_only:
                    break
        return out

    def _run_files(self, folder: Path) -> list[Path]:
        """Every file of a run folder that is this format (trajectories, message lists, predictions)
        plus ``exit_statuses_*.yaml``."""
        out = list(self._trajectories(folder))
        try:
            entries = sorted(p for p in folder.iterdir() if _visible(p) and p.is_file())
        except OSError:
            entries = []
        for p in entries:
            if p in out:
                continue
            if p.name.startswith("exit_statuses") and p.suffix in (".yaml", ".yml"):
                out.append(p)
                continue
            try:
                kind, _ = _file_kind(p)
            except OSError:
                continue
            if kind == "messages" or (kind == "preds" and self._preds_ok(p) is None):
                out.append(p)
        return out

    # -- run metadata ------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        if path.is_dir():
            own = path / f"{path.name}.traj.json"
            if own.is_file():
                run_dir = path.parent
                files = [own] + [p for p in self._run_files(run_dir) if _is_preds_name(p.name)]
                return [self._draft(run_dir, files)]
            files = self._run_files(path)
            if not files:
                raise InputError(str(path), "", "expected a folder with mini-swe-agent trajectories")
            return [self._draft(path, files)]
        kind, why = _file_kind(path)
        if kind is None:
            raise InputError(str(path), "", f"expected a mini-swe-agent file ({why})")
        run_dir = path.parent
        if run_dir.name == _task_stem(path.name) and run_dir.parent != run_dir:
            run_dir = run_dir.parent  # <run>/<id>/<id>.traj.json
        if kind == "preds":
            return [self._draft(run_dir, [path])]
        preds = [p for p in (run_dir / "preds.json",) if p.is_file() and self._preds_ok(p) is None]
        return [self._draft(run_dir, [path] + preds)]

    def _draft(self, run_dir: Path, files: list[Path]) -> RunDraft:
        tasks: list[str] = []
        model = version = None
        environment: dict[str, Any] = {}
        metadata: dict[str, Any] = {"run_folder": run_dir.name}
        preds_model = None
        for f in files:
            label = str(f)
            if f.suffix in (".yaml", ".yml"):
                continue
            kind, _ = _file_kind(f)
            if kind == "preds":
                for key, rec in _read_preds(f, label).items():
                    iid = rec.get("instance_id") if isinstance(rec.get("instance_id"), str) else key
                    if iid not in tasks:
                        tasks.append(iid)
                    name = rec.get("model_name_or_path")
                    if preds_model is None and isinstance(name, str) and name.strip():
                        preds_model = name.strip()
                continue
            data = load_json(f, label)
            if isinstance(data, dict):
                iid = data.get("instance_id")
                task = iid if isinstance(iid, str) and iid.strip() else _task_stem(f.name)
                info = data.get("info") if isinstance(data.get("info"), dict) else {}
                if model is None:
                    model = _config_model(info)
                if version is None and isinstance(info.get("mini_version"), str):
                    version = info["mini_version"]
                if not environment:
                    environment = {k: v for k, v in _environment(info).items()
                                   if not k.startswith("environment_image")}
                fmt = data.get("trajectory_format")
                if isinstance(fmt, str):
                    metadata.setdefault("trajectory_format", fmt)
            else:
                task = _task_stem(f.name)
            if task not in tasks:
                tasks.append(task)
        if model is None and preds_model:
            model = preds_model
            metadata["model_name_or_path"] = preds_model
        names = {str(f): f.relative_to(run_dir).as_posix() if f.is_relative_to(run_dir) else f.name for f in files}
        return RunDraft(
            run_id=_slug(run_dir.name),
            agent=_slug(f"mini-swe-agent-{model.split('/')[-1]}".lower()) if model else "mini-swe-agent",
            agent_name=f"mini-swe-agent ({model})" if model else "mini-swe-agent",
            model=model,
            harness="mini-swe-agent",
            harness_version=version,
            benchmark=None,
            tasks=tasks,
            format=self.name,
            files=[str(f) for f in files],
            names=names,
            formats={str(f): self.name for f in files},
            environment=environment,
            metadata=metadata,
        )

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        if path.is_dir():  # a run or instance folder given whole (the build reads its files one by one)
            (draft,) = self.drafts(path)
            for f in draft.files:
                yield from self.traces(Path(f), f"{label}/{draft.names[f]}")
            return
        if path.suffix in (".yaml", ".yml") or (_is_preds_name(path.name) and _file_kind(path)[0] == "preds"):
            return
        data = load_json(path, label)
        if isinstance(data, list):
            if data and not (isinstance(data[0], dict) and data[0].get("role") == "system"):
                raise InputError(label, "/0", "expected the system message first in a mini-swe-agent message list")
        elif not isinstance(data, dict):
            expect(data, dict, label, "", "a mini-swe-agent trajectory object or message list")
        elif "messages" not in data:
            raise InputError(label, "/messages", "expected 'messages' (a mini-swe-agent trajectory)")
        yield _trace(path, label, data)
