"""Import, check and analyse one run, and render its trace pages.

One call handles one run folder from start to end, streaming its traces one
at a time: each trace is redacted, checked, summarised and rendered, then
dropped, so memory is bounded by the largest trace. It touches no shared
state, so runs can be processed in parallel worker processes; the caller
writes the pages it returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Iterator

import orjson

from generator import importers, opendata
from generator.aggregate import RunSummary, finish_run, summarise_trace
from generator.discover import Project, RunEntry
from generator.errors import Finding, InputError
from generator.failures import Classification
from generator.model import Metric, Trace
from generator.plan import (PathPlan, benchmark_path, natural_key, recording_path, run_data_path, run_path, slugify,
                            step_content_path, trace_page_path)
from generator.redact import redact_run, redact_trace, redact_value
from generator.render import Page, Renderer, step_views
from generator.signing import verify
from generator.validate import (RULES, check_evidence, check_protocol, check_reconciliation, check_run,
                                check_task_coverage, check_trace, safe_member)


def iter_run_traces(project: Project, entry: RunEntry, findings: list[Finding]) -> Iterator[tuple[Trace, str]]:
    """Every trace of a run, file by file; unreadable files become findings.

    A trace whose id an earlier trace of the run already had (an Inspect sample and epoch twice in one log,
    or again in a retried log) is skipped with an error finding at its place, and the traces after it are
    still read. The first copy in run.yaml's file order is kept, so the same files give the same run, and
    it is not imported under another name: a trace is one attempt (trial) at one task, and a second copy
    would count one attempt twice in the scores, pass^k and the task matrix."""
    run = entry.run
    assert run is not None
    first_seen: dict[str, tuple[str, str]] = {}  # trace id -> (file, place) of the copy kept
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
                place = trace.source_pointer or ""
                if (first := first_seen.get(trace.id)) is not None:
                    findings.append(_duplicate_finding(imp, trace, label, place, first, run.id))
                    continue
                first_seen[trace.id] = (label, place)
                yield trace, label
        except InputError as exc:
            findings.append(Finding(exc.file, exc.place, "import", exc.message, run=run.id))
        except (OSError, MemoryError) as exc:
            findings.append(Finding(label, "", "import", f"could not read the file: {exc}", run=run.id))
        except Exception as exc:  # an importer bug must not lose the other runs
            findings.append(Finding(label, "", "import-crash",
                                    f"the {imp.name} importer failed ({type(exc).__name__}: {exc}); "
                                    "this is a tracesite bug, please report it with the file", run=run.id))


def _duplicate_finding(imp, trace: Trace, label: str, place: str, first: tuple[str, str], run_id: str) -> Finding:
    """The error for a trace whose id the trace at ``first`` (file, place) already had."""
    where = first[1] if first[0] == label and first[1] else ":".join(p for p in first if p)
    expected = getattr(imp, "trace_identity", None) or "distinct trace ids: each task and trial once"
    return Finding(label, place, "import",
                   f"trace {trace.id!r} (task {trace.task_id!r}, trial {trace.trial}) appears again: the copy at "
                   f"{where} is kept and this one skipped, every other trace is imported; expected {expected}",
                   run=run_id)


def process_run(project: Project, entry: RunEntry, renderer: Renderer | None,
                project_findings: list[Finding]) -> tuple[RunSummary, list[Page]]:
    """The run's summary (with its findings) and, with a renderer, its trace pages."""
    run = entry.run
    assert run is not None
    pages_out: list[Page] = []
    emit = pages_out.append
    plan = PathPlan()
    findings: list[Finding] = [f for f in check_run(project, entry)]
    agent = project.registry.agents.get(run.agent)
    bench = project.registry.benchmarks.get(run.benchmark)
    metric = bench.metric if bench else Metric()
    limits = project.config.limits
    per_page = limits.steps_per_page
    inline: list[tuple] = []  # (trace, summary, step views) of the traces shown on the run page
    inline_steps = inline_chars = 0
    summary = RunSummary(run=run, agent=agent, benchmark=bench, url=run_path(run.id))
    owner = f"run {run.id}"
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
        # Ids differing only in case ("Task-1", "task-1") would name the same files on a case-insensitive
        # host: the later one gets a stable suffix (see PathPlan.claim_slug).
        slug, prev = plan.claim_slug(trace.id, f"{owner} trace {trace.id}")
        if prev is not None:
            findings.append(Finding(label, trace.source_pointer or "", "plan",
                                    f"trace id {trace.id!r} would overwrite the page of {prev}; expected unique trace ids"))
            continue
        if slug != slugify(trace.id):
            trace.notes.append(f"published as {slug!r}: another trace of the run has an id that differs from "
                               f"{trace.id!r} only in case, which case-insensitive hosts cannot tell apart")
        chars = sum(min(len(s.content or ""), limits.max_step_chars) for s in trace.steps)
        recorded = _recording_member(entry, trace) is not None  # its player needs a page of its own
        if (not recorded and len(trace.steps) <= limits.steps_per_page
                and inline_steps + len(trace.steps) <= limits.run_page_steps
                and inline_chars + chars <= limits.run_page_chars):
            # Short traces are shown on the run page itself: a run of many small traces is one file, not one per trace.
            inline_steps += len(trace.steps)
            inline_chars += chars
            ts = summarise_trace(trace, slug, [summary.url], limits.steps_per_page, f"t~{slug}~",
                                 metric.success_threshold)
            summary.traces.append(ts)
            if renderer is not None:
                inline.append((trace, ts, _views(run.id, slug, trace, trace.steps, limits, emit)))
            continue
        pages = max(1, -(-len(trace.steps) // per_page))
        page_urls = [trace_page_path(run.id, slug, n) for n in range(1, pages + 1)]
        # A later page's name ("x.p2.html") may be another trace's first page (a trace called "x.p2").
        clash = next((prev for url in page_urls if (prev := plan.claim(url, f"{owner} trace {trace.id}"))), None)
        if clash is not None:
            findings.append(Finding(label, trace.source_pointer or "", "plan",
                                    f"the pages of trace {trace.id!r} would overwrite those of {clash}; "
                                    "expected trace ids that do not look like another trace's page names"))
            continue
        ts = summarise_trace(trace, slug, page_urls, per_page, "", metric.success_threshold)
        summary.traces.append(ts)
        if renderer is not None:
            recording = _publish_recording(entry, trace, slug, personal, emit)
            for page_no in range(1, pages + 1):
                views = _views(run.id, slug, trace, trace.steps[(page_no - 1) * per_page: page_no * per_page], limits,
                               emit)
                emit(renderer.render(
                    "trace.html", page_urls[page_no - 1], run=display_run, agent=agent, benchmark=bench, trace=trace,
                    summary=ts, steps=views, page_no=page_no, pages=pages, page_urls=page_urls,
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
    # Registry findings about this run's agent count against the run too (shown, not reported twice).
    shared = [f for f in project_findings if f.file == "registry/agents.yaml" and f.place == f"/{run.agent}"
              and f.rule == "identity"]
    # So are discovery's findings about its run.yaml (say, an id that differs from the folder name).
    meta_label = project.rel(entry.meta_file)
    shared += [f for f in project.findings if f.file == meta_label]
    summary.findings = findings + shared
    summary.errors = sum(1 for f in summary.findings if f.severity == "error")
    summary.warnings = len(summary.findings) - summary.errors
    summary.checks = _panel(summary, bool(bench and bench.evidence), bool(bench and bench.protocol))
    summary.own_findings = findings
    if renderer is not None:
        _render_run_page(renderer, summary, display_run, inline, emit)
    return summary, pages_out


def _views(run_id: str, slug: str, trace: Trace, steps: list, limits, emit) -> list:
    """Step views of ``steps`` (of ``trace``); the whole content of every step cut for display is published
    beside the page."""
    views = step_views(steps, limits, trace.deciding_step)
    for v in views:
        if v.truncated:  # nothing lost: the whole content is published beside the page
            v.full_url = step_content_path(run_id, slug, v.step.index)
            emit(Page(v.full_url, v.step.content.encode("utf-8", "surrogatepass")))
    return views


def _render_run_page(renderer: Renderer, summary: RunSummary, display_run, inline: list[tuple], emit) -> None:
    """The run page (with its short traces) and its data file. Both depend on this run alone, never on
    the other runs of its board (its rank is on the board), so an unchanged run keeps them as they are."""
    run = summary.run
    inline.sort(key=lambda item: (natural_key(item[1].task_id), item[1].trial, item[1].id))
    emit(renderer.render("run.html", summary.url, rs=summary, run=display_run, findings=summary.findings,
                         board_url=benchmark_path(run.benchmark) if summary.benchmark else None,
                         tasks=task_rows(summary.traces), json_url=run_data_path(run.id), inline=inline))
    emit(Page(run_data_path(run.id), opendata.run_json(summary)))


def task_rows(traces: list) -> list[tuple[str, list]]:
    """The attempts of each task, tasks in natural order."""
    rows: dict[str, list] = {}
    for t in traces:
        rows.setdefault(t.task_id, []).append(t)
    return sorted(rows.items(), key=lambda kv: natural_key(kv[0]))


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


def _recording_member(entry: RunEntry, trace: Trace):
    """The asciicast file a trace was imported from, when it can be published for the player."""
    rel = trace.metadata.get("recording")
    if not isinstance(rel, str) or not rel.endswith(".cast"):
        return None
    path, _ = safe_member(entry.folder, rel)
    if path is None or not path.is_file() or path.stat().st_size > 50 << 20:
        return None
    return path


def _publish_recording(entry: RunEntry, trace: Trace, slug: str, personal: bool, emit) -> str | None:
    """Publish a trace's asciicast recording (secrets redacted) for the player; returns its site path."""
    path = _recording_member(entry, trace)
    if path is None:
        return None
    lines = []
    hits: list = []
    try:
        for raw in path.read_bytes().splitlines():
            if not raw.strip() or raw.lstrip().startswith(b"#"):  # asciicast v3 allows comment lines
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


