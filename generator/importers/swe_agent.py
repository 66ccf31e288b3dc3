"""SWE-agent trajectories (``*.traj``) and their predictions files.

Format: ``SWE-agent/SWE-agent`` (MIT). No JSON schema; the shapes are
``sweagent/types.py`` (``TrajectoryStep``, ``HistoryItem``, ``AgentInfo``),
``sweagent/agent/agents.py`` (``get_trajectory_data``: top level
``{environment, trajectory[], history[], info, replay_config}``, plus
``attempts[]`` with a retry loop) and ``docs/usage/trajectories.md``.

Layouts accepted
----------------
- one ``<instance_id>.traj`` file;
- an experiment folder of ``*.traj`` files (0.x), with ``all_preds.jsonl``;
- an experiment folder of instance folders,
  ``<experiment>/<instance_id>/<instance_id>.traj`` (1.x), with ``preds.json``;
- a folder of experiment folders (one run per experiment);
- a predictions file (``all_preds.jsonl`` / ``preds.json``) on its own:
  metadata only, it yields no traces.

Run metadata (``drafts``)
-------------------------
- ``run_id``: slug of the experiment folder name (``[A-Za-z0-9._-]``, at
  most 128 characters; a long name is cut and given a hash suffix).
- ``model``: ``replay_config`` (a JSON string inside the JSON in 0.x, a dict
  in some copies) ``agent.model.model_name`` (0.x) / ``agent.model.name``
  (1.x) / ``agent.agent_configs[0].model.name`` (1.x retry agent); else the
  experiment folder name (0.x ``<model>__<data>__<config>__t-…``, 1.x
  ``<config>__<model>___<instances>``); else the same parse of the
  predictions file's ``model_name_or_path``.
- ``benchmark``: the data field of that name when it names a SWE-bench set
  (``swe-bench-dev-easy_first_only`` → ``swe-bench-dev-easy``,
  ``SWE-bench_Lite`` → ``swe-bench-lite``, 1.x ``swe_bench_verified_test`` →
  ``swe-bench-verified``), else the 0.x ``replay_config``
  ``environment.data_path``; else None (``import`` asks for ``--benchmark``).
- ``agent`` / ``harness`` = ``swe-agent``; ``harness_version`` =
  ``info.swe_agent_version`` (1.x) of the first trajectory.
- ``tasks``: instance ids = ``.traj`` file stems. ``files``: every ``.traj``,
  the predictions file(s), and a SWE-bench report when one lies beside them;
  ``names`` are paths relative to the experiment folder.
- ``declared``: empty, since SWE-agent does not score itself. A SWE-bench
  evaluation report in the experiment folder (``results.json`` with a
  ``resolved`` or ``resolved_ids`` list, or ``report.json`` mapping
  instance → ``{"resolved": bool}``) gives ``declared.tasks`` (1.0/0.0 for
  the run's tasks it covers) and ``declared.source`` = its file name.

Traces (``traces``)
-------------------
One trace per ``.traj`` file: ``id`` = ``task_id`` = file stem, trial 1.
Steps come from ``history`` when present, else from ``trajectory`` (never
both; the notes say how many trajectory entries the history covered):

- ``system`` message → ``message`` (actor ``system``); demonstrations
  (``is_demo``, also the string ``"True"`` in 0.x files) → ``message`` titled
  ``demonstration``; user messages before the first assistant turn (the
  task) → ``message``;
- assistant message → ``message`` (its ``thought``, else its content), then
  its ``action`` → ``terminal_command``, or one ``tool_call`` per entry of
  ``tool_calls`` (function-calling configs, with ``ToolCall``);
- later user/tool messages → ``observation``, or ``tool_result`` when they
  carry ``tool_call_ids``. The ``execution_time`` of the matching
  ``trajectory`` entry (aligned turn by turn, by action text when counts
  differ because requeried format errors appear only in ``trajectory``)
  becomes the observation's ``duration_s``;
- ``info.submission`` (the patch) → a final ``submission`` step and
  ``Trace.submission``; ``deciding_step`` points at it.

``status`` from ``info.exit_status``: ``submitted`` → completed;
``submitted (exit_…)`` (patch auto-submitted after a limit or error) →
completed with a note; ``exit_forfeit`` / ``exit_command`` (agent gave up)
→ completed; ``exit_cost``, ``exit_context``, ``exit_command_timeout``,
``exit_total_execution_time``, ``exit_format`` → limit; ``exit_error``,
``exit_api``, ``exit_environment_error`` → error; missing or unknown →
incomplete. ``termination_reason`` = ``exit_status``. ``usage`` from
``info.model_stats`` (``tokens_sent`` → input, ``tokens_received`` →
output, ``instance_cost`` → USD). ``duration_s`` = sum of the trajectory's
``execution_time`` (command time only; no model time or timestamps exist
in the format). ``score`` stays None unless a SWE-bench report lies in the
experiment folder, then 1.0/0.0 with ``score_source`` = the report's name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import content_text
from generator.importers._common import visible as _visible
from generator.jsonread import expect, iter_jsonl, load_json, pointer
from generator.model import (
    DeclaredScores,
    RunDraft,
    Step,
    StepKind,
    ToolCall,
    Trace,
    Usage,
)

PRED_NAMES = ("preds.json", "all_preds.jsonl")
REPORT_NAMES = ("results.json", "report.json")
SNIFF_PREFIX = 64 * 1024

LIMIT_STATUSES = {
    "exit_cost",
    "exit_context",
    "exit_command_timeout",
    "exit_total_execution_time",
    "exit_format",
}
ERROR_STATUSES = {"exit_error", "exit_api", "exit_environment_error"}
GAVE_UP_STATUSES = {"exit_forfeit", "exit_command"}

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_BENCH_HEAD = re.compile(r"^swe-?bench(?:[-.][a-z0-9]+)*$")
_BENCH_VARIANTS = {"lite", "verified", "multimodal", "multilingual", "extra", "java", "full"}
_NAME_PARAM = re.compile(r"^(t|p|c|install)-(.+)$")
_PARAM_KEYS = {"t": "temperature", "p": "top_p", "c": "cost_limit", "install": "install_environment"}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _slug(name: str) -> str | None:
    """A run id matching ``^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$``."""
    slug = _SLUG_UNSAFE.sub("-", name)
    slug = re.sub(r"^[^A-Za-z0-9]+", "", slug)
    if not slug:
        return None
    if len(slug) > 128:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:119].rstrip('._-')}-{digest}"
    return slug


def _truthy(value: Any) -> bool:
    """``is_demo`` is a boolean in 1.x and the string ``"True"`` in 0.x files."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _text(content: Any, file: str, place: str) -> str:
    """Message content: a string, or a list of parts (``{"type": "text", "text": …}``)."""
    return content_text(content, file, place, ("image_url", "image"), lambda part: orjson.dumps(part).decode())


def pointer_join(base: str, *parts: object) -> str:
    return base + pointer(*parts)


def _opt_str(obj: dict, key: str, file: str, place: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    return expect(value, str, file, pointer_join(place, key), f"{key!r} as a string")


def _number(value: Any, file: str, place: str, what: str) -> float | None:
    if value is None:
        return None
    return expect(value, (int, float), file, place, what)


def _experiment_dir(traj: Path) -> Path:
    """``<exp>/<id>/<id>.traj`` (1.x) → ``<exp>``; ``<exp>/<id>.traj`` → ``<exp>``."""
    parent = traj.parent
    if parent.name == traj.stem and parent.parent != parent:
        return parent.parent
    return parent


# --------------------------------------------------------------------------
# Experiment names, benchmarks, models
# --------------------------------------------------------------------------


def _benchmark_from_field(field: str | None) -> str | None:
    """A benchmark id when ``field`` names a SWE-bench data set, else None.

    ``swe-bench-dev-easy_first_only`` → ``swe-bench-dev-easy`` (``_first_only``
    is a subset modifier), ``SWE-bench_Lite`` → ``swe-bench-lite``,
    ``swe_bench_verified_test`` (1.x instances id) → ``swe-bench-verified``.
    """
    if not field:
        return None
    low = field.strip().strip("_").lower()
    if low.startswith("swe_bench"):  # 1.x SWEBenchInstances.id: swe_bench_<subset>_<split>
        parts = [p for p in low.split("_") if p][2:]
        subset = parts[0] if parts else "full"
        if subset == "full":
            return "swe-bench"
        if re.fullmatch(r"[a-z0-9-]+", subset):
            return f"swe-bench-{subset}"
        return None
    parts = low.split("_")
    head = parts[0].replace("swebench", "swe-bench", 1)
    if not _BENCH_HEAD.match(head):
        return None
    for part in parts[1:]:
        if part in _BENCH_VARIANTS:
            if part != "full":
                head += f"-{part}"
        else:
            break
    return head


def _parse_experiment_name(name: str | None) -> dict[str, Any]:
    """Model, benchmark and parameters encoded in an experiment name.

    0.x: ``<model>__<data>__<config>__t-0.00__p-0.95__c-3.00__install-1``;
    1.x: ``<config>__<model>___<instances id>[__<suffix>]``.
    """
    out: dict[str, Any] = {"model": None, "benchmark": None, "data": None, "config": None, "params": {}}
    if not name or "__" not in name:
        return out
    if "___" in name:
        head, _, tail = name.partition("___")
        fields = head.split("__")
        if len(fields) >= 2:
            out["config"], out["model"] = fields[0] or None, fields[1] or None
        else:
            out["model"] = fields[0] or None
        data = tail.split("__")[0]
        out["data"] = data or None
        out["benchmark"] = _benchmark_from_field(data)
        return out
    fields = name.split("__")
    out["model"] = fields[0] or None
    if len(fields) > 1:
        out["data"] = fields[1] or None
        out["benchmark"] = _benchmark_from_field(fields[1])
    if len(fields) > 2 and not _NAME_PARAM.match(fields[2]):
        out["config"] = fields[2] or None
    for f in fields[2:]:
        m = _NAME_PARAM.match(f)
        if m:
            value: Any = m.group(2)
            try:
                value = float(value) if m.group(1) != "install" else bool(int(value))
            except ValueError:
                pass
            out["params"][_PARAM_KEYS[m.group(1)]] = value
    return out


def _replay_config(data: dict, file: str) -> dict | None:
    """``replay_config``: a JSON string inside the JSON (0.x and 1.x) or a dict."""
    rc = data.get("replay_config")
    if rc is None:
        return None
    if isinstance(rc, str):
        if not rc.strip():
            return None
        try:
            rc = orjson.loads(rc)
        except orjson.JSONDecodeError as exc:
            msg = str(exc).split(":")[0]
            raise InputError(file, "/replay_config", f"expected a JSON document in the string ({msg})") from None
    if not isinstance(rc, dict):
        found = type(rc).__name__
        raise InputError(file, "/replay_config", f"expected an object or a JSON string holding one, found {found}")
    return rc


def _model_from_replay(rc: dict | None) -> str | None:
    if not rc:
        return None
    agent = rc.get("agent")
    if not isinstance(agent, dict):
        return None
    candidates = [agent.get("model")]
    configs = agent.get("agent_configs")
    if isinstance(configs, list):
        candidates += [c.get("model") for c in configs if isinstance(c, dict)]
    for model in candidates:
        if isinstance(model, dict):
            for key in ("model_name", "name"):
                if isinstance(model.get(key), str) and model[key].strip():
                    return model[key].strip()
        elif isinstance(model, str) and model.strip():
            return model.strip()
    return None


def _benchmark_from_replay(rc: dict | None) -> str | None:
    """0.x ``environment.data_path`` (``princeton-nlp/SWE-bench_Lite``, a file path)."""
    if not rc:
        return None
    env = rc.get("environment")
    if isinstance(env, dict) and isinstance(env.get("data_path"), str):
        name = env["data_path"].rstrip("/").rsplit("/", 1)[-1]
        name = re.sub(r"\.(jsonl?|ya?ml)$", "", name)
        return _benchmark_from_field(name)
    return None


# --------------------------------------------------------------------------
# Predictions and SWE-bench reports
# --------------------------------------------------------------------------


def _read_predictions(path: Path, label: str) -> list[tuple[str, dict]]:
    """``(place, record)`` for each prediction in ``all_preds.jsonl`` or ``preds.json``."""
    out: list[tuple[str, dict]] = []
    if path.name.endswith(".jsonl"):
        for number, rec in iter_jsonl(path, label):
            place = f"line {number}"
            expect(rec, dict, label, place, "a prediction object")
            out.append((place, rec))
    else:
        data = load_json(path, label)
        if isinstance(data, dict):
            for key, rec in data.items():
                place = pointer(key)
                expect(rec, dict, label, place, "a prediction object")
                out.append((place, rec))
        elif isinstance(data, list):
            for i, rec in enumerate(data):
                place = pointer(i)
                expect(rec, dict, label, place, "a prediction object")
                out.append((place, rec))
        else:
            expect(data, dict, label, "", "an object mapping instance id to prediction")
    for place, rec in out:
        where = place if place.startswith("line") else pointer_join(place, "instance_id")
        expect(rec.get("instance_id"), str, label, where, "'instance_id' as a string")
    return out


def _predictions_prefix_ok(path: Path) -> str | None:
    """None when the first bytes of a predictions file look like SWE-bench predictions."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_PREFIX)
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    text = head.lstrip()
    if path.name.endswith(".jsonl"):
        if not text.startswith(b"{"):
            return "all_preds.jsonl does not start with a JSON object"
        line, nl, _ = text.partition(b"\n")
        if nl:
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                return "first line of all_preds.jsonl is not a JSON object"
            if not isinstance(rec, dict) or "instance_id" not in rec or "model_patch" not in rec:
                return "predictions records lack instance_id and model_patch"
            return None
    elif not text.startswith((b"{", b"[")):
        return "preds.json does not start with a JSON object"
    if b'"instance_id"' in head and b'"model_patch"' in head:
        return None
    return "predictions records lack instance_id and model_patch"


def _parse_report(path: Path, label: str) -> dict[str, Any] | None:
    """A SWE-bench evaluation report: ``{"resolved": set, "covered": set | None}``.

    ``covered`` None means the report covers every instance of the run (a
    run-level report listing the resolved ones); for a per-instance
    ``report.json`` it is the set of instances it names. None when the file
    is JSON but not a SWE-bench report.
    """
    data = load_json(path, label)
    if not isinstance(data, dict):
        return None
    for key in ("resolved_ids", "resolved"):
        if isinstance(data.get(key), list):
            resolved = set()
            for i, iid in enumerate(data[key]):
                resolved.add(expect(iid, str, label, pointer(key, i), "an instance id"))
            return {"resolved": resolved, "covered": None}
    if data and all(isinstance(v, dict) and "resolved" in v for v in data.values()):
        resolved, covered = set(), set()
        for iid, v in data.items():
            flag = expect(v["resolved"], bool, label, pointer(iid, "resolved"), "'resolved' as a boolean")
            covered.add(iid)
            if flag:
                resolved.add(iid)
        return {"resolved": resolved, "covered": covered}
    return None


@functools.lru_cache(maxsize=8)
def _report_cached(path: str, mtime_ns: int, size: int, label: str) -> dict[str, Any] | None:
    return _parse_report(Path(path), label)


def _find_report(exp_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    for name in REPORT_NAMES:
        p = exp_dir / name
        if p.is_file():
            st = p.stat()
            report = _report_cached(str(p), st.st_mtime_ns, st.st_size, str(p))
            if report is not None:
                return p, report
    return None


def _report_scores(report: dict[str, Any], tasks: list[str]) -> dict[str, float]:
    covered = report["covered"]
    return {
        t: 1.0 if t in report["resolved"] else 0.0
        for t in tasks
        if covered is None or t in covered
    }


# --------------------------------------------------------------------------
# Trajectory files
# --------------------------------------------------------------------------


def _load_traj(path: Path, label: str) -> dict:
    data = load_json(path, label)
    expect(data, dict, label, "", "a SWE-agent trajectory object")
    if not ("trajectory" in data or "history" in data):
        raise InputError(label, "", "expected a SWE-agent trajectory with 'history' or 'trajectory'")
    for key in ("trajectory", "history", "attempts"):
        if key in data and data[key] is not None:
            expect(data[key], list, label, pointer(key), f"{key!r} as a list")
    if data.get("info") is not None:
        expect(data["info"], dict, label, "/info", "'info' as an object")
    return data


def _status(exit_status: str | None) -> tuple[str, list[str]]:
    """Trace status and notes for an ``info.exit_status``."""
    if exit_status is None or exit_status == "":
        return "incomplete", ["info.exit_status is missing: the run stops without an ending"]
    s = exit_status.strip()
    if s == "submitted":
        return "completed", []
    m = re.fullmatch(r"submitted \((.+)\)", s)
    if m:
        return "completed", [f"the patch was submitted automatically after {m.group(1)}"]
    if s in LIMIT_STATUSES:
        return "limit", []
    if s in ERROR_STATUSES:
        return "error", []
    if s in GAVE_UP_STATUSES:
        return "completed", [f"the agent stopped without submitting ({s})"]
    return "incomplete", [f"unknown exit_status {s!r}"]


class _Builder:
    """Turns one loaded ``.traj`` object into steps."""

    def __init__(self, label: str, model: str | None):
        self.label = label
        self.model = model
        self.steps: list[Step] = []
        self.notes: list[str] = []

    # -- history -----------------------------------------------------------

    def from_history(self, history: list, trajectory: list) -> None:
        label = self.label
        items: list[dict] = []
        for i, item in enumerate(history):
            items.append(expect(item, dict, label, pointer("history", i), "a history message object"))
        # Align non-demo assistant turns with trajectory entries (execution_time).
        turns = [i for i, it in enumerate(items) if it.get("role") == "assistant" and not _truthy(it.get("is_demo"))]
        durations = self._align(turns, items, trajectory)

        seen_action = False
        pending_duration: float | None = None
        for i, item in enumerate(items):
            place = pointer("history", i)
            role = expect(item.get("role"), str, label, pointer_join(place, "role"), "'role' as a string")
            is_demo = _truthy(item.get("is_demo"))
            content = _text(item.get("content"), label, pointer_join(place, "content"))
            if is_demo:
                self.steps.append(Step(kind=StepKind.message, actor=role, title="demonstration",
                                       content=content, source=place))
                continue
            if role == "assistant":
                self._flush_duration(pending_duration)
                pending_duration = self._assistant(item, place, content, durations.get(i))
                seen_action = True
                continue
            if role == "system" or not seen_action:
                title = None
                if role != "system" and item.get("message_type") not in (None, "observation"):
                    title = str(item.get("message_type"))
                self.steps.append(Step(kind=StepKind.message, actor=role, title=title, content=content, source=place))
                continue
            # user / tool message after an action: the environment's answer
            ids = item.get("tool_call_ids")
            if ids is not None:
                expect(ids, list, label, pointer_join(place, "tool_call_ids"), "'tool_call_ids' as a list")
            if ids:
                call_id = expect(ids[0], str, label, pointer_join(place, "tool_call_ids", 0), "a tool call id")
                self.steps.append(Step(kind=StepKind.tool_result, actor=role, content=content,
                                       tool_call_id=call_id, duration_s=pending_duration, source=place))
            else:
                self.steps.append(Step(kind=StepKind.observation, actor=role, content=content,
                                       duration_s=pending_duration, source=place))
            pending_duration = None
        self._flush_duration(pending_duration)

        n_traj = len(trajectory)
        note = f"steps come from 'history' ({len(items)} messages, {len(turns)} agent turns)"
        if n_traj:
            note += f"; they cover the {n_traj} 'trajectory' entries, which are not shown again"
            if n_traj != len(turns):
                note += (f" (the counts differ: {n_traj} trajectory entries vs {len(turns)} turns; "
                         "requeried format errors appear only in 'trajectory')")
        self.notes.append(note)

    def _flush_duration(self, duration: float | None) -> None:
        """An action with no observation after it (0.x ``submit``): keep its time on the action."""
        if duration is None:
            return
        for step in reversed(self.steps):
            if step.kind in (StepKind.terminal_command, StepKind.tool_call):
                step.duration_s = duration
                return

    def _align(self, turns: list[int], items: list[dict], trajectory: list) -> dict[int, float]:
        """history index of an assistant turn → its trajectory entry's execution_time."""
        entries: list[tuple[str, float | None]] = []
        for j, entry in enumerate(trajectory):
            place = pointer("trajectory", j)
            expect(entry, dict, self.label, place, "a trajectory step object")
            action = entry.get("action")
            et = _number(entry.get("execution_time"), self.label, pointer_join(place, "execution_time"),
                         "'execution_time' as a number")
            entries.append((action.strip() if isinstance(action, str) else "", et))
        out: dict[int, float] = {}
        if len(entries) == len(turns):
            pairs = list(zip(turns, entries))
        else:
            pairs, j = [], 0
            for i in turns:
                action = items[i].get("action")
                action = action.strip() if isinstance(action, str) else ""
                k = j
                while k < len(entries) and entries[k][0] != action:
                    k += 1
                if k < len(entries):
                    pairs.append((i, entries[k]))
                    j = k + 1
        for i, (_, et) in pairs:
            if et is not None:
                out[i] = float(et)
        return out

    def _assistant(self, item: dict, place: str, content: str, duration: float | None) -> float | None:
        label = self.label
        thought = _opt_str(item, "thought", label, place)
        action = item.get("action")
        if action is not None:
            action = expect(action, str, label, pointer_join(place, "action"), "'action' as a string")
        text = thought if thought is not None else content
        calls = item.get("tool_calls")
        if calls is not None:
            expect(calls, list, label, pointer_join(place, "tool_calls"), "'tool_calls' as a list")
        has_action = bool(action and action.strip()) or bool(calls)
        if text.strip() or not has_action:
            self.steps.append(Step(kind=StepKind.message, actor="assistant", content=text,
                                   model=self.model, source=place))
        if calls:
            for k, call in enumerate(calls):
                cplace = pointer_join(place, "tool_calls", k)
                self.steps.append(self._tool_call(call, cplace, action if len(calls) == 1 else None))
        elif action and action.strip():
            self.steps.append(Step(kind=StepKind.terminal_command, actor="assistant",
                                   content=action.rstrip("\n"), model=self.model,
                                   source=pointer_join(place, "action")))
        return duration

    def _tool_call(self, call: Any, place: str, action: str | None) -> Step:
        label = self.label
        expect(call, dict, label, place, "a tool call object")
        fn = call.get("function")
        if isinstance(fn, dict):
            name = expect(fn.get("name"), str, label, pointer_join(place, "function", "name"), "the function name")
            args: Any = fn.get("arguments")
        else:
            name = expect(call.get("name", fn), str, label, pointer_join(place, "function"), "the function name")
            args = call.get("arguments")
        if isinstance(args, str):
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass  # keep the raw string: the model may have emitted invalid JSON
        call_id = call.get("id")
        if call_id is not None:
            call_id = expect(call_id, str, label, pointer_join(place, "id"), "the tool call id as a string")
        content = action.rstrip("\n") if action and action.strip() else (
            args if isinstance(args, str) else orjson.dumps(args).decode() if args is not None else "")
        return Step(kind=StepKind.tool_call, actor="assistant", title=name, content=content,
                    tool_call=ToolCall(id=call_id, function=name, arguments=args), tool_call_id=call_id,
                    model=self.model, source=place)

    # -- trajectory only ---------------------------------------------------

    def from_trajectory(self, trajectory: list) -> None:
        label = self.label
        for j, entry in enumerate(trajectory):
            place = pointer("trajectory", j)
            expect(entry, dict, label, place, "a trajectory step object")
            thought = _opt_str(entry, "thought", label, place)
            if thought is None:
                thought = _opt_str(entry, "response", label, place) or ""
            action = _opt_str(entry, "action", label, place) or ""
            observation = entry.get("observation")
            et = _number(entry.get("execution_time"), label, pointer_join(place, "execution_time"),
                         "'execution_time' as a number")
            if thought.strip() or not action.strip():
                self.steps.append(Step(kind=StepKind.message, actor="assistant", content=thought,
                                       model=self.model, source=place))
            if action.strip():
                self.steps.append(Step(kind=StepKind.terminal_command, actor="assistant",
                                       content=action.rstrip("\n"), model=self.model,
                                       source=pointer_join(place, "action")))
            if observation is not None:
                text = _text(observation, label, pointer_join(place, "observation"))
                self.steps.append(Step(kind=StepKind.observation, actor="environment", content=text,
                                       duration_s=float(et) if et is not None else None,
                                       source=pointer_join(place, "observation")))
        self.notes.append(f"no 'history' in the file: steps come from the {len(trajectory)} 'trajectory' entries")


def _usage(info: dict, label: str) -> tuple[Usage, dict[str, Any]]:
    stats = info.get("model_stats")
    extra: dict[str, Any] = {}
    if stats is None:
        return Usage(), extra
    expect(stats, dict, label, "/info/model_stats", "'model_stats' as an object")

    def num(key: str) -> float | None:
        return _number(stats.get(key), label, pointer("info", "model_stats", key), f"{key!r} as a number")

    sent, received, cost = num("tokens_sent"), num("tokens_received"), num("instance_cost")
    calls = num("api_calls")
    if calls is not None:
        extra["api_calls"] = int(calls)
    return Usage(
        input_tokens=int(sent) if sent is not None else None,
        output_tokens=int(received) if received is not None else None,
        cost_usd=float(cost) if cost is not None else None,
    ), extra


def _error_message(status: str, trajectory: list) -> str:
    """The agent's own words on the error (``Exit due to …``) when recorded."""
    if trajectory and isinstance(trajectory[-1], dict):
        for key in ("thought", "response"):
            text = trajectory[-1].get(key)
            if isinstance(text, str) and text.strip().startswith("Exit due to"):
                return text.strip()
    return f"SWE-agent exited with {status}"


def _trace(path: Path, label: str, data: dict) -> Trace:
    info = data.get("info") or {}
    history = data.get("history") or []
    trajectory = data.get("trajectory") or []
    rc = _replay_config(data, label)
    model = _model_from_replay(rc) or _parse_experiment_name(_experiment_dir(path).name)["model"]
    b = _Builder(label, model)
    if history:
        b.from_history(history, trajectory)
    else:
        b.from_trajectory(trajectory)

    exit_status = info.get("exit_status")
    if isinstance(exit_status, int) and not isinstance(exit_status, bool):
        exit_status = str(exit_status)  # StepOutput.exit_status is int | str | None
    elif exit_status is not None:
        exit_status = expect(exit_status, str, label, "/info/exit_status", "'exit_status' as a string")
    status, notes = _status(exit_status)
    notes = b.notes + notes

    submission = info.get("submission")
    if isinstance(submission, dict):
        submission = orjson.dumps(submission, option=orjson.OPT_INDENT_2).decode()
    elif submission is not None:
        submission = expect(submission, str, label, "/info/submission", "'submission' as a string (the patch)")
    steps = b.steps
    deciding = None
    if submission is not None and submission.strip():
        steps.append(Step(kind=StepKind.submission, actor="assistant", title="patch", content=submission,
                          source="/info/submission"))
        deciding = len(steps)
    elif status == "completed" and exit_status == "submitted":
        notes.append("exit_status is 'submitted' but the patch is empty")

    usage, extra = _usage(info, label)
    durations = []
    for j, entry in enumerate(trajectory):
        if isinstance(entry, dict) and entry.get("execution_time") is not None:
            durations.append(_number(entry["execution_time"], label, pointer("trajectory", j, "execution_time"),
                                     "'execution_time' as a number"))
    duration = float(sum(durations)) if durations else None
    if duration is not None:
        notes.append("duration is the sum of command execution times; model time is not recorded")

    metadata: dict[str, Any] = dict(extra)
    for key in ("swe_agent_version", "swe_rex_version"):
        if isinstance(info.get(key), str):
            metadata[key] = info[key]
    if isinstance(data.get("environment"), str):
        metadata["environment"] = data["environment"]
    attempts = data.get("attempts")
    if attempts:
        best = info.get("best_attempt_idx")
        metadata["attempts"] = len(attempts)
        if isinstance(best, int):
            metadata["best_attempt_idx"] = best
        notes.append(f"retry loop with {len(attempts)} attempts; the steps shown are those of the chosen attempt"
                     + (f" (index {best})" if isinstance(best, int) else ""))

    score = score_source = None
    found = _find_report(_experiment_dir(path))
    if found is not None:
        report_path, report = found
        scores = _report_scores(report, [path.stem])
        if path.stem in scores:
            score, score_source = scores[path.stem], report_path.name

    return Trace(
        id=path.stem,
        task_id=path.stem,
        trial=1,
        status=status,
        termination_reason=exit_status,
        score=score,
        score_source=score_source,
        submission=submission,
        error=_error_message(exit_status, trajectory) if status == "error" and exit_status else None,
        agent="swe-agent",
        model=model,
        usage=usage,
        duration_s=duration,
        deciding_step=deciding,
        steps=steps,
        source_file=label,
        source_pointer="",
        notes=notes,
        metadata=metadata,
    )


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class SWEAgent(Importer):
    name = "swe-agent"
    title = "SWE-agent trajectories"
    spec = (
        "SWE-agent/SWE-agent: sweagent/types.py (TrajectoryStep, HistoryItem, AgentInfo), "
        "sweagent/agent/agents.py get_trajectory_data, docs/usage/trajectories.md"
    )
    patterns = ("*.traj", "all_preds.jsonl / preds.json beside them", "a folder of *.traj files")

    # -- detection ---------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            # Only a folder that is itself an experiment (or a 1.x instance folder);
            # a folder of experiments is walked by the import command, so that
            # other formats beside them are not swallowed.
            if any(exp == path for exp, _ in self._experiments(path)):
                return None
            return "folder holds no *.traj files (directly or in <id>/<id>.traj instance folders)"
        if path.name in PRED_NAMES:
            return _predictions_prefix_ok(path)
        if path.suffix != ".traj":
            return "not a *.traj file, all_preds.jsonl or preds.json"
        try:
            data = load_json(path, str(path))
        except InputError as exc:
            where = f" at {exc.place}" if exc.place else ""
            return f"*.traj file is not readable JSON{where}: {exc.message}"
        if not isinstance(data, dict):
            return "*.traj file is not a JSON object"
        if ("trajectory" in data or "history" in data) and "info" in data:
            return None
        return "*.traj file lacks 'trajectory'/'history' and 'info'"

    def _experiments(self, folder: Path) -> list[tuple[Path, list[Path]]]:
        """``(experiment folder, .traj files)``: the folder itself (its ``*.traj``
        and its 1.x ``<id>/<id>.traj`` instance folders) and any subfolder that is
        itself an experiment (holds ``*.traj`` files directly)."""
        inst = folder / f"{folder.name}.traj"
        if inst.is_file():  # a 1.x instance folder (its attempt_N/ copies are not tasks)
            return [(folder, [inst])]
        own: list[Path] = []
        subs: list[tuple[Path, list[Path]]] = []
        try:
            entries = sorted(p for p in folder.iterdir() if _visible(p))
        except OSError:
            return []
        for p in entries:
            if p.is_file() and p.suffix == ".traj":
                own.append(p)
            elif p.is_dir():
                inst = p / f"{p.name}.traj"
                if inst.is_file():
                    own.append(inst)
                    continue
                trajs = sorted(q for q in p.glob("*.traj") if q.is_file() and _visible(q))
                if trajs:
                    subs.append((p, trajs))
        out = [(folder, own)] if own else []
        return out + subs

    # -- run metadata ------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        if path.is_dir():
            experiments = self._experiments(path)
            if not experiments:
                raise InputError(str(path), "", "expected a folder with *.traj files")
            if experiments == [(path, [path / f"{path.name}.traj"])]:
                # a 1.x instance folder on its own: its run is the experiment above it
                return [self._draft(path.parent, experiments[0][1])]
            return [self._draft(exp, trajs) for exp, trajs in experiments]
        if path.name in PRED_NAMES:
            return [self._draft(path.parent, [], preds_only=path)]
        return [self._draft(_experiment_dir(path), [path])]

    def _draft(self, exp: Path, trajs: list[Path], preds_only: Path | None = None) -> RunDraft:
        files: list[Path] = list(trajs)
        tasks: list[str] = []
        for t in trajs:
            if t.stem not in tasks:
                tasks.append(t.stem)
        preds = [preds_only] if preds_only else [exp / n for n in PRED_NAMES if (exp / n).is_file()]
        files += preds

        model = benchmark = harness_version = None
        metadata: dict[str, Any] = {"experiment": exp.name}
        environment: dict[str, Any] = {}

        if trajs:
            first = trajs[0]
            data = _load_traj(first, str(first))
            rc = _replay_config(data, str(first))
            model = _model_from_replay(rc)
            benchmark_rc = _benchmark_from_replay(rc)
            info = data.get("info") or {}
            if isinstance(info.get("swe_agent_version"), str):
                harness_version = info["swe_agent_version"]
        else:
            benchmark_rc = None

        parsed = _parse_experiment_name(exp.name)
        records: list[tuple[str, dict]] = []
        if preds_only or (parsed["model"] is None and preds):
            records = _read_predictions(preds[0], str(preds[0]))
        if preds_only:
            for _, rec in records:
                if rec["instance_id"] not in tasks:
                    tasks.append(rec["instance_id"])
        if parsed["model"] is None and records:
            name = records[0][1].get("model_name_or_path")
            if isinstance(name, str) and name.strip():
                metadata["model_name_or_path"] = name
                parsed = _parse_experiment_name(name)
                if parsed["model"] is None:
                    parsed["model"] = name.strip()  # a plain model name, not an experiment name
        model = model or parsed["model"]
        benchmark = parsed["benchmark"] or benchmark_rc
        if parsed["data"]:
            metadata["data"] = parsed["data"]
        if parsed["config"]:
            environment["config"] = parsed["config"]
        environment.update(parsed["params"])

        declared = DeclaredScores()
        found = _find_report(exp)
        if found is not None:
            report_path, report = found
            declared = DeclaredScores(tasks=_report_scores(report, tasks), source=report_path.name)
            files.append(report_path)

        names = {str(f): f.relative_to(exp).as_posix() if f.is_relative_to(exp) else f.name for f in files}
        return RunDraft(
            run_id=_slug(exp.name),
            agent="swe-agent",
            agent_name="SWE-agent",
            model=model,
            harness="swe-agent",
            harness_version=harness_version,
            benchmark=benchmark,
            tasks=tasks,
            format=self.name,
            files=[str(f) for f in files],
            names=names,
            declared=declared,
            environment=environment,
            metadata=metadata,
        )

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        if path.name in PRED_NAMES or path.name in REPORT_NAMES:
            return
        data = _load_traj(path, label)
        yield _trace(path, label, data)
