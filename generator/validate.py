"""Stage 3, check: rules over runs, registry and traces that return findings.

``tracesite check`` and ``tracesite build`` share these functions, so a
contributor sees exactly what the build will see. Rule ids are stable:

- ``registry``: an agent or benchmark entry is broken or incomplete (stub);
- ``identity``: a run names an agent that is not registered;
- ``task-source``: a benchmark is unknown, a trace's task is not in the
  benchmark's task set, or a version differs from the registry;
- ``integrity``: a declared file is missing, unsafe (symlink, special file,
  path leaving the run folder), undeclared, or its sha256 differs;
- ``import``: a trace file could not be read by its format's importer.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path, PurePosixPath

from generator.discover import Project, RunEntry
from generator.errors import Finding
from generator.model import Run, Trace

HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def check_registry(project: Project) -> list[Finding]:
    out = []
    for agent in project.registry.agents.values():
        if agent.stub:
            out.append(Finding("registry/agents.yaml", f"/{agent.id}", "registry",
                               f"agent {agent.id!r} is a stub registered by import; expected its name, organisation, "
                               "harness and models to be filled in and 'stub: false'", "warning"))
    for bench in project.registry.benchmarks.values():
        if bench.stub:
            out.append(Finding("registry/benchmarks.yaml", f"/{bench.id}", "registry",
                               f"benchmark {bench.id!r} is a stub registered by import; expected its name, version, "
                               "task set and metric to be filled in and 'stub: false'", "warning"))
    return out


def safe_member(folder: Path, rel: str) -> tuple[Path | None, str | None]:
    """Resolve a run-relative path, refusing anything that could leave the folder."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or (len(rel) > 1 and rel[1] == ":"):
        return None, f"path {rel!r} is absolute or leaves the run folder; expected a path inside it"
    path = folder.joinpath(*pure.parts)
    # Walk each component so a symlinked folder inside the run is caught too.
    cur = folder
    for part in pure.parts:
        cur = cur / part
        if cur.is_symlink():
            return None, f"{rel!r} is or passes through a symlink; symlinks are refused"
    return path, None


def check_run(project: Project, entry: RunEntry) -> list[Finding]:
    """Registry references and file integrity of one run (no trace parsing)."""
    run = entry.run
    assert run is not None
    label = project.rel(entry.meta_file)
    out: list[Finding] = []
    agent = project.registry.agents.get(run.agent)
    if agent is None:
        out.append(Finding(label, "/agent", "identity",
                           f"agent {run.agent!r} is not registered; expected an entry in registry/agents.yaml"))
    bench = project.registry.benchmarks.get(run.benchmark)
    if bench is None:
        out.append(Finding(label, "/benchmark", "task-source",
                           f"benchmark {run.benchmark!r} is not registered; expected an entry in registry/benchmarks.yaml"))
    elif bench.version and run.benchmark_version and bench.version != run.benchmark_version:
        out.append(Finding(label, "/benchmark_version", "task-source",
                           f"run used {run.benchmark}@{run.benchmark_version} but the registry lists version "
                           f"{bench.version!r}; the scores may not be comparable", "warning"))
    declared = set()
    for i, tf in enumerate(run.files):
        place = f"/files/{i}/path"
        path, why = safe_member(entry.folder, tf.path)
        if path is None:
            out.append(Finding(label, place, "integrity", why))
            continue
        declared.add(tf.path)
        try:
            st = path.lstat()
        except FileNotFoundError:
            out.append(Finding(label, place, "integrity", f"declared file {tf.path!r} is missing from the run folder"))
            continue
        if not stat.S_ISREG(st.st_mode):
            out.append(Finding(label, place, "integrity", f"{tf.path!r} is not a regular file; refused"))
            continue
        if st.st_nlink > 1:
            out.append(Finding(label, place, "integrity", f"{tf.path!r} is a hard link; refused", "warning"))
        actual = sha256_file(path)
        if actual != tf.sha256:
            out.append(Finding(label, f"/files/{i}/sha256", "integrity",
                               f"sha256 of {tf.path!r} is {actual}, expected {tf.sha256} as declared; "
                               "the file changed after it was recorded (run `tracesite manifest` only if the change is intended)"))
    for p in sorted(entry.folder.rglob("*")):
        rel = p.relative_to(entry.folder).as_posix()
        if p == entry.meta_file or (p.is_dir() and not p.is_symlink()):
            continue
        if p.is_symlink():
            out.append(Finding(project.rel(p), "", "integrity", "symlink inside a run folder; refused"))
        elif rel not in declared:
            out.append(Finding(project.rel(p), "", "integrity",
                               f"file is present but not declared in {entry.meta_file.name} 'files'; "
                               "declare it with its sha256 or remove it", "warning"))
    return out


def check_trace(run: Run, trace: Trace, project: Project, label: str) -> list[Finding]:
    """Per-trace rules: the task must belong to the benchmark's task set."""
    bench = project.registry.benchmarks.get(run.benchmark)
    if bench is not None and bench.tasks and trace.task_id not in set(bench.tasks):
        return [Finding(label, trace.source_pointer or "", "task-source",
                        f"task {trace.task_id!r} is not in the task set of benchmark {bench.id!r}")]
    return []
