"""Build cache: a run whose inputs did not change since the last build keeps
its summary and its pages, and a leaderboard none of whose runs changed
keeps its pages, so a rebuild renders only what changed.

A run's key hashes its folder name, its ``run.yaml`` bytes and the path,
size, mtime, ctime, inode and mode of every file in its folder, together
with a global key: tracesite's code and version, every theme file, the
config, every file of ``registry/`` (``allowed_signers`` included) and the
site navigation. Any change to those rebuilds every run. A board's key hashes
the keys of its runs. ``tracesite check`` and ``build --no-cache`` never use
the cache, so CI always re-hashes every file.

The cache lives in the user's cache folder (``$TRACESITE_CACHE_DIR``, else
``$XDG_CACHE_HOME/tracesite``, else ``~/.cache/tracesite``), one folder per
project path, never inside the project: its entries are pickles, and a
pull request must not be able to plant one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from generator import __version__
from generator.discover import Project, RunEntry, folder_fingerprint, tree_stats
from generator.errors import InputError
from generator.jsonread import decode_text, parse_yaml
from generator.plan import slugify
from generator.render import Renderer, default_theme_dir

FORMAT = 5  # bumped whenever the pickled summaries or index entries change shape


def cache_root() -> Path:
    if os.environ.get("TRACESITE_CACHE_DIR"):
        return Path(os.environ["TRACESITE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tracesite"


def project_cache_dir(root: Path) -> Path:
    """This project's cache folder (one per project path and cache format)."""
    return cache_root() / hashlib.sha256(str(root).encode()).hexdigest()[:16] / f"v{FORMAT}"


class MetaCache:
    """Parsed ``run.yaml`` documents by path, stat signature and sha256 of their bytes, so a
    rebuild neither reads nor parses again the metadata of thousands of unchanged runs (YAML
    is slow to construct).
    Only documents that parsed cleanly are kept; :meth:`save` writes the cache."""

    def __init__(self, root: Path):
        self.file = project_cache_dir(root) / "meta.pickle"
        self.docs: dict[str, tuple[str, object]] = {}
        self.used: dict[str, tuple[str, object]] = {}
        try:
            with self.file.open("rb") as fh:
                docs = pickle.load(fh)  # noqa: S301 - our own cache, outside the project
            if isinstance(docs, dict):  # anything else (another version's, a damaged file) is ignored
                self.docs = docs
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            pass

    def load(self, path: Path, label: str, signature: str) -> tuple[object, str]:
        """The document in ``path`` (as :func:`generator.jsonread.load_yaml` parses it) and the
        sha256 of its bytes. ``signature`` (:func:`generator.discover.stat_line`) is the
        file's size, times, inode and mode: when it is unchanged the file is not even read,
        as the build cache trusts the same signature for trace files; when only the bytes
        are unchanged, they are not parsed again. Raises InputError for unreadable files."""
        hit = self.docs.get(str(path))
        valid = isinstance(hit, tuple) and len(hit) == 3
        if valid and hit[0] == signature:
            self.used[str(path)] = hit  # the same entry: save() sees nothing changed
            return hit[2], hit[1]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
        text = decode_text(raw, label)
        digest = hashlib.sha256(raw).hexdigest()
        data = hit[2] if valid and hit[1] == digest else parse_yaml(text, label)
        self.used[str(path)] = (signature, digest, data)
        return data, digest

    def save(self) -> None:
        """Write the documents read by this discovery (when any differs from the cache), then let
        go of them: the project holds the validated runs, and the raw documents of thousands of
        runs are not worth keeping in memory for the rest of the build."""
        if self.used.keys() != self.docs.keys() or any(self.docs[k] is not v for k, v in self.used.items()):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".meta.")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(self.used, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        self.docs, self.used = {}, {}


def _tree_fingerprint(h, folder: Path) -> None:
    """Hash the names and bytes of the files under ``folder`` (compiled bytecode left out: Python
    writes it when it pleases, and it follows from the source)."""
    if not folder.is_dir():
        return
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())


@dataclass
class CachedRun:
    """What a build needs of an unchanged run without loading its summary: the key of its
    inputs, its pages (path -> sha256), its own findings, its board and its trace count."""

    key: str
    pages: dict[str, str]
    findings: list
    benchmark: str
    traces: int


@dataclass
class CachedBoard:
    """An unchanged board: the key of its runs' inputs, its pages and its teaser for the home page;
    ``page_keys``: the key of each leaderboard page after the first (path -> key), so that a board
    drawn again keeps the pages whose rows did not change (see generator/build.py)."""

    key: str
    pages: dict[str, str]
    teaser: object
    page_keys: dict[str, str]


class RunCache:
    """The build cache of one project (see the module docstring).

    An index (``index.pickle``) holds a :class:`CachedRun` per run and a
    :class:`CachedBoard` per leaderboard, so a rebuild decides what to reuse
    without loading any summary; a run's summary (``<run>.pickle``) is loaded
    only when its board must be drawn again. Call :meth:`save` at the end of a
    build that wrote its site.
    """

    def __init__(self, project: Project, renderer: Renderer):
        self.dir = project_cache_dir(project.root)
        h = hashlib.sha256(f"tracesite {__version__} cache {FORMAT}".encode())
        _tree_fingerprint(h, Path(__file__).resolve().parent)  # tracesite's own code, templates below
        _tree_fingerprint(h, default_theme_dir())
        _tree_fingerprint(h, project.root / "themes")
        _tree_fingerprint(h, project.root / "registry")  # allowed_signers too, not only what the models hold
        h.update(project.config.model_dump_json().encode())
        h.update(project.registry.model_dump_json().encode())
        h.update(orjson.dumps([renderer.env.globals.get("nav"), [(b.id, p) for b, p in renderer.env.globals.get("boards", [])]]))
        self.global_key = h.hexdigest()
        self._keys: dict[str, str] = {}
        self.runs: dict[str, CachedRun] = {}
        self.boards: dict[str, CachedBoard] = {}
        try:
            with (self.dir / "index.pickle").open("rb") as fh:
                global_key, runs, boards = pickle.load(fh)  # noqa: S301 - our own cache, outside the project
            if global_key == self.global_key and isinstance(runs, dict) and isinstance(boards, dict):
                self.runs, self.boards = runs, boards
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            pass

    def key(self, entry: RunEntry) -> str:
        """Hash of everything a run's pages and summary depend on: the global key, its folder's
        name, its ``run.yaml`` and the path, size, mtime, ctime, inode and mode of every file
        in its folder (the entry's fingerprint when discovery computed it)."""
        run_id = entry.run.id
        if run_id not in self._keys:
            h = hashlib.sha256(f"{self.global_key}\0{entry.folder.name}\0".encode())
            fingerprint = entry.fingerprint or folder_fingerprint(
                hashlib.sha256(entry.meta_file.read_bytes()).hexdigest(), tree_stats(str(entry.folder)))
            h.update(fingerprint.encode())
            self._keys[run_id] = h.hexdigest()
        return self._keys[run_id]

    def _path(self, run_id: str) -> Path:
        return self.dir / "runs" / f"{slugify(run_id)}.pickle"  # apart from index.pickle: a run may be called "index"

    def get(self, entry: RunEntry) -> CachedRun | None:
        """The cached run when its inputs are unchanged, else None."""
        hit = self.runs.get(entry.run.id)
        return hit if isinstance(hit, CachedRun) and hit.key == self.key(entry) else None

    def summary(self, run_id: str):
        """The cached summary of an unchanged run (None if its file is gone or stale)."""
        hit = self.runs.get(run_id)
        try:
            with self._path(run_id).open("rb") as fh:
                key, summary = pickle.load(fh)  # noqa: S301 - our own cache, outside the project
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        return summary if hit is not None and key == hit.key else None

    def put(self, entry: RunEntry, summary, pages: dict[str, str]) -> None:
        key = self.key(entry)
        (self.dir / "runs").mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir / "runs", prefix=".run.")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, summary), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self._path(entry.run.id))
        self.runs[entry.run.id] = CachedRun(key, pages, list(summary.own_findings),
                                            summary.run.benchmark, len(summary.traces))

    def board_key(self, bench_id: str, run_ids: list[str]) -> str:
        """Hash of a board's inputs: the global key and the keys of its runs."""
        h = hashlib.sha256(f"{self.global_key}\0{bench_id}".encode())
        for run_id in sorted(run_ids):
            h.update(f"\0{run_id}\0{self.run_key(run_id)}".encode())
        return h.hexdigest()

    def put_board(self, bench_id: str, key: str, pages: dict[str, str], teaser, page_keys: dict[str, str]) -> None:
        self.boards[bench_id] = CachedBoard(key, pages, teaser, page_keys)

    def run_key(self, run_id: str) -> str:
        """The key of a run computed by this build ("" for a run without one)."""
        return self._keys.get(run_id, "")

    def save(self, run_ids: set[str], bench_ids: set[str]) -> None:
        """Write the index and drop entries of runs and boards that are gone."""
        self.runs = {k: v for k, v in self.runs.items() if k in run_ids}
        self.boards = {k: v for k, v in self.boards.items() if k in bench_ids}
        self.dir.mkdir(parents=True, exist_ok=True)
        keep = {f"{slugify(r)}.pickle" for r in run_ids}
        for p in (self.dir / "runs").glob("*.pickle"):
            if p.name not in keep:
                p.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".index.")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((self.global_key, self.runs, self.boards), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.dir / "index.pickle")
