"""Stage 4, analyse: small per-trace and per-run summaries, scores recomputed
from traces, and leaderboard rows.

Leaderboards are computed from these summaries, never by holding traces:
a :class:`TraceSummary` is a few hundred bytes whatever the trace's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from math import comb

from generator import stats
from generator.errors import Finding
from generator.failures import Classification, classify, signature, succeeded
from generator.model import Agent, Aggregation, Benchmark, Metric, Run, Trace


@dataclass(slots=True)
class TraceSummary:
    """What the run page and leaderboard need of one trace.

    ``url`` is the site path of the page holding the deciding step, with its
    anchor (``runs/r/traces/t.html#step-42``, or ``runs/r/index.html#t~t~step-42``
    for a trace shown on its run's page); ``page_urls`` the pages holding its
    steps, ``steps_per_page`` at a time (``page_count`` of them); ``anchor`` the
    prefix of its step ids on those pages.
    """

    id: str
    slug: str
    task_id: str
    trial: int
    status: str
    score: float | None
    passed: bool | None
    steps: int
    deciding_step: int | None
    url: str
    page_count: int
    input_tokens: int | None
    output_tokens: int | None
    tokens: int | None
    cost_usd: float | None
    duration_s: float | None
    failure: Classification | None
    source_file: str | None
    termination_reason: str | None
    failure_signature: str | None = None
    page_urls: list[str] = field(default_factory=list)
    steps_per_page: int = 1
    anchor: str = ""

    @property
    def inline(self) -> bool:
        """Shown on its run's page rather than on pages of its own."""
        return bool(self.anchor)

    def step_url(self, index: int) -> str:
        """Site path of 1-based step ``index`` with its anchor."""
        page = (max(index, 1) - 1) // self.steps_per_page
        return f"{self.page_urls[min(page, len(self.page_urls) - 1)]}#{self.anchor}step-{index}"


@dataclass
class RunSummary:
    """One run's figures. ``score`` is recomputed from traces when there are
    any (``score_basis`` says which), else the declared score."""

    run: Run
    agent: Agent | None
    benchmark: Benchmark | None
    traces: list[TraceSummary] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    score: float | None = None
    score_basis: str = "none"
    recomputed: float | None = None
    declared: float | None = None
    tasks: int = 0
    trials: int = 0
    cost_usd: float | None = None
    tokens: int | None = None
    duration_s: float | None = None
    failure_counts: dict[str, int] = field(default_factory=dict)
    pass_hat: dict[int, float] = field(default_factory=dict)
    pass_at: dict[int, float] = field(default_factory=dict)
    task_values: dict[str, float] = field(default_factory=dict)
    binary: bool = False
    ci95: tuple[float, float] | None = None
    ci_method: str | None = None
    rank_group: int | None = None
    score_excl_infra: float | None = None
    trial_scores: list[float] = field(default_factory=list)
    cost_tasks: int = 0
    token_tasks: int = 0
    duration_tasks: int = 0
    url: str = ""
    findings: list[Finding] = field(default_factory=list)
    own_findings: list[Finding] = field(default_factory=list)  # this run's, without shared registry findings
    checks: list = field(default_factory=list)
    deviations: dict[str, str] = field(default_factory=dict)
    signature: object = None

    @property
    def verified(self) -> bool:
        """Exactly "all checks passed": traces present and no finding at all."""
        return bool(self.traces) and not self.findings

    @property
    def ok(self) -> bool:
        return self.errors == 0


def summarise_trace(trace: Trace, slug: str, page_urls: list[str], steps_per_page: int, anchor: str,
                    threshold: float) -> TraceSummary:
    """The summary of a trace whose steps are on ``page_urls`` (``steps_per_page`` each), step ids
    prefixed with ``anchor``; its ``url`` points at the deciding step, else at the trace's start."""
    passed = None if trace.score is None else succeeded(trace, threshold)
    failure = classify(trace, threshold)
    ts = TraceSummary(
        id=trace.id, slug=slug, task_id=trace.task_id, trial=trace.trial, status=trace.status,
        score=trace.score, passed=passed, steps=len(trace.steps), deciding_step=trace.deciding_step,
        url="", page_count=len(page_urls), page_urls=page_urls, steps_per_page=steps_per_page, anchor=anchor,
        input_tokens=trace.usage.input_tokens, output_tokens=trace.usage.output_tokens,
        tokens=trace.usage.tokens(), cost_usd=trace.usage.cost_usd, duration_s=trace.duration_s,
        failure=failure, source_file=trace.source_file,
        termination_reason=trace.termination_reason,
        failure_signature=signature(trace, failure) if failure else None,
    )
    if trace.deciding_step:
        ts.url = ts.step_url(trace.deciding_step)
    else:
        ts.url = page_urls[0] + (f"#{anchor[:-1]}" if anchor else "")  # the trace's section: "t~<slug>"
    return ts


def pass_hat_k(results: dict[str, list[bool]], k: int) -> float | None:
    """pass^k (tau-bench): mean over tasks of C(c, k) / C(n, k), tasks with n >= k only."""
    vals = [comb(sum(r), k) / comb(len(r), k) for r in results.values() if len(r) >= k]
    return sum(vals) / len(vals) if vals else None


def run_score(traces: list[TraceSummary], metric: Metric) -> float | None:
    """The run's score from its traces under ``metric``; None when no trace is scored."""
    by_task: dict[str, list[TraceSummary]] = defaultdict(list)
    for t in traces:
        if t.score is not None or t.status != "completed":
            by_task[t.task_id].append(t)
    if not by_task:
        return None
    if metric.aggregation == Aggregation.pass_hat_k:
        return pass_hat_k({k: [bool(t.passed) for t in v] for k, v in by_task.items()}, metric.k)
    # An attempt that errored without a score counts as 0: errors are not free passes.
    per_task = [sum((t.score or 0.0) for t in v) / len(v) for v in by_task.values()]
    return sum(per_task) / len(per_task)


def _total(values):
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def finish_run(summary: RunSummary) -> RunSummary:
    """Fill the run-level figures from its trace summaries and declared scores."""
    metric = summary.benchmark.metric if summary.benchmark else Metric()
    ts = summary.traces
    summary.tasks = len({t.task_id for t in ts}) or len(summary.run.declared.tasks)
    trials: dict[str, int] = defaultdict(int)
    for t in ts:
        trials[t.task_id] += 1
    summary.trials = max(trials.values()) if trials else 0
    summary.recomputed = run_score(ts, metric)
    summary.declared = summary.run.declared.overall
    if summary.recomputed is not None:
        summary.score, summary.score_basis = summary.recomputed, "traces"
    elif summary.run.declared.tasks:
        vals = list(summary.run.declared.tasks.values())
        summary.score, summary.score_basis = sum(vals) / len(vals), "declared task results"
    elif summary.declared is not None:
        summary.score, summary.score_basis = summary.declared, "declared"
    summary.cost_usd = _total(t.cost_usd for t in ts)
    if summary.cost_usd is None and summary.run.declared.cost_usd is not None and summary.tasks:
        summary.cost_usd = summary.run.declared.cost_usd * summary.tasks
    summary.tokens = _total(t.tokens for t in ts)
    summary.duration_s = _total(t.duration_s for t in ts)
    counts: dict[str, int] = {"model": 0, "code": 0, "infrastructure": 0}
    for t in ts:
        if t.failure:
            counts[t.failure.cls] += 1
    summary.failure_counts = counts
    if trials:
        results: dict[str, list[bool]] = defaultdict(list)
        for t in ts:
            results[t.task_id].append(bool(t.passed))
        for k in range(1, summary.trials + 1):
            v = pass_hat_k(results, k)
            if v is not None:
                summary.pass_hat[k] = v
            v = stats.pass_at_k(results, k)
            if v is not None:
                summary.pass_at[k] = v
    summary.cost_tasks = len({t.task_id for t in ts if t.cost_usd is not None})
    summary.token_tasks = len({t.task_id for t in ts if t.tokens is not None})
    summary.duration_tasks = len({t.task_id for t in ts if t.duration_s is not None})
    _uncertainty(summary, metric)
    return summary


def task_values(traces: list[TraceSummary], metric: Metric) -> dict[str, float]:
    """Per-task value whose mean over tasks is the run's score under ``metric``."""
    by_task: dict[str, list[TraceSummary]] = defaultdict(list)
    for t in traces:
        if t.score is not None or t.status != "completed":
            by_task[t.task_id].append(t)
    if metric.aggregation == Aggregation.pass_hat_k:
        return stats.pass_hat_k_per_task({k: [bool(t.passed) for t in v] for k, v in by_task.items()}, metric.k)
    return {k: sum((t.score or 0.0) for t in v) / len(v) for k, v in by_task.items()}


def _uncertainty(summary: RunSummary, metric: Metric) -> None:
    """Interval, per-task values, trial spread and the score without infrastructure failures."""
    ts = summary.traces
    if ts:
        summary.task_values = task_values(ts, metric)
    elif summary.run.declared.tasks:
        summary.task_values = dict(summary.run.declared.tasks)
    values = summary.task_values
    if not values:
        return
    summary.binary = stats.is_binary_single_trial(values, summary.trials) and metric.aggregation == Aggregation.mean
    if summary.binary:
        summary.ci95 = stats.wilson(int(sum(values.values())), len(values))
        summary.ci_method = "Wilson score interval"
    else:
        summary.ci95 = stats.bootstrap_mean_ci([values[k] for k in sorted(values)], stats.seed_for(summary.run.id))
        summary.ci_method = "bootstrap over tasks" + (" (clustered by task)" if summary.trials > 1 else "")
    if ts:
        kept = [t for t in ts if not (t.failure and t.failure.cls == "infrastructure")]
        summary.score_excl_infra = run_score(kept, metric) if kept else None
        by_trial: dict[int, list[TraceSummary]] = defaultdict(list)
        for t in ts:
            by_trial[t.trial].append(t)
        if len(by_trial) > 1:
            summary.trial_scores = [s for _, group in sorted(by_trial.items())
                                    if (s := run_score(group, metric)) is not None]


@dataclass
class Leaderboard:
    benchmark: Benchmark
    ranked: list[tuple[int, RunSummary]]
    unranked: list[RunSummary]
    url: str = ""


def leaderboard(benchmark: Benchmark, runs: list[RunSummary], rank_with_errors: bool) -> Leaderboard:
    """Rank runs by score (ties share a rank) and assign rank groups; runs with
    errors or no score are listed unranked unless ``rank_with_errors``."""
    sign = -1 if benchmark.metric.higher_is_better else 1
    def rankable_run(r: RunSummary) -> bool:
        return r.score is not None and (r.ok or rank_with_errors)
    # Split by the test, not by membership: `in` would compare summaries field by field, n² times.
    rankable = [r for r in runs if rankable_run(r)]
    rest = [r for r in runs if not rankable_run(r)]
    rankable.sort(key=lambda r: (sign * r.score, r.run.id))
    ranked: list[tuple[int, RunSummary]] = []
    for i, r in enumerate(rankable):
        rank = ranked[-1][0] if ranked and ranked[-1][1].score == r.score else i + 1
        ranked.append((rank, r))
    groups = stats.rank_groups([(r.run.id, r.task_values, r.binary) for r in rankable])
    for r in rankable:
        r.rank_group = groups.get(r.run.id)
    rest.sort(key=lambda r: r.run.id)
    return Leaderboard(benchmark, ranked, rest)
