"""τ²-bench (tau2-bench) results files and taubench.com leaderboard submissions.

Spec: sierra-research/tau2-bench, ``src/tau2/data_model/simulation.py``
(``Results``, ``SimulationRun``, ``RewardInfo``), ``src/tau2/data_model/message.py``
(``SystemMessage``, ``AssistantMessage``, ``UserMessage``, ``ToolMessage``,
``MultiToolMessage``, ``ToolCall``, ``Tick``) and
``web/leaderboard/public/submissions/schema.json`` (``submission.json``).

Inputs this importer reads:

- a tau2 results file, ``{timestamp, info, tasks, simulations}`` (the "json"
  storage layout), and the variant written by some community harnesses,
  ``{domain, agent, model, total_tasks, passed, pass_rate, simulations}``;
- the "dir" storage layout: a ``results.json`` with ``info`` and no
  ``simulations`` (metadata only) plus ``simulations/<uuid>.json`` files, each
  one ``SimulationRun``;
- a leaderboard submission folder ``<model>_<org>_<date>/`` holding
  ``submission.json`` and optionally ``trajectories/*.json`` (results files),
  or a bare ``submission.json``.

Normalisations (every one is deliberate; the raw file stays the record):

- **Timestamps** in tau2 carry no time zone (``datetime.now().isoformat()``).
  They are taken as UTC and the trace says so in ``Trace.notes``. Timestamps
  with a zone are converted to UTC.
- **Trials** are 0-based in tau2 (``trial``); traces store ``trial + 1`` so
  trials are 1-based like every other format.
- **Scores in submission.json** are percentages (``pass_1`` = 78.5); declared
  scores are divided by 100 (``overall`` = pass^1, ``pass_hat[k]`` = pass^k).
  ``cost`` is USD per trajectory and is kept as ``DeclaredScores.cost_usd``.
  ``pass_rate`` in the community variant is a percentage too.
- **Status** from ``termination_reason``: ``user_stop``/``agent_stop`` ->
  ``completed``; ``max_steps``/``timeout``/``too_many_errors``/
  ``context_window_exceeded`` -> ``limit``; ``agent_error``/``user_error``/
  ``infrastructure_error``/``unexpected_error`` -> ``error``; anything else or
  missing -> ``incomplete`` (with a note).
- **Score** is ``reward_info.reward`` (None when ``reward_info`` is null, e.g.
  after an infrastructure error); the scorer explanation summarises
  ``reward_basis``, ``reward_breakdown``, ``db_check``, ``action_checks``
  (matched x/y), ``communicate_checks``, ``nl_assertions`` (met, with the
  judge's justifications) and ``env_assertions``. A final ``score`` step
  (actor ``scorer``) carries it and is the trace's ``deciding_step``.
- **Steps**: each system/assistant/user message is one ``message`` step when
  it has text, or when it has neither text nor tool calls (an empty message is
  kept, not dropped); each of its tool calls is one ``tool_call`` step (actor =
  the call's ``requestor``: in telecom the simulated user calls tools too);
  each tool message is one ``tool_result`` step (``error`` -> ``is_error``);
  a ``MultiToolMessage`` expands to one step per ``tool_messages`` entry.
  Message ``usage`` (``prompt_tokens``/``completion_tokens``) and ``cost`` go
  on the first step made from that message; ``generation_time_seconds`` is the
  step's duration. ``Step.source`` is the JSON pointer of the message
  (``/simulations/3/messages/7``) or of the tool call inside it.
- **Voice runs** (full duplex) may store ``ticks`` instead of ``messages``:
  each tick's agent/user chunk with text (or the user transcript), tool calls
  and tool results become steps; ticks with no text (audio-only chunks,
  silence) make no step and the trace notes how many there were. Audio
  messages (``is_audio``) show ``audio_script_gold`` when present, else
  ``[audio]``.
- **Usage** of a trace is the agent's: ``agent_cost`` -> ``cost_usd`` (or the
  sum of assistant message costs when ``agent_cost`` is absent), tokens summed
  over the assistant messages' usage. The user simulator's cost and tokens go
  to ``Trace.metadata`` (``user_cost``, ``user_usage``).
- **Harness errors** (``info.error`` of a simulation) become ``Trace.error``
  and an ``error`` step.
- **Submission drafts**: one draft per domain whose ``results.<domain>`` is an
  object with at least one non-null ``pass_k`` or ``cost`` (all-null entries
  such as ``{"pass_1": null, ...}`` are not results). ``contact_info`` (emails)
  is never copied. The domain's trajectory file is the ``trajectory_files``
  entry when it exists on disk, else the one ``trajectories/*.json`` whose
  name contains the domain, else the trajectory files whose content names
  that domain.
- **Results-file drafts**: ``info.*.llm_args`` are never copied (a real
  submission carries an API key there); scores are not declared (they are
  recomputed from the traces).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import fmt_number, is_number, opt_str, slug_or
from generator.jsonread import expect, load_json, pointer
from generator.model import DeclaredScores, RunDraft, Step, StepKind, Submitter, ToolCall, Trace, Usage

_HEAD_BYTES = 64 * 1024
_MARKERS = (b'"simulations"', b'"model_name"', b'"agent_info"', b'"termination_reason"')

_STATUS = {
    "user_stop": "completed",
    "agent_stop": "completed",
    "max_steps": "limit",
    "timeout": "limit",
    "too_many_errors": "limit",
    "context_window_exceeded": "limit",
    "agent_error": "error",
    "user_error": "error",
    "infrastructure_error": "error",
    "unexpected_error": "error",
}

_NAIVE_NOTE = "tau2 timestamps carry no time zone; they were taken as UTC"
_NUMBER = (int, float)
_PASS_KEY = re.compile(r"^pass_(\d+)$")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _slug(text: str, fallback: str = "tau2") -> str:
    """A string matching ``model.ID_PATTERN``: lower case, ``[a-z0-9._-]``."""
    return slug_or(text.lower(), fallback)


def _opt_number(value: Any, label: str, place: str, what: str) -> float | None:
    if value is None:
        return None
    return expect(value, _NUMBER, label, place, what)


def _kind(doc: Any) -> str | None:
    """Which tau2 document ``doc`` is: submission, results, variant, results-dir, simulation."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("model_name"), str) and isinstance(doc.get("results"), dict):
        return "submission"
    if "simulations" in doc and doc["simulations"] is not None:
        if "info" in doc:
            return "results"
        if "domain" in doc:
            return "variant"
        return None
    info = doc.get("info")
    if isinstance(info, dict) and ("agent_info" in info or "environment_info" in info) and "timestamp" in doc:
        return "results-dir"
    if "task_id" in doc and "termination_reason" in doc and ("messages" in doc or "ticks" in doc):
        return "simulation"
    return None


def _refusal() -> str:
    return "no 'simulations' list and not a tau2 submission.json"


class _Clock:
    """Parses tau2 timestamps; remembers whether any was zone-less."""

    def __init__(self, label: str):
        self.label = label
        self.naive = False

    def parse(self, value: Any, place: str) -> dt.datetime | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            expect(value, str, self.label, place, "an ISO 8601 timestamp string")
        try:
            ts = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(self.label, place, f"expected an ISO 8601 timestamp, found {value[:40]!r}") from None
        if ts.tzinfo is None:
            self.naive = True
            return ts.replace(tzinfo=dt.timezone.utc)
        return ts.astimezone(dt.timezone.utc)


def _short(value: Any, limit: int = 240) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------
# Scorer explanation
# --------------------------------------------------------------------------


def _explain(ri: dict[str, Any]) -> str:
    """A readable summary of a tau2 ``RewardInfo``."""
    lines = [f"reward {fmt_number(ri.get('reward'))}"]
    info = ri.get("info")
    if isinstance(info, dict) and isinstance(info.get("note"), str):
        lines.append(f"note: {info['note']}")
    basis = ri.get("reward_basis")
    if isinstance(basis, list) and basis:
        lines.append("reward basis: " + ", ".join(str(b) for b in basis))
    breakdown = ri.get("reward_breakdown")
    if isinstance(breakdown, dict) and breakdown:
        lines.append("breakdown: " + ", ".join(f"{k}={fmt_number(v)}" for k, v in breakdown.items()))
    db = ri.get("db_check")
    if isinstance(db, dict):
        match = db.get("db_match")
        state = "database matches the expected state" if match else "database does not match the expected state"
        lines.append(f"db_check: {state} (db_reward {fmt_number(db.get('db_reward'))})")
    actions = ri.get("action_checks")
    if isinstance(actions, list) and actions:
        good = [a for a in actions if isinstance(a, dict) and a.get("action_match")]
        lines.append(f"action_checks: {len(good)}/{len(actions)} matched")
        for a in actions:
            if isinstance(a, dict) and not a.get("action_match"):
                act = a.get("action") if isinstance(a.get("action"), dict) else {}
                who = act.get("requestor")
                call = f"{act.get('name', '?')}({_short(act.get('arguments', {}), 200)})"
                lines.append(f"  - not matched: {call}" + (f" by {who}" if who else ""))
    def checks(key: str, describe) -> None:
        """A summary line for a list of checks with ``met`` flags, then one line per check."""
        items = ri.get(key)
        if not (isinstance(items, list) and items):
            return
        met = [c for c in items if isinstance(c, dict) and c.get("met")]
        lines.append(f"{key}: {len(met)}/{len(items)} met")
        for c in items:
            if isinstance(c, dict):
                lines.append(f"  - [{'met' if c.get('met') else 'not met'}] {describe(c)}")

    def env_assertion(c: dict) -> str:
        ea = c.get("env_assertion") if isinstance(c.get("env_assertion"), dict) else {}
        target = f" on {ea['env_type']}" if ea.get("env_type") else ""
        return f"{ea.get('func_name', '?')}({_short(ea.get('arguments', {}), 200)}){target}"

    checks("communicate_checks", lambda c: f"{_short(c.get('info'), 200)}"
           + (f": {c['justification']}" if c.get("justification") else ""))
    checks("nl_assertions", lambda c: f"{c.get('nl_assertion', '?')}"
           + (f" — {c['justification']}" if c.get("justification") else ""))
    checks("env_assertions", env_assertion)
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Traces
# --------------------------------------------------------------------------


class _TraceBuilder:
    """Turns one ``SimulationRun`` into a :class:`Trace`."""

    def __init__(self, label: str, ctx: dict[str, Any]):
        self.label = label
        self.ctx = ctx

    # -- messages ---------------------------------------------------------

    def _usage(self, m: dict[str, Any], place: str) -> Usage | None:
        usage = m.get("usage")
        cost = _opt_number(m.get("cost"), self.label, place + "/cost", "a cost in USD (number or null)")
        inp = out = None
        if usage is not None:
            expect(usage, dict, self.label, place + "/usage", "a usage object")
            inp = usage.get("prompt_tokens")
            out = usage.get("completion_tokens")
            if inp is not None:
                expect(inp, int, self.label, place + "/usage/prompt_tokens", "a token count (integer)")
            if out is not None:
                expect(out, int, self.label, place + "/usage/completion_tokens", "a token count (integer)")
        if inp is None and out is None and cost is None:
            return None
        total = (inp or 0) + (out or 0) if (inp is not None or out is not None) else None
        return Usage(input_tokens=inp, output_tokens=out, total_tokens=total, cost_usd=cost)

    def _text(self, m: dict[str, Any], place: str, notes: set[str]) -> str:
        content = m.get("content")
        if content is not None:
            expect(content, str, self.label, place + "/content", "message content (string or null)")
        if m.get("is_audio"):
            notes.add("audio messages are shown by their script (audio_script_gold) or as [audio]")
            script = m.get("audio_script_gold")
            return f"[audio] {script}" if isinstance(script, str) and script else "[audio]"
        return content or ""

    def _tool_call(self, tc: Any, place: str, actor: str, ts: dt.datetime | None) -> Step:
        expect(tc, dict, self.label, place, "a tool call object")
        name = expect(tc.get("name"), str, self.label, place + "/name", "a tool name (string)")
        call_id = tc.get("id")
        if call_id is not None:
            expect(call_id, str, self.label, place + "/id", "a tool call id (string)")
        args = tc.get("arguments")
        if isinstance(args, str):
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass  # keep the string as the file has it
        requestor = tc.get("requestor")
        who = requestor if isinstance(requestor, str) and requestor else actor
        return Step(
            kind=StepKind.tool_call, actor=who, timestamp=ts, title=name,
            content=_short(args, 10_000) if args is not None else "",
            tool_call=ToolCall(id=call_id or None, function=name, arguments=args),
            source=place,
        )

    def _tool_result(self, m: Any, place: str, names: dict[str, str], clock: _Clock) -> Step:
        expect(m, dict, self.label, place, "a tool message object")
        content = m.get("content")
        if content is not None and not isinstance(content, str):
            content = _short(content, 100_000)
        call_id = m.get("id")
        if call_id is not None:
            expect(call_id, str, self.label, place + "/id", "a tool call id (string)")
        error = m.get("error")
        if error is not None:
            expect(error, bool, self.label, place + "/error", "a boolean")
        return Step(
            kind=StepKind.tool_result, actor="tool", timestamp=clock.parse(m.get("timestamp"), place + "/timestamp"),
            title=names.get(call_id or "") or None, content=content or "", tool_call_id=call_id or None,
            is_error=bool(error), source=place,
        )

    def _message(self, m: Any, place: str, names: dict[str, str], clock: _Clock, notes: set[str]) -> list[Step]:
        expect(m, dict, self.label, place, "a message object")
        role = m.get("role")
        if not isinstance(role, str) or not role:
            raise InputError(self.label, place + "/role",
                             "expected a message role (system, assistant, user or tool)")
        if role == "tool":
            if "tool_messages" in m:
                subs = expect(m["tool_messages"], list, self.label, place + "/tool_messages", "a list of tool messages")
                return [self._tool_result(t, f"{place}/tool_messages/{i}", names, clock) for i, t in enumerate(subs)]
            return [self._tool_result(m, place, names, clock)]
        if role not in ("assistant", "user", "system"):
            notes.add(f"message role {role!r} is not a tau2 role; shown as a message")
        ts = clock.parse(m.get("timestamp"), place + "/timestamp")
        text = self._text(m, place, notes)
        calls = m.get("tool_calls")
        if calls is not None:
            expect(calls, list, self.label, place + "/tool_calls", "a list of tool calls (or null)")
        calls = calls or []
        model = {"assistant": self.ctx.get("agent_llm"), "user": self.ctx.get("user_llm")}.get(role)
        steps: list[Step] = []
        if text.strip() or not calls:
            steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, content=text, model=model, source=place))
        for j, tc in enumerate(calls):
            step = self._tool_call(tc, f"{place}/tool_calls/{j}", role, ts)
            step.model = model
            if step.tool_call and step.tool_call.id:
                names[step.tool_call.id] = step.tool_call.function
            steps.append(step)
        usage = self._usage(m, place)
        if steps:
            steps[0].usage = usage
            gen = m.get("generation_time_seconds")
            if is_number(gen):
                steps[0].duration_s = float(gen)
        return steps

    # -- voice ticks ------------------------------------------------------

    def _ticks(self, ticks: list[Any], place: str, names: dict[str, str], clock: _Clock,
               notes: set[str]) -> list[Step]:
        steps: list[Step] = []
        silent = 0
        for k, tick in enumerate(ticks):
            tp = f"{place}/{k}"
            expect(tick, dict, self.label, tp, "a tick object")
            ts = clock.parse(tick.get("timestamp"), tp + "/timestamp")
            before = len(steps)
            for side, role in (("agent", "assistant"), ("user", "user")):
                chunk = tick.get(f"{side}_chunk")
                text = ""
                if chunk is not None:
                    expect(chunk, dict, self.label, f"{tp}/{side}_chunk", "a message chunk object")
                    if chunk.get("content") or chunk.get("is_audio"):
                        text = self._text(chunk, f"{tp}/{side}_chunk", notes)
                    if text == "[audio]":
                        text = ""
                title = None
                if side == "user" and not text.strip() and isinstance(tick.get("user_transcript"), str):
                    text, title = tick["user_transcript"], "transcript"
                if text.strip():
                    model = self.ctx.get("agent_llm") if role == "assistant" else self.ctx.get("user_llm")
                    steps.append(Step(kind=StepKind.message, actor=role, timestamp=ts, title=title, content=text,
                                      model=model, source=f"{tp}/{side}_chunk"))
                    usage = self._usage(chunk, f"{tp}/{side}_chunk") if isinstance(chunk, dict) else None
                    steps[-1].usage = usage
                calls = tick.get(f"{side}_tool_calls") or []
                expect(calls, list, self.label, f"{tp}/{side}_tool_calls", "a list of tool calls")
                for j, tc in enumerate(calls):
                    step = self._tool_call(tc, f"{tp}/{side}_tool_calls/{j}", role, ts)
                    if step.tool_call and step.tool_call.id:
                        names[step.tool_call.id] = step.tool_call.function
                    steps.append(step)
                results = tick.get(f"{side}_tool_results") or []
                expect(results, list, self.label, f"{tp}/{side}_tool_results", "a list of tool messages")
                for j, tm in enumerate(results):
                    steps.append(self._tool_result(tm, f"{tp}/{side}_tool_results/{j}", names, clock))
            if len(steps) == before:
                silent += 1
        notes.add(f"voice run: {len(ticks)} ticks; steps made from the ticks' text and tool activity")
        if silent:
            notes.add(f"{silent} of {len(ticks)} ticks carried no text or tool activity "
                      "(audio-only chunks or silence) and have no step")
        return steps

    # -- one simulation ---------------------------------------------------

    def build(self, sim: Any, base: str, index: int, seen: set[str]) -> Trace:
        label = self.label
        expect(sim, dict, label, base or "/", "a simulation object")
        clock = _Clock(label)
        notes: set[str] = set()
        ordered_notes: list[str] = []

        task_id = sim.get("task_id")
        if isinstance(task_id, int) and not isinstance(task_id, bool):
            task_id = str(task_id)
        task_id = expect(task_id, str, label, base + "/task_id", "a task id (string)")
        trial0 = sim.get("trial", 0)
        if trial0 is None:
            trial0 = 0
        expect(trial0, int, label, base + "/trial", "a trial number (integer)")
        if trial0 < 0:
            raise InputError(label, base + "/trial", "expected a trial number >= 0")
        trial = trial0 + 1

        reason = opt_str(sim.get("termination_reason"), label, base + "/termination_reason",
                          "a termination reason (string)")
        status = _STATUS.get(reason or "")
        if status is None:
            status = "incomplete"
            ordered_notes.append(f"termination_reason {reason!r} is not a known tau2 reason; status set to incomplete"
                                 if reason else "no termination_reason; status set to incomplete")

        names: dict[str, str] = {}
        steps: list[Step] = []
        messages = sim.get("messages")
        ticks = sim.get("ticks")
        if messages is not None:
            expect(messages, list, label, base + "/messages", "a list of messages")
        if ticks is not None:
            expect(ticks, list, label, base + "/ticks", "a list of ticks")
        if messages:
            for i, m in enumerate(messages):
                steps.extend(self._message(m, f"{base}/messages/{i}", names, clock, notes))
            if ticks:
                ordered_notes.append(f"the run also has {len(ticks)} voice ticks; the steps come from its "
                                     "messages (the linearised conversation), not the ticks")
        elif ticks:
            steps.extend(self._ticks(ticks, base + "/ticks", names, clock, notes))

        # Harness error recorded by tau2's runner (info.error, info.error_type).
        info = sim.get("info")
        error = None
        if isinstance(info, dict) and isinstance(info.get("error"), str):
            etype = info.get("error_type")
            error = f"{etype}: {info['error']}" if isinstance(etype, str) and etype else info["error"]
            body = info["error"]
            tb = info.get("error_traceback")
            if isinstance(tb, str) and tb:
                body = f"{body}\n\n{tb}"
            steps.append(Step(kind=StepKind.error, actor="harness", title=etype if isinstance(etype, str) else "error",
                              content=body, is_error=True, source=base + "/info"))
        if not messages and not ticks:
            ordered_notes.append("the simulation has no messages")

        # Score
        ri = sim.get("reward_info")
        score = None
        explanation = None
        deciding = None
        if ri is not None:
            expect(ri, dict, label, base + "/reward_info", "a reward_info object (or null)")
            score = float(expect(ri.get("reward"), _NUMBER, label, base + "/reward_info/reward", "a reward (number)"))
            explanation = _explain(ri)
            steps.append(Step(kind=StepKind.score, actor="scorer", title=f"reward {fmt_number(score)}", content=explanation,
                              source=base + "/reward_info"))
            deciding = len(steps)
        else:
            ordered_notes.append("no reward_info: tau2 did not score this simulation")

        # Usage: the agent's
        agent_cost = _opt_number(sim.get("agent_cost"), label, base + "/agent_cost", "a cost in USD (number or null)")
        user_cost = _opt_number(sim.get("user_cost"), label, base + "/user_cost", "a cost in USD (number or null)")
        sums = {"assistant": [None, None, None], "user": [None, None, None]}
        for s in steps:
            if s.usage is None or s.actor not in sums or s.kind not in (StepKind.message, StepKind.tool_call):
                continue
            acc = sums[s.actor]
            for i, v in enumerate((s.usage.input_tokens, s.usage.output_tokens, s.usage.cost_usd)):
                if v is not None:
                    acc[i] = (acc[i] or 0) + v
        a_in, a_out, a_cost = sums["assistant"]
        usage = Usage(
            input_tokens=a_in, output_tokens=a_out,
            total_tokens=(a_in or 0) + (a_out or 0) if (a_in is not None or a_out is not None) else None,
            cost_usd=agent_cost if agent_cost is not None else a_cost,
        )

        started = clock.parse(sim.get("start_time"), base + "/start_time")
        ended = clock.parse(sim.get("end_time"), base + "/end_time")
        duration = _opt_number(sim.get("duration"), label, base + "/duration", "a duration in seconds (number)")
        if duration is None and started and ended:
            duration = (ended - started).total_seconds()
        if clock.naive:
            ordered_notes.insert(0, _NAIVE_NOTE)
        ordered_notes.extend(sorted(notes))

        tid = f"{task_id}-t{trial}"
        if tid in seen:
            tid = f"{tid}-s{index}"
        seen.add(tid)

        metadata: dict[str, Any] = {}
        for key in ("id", "seed", "mode"):
            if sim.get(key) is not None:
                metadata["simulation_id" if key == "id" else key] = sim[key]
        if user_cost is not None:
            metadata["user_cost"] = user_cost
        u_in, u_out, _ = sums["user"]
        if u_in is not None or u_out is not None:
            metadata["user_usage"] = {"input_tokens": u_in, "output_tokens": u_out}
        if isinstance(ri, dict):
            for key in ("reward_basis", "reward_breakdown"):
                if ri.get(key) is not None:
                    metadata[key] = ri[key]
        if self.ctx.get("domain"):
            metadata["domain"] = self.ctx["domain"]

        return Trace(
            id=tid, task_id=task_id, trial=trial, status=status, termination_reason=reason,
            score=score, score_source="reward_info.reward" if ri is not None else None,
            scorer_explanation=explanation, error=error,
            agent=self.ctx.get("implementation"), model=self.ctx.get("agent_llm"),
            usage=usage, duration_s=float(duration) if duration is not None else None, started_at=started,
            deciding_step=deciding, steps=steps, source_file=label, source_pointer=base or None,
            notes=ordered_notes, metadata=metadata,
        )


def _context(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """Agent/user model and domain of a results file, for traces."""
    if kind == "variant":
        return {
            "agent_llm": doc.get("model") if isinstance(doc.get("model"), str) else None,
            "implementation": doc.get("agent") if isinstance(doc.get("agent"), str) else None,
            "domain": doc.get("domain") if isinstance(doc.get("domain"), str) else None,
        }
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    agent = info.get("agent_info") if isinstance(info.get("agent_info"), dict) else {}
    user = info.get("user_info") if isinstance(info.get("user_info"), dict) else {}
    env = info.get("environment_info") if isinstance(info.get("environment_info"), dict) else {}

    def s(v: Any) -> str | None:
        return v if isinstance(v, str) and v else None

    return {"agent_llm": s(agent.get("llm")), "implementation": s(agent.get("implementation")),
            "user_llm": s(user.get("llm")), "domain": s(env.get("domain_name"))}


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class Tau2Bench(Importer):
    name = "tau2-bench"
    title = "τ²-bench results and taubench.com leaderboard submissions"
    spec = ("sierra-research/tau2-bench src/tau2/data_model/simulation.py (Results, SimulationRun), "
            "src/tau2/data_model/message.py (messages, ticks) and "
            "web/leaderboard/public/submissions/schema.json (submission.json)")
    patterns = (
        "submission.json",
        "<submission folder>/ (submission.json + trajectories/*.json)",
        "*.json with info + simulations (tau2 results)",
        "*.json with domain + simulations",
        "results.json + simulations/<uuid>.json (dir layout)",
    )

    # -- sniff ------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            sub = path / "submission.json"
            if sub.is_file():
                if self._file_kind(sub) == "submission":
                    return None
                return "submission.json is not a tau2 submission (needs model_name and results)"
            res = path / "results.json"
            if res.is_file() and self._file_kind(res) in ("results", "variant", "results-dir"):
                return None
            return "folder has no tau2 submission.json or results.json"
        if not path.is_file():
            return "not a file or folder"
        if path.suffix.lower() != ".json":
            return "not a .json file"
        kind = self._file_kind(path)
        if kind is None:
            return _refusal()
        return None

    def _file_kind(self, path: Path) -> str | None:
        """The document kind, reading only the head of large files that show no tau2 key."""
        try:
            with path.open("rb") as fh:
                head = fh.read(_HEAD_BYTES + 1)
        except OSError:
            return None
        if not any(m in head for m in _MARKERS):
            return None  # every tau2 document names one of these keys near its start
        if len(head) > _HEAD_BYTES and not any(m in head for m in _MARKERS if m != b'"model_name"'):
            return None  # a submission.json is small; a large file must be a results or simulation file
        try:
            doc = load_json(path)
        except InputError:
            return None
        kind = _kind(doc)
        if kind in ("results", "variant") and not isinstance(doc.get("simulations"), list):
            return None
        return kind

    # -- traces -----------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        doc = load_json(path, label)
        kind = _kind(doc)
        if kind in ("submission", "results-dir"):
            return
        if kind is None:
            if isinstance(doc, dict) and "simulations" in doc:
                expect(doc["simulations"], list, label, "/simulations", "a list of simulations")
            raise InputError(label, "", "expected a tau2 results file ({info, simulations}), a simulation "
                                        "or a submission.json")
        if kind == "simulation":
            ctx = self._sibling_context(path)
            yield _TraceBuilder(label, ctx).build(doc, "", 0, set())
            return
        sims = expect(doc.get("simulations"), list, label, "/simulations", "a list of simulations")
        if kind == "results":
            expect(doc.get("info"), dict, label, "/info", "an info object")
        builder = _TraceBuilder(label, _context(doc, kind))
        seen: set[str] = set()
        for n, sim in enumerate(sims):
            yield builder.build(sim, pointer("simulations", n), n, seen)

    def _sibling_context(self, path: Path) -> dict[str, Any]:
        """Context for a dir-layout ``simulations/<uuid>.json``: the ``results.json`` above it."""
        res = path.parent.parent / "results.json" if path.parent.name == "simulations" else None
        if res and res.is_file():
            try:
                doc = load_json(res)
            except InputError:
                return {}
            if _kind(doc) == "results-dir":
                return _context(doc, "results-dir")
        return {}

    # -- drafts -----------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        if path.is_dir():
            if (path / "submission.json").is_file():
                return self._submission_drafts(path / "submission.json")
            if (path / "results.json").is_file():
                path = path / "results.json"
            else:
                raise InputError(str(path), "", "expected a folder with submission.json or results.json")
        label = str(path)
        doc = load_json(path, label)
        kind = _kind(doc)
        if kind == "submission":
            return self._submission_drafts(path, doc)
        if kind in ("results", "variant"):
            expect(doc.get("simulations"), list, label, "/simulations", "a list of simulations")
            return [self._results_draft(path, doc, kind)]
        if kind == "results-dir":
            return [self._results_draft(path, doc, kind)]
        if kind == "simulation":
            sib = path.parent.parent / "results.json"
            if path.parent.name == "simulations" and sib.is_file() and _kind(load_json(sib)) == "results-dir":
                return self.drafts(sib)
            task = doc.get("task_id")
            return [RunDraft(format=self.name, files=[str(path.resolve())],
                             names={str(path.resolve()): path.name},
                             tasks=[str(task)] if isinstance(task, (str, int)) else [],
                             benchmark=None, harness="tau2-bench")]
        if isinstance(doc, dict) and "simulations" in doc:
            expect(doc["simulations"], list, label, "/simulations", "a list of simulations")
        raise InputError(label, "", "expected a tau2 results file ({info, simulations}) or a submission.json "
                                    "(model_name, results)")

    # results files

    def _results_draft(self, path: Path, doc: dict[str, Any], kind: str) -> RunDraft:
        label = str(path)
        ctx = _context(doc, kind)
        files = [str(path.resolve())]
        names = {files[0]: path.name}
        environment: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        declared = DeclaredScores()
        version = None
        tasks: list[str] = []
        date = None

        if kind == "variant":
            domain = opt_str(doc.get("domain"), label, "/domain", "a domain name (string)")
            rate = _opt_number(doc.get("pass_rate"), label, "/pass_rate", "a pass rate in percent (number)")
            if rate is not None:
                declared = DeclaredScores(overall=rate / 100, pass_hat={1: rate / 100}, source=f"{path.name} pass_rate")
            for key in ("total_tasks", "passed"):
                if doc.get(key) is not None:
                    metadata[key] = doc[key]
            sims = doc.get("simulations") or []
            first = next((s for s in sims if isinstance(s, dict) and isinstance(s.get("timestamp"), str)), None)
            if first:
                date = first["timestamp"][:10]
        else:
            info = expect(doc.get("info"), dict, label, "/info", "an info object")
            agent = info.get("agent_info")
            if agent is not None:
                expect(agent, dict, label, "/info/agent_info", "an agent_info object")
            domain = ctx.get("domain")
            commit = info.get("git_commit")
            if isinstance(commit, str) and commit and commit != "unknown":
                version = commit[:7] if re.fullmatch(r"[0-9a-f]{8,40}", commit) else commit
                metadata["git_commit"] = commit
            user = info.get("user_info") if isinstance(info.get("user_info"), dict) else {}
            if ctx.get("user_llm"):
                environment["user_simulator"] = ctx["user_llm"]
            if isinstance(user.get("implementation"), str):
                environment["user_implementation"] = user["implementation"]
            for key in ("num_trials", "max_steps", "max_errors", "seed"):
                if info.get(key) is not None:
                    environment[key] = info[key]
            ts = doc.get("timestamp")
            if isinstance(ts, str):
                date = ts[:10]
                metadata["timestamp"] = ts
            if ctx.get("implementation"):
                metadata["agent_implementation"] = ctx["implementation"]
            raw_tasks = doc.get("tasks")
            if isinstance(raw_tasks, list):
                tasks = [str(t["id"]) for t in raw_tasks if isinstance(t, dict) and isinstance(t.get("id"), (str, int))]
            if kind == "results-dir":
                sim_dir = path.parent / "simulations"
                for f in sorted(sim_dir.glob("*.json")) if sim_dir.is_dir() else []:
                    files.append(str(f.resolve()))
                    names[str(f.resolve())] = f"simulations/{f.name}"
                if len(files) == 1:
                    metadata["note"] = "dir-layout results.json without a simulations/ folder: no traces"
        if not tasks:
            tasks = _task_ids(doc)
        if not tasks and kind == "results-dir":
            for f in files[1:]:
                try:
                    sim = load_json(Path(f))
                except InputError:
                    continue
                if isinstance(sim, dict) and isinstance(sim.get("task_id"), (str, int)):
                    t = str(sim["task_id"])
                    if t not in tasks:
                        tasks.append(t)

        llm = ctx.get("agent_llm") or ""
        impl = ctx.get("implementation") or ""
        run_id = _slug("-".join(p for p in (llm, domain or "", date or "") if p), _slug(path.stem))
        return RunDraft(
            run_id=run_id,
            agent=_slug("-".join(p for p in (impl, llm) if p), "tau2-agent") if (impl or llm) else None,
            agent_name=(f"{llm} ({impl})" if llm and impl else llm or impl or None),
            model=llm or None,
            harness="tau2-bench",
            benchmark=_slug(f"tau2-{domain}") if domain else None,
            benchmark_name=f"τ²-bench {domain.replace('_', ' ')}" if domain else None,
            benchmark_version=version,
            tasks=tasks, format=self.name, files=files, names=names,
            declared=declared, environment=environment, metadata=metadata,
        )

    # submissions

    def _submission_drafts(self, path: Path, doc: Any = None) -> list[RunDraft]:
        label = str(path)
        if doc is None:
            doc = load_json(path, label)
        expect(doc, dict, label, "", "a submission object")
        model_name = expect(doc.get("model_name"), str, label, "/model_name", "a model name (string)")
        results = expect(doc.get("results"), dict, label, "/results", "a results object")
        model_org = opt_str(doc.get("model_organization", doc.get("organization")), label, "/model_organization",
                             "an organisation name (string)")
        sub_org = opt_str(doc.get("submitting_organization", doc.get("organization")), label,
                           "/submitting_organization", "an organisation name (string)")
        submitted = None
        raw_date = opt_str(doc.get("submission_date"), label, "/submission_date", "a date (YYYY-MM-DD)")
        if raw_date:
            try:
                submitted = dt.date.fromisoformat(raw_date)
            except ValueError:
                raise InputError(label, "/submission_date",
                                 f"expected a date (YYYY-MM-DD), found {raw_date!r}") from None
        methodology = doc.get("methodology")
        if methodology is not None:
            expect(methodology, dict, label, "/methodology", "a methodology object")
        methodology = methodology or {}
        version = methodology.get("tau2_bench_version")
        version = version if isinstance(version, str) and version else None
        sub_type = doc.get("submission_type")
        user_sim = methodology.get("user_simulator")

        folder = path.parent
        base = folder.name if path.name == "submission.json" else path.stem
        sub_file = str(path.resolve())
        trajectories = _Trajectories(folder, doc.get("trajectory_files"), label)

        common: dict[str, Any] = {}
        for key in ("modality", "submission_type", "trajectories_available", "reasoning_effort", "references",
                    "is_new", "model_release", "voice_config"):
            if doc.get(key) is not None:
                common[key] = doc[key]
        if isinstance(methodology.get("verification"), dict):
            common["verification"] = methodology["verification"]
        for key, name in (("user_simulator", "user_simulator"), ("evaluation_date", "evaluation_date"),
                          ("notes", "methodology_notes")):
            if methodology.get(key) is not None:
                common[name] = methodology[key]

        drafts = []
        for domain, entry in results.items():
            place = pointer("results", domain)
            if entry is None:
                continue
            expect(entry, dict, label, place, "a domain result object (or null)")
            pass_hat: dict[int, float] = {}
            for key, value in entry.items():
                m = _PASS_KEY.match(key)
                if m:
                    v = _opt_number(value, label, f"{place}/{key}", "a percentage (number or null)")
                    if v is not None:
                        pass_hat[int(m.group(1))] = v / 100
            cost = _opt_number(entry.get("cost"), label, f"{place}/cost", "a cost in USD (number or null)")
            if not pass_hat and cost is None:
                continue
            files = [sub_file]
            names = {sub_file: "submission.json"}
            metadata = dict(common)
            if entry.get("retrieval_config") is not None:
                metadata["retrieval_config"] = entry["retrieval_config"]
            if cost is not None:
                metadata["cost_basis"] = "USD per trajectory (submission.json results.<domain>.cost)"
            tasks: list[str] = []
            traj = trajectories.for_domain(domain)
            if traj is not None:
                files.append(str(traj.resolve()))
                names[str(traj.resolve())] = f"trajectories/{traj.name}"
                tasks = trajectories.tasks(traj)
            if trajectories.mapping.get(domain):
                metadata["trajectory_file"] = trajectories.mapping[domain]
                if traj is None:
                    metadata["trajectory_file_absent"] = True
            modality = str(doc.get("modality") or "text").lower()
            drafts.append(RunDraft(
                run_id=_slug(f"{base}-{domain}"),
                agent=_slug(model_name),
                agent_name=model_name,
                organisation=model_org,
                model=model_name,
                harness="custom" if sub_type == "custom" else "tau2-bench",
                # taubench.com ranks voice submissions on boards of their own.
                benchmark=_slug(f"tau2-{domain}" + ("-voice" if modality == "voice" else "")),
                benchmark_name=f"τ²-bench {domain.replace('_', ' ')}" + (" (voice)" if modality == "voice" else ""),
                benchmark_version=version,
                tasks=tasks, format=self.name, files=files, names=names,
                submitter=Submitter(organisation=sub_org),
                submitted=submitted,
                declared=DeclaredScores(overall=pass_hat.get(1), pass_hat=pass_hat, cost_usd=cost,
                                        source=f"submission.json results.{domain}"),
                environment={"user_simulator": user_sim} if isinstance(user_sim, str) else {},
                metadata=metadata,
            ))
        unassigned = trajectories.unassigned()
        if unassigned:
            for d in drafts:
                d.metadata["unassigned_trajectory_files"] = unassigned
        return drafts


def _task_ids(doc: dict[str, Any]) -> list[str]:
    """Task ids of a results file: its ``tasks`` list, else the simulations' task ids, in order."""
    out: list[str] = []
    tasks = doc.get("tasks")
    if isinstance(tasks, list):
        out = [str(t["id"]) for t in tasks if isinstance(t, dict) and isinstance(t.get("id"), (str, int))]
    if not out:
        for s in doc.get("simulations") or []:
            if isinstance(s, dict) and isinstance(s.get("task_id"), (str, int)):
                t = str(s["task_id"])
                if t not in out:
                    out.append(t)
    return out


class _Trajectories:
    """The trajectory files of a submission folder and which domain each belongs to."""

    def __init__(self, folder: Path, mapping: Any, label: str):
        self.dir = folder / "trajectories"
        self.files = sorted(p for p in self.dir.glob("*.json") if p.is_file()) if self.dir.is_dir() else []
        if mapping is not None:
            expect(mapping, dict, label, "/trajectory_files", "a trajectory_files object")
        self.mapping = {k: v for k, v in (mapping or {}).items() if isinstance(v, str)}
        self.used: set[Path] = set()
        self._docs: dict[Path, Any] = {}

    def _doc(self, path: Path) -> Any:
        if path not in self._docs:
            self._docs[path] = load_json(path, str(path))
        return self._docs[path]

    def _domain_of(self, path: Path) -> str | None:
        doc = self._doc(path)
        kind = _kind(doc)
        if kind in ("results", "variant"):
            return _context(doc, kind).get("domain")
        return None

    def for_domain(self, domain: str) -> Path | None:
        name = self.mapping.get(domain)
        if name:
            for cand in (self.dir / name, self.dir / f"{name}.json"):
                if cand.is_file() and cand.suffix.lower() == ".json":
                    self.used.add(cand)
                    return cand
        token = re.compile(rf"(^|[^a-z]){re.escape(domain.lower())}([^a-z]|$)")
        named = [p for p in self.files if token.search(p.stem.lower())]
        if len(named) == 1:
            self.used.add(named[0])
            return named[0]
        pool = named or [p for p in self.files if p not in self.used]
        for p in pool:
            if self._domain_of(p) == domain:
                self.used.add(p)
                return p
        return None

    def tasks(self, path: Path) -> list[str]:
        doc = self._doc(path)
        return _task_ids(doc) if isinstance(doc, dict) else []

    def unassigned(self) -> list[str]:
        return [f"trajectories/{p.name}" for p in self.files if p not in self.used]
