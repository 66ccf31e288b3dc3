"""Failure analysis: classify a failed or errored attempt as a *model*,
*code* or *infrastructure* failure, with the steps that show it.

Rules, first match wins (documented in ``docs/failure-analysis.md``):

1. infrastructure: the termination reason, the trace error or an error
   step names the environment: out of memory or disk, a crashed browser or
   container, a missing service, a network error, a rate limit, a timeout
   imposed by the environment (``infrastructure_error``,
   ``exit_environment_error``, ``exit_api``, ``ConnectionError``…);
2. code: the harness itself failed: ``agent_error``/``user_error``/
   ``unexpected_error``, a Python exception name or traceback in the error,
   an adapter, validator, runner or submission client error;
3. model: everything else that did not succeed: a wrong answer, a step or
   context limit reached, a format error, giving up.

A trace that succeeded has no failure class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from generator.model import StepKind, Trace

FailureClass = Literal["model", "code", "infrastructure"]

_INFRA = re.compile(
    r"infrastructure_error|exit_environment_error|exit_api\b|out of memory|\boom\b|oomkilled|"
    r"no space left|disk (?:quota|full)|browser (?:crash|closed|disconnected)|target (?:page|crashed)|"
    r"container (?:crash|died|exited)|connection(?:error| refused| reset| aborted)|network (?:error|unreachable)|"
    r"name resolution|service unavailable|\b50[234]\b|rate.?limit|\b429\b|too many requests|"
    r"environment timeout|sandbox (?:timeout|error)|docker",
    re.IGNORECASE,
)
_CODE = re.compile(
    r"agent_error|user_error|unexpected_error|traceback \(most recent call last\)|"
    r"\b(?:KeyError|TypeError|AttributeError|ValueError|IndexError|NameError|AssertionError|"
    r"ImportError|ModuleNotFoundError|NotImplementedError|JSONDecodeError|ValidationError)\b|"
    r"adapter|validator|submission client|runner (?:error|failed)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Classification:
    """A failure class, the rule that matched, and the 1-based step indexes that show it."""

    cls: FailureClass
    rule: str
    steps: list[int] = field(default_factory=list)
    override_reason: str | None = None


def succeeded(trace: Trace, threshold: float) -> bool:
    return trace.score is not None and trace.score >= threshold and trace.status == "completed"


def classify(trace: Trace, threshold: float = 1.0) -> Classification | None:
    """Classify a trace that did not succeed; None for a success or an unscored completed trace."""
    if succeeded(trace, threshold):
        return None
    if trace.score is None and trace.status == "completed":
        return None
    error_steps = [s for s in trace.steps if s.kind == StepKind.error or s.is_error]
    texts = [trace.termination_reason or "", trace.error or ""]
    for pattern, cls in ((_INFRA, "infrastructure"), (_CODE, "code")):
        for text in texts:
            if text and (m := pattern.search(text)):
                shown = [s.index for s in error_steps if pattern.search(s.content or "")] or \
                        [s.index for s in error_steps][-1:]
                return Classification(cls, f"{cls}: {m.group(0)!r} in the trace's ending", shown)
        hits = [s for s in error_steps if s.kind == StepKind.error and pattern.search(s.content or "")]
        if hits and trace.status in ("error", "incomplete"):
            m = pattern.search(hits[-1].content)
            return Classification(cls, f"{cls}: {m.group(0)!r} in an error step", [s.index for s in hits])
    if trace.status == "error":
        return Classification("code", "code: the harness reported an error it did not attribute",
                              [s.index for s in error_steps][-3:])
    shown = [trace.deciding_step] if trace.deciding_step else []
    if trace.status == "limit":
        return Classification("model", f"model: stopped by a limit ({trace.termination_reason or 'limit'})", shown)
    return Classification("model", "model: completed but the scorer did not accept the result", shown)


_VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]+|\b[0-9a-f]{8,}\b"), "#"),          # addresses, hashes, ids
    (re.compile(r"(?:/[\w.-]+)+"), "/…"),                              # paths
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),                      # quoted values
    (re.compile(r"\d+(?:\.\d+)?"), "N"),                                  # numbers
    (re.compile(r"\s+"), " "),
]


def signature(trace: Trace, cls: Classification) -> str:
    """The shape of a failure, for grouping recurring patterns across runs:
    the first line of the error (or of the last error step, or the
    termination reason) with numbers, ids, paths and quoted values replaced,
    prefixed by the failing tool's name where a tool result failed."""
    text = trace.error or ""
    errors = [s for s in trace.steps if s.kind == StepKind.error or s.is_error]
    if not text and errors:
        text = errors[-1].content or errors[-1].title or ""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    # For a Python traceback the last line names the exception; otherwise the first line says most.
    line = lines[-1] if lines and lines[0].startswith("Traceback") else (lines[0] if lines else "")
    if not line:
        if cls.cls == "model" and trace.status == "completed":
            line = "the scorer rejected the result"
        else:
            line = trace.termination_reason or cls.cls
    for pattern, repl in _VOLATILE:
        line = pattern.sub(repl, line)
    tool = next((s.title or (s.tool_call.function if s.tool_call else None) for s in reversed(errors)
                 if s.kind == StepKind.tool_result), None)
    shape = line.strip()[:160]
    return f"{tool}: {shape}" if tool else shape
