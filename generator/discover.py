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

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from generator.config import CONFIG_NAMES, Config
from generator.errors import Finding, InputError
from generator.jsonread import load_yaml
from generator.model import Agent, Benchmark, Registry, Run

RUN_FILE_NAMES = ("run.yaml", "run.yml", "run.json")


@dataclass
class RunEntry:
    """A run folder: its parsed metadata (None when unreadable) and location."""

    folder: Path
    meta_file: Path
    run: Run | None


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


def pydantic_findings(exc: ValidationError, file: str, rule: str, prefix: tuple = ()) -> list[Finding]:
    """Turn a pydantic ValidationError into findings with JSON pointers."""
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        place = "".join("/" + str(p) for p in loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}; check the spelling against docs/data-model.md"
        out.append(Finding(file, place, rule, msg))
    return out


def _parse(model: type[BaseModel], data: object, file: str, rule: str, prefix: tuple = ()):
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_findings(exc, file, rule, prefix)


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


def _load_registry_file(path: Path, model: type[BaseModel], label: str, findings: list[Finding]) -> dict:
    if not path.is_file():
        return {}
    try:
        data = load_yaml(path, label)
    except InputError as exc:
        findings.append(exc.finding())
        return {}
    if data is None:
        return {}
    items: list[tuple[tuple, dict]] = []
    if isinstance(data, list):
        items = [((i,), d) for i, d in enumerate(data)]
    elif isinstance(data, dict):
        for key, d in data.items():
            if isinstance(d, dict):
                d = {"id": key, **d}
            items.append(((key,), d))
    else:
        findings.append(Finding(label, "", "registry", "expected a list of entries or a mapping id -> entry"))
        return {}
    out: dict = {}
    for loc, d in items:
        obj, errs = _parse(model, d, label, "registry", loc)
        findings.extend(errs)
        if obj is None:
            continue
        if obj.id in out:
            findings.append(Finding(label, "/" + "/".join(map(str, loc)), "registry", f"duplicate id {obj.id!r}"))
            continue
        out[obj.id] = obj
    return out


def load_registry(root: Path, findings: list[Finding]) -> Registry:
    reg = root / "registry"
    agents = _load_registry_file(reg / "agents.yaml", Agent, "registry/agents.yaml", findings)
    benchmarks = _load_registry_file(reg / "benchmarks.yaml", Benchmark, "registry/benchmarks.yaml", findings)
    return Registry(agents=dict(sorted(agents.items())), benchmarks=dict(sorted(benchmarks.items())))


def load_run(folder: Path, root: Path, meta_cache=None) -> tuple[RunEntry | None, list[Finding]]:
    """A run folder's entry (None without metadata) and the findings about its ``run.yaml``;
    ``meta_cache`` (a :class:`generator.cache.MetaCache`) spares parsing unchanged files again."""
    meta = next((folder / n for n in RUN_FILE_NAMES if os.path.isfile(os.path.join(folder, n))), None)
    label_folder = folder.relative_to(root).as_posix()
    if meta is None:
        return None, [Finding(label_folder, "", "run-metadata",
                              "run folder has no run.yaml; expected run metadata (see docs/data-model.md)")]
    label = meta.relative_to(root).as_posix()
    try:
        data = meta_cache.load_yaml(meta, label) if meta_cache is not None else load_yaml(meta, label)
    except InputError as exc:
        return RunEntry(folder, meta, None), [exc.finding()]
    run, errs = _parse(Run, data, label, "run-metadata")
    if run is not None and run.id != folder.name:
        errs.append(Finding(label, "/id", "run-metadata",
                            f"run id {run.id!r} differs from its folder name {folder.name!r}; expected them to match"))
    return RunEntry(folder, meta, run), errs


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
