"""Command line: a thin layer over the pipeline.

Exit codes: 0 success, 1 the input has errors (or a file or port cannot be
used), 2 usage errors: click's own, and arguments that name nothing usable (a
path that does not exist, an unknown run, an output folder tracesite must not
replace), reported on one line by :class:`UsageProblem`.
Bad input never prints a traceback: it is reported as findings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from generator import __version__, importers
from generator.errors import Finding, InputError


class UsageProblem(click.ClickException):
    """A usage error on one line (``Error: …``), exit status 2 like click's own usage errors
    (click.UsageError would add the usage text, which says nothing about what was wrong)."""

    exit_code = 2


def _project(ctx: click.Context) -> Path:
    return ctx.obj["project"]


def _check_output(out: Path, root: Path) -> None:
    """Refuse (exit 2, nothing touched) an output folder the site must not replace."""
    from generator.write import UnsafeOutputError, check_output

    try:
        check_output(out, root)
    except UnsafeOutputError as exc:
        raise _unsafe_output(exc) from None


def _unsafe_output(exc: Exception) -> UsageProblem:
    return UsageProblem(f"{exc}; choose another folder with --out")


def _print_findings(findings: list[Finding], fmt: str = "text") -> None:
    if fmt == "json":
        rows = [{"file": f.file, "place": f.place, "rule": f.rule, "severity": f.severity, "message": f.message,
                 "run": f.run} for f in findings]
        click.echo(orjson.dumps({"findings": rows}, option=orjson.OPT_INDENT_2).decode())
        return
    for f in findings:
        if fmt == "github":
            level = "error" if f.severity == "error" else "warning"
            line = f.place[5:].split(",")[0] if f.place.startswith("line ") else ""
            loc = f"file={f.file}" + (f",line={line}" if line.isdigit() else "")
            msg = f"[{f.rule}] {f.place + ': ' if f.place else ''}{f.message}".replace("%", "%25").replace("\n", "%0A")
            click.echo(f"::{level} {loc},title=tracesite {f.rule}::{msg}")
        else:
            click.echo(f.format(), err=f.severity == "error")


def _summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    return f"{errors} error{'s' if errors != 1 else ''}, {len(findings) - errors} warning{'s' if len(findings) - errors != 1 else ''}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracesite")
@click.option("-C", "--project", "project", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The project folder.")
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """tracesite: static leaderboards where every score links to its evidence."""
    ctx.ensure_object(dict)
    ctx.obj["project"] = project.resolve()


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Agent leaderboard", show_default=True, help="Site title.")
def init(directory: Path, title: str) -> None:
    """Scaffold a new leaderboard project in DIRECTORY that builds at once."""
    from generator.scaffold import init_project

    try:
        written = init_project(directory, title)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    for rel in written:
        click.echo(f"created {directory / rel}")
    click.echo(f"Next: tracesite -C {directory} import PATH... ; tracesite -C {directory} build")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--run", "run_id", help="Run id (one run for all PATHS); default: from the files.")
@click.option("--benchmark", help="Benchmark id, where the files do not name it (or to override).")
@click.option("--agent", help="Registered agent id, where the files do not name it (or to override).")
@click.option("--model", help="Model name, where the files do not name it (or to override).")
@click.option("--format", "fmt", help="Trace format (see `tracesite formats`); default: detect.")
@click.pass_context
def import_cmd(ctx, paths, run_id, benchmark, agent, model, fmt) -> None:
    """Copy trace files into traces/ as runs, recording their sha256."""
    import os

    from generator.ingest import import_paths

    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageProblem(f"no such file or folder: {', '.join(missing)}")
    if fmt:
        try:
            importers.get(fmt)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="--format") from None
    try:
        report = import_paths(_project(ctx), list(paths), run_id=run_id, benchmark=benchmark, agent=agent,
                              model=model, fmt=fmt)
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for rid in report.written:
        click.echo(f"imported run {rid}")
    for rid in report.unchanged:
        click.echo(f"unchanged run {rid}")
    for stub in report.stubs:
        click.echo(f"registered stub {stub} (fill it in: `tracesite check` reports stubs)")
    for skipped in report.skipped:
        click.echo(f"skipped {skipped}")
    _print_findings(report.findings)
    if report.failed:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="Output: human-readable, JSON, or GitHub Actions annotations.")
@click.pass_context
def check(ctx, paths, fmt) -> None:
    """Validate everything the build would read; exit 1 if any error.

    With PATHS (files or folders of the project, such as run folders), only
    findings in them are shown; a path that does not exist or is outside the
    project is a usage error (exit 2).
    """
    from generator.build import check_project

    root = _project(ctx)
    wanted = []
    for p in paths:
        path = Path(p)
        if not path.exists() and not path.is_absolute() and (root / path).exists():
            path = root / path  # `-C board check traces/run`: a path inside the project
        if not path.exists():
            raise UsageProblem(f"{p}: no such file or folder")
        full = path.resolve()
        if full != root and root not in full.parents:
            raise UsageProblem(f"{p} is not in the project {root} (give -C/--project, or a path inside it)")
        wanted.append(full)
    result = check_project(root)
    findings = result.findings
    if paths:

        def keep(f: Finding) -> bool:
            fp = (root / f.file).resolve()
            return any(fp == w or w in fp.parents for w in wanted)
        findings = [f for f in findings if keep(f)]
    _print_findings(findings, fmt)
    if fmt == "text":
        click.echo(f"checked {result.run_count} runs, {result.trace_count} traces: "
                   f"{_summary(findings)}")
    if any(f.severity == "error" for f in findings):
        sys.exit(1)


def _peak_rss_mb() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # Linux reports KiB


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: site/).")
@click.option("--no-cache", is_flag=True, help="Rebuild every run instead of reusing unchanged ones.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes for runs (default: the number of cores).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write per-stage figures of the build as JSON to this file.")
@click.pass_context
def build(ctx, out, no_cache, jobs, report) -> None:
    """Validate the project and write the static site."""
    from generator.build import build_site
    from generator.parallel import default_jobs
    from generator.write import UnsafeOutputError

    root = _project(ctx)
    _check_output(out or root / "site", root)  # before reading anything
    jobs = jobs or default_jobs()
    try:
        result = build_site(root, out, use_cache=not no_cache, jobs=jobs, progress=sys.stderr.isatty(),
                            keep_summaries=False)
    except UnsafeOutputError as exc:
        raise _unsafe_output(exc) from None
    except OSError as exc:  # the output (or the cache) cannot be written: no traceback, the reason
        raise click.ClickException(f"cannot write {exc.filename or out or root / 'site'}: {exc.strerror or exc}") \
            from None
    _print_findings(result.findings)
    if not result.built:
        click.echo(f"not built: the config has errors (above); {out or root / 'site'} was left as it was")
        sys.exit(1)
    traces = result.trace_count
    total = sum(result.stages.values())
    peak = _peak_rss_mb()
    state = "" if result.changed else " (nothing changed; site left as it was)"
    click.echo(f"built {result.pages} files ({result.bytes / 1e6:.1f} MB; {result.written} written, "
               f"{result.unchanged} unchanged) from {result.run_count} runs and {traces} traces in {total:.1f} s, "
               f"peak memory {peak:.0f} MB, into {out or root / 'site'}{state}: {_summary(result.findings)}")
    if report:
        data = {"stages_s": {k: round(v, 4) for k, v in result.stages.items()}, "total_s": round(total, 4),
                "files": result.pages, "bytes": result.bytes, "written": result.written,
                "unchanged": result.unchanged, "changed": result.changed, "runs": result.run_count,
                "traces": traces, "runs_from_cache": result.stats.get("runs_from_cache", 0), "jobs": jobs,
                "peak_rss_mb": round(peak, 1), "errors": len(result.errors), "warnings": len(result.warnings)}
        report.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    if result.errors:
        sys.exit(1)


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: site/).")
@click.pass_context
def serve(ctx, port, out) -> None:
    """Build, serve on 127.0.0.1 with live reload, and rebuild on change.

    When a site was built before, it is served at once while the first rebuild
    runs in the background (it rewrites only what changed and swaps the new
    site in); without one, the first build comes first. A port in use or an
    output folder that must not be replaced is reported before anything is built."""
    import threading

    from generator import serve as serving
    from generator.build import build_site
    from generator.parallel import default_jobs
    from generator.write import UnsafeOutputError

    root = _project(ctx)
    out = (out or root / "site").resolve()
    _check_output(out, root)
    try:
        serving.check_port(port)
    except serving.PortUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    lock = threading.Lock()  # one build at a time: the first one and those of the watcher

    def rebuild(jobs: int = 1) -> None:
        with lock:
            try:
                result = build_site(root, out, use_cache=True, jobs=jobs, keep_summaries=False)
            except UnsafeOutputError as exc:  # the folder was replaced by something else while serving
                click.echo(f"error: {exc}", err=True)
                return
            except OSError as exc:
                click.echo(f"error: cannot write {exc.filename or out}: {exc.strerror or exc}", err=True)
                return
        _print_findings(result.findings)
        state = "" if result.built else " (not built: the config has errors)"
        click.echo(f"rebuilt{state}: {result.written} files written, {result.unchanged} unchanged: "
                   f"{_summary(result.findings)}")

    if (out / "index.html").is_file():
        # One process: forking worker processes from a thread while the server's thread runs is unsafe.
        threading.Thread(target=rebuild, daemon=True).start()
    else:
        rebuild(default_jobs())
    try:
        serving.serve(root, out, port, rebuild,
                      ready=lambda: click.echo(f"serving {out} on http://{serving.HOST}:{port}/"))
    except serving.PortUnavailable as exc:  # taken since check_port: a background build ends first
        with lock:
            pass
        raise click.ClickException(str(exc)) from None


def _load_run(root: Path, run_id: str):
    from generator.discover import load_run

    folder = root / "traces" / run_id
    if not folder.is_dir() or folder.is_symlink():
        raise UsageProblem(f"no run folder traces/{run_id}")
    entry, errs = load_run(folder, root)
    if entry is None or entry.run is None:
        _print_findings(errs)
        sys.exit(1)
    return entry


@main.command()
@click.argument("run_id")
@click.pass_context
def manifest(ctx, run_id) -> None:
    """Write or refresh RUN's file list in run.yaml with sha256 and sizes."""
    from generator.ingest import refresh_manifest

    root = _project(ctx)
    entry = _load_run(root, run_id)
    try:
        changes = refresh_manifest(root, entry)
    except InputError as exc:
        _print_findings([exc.finding()])
        sys.exit(1)
    for line in changes or ["manifest unchanged"]:
        click.echo(line)


@main.command()
@click.argument("run_id")
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="SSH private key (ssh-keygen -Y sign).")
@click.pass_context
def sign(ctx, run_id, key) -> None:
    """Sign RUN's manifest with an SSH key; writes traces/RUN/run.sig."""
    from generator.signing import SigningError, sign as sign_run

    root = _project(ctx)
    entry = _load_run(root, run_id)
    try:
        path = sign_run(entry.folder, entry.run, key)
    except (SigningError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"signed {run_id}: {path.relative_to(root)}; add the public key to registry/allowed_signers")


@main.command()
def formats() -> None:
    """List the trace formats that import understands."""
    for imp in importers.all_importers():
        click.echo(f"{imp.name}: {imp.title}")
        click.echo(f"    detects: {', '.join(imp.patterns)}")
        click.echo(f"    spec: {imp.spec}")


def run() -> None:  # pragma: no cover - console entry for `python -m generator`
    main()


if __name__ == "__main__":  # pragma: no cover
    try:
        main()
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
