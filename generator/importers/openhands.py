"""OpenHands trajectories and evaluation outputs, V0 (event stream) and V1 (Agent SDK).

Spec sources (no JSON schema exists for any of them):

- V0, ``OpenHands/OpenHands`` (MIT outside ``enterprise/``): ``openhands/core/schema/action.py``
  and ``observation.py`` (the ``action``/``observation`` type names),
  ``openhands/events/action/*.py``, ``openhands/events/observation/*.py``,
  ``openhands/events/serialization/`` (``{id, timestamp, source, message,
  action|observation, args|content+extras, cause, tool_call_metadata,
  llm_metrics}``), ``evaluation/utils/shared.py`` (``EvalOutput``: one
  ``output.jsonl`` line per instance) and ``openhands/llm/metrics.py``;
- V1, ``OpenHands/software-agent-sdk`` (MIT): ``openhands-sdk/openhands/sdk/event/**``
  (events discriminated by ``kind``), ``openhands-sdk/openhands/sdk/conversation/state.py``
  (``base_state.json``) and ``openhands-sdk/openhands/sdk/llm/utils/metrics.py``;
  evaluation output, ``OpenHands/benchmarks``: ``benchmarks/utils/models.py``
  (``EvalOutput``/``EvalMetadata``) and ``benchmarks/utils/report.py``.

The readers of the events are ``_openhands_v0.py`` and ``_openhands_v1.py``
(helpers in ``_openhands_common.py``); this module detects the inputs, makes
the drafts and assembles the traces.

Inputs accepted
---------------
- a **V0 event list** (``*.json``: a JSON list of events, the GUI's
  "download trajectory" and ``tests/runtime/trajs/*.json``): one trace, id and
  task = the file stem;
- an **evaluation output** (``*.jsonl``, V0 or V1, one ``EvalOutput`` per
  line: ``instance_id``, ``instruction``, ``metadata``, ``history``,
  ``metrics``, ``error``, ``test_result``, ``instance``, V1 ``attempt``), read
  line by line (memory is bounded by the longest line); a single ``EvalOutput``
  object in a ``.json`` file is read the same way. ``history`` holds V0 events
  or V1 events (``kind`` present). One trace per line;
- a **V1 conversation folder** (``base_state.json`` and
  ``events/event-<NNNNN>-<uuid>.json``, one event per file): one trace. The
  folder itself, its ``events/`` folder, its ``base_state.json`` or one of its
  event files is accepted; the run is always the whole folder. The trace is
  read from ``base_state.json`` (which reads the events beside it); the event
  files yield nothing, unless there is no ``base_state.json``, then the first
  event file yields the trace.

Sidecars beside an ``output.jsonl`` join its run: ``metadata.json`` (the
run's ``EvalMetadata``, read for the draft when the records carry none) and a
SWE-bench report (``report.json`` or
``<stem>.report.json``, ``resolved_ids`` with ``completed_ids``/
``submitted_ids``, or instance → ``{"resolved": bool}``); they yield no traces.

Run metadata (``drafts``)
-------------------------
- ``run_id``: slug of the last component of ``metadata.eval_output_dir``
  (``<model>_maxiter_<n>_N_<version>-…``), else of the folder; a stem other
  than ``output`` is appended (``output.swebench_eval``). Event list: the file
  stem; conversation: the folder name.
- ``agent``: ``openhands-<agent_class>-<model>`` lower-cased
  (``openhands-codeactagent-claude-3-5-sonnet-20241022``; the model's last
  path component) when the files name the V0 agent class
  (``metadata.agent_class`` or the ``system`` action's ``agent_class``), else
  ``openhands-<model>``; the registry binds an agent id to its models, so the
  model is part of the id (``Trace.agent`` keeps ``openhands[-<agent_class>]``); ``harness`` =
  ``openhands``; ``harness_version`` = the ``system`` action's
  ``openhands_version``, else the ``_N_v<version>`` part of the eval output dir.
- ``model``: ``metadata.llm_config.model`` (V0), ``metadata.llm.model`` (V1
  eval), ``base_state.agent.llm.model`` (conversation), else the first
  recorded model response's ``model``.
- ``benchmark``: from ``metadata.dataset`` (V0 writes ``owner__name-split``):
  the split suffix and owner are dropped; the SWE-bench sets map to
  ``swe-bench``/``swe-bench-verified``/``-lite``/… (a name that only starts
  like one, e.g. ``SWE-bench_Verified_mini``, keeps its own slug), others become a slug
  (``openagentsafety-full-updated``); a local file path gives None (pass
  ``--benchmark``). ``benchmark_version`` None.
- ``environment``: iteration limit, dataset split, eval details (server image,
  platform), condenser, critic, max attempts, and the LLM's sampling settings
  (temperature, top_p, reasoning effort, max tokens, tool calling, caching).
  API keys, AWS credentials and base URLs are never copied (``llm_config``
  is read key by key from an allow list). ``metadata``: ``eval_output_dir``,
  ``start_time``, ``dataset``, ``git_commit``.
- ``declared``: empty unless a SWE-bench report lies beside the output:
  ``tasks`` = 1.0/0.0 for the instances it covers, ``source`` = its name.

Traces (``traces``)
-------------------
``id`` = ``task_id`` = ``instance_id`` (the file stem for an event list, the
conversation id for a conversation). ``trial`` = V1 ``attempt`` when present,
else the number of earlier lines with the same instance id + 1; a repeated
instance id gets ``-<trial>`` appended to the trace id.

V0 events (``_openhands_v0.py``), in file order, ``Step.source`` the event's
pointer (``/12`` or ``line 3#/history/12``):

- ``system`` → ``message`` (actor system; tool names → ``Trace.metadata.tools``);
  ``message`` → ``message`` (actor user or assistant); ``think`` → ``message``
  titled ``think``; a non-empty ``args.thought`` of an agent action → an
  assistant ``message`` before it;
- ``run`` → ``terminal_command``; ``browse``/``browse_interactive`` →
  ``browser_event``; ``read``/``write``/``edit``/``run_ipython``/MCP/
  ``delegate``/``task_tracking``/``push``/``send_pr`` → ``tool_call``. These
  carry a ``ToolCall`` (``tool_call_metadata.function_name``/``tool_call_id``;
  arguments from the recorded model response's tool call, else from ``args``
  without bookkeeping keys);
- ``finish`` → ``submission`` (its ``final_thought``/``thought`` and
  ``outputs``) when the record has no ``test_result.git_patch``, else a
  ``message`` titled ``finish``; ``reject`` → ``message`` (the agent gave up);
- ``recall`` → ``observation`` (a query equal to the user message is shown as
  a reference to it); condensation, agent-state changes and other harness
  actions → ``observation`` (actor harness); ``null`` → skipped, counted;
- observations: ``run`` → ``tool_result`` (``observation`` without a tool
  call id) titled ``exit <code>`` (``extras.metadata.exit_code``, older files
  ``extras.exit_code``); a code other than 0 and -1 sets ``is_error`` (-1 means
  no exit code yet); ``browse`` → ``browser_event`` (screenshots are not
  shown, counted); ``error`` → ``error`` (``is_error``); ``agent_state_changed``
  → ``observation``; ``recall`` → ``observation`` with the repository and
  microagent instructions it added; ``read``/``edit``/``think``/… →
  ``tool_result``; ``hidden`` events are kept and titled ``hidden``;
- usage per step: the tokens of the recorded model response
  (``tool_call_metadata.model_response.usage``), counted once per response id
  (parallel tool calls share one response), and the cost since the previous
  ``llm_metrics`` (its ``accumulated_cost`` difference, rounded to 12
  decimals; without a recorded response, the token difference too); latency from the
  metrics' ``response_latencies`` matched by response id.

V1 events (``_openhands_v1.py``): ``SystemPromptEvent`` → ``message``;
``MessageEvent`` → ``message``; ``ActionEvent`` → its ``reasoning_content``
and ``thought`` as assistant ``message`` steps, then ``terminal_command``
(``ExecuteBashAction``/``TerminalAction``), ``submission``/``message``
(``FinishAction``, as in V0), ``message`` (``ThinkAction``), ``browser_event``
(``Browser*``) or ``tool_call`` (anything else), with the ``ToolCall`` from
``tool_call``; ``ObservationEvent`` → ``tool_result`` (exit code as in V0;
``is_error`` from ``is_error``/``error`` or the exit code), ``browser_event``
for browser observations; ``AgentErrorEvent``/``ConversationErrorEvent`` →
``error``; ``UserRejectObservation`` → ``tool_result`` with ``is_error``;
``ConversationIterationLimitEvent``, ``Condensation``, ``CondensationSummaryEvent``,
``PauseEvent`` and unknown kinds → ``observation`` (unknown ones as JSON,
counted); ``ConversationStateUpdateEvent``, ``TokenEvent``,
``LLMCompletionLogEvent`` → skipped, counted. Usage per step from the
metrics' ``token_usages`` matched by ``llm_response_id`` (cost paired by
position with ``costs`` when both lists have the same length), once per
response id; latency from ``response_latencies``. ``Step.source`` is the
event's pointer in an eval record (``line 1#/history/4``) or, in a
conversation folder, the event file and the pointer inside it
(``events/event-00002-<uuid>.json#/thought``); errors in an event file name
that file.

Ending (every source):

- the task ``instruction`` of an eval record becomes the first user
  ``message`` (after the system prompt) when the history has no user message
  (V1 eval histories start at the first action);
- ``test_result.git_patch`` (non-empty) → a final ``submission`` step and
  ``Trace.submission``; an empty one gives an empty ``Trace.submission``, no
  step and a note; without the key the finish step is the submission;
- a score, when the record carries one: ``test_result.report.resolved`` or
  ``test_result.resolved`` (bool → 1/0), ``test_result.final_score``
  (``result / total``; no score when ``total`` is 0, with a note),
  ``test_result.score`` (number or bool), else the SWE-bench report beside
  the file. A final ``score`` step (actor scorer) shows the explanation and is
  the ``deciding_step``; without a score the deciding step is the submission;
- ``error`` of the record → an ``error`` step, ``Trace.error``, and status
  ``limit`` when it names an iteration/budget/context limit, else ``error``;
  without one: a ``ConversationErrorEvent`` → error, an iteration-limit event
  → limit, a conversation's ``execution_status`` (``finished`` → completed,
  ``error`` → error, ``stuck`` → limit, others → incomplete), a finish or
  reject action → completed, the last agent state ``error`` → error,
  ``finished`` (or ``awaiting_user_input`` after an agent message) →
  completed, anything else → incomplete. ``termination_reason`` names which;
- usage of the trace: the record's ``metrics`` (``accumulated_cost``,
  ``accumulated_token_usage`` prompt → input, completion → output), the
  conversation's ``stats.usage_to_metrics`` summed over usage ids, else the
  last ``llm_metrics`` of the V0 events (they accumulate), else the sum of the
  step usages;
- **timestamps** carry no zone in OpenHands (``datetime.now().isoformat()``):
  they are taken as UTC and the notes say so. ``started_at`` = the first
  event's, ``duration_s`` = last minus first event timestamp.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import json_text, num, read_head, slug
from generator.importers._openhands_common import (
    NAIVE_NOTE,
    Clock,
    MetricsIndex,
    Outcome,
    join,
)
from generator.importers._openhands_v0 import V0Reader
from generator.importers._openhands_v1 import V1Reader
from generator.jsonread import expect, iter_jsonl, load_json, pointer
from generator.model import DeclaredScores, RunDraft, Step, StepKind, Trace, Usage

FORMAT = "openhands"
EVENT_FILE = re.compile(r"^event-(\d+)-[0-9A-Za-z-]+\.json$")
_LIMIT_ERROR = re.compile(r"maximum iteration|max(?:imum)? iterations?|budget|context window|"
                          r"too many (?:tokens|steps)|exceeded|stuck in a loop|limit reached", re.IGNORECASE)
_EVAL_MARKERS = (b'"eval_output_dir"', b'"agent_class"', b'"llm_config"', b'"tool_call_metadata"',
                 b'"ActionEvent"', b'"ObservationEvent"', b'"MessageEvent"', b'"SystemPromptEvent"',
                 b'"git_patch"', b'"observation":')
_VERSION_IN_DIR = re.compile(r"_N_v(\d+(?:\.\d+)+)")
_SPLITS = ("test", "train", "dev", "validation", "val")
_LLM_SAFE = ("model", "temperature", "top_p", "top_k", "reasoning_effort", "max_output_tokens", "max_input_tokens",
             "native_tool_calling", "caching_prompt", "seed", "max_message_chars")
_EXECUTION_STATUS = {"finished": "completed", "error": "error", "stuck": "limit"}


# --------------------------------------------------------------------------
# Detection helpers
# --------------------------------------------------------------------------


def _first_list_element(head: bytes) -> Any:
    text = head.decode("utf-8", errors="ignore").lstrip()
    if not text.startswith("["):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[1:].lstrip())
    except ValueError:
        return None
    return value


def _is_v0_event(e: Any) -> bool:
    return (isinstance(e, dict) and "kind" not in e and ("action" in e or "observation" in e)
            and "source" in e and "timestamp" in e)


def _v0_list_reason(head: bytes) -> str | None:
    stripped = head.lstrip()
    if not stripped.startswith(b"["):
        return "not a JSON list"
    first = _first_list_element(head)
    if first is not None:
        return None if _is_v0_event(first) else "JSON list whose first element is not an OpenHands event"
    # the first event is longer than the sniffed bytes (a long system prompt)
    if (re.match(rb'^\[\s*\{\s*"id"\s*:\s*\d+\s*,\s*"timestamp"', stripped) and b'"source"' in head
            and (b'"action"' in head or b'"observation"' in head)):
        return None
    return "JSON list that does not start with an OpenHands event ({id, timestamp, source, action|observation})"


def _eval_record_reason(head: bytes) -> str | None:
    stripped = head.lstrip()
    if not stripped.startswith(b"{"):
        return "not a JSON object"
    if b'"instance_id"' not in head:
        return "no instance_id"
    if b'"history"' not in head and b'"test_result"' not in head:
        return "no history or test_result"
    if not any(m in head for m in _EVAL_MARKERS):
        return "no OpenHands evaluation fields (metadata.agent_class/llm_config, history events, git_patch)"
    return None


def _conversation_root(path: Path) -> Path | None:
    """The conversation folder ``path`` belongs to (the folder, its ``events/``), or None."""
    for root in (path, path.parent) if path.name == "events" else (path,):
        events = root / "events"
        has_events = events.is_dir() and any(EVENT_FILE.match(p.name) for p in events.iterdir() if p.is_file())
        if has_events or ((root / "base_state.json").is_file() and events.is_dir()):
            return root
    return None


def _event_files(root: Path) -> list[Path]:
    events = root / "events"
    if not events.is_dir():
        return []
    found = []
    for p in events.iterdir():
        m = EVENT_FILE.match(p.name)
        if m and p.is_file():
            found.append((int(m.group(1)), p.name, p))
    return [p for _, _, p in sorted(found)]


def _base_state_reason(path: Path) -> str | None:
    head = read_head(path).lstrip()
    if not head.startswith(b"{"):
        return "base_state.json is not a JSON object"
    if b'"agent"' in head and (b'"execution_status"' in head or b'"stats"' in head or b'"persistence_dir"' in head):
        return None
    return "base_state.json without agent and execution_status/stats (not an OpenHands conversation state)"


# --------------------------------------------------------------------------
# Metadata helpers
# --------------------------------------------------------------------------


def _benchmark(dataset: Any, split: Any) -> str | None:
    """A benchmark id from ``metadata.dataset`` (see the module docstring)."""
    if not isinstance(dataset, str) or not dataset.strip():
        return None
    d = dataset.strip()
    if d.startswith(("/", "__", "./", "~")) or re.search(r"\.(jsonl?|parquet|csv)(-|$)", d, re.I):
        return None
    for s in ([split] if isinstance(split, str) else []) + list(_SPLITS):
        if s and d.endswith(f"-{s}"):
            d = d[: -len(s) - 1]
            break
    name = re.split(r"__|/", d)[-1]
    low = name.lower().replace("_", "-")
    m = re.fullmatch(r"(multi-)?swe-?bench(?:-(verified|lite|multimodal|full|live|pro|extra|java))?", low)
    if m:
        base = ("multi-" if m.group(1) else "") + "swe-bench"
        variant = m.group(2)
        return base + (f"-{variant}" if variant and variant != "full" else "")
    return slug(low)


def _agent_id(agent_class: str | None) -> str:
    """The harness part of an agent id: ``openhands`` or ``openhands-<agent class>``."""
    if not agent_class:
        return "openhands"
    return slug(f"openhands-{agent_class}".lower()) or "openhands"


def _draft_agent(agent_class: str | None, model: str | None) -> tuple[str, str]:
    """``(agent id, agent name)``: the registry binds an agent id to its models, so the id is
    harness + agent class + model (the model's last path component)."""
    base = _agent_id(agent_class)
    name = f"OpenHands {agent_class}" if agent_class else "OpenHands"
    if not model:
        return base, name
    return slug(f"{base}-{model.split('/')[-1]}".lower()) or base, f"{name} ({model})"


def _llm_settings(llm: Any) -> dict[str, Any]:
    if not isinstance(llm, dict):
        return {}
    out = {k: llm[k] for k in _LLM_SAFE
           if k in llm and llm[k] is not None and isinstance(llm[k], (str, int, float, bool))}
    if not (isinstance(out.get("model"), str) and out["model"].strip()):
        out.pop("model", None)  # the model is a name or nothing
    return out


def _eval_metadata(meta: Any) -> dict[str, Any]:
    """Agent, model, benchmark, versions and settings from an ``EvalMetadata`` object."""
    out: dict[str, Any] = {"environment": {}, "metadata": {}}
    if not isinstance(meta, dict):
        return out
    llm = meta.get("llm_config") if isinstance(meta.get("llm_config"), dict) else meta.get("llm")
    settings = _llm_settings(llm)
    out["model"] = settings.pop("model", None)
    if settings:
        out["environment"]["llm"] = settings
    out["agent_class"] = meta.get("agent_class") if isinstance(meta.get("agent_class"), str) else None
    split = meta.get("data_split", meta.get("dataset_split"))
    out["benchmark"] = _benchmark(meta.get("dataset"), split)
    env = out["environment"]
    for key in ("max_iterations", "max_attempts", "critic_name", "n_critic_runs", "workspace_type", "tool_preset",
                "enable_condenser", "max_retries"):
        if isinstance(meta.get(key), (str, int, float, bool)):
            env[key] = meta[key]
    if isinstance(split, str):
        env["dataset_split"] = split
    details = meta.get("details")
    if isinstance(details, dict) and details and len(orjson.dumps(details)) <= 4096:
        env["details"] = details
    cond = meta.get("condenser_config")
    if isinstance(cond, dict) and isinstance(cond.get("type"), str):
        env["condenser"] = cond["type"]
    md = out["metadata"]
    for key in ("eval_output_dir", "start_time", "dataset", "git_commit"):
        if isinstance(meta.get(key), str):
            md[key] = meta[key]
    d = meta.get("eval_output_dir")
    out["run_name"] = Path(d.rstrip("/")).name if isinstance(d, str) and d.strip("./") else None
    m = _VERSION_IN_DIR.search(d) if isinstance(d, str) else None
    out["version"] = m.group(1) if m else None
    return out


def _sidecar_metadata(folder: Path) -> tuple[Path, dict] | None:
    p = folder / "metadata.json"
    if not p.is_file():
        return None
    try:
        data = load_json(p, str(p))
    except InputError:
        return None
    if isinstance(data, dict) and ("agent_class" in data or "llm_config" in data or
                                   ("llm" in data and "eval_output_dir" in data)):
        return p, data
    return None


def _report(folder: Path, stem: str) -> tuple[Path, set[str], set[str] | None] | None:
    """A SWE-bench report beside an output file: ``(path, resolved ids, covered ids or None = all)``."""
    for name in ("report.json", f"{stem}.report.json"):
        p = folder / name
        if not p.is_file():
            continue
        data = load_json(p, str(p))
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("resolved_ids"), list):
            resolved = {expect(x, str, str(p), pointer("resolved_ids", i), "an instance id")
                        for i, x in enumerate(data["resolved_ids"])}
            covered = None
            for key in ("completed_ids", "submitted_ids"):
                if isinstance(data.get(key), list) and data[key]:
                    covered = {x for x in data[key] if isinstance(x, str)} | resolved
                    break
            return p, resolved, covered
        if data and all(isinstance(v, dict) and "resolved" in v for v in data.values()):
            resolved = set()
            for iid, v in data.items():
                if expect(v["resolved"], bool, str(p), pointer(iid, "resolved"), "'resolved' as a boolean"):
                    resolved.add(iid)
            return p, resolved, set(data)
    return None


# --------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------


def _score(test_result: dict, base: str, label: str) -> tuple[float | None, str | None, str | None, str | None]:
    """``(score, source, explanation, pointer)`` from a ``test_result``; all None when it has no score."""
    report = test_result.get("report")
    if isinstance(report, dict) and isinstance(report.get("resolved"), bool):
        flags = ", ".join(f"{k}: {v}" for k, v in report.items() if isinstance(v, (bool, int, float, str)))
        return (1.0 if report["resolved"] else 0.0, "test_result.report.resolved",
                f"SWE-bench evaluation report: {flags}", join(base, "test_result", "report"))
    if isinstance(test_result.get("resolved"), bool):
        return (1.0 if test_result["resolved"] else 0.0, "test_result.resolved",
                f"resolved: {test_result['resolved']}", join(base, "test_result", "resolved"))
    fs = test_result.get("final_score")
    if isinstance(fs, dict):
        total, result = num(fs.get("total")), num(fs.get("result"))
        lines = [f"final_score: result {fs.get('result')} of total {fs.get('total')}"]
        checkpoints = test_result.get("checkpoints")
        if isinstance(checkpoints, list):
            lines.append(f"{len(checkpoints)} checkpoint(s) graded")
            for i, c in enumerate(checkpoints):
                if isinstance(c, dict):
                    lines.append(f"  - checkpoint {i + 1}: result {c.get('result')} of {c.get('total')}")
        explanation = "\n".join(lines)
        where = join(base, "test_result", "final_score")
        if total and result is not None:
            return result / total, "test_result.final_score", explanation, where
        return None, "test_result.final_score", explanation + "\nno score: the total is 0", where
    if isinstance(test_result.get("score"), (int, float)):
        value = test_result["score"]
        return (float(value), "test_result.score", f"score: {value}", join(base, "test_result", "score"))
    return None, None, None, None


# --------------------------------------------------------------------------
# Trace assembly
# --------------------------------------------------------------------------


class _Ending:
    """The parts of a trace that come from outside the event stream."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.error_place: str | None = None
        self.instruction: str | None = None
        self.instruction_place: str | None = None
        self.patch: str | None = None
        self.patch_place: str | None = None
        self.test_result: dict = {}
        self.test_base: str = ""
        self.execution_status: str | None = None
        self.report: tuple[Path, set[str], set[str] | None] | None = None


def _assemble(out: Outcome, end: _Ending, clock: Clock, metrics: MetricsIndex, *, label: str, trace_id: str,
              task_id: str, trial: int, model: str | None, agent: str, source_pointer: str,
              extra_notes: list[str], metadata: dict[str, Any], fallback_usage: Usage | None = None) -> Trace:
    steps = out.steps
    notes = list(extra_notes)
    if end.instruction and not out.has_user_message:
        at = 1 if steps and steps[0].actor == "system" else 0
        steps.insert(at, Step(kind=StepKind.message, actor="user", title="instruction", content=end.instruction,
                              source=end.instruction_place))
        notes.append("the task instruction comes from the record's 'instruction' (the history does not hold it)")

    submission = None
    deciding: Step | None = None
    if end.patch is not None:
        submission = end.patch
        if end.patch.strip():
            deciding = Step(kind=StepKind.submission, actor="assistant", title="git patch", content=end.patch,
                            source=end.patch_place)
            steps.append(deciding)
        else:
            notes.append("test_result.git_patch is empty: the agent changed nothing")
    elif out.finish_step is not None and out.finish_step.kind == StepKind.submission:
        submission, deciding = out.finish_text, out.finish_step

    # status
    status, reason, error = "incomplete", None, None
    if end.error:
        error = end.error
        status = "limit" if _LIMIT_ERROR.search(end.error) else "error"
        reason = end.error.strip().splitlines()[0][:300] if end.error.strip() else "error"
        steps.append(Step(kind=StepKind.error, actor="harness", title="run error", content=end.error, is_error=True,
                          source=end.error_place))
    elif out.conversation_error:
        status, reason, error = "error", "conversation error", out.conversation_error
    elif out.iteration_limit:
        status, reason = "limit", out.iteration_limit
    elif end.execution_status is not None:
        status = _EXECUTION_STATUS.get(end.execution_status, "incomplete")
        reason = f"execution_status: {end.execution_status}"
        if status == "error":
            error = f"the conversation ended in execution_status {end.execution_status!r}"
        if end.execution_status == "stuck":
            notes.append("the stuck detector stopped the agent (repeated actions)")
    elif out.finish_step is not None:
        status, reason = "completed", "finish"
    elif out.gave_up:
        status, reason = "completed", "reject"
        notes.append("the agent gave up (reject action)")
    elif out.agent_state == "error" or out.agent_state == "rate_limited":
        status, reason = "error", f"agent state: {out.agent_state}"
        error = out.agent_state_reason or f"the agent ended in state {out.agent_state!r}"
    elif out.agent_state == "finished" or (out.agent_state == "awaiting_user_input" and out.last_agent_message):
        status, reason = "completed", f"agent state: {out.agent_state}"
    else:
        notes.append("the record stops without a finish action, an error or a final agent state")
        if out.agent_state:
            reason = f"agent state: {out.agent_state}"

    score, source, explanation, where = _score(end.test_result, end.test_base, label) if end.test_result else (
        None, None, None, None)
    if score is None and source is None and end.report is not None:
        rpath, resolved, covered = end.report
        if covered is None or task_id in covered:
            score = 1.0 if task_id in resolved else 0.0
            source = rpath.name
            explanation = f"{rpath.name}: {task_id} is {'resolved' if score else 'not resolved'}"
            where = rpath.name
    if source is not None:
        steps.append(Step(kind=StepKind.score, actor="scorer", title=source, content=explanation or "",
                          source=where))
        if score is not None:
            deciding = steps[-1]
        else:
            notes.append(f"{source} gives no score (its total is 0)")

    if clock.naive:
        notes.append(NAIVE_NOTE)
    notes += out.notes + out.skipped_notes()

    if not metrics.empty:
        usage = metrics.trace_usage()
    elif fallback_usage is not None:
        usage = fallback_usage
    else:
        usage = Usage(input_tokens=out.step_input_tokens, output_tokens=out.step_output_tokens,
                      cost_usd=out.step_cost)
        if out.step_input_tokens is not None or out.step_cost is not None:
            notes.append("trace usage is the sum of the steps' usage (the file records no totals)")

    started = clock.first
    duration = (clock.last - clock.first).total_seconds() if clock.first and clock.last else None
    trace = Trace(
        id=trace_id,
        task_id=task_id,
        trial=trial,
        status=status,
        termination_reason=reason,
        score=score,
        score_source=source,
        scorer_explanation=explanation,
        submission=submission,
        error=error,
        agent=agent,
        model=model or out.model,
        usage=usage,
        duration_s=duration,
        started_at=started,
        steps=steps,
        source_file=label,
        source_pointer=source_pointer,
        notes=notes,
        metadata=metadata | out.metadata,
    )
    if deciding is not None:
        trace.deciding_step = next(i for i, s in enumerate(trace.steps, start=1) if s is deciding)
    return trace


def _record_trace(rec: dict, label: str, base: str, place_for: str, trial: int, trace_id: str,
                  report: tuple | None) -> Trace:
    """One ``EvalOutput`` record (a JSONL line or a whole .json file) → Trace.

    ``base`` prefixes the pointers (``line 3#`` or ``""``); ``place_for`` is the
    place of the record for errors about it."""
    iid = rec.get("instance_id")
    if isinstance(iid, int) and not isinstance(iid, bool):
        iid = str(iid)
    task_id = expect(iid, str, label, place_for if not base else f"{base}/instance_id",
                     "'instance_id' as a string")
    history = rec.get("history")
    if history is None:
        history = []
    expect(history, list, label, join(base, "history"), "'history' as a list of events")
    test_result = rec.get("test_result")
    if test_result is None:
        test_result = {}
    expect(test_result, dict, label, join(base, "test_result"), "'test_result' as an object")
    meta = rec.get("metadata")
    if meta is not None:
        expect(meta, dict, label, join(base, "metadata"), "'metadata' as an object")
    err = rec.get("error")
    if err is not None and not isinstance(err, str):
        err = json_text(err)
    end = _Ending()
    end.error = err if err and err.strip() else None
    end.error_place = join(base, "error")
    instruction = rec.get("instruction")
    if isinstance(instruction, str) and instruction.strip():
        end.instruction, end.instruction_place = instruction, join(base, "instruction")
    patch = test_result.get("git_patch")
    if patch is not None:
        end.patch = expect(patch, str, label, join(base, "test_result", "git_patch"), "'git_patch' as a string")
        end.patch_place = join(base, "test_result", "git_patch")
    end.test_result, end.test_base = test_result, base
    end.report = report

    metrics = MetricsIndex()
    metrics.add(rec.get("metrics"), label, join(base, "metrics"))
    clock = Clock(label)
    notes: list[str] = []
    fallback = None
    is_v1 = any(isinstance(e, dict) and "kind" in e for e in history[:5]) or (
        not history and isinstance(meta, dict) and "llm" in meta and "llm_config" not in meta)
    finish_is_submission = end.patch is None
    if is_v1:
        reader = V1Reader(clock, metrics, finish_is_submission)
        out = reader.run((e, label, join(base, "history", i), join(base, "history", i))
                         for i, e in enumerate(history))
    else:
        v0 = V0Reader(label, join(base, "history"), clock, metrics, finish_is_submission)
        out = v0.run(history)
        fallback = v0.last_metrics_usage()
        if metrics.empty and fallback is not None:
            notes.append("trace usage is the last event's accumulated llm_metrics (the record has no metrics)")
    info = _eval_metadata(meta)
    metadata: dict[str, Any] = {"openhands": "V1" if is_v1 else "V0"}
    if out.version:
        metadata["openhands_version"] = out.version
    if info.get("agent_class") or out.agent_class:
        metadata["agent_class"] = info.get("agent_class") or out.agent_class
    inst = rec.get("instance")
    if isinstance(inst, dict):
        for key in ("repo", "base_commit", "version", "environment_setup_commit", "image", "docker_image"):
            if isinstance(inst.get(key), (str, int, float)) and not isinstance(inst.get(key), bool):
                metadata[f"instance_{key}"] = inst[key]
    extra_tr = {k: v for k, v in test_result.items() if k != "git_patch"}
    if extra_tr and len(orjson.dumps(extra_tr, option=orjson.OPT_NON_STR_KEYS)) <= 4096:
        metadata["test_result"] = extra_tr
    if isinstance(rec.get("attempt"), int):
        metadata["attempt"] = rec["attempt"]
    return _assemble(out, end, clock, metrics, label=label, trace_id=trace_id, task_id=task_id, trial=trial,
                     model=info.get("model"), agent=_agent_id(info.get("agent_class") or out.agent_class),
                     source_pointer=base.rstrip("#") if base else "", extra_notes=notes, metadata=metadata,
                     fallback_usage=fallback)


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class OpenHands(Importer):
    name = FORMAT
    title = "OpenHands trajectories and evaluation outputs (V0 and V1)"
    spec = ("OpenHands/OpenHands: openhands/events/**, openhands/core/schema/*.py, evaluation/utils/shared.py "
            "(V0); OpenHands/software-agent-sdk: openhands-sdk/openhands/sdk/event/**, conversation/state.py (V1); "
            "OpenHands/benchmarks: benchmarks/utils/models.py (V1 eval output)")
    patterns = ("output.jsonl (V0/V1 evaluation output)", "*.json (V0 event list)",
                "<conversation>/base_state.json + events/event-NNNNN-<uuid>.json (V1)",
                "metadata.json and report.json beside output.jsonl")

    # -- detection ---------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            if _conversation_root(path) is not None:
                return None
            return "folder is not an OpenHands V1 conversation (base_state.json and events/event-NNNNN-*.json)"
        name = path.name
        if name == "base_state.json":
            return _base_state_reason(path)
        if EVENT_FILE.match(name) and path.parent.name == "events":
            head = read_head(path).lstrip()
            if head.startswith(b"{") and b'"kind"' in head:
                return None
            return "event file without a 'kind'"
        if name.endswith(".jsonl"):
            why = _eval_record_reason(read_head(path))
            return None if why is None else f"not an OpenHands evaluation output ({why})"
        if name.endswith(".json"):
            head = read_head(path)
            stripped = head.lstrip()
            if stripped.startswith(b"["):
                why = _v0_list_reason(head)
                return None if why is None else f"not an OpenHands event list ({why})"
            why = _eval_record_reason(head)
            if why is None and b'"history"' in head:
                return None
            return "JSON object that is not an OpenHands evaluation record (instance_id, history, OpenHands fields)"
        return "not a .json/.jsonl file or an OpenHands V1 conversation folder"

    # -- run metadata ------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        if path.is_dir() or path.name == "base_state.json" or (EVENT_FILE.match(path.name)
                                                               and path.parent.name == "events"):
            root = _conversation_root(path if path.is_dir() else path.parent if path.name == "base_state.json"
                                      else path.parent.parent)
            if root is None:
                raise InputError(str(path), "", "expected an OpenHands V1 conversation folder")
            return [self._conversation_draft(root)]
        label = str(path)
        if path.name.endswith(".jsonl"):
            return [self._eval_draft(path, label)]
        data = load_json(path, label)
        if isinstance(data, list):
            return [self._event_list_draft(path, data, label)]
        expect(data, dict, label, "", "an OpenHands event list or evaluation record")
        if "history" not in data:
            raise InputError(label, "/history", "expected an OpenHands evaluation record with 'history'")
        return [self._eval_draft(path, label, records=[("", data)])]

    def _eval_draft(self, path: Path, label: str, records: list | None = None) -> RunDraft:
        folder = path.parent
        stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.stem
        tasks: list[str] = []
        first_meta = None
        version = None
        agent_class = None
        response_model = None
        it = records if records is not None else ((f"line {n}", rec) for n, rec in iter_jsonl(path, label))
        for place, rec in it:
            expect(rec, dict, label, place, "an evaluation record object")
            iid = rec.get("instance_id")
            if isinstance(iid, int) and not isinstance(iid, bool):
                iid = str(iid)
            expect(iid, str, label, place if place.startswith("line") else "/instance_id",
                   "'instance_id' as a string")
            if iid not in tasks:
                tasks.append(iid)
            if first_meta is None and isinstance(rec.get("metadata"), dict):
                first_meta = rec["metadata"]
            if version is None or response_model is None:
                for e in (rec.get("history") or [])[:50] if isinstance(rec.get("history"), list) else []:
                    if not isinstance(e, dict):
                        continue
                    args = e.get("args") if isinstance(e.get("args"), dict) else {}
                    if e.get("action") == "system":
                        version = version or (args.get("openhands_version")
                                              if isinstance(args.get("openhands_version"), str) else None)
                        agent_class = agent_class or (args.get("agent_class")
                                                      if isinstance(args.get("agent_class"), str) else None)
                    mr = (e.get("tool_call_metadata") or {}).get("model_response") \
                        if isinstance(e.get("tool_call_metadata"), dict) else None
                    if response_model is None and isinstance(mr, dict) and isinstance(mr.get("model"), str):
                        response_model = mr["model"]
        files = [path]
        side = _sidecar_metadata(folder)
        if first_meta is None and side is not None:
            first_meta = side[1]
        if side is not None:
            files.append(side[0])
        info = _eval_metadata(first_meta)
        declared = DeclaredScores()
        report = _report(folder, stem)
        if report is not None:
            rpath, resolved, covered = report
            declared = DeclaredScores(tasks={t: 1.0 if t in resolved else 0.0 for t in tasks
                                             if covered is None or t in covered}, source=rpath.name)
            files.append(rpath)
        run_name = info.get("run_name") or folder.name or stem
        if stem != "output":
            run_name = f"{run_name}-{stem}"
        agent_class = info.get("agent_class") or agent_class
        metadata = dict(info["metadata"])
        if agent_class:
            metadata["agent_class"] = agent_class
        if first_meta is None:
            metadata["note"] = "no metadata in the records or beside them"
        names = {str(f): f.name for f in files}
        model = info.get("model") or response_model
        agent_id, agent_name = _draft_agent(agent_class, model)
        return RunDraft(
            run_id=slug(run_name) or slug(stem),
            agent=agent_id,
            agent_name=agent_name,
            model=model,
            harness="openhands",
            harness_version=version or info.get("version"),
            benchmark=info.get("benchmark"),
            tasks=tasks,
            format=self.name,
            files=[str(f) for f in files],
            names=names,
            formats={str(f): self.name for f in files},
            declared=declared,
            environment=info["environment"],
            metadata=metadata,
        )

    def _event_list_draft(self, path: Path, data: list, label: str) -> RunDraft:
        version = agent_class = model = None
        for i, e in enumerate(data):
            expect(e, dict, label, pointer(i), "an event object")
            args = e.get("args") if isinstance(e.get("args"), dict) else {}
            if e.get("action") == "system":
                version = args.get("openhands_version") if isinstance(args.get("openhands_version"), str) else version
                agent_class = args.get("agent_class") if isinstance(args.get("agent_class"), str) else agent_class
            tcm = e.get("tool_call_metadata")
            mr = tcm.get("model_response") if isinstance(tcm, dict) else None
            if model is None and isinstance(mr, dict) and isinstance(mr.get("model"), str):
                model = mr["model"]
        metadata: dict[str, Any] = {}
        if agent_class:
            metadata["agent_class"] = agent_class
        agent_id, agent_name = _draft_agent(agent_class, model)
        return RunDraft(
            run_id=slug(path.stem),
            agent=agent_id,
            agent_name=agent_name,
            model=model,
            harness="openhands",
            harness_version=version,
            benchmark=None,
            tasks=[path.stem],
            format=self.name,
            files=[str(path)],
            names={str(path): path.name},
            formats={str(path): self.name},
            metadata=metadata,
        )

    def _conversation_draft(self, root: Path) -> RunDraft:
        files: list[Path] = []
        state = None
        bs = root / "base_state.json"
        if bs.is_file():
            files.append(bs)
            state = load_json(bs, str(bs))
            expect(state, dict, str(bs), "", "a conversation state object")
        events = _event_files(root)
        files += events
        agent = state.get("agent") if isinstance(state, dict) and isinstance(state.get("agent"), dict) else {}
        llm = agent.get("llm") if isinstance(agent.get("llm"), dict) else {}
        settings = _llm_settings(llm)
        model = settings.pop("model", None)
        environment: dict[str, Any] = {}
        if settings:
            environment["llm"] = settings
        if isinstance(state, dict):
            for key in ("max_iterations", "stuck_detection"):
                if isinstance(state.get(key), (int, bool)):
                    environment[key] = state[key]
            ws = state.get("workspace")
            if isinstance(ws, dict) and isinstance(ws.get("kind"), str):
                environment["workspace"] = ws["kind"]
        tools = agent.get("tools")
        if isinstance(tools, list):
            environment["tools"] = [t.get("name") for t in tools if isinstance(t, dict) and isinstance(t.get("name"),
                                                                                                        str)]
        conv_id = state.get("id") if isinstance(state, dict) and isinstance(state.get("id"), str) else root.name
        return RunDraft(
            run_id=slug(root.name),
            agent=_draft_agent(None, model)[0],
            agent_name=f"OpenHands Agent SDK ({model})" if model else "OpenHands Agent SDK",
            model=model,
            harness="openhands",
            harness_version=None,
            benchmark=None,
            tasks=[conv_id],
            format=self.name,
            files=[str(f) for f in files],
            names={str(f): f.relative_to(root).as_posix() for f in files},
            formats={str(f): self.name for f in files},
            environment=environment,
            metadata={"conversation_id": conv_id},
        )

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        if path.is_dir():  # a conversation folder given whole (the build reads its files one by one)
            root = _conversation_root(path)
            if root is None:
                raise InputError(label, "", "expected an OpenHands V1 conversation folder")
            bs = root / "base_state.json"
            yield self._conversation_trace(root, f"{label}/base_state.json" if bs.is_file() else label,
                                           bs if bs.is_file() else None)
            return
        name = path.name
        if name == "base_state.json":
            yield self._conversation_trace(path.parent, label, path)
            return
        if EVENT_FILE.match(name) and path.parent.name == "events":
            root = path.parent.parent
            events = _event_files(root)
            if not (root / "base_state.json").is_file() and events and events[0].name == name:
                yield self._conversation_trace(root, label, None)
            return
        if name.endswith(".jsonl"):
            yield from self._eval_traces(path, label)
            return
        data = load_json(path, label)
        if isinstance(data, list):
            yield self._event_list_trace(path, label, data)
            return
        expect(data, dict, label, "", "an OpenHands event list or evaluation record")
        if "history" in data and "instance_id" in data:
            stem = path.stem
            iid = data.get("instance_id")
            yield _record_trace(data, label, "", "/instance_id", 1, str(iid), _report(path.parent, stem))
        # metadata.json / report.json sidecars: no traces

    def _eval_traces(self, path: Path, label: str) -> Iterator[Trace]:
        stem = path.name[: -len(".jsonl")]
        report = _report(path.parent, stem)
        seen: dict[str, int] = {}
        for number, rec in iter_jsonl(path, label):
            place = f"line {number}"
            expect(rec, dict, label, place, "an evaluation record object")
            iid = rec.get("instance_id")
            iid = str(iid) if isinstance(iid, (str, int)) and not isinstance(iid, bool) else None
            if iid is None:
                raise InputError(label, f"{place}#/instance_id", "expected 'instance_id' as a string")
            seen[iid] = seen.get(iid, 0) + 1
            attempt = rec.get("attempt")
            trial = attempt if isinstance(attempt, int) and not isinstance(attempt, bool) and attempt >= 1 \
                else seen[iid]
            trace_id = iid if seen[iid] == 1 else f"{iid}-{trial}"
            yield _record_trace(rec, label, f"{place}#", place, trial, trace_id, report)

    def _event_list_trace(self, path: Path, label: str, data: list) -> Trace:
        clock = Clock(label)
        metrics = MetricsIndex()
        reader = V0Reader(label, "", clock, metrics, finish_is_submission=True)
        out = reader.run(data)
        fallback = reader.last_metrics_usage()
        metadata: dict[str, Any] = {"openhands": "V0"}
        if out.version:
            metadata["openhands_version"] = out.version
        if out.agent_class:
            metadata["agent_class"] = out.agent_class
        notes = ["an event list: no task record, so no score or git patch"]
        if fallback is not None:
            notes.append("trace usage is the last event's accumulated llm_metrics")
        return _assemble(out, _Ending(), clock, metrics, label=label, trace_id=path.stem, task_id=path.stem, trial=1,
                         model=None, agent=_agent_id(out.agent_class), source_pointer="", extra_notes=notes,
                         metadata=metadata, fallback_usage=fallback)

    def _conversation_trace(self, root: Path, label: str, base_state: Path | None) -> Trace:
        state: dict = {}
        if base_state is not None:
            state = expect(load_json(base_state, label), dict, label, "", "a conversation state object")
        metrics = MetricsIndex()
        stats = state.get("stats")
        if stats is not None:
            expect(stats, dict, label, "/stats", "'stats' as an object")
            per = stats.get("usage_to_metrics")
            if per is not None:
                expect(per, dict, label, "/stats/usage_to_metrics", "'usage_to_metrics' as an object")
                for key, m in per.items():
                    metrics.add(m, label, pointer("stats", "usage_to_metrics", key))
        clock = Clock(label)
        end = _Ending()
        status = state.get("execution_status")
        if isinstance(status, str):
            end.execution_status = status
        folder = Path(label).parent

        def events():
            for p in _event_files(root):
                elabel = (folder / "events" / p.name).as_posix() if base_state is not None else \
                    (Path(label).parent / p.name).as_posix()
                yield load_json(p, elabel), elabel, "", f"events/{p.name}#"

        reader = V1Reader(clock, metrics, finish_is_submission=True)
        out = reader.run(events())
        agent = state.get("agent") if isinstance(state.get("agent"), dict) else {}
        llm = agent.get("llm") if isinstance(agent.get("llm"), dict) else {}
        model = llm.get("model") if isinstance(llm.get("model"), str) else None
        conv_id = state.get("id") if isinstance(state.get("id"), str) else root.name
        notes = [] if base_state is not None else ["no base_state.json: no model, usage or execution status"]
        if metrics.paired_costs:
            notes.append("per-step cost pairs the metrics' costs with their token usages by position")
        metadata: dict[str, Any] = {"openhands": "V1", "conversation_id": conv_id}
        if isinstance(state.get("execution_status"), str):
            metadata["execution_status"] = state["execution_status"]
        return _assemble(out, end, clock, metrics, label=label, trace_id=conv_id, task_id=conv_id, trial=1,
                         model=model, agent="openhands", source_pointer="", extra_notes=notes, metadata=metadata)
