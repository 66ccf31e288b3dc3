"""The pipeline: discover → import → check → analyse → plan → render → write.

:func:`check_project` runs every stage up to analysis and returns findings
(``tracesite check``); :func:`build_site` runs them all (``tracesite build``).
Traces are read one at a time and reduced to small summaries, so memory is
bounded by the largest single trace. One bad run never stops the others:
its problems become findings and the build goes on.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import orjson

from generator import compare, importers, opendata
from generator.aggregate import RunSummary, TraceSummary, finish_run, leaderboard, summarise_trace
from generator.discover import Project, RunEntry, discover
from generator.errors import Finding, InputError
from generator.model import Metric, Trace
from generator.plan import (PathPlan, natural_key, benchmark_file, benchmark_path, compare_path, run_data_path,
                            side_by_side_path, content_path, page_of_step, run_path, slugify,
                            recording_path, step_content_path, trace_page_path)
from generator.render import Page, Renderer, board_charts, content_nav, split_front_matter, step_views
from generator.failures import Classification
from generator.redact import redact_run, redact_trace, redact_value
from generator.signing import verify
from generator.validate import (RULES, check_evidence, check_identity_lookalikes, check_protocol, check_reconciliation,
                                check_registry, check_run, check_task_coverage, check_task_sets, check_trace,
                                safe_member)
from generator.write import SiteWriter


@dataclass
class BuildResult:
    """Findings and figures of a check or build. ``stages`` maps a stage name to seconds."""

    findings: list[Finding] = field(default_factory=list)
    runs: list[RunSummary] = field(default_factory=list)
    pages: int = 0
    bytes: int = 0
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def iter_run_traces(project: Project, entry: RunEntry, findings: list[Finding]) -> Iterator[tuple[Trace, str]]:
    """Every trace of a run, file by file; unreadable files become findings."""
    run = entry.run
    assert run is not None
    for i, tf in enumerate(run.files):
        path, why = safe_member(entry.folder, tf.path)
        if path is None or not path.is_file():
            continue  # reported by check_run
        label = project.rel(path)
        try:
            imp = importers.get(tf.format) if tf.format else importers.detect(path)[0]
        except KeyError as exc:
            findings.append(Finding(project.rel(entry.meta_file), f"/files/{i}/format", "import", str(exc.args[0]), run=run.id))
            continue
        if imp is None:
            findings.append(Finding(label, "", "import", "no importer recognises this file; set 'format' for it in run.yaml",
                                    run=run.id))
            continue
        try:
            for trace in imp.traces(path, label):
                yield trace, label
        except InputError as exc:
            findings.append(Finding(exc.file, exc.place, "import", exc.message, run=run.id))
        except (OSError, MemoryError) as exc:
            findings.append(Finding(label, "", "import", f"could not read the file: {exc}", run=run.id))
        except Exception as exc:  # an importer bug must not lose the other runs
            findings.append(Finding(label, "", "import-crash",
                                    f"the {imp.name} importer failed ({type(exc).__name__}: {exc}); "
                                    "this is a tracesite bug, please report it with the file", run=run.id))


def _process_run(project: Project, entry: RunEntry, renderer: Renderer | None, plan: PathPlan,
                 emit, result: BuildResult, project_findings: list[Finding]) -> RunSummary:
    run = entry.run
    assert run is not None
    findings: list[Finding] = [f for f in check_run(project, entry)]
    agent = project.registry.agents.get(run.agent)
    bench = project.registry.benchmarks.get(run.benchmark)
    metric = bench.metric if bench else Metric()
    per_page = project.config.limits.steps_per_page
    summary = RunSummary(run=run, agent=agent, benchmark=bench, url=run_path(run.id))
    owner = f"run {run.id}"
    if (prev := plan.claim(summary.url, owner)) is not None:
        findings.append(Finding(project.rel(entry.meta_file), "/id", "plan",
                                f"run pages would overwrite those of {prev}; expected distinct run ids"))
    seen_tasks: set[str] = set()
    personal = project.config.redact_personal_data
    display_run, run_hits = redact_run(run, personal)
    findings.extend(_secret_findings(project.rel(entry.meta_file), run_hits))
    for trace, label in iter_run_traces(project, entry, findings):
        seen_tasks.add(trace.task_id)
        hits = redact_trace(trace, personal)
        findings.extend(_secret_findings(label, hits))
        pii = Counter(h.kind for _, h in hits if not h.secret)
        if pii:
            trace.notes.append("redacted personal data: " + ", ".join(f"{n} {k}" for k, n in sorted(pii.items())))
        findings.extend(check_trace(run, trace, project, label))
        findings.extend(check_evidence(trace, bench, metric.success_threshold, label))
        slug = slugify(trace.id)
        pages = max(1, -(-len(trace.steps) // per_page))
        first = trace_page_path(run.id, slug, 1)
        if (prev := plan.claim(first, f"{owner} trace {trace.id}")) is not None:
            findings.append(Finding(label, trace.source_pointer or "", "plan",
                                    f"trace id {trace.id!r} would overwrite the page of {prev}; expected unique trace ids"))
            continue
        anchor_page = page_of_step(trace.deciding_step, per_page) if trace.deciding_step else 1
        url = trace_page_path(run.id, slug, anchor_page) + (f"#step-{trace.deciding_step}" if trace.deciding_step else "")
        ts = summarise_trace(trace, slug, url, pages, metric.success_threshold)
        summary.traces.append(ts)
        if renderer is not None:
            recording = _publish_recording(entry, trace, slug, personal, emit)
            for page_no in range(1, pages + 1):
                steps = trace.steps[(page_no - 1) * per_page: page_no * per_page]
                path = trace_page_path(run.id, slug, page_no)
                views = step_views(steps, project.config.limits)
                for v in views:
                    if v.truncated:  # nothing lost: the whole content is published beside the page
                        v.full_url = step_content_path(run.id, slug, v.step.index)
                        emit(Page(v.full_url, v.step.content.encode("utf-8", "surrogatepass")))
                emit(renderer.render(
                    "trace.html", path, run=display_run, agent=agent, benchmark=bench, trace=trace, summary=ts,
                    steps=views, page_no=page_no, pages=pages,
                    page_urls=[trace_page_path(run.id, slug, n) for n in range(1, pages + 1)],
                    run_url=summary.url, board_url=benchmark_path(bench.id) if bench else None,
                    recording_url=recording,
                ))
    summary.traces.sort(key=lambda t: (natural_key(t.task_id), t.trial, t.id))
    _apply_overrides(summary)
    finish_run(summary)
    findings.extend(check_task_coverage(project, entry, seen_tasks))
    findings.extend(check_reconciliation(project, entry, summary))
    protocol_findings, summary.deviations = check_protocol(project, entry, summary)
    findings.extend(protocol_findings)
    summary.signature = verify(project.root, entry.folder, run)
    if summary.signature.status in ("invalid", "unsupported"):
        findings.append(Finding(project.rel(entry.folder / "run.sig"), "", "signature", summary.signature.message,
                                "error" if summary.signature.status == "invalid" else "warning"))
    elif summary.signature.status == "unsigned" and project.config.require_signatures:
        findings.append(Finding(project.rel(entry.meta_file), "", "signature",
                                "the project requires signed runs; sign it with `tracesite sign RUN --key KEY`"))
    findings = [f if f.run else replace(f, run=run.id) for f in findings]
    result.findings.extend(findings)
    # Registry findings about this run's agent count against the run too (shown, not reported twice).
    shared = [f for f in project_findings if f.file == "registry/agents.yaml" and f.place == f"/{run.agent}"
              and f.rule == "identity"]
    summary.findings = findings + shared
    summary.errors = sum(1 for f in summary.findings if f.severity == "error")
    summary.warnings = len(summary.findings) - summary.errors
    summary.checks = _panel(summary, bool(bench and bench.evidence), bool(bench and bench.protocol))
    summary.display_run = display_run
    return summary


def _secret_findings(label: str, hits) -> list[Finding]:
    """One error per place and kind of secret, so the contributor can rotate each key."""
    out, seen = [], set()
    for place, hit in hits:
        if hit.secret and (place, hit.kind) not in seen:
            seen.add((place, hit.kind))
            out.append(Finding(label, place, "secret",
                               f"a secret ({hit.kind}) was found and redacted from the site; it was published in "
                               "the submission, so revoke and rotate it, then remove it from the file"))
    return out


def _publish_recording(entry: RunEntry, trace: Trace, slug: str, personal: bool, emit) -> str | None:
    """Publish a trace's asciicast recording (secrets redacted) for the player; returns its site path."""
    rel = trace.metadata.get("recording")
    if not isinstance(rel, str) or not rel.endswith(".cast"):
        return None
    path, why = safe_member(entry.folder, rel)
    if path is None or not path.is_file() or path.stat().st_size > 50 << 20:
        return None
    lines = []
    hits: list = []
    try:
        for raw in path.read_bytes().splitlines():
            if not raw.strip():
                continue
            value = orjson.loads(raw)
            lines.append(orjson.dumps(redact_value(value, hits, personal)))
    except (orjson.JSONDecodeError, OSError):
        return None  # the importer reported the problem; the steps still show the content
    url = recording_path(entry.run.id, slug)
    emit(Page(url, b"\n".join(lines) + b"\n"))
    return url


def _apply_overrides(summary: RunSummary) -> None:
    for t in summary.traces:
        override = summary.run.failure_overrides.get(t.id)
        if override is not None and t.passed is not True:
            auto = t.failure.cls if t.failure else "none"
            t.failure = Classification(override.cls, f"override of the automatic class {auto!r}: {override.reason}",
                                       t.failure.steps if t.failure else [], override.reason)


def _panel(summary: RunSummary, evidence: bool, protocol: bool) -> list[tuple[str, str, str, list[Finding]]]:
    """(rule, title, status, findings) for every check that ran on the run."""
    ran = ["run-metadata", "identity", "task-source", "integrity", "limits", "import", "reconciliation", "secret"]
    if evidence:
        ran.append("evidence")
    if protocol:
        ran.append("protocol")
    if summary.signature and summary.signature.status != "unsigned":
        ran.append("signature")
    rows = []
    for rule in ran:
        fs = [f for f in summary.findings if f.rule == rule or (rule == "import" and f.rule == "import-crash")]
        status = "error" if any(f.severity == "error" for f in fs) else ("warning" if fs else "passed")
        rows.append((rule, RULES[rule], status, fs))
    other = [f for f in summary.findings if f.rule not in ran and f.rule != "import-crash"]
    if other:
        status = "error" if any(f.severity == "error" for f in other) else "warning"
        rows.append(("other", "Other findings", status, other))
    return rows


def _analyse(project: Project, renderer: Renderer | None, emit, result: BuildResult) -> None:
    plan = PathPlan()
    project_findings = check_registry(project) + check_identity_lookalikes(project) + check_task_sets(project)
    result.findings.extend(project_findings)
    for entry in project.runs:
        if entry.run is None:
            continue
        result.runs.append(_process_run(project, entry, renderer, plan, emit, result, project_findings))


def check_project(root: Path) -> BuildResult:
    """Validate everything the build would read; nothing is written."""
    t0 = time.perf_counter()
    project = discover(root)
    result = BuildResult(findings=list(project.findings))
    _analyse(project, None, lambda page: None, result)
    result.stages["check"] = time.perf_counter() - t0
    result.findings.sort()
    return result


def build_site(root: Path, out: Path | None = None) -> BuildResult:
    """Build the site of the project at ``root`` into ``out`` (default ``<root>/site``).

    Returns the findings; the site is written even when some runs have
    errors (they are marked on their pages). Raises OSError only for
    failures writing the output.
    """
    stages: dict[str, float] = {}
    t = time.perf_counter()
    project = discover(root)
    stages["discover"] = time.perf_counter() - t
    result = BuildResult(findings=list(project.findings), stages=stages)
    renderer = Renderer(project.config, project.root)
    writer = SiteWriter(out or project.root / "site")
    try:
        pages = _read_content(project, result)
        _site_nav(project, renderer, pages)
        t = time.perf_counter()
        _analyse(project, renderer, writer.write, result)
        stages["import+check+render traces"] = time.perf_counter() - t
        t = time.perf_counter()
        _render_site(project, renderer, writer, result, pages)
        stages["render pages"] = time.perf_counter() - t
        t = time.perf_counter()
        writer.commit()
        stages["write"] = time.perf_counter() - t
    except BaseException:
        writer.abort()
        raise
    result.pages = len(writer.hashes)
    result.bytes = writer.bytes
    result.findings.sort()
    return result


def _read_content(project: Project, result: BuildResult) -> list[tuple]:
    pages = []
    for cp in project.content:
        label = project.rel(cp.source)
        try:
            meta, body = split_front_matter(cp.source.read_text(encoding="utf-8"), label)
        except (InputError, UnicodeDecodeError, OSError) as exc:
            err = exc if isinstance(exc, InputError) else InputError(label, "", f"cannot read as UTF-8 Markdown ({exc})")
            result.findings.append(err.finding())
            continue
        if len(body) > project.config.limits.max_markdown_chars:
            result.findings.append(Finding(label, "", "limits", f"the page has {len(body)} characters; the limit is "
                                           f"{project.config.limits.max_markdown_chars} (limits.max_markdown_chars)"))
            continue
        pages.append((cp, meta, body))
    return pages


def _site_nav(project: Project, renderer: Renderer, pages: list[tuple]) -> None:
    """Navigation shared by every page: content pages and the boards that have runs."""
    used = {e.run.benchmark for e in project.runs if e.run is not None}
    boards = [(b, benchmark_path(b.id)) for b in project.registry.benchmarks.values() if b.id in used]
    renderer.env.globals.update(nav=content_nav(pages), boards=boards)


def _render_site(project: Project, renderer: Renderer, writer: SiteWriter, result: BuildResult,
                 pages: list[tuple]) -> None:
    by_bench: dict[str, list[RunSummary]] = defaultdict(list)
    for rs in result.runs:
        by_bench[rs.run.benchmark].append(rs)
    boards = []
    for bench_id in sorted(by_bench):
        bench = project.registry.benchmarks.get(bench_id)
        if bench is None:
            continue  # its runs are reported; without a registry entry there is no board
        board = leaderboard(bench, by_bench[bench_id], project.config.rank_runs_with_errors)
        board.url = benchmark_path(bench.id)
        boards.append(board)
    for cp, meta, body in pages:
        path = content_path(cp.rel)
        writer.write(renderer.render("content.html", path, meta=meta, body=renderer.markdown_html(body),
                                     is_home=path == "index.html", leaderboards=boards))
    if not any(content_path(cp.rel) == "index.html" for cp, _, _ in pages):
        writer.write(renderer.render("content.html", "index.html", meta={"title": project.config.title},
                                     body="", is_home=True, leaderboards=boards))
    board_rows: dict[str, dict] = {}
    for board in boards:
        rows = opendata.leaderboard_rows(board)
        board_rows.update({r["run_id"]: r for r in rows})
        _render_board(project, renderer, writer, board, rows)
    for rs in result.runs:
        writer.write(renderer.render("run.html", rs.url, rs=rs, run=rs.display_run, findings=rs.findings,
                                     board_url=benchmark_path(rs.run.benchmark) if rs.benchmark else None,
                                     tasks=_task_rows(rs.traces), json_url=run_data_path(rs.run.id),
                                     csv_url=run_data_path(rs.run.id, "csv")))
        writer.write(Page(run_data_path(rs.run.id), opendata.run_json(rs, board_rows.get(rs.run.id))))
        writer.write(Page(run_data_path(rs.run.id, "csv"),
                          opendata.to_csv(opendata.TRACE_CSV_COLUMNS, opendata.run_rows(rs))))
    for name, data in opendata.schemas().items():
        writer.write(Page(f"data/schema/{name}", data))
    for page in renderer.assets():
        writer.write(page)


def _render_board(project: Project, renderer: Renderer, writer: SiteWriter, board, rows: list[dict]) -> None:
    """The leaderboard page and everything hanging off it: data files, failure
    patterns, task matrix, comparisons and side-by-side views."""
    bench = board.benchmark
    cfg = project.config
    runs = [rs for _, rs in board.ranked] + board.unranked
    links = {name: benchmark_file(bench.id, name) for name in
             ("leaderboard.json", "leaderboard.csv", "failures.html", "matrix.html")}
    pairs = compare.comparison_pairs(board, cfg.compare_top)
    pair_urls = [(a, b, compare_path(bench.id, a.run.id, b.run.id)) for a, b in pairs]
    charts_data = board_charts(board)
    writer.write(renderer.render("leaderboard.html", board.url, board=board, links=links, pairs=pair_urls,
                                 charts=charts_data))
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
    for a, b, url in pair_urls:
        diffs = compare.disagreements(a, b)
        views = []
        for d in diffs[: cfg.compare_tasks]:
            path = side_by_side_path(bench.id, a.run.id, b.run.id, d.task_id)
            ta = _first_trace(project, entries.get(a.run.id), d.task_id)
            tb = _first_trace(project, entries.get(b.run.id), d.task_id)
            if ta is None or tb is None:
                continue
            rows_aligned, first = compare.align_steps(ta.steps, tb.steps)
            writer.write(renderer.render("side_by_side.html", path, board=board, a=a, b=b, task=d.task_id,
                                         ta=ta, tb=tb, rows=rows_aligned, first=first, compare_url=url))
            views.append((d.task_id, path))
        view_map = dict(views)
        writer.write(renderer.render("compare.html", url, board=board, a=a, b=b, diffs=diffs, views=view_map,
                                     json_url=compare_path(bench.id, a.run.id, b.run.id, "json"),
                                     csv_url=compare_path(bench.id, a.run.id, b.run.id, "csv")))
        data_rows = opendata.compare_rows(a, b, diffs)
        writer.write(Page(compare_path(bench.id, a.run.id, b.run.id, "json"), opendata.compare_json(a, b, data_rows)))
        writer.write(Page(compare_path(bench.id, a.run.id, b.run.id, "csv"),
                          opendata.to_csv(opendata.COMPARE_CSV_COLUMNS, data_rows)))


def _first_trace(project: Project, entry: RunEntry | None, task_id: str) -> Trace | None:
    """Read a run's first attempt at ``task_id`` again (for a side-by-side view), redacted."""
    if entry is None or entry.run is None:
        return None
    for trace, _ in iter_run_traces(project, entry, []):
        if trace.task_id == task_id:
            redact_trace(trace, project.config.redact_personal_data)
            return trace
    return None


def _task_rows(traces: list[TraceSummary]) -> list[tuple[str, list[TraceSummary]]]:
    rows: dict[str, list[TraceSummary]] = defaultdict(list)
    for t in traces:
        rows[t.task_id].append(t)
    return sorted(rows.items(), key=lambda kv: natural_key(kv[0]))
