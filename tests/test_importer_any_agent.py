"""any-agent AgentTrace importer: integer ids, call_llm/execute_tool, final_output, errors, corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.importers import detect
from generator.importers.any_agent import AnyAgent
from generator.model import ID_PATTERN, StepKind
from importer_helpers import step_kinds as kinds

IMP = AnyAgent()


def one(path: Path):
    (t,) = list(IMP.traces(path, path.name))
    return t


def test_sniff(fixtures: Path, tmp_path: Path):
    path = fixtures / "any_agent" / "agent_trace.json"
    assert IMP.sniff(path) is None
    imp, _ = detect(path)
    assert imp is not None and imp.name == "any-agent"
    (tmp_path / "o.json").write_text(json.dumps({"resourceSpans": []}))
    assert IMP.sniff(tmp_path / "o.json") is not None
    (tmp_path / "s.json").write_text(json.dumps({"spans": [{"name": "x"}]}))
    assert IMP.sniff(tmp_path / "s.json") is not None
    (tmp_path / "a.jsonl").write_text("{}")
    assert IMP.sniff(tmp_path / "a.jsonl") is not None
    assert IMP.sniff(tmp_path) is not None


def test_fixture_trace(fixtures: Path):
    t = one(fixtures / "any_agent" / "agent_trace.json")
    # a 128-bit integer trace id is kept exactly (orjson would round it)
    assert t.id == "c0ffee00112233445566778899aabbcc"
    assert kinds(t) == ["message", "message", "message", "model_call", "tool_call", "tool_result", "model_call",
                        "tool_call", "error", "tool_result", "model_call", "submission"]
    agent = t.steps[0]
    assert agent.actor == "tiny" and agent.content == "A small agent."
    assert [s.actor for s in t.steps[1:3]] == ["system", "user"]
    call = t.steps[4]
    assert call.tool_call.function == "search" and call.tool_call.arguments == {"q": "capital of France"}
    assert t.steps[5].content == "Paris"
    # tool.args given as an object (LangChain flavour) works too
    assert t.steps[7].tool_call.arguments == {"text": "Paris"}
    assert t.steps[8].content == "OSError: disk full" and t.steps[8].is_error
    assert t.steps[9].is_error and t.steps[9].content == "OSError: disk full"
    first = t.steps[3]
    assert (first.usage.input_tokens, first.usage.output_tokens) == (100, 10)
    assert first.usage.cost_usd == pytest.approx(0.000013)
    assert (t.usage.input_tokens, t.usage.output_tokens) == (420, 42)
    assert t.usage.cost_usd == pytest.approx(0.00001 + 0.000003 + 0.000015 + 0.0000036 + 0.000017 + 0.000006)
    assert t.submission == "The capital of France is Paris; the file could not be written."
    assert t.steps[-1].source == "/final_output" and t.deciding_step == len(t.steps)
    # a failing tool below the agent does not make the run an error
    assert t.status == "completed"
    assert any("status ERROR below the agent level" in n for n in t.notes)
    assert t.agent == "tiny" and t.model == "mistral/mistral-small-latest"
    assert t.metadata["any_agent.version"] == "1.2.3"
    assert t.duration_s == pytest.approx(1.0)
    assert t.started_at.tzinfo is not None
    assert t.task_id == "invoke_agent [tiny]-c0ffee00"


def test_drafts(fixtures: Path):
    path = fixtures / "any_agent" / "agent_trace.json"
    (d,) = IMP.drafts(path)
    assert d.run_id == "agent_trace" and re.match(ID_PATTERN, d.run_id)
    assert (d.agent, d.harness, d.harness_version) == ("tiny", "any-agent", "1.2.3")
    assert d.model == "mistral/mistral-small-latest" and d.tasks == ["invoke_agent [tiny]-c0ffee00"]
    assert d.formats[str(path.resolve())] == "any-agent"


def test_agent_error_makes_trace_error(tmp_path: Path, fixtures: Path):
    doc = json.loads((fixtures / "any_agent" / "agent_trace.json").read_text())
    doc["spans"][-1]["status"] = {"status_code": "error", "description": "max turns reached"}
    doc["final_output"] = None
    path = tmp_path / "err.json"
    path.write_text(json.dumps(doc))
    t = one(path)
    assert t.status == "error" and t.error == "max turns reached"
    assert t.steps[-1].kind == StepKind.error and t.submission is None


@pytest.mark.parametrize(
    "mutate, place",
    [
        (lambda d: d["spans"][0].pop("context"), "/spans/0/context"),
        (lambda d: d["spans"][1]["context"].update(trace_id=1.5), "/spans/1/context/trace_id"),
        (lambda d: d["spans"][2].update(start_time="now"), "/spans/2/start_time"),
        (lambda d: d["spans"][3]["status"].update(status_code="weird"), "/spans/3/status/status_code"),
        (lambda d: d["spans"][0]["attributes"].update({"gen_ai.usage.input_tokens": "lots"}),
         "/spans/0/attributes/gen_ai.usage.input_tokens"),
        (lambda d: d.update(spans={}), "/spans"),
    ],
)
def test_shape_errors(tmp_path: Path, fixtures: Path, mutate, place):
    doc = json.loads((fixtures / "any_agent" / "agent_trace.json").read_text())
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place == place and "expected" in exc.value.message


def test_invalid_json(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text('{"spans": [\n  {"name": NaN}\n]}')
    with pytest.raises(InputError) as exc:
        one(path)
    assert exc.value.place.startswith("line 2")


# --------------------------------------------------------------------------
# real files: ../shared/corpus/anyagent-genai-trace
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["OPENAI_trace.json", "LANGCHAIN_trace.json"])
def test_corpus(corpus: Path, name: str):
    path = corpus / "anyagent-genai-trace" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    raw = json.loads(path.read_text())
    spans = raw["spans"]
    llm = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "call_llm"]
    tools = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "execute_tool"]
    agents = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "invoke_agent"]
    requested = []
    for s in llm:
        out = s["attributes"].get("gen_ai.output")
        try:
            val = json.loads(out)
        except (TypeError, ValueError):
            val = None
        if isinstance(val, list) and all(isinstance(v, dict) and "tool.name" in v for v in val):
            requested += [v["tool.name"] for v in val]
    executed = [s["attributes"]["gen_ai.tool.name"] for s in tools]
    unmatched = list(executed)
    for name_ in requested:
        if name_ in unmatched:
            unmatched.remove(name_)
    inputs = 0
    for s in llm:
        msgs = s["attributes"].get("gen_ai.input.messages")
        if msgs:
            inputs += len(json.loads(msgs))
    expected = Counter(model_call=len(llm), tool_result=len(tools), tool_call=len(requested) + len(unmatched),
                       message=len(agents) + inputs, submission=1 if raw.get("final_output") is not None else 0)
    assert IMP.sniff(path) is None
    t = one(path)
    assert Counter(kinds(t)) == +expected
    assert t.id == f"{spans[0]['context']['trace_id']:032x}"
    assert t.usage.input_tokens == sum(s["attributes"]["gen_ai.usage.input_tokens"] for s in llm)
    assert t.usage.output_tokens == sum(s["attributes"]["gen_ai.usage.output_tokens"] for s in llm)
    assert t.usage.cost_usd == pytest.approx(sum(s["attributes"]["gen_ai.usage.input_cost"]
                                                 + s["attributes"]["gen_ai.usage.output_cost"] for s in llm))
    assert json.loads(t.submission) == raw["final_output"]
    assert t.deciding_step == len(t.steps)
    root = agents[0]
    assert t.duration_s == pytest.approx((root["end_time"] - root["start_time"]) / 1e9)
    assert t.metadata["any_agent.version"] == root["attributes"]["any_agent.version"]
    assert t.status == "completed"
