"""Stage 3, check: rules over runs, registry and traces that return findings.

``tracesite check`` and ``tracesite build`` share these functions, so a
contributor sees exactly what the build will see. Rule ids are stable:

- ``registry``: an agent or benchmark entry is broken or incomplete (stub);
- ``identity``: a run names an agent that is not registered (or whose entry
  is invalid, or whose registry file cannot be read), or still a stub (a
  warning: the run cannot be verified);
- ``task-source``: a benchmark is unknown (invalid, unreadable) or still a
  stub (a warning), a trace's task is not in the benchmark's task set, or a
  version differs from the registry;
- ``integrity``: a declared file is missing, unsafe (symlink, special file,
  path leaving the run folder), undeclared, or its sha256 differs;
- ``import``: a trace file could not be read by its format's importer;
- ``reconciliation``: a declared score differs from the one recomputed from
  the traces, or a task is scored without a trace;
- ``evidence``: a successful attempt lacks the evidence its benchmark requires;
- ``protocol``: the run's settings differ from the benchmark's protocol;
- ``signature``: the run's signature does not verify.

The rule list with titles, as shown in each run's provenance panel, is
:data:`RULES`.
"""


from __future__ import annotations

import functools
import hashlib
import re
import stat
from collections import Counter
from pathlib import Path, PurePosixPath

from generator.discover import Project, RunEntry
from generator.errors import Finding
from generator.model import Run, StepKind, Trace

RULES: dict[str, str] = {
    "run-metadata": "Run metadata is valid",
    "identity": "Agent and model are registered, with no look-alike names",
    "task-source": "Benchmark, version and task set match the registry; no task missing",
    "integrity": "Every file matches its declared sha256; nothing missing, undeclared or unsafe",
    "import": "Every trace file is readable in its format",
    "reconciliation": "Declared scores match the scores recomputed from the traces",
    "evidence": "Every success shows the evidence the benchmark requires",
    "protocol": "Settings match the benchmark's protocol, or deviations are declared",
    "signature": "The run's signature verifies against the allowed signers",
    "secret": "No secret (API key, token, private key) in what is published",
    "plan": "Output pages do not collide",
    "limits": "Files and run stay within the project's size limits",
}

HASH_CHUNK = 1 << 20
SIGNATURE_NAMES = ("run.sig", "run.sigstore.json")


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
    out.extend(check_run_identity(project, entry))
    bench = project.registry.benchmarks.get(run.benchmark)
    if bench is None:
        problem = registry_problem(project, "benchmarks", run.benchmark)
        out.append(Finding(label, "/benchmark", "task-source", f"benchmark {run.benchmark!r} " + (
            problem or "is not registered; expected an entry in registry/benchmarks.yaml")))
    elif bench.stub:
        out.append(Finding(label, "/benchmark", "task-source",
                           f"benchmark {run.benchmark!r} is still the stub `tracesite import` wrote to "
                           "registry/benchmarks.yaml: no person has confirmed its version, task set and metric, so "
                           "the run cannot be verified; fill in the entry and remove 'stub: true'", "warning"))
    if bench is not None and bench.version and run.benchmark_version and bench.version != run.benchmark_version:
        out.append(Finding(label, "/benchmark_version", "task-source",
                           f"run used {run.benchmark}@{run.benchmark_version} but the registry lists version "
                           f"{bench.version!r}; the scores may not be comparable", "warning"))
    declared = set()
    limits = project.config.limits
    total = 0
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
        total += st.st_size
        if st.st_size > limits.max_file_bytes:
            out.append(Finding(label, place, "limits", f"{tf.path!r} is {st.st_size} bytes; the project's limit is "
                               f"{limits.max_file_bytes} (limits.max_file_bytes)"))
            continue
        if st.st_nlink > 1:
            out.append(Finding(label, place, "integrity", f"{tf.path!r} is a hard link; refused", "warning"))
        actual = sha256_file(path)
        if actual != tf.sha256:
            out.append(Finding(label, f"/files/{i}/sha256", "integrity",
                               f"sha256 of {tf.path!r} is {actual}, expected {tf.sha256} as declared; "
                               "the file changed after it was recorded (run `tracesite manifest` only if the change is intended)"))
    if total > limits.max_run_bytes:
        out.append(Finding(label, "/files", "limits", f"the run's files total {total} bytes; the project's limit is "
                           f"{limits.max_run_bytes} (limits.max_run_bytes)"))
    for p in sorted(entry.folder.rglob("*")):
        rel = p.relative_to(entry.folder).as_posix()
        if p == entry.meta_file or (p.is_dir() and not p.is_symlink()) or \
                (p.parent == entry.folder and p.name in SIGNATURE_NAMES):
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


# ---------------------------------------------------------------- identity

LOOKALIKE_MAX_CHARS = 200


@functools.lru_cache(maxsize=4096)
def _skeleton_char(ch: str) -> str:
    """One character folded to what it looks like in Latin: itself when ASCII, else the
    ASCII letter or digit that the confusables data (Unicode TR39) lists most often for
    it, case folded (``Ѕ`` lists ``f``, ``S``, ``s``: it becomes ``s``)."""
    if ch.isascii():
        return ch
    from confusables import confusable_characters

    votes = Counter(alt.casefold() for alt in confusable_characters(ch) or ()
                    if len(alt) == 1 and alt.isascii() and alt.isalnum())
    if not votes:
        return ch
    return min(votes, key=lambda c: (-votes[c], c))


def _lookalike_key(text: str) -> str:
    """Skeleton of a name: NFKC, Unicode confusables folded to Latin character by
    character (linear time, unlike enumerating every reading of the name), then case,
    spacing and punctuation removed: ``Claude-Opus`` ~ ``claude opus`` ~ ``Сlaude Opus``."""
    import unicodedata

    folded = "".join(_skeleton_char(ch) for ch in unicodedata.normalize("NFKC", text[:LOOKALIKE_MAX_CHARS]))
    return "".join(ch for ch in folded.casefold() if ch.isalnum())


def check_identity_lookalikes(project: Project) -> list[Finding]:
    """Distinct agents whose ids or names look alike are flagged (an error:
    they would otherwise silently become two rows for one identity)."""
    seen: dict[str, tuple[str, str]] = {}
    out = []
    pairs: set[tuple[str, str]] = set()
    for agent in project.registry.agents.values():
        for value in dict.fromkeys((agent.id, agent.name)):
            key = _lookalike_key(value)
            if not key:
                continue
            prev = seen.get(key)
            if prev and prev[0] != agent.id and (prev[0], agent.id) not in pairs:
                pairs.add((prev[0], agent.id))
                # Reported at both entries: each one's runs are affected.
                for here, there in (((agent.id, value), prev), (prev, (agent.id, value))):
                    out.append(Finding("registry/agents.yaml", f"/{here[0]}", "identity",
                                       f"agent {here[0]!r} ({here[1]!r}) looks like agent {there[0]!r} ({there[1]!r}) "
                                       "but is a different entry (Unicode look-alikes, case or spacing); "
                                       "merge them or rename one"))
            else:
                seen.setdefault(key, (agent.id, value))
    return out


def registry_problem(project: Project, kind: str, ident: str) -> str | None:
    """Why ``ident`` is missing from the registry's ``kind`` (``agents``, ``benchmarks``) although
    it may be there: its entry is invalid, or the file could not be read (None: neither)."""
    invalid = project.registry.invalid.get(kind, {}).get(ident)
    if invalid is not None:
        return f"has an invalid registry entry (see {invalid}); fix the entry in registry/{kind}.yaml"
    why = project.registry.unreadable.get(kind)
    if why is not None:
        return f"cannot be checked: registry/{kind}.yaml could not be read ({why}); fix the file"
    anonymous = [k for k in project.registry.invalid.get(kind, {}) if k.startswith("/")]
    if anonymous:
        return (f"is not registered, and {len(anonymous)} entr{'y' if len(anonymous) == 1 else 'ies'} of "
                f"registry/{kind}.yaml (at {', '.join(anonymous[:3])}{', …' if len(anonymous) > 3 else ''}) "
                "could not be read as an entry with an id; fix them or add an entry for it")
    return None


def check_run_identity(project: Project, entry: RunEntry) -> list[Finding]:
    run = entry.run
    label = project.rel(entry.meta_file)
    agent = project.registry.agents.get(run.agent)
    if agent is None and (problem := registry_problem(project, "agents", run.agent)):
        return [Finding(label, "/agent", "identity", f"agent {run.agent!r} {problem}")]
    if agent is None:
        similar = [a.id for a in project.registry.agents.values()
                   if _lookalike_key(a.id) == _lookalike_key(run.agent) or _lookalike_key(a.name) == _lookalike_key(run.agent)]
        hint = f"; it looks like registered agent {similar[0]!r}" if similar else ""
        return [Finding(label, "/agent", "identity",
                        f"agent {run.agent!r} is not registered{hint}; expected an entry in registry/agents.yaml")]
    out = []
    if agent.stub:
        # An identity no person has confirmed: the run is listed and scored, but cannot be "verified".
        out.append(Finding(label, "/agent", "identity",
                           f"agent {run.agent!r} is still the stub `tracesite import` wrote to registry/agents.yaml: "
                           "no person has confirmed its name, organisation, harness and models, so the run cannot "
                           "be verified; fill in the entry and remove 'stub: true'", "warning"))
    if run.model and agent.models and run.model not in agent.models:
        similar = [m for m in agent.models if _lookalike_key(m) == _lookalike_key(run.model)]
        if similar:
            msg = (f"model {run.model!r} looks like {similar[0]!r} registered for agent {agent.id!r} but differs "
                   "(Unicode look-alikes, case or spacing); use the registered spelling")
        else:
            msg = (f"model {run.model!r} is not one of the models registered for agent {agent.id!r} "
                   f"({', '.join(agent.models)}); register it or use another agent id, so that runs with "
                   "different models are not ranked as one agent")
        out.append(Finding(label, "/model", "identity", msg))
    return out


# ---------------------------------------------------------------- task source

def task_set_sha256(tasks: list[str]) -> str:
    """sha256 of the sorted task ids, one per line, with a final newline."""
    return hashlib.sha256("".join(t + "\n" for t in sorted(tasks)).encode("utf-8")).hexdigest()


def check_task_sets(project: Project) -> list[Finding]:
    out = []
    for bench in project.registry.benchmarks.values():
        if bench.tasks_sha256 and bench.tasks_sha256 != (actual := task_set_sha256(bench.tasks)):
            out.append(Finding("registry/benchmarks.yaml", f"/{bench.id}/tasks_sha256", "task-source",
                               f"the task set of {bench.id!r} hashes to {actual}, expected {bench.tasks_sha256}; "
                               "the task list was changed"))
        if len(set(bench.tasks)) != len(bench.tasks):
            out.append(Finding("registry/benchmarks.yaml", f"/{bench.id}/tasks", "task-source",
                               f"the task set of {bench.id!r} lists a task twice"))
    return out


def check_task_coverage(project: Project, entry: RunEntry, seen: set[str]) -> list[Finding]:
    """Every task of the benchmark's task set must have a trace (when the run has traces)."""
    run = entry.run
    bench = project.registry.benchmarks.get(run.benchmark)
    if bench is None or not bench.tasks or not seen:
        return []
    missing = [t for t in bench.tasks if t not in seen]
    if not missing:
        return []
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return [Finding(project.rel(entry.meta_file), "/files", "task-source",
                    f"the run has traces for {len(bench.tasks) - len(missing)} of the {len(bench.tasks)} tasks of "
                    f"{bench.id!r}; missing: {shown}. A run that skips tasks is not comparable")]


# ---------------------------------------------------------------- reconciliation

def check_reconciliation(project: Project, entry: RunEntry, summary) -> list[Finding]:
    """Declared scores against the scores recomputed from the traces."""
    run = entry.run
    label = project.rel(entry.meta_file)
    tol = project.config.score_tolerance
    out: list[Finding] = []
    traced = {t.task_id for t in summary.traces}
    for task, claimed in run.declared.tasks.items():
        if task not in traced:
            out.append(Finding(label, f"/declared/tasks/{task}", "reconciliation",
                               f"task {task!r} is scored ({claimed}) but the run has no trace of it; "
                               "a score needs its trace"))
            continue
        scores = [t.score for t in summary.traces if t.task_id == task and t.score is not None]
        if scores and abs(sum(scores) / len(scores) - claimed) > tol:
            out.append(Finding(label, f"/declared/tasks/{task}", "reconciliation",
                               f"task {task!r} is declared {claimed:g} but its traces give {sum(scores) / len(scores):g}"))
    if run.declared.overall is not None:
        if summary.recomputed is not None:
            if abs(summary.recomputed - run.declared.overall) > tol:
                out.append(Finding(label, "/declared/overall", "reconciliation",
                                   f"declared score {run.declared.overall:.4g} differs from {summary.recomputed:.4g} "
                                   f"recomputed from the traces (tolerance {tol:g}); the page shows both"))
        elif not summary.traces:
            out.append(Finding(label, "/declared/overall", "reconciliation",
                               "the declared score comes without traces, so it cannot be recomputed; "
                               "it is shown as claimed", "warning"))
    for k, claimed in sorted(run.declared.pass_hat.items()):
        if not summary.traces:
            continue
        actual = summary.pass_hat.get(k)
        if actual is None:
            out.append(Finding(label, f"/declared/pass_hat/{k}", "reconciliation",
                               f"pass^{k} is declared but the traces hold at most {summary.trials} trial(s) per task"))
        elif abs(actual - claimed) > tol:
            out.append(Finding(label, f"/declared/pass_hat/{k}", "reconciliation",
                               f"pass^{k} is declared {claimed:.4g} but the traces give {actual:.4g}"))
    return out


# ---------------------------------------------------------------- protocol

def _effective_settings(run: Run, summary) -> dict:
    settings = dict(run.environment)
    if summary.traces:
        settings.setdefault("trials", summary.trials)
        settings.setdefault("num_trials", summary.trials)
    return settings


def check_protocol(project: Project, entry: RunEntry, summary) -> tuple[list[Finding], dict[str, str]]:
    """Compare the run's effective settings with the benchmark's protocol.

    Returns findings and the deviations to show on the row (key -> text).
    A declared deviation (``deviations`` in run.yaml) is a warning; an
    undeclared one is an error.
    """
    run = entry.run
    bench = project.registry.benchmarks.get(run.benchmark)
    if bench is None or not bench.protocol:
        return [], {}
    label = project.rel(entry.meta_file)
    settings = _effective_settings(run, summary)
    out, shown = [], {}
    for key, expected in sorted(bench.protocol.items()):
        if key not in settings:
            if key not in run.deviations:
                out.append(Finding(label, f"/environment/{key}", "protocol",
                                   f"the run does not state {key!r}; the protocol of {bench.id!r} requires {expected!r}",
                                   "warning"))
            continue
        actual = settings[key]
        if actual == expected or str(actual) == str(expected):
            continue
        shown[key] = f"{key}: {actual!r} (protocol {expected!r})"
        if key in run.deviations:
            out.append(Finding(label, f"/environment/{key}", "protocol",
                               f"declared deviation: {key} is {actual!r}, the protocol says {expected!r} "
                               f"({run.deviations[key]})", "warning"))
        else:
            out.append(Finding(label, f"/environment/{key}", "protocol",
                               f"{key} is {actual!r} but the protocol of {bench.id!r} says {expected!r}; declare the "
                               f"deviation with a reason under 'deviations' in run.yaml or rerun with the protocol"))
    return out, shown


# ---------------------------------------------------------------- evidence

EDIT_PATTERN = re.compile(
    r"str_replace_editor|str_replace_based_edit_tool|apply_patch|write_file|edit_file|\bedit\b|sed -i|"
    r"create_file|insert_text|\bpatch\b|cat\s*>", re.IGNORECASE)


def _step_text(step) -> str:
    parts = [step.title or "", step.content or ""]
    if step.tool_call is not None:
        parts.append(step.tool_call.function)
        parts.append(str(step.tool_call.arguments))
    return "\n".join(parts)


def _matches(step, rule) -> bool:
    if step.kind != rule.kind:
        return False
    if rule.name and (step.tool_call is None or step.tool_call.function != rule.name) and step.title != rule.name:
        return False
    text = _step_text(step)
    if rule.host and rule.host.lower() not in text.lower():
        return False
    if rule.pattern and not re.search(rule.pattern, text):
        return False
    return True


def check_evidence(trace: Trace, bench, threshold: float, label: str) -> list[Finding]:
    """A successful attempt must show each evidence rule of its benchmark."""
    if bench is None or not bench.evidence or trace.score is None or trace.score < threshold:
        return []
    out = []
    for i, rule in enumerate(bench.evidence):
        candidates = trace.steps
        if rule.after_last_edit:
            edits = [s.index for s in trace.steps if s.kind in (StepKind.tool_call, StepKind.terminal_command)
                     and EDIT_PATTERN.search(_step_text(s))]
            if edits:
                candidates = [s for s in trace.steps if s.index > edits[-1]]
        if not any(_matches(s, rule) for s in candidates):
            what = rule.description or _describe(rule)
            where = f"step-{trace.deciding_step}" if trace.deciding_step else "the end of the trace"
            out.append(Finding(label, trace.source_pointer or "", "evidence",
                               f"task {trace.task_id!r} (trial {trace.trial}) succeeded without the required evidence "
                               f"#{i + 1}: {what}; expected it before {where}"))
    return out


def _describe(rule) -> str:
    bits = [rule.kind.value.replace("_", " ")]
    if rule.name:
        bits.append(f"named {rule.name!r}")
    if rule.host:
        bits.append(f"to host {rule.host!r}")
    if rule.pattern:
        bits.append(f"matching /{rule.pattern}/")
    if rule.after_last_edit:
        bits.append("after the last edit")
    return " ".join(bits)
