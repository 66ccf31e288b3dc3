"""OTLP/JSON importer: GenAI and OpenInference spans, JSON Lines grouping, id encodings, errors, corpus."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.otlp_json import OtlpJson
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = OtlpJson()
T0 = 1735689600_000_000_000


def traces(path: Path) -> list:
    return list(IMP.traces(path, path.name))


def kv(k, v):
    if isinstance(v, bool):
        return {"key": k, "value": {"boolValue": v}}
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    if isinstance(v, float):
        return {"key": k, "value": {"doubleValue": v}}
    return {"key": k, "value": {"stringValue": v}}


def span(tid, sid, name, attrs=(), parent=None, start=0.0, end=1.0, **extra):
    sp = {"traceId": tid, "spanId": sid, "name": name, "kind": 1,
          "startTimeUnixNano": str(T0 + int(start * 1e9)), "endTimeUnixNano": str(T0 + int(end * 1e9)),
          "attributes": [kv(k, v) for k, v in attrs]}
    if parent:
        sp["parentSpanId"] = parent
    sp.update(extra)
    return sp


def request(*spans, resource=(("service.name", "svc"),)):
    return {"resourceSpans": [{"resource": {"attributes": [kv(k, v) for k, v in resource]},
                               "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}]}]}


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


TID = "0af7651916cd43dd8448eb211c80319c"


# --------------------------------------------------------------------------
# sniff
# --------------------------------------------------------------------------


def test_sniff(fixtures: Path, tmp_path: Path):
    assert IMP.sniff(fixtures / "otlp_json" / "genai_chat.json") is None
    assert IMP.sniff(fixtures / "otlp_json" / "filexp.jsonl") is None
    assert "logs" in IMP.sniff(write(tmp_path / "logs.json", {"resourceLogs": []}))
    assert "metrics" in IMP.sniff(write(tmp_path / "m.jsonl", '{"resourceMetrics": []}\n'))
    assert IMP.sniff(write(tmp_path / "x.json", {"spans": []})) is not None
    assert IMP.sniff(write(tmp_path / "x.txt", request())) is not None
    assert IMP.sniff(tmp_path) is not None
    # snake_case top-level key is accepted
    assert IMP.sniff(write(tmp_path / "snake.json", {"resource_spans": []})) is None


def test_detect_picks_otlp(fixtures: Path):
    for name in ("genai_chat.json", "filexp.jsonl"):
        imp, _ = detect(fixtures / "otlp_json" / name)
        assert imp is not None and imp.name == "otlp-json"


# --------------------------------------------------------------------------
# a GenAI agent trace (single document, hex ids, deprecated names)
# --------------------------------------------------------------------------


def test_genai_trace_steps(fixtures: Path):
    (t,) = traces(fixtures / "otlp_json" / "genai_chat.json")
    assert t.id == TID
    assert kinds(t) == ["message", "message", "model_call", "tool_call", "tool_result", "model_call",
                        "submission", "score"]
    agent, system, call1, tcall, tres, call2, sub, score = t.steps
    assert agent.actor == "weather-agent" and agent.content == "What is the weather in Paris?"
    assert agent.title == "invoke_agent weather-agent · depth 0 · parent none"
    # the user input repeats the agent's input: shown once; the system prompt once
    assert system.actor == "system" and system.content == "You are a weather bot."
    assert sum(1 for s in t.steps if s.content == "What is the weather in Paris?") == 1
    assert call1.title == "chat gpt-4o · depth 1 · parent b7ad6b7169203331"
    assert call1.model == "gpt-4o-2024-08-06"
    # deprecated gen_ai.usage.prompt/completion_tokens read as input/output tokens
    assert (call1.usage.input_tokens, call1.usage.output_tokens) == (120, 30)
    assert call1.duration_s == pytest.approx(1.5)
    # the execute_tool span runs the requested call: no second tool_call step
    assert kinds(t).count("tool_call") == 1
    assert tcall.tool_call.function == "get_weather" and tcall.tool_call.id == "call_1"
    assert tcall.tool_call.arguments == {"city": "Paris"}
    assert tres.tool_call_id == "call_1" and tres.content == "rainy, 57°F"
    assert tres.duration_s == pytest.approx(0.5)
    assert call2.content == "It is rainy in Paris."
    assert (call2.usage.input_tokens, call2.usage.output_tokens) == (200, 15)
    assert sub.content == t.submission == "It is rainy in Paris."
    assert score.kind == StepKind.score and "Matches the reference forecast." in score.content
    assert t.score == 0.8 and t.score_source == "gen_ai.evaluation.result correctness"
    assert t.scorer_explanation == "Matches the reference forecast."
    assert t.deciding_step == len(t.steps) == 8
    assert (t.usage.input_tokens, t.usage.output_tokens) == (320, 45)
    assert t.task_id == "conv-42" and t.agent == "weather-agent" and t.model == "gpt-4o-2024-08-06"
    assert t.status == "completed" and t.error is None
    assert t.started_at.isoformat() == "2025-01-01T00:00:00+00:00"
    assert t.duration_s == pytest.approx(4.2)
    assert t.metadata["providers"] == ["openai"]
    assert t.metadata["service.name"] == "weather-service"
    assert any("gen_ai.system -> gen_ai.provider.name" in n for n in t.notes)
    assert any("gen_ai.request.temperature" in n for n in t.notes)
    assert call1.source == "/resourceSpans/0/scopeSpans/0/spans/0"
    assert score.source == "/resourceSpans/0/scopeSpans/1/spans/0/events/0"


def test_drafts(fixtures: Path):
    path = fixtures / "otlp_json" / "genai_chat.json"
    (d,) = IMP.drafts(path)
    assert d.run_id == "genai_chat" and re.match(ID_PATTERN, d.run_id)
    assert d.agent == "weather-agent" and d.model == "gpt-4o-2024-08-06"
    assert d.harness == "weather-service" and d.harness_version == "2.1.0"
    assert d.tasks == ["conv-42"] and d.benchmark is None
    assert d.files == [str(path.resolve())] and d.names[d.files[0]] == "genai_chat.json"
    assert d.formats[d.files[0]] == "otlp-json"
    assert d.environment["telemetry.sdk.version"] == "1.30.0"


# --------------------------------------------------------------------------
# JSON Lines: grouping across lines, OpenInference, base64/snake_case, errors
# --------------------------------------------------------------------------


def test_jsonl_groups_traces_across_lines(fixtures: Path):
    b, a = traces(fixtures / "otlp_json" / "filexp.jsonl")
    # trace B ends on line 3, trace A (spans on lines 1 and 4) on line 4
    assert b.id == "aaaabbbbccccddddeeeeffff00001111" and a.id == "5b8efff798038103d269b633813fc60c"
    assert sum("logs or metrics" in n for t in (a, b) for n in t.notes) == 1
    # trace B: snake_case names, base64 ids, enum names, status ERROR and an exception event
    assert kinds(b) == ["message", "tool_call", "tool_result", "error", "error"]
    assert b.task_id == "sess-7" and b.agent == "fetcher"
    assert b.status == "error" and b.error == "agent failed"
    assert b.steps[2].is_error and b.steps[2].content == "timeout"
    assert b.steps[4].content.startswith("TimeoutError: fetch timed out")
    assert b.steps[4].source == "line 3#/resource_spans/0/scope_spans/0/spans/1/events/0"
    assert b.steps[0].is_error
    # trace A: OpenInference AGENT / LLM / TOOL with flattened messages
    assert kinds(a) == ["message", "message", "model_call", "tool_call", "tool_result", "submission"]
    assert a.steps[0].content == "Find the capital of France."
    assert a.steps[1].content == "Answer briefly."  # the user message repeats the agent input
    assert a.steps[2].model == "gpt-4o-mini" and a.steps[2].usage.total_tokens == 60
    assert a.steps[3].tool_call.id == "t1" and a.steps[3].tool_call.arguments == {"q": "capital of France"}
    assert a.steps[4].tool_call_id == "t1" and a.steps[4].content == "Paris"
    assert a.submission == "The capital of France is Paris." and a.deciding_step == 6
    assert a.usage.cost_usd == pytest.approx(0.0002) and a.usage.total_tokens == 60
    assert a.steps[2].source == "line 1#/resourceSpans/0/scopeSpans/0/spans/0"
    assert a.steps[0].source == "line 4#/resourceSpans/0/scopeSpans/0/spans/0"
    assert any("vendor.cache_hit" in n for n in a.notes)
    assert a.task_id == "Agent-5b8efff7" and a.agent == "rag-app"


def test_hex_and_base64_ids_agree(tmp_path: Path):
    sid = "00f067aa0ba902b7"
    b64 = lambda h: base64.b64encode(bytes.fromhex(h)).decode()
    hex_doc = request(span(TID.upper(), sid.upper(), "s"))
    b64_doc = request(span(b64(TID), b64(sid), "s"))
    (t1,) = traces(write(tmp_path / "hex.json", hex_doc))
    (t2,) = traces(write(tmp_path / "b64.json", b64_doc))
    assert t1.id == t2.id == TID


def test_legacy_instrumentation_library_spans(tmp_path: Path):
    doc = {"resourceSpans": [{"resource": {"attributes": []}, "instrumentationLibrarySpans": [
        {"instrumentationLibrary": {"name": "old", "version": "0.1"}, "spans": [span(TID, "00f067aa0ba902b7", "root")]}]}]}
    (t,) = traces(write(tmp_path / "legacy.json", doc))
    assert len(t.steps) == 1 and t.metadata["instrumentation_scopes"] == ["old@0.1"]


def test_orphans_cycles_and_generic_spans(tmp_path: Path):
    doc = request(
        span(TID, "1000000000000001", "GET /weather", [("http.request.method", "GET"), ("url.full", "https://x")],
             parent="9999999999999999", start=1, end=2, kind=3),
        span(TID, "2000000000000002", "a", parent="3000000000000003", start=3, end=4),
        span(TID, "3000000000000003", "b", parent="2000000000000002", start=5, end=6),
    )
    (t,) = traces(write(tmp_path / "odd.json", doc))
    assert kinds(t) == ["api_call", "observation", "observation"]
    assert "http.request.method: GET" in t.steps[0].content
    assert t.status == "incomplete"
    assert any("not in the file" in n for n in t.notes)
    assert any("cycle" in n for n in t.notes)


def test_traceloop_flattened_and_choice_events(tmp_path: Path):
    root = span(TID, "1000000000000001", "workflow", [("openinference.span.kind", "CHAIN")], start=0, end=5)
    llm = span(TID, "2000000000000002", "openai.chat", [
        ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-3.5-turbo"),
        ("gen_ai.prompt.0.role", "user"), ("gen_ai.prompt.0.content", "Say hi"),
        ("gen_ai.usage.prompt_tokens", 5), ("gen_ai.usage.completion_tokens", 2)],
        parent="1000000000000001", start=1, end=2)
    llm2 = span(TID, "3000000000000003", "openai.chat", [("gen_ai.operation.name", "chat")],
                parent="1000000000000001", start=3, end=4,
                events=[{"timeUnixNano": str(T0 + 3_500_000_000), "name": "gen_ai.choice",
                         "attributes": [kv("index", 0), kv("finish_reason", "stop"),
                                        kv("message", json.dumps({"role": "assistant", "content": "Hello again"}))]}])
    (t,) = traces(write(tmp_path / "tl.json", request(root, llm, llm2)))
    assert kinds(t) == ["observation", "message", "model_call", "model_call"]
    assert t.steps[1].content == "Say hi"
    assert t.steps[3].content == "Hello again"
    assert (t.usage.input_tokens, t.usage.output_tokens) == (5, 2)
    assert t.status == "completed" and t.submission is None and t.deciding_step is None


def test_usage_not_counted_twice_for_aggregating_agent(tmp_path: Path):
    root = span(TID, "1000000000000001", "invoke_agent a", [("gen_ai.operation.name", "invoke_agent"),
                                                            ("gen_ai.usage.input_tokens", 30), ("gen_ai.usage.output_tokens", 3)])
    c1 = span(TID, "2000000000000002", "chat", [("gen_ai.operation.name", "chat"), ("gen_ai.usage.input_tokens", 10),
                                               ("gen_ai.usage.output_tokens", 1)], parent="1000000000000001", start=0.1, end=0.2)
    c2 = span(TID, "3000000000000003", "chat", [("gen_ai.operation.name", "chat"), ("gen_ai.usage.input_tokens", 20),
                                               ("gen_ai.usage.output_tokens", 2)], parent="1000000000000001", start=0.3, end=0.4)
    (t,) = traces(write(tmp_path / "agg.json", request(root, c1, c2)))
    assert (t.usage.input_tokens, t.usage.output_tokens) == (30, 3)
    assert any("repeat their descendants" in n for n in t.notes)


# --------------------------------------------------------------------------
# broken input
# --------------------------------------------------------------------------


def test_broken_jsonl_line(tmp_path: Path):
    good = json.dumps(request(span(TID, "00f067aa0ba902b7", "s")))
    path = write(tmp_path / "b.jsonl", good + "\n{not json\n")
    with pytest.raises(InputError) as exc:
        traces(path)
    assert exc.value.place == "line 2"


@pytest.mark.parametrize(
    "mutate, place",
    [
        (lambda d: d["resourceSpans"][0]["scopeSpans"][0]["spans"][0].update(traceId="abcd"),
         "/resourceSpans/0/scopeSpans/0/spans/0/traceId"),
        (lambda d: d["resourceSpans"][0]["scopeSpans"][0]["spans"][0].update(spanId=None),
         "/resourceSpans/0/scopeSpans/0/spans/0"),
        (lambda d: d["resourceSpans"][0]["scopeSpans"][0]["spans"][0].update(startTimeUnixNano="soon"),
         "/resourceSpans/0/scopeSpans/0/spans/0"),
        (lambda d: d["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].append(
            kv("gen_ai.usage.input_tokens", "many")), "/resourceSpans/0/scopeSpans/0/spans/0/attributes/1/value"),
        (lambda d: d["resourceSpans"][0].update(scopeSpans={}), "/resourceSpans/0/scopeSpans"),
        (lambda d: d["resourceSpans"].append("oops"), "/resourceSpans/1"),
    ],
)
def test_shape_errors_name_the_place(tmp_path: Path, mutate, place):
    doc = request(span(TID, "00f067aa0ba902b7", "chat", [("gen_ai.operation.name", "chat")]))
    mutate(doc)
    with pytest.raises(InputError) as exc:
        traces(write(tmp_path / "s.json", doc))
    assert exc.value.place == place
    assert "expected" in exc.value.message


def test_logs_document_is_refused_by_traces(tmp_path: Path):
    with pytest.raises(InputError):
        traces(write(tmp_path / "logs.json", {"resourceLogs": [{"scopeLogs": []}]}))


# --------------------------------------------------------------------------
# real files: ../shared/corpus/otlp-json-spec and otlp-json-genai
# --------------------------------------------------------------------------


def _raw_spans(path: Path) -> list[dict]:
    docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] \
        if path.suffix == ".jsonl" else [json.loads(path.read_text())]
    out = []
    for d in docs:
        for rs in d.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                out += ss.get("spans", [])
    return out


def _attr(sp: dict, key: str):
    for a in sp.get("attributes", []):
        if a["key"] == key:
            return next(iter(a["value"].values()))
    return None


def _expected(spans: list[dict]) -> dict:
    """Step counts and usage derived from the raw spans, independently of the importer."""
    exp = Counter()
    inp = out = 0
    for sp in spans:
        op = _attr(sp, "gen_ai.operation.name")
        oi = (_attr(sp, "openinference.span.kind") or "").upper()
        if op in ("chat", "text_completion", "generate_content") or oi == "LLM":
            exp["model_call"] += 1
        elif op in ("invoke_agent", "create_agent") or oi == "AGENT":
            exp["message"] += 1
        elif oi in ("CHAIN", "RETRIEVER", "RERANKER", "GUARDRAIL", "EVALUATOR", "PROMPT"):
            exp["observation"] += 1
        else:  # no GenAI kind: an API call when it is a CLIENT span
            exp["api_call" if sp.get("kind") == 3 else "observation"] += 1
        excs = sum(1 for e in sp.get("events", []) if e["name"] == "exception")
        error = (sp.get("status") or {}).get("code") == 2
        exp["error"] += excs if excs else (1 if error else 0)
        inp += int(_attr(sp, "gen_ai.usage.input_tokens") or _attr(sp, "gen_ai.usage.prompt_tokens") or 0)
        out += int(_attr(sp, "gen_ai.usage.output_tokens") or _attr(sp, "gen_ai.usage.completion_tokens") or 0)
    return {"kinds": +exp, "input": inp, "output": out}


@pytest.mark.parametrize("rel", ["otlp-json-genai/agento_run8.otlp.jsonl", "otlp-json-genai/agento_run_small.otlp.jsonl",
                                 "otlp-json-spec/trace.json"])
def test_corpus_files(corpus: Path, rel: str):
    path = corpus / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    assert IMP.sniff(path) is None
    spans = _raw_spans(path)
    got = traces(path)
    assert sorted(t.id for t in got) == sorted({sp["traceId"].lower() for sp in spans})
    for t in got:
        mine = [sp for sp in spans if sp["traceId"].lower() == t.id]
        exp = _expected(mine)
        assert Counter(kinds(t)) == exp["kinds"], rel
        assert (t.usage.input_tokens or 0, t.usage.output_tokens or 0) == (exp["input"], exp["output"])
        starts = [int(sp["startTimeUnixNano"]) for sp in mine]
        ends = [int(sp["endTimeUnixNano"]) for sp in mine]
        assert t.duration_s == pytest.approx((max(ends) - min(starts)) / 1e9)
        assert t.started_at.tzinfo is not None
        # depth first: every span's step comes after its parent's step
        for s in t.steps:
            m = re.search(r"parent ([0-9a-f]{16})$", s.title or "")
            if m:
                parent = next((sp for sp in mine if sp["spanId"].lower() == m.group(1)), None)
                if parent is not None:
                    parent_steps = [x.index for x in t.steps if x.title and x.title.startswith(parent["name"] + " · depth")]
                    assert parent_steps and min(parent_steps) < s.index
        if any((sp.get("status") or {}).get("code") == 2 and (_attr(sp, "openinference.span.kind") == "AGENT")
               for sp in mine):
            assert t.status == "error" and t.error
        for s in t.steps:
            assert s.source and (s.source.startswith("line ") or s.source.startswith("/resourceSpans"))


def test_corpus_run8_details(corpus: Path):
    path = corpus / "otlp-json-genai" / "agento_run8.otlp.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    (t,) = traces(path)
    assert t.status == "error" and t.error == "Revision process failed"
    assert t.model and set(t.model.split(", ")) == {"gemini-1.5-pro", "gpt-4", "claude-3-5-sonnet-20240620"}
    assert t.metadata["providers"] == ["anthropic", "gcp.gemini", "openai"]  # gen_ai.system values mapped
    assert t.steps[0].kind == StepKind.message and t.steps[0].title.startswith("agento.pipeline · depth 0")
    (d,) = IMP.drafts(path)
    assert d.tasks == [t.task_id] and d.harness == "agento" and re.match(ID_PATTERN, d.run_id)


def test_corpus_logs_example_is_refused(corpus: Path):
    path = corpus / "otlp-json-spec" / "events.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    assert "logs" in IMP.sniff(path)


def test_json_lines_in_a_json_file(fixtures: Path, tmp_path: Path):
    """The file exporter's output is often saved as .json: a first line holding a whole object means JSON Lines."""
    copy = tmp_path / "export.otlp.json"
    copy.write_bytes((fixtures / "otlp_json" / "filexp.jsonl").read_bytes())
    assert IMP.sniff(copy) is None
    assert [t.id for t in traces(copy)] == [t.id for t in traces(fixtures / "otlp_json" / "filexp.jsonl")]
    (d,) = IMP.drafts(copy)
    assert d.run_id == "export" and sorted(d.tasks) == ["Agent-5b8efff7", "sess-7"]
