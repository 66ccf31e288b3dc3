"""``tracesite import``: copy trace files into ``traces/<run>/`` as runs.

Each path (file or folder) is matched to a format by auto-detection (or
``--format``); the importer's drafts say which runs the files hold and what
the files carry about them (agent, model, benchmark, declared scores). The
command's options fill in or override those fields. Each run's files are
copied with their sha256 into ``traces/<run>/`` and ``run.yaml`` is written.

Guarantees: the source is never modified; symlinks are refused; importing
the same files again changes nothing; an existing run is never overwritten
with different files; unknown agent or benchmark ids are registered as stubs
(``stub: true``) that ``tracesite check`` reports as incomplete. Every file
written is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator import importers
from generator.errors import Finding, InputError
from generator.jsonread import load_yaml
from generator.model import ID_PATTERN, Run, RunDraft, TraceFile
from generator.validate import sha256_file

_ID = re.compile(ID_PATTERN)


@dataclass
class ImportReport:
    """What an import did: runs written or unchanged, stubs registered, problems."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stubs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    companions: list[tuple[Path, Path, str, bool]] = field(default_factory=list)  # (file, main file, format, explicit)

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


def _refusal_text(refusals: dict[str, str]) -> str:
    return "; ".join(f"{name}: {why}" for name, why in refusals.items())


def collect(path: Path, fmt: str | None, report: ImportReport, explicit: bool = True) -> list[tuple[importers.Importer, Path]]:
    """Match ``path`` (recursively for unrecognised folders) to importers."""
    if path.is_symlink():
        report.findings.append(Finding(str(path), "", "integrity", "symlinks are refused; pass the real file"))
        return []
    if not path.exists():
        report.findings.append(Finding(str(path), "", "import", "no such file or folder"))
        return []
    if fmt:
        imp = importers.get(fmt)
        why = imp.sniff(path)
        if why is None:
            return [(imp, path)]
        if path.is_dir():
            out = []
            for child in sorted(path.iterdir()):
                out += collect(child, fmt, report, explicit=False)
            return out
        if explicit and (main := imp.companion_of(path)) is not None:
            report.companions.append((path, main, imp.name, True))
        elif explicit:
            report.findings.append(Finding(str(path), "", "import", f"not a {fmt} file: {why}"))
        else:
            report.skipped.append(f"{path}: {why}")
        return []
    imp, refusals = importers.detect(path)
    if imp is not None:
        return [(imp, path)]
    if path.is_dir():
        out = []
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            out += collect(child, None, report, explicit=False)
        if explicit and not out:
            report.findings.append(Finding(str(path), "", "import", "no trace files found in this folder; formats tried: "
                                           + _refusal_text(refusals)))
        return out
    msg = "matches no known trace format; formats tried: " + _refusal_text(refusals)
    main = next(((m, i.name) for i in importers.all_importers() if (m := i.companion_of(path)) is not None), None)
    if main is not None:
        report.companions.append((path, *main, explicit))  # fine when its main file is imported too (import_paths)
    elif explicit:
        report.findings.append(Finding(str(path), "", "import", msg))
    else:
        report.skipped.append(f"{path}: {msg}")
    return []


def _merge(drafts: list[RunDraft]) -> RunDraft:
    first = drafts[0].model_copy(deep=True)
    for d in drafts[1:]:
        for f in d.files:
            if f not in first.files:
                first.files.append(f)
                first.names[f] = d.names.get(f, Path(f).name)
                first.formats[f] = d.formats.get(f, d.format)
        first.tasks += [t for t in d.tasks if t not in first.tasks]
        for name in ("agent", "model", "benchmark", "benchmark_version", "harness", "harness_version"):
            if getattr(first, name) is None:
                setattr(first, name, getattr(d, name))
    return first


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dump_yaml(data: object) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")


def _register_stubs(root: Path, draft: RunDraft, run: Run, report: ImportReport) -> None:
    reg = root / "registry"
    # The files' own name for their agent only fits when the run keeps the files' agent id: an agent
    # given with --agent is named by that id (a harness name such as "SWE-agent" would read as another
    # registered agent's look-alike).
    agent_name = draft.agent_name if run.agent == draft.agent else None
    entries = (
        ("agents.yaml", run.agent, {"name": agent_name or run.agent, "organisation": draft.organisation,
                                    "harness": draft.harness, "harness_version": draft.harness_version,
                                    "models": [run.model] if run.model else [], "stub": True}),
        ("benchmarks.yaml", run.benchmark, {"name": draft.benchmark_name or run.benchmark,
                                            "version": run.benchmark_version, "tasks": [], "stub": True}),
    )
    for filename, ident, body in entries:
        path = reg / filename
        existing = load_yaml(path, f"registry/{filename}") if path.is_file() else None
        ids = set()
        if isinstance(existing, dict):
            ids = set(existing)
        elif isinstance(existing, list):
            ids = {e.get("id") for e in existing if isinstance(e, dict)}
        if ident in ids:
            continue
        body = {k: v for k, v in body.items() if v not in (None, [])} | {"stub": True}
        if isinstance(existing, list):
            text = _dump_yaml([{"id": ident, **body}])
        else:
            text = _dump_yaml({ident: body})
        old = path.read_bytes() if path.is_file() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        _write_atomic(path, old + text)
        report.stubs.append(f"{filename[:-5].rstrip('s')} {ident}")


def _copy_into(src: Path, dst: Path) -> str:
    """Copy src to dst atomically (refusing to replace different bytes); returns sha256."""
    digest = sha256_file(src)
    if dst.exists():
        if sha256_file(dst) == digest:
            return digest
        raise InputError(str(dst), "", "a different file is already imported under this name; "
                         "choose another --run id or remove the old run first")
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            while chunk := inp.read(1 << 20):
                out.write(chunk)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sha256_file(dst) != digest:
        raise InputError(str(src), "", "the file changed while it was copied; import it again")
    return digest


def import_paths(root: Path, paths: list[Path], *, run_id: str | None = None, benchmark: str | None = None,
                 agent: str | None = None, model: str | None = None, fmt: str | None = None) -> ImportReport:
    """Import ``paths`` into the project at ``root``; see the module docstring."""
    report = ImportReport()
    for name in ("agents.yaml", "benchmarks.yaml"):  # stubs go there: a file it cannot read stops the import first
        path = root / "registry" / name
        try:
            if path.is_file():
                load_yaml(path, f"registry/{name}")
        except InputError as exc:
            report.findings.append(Finding(exc.file, exc.place, "registry", f"{exc.message}; fix it before importing "
                                           "(import registers new agents and benchmarks there); nothing was imported"))
            return report
    found: list[tuple[importers.Importer, Path]] = []
    for p in paths:
        found += collect(Path(p), fmt, report)
    imported = {p.resolve() for _, p in found}
    for path, main, fmt, explicit in report.companions:
        if main.resolve() in imported:
            report.skipped.append(f"{path}: read with {main.name} ({fmt})")
        elif not explicit:
            report.skipped.append(f"{path}: read with {main.name} ({fmt}), which was not imported")
        else:
            report.findings.append(Finding(str(path), "", "import", f"this {fmt} file is read with {main}; "
                                           "import that file, which brings this one"))
    drafts: list[RunDraft] = []
    for imp, path in found:
        try:
            drafts += imp.drafts(path)
        except InputError as exc:
            report.findings.append(exc.finding())
    if run_id and drafts:
        drafts = [_merge(drafts)]
    else:
        # Files of one run passed one by one (a.traj b.traj preds.json) make one run.
        groups: dict[str | None, list[RunDraft]] = {}
        for d in drafts:
            groups.setdefault(d.run_id, []).append(d)
        drafts = [d for key, group in groups.items() for d in ([_merge(group)] if key else group)]
    for draft in drafts:
        try:
            _import_one(root, draft, report, run_id=run_id, benchmark=benchmark, agent=agent, model=model)
        except InputError as exc:
            report.findings.append(exc.finding())
    return report


def _import_one(root: Path, draft: RunDraft, report: ImportReport, *, run_id, benchmark, agent, model) -> None:
    fields = {
        "run_id": (run_id or draft.run_id, "--run"),
        "benchmark": (benchmark or draft.benchmark, "--benchmark"),
        "agent": (agent or draft.agent, "--agent"),
    }
    label = draft.files[0] if draft.files else "(import)"
    missing = [(name.replace("_", " "), option) for name, (value, option) in fields.items() if not value]
    if missing:  # all of them at once, not one per attempt
        what = ", ".join(n for n, _ in missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1][0]
        give = " ".join(f"{option} ID" for _, option in missing)
        raise InputError(label, "", f"the {draft.format} files do not say which {what} this is; give {give}")
    bad = [f"{name.replace('_', ' ')} {value!r} (give {option})" for name, (value, option) in fields.items()
           if not _ID.match(value)]
    if bad:
        raise InputError(label, "", f"not a valid id: {'; '.join(bad)}; expected letters, digits, '.', '_' or '-' "
                         "(at most 128), starting with a letter or digit")
    rid = fields["run_id"][0]
    folder = root / "traces" / rid
    # Everything is checked before the first file is copied: a refused import leaves the project as it was.
    copies, files = [], []
    for src in draft.files:
        srcp = Path(src)
        if srcp.is_symlink():
            raise InputError(src, "", "symlinks are refused; pass the real file")
        name = draft.names.get(src, srcp.name)
        digest = sha256_file(srcp)
        dst = folder / name
        if dst.exists() and sha256_file(dst) != digest:
            raise InputError(str(dst), "", "a different file is already imported under this name; "
                             "choose another --run id or remove the old run first")
        imp_fmt = draft.formats.get(src, draft.format)
        copies.append((srcp, dst, digest))
        files.append(TraceFile(path=name, sha256=digest, format=imp_fmt, bytes=srcp.stat().st_size))
    run = Run(
        id=rid, agent=fields["agent"][0], model=model or draft.model, benchmark=fields["benchmark"][0],
        benchmark_version=draft.benchmark_version, environment=draft.environment, submitter=draft.submitter,
        submitted=draft.submitted, declared=draft.declared, files=files, metadata=draft.metadata,
    )
    data = _dump_yaml(run.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    meta = folder / "run.yaml"
    if meta.is_file() and meta.read_bytes() == data:
        write = False
    elif meta.is_file():
        old = load_yaml(meta, str(meta))
        if not (isinstance(old, dict)
                and old.get("files") == [f.model_dump(mode="json", exclude_none=True) for f in files]):
            raise InputError(str(meta), "", f"run {rid!r} already exists with other files; choose another --run id")
        write = False  # same files; keep the maintainer's edits to run.yaml
    else:
        write = True
    for srcp, dst, digest in copies:
        if _copy_into(srcp, dst) != digest:
            raise InputError(str(srcp), "", "the file changed during the import; import it again")
    if write:
        _write_atomic(meta, data)
        report.written.append(rid)
    else:
        report.unchanged.append(rid)
    _register_stubs(root, draft, run, report)


def refresh_manifest(root: Path, entry) -> list[str]:
    """Rewrite the ``files`` list of a run's metadata from the files in its
    folder (sha256, size, format kept or detected). Returns what changed.

    Refuses symlinks and special files (InputError). The rest of run.yaml is
    kept; YAML comments in it are not.
    """
    from generator.validate import SIGNATURE_NAMES

    run = entry.run
    old = {f.path: f for f in run.files}
    files: list[TraceFile] = []
    for p in sorted(entry.folder.rglob("*")):
        rel = p.relative_to(entry.folder).as_posix()
        if p == entry.meta_file or (p.parent == entry.folder and p.name in SIGNATURE_NAMES) or \
                (p.is_dir() and not p.is_symlink()):
            continue
        if p.is_symlink() or not p.is_file():
            raise InputError(str(p), "", "symlinks and special files are refused in a run folder")
        fmt = old[rel].format if rel in old else None
        if fmt is None:
            imp, _ = importers.detect(p)
            fmt = imp.name if imp else None
        files.append(TraceFile(path=rel, sha256=sha256_file(p), format=fmt, bytes=p.stat().st_size))
    changes = []
    new = {f.path: f for f in files}
    for path in sorted(set(old) | set(new)):
        if path not in new:
            changes.append(f"removed {path}")
        elif path not in old:
            changes.append(f"added {path} {new[path].sha256}")
        elif old[path].sha256 != new[path].sha256:
            changes.append(f"changed {path} {new[path].sha256}")
    if changes:
        data = load_yaml(entry.meta_file, str(entry.meta_file)) or {}
        data["files"] = [f.model_dump(mode="json", exclude_none=True) for f in files]
        _write_atomic(entry.meta_file, _dump_yaml(data))
    return changes
