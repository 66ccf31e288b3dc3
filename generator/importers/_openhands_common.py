"""Helpers shared by the OpenHands readers (``openhands.py``, ``_openhands_v0.py``,
``_openhands_v1.py``). The leading underscore keeps this module out of the
importer registry; the format and every normalisation are documented in
``generator/importers/openhands.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from generator.errors import InputError
from generator.importers import _common
from generator.importers._common import integer, num
from generator.jsonread import expect
from generator.model import Step, Usage

NAIVE_NOTE = "OpenHands timestamps carry no time zone; they were taken as UTC"


def join(base: str, *parts: object) -> str:
    """``base`` (a JSON pointer, or ``line N#/pointer``) extended by pointer parts."""
    out = base
    for p in parts:
        out += "/" + str(p).replace("~", "~0").replace("/", "~1")
    return out


def opt_dict(value: Any, label: str, place: str, what: str) -> dict:
    if value is None:
        return {}
    return expect(value, dict, label, place, what)


def content_text(content: Any, label: str, place: str) -> str:
    """A string, or a list of content parts (``{type: text, text}``, images, which OpenHands may
    also give as ``image_urls``) as one string; InputError for any other shape."""
    return _common.content_text(content, label, place, image_keys=("image_urls",))


class Clock:
    """Parses OpenHands ISO timestamps; zone-less ones are taken as UTC and remembered."""

    def __init__(self, label: str):
        self.label = label
        self.naive = False
        self.first: dt.datetime | None = None
        self.last: dt.datetime | None = None

    def parse(self, value: Any, place: str) -> dt.datetime | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            expect(value, str, self.label, place, "an ISO 8601 timestamp string")
        try:
            ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise InputError(self.label, place, f"expected an ISO 8601 timestamp, found {value[:40]!r}") from None
        if ts.tzinfo is None:
            self.naive = True
            ts = ts.replace(tzinfo=dt.timezone.utc)
        else:
            ts = ts.astimezone(dt.timezone.utc)
        if self.first is None or ts < self.first:
            self.first = ts
        if self.last is None or ts > self.last:
            self.last = ts
        return ts


@dataclass
class CallInfo:
    """What a ``Metrics`` block says about one LLM response."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None
    model: str | None = None


@dataclass
class MetricsIndex:
    """Per-response usage and latency from OpenHands ``Metrics`` blocks, keyed by response id.

    ``costs`` carry no response id; they are paired with ``token_usages`` by
    position only when both lists have the same length.
    """

    calls: dict[str, CallInfo] = field(default_factory=dict)
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    paired_costs: bool = False

    def add(self, metrics: Any, label: str, place: str) -> None:
        if metrics is None:
            return
        expect(metrics, dict, label, place, "a metrics object")
        cost = metrics.get("accumulated_cost")
        if cost is not None:
            cost = expect(cost, (int, float), label, join(place, "accumulated_cost"), "'accumulated_cost' as a number")
            self.cost_usd = (self.cost_usd or 0.0) + float(cost)
        acc = metrics.get("accumulated_token_usage")
        if acc is not None:
            expect(acc, dict, label, join(place, "accumulated_token_usage"), "'accumulated_token_usage' as an object")
            for key, attr in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens"),
                              ("cache_read_tokens", "cache_read_tokens")):
                v = acc.get(key)
                if v is not None:
                    v = expect(v, (int, float), label, join(place, "accumulated_token_usage", key),
                               f"{key!r} as a number")
                    setattr(self, attr, (getattr(self, attr) or 0) + int(v))
        usages, latencies, costs = ([] if metrics.get(k) is None else metrics[k]
                                    for k in ("token_usages", "response_latencies", "costs"))
        for name, value in (("token_usages", usages), ("response_latencies", latencies), ("costs", costs)):
            expect(value, list, label, join(place, name), f"{name!r} as a list")
        pair = len(costs) == len(usages) and len(usages) > 0
        self.paired_costs = self.paired_costs or pair
        for i, u in enumerate(usages):
            if not isinstance(u, dict) or not isinstance(u.get("response_id"), str) or not u["response_id"]:
                continue
            info = self.calls.setdefault(u["response_id"], CallInfo())
            info.input_tokens = integer(u.get("prompt_tokens"))
            info.output_tokens = integer(u.get("completion_tokens"))
            info.model = u.get("model") if isinstance(u.get("model"), str) else info.model
            if pair and isinstance(costs[i], dict):
                info.cost_usd = num(costs[i].get("cost"))
        for lat in latencies:
            if isinstance(lat, dict) and isinstance(lat.get("response_id"), str) and lat["response_id"]:
                info = self.calls.setdefault(lat["response_id"], CallInfo())
                info.latency_s = num(lat.get("latency"))

    def trace_usage(self) -> Usage:
        return Usage(input_tokens=self.input_tokens, output_tokens=self.output_tokens, cost_usd=self.cost_usd)

    @property
    def empty(self) -> bool:
        return self.cost_usd is None and self.input_tokens is None and self.output_tokens is None


def usage_of(inp: int | None, out: int | None, cost: float | None, total: int | None = None) -> Usage | None:
    if inp is None and out is None and cost is None and total is None:
        return None
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=total, cost_usd=cost)


@dataclass
class Outcome:
    """What an event reader learned beyond the steps: how the run ended."""

    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    finish_step: Step | None = None
    finish_text: str | None = None
    gave_up: bool = False
    agent_state: str | None = None
    agent_state_reason: str | None = None
    conversation_error: str | None = None
    iteration_limit: str | None = None
    model: str | None = None
    agent_class: str | None = None
    version: str | None = None
    has_user_message: bool = False
    last_agent_message: bool = False
    step_input_tokens: int | None = None
    step_output_tokens: int | None = None
    step_cost: float | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    generic: dict[str, int] = field(default_factory=dict)

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def shown_generically(self, what: str) -> None:
        self.generic[what] = self.generic.get(what, 0) + 1

    def count_usage(self, usage: Usage | None) -> None:
        if usage is None:
            return
        if usage.input_tokens is not None:
            self.step_input_tokens = (self.step_input_tokens or 0) + usage.input_tokens
        if usage.output_tokens is not None:
            self.step_output_tokens = (self.step_output_tokens or 0) + usage.output_tokens
        if usage.cost_usd is not None:
            self.step_cost = (self.step_cost or 0.0) + usage.cost_usd

    def skipped_notes(self) -> list[str]:
        notes = [f"{n} {what} event(s) are not shown ({_SKIP_WHY.get(what, 'no content to show')})"
                 for what, n in sorted(self.skipped.items())]
        notes += [f"{n} {what} event(s) have no specific mapping and are shown generically"
                  for what, n in sorted(self.generic.items())]
        return notes


_SKIP_WHY = {
    "null": "null actions/observations carry nothing",
    "ConversationStateUpdateEvent": "state snapshots; the final state is in base_state.json",
    "TokenEvent": "raw token streams",
    "LLMCompletionLogEvent": "raw completion logs",
    "StreamingDeltaEvent": "streaming deltas",
}
