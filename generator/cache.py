"""Build cache: a run whose inputs did not change since the last build keeps
its summary and its trace pages, so a rebuild re-renders only what changed.

A run's key hashes its ``run.yaml`` bytes and the path, size and mtime of
every file in its folder, together with a global key: the tracesite
version, every theme file, the config, the registry and the site navigation.
Any change to those rebuilds every run. ``tracesite check`` and builds
without ``--incremental`` never use the cache, so CI always re-hashes every
file.

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
from pathlib import Path

import orjson

from generator import __version__
from generator.discover import Project, RunEntry
from generator.plan import slugify
from generator.render import Renderer, default_theme_dir

FORMAT = 2  # bumped whenever the pickled summaries change shape


def cache_root() -> Path:
    if os.environ.get("TRACESITE_CACHE_DIR"):
        return Path(os.environ["TRACESITE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tracesite"


def _tree_fingerprint(h, folder: Path) -> None:
    if not folder.is_dir():
        return
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())


class RunCache:
    def __init__(self, project: Project, renderer: Renderer):
        self.dir = cache_root() / hashlib.sha256(str(project.root).encode()).hexdigest()[:16] / f"v{FORMAT}"
        h = hashlib.sha256(f"tracesite {__version__} cache {FORMAT}".encode())
        _tree_fingerprint(h, default_theme_dir())
        _tree_fingerprint(h, project.root / "themes")
        h.update(project.config.model_dump_json().encode())
        h.update(project.registry.model_dump_json().encode())
        h.update(orjson.dumps([renderer.env.globals.get("nav"), [(b.id, p) for b, p in renderer.env.globals.get("boards", [])]]))
        self.global_key = h.hexdigest()

    def _key(self, entry: RunEntry) -> str:
        h = hashlib.sha256(self.global_key.encode())
        h.update(entry.meta_file.read_bytes())
        for p in sorted(entry.folder.rglob("*")):
            st = p.lstat()
            h.update(f"{p.relative_to(entry.folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n".encode())
        return h.hexdigest()

    def _path(self, entry: RunEntry) -> Path:
        return self.dir / f"{slugify(entry.run.id)}.pickle"

    def get(self, entry: RunEntry):
        """(summary, {page path: sha256}) when the run's inputs are unchanged, else None."""
        path = self._path(entry)
        try:
            with path.open("rb") as fh:
                key, summary, pages = pickle.load(fh)  # noqa: S301 - our own cache, outside the project
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        return (summary, pages) if key == self._key(entry) else None

    def put(self, entry: RunEntry, summary, pages: dict[str, str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".run.")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((self._key(entry), summary, pages), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self._path(entry))

    def prune(self, run_ids: set[str]) -> None:
        keep = {f"{slugify(r)}.pickle" for r in run_ids}
        if self.dir.is_dir():
            for p in self.dir.glob("*.pickle"):
                if p.name not in keep:
                    p.unlink(missing_ok=True)
