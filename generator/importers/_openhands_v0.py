"""OpenHands V0 event stream → steps (used by ``openhands.py``).

Spec: ``OpenHands/OpenHands`` (MIT outside ``enterprise/``):
``openhands/core/schema/action.py`` (ActionType), ``openhands/core/schema/observation.py``
(ObservationType), ``openhands/events/action/*.py``, ``openhands/events/observation/*.py``
and ``openhands/events/serialization/``. The mapping is documented in
``generator/importers/openhands.py``.
"""

from __future__ import annotations

from typing import Any

import orjson

from generator.importers._common import integer, json_text, num, opt_str
from generator.importers._openhands_common import (
    Clock,
    MetricsIndex,
    Outcome,
    join,
    opt_dict,
    usage_of,
)
from generator.jsonread import expect
from generator.model import Step, StepKind, ToolCall, Usage

TOOL_ACTIONS = {"run_ipython", "read", "write", "edit", "call_tool_mcp", "mcp", "delegate", "task_tracking",
                "push", "send_pr"}
HARNESS_ACTIONS = {"condensation", "condensation_request", "change_agent_state", "pause", "resume", "stop",
                   "loop_recovery"}
TOOL_OBSERVATIONS = {"run_ipython", "read", "write", "edit", "mcp", "task_tracking", "delegate", "think",
                     "download"}
# Keys of ``args`` that are bookkeeping, not the model's tool arguments.
_ARG_NOISE = {"thought", "impl_source", "translated_ipython_code", "confirmation_state", "security_risk",
              "hidden", "is_static", "blocking", "cwd", "include_extra", "kernel_init_code", "wait_for_response"}


def _tool_arguments(tcm: dict, call_id: str | None) -> Any:
    """The arguments of the tool call ``call_id`` in the recorded model response, parsed when JSON."""
    mr = tcm.get("model_response")
    if not isinstance(mr, dict) or not call_id:
        return None
    choices = mr.get("choices")
    if not isinstance(choices, list):
        return None
    for choice in choices:
        msg = choice.get("message") if isinstance(choice, dict) else None
        calls = msg.get("tool_calls") if isinstance(msg, dict) else None
        for call in calls if isinstance(calls, list) else []:
            if isinstance(call, dict) and call.get("id") == call_id and isinstance(call.get("function"), dict):
                args = call["function"].get("arguments")
                if isinstance(args, str):
                    try:
                        return orjson.loads(args)
                    except orjson.JSONDecodeError:
                        return args
                return args
    return None


class V0Reader:
    """Turns a list of V0 events (a trajectory export or an eval ``history``) into steps."""

    def __init__(self, label: str, base: str, clock: Clock, metrics: MetricsIndex, finish_is_submission: bool):
        self.label = label
        self.base = base
        self.clock = clock
        self.metrics = metrics
        self.finish_is_submission = finish_is_submission
        self.out = Outcome()
        self.seen_responses: set[str] = set()
        self.prev_cost: float = 0.0
        self.prev_in: int = 0
        self.prev_out: int = 0
        self.last_user_text: tuple[int, str] | None = None
        self.screenshots = 0
        self.hidden = 0
        self.seen_metrics = False

    def last_metrics_usage(self) -> Usage | None:
        """The last ``llm_metrics`` totals seen (they accumulate), or None when no event had them."""
        if not self.seen_metrics:
            return None
        return Usage(input_tokens=self.prev_in or None, output_tokens=self.prev_out or None,
                     cost_usd=self.prev_cost)

    # -- helpers -------------------------------------------------------------

    def _usage(self, e: dict, place: str):
        """Usage of an action: the response's tokens (once per response id), the cost since the
        previous ``llm_metrics``; and the response's latency and model."""
        tcm = e.get("tool_call_metadata") if isinstance(e.get("tool_call_metadata"), dict) else {}
        mr = tcm.get("model_response") if isinstance(tcm.get("model_response"), dict) else None
        rid = mr.get("id") if mr and isinstance(mr.get("id"), str) else None
        inp = out = total = None
        model = mr.get("model") if mr and isinstance(mr.get("model"), str) else None
        latency = None
        new_response = rid is not None and rid not in self.seen_responses
        if new_response:
            self.seen_responses.add(rid)
            u = mr.get("usage") if isinstance(mr.get("usage"), dict) else {}
            inp, out, total = integer(u.get("prompt_tokens")), integer(u.get("completion_tokens")), \
                integer(u.get("total_tokens"))
            info = self.metrics.calls.get(rid)
            if info is not None:
                latency = info.latency_s
        cost = None
        lm = e.get("llm_metrics")
        if lm is not None:
            lm = expect(lm, dict, self.label, join(place, "llm_metrics"), "'llm_metrics' as an object")
            self.seen_metrics = True
            acc = num(lm.get("accumulated_cost"))
            if acc is not None:
                delta = round(acc - self.prev_cost, 12)  # float noise of the subtraction
                if delta != 0:
                    cost = delta
                self.prev_cost = acc
            tok = lm.get("accumulated_token_usage") if isinstance(lm.get("accumulated_token_usage"), dict) else {}
            a_in, a_out = integer(tok.get("prompt_tokens")), integer(tok.get("completion_tokens"))
            if rid is None and a_in is not None and a_out is not None:
                d_in, d_out = a_in - self.prev_in, a_out - self.prev_out
                if d_in or d_out:
                    inp, out = d_in, d_out
            if a_in is not None:
                self.prev_in = a_in
            if a_out is not None:
                self.prev_out = a_out
            lats = lm.get("response_latencies")
            for lat in lats if isinstance(lats, list) else []:
                if isinstance(lat, dict) and lat.get("response_id") == rid and new_response:
                    latency = num(lat.get("latency"))
        usage = usage_of(inp, out, cost, total)
        self.out.count_usage(usage)
        if model and self.out.model is None:
            self.out.model = model
        return usage, latency, model

    def _thought(self, args: dict, place: str, ts, model) -> None:
        thought = args.get("thought")
        if isinstance(thought, str) and thought.strip():
            self.out.steps.append(Step(kind=StepKind.message, actor="assistant", content=thought, timestamp=ts,
                                       model=model, source=join(place, "args", "thought")))

    # -- events ------------------------------------------------------------

    def run(self, events: list) -> Outcome:
        for i, e in enumerate(events):
            place = join(self.base, i)
            expect(e, dict, self.label, place, "an event object")
            if "action" in e:
                self._action(e, place)
            elif "observation" in e:
                self._observation(e, place)
            else:
                self.out.steps.append(Step(kind=StepKind.observation, actor=str(e.get("source") or "unknown"),
                                           title="unrecognised event", content=json_text(e), source=place))
                self.out.shown_generically("unrecognised (shown as JSON)")
        if self.screenshots:
            self.out.notes.append(f"{self.screenshots} browser screenshot(s) are not shown (base64 images)")
        if self.hidden:
            self.out.notes.append(f"{self.hidden} hidden event(s) (run by the harness, not shown to the model) "
                                  "are shown and titled 'hidden'")
        return self.out

    def _action(self, e: dict, place: str) -> None:
        label = self.label
        action = expect(e["action"], str, label, join(place, "action"), "'action' as a string")
        args = opt_dict(e.get("args"), label, join(place, "args"), "'args' as an object")
        source = opt_str(e.get("source"), label, join(place, "source"), "'source' as a string") or "agent"
        ts = self.clock.parse(e.get("timestamp"), join(place, "timestamp"))
        tcm = opt_dict(e.get("tool_call_metadata"), label, join(place, "tool_call_metadata"),
                       "'tool_call_metadata' as an object")
        usage, latency, model = self._usage(e, place)
        call_id = tcm.get("tool_call_id") if isinstance(tcm.get("tool_call_id"), str) else None
        fn = tcm.get("function_name") if isinstance(tcm.get("function_name"), str) else None
        actor = "assistant" if source == "agent" else source
        hidden = bool(args.get("hidden"))
        if hidden:
            self.hidden += 1

        def tool_call(default_fn: str) -> ToolCall:
            arguments = _tool_arguments(tcm, call_id)
            if arguments is None:
                arguments = {k: v for k, v in args.items() if k not in _ARG_NOISE}
            return ToolCall(id=call_id, function=fn or default_fn, arguments=arguments)

        def add(kind: StepKind, content: str, title: str | None = None, tc: ToolCall | None = None,
                who: str | None = None, src: str | None = None) -> Step:
            if hidden:
                title = f"{title} (hidden)" if title else "hidden"
            step = Step(kind=kind, actor=who or actor, title=title, content=content, timestamp=ts,
                        model=model if source == "agent" else None, usage=usage, duration_s=latency,
                        tool_call=tc, tool_call_id=call_id if tc is not None else None, source=src or place)
            self.out.steps.append(step)
            return step

        if action == "null":
            self.out.skip("null")
            return
        if action == "system":
            self.out.agent_class = args.get("agent_class") if isinstance(args.get("agent_class"), str) else None
            if isinstance(args.get("openhands_version"), str):
                self.out.version = args["openhands_version"]
            tools = args.get("tools")
            if isinstance(tools, list):
                names = [t.get("function", {}).get("name") for t in tools
                         if isinstance(t, dict) and isinstance(t.get("function"), dict)]
                self.out.metadata["tools"] = [n for n in names if isinstance(n, str)]
            add(StepKind.message, str(args.get("content") or e.get("message") or ""), "system prompt", who="system")
            return
        if action in ("message", "start"):
            text = args.get("content")
            text = text if isinstance(text, str) else str(e.get("message") or "")
            images = args.get("image_urls")
            if isinstance(images, list) and images:
                text += f"\n[{len(images)} image(s)]"
            if source == "user":
                self.out.has_user_message = True
                self.out.last_agent_message = False
                self.last_user_text = (len(self.out.steps) + 1, text)
            else:
                self.out.last_agent_message = True
            self._thought({k: v for k, v in args.items() if k == "thought" and v != text}, place, ts, model)
            add(StepKind.message, text)
            return
        self.out.last_agent_message = False
        if action == "think":
            add(StepKind.message, str(args.get("thought") or ""), "think", tool_call("think"), src=place)
            return
        if action in ("finish", "reject"):
            final = args.get("final_thought")
            if isinstance(final, str) and final.strip() and args.get("thought") != final:
                self._thought(args, place, ts, model)  # the thought before the final answer
            text = final or args.get("thought") or e.get("message") or ""
            text = text if isinstance(text, str) else json_text(text)
            outputs = args.get("outputs")
            if isinstance(outputs, dict) and outputs:
                text += ("\n\n" if text else "") + json_text(outputs)
            if action == "reject":
                self.out.gave_up = True
                add(StepKind.message, text or json_text(args), "reject (the agent gave up)", tool_call("reject"))
                return
            kind = StepKind.submission if self.finish_is_submission else StepKind.message
            step = add(kind, text, "finish", tool_call("finish"))
            self.out.finish_step, self.out.finish_text = step, text
            if isinstance(args.get("task_completed"), str):
                self.out.metadata["task_completed"] = args["task_completed"]
            return
        self._thought(args, place, ts, model)
        if action == "run":
            command = args.get("command")
            command = command if isinstance(command, str) else ""
            add(StepKind.terminal_command, command, "input to the running process" if args.get("is_input")
                in (True, "true") else None, tool_call("execute_bash"))
            return
        if action in ("browse", "browse_interactive"):
            what = args.get("url") if action == "browse" else args.get("browser_actions")
            add(StepKind.browser_event, what if isinstance(what, str) else json_text(args),
                "browse" if action == "browse" else "browser actions", tool_call(action))
            return
        if action == "recall":
            query = args.get("query") if isinstance(args.get("query"), str) else ""
            title = f"recall ({args.get('recall_type') or 'context'})"
            if self.last_user_text and query == self.last_user_text[1]:
                query = f"(query: the user message of step {self.last_user_text[0]})"
            add(StepKind.observation, query, title, who="harness")
            return
        if action in TOOL_ACTIONS:
            if action == "run_ipython":
                content = str(args.get("code") or "")
            elif action in ("read", "write", "edit"):
                verb = args.get("command") if isinstance(args.get("command"), str) and args.get("command") else action
                content = f"{verb} {args.get('path') or ''}".strip()
            elif action in ("call_tool_mcp", "mcp"):
                content = f"{args.get('name') or 'mcp'} {json_text(args.get('arguments') or {})}"
            else:
                content = json_text({k: v for k, v in args.items() if k not in _ARG_NOISE})
            add(StepKind.tool_call, content, fn or action, tool_call(action))
            return
        if action in HARNESS_ACTIONS:
            if action == "condensation":
                forgotten = args.get("forgotten_event_ids") or []
                n = len(forgotten) if isinstance(forgotten, list) else 0
                if not n and isinstance(args.get("forgotten_events_start_id"), int):
                    n = (integer(args.get("forgotten_events_end_id")) or 0) - args["forgotten_events_start_id"] + 1
                summary = args.get("summary") if isinstance(args.get("summary"), str) else ""
                add(StepKind.observation, f"forgot {n} event(s)" + (f"\n\n{summary}" if summary else ""),
                    "condensation", who="harness")
            else:
                add(StepKind.observation, json_text(args) if args else action, action.replace("_", " "),
                    who="harness")
            return
        # any other action: a tool call if the model issued it, else a harness observation
        if tcm:
            add(StepKind.tool_call, json_text({k: v for k, v in args.items() if k not in _ARG_NOISE}),
                fn or action, tool_call(action))
        else:
            add(StepKind.observation, json_text(args) if args else str(e.get("message") or ""), action)
        self.out.shown_generically(f"action {action!r}")

    def _observation(self, e: dict, place: str) -> None:
        label = self.label
        obs = expect(e["observation"], str, label, join(place, "observation"), "'observation' as a string")
        extras = opt_dict(e.get("extras"), label, join(place, "extras"), "'extras' as an object")
        ts = self.clock.parse(e.get("timestamp"), join(place, "timestamp"))
        tcm = opt_dict(e.get("tool_call_metadata"), label, join(place, "tool_call_metadata"),
                       "'tool_call_metadata' as an object")
        call_id = tcm.get("tool_call_id") if isinstance(tcm.get("tool_call_id"), str) else None
        source = e.get("source") if isinstance(e.get("source"), str) else "environment"
        content = e.get("content")
        if content is None:
            content = e.get("message") if isinstance(e.get("message"), str) else ""
        content = content if isinstance(content, str) else json_text(content)
        hidden = bool(extras.get("hidden"))
        if hidden:
            self.hidden += 1

        def add(kind: StepKind, text: str, title: str | None = None, is_error: bool = False,
                who: str = "environment", link: bool = True) -> Step:
            if hidden:
                title = f"{title} (hidden)" if title else "hidden"
            step = Step(kind=kind, actor=who, title=title, content=text, timestamp=ts, is_error=is_error,
                        tool_call_id=call_id if link else None, source=place)
            self.out.steps.append(step)
            return step

        if obs == "null":
            self.out.skip("null")
            return
        if obs == "run":
            meta = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
            code = integer(meta.get("exit_code")) if "exit_code" in meta else integer(extras.get("exit_code"))
            is_error = code is not None and code not in (0, -1)
            if code is None:
                title = None
            elif code == -1:
                title = "no exit code (still running or timed out)"
            else:
                title = f"exit {code}"
            add(StepKind.tool_result if call_id else StepKind.observation, content, title, is_error,
                who="tool" if call_id else "environment")
            return
        if obs == "browse":
            if extras.get("screenshot"):
                self.screenshots += 1
            url = extras.get("url") if isinstance(extras.get("url"), str) else None
            err = bool(extras.get("error"))
            add(StepKind.browser_event, content, f"page {url}" if url else "page", err)
            return
        if obs == "error":
            add(StepKind.error, content, "error", True, who="harness" if source != "agent" else "agent")
            return
        if obs == "agent_state_changed":
            state = extras.get("agent_state") if isinstance(extras.get("agent_state"), str) else None
            reason = extras.get("reason") if isinstance(extras.get("reason"), str) else ""
            self.out.agent_state, self.out.agent_state_reason = state, reason or None
            add(StepKind.observation, reason or content or (state or ""), f"agent state: {state}",
                state == "error", who="harness", link=False)
            return
        if obs == "recall":
            parts = [content] if content else []
            for key in ("repo_instructions", "additional_agent_instructions", "conversation_instructions"):
                if isinstance(extras.get(key), str) and extras[key].strip():
                    parts.append(f"## {key.replace('_', ' ')}\n{extras[key]}")
            knowledge = extras.get("microagent_knowledge")
            for k in knowledge if isinstance(knowledge, list) else []:
                if isinstance(k, dict):
                    head = f"## microagent {k.get('name')} (trigger {k.get('trigger')!r})"
                    parts.append(f"{head}\n{k.get('content') or ''}")
            add(StepKind.observation, "\n\n".join(parts), f"recall result ({extras.get('recall_type') or 'context'})",
                who="harness", link=False)
            return
        if obs in ("chat", "message"):
            add(StepKind.message, content, None, who="assistant" if source == "agent" else source, link=False)
            return
        if obs == "user_rejected":
            add(StepKind.observation, content, "rejected by the user", True, who="user")
            return
        if obs == "llm_response":
            add(StepKind.model_call, content or json_text(extras), "LLM response", who="assistant", link=False)
            return
        if obs in TOOL_OBSERVATIONS:
            add(StepKind.tool_result if call_id else StepKind.observation, content, obs.replace("_", " "),
                who="tool" if call_id else "environment")
            return
        add(StepKind.tool_result if call_id else StepKind.observation, content, obs.replace("_", " "),
            who="tool" if call_id else "harness" if obs in ("success", "condense", "loop_detection") else source)
        if obs not in ("success", "condense", "loop_detection"):
            self.out.shown_generically(f"observation {obs!r}")
