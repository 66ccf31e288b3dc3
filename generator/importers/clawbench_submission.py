"""ClawBench (scoootscooob, the OpenClaw "deterministic-first" agent benchmark) leaderboard submissions.

Spec source: ``scoootscooob/clawbench`` (MIT): the writer of
``reports/artifacts/<name>.json`` (aggregate of ``clawbench/scorer.py`` and
``clawbench/stats.py`` results; score surfaces in ``CLAWBENCH_V0_4_SPEC.md``);
task fields follow ``clawbench/schemas.py`` (``TaskDefinition``). This is a
different benchmark from TIGER-AI-Lab's ClawBench (see ``clawbench.py``).

Shape: ``{submission_id (UUID), model ("provider/name"), provider, timestamp
(ISO 8601 with offset), openclaw_version, benchmark_version, environment{task_count,
pool, scenario, prompt_variant, judge_model, …}, overall_* metrics,
*_subset_score, tier_results[], scenario_results[], task_results[{task_id, runs,
scores[], mean_task_score, pass_at_1, pass_hat_k, mean_cost_usd, …}], certified,
environment_checksum (sha256)}``.

The file carries per-task *scores* but no trajectory (no transcript, no tool
calls), so it is metadata only: :meth:`drafts` returns one run with declared
scores and :meth:`traces` yields nothing. Normalisations:

- ``declared.overall`` = ``overall_score`` (the mean of the tasks'
  ``mean_task_score``; already a 0..1 fraction); the per-task
  ``mean_task_score`` go to ``metadata.task_scores``, not ``declared.tasks``
  (the site requires a trace for every declared task score, and the file has
  none); ``declared.cost_usd`` =
  ``overall_cost_usd`` (mean USD per task run); ``declared.pass_hat[k]`` =
  ``overall_pass_hat_k`` only when every task has the same number of runs ``k``.
- ``agent`` = ``openclaw-<model name>`` (the registry binds an agent id to its
  models; the harness is ``openclaw``, ``harness_version`` = ``openclaw_version``
  when not empty); ``benchmark`` = ``clawbench-openclaw``
  with ``benchmark_version``; ``run_id`` = ``<model>-<first 8 of submission_id>``
  as a slug; ``submitted`` = ``timestamp`` (UTC).
- Provenance (``environment_checksum``, ``certified``, ``environment``, the
  judge model) goes to ``environment``; the other ``overall_*`` metrics, subset
  scores, outcome histograms and per-task statistics (runs, per-run scores,
  pass@1, tokens, cost) go to ``metadata``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import num as _num
from generator.importers._webutil import parse_time, slug
from generator.jsonread import expect, load_json, pointer
from generator.model import DeclaredScores, RunDraft, Trace

_MARKERS = (b'"submission_id"', b'"task_results"')
_HEAD = 64 * 1024


def _looks_like_submission(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("submission_id"), str)
            and isinstance(doc.get("task_results"), list) and "overall_score" in doc)


class ClawBenchSubmission(Importer):
    name = "clawbench-submission"
    title = "ClawBench (scoootscooob / OpenClaw) leaderboard submission JSON"
    spec = "scoootscooob/clawbench: reports/artifacts/*.json, clawbench/scorer.py, clawbench/schemas.py"
    patterns = ("*.json with submission_id, overall_score and task_results",)
    priority = 40

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            return "a ClawBench submission is a single JSON file"
        if path.suffix.lower() != ".json":
            return "not a .json file"
        try:
            with path.open("rb") as fh:
                head = fh.read(_HEAD)
        except OSError as exc:
            return f"cannot read ({exc.strerror})"
        if not all(m in head for m in _MARKERS[:1]):
            return "no 'submission_id' near the start: not a ClawBench submission"
        try:
            doc = load_json(path)
        except InputError as exc:
            return f"not readable JSON: {exc.message}"
        if _looks_like_submission(doc):
            return None
        return "not a ClawBench submission (needs submission_id, overall_score and task_results)"

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        doc = load_json(Path(path), label)
        if not _looks_like_submission(doc):
            expect(doc, dict, label, "", "a ClawBench submission object")
            raise InputError(label, "/task_results", "expected a ClawBench submission (submission_id, "
                                                      "overall_score, task_results)")
        return
        yield  # pragma: no cover - metadata only: a submission holds no trajectories

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        label = str(path)
        doc = load_json(path, label)
        expect(doc, dict, label, "", "a ClawBench submission object")
        sid = expect(doc.get("submission_id"), str, label, "/submission_id", "'submission_id' as a string")
        model = expect(doc.get("model"), str, label, "/model", "'model' as a string")
        results = expect(doc.get("task_results"), list, label, "/task_results", "'task_results' as a list")
        overall = doc.get("overall_score")
        if overall is not None and _num(overall) is None:
            raise InputError(label, "/overall_score", "expected 'overall_score' as a number")

        tasks: list[str] = []
        scores: dict[str, float] = {}
        per_task: dict[str, Any] = {}
        runs_seen: set[int] = set()
        for i, tr in enumerate(results):
            place = pointer("task_results", i)
            expect(tr, dict, label, place, "a task result object")
            tid = tr.get("task_id")
            if not isinstance(tid, str) or not tid:
                raise InputError(label, place + "/task_id", "expected 'task_id' as a string")
            score = tr.get("mean_task_score")
            if score is not None and _num(score) is None:
                raise InputError(label, place + "/mean_task_score", "expected 'mean_task_score' as a number")
            run_scores = tr.get("scores")
            if run_scores is not None:
                expect(run_scores, list, label, place + "/scores", "'scores' as a list of numbers")
                for j, s in enumerate(run_scores):
                    if _num(s) is None:
                        raise InputError(label, f"{place}/scores/{j}", "expected a run score (number)")
            runs = tr.get("runs")
            if isinstance(runs, int) and not isinstance(runs, bool):
                runs_seen.add(runs)
            tasks.append(tid)
            if score is not None:
                scores[tid] = float(score)
            per_task[tid] = {k: tr[k] for k in (
                "tier", "family", "scenario", "subscenario", "pool", "runs", "scores", "pass_at_1", "pass_rate",
                "pass_hat_k", "mean_completion_score", "mean_trajectory_score", "mean_behavior_score",
                "mean_judge_score", "reliability_score", "mean_duration_ms", "mean_total_tokens", "mean_cost_usd",
                "delivery_outcome_counts", "failure_mode_counts") if k in tr}

        pass_hat: dict[int, float] = {}
        phk = _num(doc.get("overall_pass_hat_k"))
        if phk is not None and len(runs_seen) == 1:
            pass_hat[runs_seen.pop()] = phk

        submitted = None
        ts, _ = parse_time(doc.get("timestamp"))
        if isinstance(ts, dt.datetime):
            submitted = ts

        environment: dict[str, Any] = {}
        for key in ("environment_checksum", "certified", "environment", "judge_model", "openclaw_version", "provider"):
            if key in doc and doc[key] not in (None, ""):
                environment[key] = doc[key]
        metadata: dict[str, Any] = {"submission_id": sid}
        for key, value in doc.items():
            if key.startswith("overall_") or key.endswith("_subset_score") or key.endswith("_prompt_score") \
                    or key in ("public_dev_score", "official_hidden_score", "judge_task_coverage", "judge_error_count"):
                metadata[key] = value
        metadata["task_results"] = per_task
        metadata["task_scores"] = scores
        for key in ("tier_results", "scenario_results"):
            if isinstance(doc.get(key), list):
                metadata[f"{key}_count"] = len(doc[key])

        version = doc.get("benchmark_version") if isinstance(doc.get("benchmark_version"), str) else None
        oc_version = doc.get("openclaw_version") if isinstance(doc.get("openclaw_version"), str) else None
        resolved = str(path.resolve())
        return [RunDraft(
            run_id=slug(f"{model.split('/')[-1]}-{sid[:8]}"), agent=slug(f"openclaw-{model.split('/')[-1]}"),
            agent_name=f"OpenClaw ({model})",
            model=model, harness="openclaw", harness_version=oc_version or None,
            benchmark="clawbench-openclaw", benchmark_name="ClawBench (OpenClaw, scoootscooob)",
            benchmark_version=version or None, tasks=tasks, format=self.name, files=[resolved],
            names={resolved: path.name}, formats={resolved: self.name}, submitted=submitted,
            declared=DeclaredScores(overall=float(overall) if overall is not None else None,
                                    pass_hat=pass_hat, cost_usd=_num(doc.get("overall_cost_usd")),
                                    source=f"{path.name} overall_score"),
            environment=environment, metadata=metadata,
        )]
