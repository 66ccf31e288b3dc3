"""any-agent ``AgentTrace`` JSON (mozilla-ai/any-agent): GenAI-style spans, not OTLP.

Spec: ``mozilla-ai/any-agent`` ``src/any_agent/tracing/agent_trace.py``
(``AgentTrace{spans, final_output}``, ``AgentSpan``), ``src/any_agent/tracing/
attributes.py`` (the ``gen_ai.*`` keys it writes) and the OTel value types it
re-exports from ``tinyagent.tracing.otel_types``; sample dumps in
``docs/traces/*_trace.json``.

The file is one JSON object ``{"spans": [...], "final_output": ...}``. Each
span is the OpenTelemetry SDK's ``ReadableSpan`` dumped by pydantic:
``name``, ``kind`` (``"internal"``, ``"client"``...), ``context`` and ``parent``
(``{trace_id, span_id}`` as **decimal integers**, the parent's ids null for
the root), ``start_time`` / ``end_time`` (integer nanoseconds since the Unix
epoch), ``status`` (``{status_code: "unset" | "ok" | "error", description}``),
``attributes`` (a plain JSON object, not OTLP key/value lists), ``events``
(``{name, timestamp, attributes}``), ``links`` and ``resource``
(``{attributes, schema_url}``).

The file is checked with orjson (NaN, Infinity and syntax errors are refused
with their line and column) and its values are then read with Python's
``json`` module, refusing duplicate keys: trace ids are 128-bit integers,
which orjson reads as rounded floats and the shared strict reader refuses.

Normalisations: integer ids are written as 32/16-digit lowercase hex (the OTel
text form) so trace ids match OTLP exports of the same run; any-agent's own
keys are read like their GenAI counterparts: ``gen_ai.operation.name`` =
``call_llm`` is a model call, ``gen_ai.output`` is the model's text, its
structured output or a JSON list of requested tool calls
(``[{"tool.name", "tool.args"}]``) on model spans and the tool's result on
``execute_tool`` spans, ``gen_ai.tool.args`` the tool arguments,
``gen_ai.usage.input_cost`` + ``gen_ai.usage.output_cost`` the step's cost in
USD (computed by any-agent with litellm prices). ``final_output`` (text or a
structured object) is the output of the root ``invoke_agent`` span: the trace's
``submission`` and deciding step. Deprecated GenAI names are mapped as in the
OTLP importer. Spans become steps exactly as in :mod:`generator.importers.otlp_json`
(the shared :class:`~generator.importers.otlp_json.TraceBuilder`), so its
docstring describes kinds, ordering, usage, status and task ids; ``harness``
is ``any-agent`` at the root span's ``any_agent.version``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import slug_hashed
from generator.importers.otlp_json import SpanEvent, SpanRecord, TraceBuilder, summarise_drafts
from generator.jsonread import expect, pointer
from generator.model import RunDraft, Trace

SNIFF_BYTES = 64 * 1024
_STATUS = {"unset": "unset", "ok": "ok", "error": "error", "status_code.unset": "unset",
           "status_code.ok": "ok", "status_code.error": "error", "0": "unset", "1": "ok", "2": "error"}
_KINDS = {"internal", "server", "client", "producer", "consumer"}


def _hex_id(value: Any, nbytes: int, label: str, place: str, required: bool) -> str | None:
    if value is None:
        if required:
            raise InputError(label, place, "expected an integer id")
        return None
    if isinstance(value, bool):
        raise InputError(label, place, "expected an integer id, found a boolean")
    if isinstance(value, str):
        text = value.lower().removeprefix("0x")
        if re.fullmatch(r"[0-9a-f]{%d}" % (2 * nbytes), text):
            return text
        if text.isdigit():
            value = int(text)
        else:
            raise InputError(label, place, f"expected an integer (or {2 * nbytes}-digit hex) id")
    if not isinstance(value, int) or value < 0 or value >= 1 << (8 * nbytes):
        raise InputError(label, place, f"expected a non-negative integer id below 2^{8 * nbytes}")
    if value == 0:
        if required:
            raise InputError(label, place, "expected a non-zero id")
        return None
    return f"{value:0{2 * nbytes}x}"


class _Duplicate(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Duplicate(dup)
    return out


def _load_exact(path: Path, label: str) -> Any:
    """Strict syntax check with orjson (NaN, Infinity, comments and syntax errors refused, with their
    line and column), then the values with the standard library, which keeps 128-bit integer ids exact
    (orjson, and so the shared strict reader, turns them into rounded floats). Duplicate keys are refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(label, "line 1", "file starts with a UTF-8 byte-order mark; expected plain UTF-8 JSON")
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        m = re.search(r"line (\d+) column (\d+)", str(exc))
        place = f"line {m.group(1)}, column {m.group(2)}" if m else ""
        raise InputError(label, place, f"invalid JSON ({str(exc).split(':')[0]}); expected a JSON document") from None
    try:
        return json.loads(data, object_pairs_hook=_unique_pairs)
    except _Duplicate as exc:
        raise InputError(label, "", f"duplicate key {exc.args[0]!r} in one object; expected each key once") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(label, "", f"invalid JSON ({exc}); expected a JSON document") from None


def _int_ns(value: Any, label: str, place: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(label, place, "expected integer nanoseconds since the Unix epoch")
    return value or None


def _span(raw: Any, i: int, label: str) -> SpanRecord:
    place = pointer("spans", i)
    expect(raw, dict, label, place, "an AgentSpan object")
    name = expect(raw.get("name", ""), str, label, place + "/name", "the span name as a string")
    ctx = expect(raw.get("context"), dict, label, place + "/context", "a span context object")
    trace_id = _hex_id(ctx.get("trace_id"), 16, label, place + "/context/trace_id", True)
    span_id = _hex_id(ctx.get("span_id"), 8, label, place + "/context/span_id", True)
    parent = raw.get("parent")
    parent_id = None
    if parent is not None:
        expect(parent, dict, label, place + "/parent", "the parent span context as an object or null")
        parent_id = _hex_id(parent.get("span_id"), 8, label, place + "/parent/span_id", False)
    status = raw.get("status") or {}
    expect(status, dict, label, place + "/status", "a status object")
    code = status.get("status_code", "unset")
    code_key = str(code).lower()
    if code_key not in _STATUS:
        raise InputError(label, place + "/status/status_code", "expected status_code 'unset', 'ok' or 'error'")
    desc = status.get("description")
    attrs = raw.get("attributes") or {}
    expect(attrs, dict, label, place + "/attributes", "attributes as an object")
    events = []
    raw_events = raw.get("events") or []
    expect(raw_events, list, label, place + "/events", "events as a list")
    for j, ev in enumerate(raw_events):
        eplace = place + pointer("events", j)
        expect(ev, dict, label, eplace, "a span event object")
        eattrs = ev.get("attributes") or {}
        expect(eattrs, dict, label, eplace + "/attributes", "event attributes as an object")
        ename = ev.get("name", "")
        events.append(SpanEvent(str(ename), _int_ns(ev.get("timestamp", ev.get("time")), label, eplace + "/timestamp"),
                                dict(eattrs), eplace))
    links = raw.get("links") or []
    expect(links, list, label, place + "/links", "links as a list")
    resource = raw.get("resource") or {}
    expect(resource, dict, label, place + "/resource", "a resource object")
    rattrs = resource.get("attributes") or {}
    expect(rattrs, dict, label, place + "/resource/attributes", "resource attributes as an object")
    kind = str(raw.get("kind") or "internal").lower()
    assert trace_id is not None and span_id is not None
    return SpanRecord(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent_id,
        name=name,
        kind=kind if kind in _KINDS else kind,
        start_ns=_int_ns(raw.get("start_time"), label, place + "/start_time"),
        end_ns=_int_ns(raw.get("end_time"), label, place + "/end_time"),
        status=_STATUS[code_key],
        status_message=str(desc) if desc is not None else "",
        attributes=dict(attrs),
        events=events,
        links=len(links),
        resource=dict(rattrs),
        scope=None,
        scope_version=None,
        place=place,
        order=i,
        attr_places={k: place + pointer("attributes", k) for k in attrs},
    )


class AnyAgent(Importer):
    name = "any-agent"
    title = "any-agent AgentTrace JSON"
    spec = "mozilla-ai/any-agent src/any_agent/tracing/agent_trace.py (AgentTrace, AgentSpan)"
    patterns = ("*.json with spans[].context.trace_id (integer ids)",)
    priority = 45

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            return "a folder; any-agent traces are single .json files"
        if path.suffix.lower() != ".json":
            return "not a .json file"
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        text = head.lstrip()
        if not text.startswith(b"{"):
            return "not a JSON object"
        if not re.match(rb'\{\s*"(spans|final_output)"\s*:', text):
            return 'first key is not "spans" or "final_output"'
        if b'"context"' in head and b'"trace_id"' in head and b'"start_time"' in head:
            return None
        return "no AgentSpan fields (context.trace_id, start_time) near the start"

    def _load(self, path: Path, label: str) -> tuple[list[SpanRecord], Any, bool]:
        doc = expect(_load_exact(path, label), dict, label, "", "an AgentTrace object")
        spans_raw = expect(doc.get("spans"), list, label, "/spans", "spans as a list")
        spans = [_span(s, i, label) for i, s in enumerate(spans_raw)]
        return spans, doc.get("final_output"), "final_output" in doc

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        spans, final_output, has_final = self._load(path, label)
        groups: dict[str, list[SpanRecord]] = {}
        for s in spans:
            groups.setdefault(s.trace_id, []).append(s)
        for tid, group in groups.items():
            version = next((str(s.attributes["any_agent.version"]) for s in group
                            if s.attributes.get("any_agent.version") is not None), None)
            notes = []
            if len(groups) > 1 and final_output is not None:
                notes.append(f"the file holds {len(groups)} traces; final_output belongs to the one whose root is an "
                             "invoke_agent span without an output of its own")
            builder = TraceBuilder(label, group, final_output=final_output if has_final else None,
                                   final_output_place="/final_output", harness="any-agent", extra_notes=notes)
            trace = builder.build()
            if version:
                trace.metadata["any_agent.version"] = version
            yield trace

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        traces = list(self.traces(path, label))
        facts = summarise_drafts(traces)
        version = next((t.metadata["any_agent.version"] for t in traces if "any_agent.version" in t.metadata), None)
        environment: dict[str, Any] = {}
        for t in traces:
            for k in ("telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"):
                if k in t.metadata:
                    environment.setdefault(k, t.metadata[k])
        models = facts["models"]
        abs_path = str(path.resolve())
        stem = path.name[:-5] if path.name.lower().endswith(".json") else path.name
        return [RunDraft(
            run_id=slug_hashed(stem),
            agent=slug_hashed(facts["agent"]) if facts["agent"] else None,
            agent_name=facts["agent"],
            model=models[0] if len(models) == 1 else (", ".join(models) if models else None),
            harness="any-agent",
            harness_version=version,
            tasks=facts["tasks"],
            format=self.name,
            files=[abs_path],
            names={abs_path: path.name},
            formats={abs_path: self.name},
            environment=environment,
            metadata={"traces": len(traces)},
        )]
