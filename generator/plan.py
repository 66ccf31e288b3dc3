"""Stage 5, plan: every output path is decided here, before rendering.

Paths come from safe slugs of ids; two things that would write the same
path (compared case-insensitively, as on macOS and Windows hosts) are an
error, never an overwrite. Trace ids of one run that differ only in case
("Task-1", "task-1") are not an error: the first in the run's file order keeps
its slug, a later one gets a suffix from a hash of its exact id
(``task-1-<8 hex>``, see :meth:`PathPlan.claim_slug`). Site layout::

    index.html                               home (content/index.md + boards)
    <page>/index.html                        content/<page>.md
    benchmarks/<bench>/index.html            leaderboard (+ leaderboard.json, leaderboard.csv)
    benchmarks/<bench>/failures.html         recurring failure patterns
    benchmarks/<bench>/matrix.html           runs x tasks
    benchmarks/<bench>/compare/<a>--<b>.html two runs (+ .json, .csv; side-by-side views in <a>--<b>/)
    runs/<run>/index.html                    run page, with its short traces (+ run.json)
    runs/<run>/traces/<trace>.html           trace page 1 (traces not shown on the run page)
    runs/<run>/traces/<trace>.p<N>.html      trace page N (long traces)
    runs/<run>/traces/<trace>.s<I>.txt       full content of step I where the page cuts it
    assets/…                                 theme assets
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SLUG = 80


def slugify(text: str) -> str:
    """A file-name-safe slug: ``[A-Za-z0-9._-]``, no leading dot, at most 80
    chars. When the text had to change, a short hash of the original is
    appended so distinct ids keep distinct slugs."""
    slug = _UNSAFE.sub("-", text).strip("-.") or "x"
    if slug != text or len(slug) > MAX_SLUG:
        slug = _with_digest(slug, text)
    return slug


def _with_digest(slug: str, text: str) -> str:
    """``slug`` (cut to fit in ``MAX_SLUG``) with ``-<first 8 hex of sha256(text)>``."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug[:MAX_SLUG - 9].rstrip('-.')}-{digest}"


def natural_key(text: str) -> tuple:
    """Sort key that orders ``task-2`` before ``task-10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def benchmark_path(bench_id: str) -> str:
    return f"benchmarks/{slugify(bench_id)}/index.html"


def benchmark_file(bench_id: str, name: str) -> str:
    """``failures.html``, ``matrix.html``, ``leaderboard.json`` … of a benchmark."""
    return f"benchmarks/{slugify(bench_id)}/{name}"


def compare_path(bench_id: str, a: str, b: str, ext: str = "html") -> str:
    return f"benchmarks/{slugify(bench_id)}/compare/{slugify(a)}--{slugify(b)}.{ext}"


def side_by_side_path(bench_id: str, a: str, b: str, task_slug: str) -> str:
    """The side-by-side view of runs ``a`` and ``b`` on one task; ``task_slug`` comes from
    :meth:`PathPlan.claim_slug`, so tasks differing only in case get distinct files."""
    return f"benchmarks/{slugify(bench_id)}/compare/{slugify(a)}--{slugify(b)}/{task_slug}.html"


def run_path(run_id: str) -> str:
    return f"runs/{slugify(run_id)}/index.html"


def run_data_path(run_id: str, ext: str = "json") -> str:
    return f"runs/{slugify(run_id)}/run.{ext}"


def trace_page_path(run_id: str, trace_slug: str, page: int) -> str:
    suffix = "" if page == 1 else f".p{page}"
    return f"runs/{slugify(run_id)}/traces/{trace_slug}{suffix}.html"


def step_content_path(run_id: str, trace_slug: str, index: int) -> str:
    """Plain-text file with the full content of a step cut on its page."""
    return f"runs/{slugify(run_id)}/traces/{trace_slug}.s{index}.txt"


def recording_path(run_id: str, trace_slug: str) -> str:
    """The terminal recording of a trace, published for the player."""
    return f"runs/{slugify(run_id)}/traces/{trace_slug}.cast"


def page_of_step(index: int, per_page: int) -> int:
    """1-based page number holding the 1-based step ``index``."""
    return (max(index, 1) - 1) // per_page + 1


def content_path(rel_md: str) -> str:
    """``index.md`` -> ``index.html``; ``guide/intro.md`` -> ``guide/intro/index.html``."""
    stem = rel_md[:-3] if rel_md.endswith(".md") else rel_md
    parts = [slugify(p) for p in stem.split("/")]
    if parts[-1] == "index":
        parts = parts[:-1]
    return "/".join(parts + ["index.html"]) if parts else "index.html"


def relative_root(path: str) -> str:
    """The prefix that leads from the page at ``path`` back to the site root."""
    return "../" * path.count("/")


class PathPlan:
    """Claims output paths; a second claim on the same path is reported."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, path: str, owner: str) -> str | None:
        """Claim ``path`` for ``owner``; returns the earlier owner on a collision."""
        key = path.lower()
        prev = self._owners.get(key)
        if prev is not None and prev != owner:
            return prev
        self._owners[key] = owner
        return None

    def claim_slug(self, ident: str, owner: str) -> tuple[str, str | None]:
        """A slug for ``ident`` (a trace id) that no other owner holds, compared case-insensitively: its
        :func:`slugify`, or, when another id took that (one differing only in case: slugs of ids that had
        to change already end in a hash of the exact id), the slug with ``-<8 hex of sha256(ident)>``.

        The suffix depends on ``ident`` alone, so an id gets the same name on every build of the same
        files; which of two case variants gets it is decided by the order of the claims (the run's file
        order), the first keeping its plain name so adding a variant never renames an existing page.
        Returns ``(slug, None)``, or ``(suffixed slug, earlier owner)`` when even that is taken (by an id
        spelt like the suffixed name), which the caller reports."""
        slug = slugify(ident)
        if self.claim(slug, owner) is None:
            return slug, None
        suffixed = _with_digest(slug, ident)
        return suffixed, self.claim(suffixed, owner)
