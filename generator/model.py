"""The one data model every stage shares (pydantic v2).

Registry and run metadata (``Agent``, ``Benchmark``, ``Run``) are what people
edit in pull requests, as YAML or JSON. ``Trace`` and ``Step`` are what the
importers produce from the formats agent harnesses write; they are never
written back to disk by tracesite.

Units: durations in seconds, costs in USD, usage in tokens, timestamps are
timezone-aware UTC ``datetime`` values (importers normalise; a zone-less
timestamp is taken as UTC and the trace says so in ``notes``).

Step kinds follow the names used by OpenTelemetry GenAI and Inspect AI where
they exist (``model_call`` is a GenAI "chat"/Inspect ``model`` event,
``tool_call``/``tool_result`` are GenAI ``execute_tool``).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class Strict(BaseModel):
    """Metadata models reject unknown keys so typos in YAML are reported."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class StepKind(str, Enum):
    message = "message"
    model_call = "model_call"
    tool_call = "tool_call"
    tool_result = "tool_result"
    terminal_command = "terminal_command"
    browser_event = "browser_event"
    api_call = "api_call"
    observation = "observation"
    submission = "submission"
    score = "score"
    error = "error"


# --------------------------------------------------------------------------
# Registry: agents and benchmarks
# --------------------------------------------------------------------------


class Agent(Strict):
    """A registered agent identity: agent + harness + model(s).

    ``open_weights``: whether the model weights are openly available (None:
    not known); leaderboards can be filtered on it.
    ``stub`` is true for identities that ``tracesite import`` registered on its
    own; ``tracesite check`` reports them as incomplete until a person fills
    them in.
    """

    id: str = Field(pattern=ID_PATTERN)
    name: str
    organisation: str | None = None
    harness: str | None = None
    harness_version: str | None = None
    models: list[str] = Field(default_factory=list)
    open_weights: bool | None = None
    url: str | None = None
    description: str | None = None
    stub: bool = False


class Aggregation(str, Enum):
    """How a run's score is aggregated from task results.

    ``mean``: mean over tasks of the mean score over that task's trials.
    ``pass_hat_k``: pass^k (tau-bench): per task C(c, k)/C(n, k) for c
    successes in n trials, averaged over tasks.
    """

    mean = "mean"
    pass_hat_k = "pass^k"


class Metric(Strict):
    """The score a leaderboard ranks by. ``success_threshold``: a task attempt
    whose score is at least this counts as a success (for pass^k and the
    pass/fail colouring)."""

    name: str = "score"
    aggregation: Aggregation = Aggregation.mean
    k: int = Field(default=1, ge=1)
    success_threshold: float = 1.0
    higher_is_better: bool = True


class EvidenceRule(Strict):
    """What a successful attempt must show, e.g. ``{kind: tool_call, name: submit}``.

    ``kind``: the step kind required; ``name``: the tool function name (tool
    calls) ; ``host``: a host that must appear in the step (API calls, browser
    events); ``pattern``: a regular expression the step content must match;
    ``after_last_edit``: the step must come after the last file edit (for
    example a test command run after the last change).
    """

    kind: StepKind
    name: str | None = None
    host: str | None = None
    pattern: str | None = None
    after_last_edit: bool = False
    description: str | None = None


class Benchmark(Strict):
    """A benchmark version: its task set, where the tasks come from, and the metric.

    ``tasks_sha256``: sha256 of the sorted task ids joined by newlines (with a
    final newline), so an edited task set is caught. ``protocol``: the settings
    every run must use (``trials``, ``max_steps``, ``time_limit_s``,
    ``retries``, ``user_simulator``, ``judge_model``…), compared with each
    run's ``environment``. ``evidence``: what a successful attempt must show.
    """

    id: str = Field(pattern=ID_PATTERN)
    name: str
    version: str | None = None
    description: str | None = None
    task_source: str | None = None
    tasks: list[str] = Field(default_factory=list)
    metric: Metric = Field(default_factory=Metric)
    tasks_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    protocol: dict[str, Any] = Field(default_factory=dict)
    evidence: list[EvidenceRule] = Field(default_factory=list)
    url: str | None = None
    stub: bool = False


class Registry(BaseModel):
    """The registered agents and benchmarks by id.

    ``invalid`` keeps, per file (``agents``, ``benchmarks``), the entries that
    are in the file but failed validation: id -> their first problem
    (``registry/agents.yaml /x/organization: unknown key …``), so a run naming
    one is told its entry is invalid rather than missing. ``unreadable`` maps a
    file that could not be read at all (a YAML error, not a list or mapping) to
    why, so a run is told the registry could not be read.
    """

    agents: dict[str, Agent] = Field(default_factory=dict)
    benchmarks: dict[str, Benchmark] = Field(default_factory=dict)
    invalid: dict[str, dict[str, str]] = Field(default_factory=dict)
    unreadable: dict[str, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------
# Runs: one metadata file per run, ``traces/<run>/run.yaml``
# --------------------------------------------------------------------------


class TraceFile(Strict):
    """A file of a run, relative to the run folder, with the sha256 recorded at import."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    format: str | None = None
    bytes: int | None = None


class Submitter(Strict):
    name: str | None = None
    organisation: str | None = None
    url: str | None = None


class DeclaredScores(Strict):
    """Scores the submitter claims. ``overall`` is on the benchmark metric's
    scale (0..1 for a pass rate); ``tasks`` maps task id to a score;
    ``pass_hat`` maps k to pass^k."""

    overall: float | None = None
    tasks: dict[str, float] = Field(default_factory=dict)
    pass_hat: dict[int, float] = Field(default_factory=dict)
    cost_usd: float | None = None
    source: str | None = None


class FailureOverride(Strict):
    """A person's correction of an automatic failure class, with the reason."""

    cls: Literal["model", "code", "infrastructure"] = Field(alias="class")
    reason: str


class Run(Strict):
    """One attempt by a registered agent on a benchmark's tasks.

    ``deviations`` declares, with a reason, each setting in which the run
    differs from the benchmark's protocol (an undeclared difference is an
    error). ``failure_overrides`` maps a trace id to a corrected failure class.
    """

    id: str = Field(pattern=ID_PATTERN)
    agent: str
    model: str | None = None
    benchmark: str
    benchmark_version: str | None = None
    environment: dict[str, Any] = Field(default_factory=dict)
    submitter: Submitter = Field(default_factory=Submitter)
    started: dt.date | dt.datetime | None = None
    submitted: dt.date | dt.datetime | None = None
    description: str | None = None
    declared: DeclaredScores = Field(default_factory=DeclaredScores)
    files: list[TraceFile] = Field(default_factory=list)
    deviations: dict[str, str] = Field(default_factory=dict)
    failure_overrides: dict[str, FailureOverride] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------
# Traces and steps: produced by importers
# --------------------------------------------------------------------------


class Usage(BaseModel):
    """Token usage (tokens) and cost (USD)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None

    def tokens(self) -> int | None:
        if self.total_tokens is not None:
            return self.total_tokens
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)


class ToolCall(BaseModel):
    """A tool invocation (GenAI ``gen_ai.tool.call.*``; Inspect ``ToolCall``)."""

    id: str | None = None
    function: str
    arguments: Any = None


class Step(BaseModel):
    """One step of a trace.

    ``index`` is the 1-based position in the trace and gives the stable
    anchor ``step-<index>``. ``source`` is the place in the input file the
    step came from (a JSON pointer such as ``/samples/0/events/12``, or
    ``line 7``) so a reader can check it against the raw file.
    """

    index: int = 0
    kind: StepKind
    actor: str | None = None
    timestamp: dt.datetime | None = None
    title: str | None = None
    content: str = ""
    tool_call: ToolCall | None = None
    tool_call_id: str | None = None
    is_error: bool = False
    model: str | None = None
    usage: Usage | None = None
    duration_s: float | None = None
    source: str | None = None

    @property
    def anchor(self) -> str:
        return f"step-{self.index}"


TraceStatus = Literal["completed", "error", "limit", "incomplete"]


class Trace(BaseModel):
    """The audit record of one attempt (trial/epoch) at one task.

    ``status``: how the attempt ended: ``completed`` (the agent finished and
    was scored), ``error`` (harness or infrastructure error), ``limit`` (a
    step, time, token or cost limit stopped it), ``incomplete`` (the record
    stops without an ending). ``score`` is the scorer's value for this attempt
    (0..1 for pass/fail benchmarks) or None when the file carries none.
    ``deciding_step`` is the index of the step that decided the score.
    """

    id: str
    task_id: str
    trial: int = 1
    status: TraceStatus = "completed"
    termination_reason: str | None = None
    score: float | None = None
    score_source: str | None = None
    scorer_explanation: str | None = None
    submission: str | None = None
    error: str | None = None
    agent: str | None = None
    model: str | None = None
    usage: Usage = Field(default_factory=Usage)
    duration_s: float | None = None
    started_at: dt.datetime | None = None
    deciding_step: int | None = None
    steps: list[Step] = Field(default_factory=list)
    source_file: str | None = None
    source_pointer: str | None = None
    notes: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("steps")
    @classmethod
    def _number_steps(cls, steps: list[Step]) -> list[Step]:
        for i, step in enumerate(steps, start=1):
            step.index = i
        return steps


class RunDraft(BaseModel):
    """What an importer can tell about a run from its files, before import.

    ``files`` are absolute source paths that belong to this run; ``names``
    maps each to its path inside the run folder. Any field may be None: the
    ``import`` command fills it from its options or stops with an error.
    """

    run_id: str | None = None
    agent: str | None = None
    agent_name: str | None = None
    organisation: str | None = None
    model: str | None = None
    harness: str | None = None
    harness_version: str | None = None
    benchmark: str | None = None
    benchmark_name: str | None = None
    benchmark_version: str | None = None
    tasks: list[str] = Field(default_factory=list)
    format: str
    files: list[str] = Field(default_factory=list)
    names: dict[str, str] = Field(default_factory=dict)
    formats: dict[str, str] = Field(default_factory=dict)
    submitter: Submitter = Field(default_factory=Submitter)
    submitted: dt.date | dt.datetime | None = None
    declared: DeclaredScores = Field(default_factory=DeclaredScores)
    environment: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
