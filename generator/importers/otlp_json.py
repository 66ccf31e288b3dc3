"""OpenTelemetry traces in OTLP/JSON, read with GenAI and OpenInference semantics.

Specs
-----
- OTLP/JSON: ``open-telemetry/opentelemetry-proto``
  ``opentelemetry/proto/collector/trace/v1/trace_service.proto``
  (``ExportTraceServiceRequest``), ``opentelemetry/proto/trace/v1/trace.proto``
  and ``docs/specification.md`` section "JSON Protobuf Encoding"; the file
  exporter (JSON Lines) is ``opentelemetry-specification``
  ``specification/protocol/file-exporter.md``.
- GenAI semantic conventions: ``open-telemetry/semantic-conventions``
  ``model/gen-ai/registry.yaml``, ``model/gen-ai/spans.yaml`` and
  ``model/gen-ai/deprecated/registry-deprecated.yaml`` (now maintained in
  ``open-telemetry/semantic-conventions-genai``), message JSON Schemas
  ``gen-ai-input-messages.json`` / ``gen-ai-output-messages.json``.
- OpenInference: ``Arize-ai/openinference`` ``spec/semantic_conventions.md``.

Parsing
-------
Documents are parsed with the official protobuf message
``opentelemetry.proto.collector.trace.v1.trace_service_pb2.ExportTraceServiceRequest``
and ``google.protobuf.json_format.ParseDict(..., ignore_unknown_fields=True)``,
after a structural walk that:

- accepts the lowerCamelCase names OTLP/JSON specifies and the snake_case
  proto field names (``resource_spans``, ``trace_id``...), which protobuf's JSON
  mapping accepts too;
- renames the pre-1.0 ``instrumentationLibrarySpans`` /
  ``instrumentationLibrary`` to ``scopeSpans`` / ``scope`` (protobuf would drop
  them silently as unknown fields);
- **converts hex ids to base64**: OTLP/JSON writes ``traceId``, ``spanId`` and
  ``parentSpanId`` (and link ids) as hex strings, but protobuf's JSON mapping
  reads ``bytes`` fields as base64, and 32 hex characters are valid base64 that
  decodes to 24 wrong bytes. A string of exactly 32 (trace id) or 16 (span id)
  hex digits is therefore taken as hex and rewritten as base64; anything else
  is taken as base64 (what ``MessageToJson`` writes) and must decode to 16 or 8
  bytes.

``intValue`` and ``*UnixNano`` may be decimal strings or numbers; ``kind`` and
``status.code`` may be integers or enum names (all handled by json_format).

Layouts
-------
- a single ``ExportTraceServiceRequest`` JSON document (``.json``);
- the file exporter's JSON Lines (``.jsonl``, or a ``.json`` whose first line
  is a complete JSON object): one request (``TracesData``, same fields) per
  line. JSON Lines are read twice: a first pass records, per trace id, the last
  line holding one of its spans; the second pass builds and yields each trace
  as soon as its last line has been read. Spans of one trace may therefore be
  spread over any lines (the file exporter gives no ordering guarantee), and
  memory is bounded by the traces that are open at once (the largest trace
  when traces are contiguous). Traces are yielded in the order they complete.

Log (``resourceLogs``) and metric files are refused by ``sniff``; a JSON Lines
file that mixes in such lines has them counted in the notes of its first trace.

Traces
------
One Trace per trace id (``Trace.id`` = the 32-digit hex id). Spans become steps
depth first from the root (roots and children ordered by start time, then by
file order); a span whose parent is not in the file is treated as a root (noted,
and the trace is ``incomplete`` when no true root exists). Every step's
``title`` names the span, its depth and its parent span id; ``source`` is
``line N#/resourceSpans/i/scopeSpans/j/spans/k`` (JSON Lines) or the JSON
pointer of the span.

Attribute normalisation (deprecated names from the GenAI registry; a deprecated
name is only used when the current one is absent, and each mapping is noted):
``gen_ai.system`` -> ``gen_ai.provider.name`` (values ``vertex_ai`` ->
``gcp.vertex_ai``, ``gemini`` -> ``gcp.gemini``, ``xai`` -> ``x_ai``,
``az.ai.inference`` / ``az.ai.openai`` -> ``azure.ai.*``),
``gen_ai.usage.prompt_tokens`` -> ``gen_ai.usage.input_tokens``,
``gen_ai.usage.completion_tokens`` -> ``gen_ai.usage.output_tokens``,
``gen_ai.openai.request.seed`` -> ``gen_ai.request.seed``,
``gen_ai.openai.request.response_format`` -> ``gen_ai.output.type``,
``gen_ai.openai.{request,response}.service_tier`` and
``gen_ai.openai.response.system_fingerprint`` -> ``openai.*``. The obsoleted
``gen_ai.prompt`` / ``gen_ai.completion`` (JSON or text, also flattened as
``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*`` by Traceloop) are read as
input/output content.

Span kinds (``gen_ai.operation.name`` first, else ``openinference.span.kind``):

- ``chat`` / ``text_completion`` / ``generate_content`` / OpenInference
  ``LLM`` (and any-agent's ``call_llm``) -> input ``message`` steps for
  system/user (and history) messages not shown before, then a ``model_call``
  (content: ``gen_ai.output.messages``, OpenInference
  ``llm.output_messages.N``, ``gen_ai.completion``, span events
  ``gen_ai.choice`` / ``gen_ai.content.completion``,
  ``gen_ai.response.content``, ``output.value``; model from
  ``gen_ai.response.model`` / ``gen_ai.request.model`` / ``llm.model_name``;
  usage from ``gen_ai.usage.*`` / ``llm.token_count.*``, cost from
  ``llm.cost.total``), then one ``tool_call`` per tool call the model
  requested;
- ``execute_tool`` / ``TOOL`` -> ``tool_call`` (``gen_ai.tool.name``,
  ``gen_ai.tool.call.id``, ``gen_ai.tool.call.arguments`` or ``input.value``)
  unless it executes a call the model already requested (matched by call id,
  else by tool name in order), then after its children a ``tool_result``
  (``gen_ai.tool.call.result`` or ``output.value``; ``is_error`` on status
  ERROR; duration of the span);
- ``invoke_agent`` / ``create_agent`` / ``AGENT`` -> a ``message`` (actor =
  ``gen_ai.agent.name``) with the agent's input, and after its children a
  ``message`` with its output; the output of the root agent span is the
  trace's ``submission`` (a ``submission`` step);
- ``CHAIN`` / ``invoke_workflow``, ``RETRIEVER`` / ``retrieval``,
  ``RERANKER``, ``GUARDRAIL``, ``EVALUATOR``, ``PROMPT`` -> ``observation``;
  ``embeddings`` / ``EMBEDDING`` -> ``api_call``; spans with no GenAI or
  OpenInference kind -> ``api_call`` when they are CLIENT spans or carry
  ``http.*`` / ``url.full`` / ``rpc.*``, else ``observation``, with their
  attributes as content.

Span events (placed after the span's own step when they happen before its
first child starts, else after its children; evaluations always at the end of
their span): ``exception`` -> an ``error`` step (type, message, stack trace);
``gen_ai.evaluation.result`` (and spans carrying
``gen_ai.evaluation.score.value``) -> a ``score`` step; the last numeric one is
the trace's ``score`` (``score_source`` names the evaluation,
``scorer_explanation`` its explanation) and its ``deciding_step`` (else the
submission step). Content events are read as content; any other event becomes
an ``observation`` step. A span with status ERROR marks its main step
``is_error`` and, unless an ``exception`` event already said so, adds an
``error`` step with the status message after its children.

Trace fields: ``task_id`` = ``gen_ai.conversation.id`` or ``session.id`` (root
span first), else ``<root span name>-<first 8 hex digits of the trace id>``;
``agent`` = the first ``gen_ai.agent.name`` (else the resource's
``service.name``); ``model`` = the models of the model calls (comma-joined in
order of first use when several); ``started_at`` = the earliest span start,
``duration_s`` = latest end minus earliest start (a root span may end before
its children: agento does so); timestamps are nanoseconds since the Unix epoch
converted to UTC. Usage sums the spans that carry usage and have no descendant
that does (so an agent span that repeats its children's totals is not counted
twice). ``status``: ``error`` when a root or agent span has status ERROR
(``Trace.error`` = its status message), ``incomplete`` when no span is a true
root or a span has no end time, else ``completed``.

Attributes that no step shows (request parameters, vendor keys on model and
tool spans) are counted per key in ``Trace.notes``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import add_usage, read_head, slug_hashed, text_or_json
from generator.jsonread import check_strict, expect, loads, pointer
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

MAX_NOTE_KEYS = 25

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_FIRST_KEY = re.compile(rb'^\s*\{\s*"([A-Za-z_]+)"\s*:')

SPAN_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
STATUS_CODES = {0: "unset", 1: "ok", 2: "error"}

DEPRECATED_RENAMES = {
    "gen_ai.system": "gen_ai.provider.name",
    "gen_ai.usage.prompt_tokens": "gen_ai.usage.input_tokens",
    "gen_ai.usage.completion_tokens": "gen_ai.usage.output_tokens",
    "gen_ai.openai.request.seed": "gen_ai.request.seed",
    "gen_ai.openai.request.response_format": "gen_ai.output.type",
    "gen_ai.openai.request.service_tier": "openai.request.service_tier",
    "gen_ai.openai.response.service_tier": "openai.response.service_tier",
    "gen_ai.openai.response.system_fingerprint": "openai.response.system_fingerprint",
}
PROVIDER_VALUE_RENAMES = {
    "vertex_ai": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "xai": "x_ai",
    "az.ai.inference": "azure.ai.inference",
    "az.ai.openai": "azure.ai.openai",
}
RESPONSE_FORMAT_VALUES = {"json_object": "json", "json_schema": "json"}

LLM_OPERATIONS = {"chat", "text_completion", "generate_content", "call_llm"}
AGENT_OPERATIONS = {"invoke_agent", "create_agent"}
OI_ROLES = {
    "LLM": "llm",
    "TOOL": "tool",
    "AGENT": "agent",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "RERANKER": "retriever",
    "EMBEDDING": "embedding",
    "GUARDRAIL": "other_oi",
    "EVALUATOR": "other_oi",
    "PROMPT": "other_oi",
}
OPERATION_ROLES = {
    "execute_tool": "tool",
    "embeddings": "embedding",
    "retrieval": "retriever",
    "invoke_workflow": "chain",
}

# Keys that only identify, classify or describe; they are read for trace
# fields, never listed as "not shown".
_STRUCTURAL = {
    "gen_ai.operation.name",
    "openinference.span.kind",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "llm.model_name",
    "llm.provider",
    "llm.system",
    "gen_ai.agent.name",
    "gen_ai.agent.id",
    "agent.name",
    "gen_ai.conversation.id",
    "session.id",
    "gen_ai.tool.name",
    "gen_ai.tool.call.id",
    "tool.name",
    "tool_call.id",
    "gen_ai.output.type",
    "input.mime_type",
    "output.mime_type",
    "gen_ai.response.id",
    "gen_ai.response.finish_reasons",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.total_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.total",
    "llm.cost.total",
    "gen_ai.usage.input_cost",
    "gen_ai.usage.output_cost",
    "gen_ai.evaluation.name",
    "gen_ai.evaluation.score.value",
    "gen_ai.evaluation.score.label",
    "gen_ai.evaluation.explanation",
    "any_agent.version",  # kept in Trace.metadata by the any-agent importer
}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def maybe_json(value: Any) -> Any:
    """Content attributes are often JSON inside a string: decode when it looks like JSON."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                return value
    return value


def ns_to_datetime(ns: int | None) -> dt.datetime | None:
    if not ns:
        return None
    try:
        return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _indexed(attrs: dict[str, Any], prefix: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Flattened ``prefix.N.rest`` attributes as a list of ``{rest: value}`` by N."""
    out: dict[int, dict[str, Any]] = {}
    used: list[str] = []
    p = prefix + "."
    for key, value in attrs.items():
        if key.startswith(p):
            idx, _, rest = key[len(p):].partition(".")
            if idx.isdigit() and rest:
                out.setdefault(int(idx), {})[rest] = value
                used.append(key)
    return [out[i] for i in sorted(out)], used


# --------------------------------------------------------------------------
# Messages (GenAI parts, OpenAI chat shape, flattened OpenInference/Traceloop)
# --------------------------------------------------------------------------


@dataclass
class Msg:
    role: str
    text: str
    tool_calls: list[tuple[str | None, str, Any]] = field(default_factory=list)
    tool_call_id: str | None = None


def _args(value: Any) -> Any:
    value = maybe_json(value)
    return value


def _part_text(part: Any) -> tuple[str, list[tuple[str | None, str, Any]], str | None]:
    """(text, tool calls, tool call id answered) of one content part or block."""
    if isinstance(part, str):
        return part, [], None
    if not isinstance(part, dict):
        return text_or_json(part), [], None
    kind = part.get("type")
    if kind in ("text", "input_text", "output_text") or (kind is None and isinstance(part.get("text"), str)):
        text = part.get("content") if isinstance(part.get("content"), str) else part.get("text")
        return (text if isinstance(text, str) else text_or_json(text)), [], None
    if kind in ("reasoning", "thinking"):
        text = part.get("content") or part.get("thinking") or part.get("text") or ""
        return "[reasoning] " + (text if isinstance(text, str) else text_or_json(text)), [], None
    if kind in ("tool_call", "tool_use", "function_call"):
        fn = part.get("function") if isinstance(part.get("function"), dict) else {}
        name = part.get("name") or fn.get("name")
        args = part.get("arguments", part.get("input"))
        if args is None:
            args = fn.get("arguments")
        cid = part.get("id") or part.get("call_id")
        return "", [(str(cid) if cid is not None else None, str(name or "tool"), _args(args))], None
    if kind in ("tool_call_response", "tool_result", "function_call_output"):
        resp = part.get("response", part.get("content", part.get("output")))
        cid = part.get("id") or part.get("tool_use_id") or part.get("call_id")
        text = "\n".join(t for t in (_part_text(p)[0] for p in resp) if t) if isinstance(resp, list) else (
            resp if isinstance(resp, str) else text_or_json(resp))
        return text, [], str(cid) if cid is not None else None
    if kind in ("blob", "file", "uri", "image", "image_url", "input_image", "audio"):
        detail = part.get("mime_type") or part.get("uri") or part.get("file_id") or part.get("modality") or ""
        return f"[{kind}{(' ' + str(detail)) if detail else ''}]", [], None
    return text_or_json(part), [], None


def parse_messages(value: Any, default_role: str) -> list[Msg]:
    """Messages from a GenAI/OpenAI/any-agent message list (or one message, or text)."""
    value = maybe_json(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [Msg(default_role, value)] if value.strip() else []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [Msg(default_role, text_or_json(value))]
    out: list[Msg] = []
    for item in value:
        if isinstance(item, str):
            out.append(Msg(default_role, item))
            continue
        if not isinstance(item, dict):
            out.append(Msg(default_role, text_or_json(item)))
            continue
        if isinstance(item.get("message"), dict) and "role" not in item:  # gen_ai.choice body
            inner = dict(item["message"])
            if "tool_calls" in item and "tool_calls" not in inner:
                inner["tool_calls"] = item["tool_calls"]
            item = inner
        role = item.get("role") if isinstance(item.get("role"), str) else default_role
        texts: list[str] = []
        calls: list[tuple[str | None, str, Any]] = []
        answered = item.get("tool_call_id") or (item.get("id") if role == "tool" else None)
        blocks = item.get("parts") if isinstance(item.get("parts"), list) else item.get("content")
        if isinstance(blocks, list):
            for block in blocks:
                text, more, cid = _part_text(block)
                if text:
                    texts.append(text)
                calls += more
                answered = answered or cid
        elif isinstance(blocks, str):
            texts.append(blocks)
        elif blocks is not None:
            texts.append(text_or_json(blocks))
        for tc in item.get("tool_calls") or []:
            if isinstance(tc, dict):
                fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
                name = fn.get("name") or tc.get("name") or "tool"
                args = fn.get("arguments", tc.get("arguments"))
                cid = tc.get("id")
                calls.append((str(cid) if cid is not None else None, str(name), _args(args)))
        out.append(Msg(role, "\n".join(texts), calls, str(answered) if answered is not None else None))
    return out


def _flat_messages(attrs: dict[str, Any], prefix: str, style: str, default_role: str) -> tuple[list[Msg], list[str]]:
    """OpenInference ``llm.input_messages.N.message.*`` or Traceloop ``gen_ai.prompt.N.*``."""
    rows, used = _indexed(attrs, prefix)
    msgs: list[Msg] = []
    for row in rows:
        pre = "message." if style == "oi" else ""
        role = row.get(pre + "role")
        content = row.get(pre + "content")
        texts = [content] if isinstance(content, str) else ([text_or_json(content)] if content is not None else [])
        if style == "oi":
            parts, _ = _indexed(row, "message.contents")
            for part in parts:
                text = part.get("message_content.text")
                if isinstance(text, str):
                    texts.append(text)
                elif part.get("message_content.type") == "image":
                    texts.append("[image]")
        calls: list[tuple[str | None, str, Any]] = []
        tcs, _ = _indexed(row, pre + "tool_calls")
        for tc in tcs:
            if style == "oi":
                name, args, cid = tc.get("tool_call.function.name"), tc.get("tool_call.function.arguments"), tc.get("tool_call.id")
            else:
                name, args, cid = tc.get("name"), tc.get("arguments"), tc.get("id")
            calls.append((str(cid) if cid is not None else None, str(name or "tool"), _args(args)))
        answered = row.get(pre + "tool_call_id")
        msgs.append(Msg(str(role) if role is not None else default_role, "\n".join(t for t in texts if t), calls,
                        str(answered) if answered is not None else None))
    return msgs, used


# --------------------------------------------------------------------------
# The format-neutral span record and the trace builder (shared with any_agent)
# --------------------------------------------------------------------------


@dataclass
class SpanEvent:
    name: str
    time_ns: int | None
    attributes: dict[str, Any]
    place: str


@dataclass
class SpanRecord:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    start_ns: int | None
    end_ns: int | None
    status: str  # unset | ok | error
    status_message: str
    attributes: dict[str, Any]
    events: list[SpanEvent]
    links: int
    resource: dict[str, Any]
    scope: str | None
    scope_version: str | None
    place: str
    order: int
    attr_places: dict[str, str] = field(default_factory=dict)

    def attr_place(self, key: str) -> str:
        return self.attr_places.get(key, self.place)


def normalise_attributes(span: SpanRecord, mapped: Counter) -> None:
    """Deprecated GenAI names -> current names (only when the current one is absent)."""
    attrs = span.attributes
    for old, new in DEPRECATED_RENAMES.items():
        if old in attrs:
            value = attrs.pop(old)
            place = span.attr_places.pop(old, None)
            if new not in attrs:
                if new == "gen_ai.provider.name" and isinstance(value, str):
                    value = PROVIDER_VALUE_RENAMES.get(value, value)
                if new == "gen_ai.output.type" and isinstance(value, str):
                    value = RESPONSE_FORMAT_VALUES.get(value, value)
                attrs[new] = value
                if place:
                    span.attr_places[new] = place
                mapped[f"{old} -> {new}"] += 1
            else:
                mapped[f"{old} (ignored: {new} is also set)"] += 1


def _role(span: SpanRecord) -> str:
    op = span.attributes.get("gen_ai.operation.name")
    if isinstance(op, str):
        if op in LLM_OPERATIONS:
            return "llm"
        if op in AGENT_OPERATIONS:
            return "agent"
        if op in OPERATION_ROLES:
            return OPERATION_ROLES[op]
    oi = span.attributes.get("openinference.span.kind")
    if isinstance(oi, str) and oi.upper() in OI_ROLES:
        return OI_ROLES[oi.upper()]
    if "gen_ai.evaluation.score.value" in span.attributes:
        return "evaluation"
    return "generic"


def _is_api_span(span: SpanRecord) -> bool:
    if span.kind == "client":
        return True
    return any(k.startswith(("http.", "rpc.")) or k == "url.full" for k in span.attributes)


def _num(span: SpanRecord, label: str, key: str, integer: bool) -> float | int | None:
    value = span.attributes.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(label, span.attr_place(key), f"expected {key} as a number, found a boolean")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InputError(label, span.attr_place(key), f"expected {key} as a number, found {value[:30]!r}") from None
    if not isinstance(value, (int, float)) or value != value:
        raise InputError(label, span.attr_place(key), f"expected {key} as a number")
    return int(value) if integer else float(value)


def span_usage(span: SpanRecord, label: str) -> Usage | None:
    def first(*keys: str, integer: bool = True) -> float | int | None:
        for key in keys:
            value = _num(span, label, key, integer)
            if value is not None:
                return value
        return None

    inp = first("gen_ai.usage.input_tokens", "llm.token_count.prompt")
    out = first("gen_ai.usage.output_tokens", "llm.token_count.completion")
    total = first("llm.token_count.total", "gen_ai.usage.total_tokens")
    cost = _num(span, label, "llm.cost.total", False)
    if cost is None:
        ic = _num(span, label, "gen_ai.usage.input_cost", False)
        oc = _num(span, label, "gen_ai.usage.output_cost", False)
        if ic is not None or oc is not None:
            cost = (ic or 0.0) + (oc or 0.0)
    if inp is None and out is None and total is None and cost is None:
        return None
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=total, cost_usd=cost)


def _model_of(span: SpanRecord) -> str | None:
    for key in ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name"):
        value = span.attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _custom_lines(attrs: dict[str, Any], keys: Iterable[str]) -> str:
    lines = []
    for key in keys:
        value = attrs[key]
        text = text_or_json(value)
        lines.append(f"{key}: {text}" if "\n" not in text else f"{key}:\n{text}")
    return "\n".join(lines)


def _is_standard_key(key: str) -> bool:
    return key in _STRUCTURAL


class TraceBuilder:
    """Builds one Trace from the spans of one trace id."""

    def __init__(self, label: str, spans: list[SpanRecord], *, final_output: Any = None,
                 final_output_place: str | None = None, harness: str | None = None,
                 extra_notes: Iterable[str] = ()) -> None:
        self.label = label
        self.spans = spans
        self.final_output = final_output
        self.final_output_place = final_output_place
        self.harness = harness
        self.steps: list[Step] = []
        self.notes: list[str] = list(extra_notes)
        self.seen_texts: set[tuple[str, str]] = set()
        self.pending_calls: list[Step] = []
        self.unshown: Counter[str] = Counter()
        self.events_other: Counter[str] = Counter()
        self.score_steps: list[tuple[int, float | None, str, str | None]] = []
        self.submission: str | None = None
        self.submission_step: int | None = None
        self.error_spans: list[SpanRecord] = []
        self.models: list[str] = []
        self.agent: str | None = None

    # -- helpers -------------------------------------------------------------

    def add(self, **fields: Any) -> Step:
        step = Step(**fields)
        self.steps.append(step)
        return step

    def title(self, span: SpanRecord, depth: int, parent: str | None) -> str:
        return f"{span.name} · depth {depth} · parent {parent or 'none'}"

    def _seen(self, role: str, text: str) -> bool:
        key = ("assistant" if role in ("assistant", "model", "ai") else "other", text.strip())
        if key in self.seen_texts:
            return True
        self.seen_texts.add(key)
        return False

    def _mark(self, role: str, text: str) -> None:
        if text.strip():
            self.seen_texts.add(("assistant" if role in ("assistant", "model", "ai") else "other", text.strip()))

    # -- build ---------------------------------------------------------------

    def build(self) -> Trace:
        spans = self.spans
        trace_id = spans[0].trace_id
        mapped: Counter[str] = Counter()
        for span in spans:
            normalise_attributes(span, mapped)
        if mapped:
            self.notes.append("deprecated GenAI attribute names mapped to current ones: "
                              + ", ".join(f"{k} ({n} span{'s' if n != 1 else ''})" for k, n in sorted(mapped.items())))

        by_id: dict[str, SpanRecord] = {}
        dups = 0
        for span in spans:
            if span.span_id in by_id:
                dups += 1
            else:
                by_id[span.span_id] = span
        if dups:
            self.notes.append(f"{dups} span(s) repeat a span id already seen; parent links use the first")
        children: dict[str, list[SpanRecord]] = defaultdict(list)
        roots: list[SpanRecord] = []
        orphans = 0
        for span in spans:
            if span.parent_id and span.parent_id in by_id and span.parent_id != span.span_id:
                children[span.parent_id].append(span)
            else:
                roots.append(span)
                if span.parent_id:
                    orphans += 1

        def key(s: SpanRecord) -> tuple[int, int]:
            return (s.start_ns if s.start_ns else 1 << 62, s.order)

        roots.sort(key=key)
        for lst in children.values():
            lst.sort(key=key)
        true_roots = [s for s in roots if not s.parent_id]
        if orphans:
            self.notes.append(f"{orphans} span(s) name a parent span that is not in the file; shown as roots")

        visited: set[int] = set()
        self._walk(roots, children, visited)
        unvisited = [s for s in spans if id(s) not in visited]
        if unvisited:
            self.notes.append(f"{len(unvisited)} span(s) are only reachable through a cycle of parent links; shown as roots")
            self._walk(sorted(unvisited, key=key), children, visited)

        # usage: spans with usage and no descendant with usage
        usage_of = {id(s): span_usage(s, self.label) for s in spans}
        has_usage_below: dict[int, bool] = {}

        def below(s: SpanRecord, depth: int = 0) -> bool:
            if id(s) in has_usage_below:
                return has_usage_below[id(s)]
            has_usage_below[id(s)] = False  # guards cycles
            if depth > 2000:
                return False
            found = False
            for c in children.get(s.span_id, []):
                if usage_of[id(c)] is not None or below(c, depth + 1):
                    found = True
            has_usage_below[id(s)] = found
            return found

        total = Usage()
        counted = skipped = 0
        for s in spans:
            u = usage_of[id(s)]
            if u is None:
                continue
            if below(s):
                skipped += 1
                continue
            total = add_usage(total, u)
            counted += 1
        if skipped:
            self.notes.append(f"usage of {skipped} span(s) that repeat their descendants' usage is not added again")

        starts = [s.start_ns for s in spans if s.start_ns]
        ends = [s.end_ns for s in spans if s.end_ns]
        started = ns_to_datetime(min(starts)) if starts else None
        duration = (max(ends) - min(starts)) / 1e9 if starts and ends and max(ends) >= min(starts) else None
        missing_end = sum(1 for s in spans if not s.end_ns)

        # status
        status = "completed"
        error_text = None
        failing = [s for s in self.error_spans if (not s.parent_id or s in true_roots or _role(s) == "agent")]
        if failing:
            status = "error"
            error_text = failing[0].status_message or f"span {failing[0].name!r} ended with status ERROR"
        elif not true_roots:
            status = "incomplete"
            self.notes.append("no span of this trace is a root span (every span names a parent); the record is partial")
        elif missing_end:
            status = "incomplete"
            self.notes.append(f"{missing_end} span(s) have no end time: the record stops before they ended")
        if self.error_spans and not failing:
            self.notes.append(f"{len(self.error_spans)} span(s) ended with status ERROR below the agent level")

        if self.unshown:
            items = sorted(self.unshown.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{k} ×{n}" for k, n in items[:MAX_NOTE_KEYS])
            more = f" and {len(items) - MAX_NOTE_KEYS} more keys" if len(items) > MAX_NOTE_KEYS else ""
            self.notes.append(f"span attributes not shown on any step (request parameters, descriptions or vendor "
                              f"keys): {shown}{more}")
        link_count = sum(s.links for s in spans)
        if link_count:
            self.notes.append(f"{link_count} span link(s) to other traces are not shown")

        # identity
        root = true_roots[0] if true_roots else (roots[0] if roots else spans[0])
        task_id = None
        for s in [root] + [s for s in spans if s is not root]:
            for k in ("gen_ai.conversation.id", "session.id"):
                v = s.attributes.get(k)
                if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
                    task_id = str(v).strip()
                    break
            if task_id:
                break
        if task_id is None:
            task_id = f"{root.name or 'trace'}-{trace_id[:8]}"
        agent = self.agent
        if agent is None:
            svc = root.resource.get("service.name")
            if isinstance(svc, str) and svc and not svc.startswith("unknown_service"):
                agent = svc

        # score / deciding step
        score = score_source = explanation = None
        deciding = None
        numeric = [s for s in self.score_steps if s[1] is not None]
        if numeric:
            idx, value, name, expl = numeric[-1]
            score, score_source, explanation, deciding = value, f"gen_ai.evaluation.result {name}", expl, idx
            if len(numeric) > 1:
                self.notes.append(f"{len(numeric)} evaluation results; the trace score is the last one")
        elif self.submission_step is not None:
            deciding = self.submission_step

        metadata: dict[str, Any] = {"trace_id": trace_id, "spans": len(spans)}
        for k in ("service.name", "service.version", "service.instance.id", "telemetry.sdk.name",
                  "telemetry.sdk.language", "telemetry.sdk.version", "deployment.environment",
                  "deployment.environment.name"):
            v = root.resource.get(k)
            if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                metadata[k] = v
        scopes = sorted({f"{s.scope}{'@' + s.scope_version if s.scope_version else ''}" for s in spans if s.scope})
        if scopes:
            metadata["instrumentation_scopes"] = scopes
        providers = sorted({str(s.attributes["gen_ai.provider.name"]) for s in spans
                            if isinstance(s.attributes.get("gen_ai.provider.name"), str)})
        if providers:
            metadata["providers"] = providers
        if self.harness:
            metadata["harness"] = self.harness

        model = ", ".join(self.models) if self.models else None
        if len(self.models) > 1:
            self.notes.append(f"{len(self.models)} models answered the model calls: {model}")
        return Trace(
            id=trace_id,
            task_id=task_id,
            trial=1,
            status=status,
            termination_reason=error_text if status == "error" else None,
            score=score,
            score_source=score_source,
            scorer_explanation=explanation,
            submission=self.submission,
            error=error_text,
            agent=agent,
            model=model,
            usage=total,
            duration_s=duration,
            started_at=started,
            deciding_step=deciding,
            steps=self.steps,
            source_file=self.label,
            source_pointer=root.place,
            notes=self.notes,
            metadata=metadata,
        )

    def _walk(self, roots: list[SpanRecord], children: dict[str, list[SpanRecord]], visited: set[int]) -> None:
        stack: list[tuple[str, SpanRecord, int, Any]] = []
        for r in reversed(roots):
            stack.append(("enter", r, 0, None))
        while stack:
            action, span, depth, state = stack.pop()
            if action == "exit":
                self._exit(span, depth, state)
                continue
            if id(span) in visited:
                continue
            visited.add(id(span))
            kids = children.get(span.span_id, [])
            state = self._enter(span, depth, kids)
            stack.append(("exit", span, depth, state))
            for child in reversed(kids):
                if id(child) not in visited:
                    stack.append(("enter", child, depth + 1, None))

    # -- one span ------------------------------------------------------------

    def _enter(self, span: SpanRecord, depth: int, kids: list[SpanRecord]) -> dict[str, Any]:
        role = _role(span)
        title = self.title(span, depth, span.parent_id)
        ts = ns_to_datetime(span.start_ns)
        dur = (span.end_ns - span.start_ns) / 1e9 if span.start_ns and span.end_ns and span.end_ns >= span.start_ns else None
        used: set[str] = set()
        state: dict[str, Any] = {"role": role, "title": title, "used": used, "error_step": False, "main": None}
        if span.status == "error":
            self.error_spans.append(span)

        if role == "llm":
            self._llm(span, title, ts, dur, used, state)
        elif role == "tool":
            self._tool(span, title, ts, dur, used, state)
        elif role == "agent":
            name = span.attributes.get("gen_ai.agent.name") or span.attributes.get("agent.name")
            name = str(name) if name else span.name
            if self.agent is None and (span.attributes.get("gen_ai.agent.name") or span.attributes.get("agent.name")):
                self.agent = name
            content = self._input_text(span, used)
            desc = span.attributes.get("gen_ai.agent.description")
            if not content and isinstance(desc, str):
                content = desc
                used.add("gen_ai.agent.description")
            if not content:
                content = self._custom(span, used)
            self._mark("user", content)
            state["main"] = self.add(kind=StepKind.message, actor=name, title=title, content=content,
                                     timestamp=ts, duration_s=dur, is_error=span.status == "error",
                                     usage=span_usage(span, self.label), source=span.place)
            state["agent"] = name
        elif role == "evaluation":
            self._evaluation(span.attributes, span.name, title, ts, span.place, used)
        else:
            if role in ("chain", "retriever", "other_oi"):
                kind = StepKind.observation
            elif role == "embedding" or (role == "generic" and _is_api_span(span)):
                kind = StepKind.api_call
            else:
                kind = StepKind.observation
            content = self._input_text(span, used)
            if role == "retriever":
                docs, dused = _indexed(span.attributes, "retrieval.documents")
                texts = [str(d.get("document.content")) for d in docs if d.get("document.content") is not None]
                if texts:
                    used.update(dused)
                    content = (content + "\n\n" if content else "") + "\n\n".join(texts)
                for k in ("gen_ai.retrieval.query.text", "gen_ai.retrieval.documents"):
                    if k in span.attributes:
                        used.add(k)
                        content = (content + "\n\n" if content else "") + text_or_json(maybe_json(span.attributes[k]))
            if not content:
                content = self._custom(span, used, include_standard=role == "generic")
            state["main"] = self.add(kind=kind, actor=span.attributes.get("gen_ai.agent.name") or None, title=title,
                                     content=content, timestamp=ts, duration_s=dur, is_error=span.status == "error",
                                     usage=span_usage(span, self.label), source=span.place)
        starts = [k.start_ns for k in kids if k.start_ns]
        first_child = min(starts) if starts else None
        early, late = [], []
        for ev in sorted(span.events, key=lambda e: e.time_ns or 0):
            if ev.name == "gen_ai.evaluation.result" or (
                    first_child is not None and ev.time_ns is not None and ev.time_ns >= first_child):
                late.append(ev)
            else:
                early.append(ev)
        self._events(span, early, state)
        state["late_events"] = late
        return state

    def _exit(self, span: SpanRecord, depth: int, state: dict[str, Any]) -> None:
        role, title, used = state["role"], state["title"], state["used"]
        ts_end = ns_to_datetime(span.end_ns)
        dur = (span.end_ns - span.start_ns) / 1e9 if span.start_ns and span.end_ns and span.end_ns >= span.start_ns else None
        if role == "tool":
            result = None
            for k in ("gen_ai.tool.call.result", "output.value", "gen_ai.output"):
                if k in span.attributes:
                    result = span.attributes[k]
                    used.add(k)
                    break
            text = text_or_json(maybe_json(result)) if result is not None else ""
            if not text and span.status == "error":
                text = span.status_message
            self._mark("tool", text)
            self.add(kind=StepKind.tool_result, actor="tool", title=title, content=text,
                     tool_call_id=state.get("call_id"), is_error=span.status == "error", timestamp=ts_end,
                     duration_s=dur, source=span.place)
        elif role in ("agent", "chain"):
            out = self._output_text(span, used)
            is_root = not span.parent_id
            if out is None and is_root and role == "agent" and self.final_output is not None:
                out = text_or_json(maybe_json(self.final_output))
            if out is not None:
                if is_root and role == "agent":
                    self.submission = out
                    self.add(kind=StepKind.submission, actor=state.get("agent"), title=f"{span.name} · output",
                             content=out, timestamp=ts_end,
                             source=span.place if self._output_key(span) else (self.final_output_place or span.place))
                    self.submission_step = len(self.steps)
                else:
                    kind = StepKind.message if role == "agent" else StepKind.observation
                    self.add(kind=kind, actor=state.get("agent"), title=f"{span.name} · output", content=out,
                             timestamp=ts_end, source=span.place)
        self._events(span, state["late_events"], state)
        if span.status == "error" and not state["error_step"]:
            self.add(kind=StepKind.error, actor=state.get("agent"), title=f"{span.name} · status ERROR",
                     content=span.status_message or "the span ended with status ERROR", is_error=True,
                     timestamp=ts_end, source=span.place)
        for key in span.attributes:
            if key not in used and not _is_standard_key(key):
                self.unshown[key] += 1

    # -- content -------------------------------------------------------------

    def _output_key(self, span: SpanRecord) -> str | None:
        for k in ("gen_ai.output.messages", "output.value", "gen_ai.output"):
            if k in span.attributes:
                return k
        return None

    def _output_text(self, span: SpanRecord, used: set[str]) -> str | None:
        key = self._output_key(span)
        if key is None:
            return None
        used.add(key)
        value = maybe_json(span.attributes[key])
        if key == "gen_ai.output.messages":
            msgs = parse_messages(value, "assistant")
            return "\n\n".join(m.text for m in msgs if m.text) or text_or_json(value)
        return text_or_json(value)

    def _input_text(self, span: SpanRecord, used: set[str]) -> str:
        attrs = span.attributes
        if "input.value" in attrs:
            used.add("input.value")
            return text_or_json(maybe_json(attrs["input.value"]))
        if "gen_ai.input.messages" in attrs:
            used.add("gen_ai.input.messages")
            msgs = parse_messages(attrs["gen_ai.input.messages"], "user")
            return "\n\n".join(m.text for m in msgs if m.text)
        return ""

    def _custom(self, span: SpanRecord, used: set[str], include_standard: bool = False) -> str:
        keys = [k for k in span.attributes if k not in used and (include_standard or not _is_standard_key(k))
                and k not in ("openinference.span.kind", "gen_ai.operation.name")]
        used.update(keys)
        return _custom_lines(span.attributes, keys)

    def _inputs(self, span: SpanRecord, used: set[str]) -> list[Msg]:
        attrs = span.attributes
        msgs: list[Msg] = []
        if "gen_ai.system_instructions" in attrs:
            used.add("gen_ai.system_instructions")
            for m in parse_messages(attrs["gen_ai.system_instructions"], "system"):
                m.role = "system"
                msgs.append(m)
        for key, style, prefix in (("gen_ai.input.messages", None, None), ("gen_ai.prompt", None, None),
                                   (None, "oi", "llm.input_messages"), (None, "tl", "gen_ai.prompt")):
            if key is not None:
                if key in attrs:
                    used.add(key)
                    msgs += parse_messages(attrs[key], "user")
                    break
            else:
                flat, fused = _flat_messages(attrs, prefix, style, "user")
                if flat:
                    used.update(fused)
                    msgs += flat
                    break
        for ev in span.events:
            if ev.name in ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
                           "gen_ai.tool.message", "gen_ai.content.prompt"):
                role = ev.name.split(".")[1] if ev.name != "gen_ai.content.prompt" else "user"
                body = ev.attributes.get("content", ev.attributes.get("gen_ai.prompt"))
                if ev.name == "gen_ai.content.prompt":
                    msgs += parse_messages(body, "user")
                else:
                    msgs += [Msg(ev.attributes.get("role") or role, text_or_json(maybe_json(body)) if body is not None else "",
                                 tool_call_id=ev.attributes.get("id"))]
        if not msgs and "input.value" in attrs:
            used.add("input.value")
            msgs.append(Msg("user", text_or_json(maybe_json(attrs["input.value"]))))
        return msgs

    def _outputs(self, span: SpanRecord, used: set[str]) -> tuple[str, list[tuple[str | None, str, Any]], str | None]:
        """(text, requested tool calls, source attribute) of a model call."""
        attrs = span.attributes
        if "gen_ai.output.messages" in attrs:
            used.add("gen_ai.output.messages")
            msgs = parse_messages(attrs["gen_ai.output.messages"], "assistant")
            return "\n\n".join(m.text for m in msgs if m.text), [c for m in msgs for c in m.tool_calls], "gen_ai.output.messages"
        for style, prefix in (("oi", "llm.output_messages"), ("tl", "gen_ai.completion")):
            flat, fused = _flat_messages(attrs, prefix, style, "assistant")
            if flat:
                used.update(fused)
                return "\n\n".join(m.text for m in flat if m.text), [c for m in flat for c in m.tool_calls], prefix
        if "gen_ai.completion" in attrs:
            used.add("gen_ai.completion")
            msgs = parse_messages(attrs["gen_ai.completion"], "assistant")
            return "\n\n".join(m.text for m in msgs if m.text), [c for m in msgs for c in m.tool_calls], "gen_ai.completion"
        texts: list[str] = []
        calls: list[tuple[str | None, str, Any]] = []
        found = False
        for ev in span.events:
            if ev.name == "gen_ai.choice":
                found = True
                body = {k: maybe_json(v) for k, v in ev.attributes.items()}
                msgs = parse_messages(body if "message" in body or "content" in body else [body], "assistant")
                texts += [m.text for m in msgs if m.text]
                calls += [c for m in msgs for c in m.tool_calls]
            elif ev.name == "gen_ai.content.completion":
                found = True
                msgs = parse_messages(ev.attributes.get("gen_ai.completion"), "assistant")
                texts += [m.text for m in msgs if m.text]
                calls += [c for m in msgs for c in m.tool_calls]
        if found:
            return "\n\n".join(texts), calls, "events"
        for key in ("gen_ai.response.content", "output.value"):
            if key in attrs:
                used.add(key)
                return text_or_json(maybe_json(attrs[key])), [], key
        if "gen_ai.output" in attrs:  # any-agent: text, structured output, or a list of requested tool calls
            used.add("gen_ai.output")
            value = maybe_json(attrs["gen_ai.output"])
            if isinstance(value, list) and value and all(isinstance(v, dict) and "tool.name" in v for v in value):
                return "", [(None, str(v["tool.name"]), _args(v.get("tool.args"))) for v in value], "gen_ai.output"
            return text_or_json(value), [], "gen_ai.output"
        return "", [], None

    # -- span kinds ----------------------------------------------------------

    def _llm(self, span: SpanRecord, title: str, ts: Any, dur: float | None, used: set[str], state: dict) -> None:
        for msg in self._inputs(span, used):
            text = msg.text
            if not text.strip() and not msg.tool_calls:
                continue
            if msg.role in ("assistant", "model", "ai") and msg.tool_calls and not text.strip():
                continue  # a tool request repeated in the history: shown where it was made
            if self._seen(msg.role, text):
                continue
            self.add(kind=StepKind.message, actor=msg.role, title="input", content=text, timestamp=ts,
                     tool_call_id=msg.tool_call_id, source=span.place)
        text, calls, _src = self._outputs(span, used)
        self._mark("assistant", text)
        model = _model_of(span)
        if model and model not in self.models:
            self.models.append(model)
        state["main"] = self.add(kind=StepKind.model_call, actor="assistant", title=title, content=text,
                                 model=model, usage=span_usage(span, self.label), timestamp=ts, duration_s=dur,
                                 is_error=span.status == "error", source=span.place)
        for cid, name, args in calls:
            step = self.add(kind=StepKind.tool_call, actor="assistant", title=name,
                            content=text_or_json(args) if args is not None else "",
                            tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid,
                            model=model, timestamp=ts, source=span.place)
            self.pending_calls.append(step)

    def _tool(self, span: SpanRecord, title: str, ts: Any, dur: float | None, used: set[str], state: dict) -> None:
        attrs = span.attributes
        name = attrs.get("gen_ai.tool.name") or attrs.get("tool.name")
        if not isinstance(name, str) or not name:
            name = span.name[len("execute_tool "):] if span.name.startswith("execute_tool ") else span.name
        cid = attrs.get("gen_ai.tool.call.id", attrs.get("tool_call.id"))
        cid = str(cid) if cid is not None else None
        args: Any = None
        for k in ("gen_ai.tool.call.arguments", "input.value", "gen_ai.tool.args"):
            if k in attrs:
                args = _args(attrs[k])
                used.add(k)
                break
        match = None
        for i, step in enumerate(self.pending_calls):
            call = step.tool_call
            assert call is not None
            if cid is not None and call.id == cid:
                match = i
                break
        if match is None:
            for i, step in enumerate(self.pending_calls):
                call = step.tool_call
                assert call is not None
                if call.function == name and (cid is None or call.id is None):
                    match = i
                    break
        if match is not None:
            step = self.pending_calls.pop(match)
            assert step.tool_call is not None
            if step.tool_call.id is None and cid is not None:
                step.tool_call.id = cid
                step.tool_call_id = cid
            state["call_id"] = step.tool_call.id
            state["main"] = step
            return
        state["call_id"] = cid
        state["main"] = self.add(kind=StepKind.tool_call, actor=state.get("agent") or "assistant", title=name,
                                 content=text_or_json(args) if args is not None else "",
                                 tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid,
                                 timestamp=ts, is_error=span.status == "error", source=span.place)

    def _evaluation(self, attrs: dict[str, Any], fallback: str, title: str, ts: Any, place: str, used: set[str]) -> None:
        name = attrs.get("gen_ai.evaluation.name")
        name = str(name) if name is not None else fallback
        raw = attrs.get("gen_ai.evaluation.score.value")
        value: float | None = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                value = None
        label = attrs.get("gen_ai.evaluation.score.label")
        expl = attrs.get("gen_ai.evaluation.explanation")
        used.update(k for k in attrs if k.startswith("gen_ai.evaluation."))
        parts = [f"{name}: {raw if raw is not None else '—'}" + (f" ({label})" if label is not None else "")]
        if expl:
            parts.append(str(expl))
        self.add(kind=StepKind.score, actor="evaluator", title=title, content="\n\n".join(parts), timestamp=ts,
                 source=place)
        self.score_steps.append((len(self.steps), value, name, str(expl) if expl is not None else None))

    def _events(self, span: SpanRecord, events: list[SpanEvent], state: dict) -> None:
        """Span events in time order: exceptions, evaluations, and anything else as observations."""
        content_events = {"gen_ai.choice", "gen_ai.content.completion", "gen_ai.content.prompt", "gen_ai.system.message",
                          "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message"}
        for ev in events:
            ts = ns_to_datetime(ev.time_ns)
            if ev.name == "exception":
                etype = ev.attributes.get("exception.type")
                emsg = ev.attributes.get("exception.message")
                stack = ev.attributes.get("exception.stacktrace")
                head = ": ".join(str(x) for x in (etype, emsg) if x) or "exception"
                content = head + (f"\n\n{stack}" if isinstance(stack, str) and stack else "")
                self.add(kind=StepKind.error, actor=state.get("agent"), title=f"{span.name} · exception",
                         content=content, is_error=True, timestamp=ts, source=ev.place)
                state["error_step"] = True
            elif ev.name == "gen_ai.evaluation.result":
                self._evaluation(ev.attributes, ev.name, f"{span.name} · evaluation", ts, ev.place, set())
            elif ev.name in content_events and state["role"] == "llm":
                continue  # read as the model call's input or output
            else:
                self.add(kind=StepKind.observation, actor=None, title=f"{span.name} · event {ev.name}",
                         content=_custom_lines(ev.attributes, list(ev.attributes)), timestamp=ts, source=ev.place)


def summarise_drafts(traces: list[Trace]) -> dict[str, Any]:
    """Agent, model(s), tasks and harness facts over the traces of one file."""
    tasks: list[str] = []
    models: list[str] = []
    agent = None
    for t in traces:
        if t.task_id not in tasks:
            tasks.append(t.task_id)
        for m in (t.model or "").split(", "):
            if m and m not in models:
                models.append(m)
        agent = agent or t.agent
    return {"tasks": tasks, "models": models, "agent": agent}


# --------------------------------------------------------------------------
# OTLP/JSON specifics
# --------------------------------------------------------------------------


def _get(obj: dict, *names: str) -> tuple[str | None, Any]:
    for name in names:
        if name in obj:
            return name, obj[name]
    return None, None


def _id_to_base64(obj: dict, names: tuple[str, str], nbytes: int, label: str, place: str, required: bool) -> str | None:
    """Rewrite a hex id to base64 in place; return its hex form (None when absent/empty)."""
    key, value = _get(obj, *names)
    if key is None or value in (None, ""):
        if required:
            raise InputError(label, place, f"expected a {nbytes}-byte {names[0]} (hex string)")
        return None
    where = place + pointer(key)
    expect(value, str, label, where, f"{names[0]} as a hex (or base64) string")
    if len(value) == 2 * nbytes and _HEX.match(value):
        raw = bytes.fromhex(value)
        obj[key] = base64.b64encode(raw).decode()
    else:
        try:
            raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if ("-" in value or "_" in value) else None,
                                   validate=True)
        except (binascii.Error, ValueError):
            raise InputError(label, where, f"expected {names[0]} as {2 * nbytes} hex digits or base64 of {nbytes} bytes") from None
        if len(raw) != nbytes:
            raise InputError(label, where, f"expected {names[0]} of {nbytes} bytes, found {len(raw)}")
        obj[key] = base64.b64encode(raw).decode()
    if raw == bytes(nbytes):
        if required:
            raise InputError(label, where, f"expected a non-zero {names[0]}")
        return None
    return raw.hex()


@dataclass
class _Prepared:
    doc: dict
    span_places: list[list[list[str]]]  # [resource][scope][span] -> pointer
    trace_ids: list[str]
    other_signals: int


def _prepare(doc: Any, label: str, base: str) -> _Prepared:
    """Check the request's shape, rename legacy keys and convert hex ids (in place)."""
    expect(doc, dict, label, base or "/", "an ExportTraceServiceRequest object")
    rkey, rss = _get(doc, "resourceSpans", "resource_spans")
    other = 1 if any(k in doc for k in ("resourceLogs", "resource_logs", "resourceMetrics", "resource_metrics")) else 0
    places: list[list[list[str]]] = []
    tids: list[str] = []
    if rkey is None:
        return _Prepared(doc, places, tids, other)
    expect(rss, list, label, base + pointer(rkey), "resourceSpans as a list")
    for ri, rs in enumerate(rss):
        rplace = base + pointer(rkey, ri)
        expect(rs, dict, label, rplace, "a ResourceSpans object")
        for old in ("instrumentationLibrarySpans", "instrumentation_library_spans"):
            if old not in rs:
                continue
            legacy = rs.pop(old)  # pre-1.0 OTLP: same shape, older names
            expect(legacy, list, label, rplace + pointer(old), f"{old} as a list")
            for item in legacy:
                if isinstance(item, dict):
                    for lk in ("instrumentationLibrary", "instrumentation_library"):
                        if lk in item:
                            item["scope"] = item.pop(lk)
            current_key, current = _get(rs, "scopeSpans", "scope_spans")
            if isinstance(current, list):
                current.extend(legacy)
            else:
                rs["scopeSpans"] = legacy
        skey, sss = _get(rs, "scopeSpans", "scope_spans")
        rlist: list[list[str]] = []
        places.append(rlist)
        if skey is None:
            continue
        expect(sss, list, label, rplace + pointer(skey), "scopeSpans as a list")
        for si, ss in enumerate(sss):
            splace = rplace + pointer(skey, si)
            expect(ss, dict, label, splace, "a ScopeSpans object")
            slist: list[str] = []
            rlist.append(slist)
            spans = ss.get("spans")
            if spans is None:
                continue
            expect(spans, list, label, splace + "/spans", "spans as a list")
            for pi, sp in enumerate(spans):
                pplace = splace + pointer("spans", pi)
                expect(sp, dict, label, pplace, "a Span object")
                tid = _id_to_base64(sp, ("traceId", "trace_id"), 16, label, pplace, True)
                _id_to_base64(sp, ("spanId", "span_id"), 8, label, pplace, True)
                _id_to_base64(sp, ("parentSpanId", "parent_span_id"), 8, label, pplace, False)
                links = sp.get("links")
                if isinstance(links, list):
                    for li, link in enumerate(links):
                        if isinstance(link, dict):
                            lplace = pplace + pointer("links", li)
                            _id_to_base64(link, ("traceId", "trace_id"), 16, label, lplace, False)
                            _id_to_base64(link, ("spanId", "span_id"), 8, label, lplace, False)
                slist.append(pplace)
                assert tid is not None
                if tid not in tids:
                    tids.append(tid)
    return _Prepared(doc, places, tids, other)


def _parse(prep: _Prepared, label: str, place: str) -> trace_service_pb2.ExportTraceServiceRequest:
    msg = trace_service_pb2.ExportTraceServiceRequest()
    try:
        json_format.ParseDict(prep.doc, msg, ignore_unknown_fields=True)
        return msg
    except (json_format.ParseError, DecodeError, ValueError, TypeError, RecursionError) as exc:
        first_error = str(exc).split("\n")[0][:300]
    # find the span that broke the parse, to name it
    rkey, rss = _get(prep.doc, "resourceSpans", "resource_spans")
    for ri, rs in enumerate(rss or []):
        skey, sss = _get(rs, "scopeSpans", "scope_spans")
        for si, ss in enumerate(sss or []):
            for pi, sp in enumerate(ss.get("spans") or []):
                try:
                    json_format.ParseDict(sp, trace_pb2.Span(), ignore_unknown_fields=True)
                except (json_format.ParseError, DecodeError, ValueError, TypeError, RecursionError) as exc:
                    where = prep.span_places[ri][si][pi]
                    raise InputError(label, where, f"expected an OTLP Span ({str(exc).splitlines()[0][:200]})") from None
    raise InputError(label, place, f"expected an OTLP ExportTraceServiceRequest ({first_error})")


def _any_value(v: Any, depth: int = 0) -> Any:
    which = v.WhichOneof("value")
    if which is None or depth > 64:
        return None
    if which == "string_value":
        return v.string_value
    if which == "bool_value":
        return v.bool_value
    if which == "int_value":
        return v.int_value
    if which == "double_value":
        return v.double_value
    if which == "array_value":
        return [_any_value(x, depth + 1) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _any_value(kv.value, depth + 1) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return "base64:" + base64.b64encode(v.bytes_value).decode()
    return None


def _attrs(kvs: Any, base_place: str, key_name: str) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    places: dict[str, str] = {}
    for i, kv in enumerate(kvs):
        out[kv.key] = _any_value(kv.value)
        places[kv.key] = base_place + pointer(key_name, i, "value")
    return out, places


def _records(msg: trace_service_pb2.ExportTraceServiceRequest, prep: _Prepared, order_start: int) -> list[SpanRecord]:
    out: list[SpanRecord] = []
    order = order_start
    for ri, rs in enumerate(msg.resource_spans):
        resource, _ = _attrs(rs.resource.attributes, "", "attributes")
        for si, ss in enumerate(rs.scope_spans):
            scope = ss.scope.name or None
            scope_version = ss.scope.version or None
            for pi, sp in enumerate(ss.spans):
                place = prep.span_places[ri][si][pi]
                attrs, aplaces = _attrs(sp.attributes, place, "attributes")
                events = []
                for ei, ev in enumerate(sp.events):
                    eattrs, _ = _attrs(ev.attributes, "", "attributes")
                    events.append(SpanEvent(ev.name, ev.time_unix_nano or None, eattrs, place + pointer("events", ei)))
                out.append(SpanRecord(
                    trace_id=sp.trace_id.hex(),
                    span_id=sp.span_id.hex(),
                    parent_id=sp.parent_span_id.hex() if sp.parent_span_id else None,
                    name=sp.name,
                    kind=SPAN_KINDS.get(sp.kind, str(sp.kind)),
                    start_ns=sp.start_time_unix_nano or None,
                    end_ns=sp.end_time_unix_nano or None,
                    status=STATUS_CODES.get(sp.status.code, "unset"),
                    status_message=sp.status.message,
                    attributes=attrs,
                    events=events,
                    links=len(sp.links),
                    resource=resource,
                    scope=scope,
                    scope_version=scope_version,
                    place=place,
                    order=order,
                    attr_places=aplaces,
                ))
                order += 1
    return out


def _is_jsonl(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    first, nl, rest = head.lstrip().partition(b"\n")
    if not nl or not rest.strip():
        return False
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


class OtlpJson(Importer):
    name = "otlp-json"
    title = "OpenTelemetry OTLP/JSON traces (GenAI / OpenInference)"
    spec = ("open-telemetry/opentelemetry-proto opentelemetry/proto/collector/trace/v1/trace_service.proto, "
            "docs/specification.md (JSON Protobuf Encoding); open-telemetry/semantic-conventions model/gen-ai/")
    patterns = ("*.json / *.jsonl whose top-level key is resourceSpans",)
    priority = 40

    # -- sniff -------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            return "a folder; OTLP/JSON traces are single .json or .jsonl files"
        if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
            return "not a .json or .jsonl file"
        head = read_head(path)
        m = _FIRST_KEY.match(head)
        if not m:
            return "does not start with a JSON object"
        key = m.group(1).decode()
        if key in ("resourceSpans", "resource_spans"):
            return None
        if key in ("resourceLogs", "resource_logs"):
            return "OTLP logs (resourceLogs), not traces"
        if key in ("resourceMetrics", "resource_metrics"):
            return "OTLP metrics (resourceMetrics), not traces"
        return "first key is not resourceSpans"

    # -- reading -----------------------------------------------------------

    def _groups(self, path: Path, label: str) -> Iterator[tuple[list[SpanRecord], list[str]]]:
        """(spans of one trace, notes) in completion order."""
        try:
            head = read_head(path)
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
        if not _is_jsonl(path, head):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
            doc = loads(data, label)
            prep = _prepare(doc, label, "")
            if not prep.trace_ids and prep.other_signals:
                raise InputError(label, "", "expected OTLP traces (resourceSpans); this is a logs or metrics document")
            msg = _parse(prep, label, "")
            groups: dict[str, list[SpanRecord]] = {}
            for rec in _records(msg, prep, 0):
                groups.setdefault(rec.trace_id, []).append(rec)
            for tid in prep.trace_ids:
                yield groups[tid], []
            return
        # JSON Lines: pass 1 finds the last line of every trace
        last_line: dict[str, int] = {}
        first_seen: dict[str, int] = {}
        other = 0
        for number, line in self._lines(path, label):
            if not line:
                continue
            prep = _prepare(self._loads_line(line, label, number), label, f"line {number}#")
            if prep.other_signals and not prep.trace_ids:
                other += 1
            for tid in prep.trace_ids:
                last_line[tid] = number
                first_seen.setdefault(tid, len(first_seen))
        open_groups: dict[str, list[SpanRecord]] = {}
        order = 0
        noted = False
        for number, line in self._lines(path, label):
            if not line:
                continue
            prep = _prepare(self._loads_line(line, label, number), label, f"line {number}#")
            msg = _parse(prep, label, f"line {number}")
            recs = _records(msg, prep, order)
            order += len(recs)
            for rec in recs:
                open_groups.setdefault(rec.trace_id, []).append(rec)
            done = sorted((tid for tid in list(open_groups) if last_line.get(tid) == number), key=lambda t: first_seen[t])
            for tid in done:
                notes: list[str] = []
                if other and not noted:
                    notes.append(f"{other} line(s) of the file hold logs or metrics, not spans; not shown")
                    noted = True
                yield open_groups.pop(tid), notes
        for tid in list(open_groups):  # file changed between passes
            yield open_groups.pop(tid), []

    def _lines(self, path: Path, label: str) -> Iterator[tuple[int, bytes | None]]:
        try:
            with path.open("rb") as fh:
                for number, line in enumerate(fh, start=1):
                    stripped = line.strip()
                    yield number, stripped if stripped else None
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None

    def _loads_line(self, line: bytes, label: str, number: int) -> Any:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(label, f"line {number}", f"invalid JSON Lines record ({str(exc).split(':')[0]})") from None
        try:
            check_strict(line, label, value)  # duplicate keys, over-long integers (value: not parsed twice)
        except InputError as exc:
            raise InputError(label, f"line {number}{'#' + exc.place if exc.place else ''}", exc.message) from None
        return value

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        for spans, notes in self._groups(path, label):
            yield TraceBuilder(label, spans, extra_notes=notes).build()

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        traces = list(self.traces(path, label))
        facts = summarise_drafts(traces)
        environment: dict[str, Any] = {}
        metadata: dict[str, Any] = {"traces": len(traces)}
        harness = harness_version = None
        for t in traces:
            for k in ("telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version", "service.version",
                      "deployment.environment", "deployment.environment.name"):
                if k in t.metadata:
                    environment.setdefault(k, t.metadata[k])
            if "service.name" in t.metadata and harness is None and not str(t.metadata["service.name"]).startswith("unknown_service"):
                harness = str(t.metadata["service.name"])
                harness_version = str(t.metadata["service.version"]) if "service.version" in t.metadata else None
            if "instrumentation_scopes" in t.metadata:
                metadata.setdefault("instrumentation_scopes", t.metadata["instrumentation_scopes"])
        abs_path = str(path.resolve())
        stem = path.name
        for suffix in (".jsonl", ".ndjson", ".json", ".otlp"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        models = facts["models"]
        return [RunDraft(
            run_id=slug_hashed(stem),
            agent=slug_hashed(facts["agent"]) if facts["agent"] else None,
            agent_name=facts["agent"],
            model=models[0] if len(models) == 1 else (", ".join(models) if models else None),
            harness=harness,
            harness_version=harness_version,
            tasks=facts["tasks"],
            format=self.name,
            files=[abs_path],
            names={abs_path: path.name},
            formats={abs_path: self.name},
            environment=environment,
            metadata=metadata | ({"models": models} if len(models) > 1 else {}),
        )]
