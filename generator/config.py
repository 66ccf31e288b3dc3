"""Project configuration: ``tracesite.yaml`` at the project root.

Every key is optional; see ``docs/configuration.md`` for the reference.
"""

from __future__ import annotations

from pydantic import Field

from generator.model import Strict

CONFIG_NAMES = ("tracesite.yaml", "tracesite.yml", "tracesite.json")


class Limits(Strict):
    """Rendering limits. ``steps_per_page``: a trace longer than this is split
    into pages. ``runs_per_page``: rows of a leaderboard page; a board with more
    runs continues on further pages (ranked runs first, then the unranked).
    ``collapse_chars``/``collapse_lines``: longer step content is
    collapsed behind ``<details>`` with its size shown. ``max_step_chars``:
    content beyond this is cut on the page, with the original size and sha256,
    and published whole beside it. ``max_file_bytes``/``max_run_bytes``: a
    trace file or a run folder larger than this is refused (bytes).
    ``max_markdown_chars``: a content page longer than this is refused.
    ``run_page_steps``/``run_page_chars``: short traces are shown on their
    run's page, until their steps (or the characters of their step contents)
    would pass these totals; the others get pages of their own (0: every trace
    on its own pages)."""

    steps_per_page: int = Field(default=500, ge=10, le=1_000_000)
    runs_per_page: int = Field(default=25, ge=1, le=100_000)
    max_file_bytes: int = Field(default=1 << 30, ge=1)
    max_run_bytes: int = Field(default=4 << 30, ge=1)
    max_markdown_chars: int = Field(default=1_000_000, ge=1)
    collapse_chars: int = Field(default=2000, ge=100, le=1 << 40)
    collapse_lines: int = Field(default=25, ge=5, le=1 << 40)
    max_step_chars: int = Field(default=50_000, ge=1000, le=1 << 40)
    run_page_steps: int = Field(default=300, ge=0, le=1_000_000)
    run_page_chars: int = Field(default=300_000, ge=0, le=1 << 40)


class Config(Strict):
    """The project's ``tracesite.yaml``.

    ``rank_runs_with_errors``: rank runs whose checks found errors (they are
    marked); by default they are listed below the ranking, unranked.
    ``score_tolerance``: largest difference (on the 0..1 scale) between a
    declared score and the one recomputed from traces that is not an error.
    ``require_signatures``: a run without a valid signature is an error.
    ``redact_personal_data``: replace email addresses and cookie headers
    in published text (secrets are always redacted).
    ``compare_top``: comparison pages are written for every pair among the
    top N runs of a board;
    ``compare_tasks``: side-by-side trace views per comparison;
    ``matrix_runs``: rows of the task matrix.
    ``base_url`` is used only for absolute links in feeds and the sitemap;
    pages link to each other relatively so the site works under any path.
    """

    title: str = "Agent leaderboard"
    description: str = ""
    base_url: str = ""
    theme: str = "default"
    rank_runs_with_errors: bool = False
    score_tolerance: float = Field(default=0.005, ge=0)
    require_signatures: bool = False
    redact_personal_data: bool = True
    compare_top: int = Field(default=5, ge=0)
    compare_tasks: int = Field(default=10, ge=0)
    matrix_runs: int = Field(default=100, ge=1)
    limits: Limits = Field(default_factory=Limits)
