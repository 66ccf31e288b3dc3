"""Comparisons across runs (part of the *analyse* stage; no HTML here):
recurring failure patterns, the runs × tasks matrix, the tasks two runs
disagree on, and the step alignment of two attempts at one task.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from generator.aggregate import Leaderboard, RunSummary, TraceSummary
from generator.model import Step
from generator.plan import natural_key


@dataclass
class FailurePattern:
    """Failures of one class with the same shape, across the runs of a benchmark."""

    cls: str
    signature: str
    traces: list[tuple[RunSummary, TraceSummary]] = field(default_factory=list)

    @property
    def runs(self) -> list[str]:
        return sorted({rs.run.id for rs, _ in self.traces})


def failure_patterns(runs: list[RunSummary]) -> list[FailurePattern]:
    """Patterns ordered by how many runs they hit, then how often, then class and shape."""
    by_key: dict[tuple[str, str], FailurePattern] = {}
    for rs in runs:
        for t in rs.traces:
            if t.failure is None:
                continue
            key = (t.failure.cls, t.failure_signature or "")
            by_key.setdefault(key, FailurePattern(*key)).traces.append((rs, t))
    return sorted(by_key.values(), key=lambda p: (-len(p.runs), -len(p.traces), p.cls, p.signature))


def matrix_tasks(board: Leaderboard, runs: list[RunSummary]) -> list[str]:
    tasks = list(board.benchmark.tasks)
    seen = set(tasks)
    for rs in runs:
        for t in rs.traces:
            if t.task_id not in seen:
                seen.add(t.task_id)
                tasks.append(t.task_id)
    return sorted(tasks, key=natural_key) if not board.benchmark.tasks else tasks


def cells_by_task(rs: RunSummary) -> dict[str, list[TraceSummary]]:
    out: dict[str, list[TraceSummary]] = defaultdict(list)
    for t in rs.traces:
        out[t.task_id].append(t)
    return out


@dataclass
class Disagreement:
    task_id: str
    a_value: float | None
    b_value: float | None
    a_traces: list[TraceSummary]
    b_traces: list[TraceSummary]


def disagreements(a: RunSummary, b: RunSummary, threshold: float = 1e-9) -> list[Disagreement]:
    """Tasks both runs attempted whose per-task values differ, largest difference first."""
    ca, cb = cells_by_task(a), cells_by_task(b)
    out = []
    for task in sorted(set(a.task_values) & set(b.task_values), key=natural_key):
        va, vb = a.task_values[task], b.task_values[task]
        if abs(va - vb) > threshold:
            out.append(Disagreement(task, va, vb, ca.get(task, []), cb.get(task, [])))
    out.sort(key=lambda d: (-abs((d.a_value or 0) - (d.b_value or 0)), natural_key(d.task_id)))
    return out


def comparison_pairs(board: Leaderboard, top_k: int) -> list[tuple[RunSummary, RunSummary]]:
    """Every pair among the top ``top_k`` ranked runs with traces.

    Pages for every pair of a large board would grow with its square; any
    other two runs are compared from their ``run.json`` per-task data.
    """
    top = [rs for _, rs in board.ranked if rs.traces][:top_k]
    return [(a, b) for i, a in enumerate(top) for b in top[i + 1:]]


def _step_key(step: Step) -> tuple:
    name = step.tool_call.function if step.tool_call else (step.title or "")
    return (step.kind.value, step.actor or "", name)


@dataclass
class AlignedRow:
    a: Step | None
    b: Step | None
    same: bool


def align_steps(a: list[Step], b: list[Step]) -> tuple[list[AlignedRow], int | None]:
    """Rows pairing the steps of two attempts by kind, actor and tool name
    (difflib's longest matching blocks), and the index of the first row where
    they diverge (None when they never do)."""
    matcher = difflib.SequenceMatcher(a=[_step_key(s) for s in a], b=[_step_key(s) for s in b], autojunk=False)
    rows: list[AlignedRow] = []
    first: int | None = None
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for sa, sb in zip(a[i1:i2], b[j1:j2]):
                same = (sa.content or "") == (sb.content or "") and \
                    (sa.tool_call.arguments if sa.tool_call else None) == (sb.tool_call.arguments if sb.tool_call else None)
                if not same and first is None:
                    first = len(rows)
                rows.append(AlignedRow(sa, sb, same))
        else:
            if first is None:
                first = len(rows)
            left, right = a[i1:i2], b[j1:j2]
            for k in range(max(len(left), len(right))):
                rows.append(AlignedRow(left[k] if k < len(left) else None, right[k] if k < len(right) else None, False))
    return rows, first
