"""OpenHands V1 (Agent SDK) events → steps (used by ``openhands.py``).

Spec: ``OpenHands/software-agent-sdk`` (MIT): ``openhands-sdk/openhands/sdk/event/**``
(pydantic models with the discriminator ``kind``: ``SystemPromptEvent``,
``MessageEvent``, ``ActionEvent``, ``ObservationEvent``, ``AgentErrorEvent``,
``UserRejectObservation``, ``ConversationErrorEvent``,
``ConversationIterationLimitEvent``, ``Condensation``, ``CondensationRequest``,
``CondensationSummaryEvent``, ``PauseEvent``, ``InterruptEvent``,
``ConversationStateUpdateEvent``, ``TokenEvent``, ``LLMCompletionLogEvent``,
``HookExecutionEvent``) and ``openhands-sdk/openhands/sdk/conversation/state.py``.
The mapping is documented in ``generator/importers/openhands.py``.
"""

from __future__ import annotations

from typing import Any, Iterable

import orjson

from generator.importers._common import integer, json_text, opt_str
from generator.importers._openhands_common import (
    Clock,
    MetricsIndex,
    Outcome,
    content_text,
    join,
    opt_dict,
    usage_of,
)
from generator.jsonread import expect
from generator.model import Step, StepKind, ToolCall

TERMINAL_ACTIONS = {"ExecuteBashAction", "TerminalAction", "BashAction", "CmdRunAction"}
TERMINAL_OBSERVATIONS = {"ExecuteBashObservation", "TerminalObservation", "BashObservation", "CmdOutputObservation"}
SKIPPED = {"ConversationStateUpdateEvent", "TokenEvent", "LLMCompletionLogEvent", "StreamingDeltaEvent"}
HARNESS_EVENTS = {"PauseEvent", "InterruptEvent", "CondensationRequest", "HookExecutionEvent"}
_EVENT_KEYS = {"id", "timestamp", "source", "kind"}


def _is_browser(kind: str) -> bool:
    return kind.startswith("Browser") or kind.startswith("Browse")


def _observation_text(obs: dict, label: str, place: str) -> str:
    """An observation's text: ``output`` (older SDK), else ``content`` parts, else ``message``."""
    for key in ("output", "content", "message", "text"):
        if obs.get(key) is not None:
            return content_text(obs[key], label, join(place, key))
    rest = {k: v for k, v in obs.items() if k not in ("kind", "metadata")}
    return json_text(rest) if rest else ""


class V1Reader:
    """Turns V1 events (a conversation's ``events/`` files or an eval ``history``) into steps."""

    def __init__(self, clock: Clock, metrics: MetricsIndex, finish_is_submission: bool):
        self.clock = clock
        self.metrics = metrics
        self.finish_is_submission = finish_is_submission
        self.out = Outcome()
        self.seen_responses: set[str] = set()
        self.screenshots = 0
        self._cur = ("", "")

    def _usage(self, rid: Any):
        """Usage and latency of the response ``rid``, on the first event that names it."""
        if not isinstance(rid, str) or not rid or rid in self.seen_responses:
            return None, None, None
        self.seen_responses.add(rid)
        info = self.metrics.calls.get(rid)
        if info is None:
            return None, None, None
        usage = usage_of(info.input_tokens, info.output_tokens, info.cost_usd)
        self.out.count_usage(usage)
        return usage, info.latency_s, info.model

    def src(self, place: str) -> str:
        """The step source for ``place``: the same pointer, or for conversation folders the event
        file's name followed by the pointer inside it."""
        prefix, src = self._cur
        return src + place[len(prefix):] if place.startswith(prefix) else place

    def run(self, events: Iterable[tuple[Any, str, str, str]]) -> Outcome:
        """``events``: ``(event, label, place, source)``: the label and pointer used in errors, and
        the prefix used for ``Step.source``."""
        for e, label, place, src in events:
            self._cur = (place, src)
            expect(e, dict, label, place, "an event object")
            kind = expect(e.get("kind"), str, label, join(place, "kind"), "'kind' (the event type) as a string")
            ts = self.clock.parse(e.get("timestamp"), join(place, "timestamp"))
            handler = getattr(self, f"_{kind}", None)
            if kind in SKIPPED:
                self.out.skip(kind)
                if kind == "ConversationStateUpdateEvent" and e.get("key") == "execution_status":
                    if isinstance(e.get("value"), str):
                        self.out.agent_state = e["value"]
            elif handler is not None:
                handler(e, label, place, ts)
            else:
                self._generic(e, kind, label, place, ts)
        if self.screenshots:
            self.out.notes.append(f"{self.screenshots} browser screenshot(s) are not shown (base64 images)")
        return self.out

    # -- event kinds -------------------------------------------------------

    def _SystemPromptEvent(self, e: dict, label: str, place: str, ts) -> None:
        prompt = e.get("system_prompt")
        if isinstance(prompt, dict):
            text = content_text([prompt], label, join(place, "system_prompt"))
        else:
            text = content_text(prompt, label, join(place, "system_prompt"))
        tools = e.get("tools")
        if isinstance(tools, list):
            names = []
            for t in tools:
                if isinstance(t, dict):
                    n = t.get("title") or t.get("name") or (t.get("function") or {}).get("name")
                    if isinstance(n, str):
                        names.append(n)
            self.out.metadata["tools"] = names
        self.out.steps.append(Step(kind=StepKind.message, actor="system", title="system prompt", content=text,
                                   timestamp=ts, source=self.src(place)))

    def _MessageEvent(self, e: dict, label: str, place: str, ts) -> None:
        msg = opt_dict(e.get("llm_message"), label, join(place, "llm_message"), "'llm_message' as an object")
        role = msg.get("role") if isinstance(msg.get("role"), str) else None
        source = e.get("source") if isinstance(e.get("source"), str) else "user"
        actor = "assistant" if (role == "assistant" or source == "agent") else (role or source)
        text = content_text(msg.get("content"), label, join(place, "llm_message", "content"))
        extended = e.get("extended_content")
        if isinstance(extended, list) and extended:
            more = content_text(extended, label, join(place, "extended_content"))
            if more.strip():
                text += "\n\n" + more
        usage, latency, model = self._usage(e.get("llm_response_id"))
        reasoning = msg.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning.strip():
            self.out.steps.append(Step(kind=StepKind.message, actor=actor, title="reasoning", content=reasoning,
                                       timestamp=ts, model=model,
                                       source=self.src(join(place, "llm_message", "reasoning_content"))))
        if actor == "user":
            self.out.has_user_message = True
            self.out.last_agent_message = False
        else:
            self.out.last_agent_message = True
        self.out.steps.append(Step(kind=StepKind.message, actor=actor, content=text, timestamp=ts, model=model,
                                   usage=usage, duration_s=latency, source=self.src(place)))

    def _ActionEvent(self, e: dict, label: str, place: str, ts) -> None:
        self.out.last_agent_message = False
        usage, latency, model = self._usage(e.get("llm_response_id"))
        if model and self.out.model is None:
            self.out.model = model
        reasoning = e.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning.strip():
            self.out.steps.append(Step(kind=StepKind.message, actor="assistant", title="reasoning",
                                       content=reasoning, timestamp=ts, model=model,
                                       source=self.src(join(place, "reasoning_content"))))
        thought = e.get("thought")
        if thought:
            text = content_text(thought, label, join(place, "thought"))
            if text.strip():
                self.out.steps.append(Step(kind=StepKind.message, actor="assistant", content=text, timestamp=ts,
                                           model=model, source=self.src(join(place, "thought"))))
        action = e.get("action")
        if action is not None:
            expect(action, dict, label, join(place, "action"), "'action' as an object")
        action = action or {}
        akind = action.get("kind") if isinstance(action.get("kind"), str) else ""
        tool_name = opt_str(e.get("tool_name"), label, join(place, "tool_name"), "'tool_name' as a string") or akind
        call_id = opt_str(e.get("tool_call_id"), label, join(place, "tool_call_id"), "'tool_call_id' as a string")
        tc = opt_dict(e.get("tool_call"), label, join(place, "tool_call"), "'tool_call' as an object")
        args: Any = tc.get("arguments")
        if isinstance(args, str):
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass
        if args is None:
            args = {k: v for k, v in action.items() if k != "kind"}
        call = ToolCall(id=call_id, function=tool_name, arguments=args)
        summary = e.get("summary") if isinstance(e.get("summary"), str) else None

        def add(kind: StepKind, content: str, title: str | None = None) -> Step:
            step = Step(kind=kind, actor="assistant", title=title, content=content, timestamp=ts, model=model,
                        usage=usage, duration_s=latency, tool_call=call, tool_call_id=call_id,
                        source=self.src(place))
            self.out.steps.append(step)
            return step

        if not action:
            add(StepKind.tool_call, json_text(args), f"{tool_name} (not executed)")
            return
        if akind in TERMINAL_ACTIONS or (isinstance(action.get("command"), str) and tool_name in
                                         ("terminal", "execute_bash", "bash")):
            add(StepKind.terminal_command, str(action.get("command") or ""),
                "input to the running process" if action.get("is_input") else summary)
            return
        if akind == "FinishAction":
            text = action.get("message") if isinstance(action.get("message"), str) else json_text(action)
            step = add(StepKind.submission if self.finish_is_submission else StepKind.message, text, "finish")
            self.out.finish_step, self.out.finish_text = step, text
            return
        if akind == "ThinkAction":
            add(StepKind.message, str(action.get("thought") or ""), "think")
            return
        if _is_browser(akind):
            what = action.get("url") or action.get("text") or action.get("index")
            add(StepKind.browser_event, what if isinstance(what, str) else json_text(
                {k: v for k, v in action.items() if k != "kind"}), akind)
            return
        add(StepKind.tool_call, json_text(args), summary or tool_name)

    def _ObservationEvent(self, e: dict, label: str, place: str, ts) -> None:
        obs = opt_dict(e.get("observation"), label, join(place, "observation"), "'observation' as an object")
        okind = obs.get("kind") if isinstance(obs.get("kind"), str) else ""
        call_id = opt_str(e.get("tool_call_id"), label, join(place, "tool_call_id"), "'tool_call_id' as a string")
        text = _observation_text(obs, label, join(place, "observation"))
        is_error = bool(obs.get("is_error") or obs.get("error") is True)
        title = None
        kind = StepKind.tool_result
        if okind in TERMINAL_OBSERVATIONS or "exit_code" in obs:
            meta = obs.get("metadata") if isinstance(obs.get("metadata"), dict) else {}
            code = integer(obs.get("exit_code"))
            if code is None:
                code = integer(meta.get("exit_code"))
            if code is not None and code != -1:
                title = f"exit {code}"
                is_error = is_error or code != 0
            elif code == -1:
                title = "no exit code (still running or timed out)"
            if obs.get("timeout") is True:
                title = (title + ", " if title else "") + "timed out"
        elif _is_browser(okind):
            kind = StepKind.browser_event
            if obs.get("screenshot_data"):
                self.screenshots += 1
            title = okind
        else:
            title = okind or None
        self.out.steps.append(Step(kind=kind, actor="tool", title=title, content=text, timestamp=ts,
                                   is_error=is_error, tool_call_id=call_id, source=self.src(place)))

    def _AgentErrorEvent(self, e: dict, label: str, place: str, ts) -> None:
        err = opt_str(e.get("error"), label, join(place, "error"), "'error' as a string") or ""
        call_id = e.get("tool_call_id") if isinstance(e.get("tool_call_id"), str) else None
        self.out.steps.append(Step(kind=StepKind.error, actor="agent", title="agent error", content=err,
                                   timestamp=ts, is_error=True, tool_call_id=call_id, source=self.src(place)))

    def _UserRejectObservation(self, e: dict, label: str, place: str, ts) -> None:
        reason = e.get("rejection_reason") if isinstance(e.get("rejection_reason"), str) else "rejected"
        who = e.get("rejection_source") if isinstance(e.get("rejection_source"), str) else "user"
        call_id = e.get("tool_call_id") if isinstance(e.get("tool_call_id"), str) else None
        self.out.steps.append(Step(kind=StepKind.tool_result, actor=who, title=f"rejected by the {who}",
                                   content=reason, timestamp=ts, is_error=True, tool_call_id=call_id,
                                   source=self.src(place)))

    def _ConversationErrorEvent(self, e: dict, label: str, place: str, ts) -> None:
        code = e.get("code") if isinstance(e.get("code"), str) else "error"
        detail = e.get("detail") if isinstance(e.get("detail"), str) else ""
        self.out.conversation_error = f"{code}: {detail}" if detail else code
        self.out.steps.append(Step(kind=StepKind.error, actor="harness", title=code, content=detail,
                                   timestamp=ts, is_error=True, source=self.src(place)))

    def _ConversationIterationLimitEvent(self, e: dict, label: str, place: str, ts) -> None:
        detail = e.get("detail") if isinstance(e.get("detail"), str) else ""
        it, mx = e.get("iteration"), e.get("max_iterations")
        self.out.iteration_limit = detail or f"iteration {it} of {mx}"
        self.out.steps.append(Step(kind=StepKind.observation, actor="harness", title="iteration limit",
                                   content=detail or f"iteration {it} of {mx}", timestamp=ts,
                                   source=self.src(place)))

    def _Condensation(self, e: dict, label: str, place: str, ts) -> None:
        forgotten = e.get("forgotten_event_ids")
        n = len(forgotten) if isinstance(forgotten, list) else 0
        summary = e.get("summary") if isinstance(e.get("summary"), str) else ""
        usage, latency, model = self._usage(e.get("llm_response_id"))
        self.out.steps.append(Step(kind=StepKind.observation, actor="harness", title="condensation",
                                   content=f"forgot {n} event(s)" + (f"\n\n{summary}" if summary else ""),
                                   timestamp=ts, usage=usage, duration_s=latency, model=model,
                                   source=self.src(place)))

    def _CondensationSummaryEvent(self, e: dict, label: str, place: str, ts) -> None:
        summary = e.get("summary") if isinstance(e.get("summary"), str) else ""
        self.out.steps.append(Step(kind=StepKind.observation, actor="harness", title="condensation summary",
                                   content=summary, timestamp=ts, source=self.src(place)))

    def _generic(self, e: dict, kind: str, label: str, place: str, ts) -> None:
        rest = {k: v for k, v in e.items() if k not in _EVENT_KEYS}
        self.out.steps.append(Step(kind=StepKind.observation, actor="harness", title=kind,
                                   content=json_text(rest) if rest else kind, timestamp=ts,
                                   source=self.src(place)))
        if kind not in HARNESS_EVENTS:
            self.out.shown_generically(kind)
