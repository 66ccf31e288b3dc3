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
    "content/contributing.md": """\
---
title: Submit a run
order: 20
description: How to submit a run to this leaderboard by pull request.
---
# Submit a run

Runs are submitted by pull request. Every score must come with the traces
that earned it.

1. Install tracesite and fork this repository.
2. Import your traces; the formats are listed by `tracesite formats`:

   ```sh
   tracesite import path/to/your/logs --run my-agent-2026-01 --agent my-agent --benchmark BENCH
   ```

   This copies the files into `traces/<run>/`, records each file's sha256 in
   `traces/<run>/run.yaml`, and registers unknown agents and benchmarks as
   stubs in `registry/`.
3. Fill in `registry/agents.yaml` (name, organisation, harness and version,
   models) and remove `stub: true`. Add to `run.yaml` who submitted the run,
   its dates, the scores you claim under `declared`, and any deviation from
   the benchmark's protocol under `deviations`, with a reason.
4. Run the same checks as the maintainers:

   ```sh
   tracesite check
   ```

   Every problem is printed with the file, the place in it and what was
   expected. Fix every error; the pull request's check runs the same command.
5. Optionally sign the run: `tracesite sign RUN --key ~/.ssh/id_ed25519`, and
   ask the maintainers to add your public key to `registry/allowed_signers`.

What the checks verify: the agent and the benchmark are registered; every
task of the task set has a trace; every file matches its sha256; every
declared score matches the score recomputed from the traces; successes show
the evidence the benchmark requires; settings match the protocol.
""",
    ".github/workflows/tracesite.yml": """\
# Checks every pull request with `tracesite check` (annotations on the changed
# files) and publishes site/ to GitHub Pages from main.
name: tracesite
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      # Pin the tracesite version your leaderboard is built with.
      - run: pip install "${TRACESITE_SPEC:-tracesite}"
      - run: tracesite check --format github
  deploy:
    if: github.event_name == 'push' && github.ref == 'refs/heads/main'
    needs: check
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install "${TRACESITE_SPEC:-tracesite}"
      - run: tracesite build
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site
      - id: deployment
        uses: actions/deploy-pages@v4
""",
    "registry/allowed_signers": """\
# Public keys allowed to sign runs (ssh-keygen ALLOWED SIGNERS format):
# jane@example.org namespaces="tracesite-run" ssh-ed25519 AAAA...
""",
    ".gitignore": "site/\n",
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
