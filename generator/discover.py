"""Stage 1, discover: find the project's config, registry, runs and content.

Project layout::

    tracesite.yaml            site config (optional)
    registry/agents.yaml      registered agents (a list, or a mapping id -> agent)
    registry/benchmarks.yaml  benchmarks and their task sets
    content/**/*.md           landing pages (front matter: title, order, description)
    traces/<run-id>/run.yaml  one folder per run: metadata and its trace files
    themes/<name>/            optional project theme overriding the default

Discovery reads only metadata (small YAML/JSON files); trace files are read
later, one at a time. Problems are returned as findings, never raised.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from generator.config import CONFIG_NAMES, Config
from generator.errors import Finding, InputError
from generator.jsonread import load_yaml, pointer
from generator.model import Agent, Benchmark, Registry, Run
from generator.schema_errors import describe_value, pydantic_findings

RUN_FILE_NAMES = ("run.yaml", "run.yml", "run.json")


@dataclass
class RunEntry:
    """A run folder: its parsed metadata (None when unreadable) and location.

    ``fingerprint`` (set when discovery runs with a :class:`generator.cache.MetaCache`):
    sha256 hex of the ``run.yaml`` bytes and of the path, size, mtime, ctime, inode and
    mode of every file in the folder, which the build cache keys the run by."""

    folder: Path
    meta_file: Path
    run: Run | None
    fingerprint: str | None = None


@dataclass
class ContentPage:
    source: Path
    rel: str


@dataclass
class Project:
    root: Path
    config: Config
    registry: Registry
    runs: list[RunEntry] = field(default_factory=list)
    content: list[ContentPage] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root, without following symlinks."""
        try:
            return Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _parse(model: type[BaseModel], data: object, file: str, rule: str, prefix: tuple = ()):
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_findings(exc, file, rule, prefix, model=model)


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def load_config(root: Path, findings: list[Finding]) -> Config:
    path = find_config(root)
    if path is None:
        return Config()
    try:
        data = load_yaml(path, path.name) or {}
    except InputError as exc:
        findings.append(exc.finding())
        return Config()
    config, errs = _parse(Config, data, path.name, "config")
    findings.extend(errs)
    return config or Config()


def _load_registry_file(path: Path, model: type[BaseModel], label: str, findings: list[Finding],
                        invalid: dict[str, str], unreadable: list[str]) -> dict:
    """The valid entries of a registry file by id. Entries that are there but invalid go into
    ``invalid`` (id -> their first problem, ``registry/agents.yaml /x/organization: …``), and
    why the file could not be read at all into ``unreadable``, so that a run naming such an
    entry is told so rather than that its agent or benchmark is not registered."""
    if not path.is_file():
        return {}
    try:
        data = load_yaml(path, label)
    except InputError as exc:
        findings.append(exc.finding())
        unreadable.append(f"{exc.place}: {exc.message}" if exc.place else exc.message)
        return {}
    if data is None:
        return {}
    items: list[tuple[tuple, dict]] = []
    if isinstance(data, list):
        items = [((i,), d) for i, d in enumerate(data)]
    elif isinstance(data, dict):
        for key, d in data.items():
            if isinstance(d, dict) and "id" in d and d["id"] != key:
                # The key is the id runs name: an "id" inside that says otherwise would rename it silently.
                msg = (f"the entry's id {d['id']!r} differs from its key {key!r}; expected the same id "
                       "(or no 'id' inside a mapping entry)")
                findings.append(Finding(label, pointer(key, "id"), "registry", msg))
                invalid[str(key)] = f"{label} {pointer(key, 'id')}: {msg}"
                continue
            if isinstance(d, dict):
                d = {"id": key, **d}
            items.append(((key,), d))
    else:
        msg = "expected a list of entries or a mapping id -> entry (see docs/data-model.md)"
        findings.append(Finding(label, "", "registry", msg))
        unreadable.append(f"it holds {describe_value(data)}; {msg}")
        return {}
    out: dict = {}
    for loc, d in items:
        obj, errs = _parse(model, d, label, "registry", loc)
        findings.extend(errs)
        if obj is None:
            ident = loc[0] if isinstance(loc[0], str) else (d.get("id") if isinstance(d, dict) else None)
            if not isinstance(ident, str):
                ident = pointer(*loc)  # no id to read: kept by its place, which no id looks like
            if errs and ident not in invalid:
                more = f" (and {len(errs) - 1} more problems)" if len(errs) > 1 else ""
                invalid[ident] = f"{label} {errs[0].place}: {errs[0].message}{more}"
            continue
        if obj.id in out:
            findings.append(Finding(label, pointer(*loc), "registry", f"duplicate id {obj.id!r}"))
            continue
        out[obj.id] = obj
    return out


def load_registry(root: Path, findings: list[Finding]) -> Registry:
    reg = root / "registry"
    loaded, invalid, unreadable = {}, {}, {}
    for kind, model in (("agents", Agent), ("benchmarks", Benchmark)):
        bad: dict[str, str] = {}
        why: list[str] = []
        loaded[kind] = _load_registry_file(reg / f"{kind}.yaml", model, f"registry/{kind}.yaml", findings, bad, why)
        if bad:
            invalid[kind] = {k: v for k, v in bad.items() if k not in loaded[kind]}
        if why:
            unreadable[kind] = why[0]
    return Registry(agents=dict(sorted(loaded["agents"].items())),
                    benchmarks=dict(sorted(loaded["benchmarks"].items())), invalid=invalid, unreadable=unreadable)


def tree_stats(folder: str, prefix: str = "") -> list[tuple[str, os.stat_result]]:
    """(relative path, lstat) of everything under ``folder``, sorted by name, symlinks not
    followed; empty when the folder cannot be listed. os.scandir rather than Path.rglob: a
    rebuild stats every file of every run."""
    out = []
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda d: d.name)
    except OSError:
        return out
    for d in entries:
        rel = prefix + d.name
        try:
            st = d.stat(follow_symlinks=False)
        except OSError:
            continue  # removed while listing
        out.append((rel, st))
        if stat.S_ISDIR(st.st_mode):
            out.extend(tree_stats(d.path, rel + "/"))
    return out


def stat_line(rel: str, st: os.stat_result) -> str:
    """A file's identity for change detection: ctime and inode too, since an edit that keeps
    the size and puts the old mtime back still changes them."""
    return f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0{st.st_mode}\n"


def folder_fingerprint(meta_digest: str, stats: list[tuple[str, os.stat_result]]) -> str:
    """sha256 hex of a run folder: its metadata's sha256 and the :func:`stat_line` of every file."""
    h = hashlib.sha256(meta_digest.encode())
    for rel, st in stats:
        h.update(stat_line(rel, st).encode())
    return h.hexdigest()


def _meta_file(folder: Path, stats: list[tuple[str, os.stat_result]]) -> tuple[Path, os.stat_result] | None:
    """The run's metadata file (the first of RUN_FILE_NAMES that is a file, symlinks followed as
    ``os.path.isfile`` does; the integrity checks refuse symlinks later) and its lstat."""
    top = dict(stats)
    for name in RUN_FILE_NAMES:
        st = top.get(name)
        if st is not None and (stat.S_ISREG(st.st_mode) or (stat.S_ISLNK(st.st_mode) and (folder / name).is_file())):
            return folder / name, st
    return None


def load_run(folder: Path, root: Path, meta_cache=None) -> tuple[RunEntry | None, list[Finding]]:
    """A run folder's entry (None without metadata) and the findings about its ``run.yaml``;
    ``meta_cache`` (a :class:`generator.cache.MetaCache`) spares reading and parsing unchanged
    files again and gives the entry its ``fingerprint``."""
    stats = tree_stats(str(folder))
    found = _meta_file(folder, stats)
    label_folder = folder.relative_to(root).as_posix()
    if found is None:
        return None, [Finding(label_folder, "", "run-metadata",
                              "run folder has no run.yaml; expected run metadata (see docs/data-model.md)")]
    meta, meta_stat = found
    label = meta.relative_to(root).as_posix()
    fingerprint = None
    try:
        if meta_cache is not None:
            data, digest = meta_cache.load(meta, label, stat_line(meta.name, meta_stat))
            fingerprint = folder_fingerprint(digest, stats)
        else:
            data = load_yaml(meta, label)
    except InputError as exc:
        return RunEntry(folder, meta, None), [exc.finding()]
    run, errs = _parse(Run, data, label, "run-metadata")
    if run is not None and run.id != folder.name:
        errs.append(Finding(label, "/id", "run-metadata",
                            f"run id {run.id!r} differs from its folder name {folder.name!r}; expected them to match"))
    return RunEntry(folder, meta, run, fingerprint), errs


def discover(root: Path, meta_cache=None) -> Project:
    """Read the project at ``root``. Never raises for bad input: see ``Project.findings``.
    ``meta_cache``: see :func:`load_run`."""
    root = root.resolve()
    findings: list[Finding] = []
    config = load_config(root, findings)
    registry = load_registry(root, findings)
    project = Project(root=root, config=config, registry=registry, findings=findings)
    traces = root / "traces"
    if traces.is_dir():
        # os.scandir: the kind of each entry comes with the listing (a project has thousands of runs).
        with os.scandir(traces) as listing:
            folders = sorted((d.name, d.is_symlink()) for d in listing if d.is_dir() and not d.name.startswith("."))
        for name, is_symlink in folders:
            folder = traces / name
            if is_symlink:
                findings.append(Finding(project.rel(folder), "", "integrity", "run folder is a symlink; refused"))
                continue
            entry, errs = load_run(folder, root, meta_cache)
            findings.extend(errs)
            if entry is not None:
                project.runs.append(entry)
    content = root / "content"
    if content.is_dir():
        for md in sorted(content.rglob("*.md")):
            if md.is_symlink() or not md.is_file():
                continue
            project.content.append(ContentPage(md, md.relative_to(content).as_posix()))
    return project
