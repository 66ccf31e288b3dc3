#!/usr/bin/env python3
"""Build a generated project (bench/generate.py) and report the figures of issue 7.

    python bench/run.py OUT [--json FILE] [--repeat N] [--profile FILE.prof] [--top 15]
                            [--cold-jobs1] [--jobs N] [--timeout S] [--cold-only] [--code DIR]

Measures, on the project in OUT (its ``site/`` is deleted and rebuilt; the
build cache of these builds lives in ``OUT.bench-cache``, passed as
``TRACESITE_CACHE_DIR``, so the user's cache is neither read nor changed):

1. **Machine and inputs**: CPU, cores, memory, Python, the commit measured;
   runs, traces, steps and bytes of the trace files (OUT/bench.json).
2. **Startup floor**: wall time of ``python -c pass``, ``import generator.build``
   and ``python -m generator --version`` (median of 5).
3. **Parse floor**, in a child process: read every trace file and parse it
   with orjson (``.jsonl`` line by line, ``.eval`` member by member after
   inflating deflate/zstd), objects dropped after each document, one
   process, wall and CPU time. Beside it: sha256 of the same files (the
   build's integrity check must do it) and ``yaml.safe_load`` of every
   run.yaml (as discovery does; CSafeLoader for comparison).
4. **Cold build** from the command line, ``python -m generator -C OUT build``,
   interpreter start included, no ``site/`` and an empty cache: wall time,
   CPU time of the process tree, peak memory: ``os.wait4`` ru_maxrss (the
   largest single process) and the sum over the process tree sampled from
   /proc (RSS every 20 ms; PSS, which splits pages shared by forked workers,
   every 0.5 s), exit status, the CLI's own ``--report`` when it has one.
5. **Output**: files and bytes, files per run, largest file; every
   leaderboard page and the pages of the longest trace, raw, gzip -6
   compressed and their DOM element count (start tags seen by html.parser).
6. **Stages**, in a child process that calls ``generator.build.build_site``
   (``jobs=1`` and no run cache when it takes them, so every call is seen):
   the pipeline's own ``result.stages`` and, because the pipeline interleaves
   import, checks and rendering per trace, a finer split measured from
   outside by wrapping the functions the pipeline calls (see ``STAGES``;
   exclusive time, so a wrapped call inside another counts once). Time not
   inside any wrapped call is reported as "other"; names that no longer
   exist are listed.
7. **Rebuild after touching one trace file**: one byte of a tau2 results file
   is changed (the case of a letter inside a message) and its sha256 updated
   in run.yaml, then the CLI build runs again. Reported: wall and CPU time,
   files written (new inode or mtime), files whose bytes changed
   (manifest.json before and after), and which. The file is restored after.
8. **No-op rebuild**: the same, with nothing changed.

``--profile FILE`` adds a build under cProfile (child process, ``jobs=1``)
and prints the top functions by cumulative and by own time. ``--json FILE``
writes every figure (also after each phase). ``--timeout S`` stops a build
that runs longer (its process group is killed; how far it got is reported).
``--code DIR`` measures a snapshot of tracesite (``git archive HEAD | tar -x
-C DIR``) instead of the working tree, which others may be editing.
Timings are wall-clock on what may be a shared machine: read the CPU times
and the load average recorded with each build, repeat (``--repeat``) and use
medians. Nothing here is asserted.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import argparse  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable

TARGETS = {
    "cold_build_s": 30.0,
    "cold_build_floor_ratio": 3.0,
    "rebuild_one_trace_s": 1.0,
    "noop_files_written": 0,
    "peak_rss_mb": 512.0,
    "leaderboard_1000_gzip_kb": 20.0,
    "leaderboard_1000_dom": 1500,
    "trace_10000_first_page_gzip_kb": 100.0,
    "max_file_mb": 5.0,
    "site_gb": 1.0,
    "files_per_run": 2.5,
}


# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------


CODE: Path | None = None  # --code: a snapshot of tracesite to measure instead of the working tree


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    commit = dirty = None
    if CODE is not None:  # a snapshot (git archive): its commit is recorded beside it
        marker = CODE / ".bench-commit"
        commit = marker.read_text().strip() if marker.is_file() else f"snapshot {CODE}"
        dirty = False
    else:
        try:
            commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True, timeout=10).stdout.strip() or None
            dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "generator", "themes"],
                                        capture_output=True, text=True, timeout=10).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from generator import __version__ as version
    except Exception:  # pragma: no cover
        version = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.platform(),
        "tracesite": version,
        "commit": commit,
        "generator_or_themes_modified": dirty,
        "code": str(CODE) if CODE else str(REPO),
    }


# --------------------------------------------------------------------------
# Child processes: wall time, rusage, sampled RSS of the process tree
# --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                out += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _proc_kb(pid: int, file: str, field: str) -> int:
    """A ``field: N kB`` line of ``/proc/<pid>/<file>`` (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", "VmRSS")


def _pss_kb(pid: int) -> int:
    return _proc_kb(pid, "smaps_rollup", "Pss")


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int) -> float:
    """utime + stime of the process itself (/proc/PID/stat); children are sampled as their own pids."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:13]) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


class TreeSampler(threading.Thread):
    """Memory and CPU of a process and its descendants, from /proc.

    RSS is summed over the processes every ``interval`` s (forked workers share
    pages, which a sum of RSS counts once per process); PSS (shared pages split
    between the processes that map them) every 0.5 s. A time series is kept
    every ``series_every`` s.
    """

    def __init__(self, pid: int, interval: float = 0.02, series_every: float = 5.0):
        super().__init__(daemon=True)
        self.pid, self.interval, self.series_every = pid, interval, series_every
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.max_procs = 0
        self.cpu: dict[int, float] = {}
        self.series: list[tuple[float, float, float, int, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        t0 = time.perf_counter()
        last_pss = last_series = -1e9
        while not self.stop.is_set():
            pids, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                pids.append(p)
                todo += _children(p)
            now = time.perf_counter() - t0
            total = sum(_rss_kb(p) for p in pids)
            self.peak_kb = max(self.peak_kb, total)
            self.max_procs = max(self.max_procs, len(pids))
            if now - last_pss >= 0.5:
                last_pss = now
                pss = sum(_pss_kb(p) for p in pids)
                self.peak_pss_kb = max(self.peak_pss_kb, pss)
                for p in pids:
                    self.cpu[p] = max(self.cpu.get(p, 0.0), _cpu_s(p))
                if now - last_series >= self.series_every:
                    last_series = now
                    self.series.append((round(now, 1), round(total / 1024, 1), round(pss / 1024, 1), len(pids),
                                        round(sum(self.cpu.values()), 1)))
            self.stop.wait(self.interval)


ENV = dict(os.environ)  # TRACESITE_CACHE_DIR is set by main() to a folder of the benchmark's own


TIMEOUT: float | None = None  # seconds; set by main() from --timeout


def run_child(cmd: list[str], cwd: Path | None = None, timeout: float | None = None) -> dict:
    """Run ``cmd`` in its own process group; on timeout the group (and only it) is killed."""
    load = os.getloadavg()[0]
    timeout = timeout if timeout is not None else TIMEOUT
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=ENV, start_new_session=True)
        sampler = TreeSampler(p.pid)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(p.pid, 9)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
        sampler.stop.set()
        sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return {
        "cmd": " ".join(cmd), "wall_s": wall, "rc": p.returncode, "loadavg_1min_before": load,
        "timed_out": timed_out.is_set(),
        "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
        "maxrss_mb": ru.ru_maxrss / 1024,  # KiB on Linux: the largest single process of the tree
        "tree_rss_peak_mb": sampler.peak_kb / 1024, "tree_pss_peak_mb": sampler.peak_pss_kb / 1024,
        "max_processes": sampler.max_procs, "sampled_cpu_s": sum(sampler.cpu.values()),
        "series_t_rss_pss_procs_cpu": sampler.series,
        "stdout_tail": stdout.strip().splitlines()[-3:], "stderr_tail": stderr.strip().splitlines()[-5:],
        "stdout": stdout, "stderr_tail_full": stderr[-20000:],
    }


class BuildCrash(RuntimeError):
    pass


LAST_TIMEOUT: dict | None = None


class _Done(Exception):
    pass


_REPORT_OK: bool | None = None


def build_cli(root: Path, jobs: int | None = None) -> dict:
    """``python -m generator -C ROOT build`` (with ``--report`` when the CLI has it)."""
    global _REPORT_OK
    base = [PY, "-m", "generator", "-C", str(root), "build"] + (["--jobs", str(jobs)] if jobs else [])
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = base + (["--report", str(report)] if _REPORT_OK is not False else [])
        r = run_child(cmd, cwd=Path(tempfile.gettempdir()))
        if _REPORT_OK is None and r["rc"] == 2 and "--report" in "\n".join(r["stderr_tail"]):
            _REPORT_OK = False
            return build_cli(root, jobs)
        if r["rc"] == 0 or (r["rc"] == 1 and "Traceback" not in r["stderr_tail_full"]):
            _REPORT_OK = _REPORT_OK if _REPORT_OK is not None else report.is_file()
        if report.is_file():
            r["report"] = json.loads(report.read_text())
    crashed = r["rc"] not in (0, 1) or "Traceback (most recent call last)" in r["stderr_tail_full"]
    r.pop("stdout", None)
    r.pop("stderr_tail_full", None)
    if r["timed_out"]:
        staged = sum(len(files) for d in root.glob(".site.build-*") for _, _, files in os.walk(d))
        global LAST_TIMEOUT
        LAST_TIMEOUT = {k: r[k] for k in ("wall_s", "tree_rss_peak_mb", "tree_pss_peak_mb", "maxrss_mb", "max_processes",
                                         "sampled_cpu_s", "series_t_rss_pss_procs_cpu", "loadavg_1min_before")}
        LAST_TIMEOUT["files_staged_at_stop"] = staged
        for d in root.glob(".site.build-*"):
            shutil.rmtree(d, ignore_errors=True)  # the killed build's staging folder
        raise BuildCrash(f"the build did not finish within {TIMEOUT:.0f} s and was stopped "
                         f"(peak RSS so far {r['tree_rss_peak_mb']:.0f} MB summed, PSS {r['tree_pss_peak_mb']:.0f} MB; "
                         f"{staged:,} files staged; {r['sampled_cpu_s']:.0f} s CPU)")
    if crashed:
        raise BuildCrash(f"the build crashed (exit {r['rc']}): " + " | ".join(r["stderr_tail"]))
    return r


# --------------------------------------------------------------------------
# Floors (child mode --_floor)
# --------------------------------------------------------------------------


def _eval_members(path: Path, data: bytes):
    import io
    import struct
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.endswith("/"):
                continue
            if info.compress_type == 93:
                import zstandard

                off = info.header_offset
                n, e = struct.unpack("<HH", data[off + 26: off + 30])
                start = off + 30 + n + e
                raw = data[start: start + info.compress_size]
                yield zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw), read_across_frames=True).read()
            else:
                yield zf.read(info)


def floor(root: Path) -> dict:
    import orjson
    import yaml

    files = sorted(p for p in (root / "traces").rglob("*")
                   if p.is_file() and p.name not in ("run.yaml", "run.yml", "run.json", "run.sig"))
    metas = sorted((root / "traces").glob("*/run.yaml"))
    out: dict[str, Any] = {"files": len(files), "run_yaml": len(metas)}
    t0, c0 = time.perf_counter(), time.process_time()
    nbytes = docs = 0
    for p in files:
        data = p.read_bytes()
        nbytes += len(data)
        if p.suffix == ".eval":
            for member in _eval_members(p, data):
                orjson.loads(member)
                docs += 1
        elif p.suffix == ".jsonl":
            for line in data.splitlines():
                if line.strip():
                    orjson.loads(line)
                    docs += 1
        else:
            orjson.loads(data)
            docs += 1
        del data
    out["parse_s"] = time.perf_counter() - t0
    out["parse_cpu_s"] = time.process_time() - c0
    out["bytes"] = nbytes
    out["documents"] = docs
    t0 = time.perf_counter()
    for p in files:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    out["sha256_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in metas:
        yaml.safe_load(p.read_text(encoding="utf-8"))
    out["run_yaml_safe_load_s"] = time.perf_counter() - t0
    if hasattr(yaml, "CSafeLoader"):
        t0 = time.perf_counter()
        for p in metas:
            yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        out["run_yaml_csafe_load_s"] = time.perf_counter() - t0
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# --------------------------------------------------------------------------
# In-process build with stage attribution (child mode --_inprocess)
# --------------------------------------------------------------------------


STAGES = [
    # (stage, [(module, attribute)]): every binding found is wrapped; time is exclusive
    # (a wrapped call inside another is counted once, in the inner stage).
    ("discover (config, registry, run.yaml)", [("generator.build", "discover")]),
    ("content pages (read, front matter)", [("generator.build", "_read_content"), ("generator.build", "_site_nav")]),
    ("build cache (keys, pickles)", [("generator.cache", "RunCache.__init__"), ("generator.cache", "RunCache.get"),
                                     ("generator.cache", "RunCache.put"), ("generator.cache", "RunCache.save"),
                                     ("generator.cache", "RunCache.summary")]),
    ("import/parse (importers, Trace model)", [("generator.runstage", "iter_run_traces")]),
    ("redact (secrets, personal data)", [("generator.runstage", n)
                                         for n in ("redact_run", "redact_trace", "redact_value", "_secret_findings")]),
    # generator/build.py itself reads traces again only for the side-by-side views (_first_traces)
    ("side-by-side views: traces read and redacted again", [("generator.build", "iter_run_traces"),
                                                            ("generator.build", "redact_trace")]),
    ("validate: check_run (identity, sha256 of every file)", [(m, "check_run") for m in ("generator.runstage", "generator.build")]),
    ("validate: per trace (task set, evidence)", [(m, n) for m in ("generator.runstage", "generator.build")
                                                  for n in ("check_trace", "check_evidence")]),
    ("validate: per run (coverage, reconciliation, protocol, signature)",
     [(m, n) for m in ("generator.runstage", "generator.build")
      for n in ("check_task_coverage", "check_reconciliation", "check_protocol", "verify")]),
    ("validate: project (registry, look-alikes, task sets)", [("generator.build", n) for n in
                                                              ("check_registry", "check_identity_lookalikes", "check_task_sets")]),
    ("aggregate (summaries, failure classes, leaderboards)", [(m, n) for m in ("generator.runstage", "generator.build")
                                                              for n in ("summarise_trace", "finish_run", "_apply_overrides",
                                                                        "_panel", "leaderboard", "task_rows")]),
    ("render: step_views (trace view data)", [(m, "step_views") for m in ("generator.runstage", "generator.build")]),
    ("render: Jinja templates", [("generator.render", "Renderer.render"), ("generator.render", "Renderer.__init__"),
                                 ("generator.build", "_warm_up")]),
    ("render: Markdown, assets", [("generator.render", "Renderer.markdown_html"), ("generator.render", "Renderer.assets")]),
    ("site pages: boards, comparisons, open data (outside templates)",
     [("generator.build", "_render_site"), ("generator.build", "_render_board"), ("generator.build", "_first_traces")]),
    ("per-run orchestration (outside the calls above)", [("generator.runstage", "process_run"),
                                                         ("generator.runstage", "_render_run_page")]),
    ("write (stage folder, hard links, swap in)", [("generator.write", "SiteWriter.__init__"),
                                                   ("generator.write", "SiteWriter.write"),
                                                   ("generator.write", "SiteWriter.reuse"),
                                                   ("generator.write", "SiteWriter.forget"),
                                                   ("generator.write", "SiteWriter.commit")]),
]


def inprocess(root: Path, site: Path, profile: Path | None, top: int) -> dict:
    import importlib
    import inspect
    from collections import defaultdict

    t_import = time.perf_counter()
    import generator.build as B

    t_imported = time.perf_counter()
    times: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    clock = time.perf_counter
    stack: list[list] = []  # [stage, start of the current exclusive slice]

    def enter(stage: str) -> None:
        now = clock()
        if stack:
            times[stack[-1][0]] += now - stack[-1][1]
        stack.append([stage, now])
        calls[stage] += 1

    def leave() -> None:
        now = clock()
        stage, since = stack.pop()
        times[stage] += now - since
        if stack:
            stack[-1][1] = now

    def wrapped(fn, stage):
        if inspect.isgeneratorfunction(fn):
            def gen(*a, **k):
                it = fn(*a, **k)
                while True:
                    enter(stage)
                    try:
                        item = next(it)
                    except StopIteration:
                        return
                    finally:
                        leave()
                    yield item
            return gen

        def timed(*a, **k):
            enter(stage)
            try:
                return fn(*a, **k)
            finally:
                leave()
        return timed

    wrapped_names: list[str] = []
    missing: list[str] = []

    def install() -> None:
        for stage, targets in STAGES:
            for modname, attr in targets:
                try:
                    mod = importlib.import_module(modname)
                except ImportError:
                    continue
                owner, name = mod, attr
                if "." in attr:
                    cls, name = attr.split(".", 1)
                    owner = getattr(mod, cls, None)
                fn = getattr(owner, name, None) if owner is not None else None
                if fn is None or not callable(fn):
                    missing.append(f"{modname}.{attr}")
                    continue
                setattr(owner, name, wrapped(fn, stage))
                wrapped_names.append(f"{modname}.{attr}")

    if profile is None:  # a profile is taken without the timing wrappers
        install()
    kwargs: dict[str, Any] = {}
    params = inspect.signature(B.build_site).parameters
    if "use_cache" in params:
        kwargs["use_cache"] = False
    if "jobs" in params:
        kwargs["jobs"] = 1  # in this process, so that every call is seen
    prof = None
    if profile is not None:
        import cProfile

        prof = cProfile.Profile()
    t0 = clock()
    if prof:
        prof.enable()
    result = B.build_site(root, site, **kwargs)
    if prof:
        prof.disable()
    total = clock() - t0
    attributed = sum(times.values())
    stages = dict(sorted(times.items(), key=lambda kv: -kv[1]))
    stages["other (not inside a wrapped call)"] = total - attributed
    longest = None
    for rs in result.runs:
        for ts in rs.traces:
            if longest is None or ts.steps > longest[1].steps:
                longest = (rs, ts)
    out: dict[str, Any] = {
        "build_site_kwargs": kwargs,
        "process_start_to_import_s": t_import - _T_START,
        "import_generator_s": t_imported - t_import,
        "build_site_s": total,
        "pipeline_stages": result.stages,
        "attributed_stages": stages,
        "calls": dict(calls),
        "wrapped": wrapped_names,
        "not_wrapped": sorted(set(missing) - {m for m in missing if m.split(".", 2)[-1] in
                                              {w.split(".", 2)[-1] for w in wrapped_names}}),
        "pages": result.pages,
        "bytes": result.bytes,
        "runs": len(result.runs),
        "traces": sum(len(r.traces) for r in result.runs),
        "steps": sum(t.steps for r in result.runs for t in r.traces),
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "first_errors": [f"{f.file} {f.place} {f.rule}: {f.message}" for f in result.errors[:5]],
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if longest:
        rs, ts = longest
        out["longest_trace"] = {"run": rs.run.id, "trace": ts.id, "steps": ts.steps, "pages": ts.page_count,
                                "url": ts.url}
    if prof:
        import io
        import pstats

        prof.dump_stats(str(profile))
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats("cumulative").print_stats(top)
        out["profile_text"] = buf.getvalue()

        def rows(idx: int) -> list[dict]:
            return [{"function": f"{_short_path(file)}:{line}({fn})", "ncalls": nc, "tottime": tt, "cumtime": ct}
                    for (file, line, fn), (cc, nc, tt, ct, _) in
                    sorted(st.stats.items(), key=lambda kv: -kv[1][idx])[:top]]

        out["profile_top"] = rows(3)
        out["profile_top_tottime"] = rows(2)
    return out


def _short_path(file: str) -> str:
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def inprocess_child(root: Path, site: Path, profile: Path | None, top: int) -> dict:
    cmd = [PY, __file__, "--_inprocess", str(root), "--_site", str(site), "--top", str(top)]
    if profile:
        cmd += ["--profile", str(profile)]
    r = run_child(cmd)
    if r["timed_out"]:
        raise BuildCrash(f"the in-process build did not finish within {TIMEOUT:.0f} s and was stopped")
    if r["rc"] != 0:
        raise BuildCrash(f"in-process build failed: {r['stderr_tail']}")
    data = json.loads(r["stdout"])
    data["child_wall_s"] = r["wall_s"]
    data["child_maxrss_mb"] = r["maxrss_mb"]
    data["child_tree_rss_peak_mb"] = r["tree_rss_peak_mb"]
    return data


# --------------------------------------------------------------------------
# Output analysis
# --------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.n = 0
        self.scripts = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.n += 1
        self.scripts += tag == "script"

    def handle_startendtag(self, tag, attrs) -> None:
        self.n += 1


def page_weight(path: Path) -> dict:
    data = path.read_bytes()
    parser = _Elements()
    parser.feed(data.decode("utf-8", errors="replace"))
    parser.close()
    return {"raw_kb": len(data) / 1024, "gzip6_kb": len(gzip.compress(data, compresslevel=6, mtime=0)) / 1024,
            "dom_elements": parser.n, "scripts": parser.scripts}


def snapshot(site: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for dirpath, _, names in os.walk(site):
        for n in names:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[os.path.relpath(p, site)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def manifest(site: Path) -> dict[str, str]:
    try:
        return json.loads((site / "manifest.json").read_text())["files"]
    except (OSError, ValueError, KeyError):
        return {}


def analyse_site(root: Path, bench: dict) -> dict:
    from generator.plan import benchmark_path, slugify, trace_page_path

    site = root / "site"
    sizes = []
    by_top: dict[str, list[int]] = {}
    for dirpath, _, names in os.walk(site):
        for n in names:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, site)
            s = os.path.getsize(p)
            sizes.append((s, rel))
            top = rel.split(os.sep, 1)[0] if os.sep in rel else "(root)"
            by_top.setdefault(top, [0, 0])
            by_top[top][0] += 1
            by_top[top][1] += s
    sizes.sort(reverse=True)
    total = sum(s for s, _ in sizes)
    runs = bench.get("runs") or 1
    trace_pages = sum(1 for _, rel in sizes if "/traces/" in rel.replace(os.sep, "/"))
    out: dict[str, Any] = {
        "files": len(sizes), "bytes": total, "mb": total / 1e6,
        "files_per_run": len(sizes) / runs, "trace_pages": trace_pages,
        "largest": [{"path": rel, "mb": s / 1e6} for s, rel in sizes[:5]],
        "by_top_folder": {k: {"files": v[0], "mb": v[1] / 1e6} for k, v in sorted(by_top.items())},
        "files_over_5mb": sum(1 for s, _ in sizes if s > 5 * 1024 * 1024),
    }
    boards = []
    for bid, n in bench.get("by_benchmark", {}).items():
        p = site / benchmark_path(bid)
        if p.is_file():
            boards.append({"benchmark": bid, "runs": n, **page_weight(p)})
    out["leaderboards"] = sorted(boards, key=lambda b: -b["runs"])
    if boards:
        # the 1,000-run figure: the board with 1,000 runs, else a straight-line fit over the boards
        exact = [b for b in boards if b["runs"] == 1000]
        if exact:
            b = max(exact, key=lambda b: b["gzip6_kb"])
            out["leaderboard_1000"] = {"basis": f"measured ({b['benchmark']})", **{k: b[k] for k in
                                       ("raw_kb", "gzip6_kb", "dom_elements", "scripts")}}
        elif len({b["runs"] for b in boards}) > 1:
            est = {}
            for key in ("raw_kb", "gzip6_kb", "dom_elements"):
                xs = [b["runs"] for b in boards]
                ys = [b[key] for b in boards]
                slope, icpt = statistics.linear_regression(xs, ys)
                est[key] = icpt + slope * 1000
                est[key + "_per_run"] = slope
            out["leaderboard_1000"] = {"basis": "straight-line fit over the boards, extrapolated to 1,000 runs", **est}
    lt = bench.get("longest_trace")
    if lt:
        slug = slugify(lt["trace_id"])
        first = site / trace_page_path(lt["run"], slug, 1)
        pages = sorted(first.parent.glob(f"{slug}.p*.html")) + ([first] if first.is_file() else [])
        info: dict[str, Any] = {"run": lt["run"], "trace": lt["trace_id"], "steps": lt["steps"],
                                "format": lt.get("format"), "pages": len(pages)}
        if first.is_file():
            info["first_page"] = {"path": str(first.relative_to(site)), **page_weight(first)}
            biggest = max(pages, key=lambda p: p.stat().st_size)
            info["largest_page"] = {"path": str(biggest.relative_to(site)), **page_weight(biggest)}
            info["all_pages_mb"] = sum(p.stat().st_size for p in pages) / 1e6
        out["longest_trace"] = info
    tp = sorted(s for s, rel in sizes if "/traces/" in rel.replace(os.sep, "/"))
    if tp:
        out["trace_page_median_kb"] = tp[len(tp) // 2] / 1024
    rp = sorted(s for s, rel in sizes if re.match(r"runs[/\\][^/\\]+[/\\]index\.html$", rel))
    if rp:
        out["run_page_median_kb"] = rp[len(rp) // 2] / 1024
    return out


# --------------------------------------------------------------------------
# Touch one trace file
# --------------------------------------------------------------------------


def touch(root: Path, bench: dict) -> dict:
    t = bench["touch"]
    folder = root / "traces" / t["run"]
    path = folder / t["file"]
    data = bytearray(path.read_bytes())
    old = hashlib.sha256(data).hexdigest()
    m = re.search(rb'"content": "[A-Za-z]', data) or re.search(rb'"content":"[A-Za-z]', data)
    if m is None:
        raise SystemExit(f"no message content to change in {path}")
    i = m.end() - 1
    data[i] ^= 0x20  # swap the case of one letter: one byte, still valid JSON, same size
    path.write_bytes(bytes(data))
    new = hashlib.sha256(data).hexdigest()
    meta = folder / "run.yaml"
    text = meta.read_text()
    if old not in text:
        raise SystemExit(f"{meta} does not record {old}")
    meta.write_text(text.replace(old, new))
    return {"run": t["run"], "file": f"traces/{t['run']}/{t['file']}", "offset": i, "sha256": new}


def compare(before: dict, after: dict, man_before: dict, man_after: dict, run: str | None, bench_id: str | None) -> dict:
    from generator.plan import benchmark_path, slugify

    written = [p for p, v in after.items() if before.get(p, (None, None))[:2] != v[:2]]
    removed = [p for p in before if p not in after]
    changed = sorted(p for p in set(man_before) | set(man_after) if man_before.get(p) != man_after.get(p))
    run_prefix = f"runs/{slugify(run)}/" if run else None
    board = benchmark_path(bench_id).rsplit("/", 1)[0] + "/" if bench_id else None

    def cat(p: str) -> str:
        p = p.replace(os.sep, "/")
        if run_prefix and p.startswith(run_prefix):
            return "the touched run's files"
        if board and p.startswith(board):
            return "its benchmark's files"
        if p in ("index.html", "manifest.json"):
            return p
        if p.startswith("runs/"):
            return "other runs' files"
        if p.startswith("benchmarks/"):
            return "other benchmarks' files"
        return "other"

    def by_cat(paths):
        out: dict[str, int] = {}
        for p in paths:
            out[cat(p)] = out.get(cat(p), 0) + 1
        return dict(sorted(out.items()))

    return {"files_written": len(written), "files_removed": len(removed), "files_changed": len(changed),
            "written_by_kind": by_cat(written), "changed_by_kind": by_cat(changed), "changed": changed[:20]}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _med(rs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rs)


def targets(res: dict) -> list[dict]:
    """Each target of issue 7 beside the measured figure (the targets are for W)."""
    out = []

    def add(name: str, target: float, measured: float | None, unit: str, note: str = "") -> None:
        if measured is None:
            return
        met = measured <= target
        factor = (measured / target) if target else None
        out.append({"target": name, "limit": target, "measured": measured, "unit": unit, "met": met,
                    "factor": factor, "note": note})

    if "cold" not in res:
        return out
    cold = res["cold"]["wall_s_median"]
    floor_s = res["floor"]["parse_s"]
    add("cold build, CLI", TARGETS["cold_build_s"], cold, "s")
    add("cold build / parse floor", TARGETS["cold_build_floor_ratio"], cold / floor_s if floor_s else None, "x")
    if res["floor"].get("parse_cpu_s"):
        add("cold build CPU / parse floor CPU", TARGETS["cold_build_floor_ratio"],
            res["cold"]["cpu_s_median"] / res["floor"]["parse_cpu_s"], "x", "CPU time, less sensitive to other load")
    if "touch" in res:
        add("rebuild after one trace file, CLI", TARGETS["rebuild_one_trace_s"], res["touch"]["wall_s_median"], "s")
    if "noop" in res:
        add("no-op build: files written", TARGETS["noop_files_written"], res["noop"]["files_written"], "files")
    peak = max(res["cold"]["maxrss_mb_max"], res["cold"]["tree_rss_peak_mb_max"])
    add("peak memory (RSS summed over processes)", TARGETS["peak_rss_mb"], peak, "MB",
        f"PSS (shared pages split) {res['cold'].get('tree_pss_peak_mb_max', 0):.0f} MB")
    if "site" not in res or not res["site"].get("largest"):
        return out
    lb = res["site"].get("leaderboard_1000")
    if lb:
        add("leaderboard of 1,000 runs, gzip -6", TARGETS["leaderboard_1000_gzip_kb"], lb["gzip6_kb"], "KB", lb["basis"])
        add("leaderboard of 1,000 runs, DOM elements", TARGETS["leaderboard_1000_dom"], lb["dom_elements"], "elements",
            lb["basis"])
    lt = res["site"].get("longest_trace", {})
    if lt.get("first_page"):
        add(f"trace page of {lt['steps']:,} steps, first load gzip -6", TARGETS["trace_10000_first_page_gzip_kb"],
            lt["first_page"]["gzip6_kb"], "KB")
    add("largest output file", TARGETS["max_file_mb"], res["site"]["largest"][0]["mb"] / 1.048576, "MiB")
    add("whole site", TARGETS["site_gb"], res["site"]["bytes"] / 1e9, "GB")
    add("output files per run", TARGETS["files_per_run"], res["site"]["files_per_run"], "files")
    return out


def print_report(res: dict) -> None:
    m, b, fl = res["machine"], res["inputs"], res["floor"]
    print(f"\n== machine: {m['nproc']} cores, {m['cpu']}, {m['mem_gb']} GB, Python {m['python']}, "
          f"tracesite {m['tracesite']} ({m['commit']}{', generator/themes modified' if m['generator_or_themes_modified'] else ''})")
    print(f"== inputs: {b['runs']:,} runs, {b['traces']:,} traces, {b['steps']:,} steps, {b['trace_files']:,} trace files, "
          f"{b['input_mb']:,.1f} MB (preset {b['preset']}, seed {b['seed']})")
    st = res["startup"]
    print(f"== startup: python -c pass {st['python_s']:.3f} s; import generator.build {st['import_build_s']:.3f} s; "
          f"python -m generator --version {st['cli_version_s']:.3f} s")
    print(f"== parse floor (1 process, orjson): {fl['parse_s']:.2f} s wall, {fl.get('parse_cpu_s', 0):.2f} s CPU "
          f"for {fl['bytes'] / 1e6:,.1f} MB "
          f"({fl['bytes'] / 1e6 / fl['parse_s']:,.0f} MB/s, {fl['documents']:,} documents); sha256 of the same files "
          f"{fl['sha256_s']:.2f} s; run.yaml yaml.safe_load {fl['run_yaml_safe_load_s']:.2f} s"
          + (f" (CSafeLoader {fl['run_yaml_csafe_load_s']:.2f} s)" if "run_yaml_csafe_load_s" in fl else ""))
    for key, title in (("cold_jobs1", "cold build, --jobs 1"), ("cold", "cold build (no site, no cache)"),
                       ("touch", "rebuild after touching one trace file"), ("noop", "no-op rebuild")):
        r = res.get(key)
        if not r:
            continue
        extra = ""
        if "files_written" in r:
            extra = (f"; files written {r['files_written']:,} {r['written_by_kind']}, bytes changed in "
                     f"{r['files_changed']:,} {r['changed_by_kind']}")
        print(f"== {title} (CLI): {r['wall_s_median']:.2f} s wall (runs: {', '.join(f'{x:.2f}' for x in r['wall_s'])}), "
              f"cpu {r['cpu_s_median']:.2f} s, peak RSS {r['maxrss_mb_max']:.0f} MB (largest process), "
              f"{r['tree_rss_peak_mb_max']:.0f} MB RSS / {r['tree_pss_peak_mb_max']:.0f} MB PSS (tree, sampled), "
              f"{r['max_processes']} process(es), "
              f"exit {r['rc']}, load before {', '.join(f'{x:.1f}' for x in r['loadavg_1min_before'])}{extra}")
        if r["stdout_tail"]:
            print(f"   {r['stdout_tail'][-1]}")
        if "report" in r:
            rep = r["report"]
            print(f"   --report: {json.dumps(rep.get('stages_s', {}))}, jobs {rep.get('jobs')}, "
                  f"runs from cache {rep.get('runs_from_cache')}")
        if key.startswith("cold"):
            if fl.get("parse_cpu_s"):
                print(f"   CPU time / parse floor CPU time: {r['cpu_s_median'] / fl['parse_cpu_s']:.1f}x")
            print(f"   ratio to parse floor: {r['wall_s_median'] / fl['parse_s']:.1f}x; "
                  f"{b['steps'] / r['wall_s_median']:,.0f} steps/s; {b['input_mb'] / r['wall_s_median']:,.1f} MB/s of input")
    ip = res.get("stages")
    if ip:
        print(f"== stages (in-process build_site({', '.join(f'{k}={v}' for k, v in ip['build_site_kwargs'].items())}), "
              f"{ip['build_site_s']:.2f} s; import of generator {ip['import_generator_s']:.2f} s; "
              f"peak RSS {ip['maxrss_mb']:.0f} MB):")
        print("   pipeline's own result.stages:")
        for k, v in ip["pipeline_stages"].items():
            print(f"     {k:55} {v:8.2f} s")
        print("   measured from outside (wrapped calls, exclusive time):")
        for k, v in ip["attributed_stages"].items():
            share = 100 * v / ip["build_site_s"] if ip["build_site_s"] else 0
            print(f"     {k:66} {v:8.2f} s {share:5.1f}%  ({ip['calls'].get(k, 0):,} calls)")
        if ip["not_wrapped"]:
            print(f"   not found to wrap: {', '.join(ip['not_wrapped'])}")
        print(f"   {ip['pages']:,} pages, {ip['bytes'] / 1e6:,.1f} MB, {ip['errors']} errors, {ip['warnings']} warnings")
    s = res.get("site")
    if s and s.get("largest"):
        print(f"== output: {s['files']:,} files, {s['mb']:,.1f} MB, {s['files_per_run']:.2f} files per run "
              f"({s['trace_pages']:,} files under runs/*/traces/), files over 5 MiB: {s['files_over_5mb']}")
        print(f"   by top folder: {json.dumps({k: v['files'] for k, v in s['by_top_folder'].items()})}")
        print(f"   largest file: {s['largest'][0]['path']} {s['largest'][0]['mb']:.2f} MB; median trace page "
              f"{s.get('trace_page_median_kb', 0):.1f} KB; median run page {s.get('run_page_median_kb', 0):.1f} KB")
        for lb in s["leaderboards"]:
            print(f"   leaderboard {lb['benchmark']:20} {lb['runs']:6,} runs: {lb['raw_kb']:9,.1f} KB raw, "
                  f"{lb['gzip6_kb']:8,.1f} KB gzip -6, {lb['dom_elements']:7,} elements, {lb['scripts']} script(s)")
        if "leaderboard_1000" in s:
            lb = s["leaderboard_1000"]
            print(f"   leaderboard at 1,000 runs ({lb['basis']}): {lb['gzip6_kb']:,.1f} KB gzip -6, "
                  f"{lb['dom_elements']:,.0f} elements")
        lt = s.get("longest_trace")
        if lt and lt.get("first_page"):
            fp, lp = lt["first_page"], lt["largest_page"]
            print(f"   longest trace {lt['run']}/{lt['trace']} ({lt['format']}): {lt['steps']:,} steps on {lt['pages']} "
                  f"pages, {lt['all_pages_mb']:.1f} MB in all")
            print(f"     first page {fp['raw_kb']:,.1f} KB raw, {fp['gzip6_kb']:,.1f} KB gzip -6, {fp['dom_elements']:,} "
                  f"elements; largest page {lp['raw_kb']:,.1f} KB raw, {lp['gzip6_kb']:,.1f} KB gzip -6")
    print("== targets of issue 7 (stated for W):")
    for t in res["targets"]:
        f = f"{t['factor']:.2f}x the limit" if t["factor"] is not None else ""
        print(f"   {'MET   ' if t['met'] else 'MISSED'} {t['target']:45} {t['measured']:12,.2f} {t['unit']:9} "
              f"(limit {t['limit']:,} {t['unit']}) {f}")
    if res.get("profile"):
        print(f"== profile (cProfile, in-process build, jobs=1, top {len(res['profile']['top'])} by cumulative time; "
              f"{res['profile']['file']}):")
        for row in res["profile"]["top"]:
            print(f"   {row['cumtime']:8.2f} s cum {row['tottime']:8.2f} s own {row['ncalls']:>10,}  {row['function']}")
        print("   top by own time:")
        for row in res["profile"]["top_tottime"]:
            print(f"   {row['cumtime']:8.2f} s cum {row['tottime']:8.2f} s own {row['ncalls']:>10,}  {row['function']}")
    if res.get("crash"):
        print(f"!! {res['crash']}")
    if res.get("timeout"):
        t = res["timeout"]
        print(f"   stopped build: {t['wall_s']:.0f} s wall, {t['sampled_cpu_s']:.0f} s CPU (sampled), "
              f"{t['files_staged_at_stop']:,} files staged, peak {t['tree_rss_peak_mb']:.0f} MB RSS summed / "
              f"{t['tree_pss_peak_mb']:.0f} MB PSS over {t['max_processes']} processes; load before {t['loadavg_1min_before']:.1f}")
        for row in t["series_t_rss_pss_procs_cpu"][::max(1, len(t["series_t_rss_pss_procs_cpu"]) // 12)]:
            print(f"     t={row[0]:6.0f} s  RSS {row[1]:7.0f} MB  PSS {row[2]:7.0f} MB  {row[3]} processes  CPU {row[4]:6.0f} s")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path, help="a project written by bench/generate.py")
    ap.add_argument("--json", type=Path, help="write every figure to this file (also after each phase)")
    ap.add_argument("--repeat", type=int, default=1, help="CLI builds of each kind (medians are reported)")
    ap.add_argument("--jobs", type=int, help="pass --jobs N to the CLI builds (default: the CLI's default)")
    ap.add_argument("--cold-jobs1", action="store_true", help="also time a cold CLI build with --jobs 1")
    ap.add_argument("--profile", type=Path, help="also build under cProfile and write the stats here")
    ap.add_argument("--top", type=int, default=15, help="profile rows to show")
    ap.add_argument("--no-stages", action="store_true", help="skip the in-process build with stage attribution")
    ap.add_argument("--timeout", type=float, help="stop any build that runs longer than this many seconds")
    ap.add_argument("--cold-only", action="store_true", help="only the cold CLI build and the output analysis")
    ap.add_argument("--code", type=Path, help="measure the tracesite in this folder (e.g. a `git archive` snapshot, "
                    "with its commit in .bench-commit) instead of the working tree, which others may be editing")
    ap.add_argument("--_floor", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_inprocess", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_site", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    root = a.project.resolve()

    if a._floor:
        print(json.dumps(floor(root)))
        return 0
    if a._inprocess:
        print(json.dumps(inprocess(root, a._site, a.profile, a.top)))
        return 0

    global TIMEOUT, CODE
    TIMEOUT = a.timeout
    if a.code:
        CODE = a.code.resolve()
        if not (CODE / "generator" / "__init__.py").is_file():
            ap.error(f"{CODE} holds no generator/ package")
        ENV["PYTHONPATH"] = str(CODE) + (os.pathsep + ENV["PYTHONPATH"] if ENV.get("PYTHONPATH") else "")
        sys.path.insert(0, str(CODE))
    bench = json.loads((root / "bench.json").read_text())
    # the build cache (run summaries, compiled templates) of these builds only, beside the project
    cache_dir = Path(f"{root}.bench-cache")
    ENV["TRACESITE_CACHE_DIR"] = str(cache_dir)
    res: dict[str, Any] = {"machine": machine(), "cache_dir": str(cache_dir)}
    res["inputs"] = {"preset": bench.get("preset"), "seed": bench["options"]["seed"], "runs": bench["runs"],
                     "traces": bench["traces"], "steps": bench["steps"], "trace_files": bench["trace_files"],
                     "input_mb": bench["input_bytes"] / 1e6, "run_yaml_mb": bench.get("meta_bytes", 0) / 1e6,
                     "by_format": bench["by_format"], "by_benchmark": bench["by_benchmark"],
                     "longest_trace": bench["longest_trace"], "options": bench["options"]}
    print(f"project {root}: {bench['runs']:,} runs, {bench['steps']:,} steps, {bench['input_bytes'] / 1e6:,.1f} MB",
          file=sys.stderr)

    def save() -> None:
        if a.json:
            a.json.write_text(json.dumps(res, indent=2, default=str) + "\n")

    def med_wall(cmd: list[str], n: int = 5) -> float:
        return statistics.median(run_child(cmd)["wall_s"] for _ in range(n))

    res["startup"] = {
        "python_s": med_wall([PY, "-c", "pass"]),
        "import_build_s": med_wall([PY, "-c", "import generator.build"]),
        "cli_version_s": med_wall([PY, "-m", "generator", "--version"]),
    }
    print("  parse floor ...", file=sys.stderr)
    r = run_child([PY, __file__, "--_floor", str(root)])
    if r["rc"] != 0:
        raise SystemExit(f"parse floor failed: {r['stderr_tail']}")
    res["floor"] = json.loads(r["stdout"])
    save()

    site = root / "site"

    def summarise(rs: list[dict]) -> dict:
        out = {"wall_s": [x["wall_s"] for x in rs], "wall_s_median": _med(rs, "wall_s"),
               "cpu_s_median": statistics.median(x["user_s"] + x["sys_s"] for x in rs),
               "maxrss_mb_max": max(x["maxrss_mb"] for x in rs),
               "tree_rss_peak_mb_max": max(x["tree_rss_peak_mb"] for x in rs),
               "tree_pss_peak_mb_max": max(x["tree_pss_peak_mb"] for x in rs),
               "series_t_rss_pss_procs_cpu": rs[-1]["series_t_rss_pss_procs_cpu"],
               "max_processes": max(x["max_processes"] for x in rs), "rc": rs[-1]["rc"],
               "loadavg_1min_before": [x["loadavg_1min_before"] for x in rs],
               "stdout_tail": rs[-1]["stdout_tail"], "stderr_tail": rs[-1]["stderr_tail"]}
        if "report" in rs[-1]:
            out["report"] = rs[-1]["report"]
        for k in ("files_written", "files_removed", "files_changed", "written_by_kind", "changed_by_kind", "changed"):
            if k in rs[-1]:
                out[k] = rs[-1][k]
        return out

    def clean() -> None:
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
        for stale in root.glob(".site.*"):
            shutil.rmtree(stale, ignore_errors=True)

    try:
        if a.cold_jobs1:
            print("  cold build with --jobs 1 ...", file=sys.stderr)
            clean()
            res["cold_jobs1"] = summarise([build_cli(root, 1)])
            save()
        colds = []
        for i in range(a.repeat):
            print(f"  cold build {i + 1}/{a.repeat} (no site, no cache) ...", file=sys.stderr)
            clean()
            colds.append(build_cli(root, a.jobs))
        res["cold"] = summarise(colds)
        save()
        print("  analysing the output ...", file=sys.stderr)
        res["site"] = analyse_site(root, bench)
        save()

        if a.cold_only:
            raise _Done
        if not a.no_stages:
            print("  in-process build (stages, jobs=1, no run cache) ...", file=sys.stderr)
            tmp_site = Path(f"{root}.bench-site-inprocess")
            shutil.rmtree(tmp_site, ignore_errors=True)
            try:
                res["stages"] = inprocess_child(root, tmp_site, None, a.top)
            finally:
                shutil.rmtree(tmp_site, ignore_errors=True)
            save()

        bench_of_touch = None
        try:
            import yaml

            bench_of_touch = yaml.safe_load((root / "traces" / bench["touch"]["run"] / "run.yaml").read_text()).get("benchmark")
        except Exception:
            pass
        touched_file = root / "traces" / bench["touch"]["run"] / bench["touch"]["file"]
        meta_file = root / "traces" / bench["touch"]["run"] / "run.yaml"
        original, original_meta = touched_file.read_bytes(), meta_file.read_bytes()
        touches, noops, tinfo = [], [], []
        try:
            for i in range(a.repeat):
                print(f"  rebuild after touching one trace file {i + 1}/{a.repeat} ...", file=sys.stderr)
                before, mb = snapshot(site), manifest(site)
                tinfo.append(touch(root, bench))
                r = build_cli(root, a.jobs)
                r.update(compare(before, snapshot(site), mb, manifest(site), bench["touch"]["run"], bench_of_touch))
                touches.append(r)
            res["touch"] = summarise(touches) | {"touched": tinfo[-1], "benchmark": bench_of_touch}
            save()
            for i in range(a.repeat):
                print(f"  no-op rebuild {i + 1}/{a.repeat} ...", file=sys.stderr)
                before, mb = snapshot(site), manifest(site)
                r = build_cli(root, a.jobs)
                r.update(compare(before, snapshot(site), mb, manifest(site), None, None))
                noops.append(r)
            res["noop"] = summarise(noops)
            save()
        finally:
            touched_file.write_bytes(original)
            meta_file.write_bytes(original_meta)

        if a.profile:
            print("  profiled in-process build (jobs=1, no run cache) ...", file=sys.stderr)
            tmp_site = Path(f"{root}.bench-site-profile")
            shutil.rmtree(tmp_site, ignore_errors=True)
            try:
                p = inprocess_child(root, tmp_site, a.profile.resolve(), a.top)
            finally:
                shutil.rmtree(tmp_site, ignore_errors=True)
            res["profile"] = {"file": str(a.profile), "build_site_s": p["build_site_s"], "top": p["profile_top"],
                              "top_tottime": p["profile_top_tottime"], "text": p["profile_text"]}
    except _Done:
        pass
    except BuildCrash as exc:
        res["crash"] = str(exc)
        if LAST_TIMEOUT:
            res["timeout"] = LAST_TIMEOUT
        print(f"\n!! {exc}", file=sys.stderr)

    res["targets"] = targets(res)
    save()
    print_report(res)
    if a.json:
        print(f"\nfigures written to {a.json}")
    return 1 if "crash" in res else 0


if __name__ == "__main__":
    sys.exit(main())
