"""The pipeline: discover → import → check → analyse → plan → render → write.

:func:`check_project` runs every stage up to analysis and returns findings
(``tracesite check``); :func:`build_site` runs them all (``tracesite build``).
Traces are read one at a time and reduced to small summaries, so memory is
bounded by the largest single trace. One bad run never stops the others:
its problems become findings and the build goes on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from generator import charts as chart_files
from generator import compare, links, opendata
from generator.aggregate import RunSummary, leaderboard
from generator.cache import CachedBoard, MetaCache, RunCache
from generator.config import CONFIG_NAMES
from generator.discover import Project, RunEntry, discover
from generator.errors import Finding, InputError
from generator.model import Trace
from generator.parallel import map_runs
from generator.plan import (PathPlan, benchmark_file, benchmark_path, compare_path, content_path, run_path,
                            side_by_side_path)
from generator.redact import redact_trace
from generator.render import Page, Renderer, board_charts, content_nav, split_front_matter
from generator.runstage import iter_run_traces, process_run
from generator.validate import check_identity_lookalikes, check_registry, check_task_sets
from generator.write import SiteWriter, check_output


@dataclass
class BuildResult:
    """Findings and figures of a check or build. ``stages`` maps a stage name to seconds.

    ``runs`` holds the summaries this build computed or loaded: every run, except
    in a cached build, where a run that did not change is only loaded when its
    board is drawn again. ``run_count`` and ``trace_count`` count every run."""

    findings: list[Finding] = field(default_factory=list)
    runs: list[RunSummary] = field(default_factory=list)
    run_count: int = 0
    trace_count: int = 0
    project_findings: list[Finding] = field(default_factory=list)  # registry findings, shared by runs
    built: bool = True  # False when the config had errors: nothing was written
    pages: int = 0
    bytes: int = 0
    written: int = 0
    unchanged: int = 0
    changed: bool = True
    stages: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def _analyse(project: Project, renderer: Renderer | None, writer: SiteWriter | None, result: BuildResult,
             cache: RunCache | None = None, jobs: int = 1, progress: bool = False, keep: bool = True) -> None:
    """Process every run (from the cache where its inputs are unchanged, else in
    parallel workers) and write its trace pages; results keep discovery order."""
    plan = PathPlan()
    project_findings = check_registry(project) + check_identity_lookalikes(project) + check_task_sets(project)
    result.findings.extend(project_findings)
    result.project_findings = project_findings
    entries = [e for e in project.runs if e.run is not None]
    cached = {}
    if cache is not None and writer is not None:
        for entry in entries:
            hit = cache.get(entry)
            if hit is not None and all(writer.reuse(path, digest) for path, digest in hit.pages.items()):
                cached[entry.run.id] = hit
            elif hit is not None:
                for path in hit.pages:
                    writer.forget(path)  # a partial reuse is redone from scratch
    todo = [e for e in entries if e.run.id not in cached]
    if todo:
        _warm_up(renderer)  # load once here, so forked workers inherit it instead of each loading it
    fresh = map_runs(lambda e: process_run(project, e, renderer, project_findings), todo, jobs)
    result.stats["runs_from_cache"] = len(cached)
    bar = None
    if progress and len(todo) >= 20:
        import click

        bar = click.progressbar(length=len(entries), label="runs", file=None)
        bar.__enter__()
    for entry in entries:
        if bar is not None:
            bar.update(1)
        result.run_count += 1
        hit = cached.get(entry.run.id)
        if hit is not None:  # unchanged: its pages are reused; its summary is loaded only if its board needs it
            plan.claim(run_path(entry.run.id), f"run {entry.run.id}")
            result.findings.extend(hit.findings)
            result.trace_count += hit.traces
            continue
        summary, pages = next(fresh)
        _share_registry_entries(project, summary, entry)
        if (prev := plan.claim(summary.url, f"run {entry.run.id}")) is not None:
            summary.own_findings.append(Finding(project.rel(entry.meta_file), "/id", "plan",
                                                f"run pages would overwrite those of {prev}; expected distinct run ids",
                                                run=entry.run.id))
            summary.findings.append(summary.own_findings[-1])
            summary.errors += 1
            pages = []
        if cache is not None and writer is not None:
            cache.put(entry, summary, {p.path: _digest(p) for p in pages})
        result.findings.extend(summary.own_findings)
        result.trace_count += len(summary.traces)
        if writer is not None:
            for page in pages:
                writer.write(page)
        if keep or cache is None or writer is None:
            result.runs.append(summary)
    if bar is not None:
        bar.__exit__(None, None, None)


def _share_registry_entries(project: Project, summary: RunSummary, entry: RunEntry | None = None) -> None:
    """A summary from a worker or the cache brings its own copies of its run, agent and benchmark
    (with the task list); on boards of thousands of runs those copies would dominate memory, so
    the summary points at the project's objects instead. The checks panel was only needed for the
    run's own page and data file, written by then."""
    if entry is not None and entry.run is not None and entry.run.id == summary.run.id:
        summary.run = entry.run
    if summary.agent is not None:
        summary.agent = project.registry.agents.get(summary.agent.id, summary.agent)
    if summary.benchmark is not None:
        summary.benchmark = project.registry.benchmarks.get(summary.benchmark.id, summary.benchmark)
    summary.checks = []


def _warm_up(renderer: Renderer | None) -> None:
    from generator import importers, redact

    importers.all_importers()
    redact.rules()
    if renderer is not None:
        renderer.env.get_template("trace.html")


def _digest(page: Page) -> str:
    import hashlib

    return hashlib.sha256(page.data).hexdigest()


def check_project(root: Path) -> BuildResult:
    """Validate everything the build would read; nothing is written."""
    t0 = time.perf_counter()
    project = discover(root)
    result = BuildResult(findings=list(project.findings))
    _analyse(project, None, None, result)
    result.stages["check"] = time.perf_counter() - t0
    result.findings.sort()
    return result


def build_site(root: Path, out: Path | None = None, *, use_cache: bool = False, jobs: int = 1,
               progress: bool = False, keep_summaries: bool = True) -> BuildResult:
    """Build the site of the project at ``root`` into ``out`` (default ``<root>/site``).

    ``use_cache``: reuse what did not change since the last build: parsed
    ``run.yaml`` files, the summaries and pages of unchanged runs, and the pages
    of boards none of whose runs changed (see ``generator/cache.py``; the
    cache lives outside the project);
    ``jobs``: worker processes for runs (1 = in this process);
    ``keep_summaries=False`` (with ``use_cache``): keep no run summary in
    memory beyond the board being drawn (they are read back from the cache
    board by board), so memory does not grow with the number of runs; then
    ``result.runs`` stays empty and ``run_count``/``trace_count`` count. Returns the
    findings; the site is written even when some runs have errors (they are
    marked on their pages). Raises UnsafeOutputError (generator/write.py) before reading anything
    when ``out`` is a folder the build must not replace (the project, its inputs, a non-empty
    folder that holds no earlier site), and OSError for failures writing the output.
    """
    stages: dict[str, float] = {}
    t = time.perf_counter()
    check_output(out or root / "site", root)  # before anything is read: never a project's own folder
    meta_cache = MetaCache(root.resolve()) if use_cache else None
    project = discover(root, meta_cache)
    if meta_cache is not None:
        meta_cache.save()
    stages["discover"] = time.perf_counter() - t
    result = BuildResult(findings=list(project.findings), stages=stages)
    if any(f.file in CONFIG_NAMES and f.severity == "error" for f in project.findings):
        # Building with the defaults instead would publish, say, unsigned runs as verified when the
        # config asked for signatures: nothing is written until the config is fixed.
        result.changed = result.built = False
        result.findings.sort()
        return result
    renderer = Renderer(project.config, project.root)
    writer = SiteWriter(out or project.root / "site", project.root)
    try:
        pages = _read_content(project, result)
        _site_nav(project, renderer, pages)
        cache = RunCache(project, renderer) if use_cache else None
        t = time.perf_counter()
        _analyse(project, renderer, writer, result, cache, jobs, progress, keep_summaries)
        stages["import+check+render traces"] = time.perf_counter() - t
        t = time.perf_counter()
        _render_site(project, renderer, writer, result, pages, cache, keep_summaries)
        stages["render pages"] = time.perf_counter() - t
        t = time.perf_counter()
        writer.commit()
        stages["write"] = time.perf_counter() - t
    except BaseException:
        writer.abort()
        raise
    result.pages = len(writer.hashes)
    result.bytes = writer.bytes
    result.written, result.unchanged = writer.written, writer.unchanged
    result.changed = writer.committed_changes
    if cache is not None:
        cache.save({e.run.id for e in project.runs if e.run is not None}, set(project.registry.benchmarks))
    result.findings.sort()
    return result


def _read_content(project: Project, result: BuildResult) -> list[tuple]:
    pages = []
    for cp in project.content:
        label = project.rel(cp.source)
        try:
            text = cp.source.read_text(encoding="utf-8")
            meta, body = split_front_matter(text, label)
        except (InputError, UnicodeDecodeError, OSError) as exc:
            err = exc if isinstance(exc, InputError) else InputError(label, "", f"cannot read as UTF-8 Markdown ({exc})")
            result.findings.append(err.finding())
            continue
        if len(body) > project.config.limits.max_markdown_chars:
            result.findings.append(Finding(label, "", "limits", f"the page has {len(body)} characters; the limit is "
                                           f"{project.config.limits.max_markdown_chars} (limits.max_markdown_chars)"))
            continue
        first_line = text[:len(text) - len(body)].count("\n") + 1 if text.endswith(body) else 1
        pages.append((cp, meta, body, first_line))
    return pages


def _site_nav(project: Project, renderer: Renderer, pages: list[tuple]) -> None:
    """Navigation shared by every page: content pages and the boards that have runs."""
    used = {e.run.benchmark for e in project.runs if e.run is not None}
    boards = [(b, benchmark_path(b.id)) for b in project.registry.benchmarks.values() if b.id in used]
    renderer.env.globals.update(nav=content_nav(pages), boards=boards)


@dataclass
class BoardTeaser:
    """What the home page shows of a board: counts and the top three runs (rank, agent, model,
    score, run page). Kept in the cache, so an unchanged board is not ranked again."""

    benchmark: object
    url: str
    ranked_count: int
    unranked_count: int
    top: list[dict]


def _teaser(board) -> BoardTeaser:
    top = [{"rank": rank, "agent": rs.agent.name if rs.agent else rs.run.agent, "model": rs.run.model,
            "score": rs.score, "url": rs.url} for rank, rs in board.ranked[:3]]
    return BoardTeaser(board.benchmark, board.url, len(board.ranked), len(board.unranked), top)


def _render_site(project: Project, renderer: Renderer, writer: SiteWriter, result: BuildResult,
                 pages: list[tuple], cache: RunCache | None = None, keep: bool = True) -> None:
    """Content pages, boards (each reused whole when none of its runs changed), schemas and assets.
    A board's summaries not in ``result.runs`` come from the cache, and are kept there only with ``keep``."""
    fresh = {rs.run.id: rs for rs in result.runs}
    entries = {e.run.id: e for e in project.runs if e.run is not None}
    by_bench: dict[str, list[str]] = defaultdict(list)
    for e in project.runs:
        if e.run is not None:
            by_bench[e.run.benchmark].append(e.run.id)
    teasers = []
    for bench_id in sorted(by_bench):
        bench = project.registry.benchmarks.get(bench_id)
        if bench is None:
            continue  # its runs are reported; without a registry entry there is no board
        key = cache.board_key(bench_id, by_bench[bench_id]) if cache is not None else ""
        old = cache.boards.get(bench_id) if cache is not None else None
        old = old if isinstance(old, CachedBoard) else None
        if old is not None and old.key == key and all(writer.reuse(p, d) for p, d in old.pages.items()):
            teasers.append(old.teaser)
            continue
        if old is not None:
            for path in old.pages:
                writer.forget(path)
        summaries = []
        for run_id in by_bench[bench_id]:
            rs = fresh.get(run_id)
            if rs is None and cache is not None:
                rs = cache.summary(run_id) or _redo_run(project, renderer, writer, result, cache, run_id)
                _share_registry_entries(project, rs, entries[run_id])
                if keep:
                    result.runs.append(rs)
            if rs is not None:
                summaries.append(rs)
        board = leaderboard(bench, summaries, project.config.rank_runs_with_errors)
        board.url = benchmark_path(bench.id)
        before = set(writer.hashes)
        kept = _BoardPages(cache, old, writer) if cache is not None else None
        _render_board(project, renderer, writer, board, opendata.leaderboard_rows(board), kept)
        teasers.append(_teaser(board))
        if cache is not None:
            cache.put_board(bench_id, key, {p: writer.hashes[p] for p in writer.hashes.keys() - before}, teasers[-1],
                            kept.keys)
    for cp, meta, body, _ in pages:
        path = content_path(cp.rel)
        writer.write(renderer.render("content.html", path, meta=meta, body=renderer.markdown_html(body),
                                     is_home=path == "index.html", leaderboards=teasers))
    if not any(content_path(cp.rel) == "index.html" for cp, *_ in pages):
        writer.write(renderer.render("content.html", "index.html", meta={"title": project.config.title},
                                     body="", is_home=True, leaderboards=teasers))
    for name, data in opendata.schemas().items():
        writer.write(Page(f"data/schema/{name}", data))
    for page in renderer.assets():
        writer.write(page)
    site_paths = set(writer.hashes)
    for cp, _, body, first_line in pages:
        result.findings.extend(links.broken_links(project.rel(cp.source), content_path(cp.rel),
                                                  links.markdown_targets(renderer.markdown, body), first_line,
                                                  site_paths))


def _redo_run(project: Project, renderer: Renderer, writer: SiteWriter, result: BuildResult, cache: RunCache,
              run_id: str) -> RunSummary:
    """A run whose pages were reused but whose cached summary cannot be read (its board must be
    drawn again): processed again, its pages written over the reused ones."""
    entry = next(e for e in project.runs if e.run is not None and e.run.id == run_id)
    summary, pages = process_run(project, entry, renderer, result.project_findings)
    for path in cache.runs[run_id].pages:
        writer.forget(path)
    for page in pages:
        writer.write(page)
    cache.put(entry, summary, {p.path: _digest(p) for p in pages})
    return summary


class _BoardPages:
    """Which leaderboard pages after the first can be kept from the previous build: a board of
    2,000 runs has 80 pages, and after one run changed most of them show the same rows. A
    page's key (:meth:`key`) hashes the global cache key (code, templates, config, registry,
    navigation), the page's place and counts, and for each row its rank, rank group and run
    key: everything else in a row comes from the run's own inputs."""

    def __init__(self, cache: RunCache, old: CachedBoard | None, writer: SiteWriter):
        self.cache, self.writer = cache, writer
        self.old_keys = old.page_keys if old is not None else {}
        self.old_pages = old.pages if old is not None else {}
        self.keys: dict[str, str] = {}  # path -> key, of every page after the first (for the cache)

    def key(self, bench_id: str, chunk: list, **shown) -> str:
        import hashlib

        h = hashlib.sha256(f"{self.cache.global_key}\0{bench_id}\0{sorted(shown.items())!r}".encode())
        for rank, rs in chunk:
            h.update(f"\0{rank}\0{rs.rank_group}\0{rs.run.id}\0{self.cache.run_key(rs.run.id)}".encode())
        return h.hexdigest()

    def take(self, path: str, key: str) -> bool:
        """Record ``key`` for ``path``; True when the previous build's page had it and is reused."""
        self.keys[path] = key
        return (self.old_keys.get(path) == key and path in self.old_pages
                and self.writer.reuse(path, self.old_pages[path]))


def _render_board(project: Project, renderer: Renderer, writer: SiteWriter, board, rows: list[dict],
                  kept: _BoardPages | None = None) -> None:
    """The leaderboard pages and everything hanging off them: data files, charts,
    failure patterns, task matrix, comparisons and side-by-side views.

    The board is split into pages of ``limits.runs_per_page`` rows in rank order
    (then the unranked runs): ``index.html``, ``page/2.html``, … linked by a pager;
    the first page also shows the charts (SVG files beside it, as images) and the
    comparisons. ``rows.json`` lets board.js sort and filter across all pages.
    ``kept`` (with the build cache, see :class:`_BoardPages`) keeps pages after the
    first whose rows and place did not change instead of rendering them again."""
    bench = board.benchmark
    cfg = project.config
    runs = [rs for _, rs in board.ranked] + board.unranked
    links = {name: benchmark_file(bench.id, name) for name in
             ("leaderboard.json", "leaderboard.csv", "failures.html", "matrix.html", "rows.json")}
    pairs = compare.comparison_pairs(board, cfg.compare_top)
    pair_urls = [(a, b, compare_path(bench.id, a.run.id, b.run.id)) for a, b in pairs]
    charts = []
    for key, svg in board_charts(board).items():
        path = benchmark_file(bench.id, f"chart-{key}.svg")
        title, desc, width, height = chart_files.describe(svg)
        writer.write(Page(path, chart_files.standalone_svg(svg)))
        charts.append({"key": key, "src": path, "alt": f"{title}. {desc}", "width": width, "height": height})
    per_page = cfg.limits.runs_per_page
    chunks = board_pages(board, per_page)
    open_weights = any(rs.agent is not None and rs.agent.open_weights is not None for rs in runs)
    page_urls = [board_page_path(bench.id, n) for n in range(1, len(chunks) + 1)]
    for n, chunk in enumerate(chunks, 1):
        first = (n - 1) * per_page
        if kept is not None and n > 1:  # the first page also shows the charts and comparisons: always drawn
            key = kept.key(bench.id, chunk, page=n, pages=len(chunks), per_page=per_page, total=len(runs),
                           open_weights=open_weights)
            if kept.take(page_urls[n - 1], key):
                continue
        writer.write(renderer.render(
            "leaderboard.html", page_urls[n - 1], board=board, links=links, page=n, page_urls=page_urls,
            board_dir=benchmark_file(bench.id, ""),
            pager=_pager(n, len(chunks)), per_page=per_page, first=first + 1, last=first + len(chunk),
            total=len(runs), open_weights=open_weights,
            ranked_rows=[(rank, rs) for rank, rs in chunk if rank is not None],
            unranked_rows=[rs for rank, rs in chunk if rank is None],
            pairs=pair_urls if n == 1 else [], charts=charts if n == 1 else []))
    writer.write(Page(links["rows.json"], opendata.leaderboard_view(board, per_page)))
    writer.write(Page(links["leaderboard.json"], opendata.leaderboard_json(board, rows)))
    writer.write(Page(links["leaderboard.csv"], opendata.leaderboard_csv(rows)))
    patterns = compare.failure_patterns(runs)
    writer.write(renderer.render("failures.html", links["failures.html"], board=board, patterns=patterns,
                                 runs=runs))
    shown = runs[: cfg.matrix_runs]
    tasks = compare.matrix_tasks(board, shown)
    writer.write(renderer.render("matrix.html", links["matrix.html"], board=board, tasks=tasks,
                                 rows=[(rs, compare.cells_by_task(rs)) for rs in shown], hidden=len(runs) - len(shown)))
    entries = {e.run.id: e for e in project.runs if e.run is not None}
    all_diffs = {(a.run.id, b.run.id): compare.disagreements(a, b) for a, b, _ in pair_urls}
    wanted: dict[str, set[str]] = defaultdict(set)
    for (ra, rb), diffs in all_diffs.items():
        for d in diffs[: cfg.compare_tasks]:
            wanted[ra].add(d.task_id)
            wanted[rb].add(d.task_id)
    # Each compared run is read once, keeping only the attempts the views need.
    attempts = {run_id: _first_traces(project, entries.get(run_id), tasks) for run_id, tasks in sorted(wanted.items())}
    for a, b, url in pair_urls:
        diffs = all_diffs[(a.run.id, b.run.id)]
        views = []
        names = PathPlan()  # task ids differing only in case get distinct file names
        for d in diffs[: cfg.compare_tasks]:
            slug, taken = names.claim_slug(d.task_id, f"task {d.task_id}")
            if taken is not None:
                continue
            path = side_by_side_path(bench.id, a.run.id, b.run.id, slug)
            ta = attempts.get(a.run.id, {}).get(d.task_id)
            tb = attempts.get(b.run.id, {}).get(d.task_id)
            if ta is None or tb is None:
                continue
            rows_aligned, first = compare.align_steps(ta.steps, tb.steps)
            # Long attempts: the aligned rows around the first divergence, bounded; each side links to its trace.
            start = max(0, (first or 0) - 20)
            shown_rows = rows_aligned[start:start + SIDE_BY_SIDE_ROWS]
            writer.write(renderer.render("side_by_side.html", path, board=board, a=a, b=b, task=d.task_id,
                                         ta=ta, tb=tb, rows=shown_rows, first=None if first is None else first - start,
                                         offset=start, total_rows=len(rows_aligned), compare_url=url))
            views.append((d.task_id, path))
        view_map = dict(views)
        writer.write(renderer.render("compare.html", url, board=board, a=a, b=b, diffs=diffs, views=view_map,
                                     json_url=compare_path(bench.id, a.run.id, b.run.id, "json"),
                                     csv_url=compare_path(bench.id, a.run.id, b.run.id, "csv")))
        data_rows = opendata.compare_rows(a, b, diffs)
        writer.write(Page(compare_path(bench.id, a.run.id, b.run.id, "json"), opendata.compare_json(a, b, data_rows)))
        writer.write(Page(compare_path(bench.id, a.run.id, b.run.id, "csv"),
                          opendata.to_csv(opendata.COMPARE_CSV_COLUMNS, data_rows)))


SIDE_BY_SIDE_ROWS = 300


def board_page_path(bench_id: str, page: int) -> str:
    """Page ``page`` (1-based) of a leaderboard: ``benchmarks/<id>/index.html``, then
    ``benchmarks/<id>/page/<page>.html``."""
    return benchmark_path(bench_id) if page == 1 else benchmark_file(bench_id, f"page/{page}.html")


def board_pages(board, per_page: int) -> list[list[tuple[int | None, RunSummary]]]:
    """The rows of each page of a leaderboard: (rank, run) in rank order, then (None, run) for the
    unranked runs, ``per_page`` to a page; a board without runs has one empty page."""
    seq = [*board.ranked, *[(None, rs) for rs in board.unranked]]
    return [seq[i:i + per_page] for i in range(0, len(seq), per_page)] or [[]]


def _pager(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link from page ``page`` of ``pages``: the first, the last and ``around``
    on either side of the current one; None where numbers are left out (shown as "…")."""
    keep = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    out: list[int | None] = []
    for n in keep:
        if out and n - out[-1] == 2:
            out.append(n - 1)  # a gap of one page: show its number rather than "…"
        elif out and n - out[-1] > 2:
            out.append(None)
        out.append(n)
    return out


def _first_traces(project: Project, entry: RunEntry | None, task_ids: set[str]) -> dict[str, Trace]:
    """A run's first attempt at each of ``task_ids``, read again (for side-by-side views), redacted."""
    found: dict[str, Trace] = {}
    if entry is None or entry.run is None:
        return found
    for trace, _ in iter_run_traces(project, entry, []):
        if trace.task_id in task_ids and trace.task_id not in found:
            redact_trace(trace, project.config.redact_personal_data)
            found[trace.task_id] = trace
            if len(found) == len(task_ids):
                break
    return found
