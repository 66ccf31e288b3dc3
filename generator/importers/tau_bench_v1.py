"""τ-bench (tau-bench v1) results files and historical trajectories.

Spec: ``sierra-research/tau-bench`` (MIT): ``tau_bench/types.py``
(``EnvRunResult{task_id, reward, info, traj, trial}``, ``RewardInfo``,
``RewardActionInfo``, ``RewardOutputInfo``, ``Task``, ``Action``),
``tau_bench/run.py`` (file name and the error record) and
``tau_bench/agents/tool_calling_agent.py`` (``traj`` = the OpenAI chat
messages; the loop stops after ``max_num_steps`` = 30 turns). Samples:
``historical_trajectories/gpt-4o-airline.json``.

A file is a JSON list of ``EnvRunResult`` objects; ``info`` holds ``task``
(``user_id``, ``actions`` = ground-truth actions, ``instruction``,
``outputs``), ``source`` (the last action's name: ``user`` when the simulated
user ended the episode), ``user_cost`` and ``reward_info`` (``reward``,
``info`` = ``{r_actions, gt_data_hash}`` or ``{r_outputs, outputs}``,
``actions``). A runner exception gives ``info = {error, traceback}`` and an
empty ``traj``. τ²-bench files (a JSON object with ``simulations``) are not
this format and are refused.

Normalisations:

- **Identity from the file name** (the file holds no model, agent or date):
  ``<strategy>-<model>-<temperature>_range_<start>-<end>_user-<user model>-
  <user strategy>_<MMDDHHMMSS>.json`` (``run.py``; ``/`` in model names
  becomes ``_``) gives model, agent strategy, temperature, task range, user
  simulator model and strategy and the file time (``%m%d%H%M%S`` local time,
  no year: kept as written in metadata ``file_time``); historical files
  ``<model>-<airline|retail>.json`` give the model and the domain. The
  benchmark is ``tau-bench-airline``/``tau-bench-retail`` when the file name
  says the domain, else when the system prompt of the first trajectory is the
  domain policy (``# Airline Agent Policy``/``# Retail agent policy``), else
  None. ``agent`` = slug of ``<strategy>-<model>`` (``tau-bench-<model>`` when
  the name gives no strategy); ``harness`` = ``tau-bench``.
- **Trials** are 0-based in the file; traces store ``trial + 1``. Trace id =
  ``<task_id>-t<trial>`` (``-s<index>`` is appended to a repeated pair).
- **Steps**: ``system``/``user``/``assistant`` messages → ``message`` (when
  they have text, or neither text nor tool calls); each assistant tool call →
  ``tool_call`` (``arguments``, a JSON string, is parsed; kept as the string
  when it is not JSON); ``tool`` messages → ``tool_result`` (``tool_call_id``;
  ``is_error`` when the content starts with ``Error:``, the environment's
  error convention). The user simulator's stop token ``###STOP###`` is left
  in the text. ``Step.source`` = ``/<i>/traj/<j>``. There are no timestamps.
- **Score** = ``reward`` (``score_source`` ``reward``); the explanation gives
  ``reward_info`` (``r_actions`` and the ground-truth data hash, or
  ``r_outputs`` with each expected output found or not) and the ground-truth
  actions. A final ``score`` step (actor ``scorer``) carries it and is the
  ``deciding_step``.
- **Status**: ``info.error`` → ``error`` (``Trace.error``, an ``error`` step
  with the traceback); ``reward_info`` present → ``completed``
  (``termination_reason`` = ``user_stop`` when ``info.source`` is ``user``,
  else the ending action's name, e.g. ``transfer_to_human_agents``);
  ``reward_info`` null without an error → ``limit`` (``max_num_steps``: the
  agent loop ran out of turns before the episode was done; tau-bench leaves
  the reward at 0), with a note.
- **Usage**: the file records no agent tokens or cost; ``user_cost`` (the
  simulated user's LLM cost, USD) goes to ``Trace.metadata["user_cost"]``.
- **Reading**: a results file is one JSON array (``json.dump`` with
  ``indent=2``), so it is parsed whole (orjson; the 4 MB historical file takes
  well under a second); ``sniff`` reads only the first 64 KB.
- **Drafts**: one run per file; ``run_id`` = the file stem; ``tasks`` = the
  task ids in file order; no declared scores (the file claims none; scores
  are recomputed from the traces).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import fmt_number, is_number, short, slug_or
from generator.jsonread import expect, load_json
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace

_HEAD_BYTES = 64 * 1024
_NUMBER = (int, float)
_STRATEGIES = ("orchestrated-tool-calling", "tool-calling", "few-shot", "react", "act")
_RESULT_NAME = re.compile(
    r"^(?P<rest>.+)-(?P<temp>\d+(?:\.\d+)?)_range_(?P<start>-?\d+)-(?P<end>-?\d+)"
    r"_user-(?P<user>.+)-(?P<ustrat>[A-Za-z_]+)_(?P<time>[A-Za-z0-9]+)$"
)
_DOMAIN_NAME = re.compile(r"^(?P<model>.+?)[-_](?P<domain>airline|retail)(?:[._-].*)?$", re.IGNORECASE)
_DOMAIN_WORD = re.compile(r"(?:^|[^a-z])(airline|retail)(?:[^a-z]|$)", re.IGNORECASE)
_POLICY = {"# airline agent policy": "airline", "# retail agent policy": "retail"}
_ERROR_PREFIX = "Error:"


def parse_name(stem: str) -> dict[str, Any]:
    """What a tau-bench file name says: model, strategy, domain, user model… (missing keys: unknown)."""
    out: dict[str, Any] = {}
    m = _RESULT_NAME.match(stem)
    if m:
        rest = m["rest"]
        for strat in _STRATEGIES:
            if rest.startswith(strat + "-"):
                out["strategy"] = strat
                rest = rest[len(strat) + 1:]
                break
        out["model"] = rest
        out["temperature"] = float(m["temp"])
        out["task_range"] = [int(m["start"]), int(m["end"])]
        out["user_model"] = m["user"]
        out["user_strategy"] = m["ustrat"]
        out["file_time"] = m["time"]
        d = _DOMAIN_WORD.search(stem)
        if d:
            out["domain"] = d.group(1).lower()
        return out
    m = _DOMAIN_NAME.match(stem)
    if m:
        out["model"] = m["model"]
        out["domain"] = m["domain"].lower()
        return out
    d = _DOMAIN_WORD.search(stem)
    if d:
        out["domain"] = d.group(1).lower()
    return out


def _policy_domain(records: list[Any]) -> str | None:
    for r in records:
        traj = r.get("traj") if isinstance(r, dict) else None
        if isinstance(traj, list) and traj and isinstance(traj[0], dict) and traj[0].get("role") == "system":
            content = traj[0].get("content")
            if isinstance(content, str):
                first = content.lstrip().split("\n", 1)[0].strip().lower()
                return _POLICY.get(first)
    return None


def _explain(reward: float, ri: dict[str, Any] | None, task: dict[str, Any]) -> str:
    lines = [f"reward {fmt_number(reward)}"]
    if ri is None:
        lines.append("no reward_info: the episode did not end before the agent's turn limit; "
                     "tau-bench leaves the reward at 0")
    else:
        info = ri.get("info") if isinstance(ri.get("info"), dict) else {}
        if "r_actions" in info:
            lines.append(f"r_actions {fmt_number(info['r_actions'])}: the final database "
                         + ("matches" if info["r_actions"] == 1 else "does not match")
                         + " the one the ground-truth actions produce")
            if isinstance(info.get("gt_data_hash"), str):
                lines.append(f"ground-truth data hash {info['gt_data_hash']}")
        if "r_outputs" in info:
            lines.append(f"r_outputs {fmt_number(info['r_outputs'])}: expected outputs in the agent's replies")
            outs = info.get("outputs")
            if isinstance(outs, dict):
                for k, v in outs.items():
                    lines.append(f"  - [{'found' if v else 'not found'}] {k}")
        for k, v in info.items():
            if k not in ("r_actions", "gt_data_hash", "r_outputs", "outputs"):
                lines.append(f"{k}: {short(v, 200)}")
    actions = (ri or {}).get("actions") if isinstance((ri or {}).get("actions"), list) else task.get("actions")
    if isinstance(actions, list) and actions:
        lines.append(f"ground-truth actions ({len(actions)}):")
        for a in actions:
            if isinstance(a, dict):
                lines.append(f"  - {a.get('name', '?')}({short(a.get('kwargs', {}), 300)})")
    outputs = task.get("outputs")
    if isinstance(outputs, list) and outputs and not (ri and isinstance(ri.get("info"), dict)
                                                      and "outputs" in ri["info"]):
        lines.append("expected outputs: " + ", ".join(str(o) for o in outputs))
    return "\n".join(lines)


class _Builder:
    def __init__(self, label: str, ctx: dict[str, Any]):
        self.label = label
        self.ctx = ctx

    def message(self, m: Any, place: str, names: dict[str, str], notes: set[str]) -> list[Step]:
        label = self.label
        expect(m, dict, label, place, "a chat message object")
        role = m.get("role")
        if not isinstance(role, str) or not role:
            raise InputError(label, place + "/role", "expected a message role (system, user, assistant or tool)")
        content = m.get("content")
        if content is not None and not isinstance(content, str):
            if isinstance(content, list):
                parts = []
                for k, part in enumerate(content):
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        parts.append(part["text"])
                    elif isinstance(part, str):
                        parts.append(part)
                    else:
                        parts.append(short(part, 2000))
                content = "\n".join(parts)
            else:
                raise InputError(label, place + "/content", "expected message content (a string or null)")
        text = content or ""
        if role == "tool":
            cid = m.get("tool_call_id")
            if cid is not None:
                expect(cid, str, label, place + "/tool_call_id", "a tool call id (string)")
            name = m.get("name") if isinstance(m.get("name"), str) else names.get(cid or "")
            return [Step(kind=StepKind.tool_result, actor="tool", title=name, content=text, tool_call_id=cid,
                         is_error=text.lstrip().startswith(_ERROR_PREFIX), source=place)]
        if role not in ("system", "user", "assistant"):
            notes.add(f"message role {role!r} is not a chat role; shown as a message")
        model = {"assistant": self.ctx.get("model"), "user": self.ctx.get("user_model")}.get(role)
        calls = m.get("tool_calls")
        if calls is not None:
            expect(calls, list, label, place + "/tool_calls", "a list of tool calls (or null)")
        calls = calls or []
        steps: list[Step] = []
        if text.strip() or not calls:
            steps.append(Step(kind=StepKind.message, actor=role, content=text, model=model, source=place))
        for j, tc in enumerate(calls):
            cp = f"{place}/tool_calls/{j}"
            expect(tc, dict, label, cp, "a tool call object")
            fn = tc.get("function")
            expect(fn, dict, label, cp + "/function", "a function object {name, arguments}")
            name = fn.get("name")
            if not isinstance(name, str) or not name:
                raise InputError(label, cp + "/function/name", "expected a function name (string)")
            args = fn.get("arguments")
            if isinstance(args, str):
                try:
                    args = orjson.loads(args)
                except orjson.JSONDecodeError:
                    notes.add("some tool call arguments are not valid JSON; shown as written")
            cid = tc.get("id")
            if cid is not None:
                expect(cid, str, label, cp + "/id", "a tool call id (string)")
                names[cid] = name
            steps.append(Step(kind=StepKind.tool_call, actor=role, title=name,
                              content=short(args, 10_000) if args is not None else "",
                              tool_call=ToolCall(id=cid, function=name, arguments=args), tool_call_id=cid,
                              model=model, source=cp))
        return steps

    def build(self, rec: Any, index: int, seen: set[str]) -> Trace:
        label = self.label
        base = f"/{index}"
        expect(rec, dict, label, base, "a result object {task_id, reward, info, traj, trial}")
        task_id = rec.get("task_id")
        if isinstance(task_id, int) and not isinstance(task_id, bool):
            task_id = str(task_id)
        task_id = expect(task_id, str, label, base + "/task_id", "a task id (integer or string)")
        trial0 = rec.get("trial", 0)
        if trial0 is None:
            trial0 = 0
        expect(trial0, int, label, base + "/trial", "a trial number (integer)")
        if trial0 < 0:
            raise InputError(label, base + "/trial", "expected a trial number >= 0")
        reward = expect(rec.get("reward"), _NUMBER, label, base + "/reward", "a reward (number)")
        info = expect(rec.get("info"), dict, label, base + "/info", "an info object")
        traj = expect(rec.get("traj"), list, label, base + "/traj", "a list of chat messages")

        notes: set[str] = set()
        ordered: list[str] = []
        names: dict[str, str] = {}
        steps: list[Step] = []
        for j, m in enumerate(traj):
            steps.extend(self.message(m, f"{base}/traj/{j}", names, notes))

        task = info.get("task")
        if task is not None:
            expect(task, dict, label, base + "/info/task", "a task object")
        task = task or {}
        ri = info.get("reward_info")
        if ri is not None:
            expect(ri, dict, label, base + "/info/reward_info", "a reward_info object (or null)")
            rr = ri.get("reward")
            if rr is not None:
                expect(rr, _NUMBER, label, base + "/info/reward_info/reward", "a reward (number)")
                if rr != reward:
                    ordered.append(f"reward_info.reward ({fmt_number(rr)}) differs from reward ({fmt_number(reward)}); "
                                   "the score is reward")
        error = None
        err = info.get("error")
        if err is not None:
            error = err if isinstance(err, str) else short(err, 2000)
            tb = info.get("traceback")
            steps.append(Step(kind=StepKind.error, actor="harness", title="error",
                              content=error + (f"\n\n{tb}" if isinstance(tb, str) and tb else ""), is_error=True,
                              source=base + "/info/error"))
            status, reason = "error", None
            ordered.append("the runner recorded an exception; tau-bench gives such an attempt reward 0")
        elif ri is not None:
            status = "completed"
            src = info.get("source")
            reason = "user_stop" if src == "user" else src if isinstance(src, str) and src else None
        else:
            status, reason = "limit", "max_num_steps"
            ordered.append("no reward_info: the episode was not done when the agent loop ended "
                           f"({len(traj)} messages); status set to limit (max_num_steps)")
        explanation = _explain(float(reward), ri, task)
        steps.append(Step(kind=StepKind.score, actor="scorer", title=f"reward {fmt_number(reward)}", content=explanation,
                          source=base + ("/info/reward_info" if ri is not None else "/reward")))
        deciding = len(steps)
        if not traj:
            ordered.append("the trajectory is empty")

        metadata: dict[str, Any] = {}
        uc = info.get("user_cost")
        if is_number(uc):
            metadata["user_cost"] = uc
        if isinstance(task.get("user_id"), str):
            metadata["user_id"] = task["user_id"]
        if isinstance(task.get("instruction"), str):
            metadata["instruction"] = task["instruction"]
        if isinstance(info.get("source"), str):
            metadata["ending_action"] = info["source"]
        if isinstance(ri, dict) and isinstance(ri.get("info"), dict):
            for k in ("r_actions", "r_outputs", "gt_data_hash"):
                if k in ri["info"]:
                    metadata[k] = ri["info"][k]
        if self.ctx.get("domain"):
            metadata["domain"] = self.ctx["domain"]
        ordered.append("tau-bench records no agent token usage or cost; the simulated user's cost is "
                       "metadata 'user_cost'" if "user_cost" in metadata else
                       "tau-bench records no agent token usage or cost")
        ordered.extend(sorted(notes))

        trial = trial0 + 1
        tid = f"{task_id}-t{trial}"
        if tid in seen:
            tid = f"{tid}-s{index}"
        seen.add(tid)
        return Trace(
            id=tid, task_id=task_id, trial=trial, status=status, termination_reason=reason,
            score=float(reward), score_source="reward", scorer_explanation=explanation, error=error,
            agent=self.ctx.get("strategy"), model=self.ctx.get("model"), deciding_step=deciding, steps=steps,
            source_file=label, source_pointer=base, notes=ordered, metadata=metadata,
        )


def _looks_like_results(head: bytes) -> bool:
    s = head.lstrip()
    if not s.startswith(b"["):
        return False
    rest = s[1:].lstrip()
    if not rest.startswith(b"{"):
        return False
    return all(k in head for k in (b'"task_id"', b'"reward"', b'"info"', b'"traj"'))


class TauBenchV1(Importer):
    name = "tau-bench"
    title = "τ-bench (v1) results and historical trajectories"
    spec = ("sierra-research/tau-bench tau_bench/types.py (EnvRunResult, RewardInfo), tau_bench/run.py, "
            "historical_trajectories/*.json")
    patterns = ("*.json: a list of {task_id, reward, info, traj, trial} (tau-bench results)",)
    priority = 40

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            return "a folder (tau-bench results are single .json files)"
        if path.suffix.lower() != ".json":
            return "not a .json file"
        try:
            with path.open("rb") as fh:
                head = fh.read(_HEAD_BYTES + 1)
        except OSError as exc:
            return f"cannot read ({exc.strerror})"
        if not _looks_like_results(head[:_HEAD_BYTES]):
            return "not a JSON list of tau-bench results ({task_id, reward, info, traj, trial})"
        if len(head) <= _HEAD_BYTES:
            try:
                doc = load_json(path)
            except InputError:
                return "not valid JSON"
            if not (isinstance(doc, list) and doc and isinstance(doc[0], dict)
                    and {"task_id", "reward", "info", "traj"} <= set(doc[0])):
                return "not a JSON list of tau-bench results ({task_id, reward, info, traj, trial})"
        return None

    def _load(self, path: Path, label: str) -> list[Any]:
        doc = load_json(path, label)
        if isinstance(doc, dict) and "simulations" in doc:
            raise InputError(label, "", "expected a tau-bench (v1) results list; this is a tau2-bench results file")
        return expect(doc, list, label, "", "a list of tau-bench results")

    def _context(self, path: Path, records: list[Any]) -> dict[str, Any]:
        ctx = parse_name(path.stem)
        if "domain" in ctx:
            ctx["domain_from"] = "file name"
        else:
            dom = _policy_domain(records)
            if dom:
                ctx["domain"] = dom
                ctx["domain_from"] = "system prompt"
        return ctx

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        records = self._load(path, label)
        ctx = self._context(path, records)
        builder = _Builder(label, ctx)
        seen: set[str] = set()
        for i, rec in enumerate(records):
            yield builder.build(rec, i, seen)

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        label = str(path)
        if path.is_dir():
            raise InputError(label, "", "expected a tau-bench results .json file, not a folder")
        records = self._load(path, label)
        ctx = self._context(path, records)
        tasks: list[str] = []
        trials: set[int] = set()
        for i, r in enumerate(records):
            expect(r, dict, label, f"/{i}", "a result object {task_id, reward, info, traj, trial}")
            t = r.get("task_id")
            if isinstance(t, (int, str)) and not isinstance(t, bool) and str(t) not in tasks:
                tasks.append(str(t))
            if isinstance(r.get("trial"), int):
                trials.add(r["trial"])
        model = ctx.get("model")
        strategy = ctx.get("strategy")
        domain = ctx.get("domain")
        environment: dict[str, Any] = {}
        for key in ("user_model", "user_strategy", "temperature", "task_range"):
            if key in ctx:
                environment[key] = ctx[key]
        if trials:
            environment["num_trials"] = len(trials)
        metadata: dict[str, Any] = {}
        if "file_time" in ctx:
            metadata["file_time"] = ctx["file_time"]
        if strategy:
            metadata["agent_strategy"] = strategy
        if domain:
            metadata["domain_from"] = ctx.get("domain_from")
        agent = None
        if model:
            agent = slug_or(f"{strategy}-{model}" if strategy else f"tau-bench-{model}", "tau-bench")
        absf = str(path.resolve())
        return [RunDraft(
            run_id=slug_or(path.stem, "tau-bench"), agent=agent,
            agent_name=(f"{model} ({strategy})" if model and strategy else f"{model} (tau-bench)" if model else None),
            model=model, harness="tau-bench",
            benchmark=f"tau-bench-{domain}" if domain else None,
            benchmark_name=f"τ-bench {domain}" if domain else None,
            tasks=tasks, format=self.name, files=[absf], names={absf: path.name}, formats={absf: self.name},
            environment=environment, metadata=metadata,
        )]
