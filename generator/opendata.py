"""Open data: the figures behind every leaderboard, run and comparison page,
as JSON and CSV with a documented, versioned schema (``docs/data-schema.md``,
JSON Schemas published under ``site/data/schema/``).

CSV cells that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'`` (OWASP
CSV injection guidance); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

SCHEMA_VERSION = "1"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell; text that starts like a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(round(value, 6)) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def to_json(data: Any) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS) + b"\n"


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


def leaderboard_rows(board) -> list[dict[str, Any]]:
    """One row per run of a leaderboard (ranked first), schema ``leaderboard.v1``."""
    return [run_row(rs, rank, rs.rank_group) for rank, rs in [*board.ranked, *[(None, r) for r in board.unranked]]]


def run_row(rs, rank: int | None = None, rank_group: int | None = None) -> dict[str, Any]:
    """A run's row of schema ``leaderboard.v1``; ``rank`` and ``rank_group`` come from its board."""
    return {
        "rank": rank,
        "rank_group": rank_group,
        "run_id": rs.run.id,
        "agent": rs.run.agent,
        "agent_name": rs.agent.name if rs.agent else None,
        "organisation": (rs.agent.organisation if rs.agent else None) or rs.run.submitter.organisation,
        "model": rs.run.model,
        "submitted": rs.run.submitted.isoformat() if rs.run.submitted else None,
        "score": _r(rs.score),
        "score_basis": rs.score_basis,
        "ci95": [_r(rs.ci95[0]), _r(rs.ci95[1])] if rs.ci95 else None,
        "ci_method": rs.ci_method,
        "declared_score": _r(rs.declared),
        "recomputed_score": _r(rs.recomputed),
        "score_excluding_infrastructure": _r(rs.score_excl_infra),
        "pass_hat_k": {str(k): _r(v) for k, v in rs.pass_hat.items()},
        "pass_at_k": {str(k): _r(v) for k, v in rs.pass_at.items()},
        "tasks": rs.tasks,
        "trials": rs.trials,
        "cost_usd": _r(rs.cost_usd),
        "cost_measured_tasks": rs.cost_tasks,
        "tokens": rs.tokens,
        "tokens_measured_tasks": rs.token_tasks,
        "duration_s": _r(rs.duration_s),
        "failures": dict(rs.failure_counts),
        "check_status": "error" if rs.errors else ("verified" if rs.verified else
                                                   ("claimed" if not rs.traces else "warning")),
        "errors": rs.errors,
        "warnings": rs.warnings,
        "deviations": sorted(rs.deviations),
        "url": rs.url,
    }


LEADERBOARD_CSV_COLUMNS = [
    "rank", "rank_group", "run_id", "agent", "agent_name", "organisation", "model", "submitted", "score",
    "ci95_low", "ci95_high", "ci_method", "declared_score", "recomputed_score", "score_excluding_infrastructure",
    "tasks", "trials", "cost_usd", "cost_measured_tasks", "tokens", "tokens_measured_tasks", "duration_s",
    "failures_model", "failures_code", "failures_infrastructure", "check_status", "errors", "warnings", "url",
]


def leaderboard_csv(rows: list[dict[str, Any]]) -> bytes:
    flat = []
    for r in rows:
        f = dict(r)
        f["ci95_low"], f["ci95_high"] = (r["ci95"] or [None, None])
        for cls in ("model", "code", "infrastructure"):
            f[f"failures_{cls}"] = r["failures"].get(cls, 0)
        flat.append(f)
    return to_csv(LEADERBOARD_CSV_COLUMNS, flat)


def leaderboard_json(board, rows: list[dict[str, Any]]) -> bytes:
    b = board.benchmark
    return to_json({
        "schema": f"tracesite/leaderboard/v{SCHEMA_VERSION}",
        "benchmark": {"id": b.id, "name": b.name, "version": b.version, "metric": b.metric.name,
                      "aggregation": b.metric.aggregation.value, "k": b.metric.k, "tasks": len(b.tasks)},
        "methods": {
            "ci95": "Wilson score interval for pass rates with one trial; otherwise percentile bootstrap over "
                    "tasks (2,000 resamples, clustered by task, seeded by run id)",
            "rank_group": "rows share a group unless significantly worse (alpha 0.05) than the group's leader on "
                          "shared tasks: exact McNemar for single-trial pass rates, else paired bootstrap",
        },
        "runs": rows,
    })


def run_rows(rs) -> list[dict[str, Any]]:
    return [{
        "task_id": t.task_id, "trial": t.trial, "trace_id": t.id, "status": t.status,
        "termination_reason": t.termination_reason, "score": _r(t.score), "passed": t.passed,
        "failure_class": t.failure.cls if t.failure else None, "failure_rule": t.failure.rule if t.failure else None,
        "failure_signature": t.failure_signature, "steps": t.steps, "deciding_step": t.deciding_step,
        "input_tokens": t.input_tokens, "output_tokens": t.output_tokens, "tokens": t.tokens,
        "cost_usd": _r(t.cost_usd), "duration_s": _r(t.duration_s), "url": t.url, "source_file": t.source_file,
    } for t in rs.traces]


def run_json(rs) -> bytes:
    """A run's data file, schema ``run.v1``. It depends on this run alone: ``rank`` and ``rank_group``
    are null here (they change with the other runs) and are given in the board's ``leaderboard.json``."""
    return to_json({
        "schema": f"tracesite/run/v{SCHEMA_VERSION}",
        "run": run_row(rs) if rs.benchmark else None,
        "checks": [{"rule": rule, "status": status, "findings": [
            {"file": f.file, "place": f.place, "severity": f.severity, "message": f.message} for f in fs]}
            for rule, _, status, fs in rs.checks],
        "traces": run_rows(rs),
    })


COMPARE_CSV_COLUMNS = ["task_id", "a_value", "b_value", "difference", "a_traces", "b_traces"]


def compare_rows(a, b, diffs) -> list[dict[str, Any]]:
    return [{"task_id": d.task_id, "a_value": _r(d.a_value), "b_value": _r(d.b_value),
             "difference": _r((d.a_value or 0) - (d.b_value or 0)),
             "a_traces": " ".join(t.url for t in d.a_traces), "b_traces": " ".join(t.url for t in d.b_traces)}
            for d in diffs]


def compare_json(a, b, rows: list[dict[str, Any]]) -> bytes:
    return to_json({
        "schema": f"tracesite/compare/v{SCHEMA_VERSION}",
        "a": {"run_id": a.run.id, "score": _r(a.score), "url": a.url},
        "b": {"run_id": b.run.id, "score": _r(b.score), "url": b.url},
        "shared_tasks": len(set(a.task_values) & set(b.task_values)),
        "disagreements": rows,
    })


def schemas() -> dict[str, bytes]:
    """The published JSON Schemas (``generator/schemas/*.json``), by file name."""
    from pathlib import Path

    folder = Path(__file__).parent / "schemas"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def _view_status(rs) -> dict[str, str]:
    """The checks badge of a leaderboard row, as ``macros.html`` ``status_badge`` writes it."""
    if rs.errors:
        return {"class": "bad", "text": f"{rs.errors} error{'s' if rs.errors != 1 else ''}",
                "title": "checks found errors"}
    if rs.verified:
        return {"class": "good", "text": "verified", "title": "all checks passed"}
    if not rs.traces:
        return {"class": "warn", "text": "claimed",
                "title": "no traces were submitted: the score is the submitter's claim"}
    return {"class": "warn", "text": f"{rs.warnings} warning{'s' if rs.warnings != 1 else ''}",
            "title": "checks passed with warnings"}


def _view_row(rank: int | None, rs) -> dict[str, Any]:
    from generator.render import fmt_num, fmt_score, fmt_time, fmt_usd

    agent = rs.agent
    org = (agent.organisation if agent else None) or rs.run.submitter.organisation
    submitted = fmt_time(rs.run.submitted) if rs.run.submitted else None
    claimed = (fmt_score(rs.declared) if rs.declared is not None and rs.recomputed is not None
               and abs(rs.declared - rs.recomputed) > 0.0005 else None)
    sig = rs.signature
    return {
        "id": rs.run.id,
        "rank": rank,
        "rank_error": rank is not None and bool(rs.errors),
        "group": rs.rank_group,
        "agent": agent.name if agent else rs.run.agent,
        "unregistered": agent is None,
        "model": rs.run.model,
        "org": org,
        "date": submitted[:10] if submitted else None,
        "submitted": fmt_time(rs.run.submitted),
        "url": rs.url,
        "score": _r(rs.score),
        "score_text": fmt_score(rs.score),
        "score_basis": rs.score_basis,
        "claimed": claimed,
        "ci": [_r(rs.ci95[0]), _r(rs.ci95[1])] if rs.ci95 else None,
        "ci_text": [fmt_score(rs.ci95[0]), fmt_score(rs.ci95[1])] if rs.ci95 else None,
        "ci_method": rs.ci_method,
        "excl": _r(rs.score_excl_infra),
        "excl_text": fmt_score(rs.score_excl_infra),
        "tasks": rs.tasks,
        "trials": rs.trials or None,
        "pass_hat": [[k, fmt_score(v)] for k, v in rs.pass_hat.items() if k > 1],
        "cost": _r(rs.cost_usd),
        "cost_text": fmt_usd(rs.cost_usd),
        "cost_tasks": rs.cost_tasks if rs.cost_usd is not None and rs.cost_tasks < rs.tasks else None,
        "tokens": rs.tokens,
        "tokens_text": fmt_num(rs.tokens),
        "token_tasks": rs.token_tasks if rs.tokens is not None and rs.token_tasks < rs.tasks else None,
        "failures": {cls: rs.failure_counts[cls] for cls in ("model", "code", "infrastructure")
                     if rs.failure_counts.get(cls)},
        "status": _view_status(rs),
        "verified": rs.verified,
        "signed": sig.message if sig is not None and getattr(sig, "status", None) == "valid" else None,
        "deviations": list(rs.deviations.values()),
        "open_weights": agent.open_weights if agent else None,
    }


def _marked(value: Any) -> Any:
    from generator.render import mark_invisible

    if isinstance(value, str):
        return mark_invisible(value)
    if isinstance(value, list):
        return [_marked(v) for v in value]
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    return value


def leaderboard_view(board, per_page: int) -> bytes:
    """``rows.json`` beside a leaderboard: what ``board.js`` needs to sort and filter every run of
    the board, not only those of the page it is on, and to draw their rows as the pages do.

    ``runs`` are in page order (ranked by rank, then the unranked), so run ``i`` (0-based) is on
    page ``i // per_page + 1``. Display text is formatted here exactly as on the pages, invisible
    characters marked the same way; compact JSON (this is not one of the versioned open-data
    files: ``leaderboard.json`` is)."""
    runs = [_view_row(rank, rs) for rank, rs in [*board.ranked, *[(None, r) for r in board.unranked]]]
    data = {"benchmark": board.benchmark.id, "per_page": per_page, "ranked": len(board.ranked),
            "runs": _marked(runs)}
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS) + b"\n"
