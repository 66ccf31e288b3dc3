"""``tracesite init``: a new leaderboard project that builds at once.

Writes a config, an empty registry with commented examples, a home page and
a method page in ``content/``, and an empty ``traces/``. Existing files are
never overwritten.
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    "tracesite.yaml": """\
# tracesite project configuration (see docs/configuration.md)
title: {title}
description: Agent leaderboard where every score links to the trace steps that earned it.
# Rank runs whose checks found errors (they are marked)? Default: list them unranked.
rank_runs_with_errors: false
limits:
  steps_per_page: 500
""",
    "registry/agents.yaml": """\
# Registered agents: agent + harness + model(s). `tracesite import` adds stubs
# (stub: true) for ids it has not seen; fill them in and remove `stub`.
# my-agent:
#   name: My Agent
#   organisation: Example Lab
#   harness: inspect_ai
#   harness_version: 0.3.100
#   models: [openai/gpt-4o]
""",
    "registry/benchmarks.yaml": """\
# Benchmarks: version, task set, and how a run's score is aggregated.
# my-benchmark:
#   name: My Benchmark
#   version: "1.0"
#   task_source: https://example.org/tasks (commit abc123)
#   tasks: [task-1, task-2]
#   metric: {name: success rate, aggregation: mean, success_threshold: 1.0}
""",
    "content/index.md": """\
---
title: {title}
order: 0
---
# {title}

Every score on this site links to its evidence: the run, the trace of each
task attempt, and the exact step that decided the score.
""",
    "content/method.md": """\
---
title: Method
order: 10
description: How runs are checked and scored.
---
# Method

Runs are submitted as trace files with their sha256. The build recomputes each
score from the traces, checks that the agent and benchmark are registered and
that every file is unchanged, and classifies every failed task as a model,
code or infrastructure failure.
""",
    "traces/.gitkeep": "",
}


def init_project(target: Path, title: str = "Agent leaderboard") -> list[str]:
    """Create the project files under ``target``; returns the paths written.

    Raises FileExistsError when ``target`` already holds a tracesite project.
    """
    if (target / "tracesite.yaml").exists():
        raise FileExistsError(f"{target} already has a tracesite.yaml")
    written = []
    for rel, text in FILES.items():
        path = target / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{title}", title), encoding="utf-8")
        written.append(rel)
    return written
