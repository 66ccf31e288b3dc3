"""Stage 7, write: build the whole site in a temporary folder beside the
output, then swap it in, so ``site/`` is never half-written.

The swap is two renames (old → ``.old``, new → ``site``); readers of a
static host see either the old site or the new one. A ``manifest.json`` of
every file's sha256 is written last.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import orjson

from generator.render import Page


class SiteWriter:
    """Collects pages into a staging folder; :meth:`commit` swaps it in.

    Raises ValueError when two pages claim one path (the plan should have
    caught it) and OSError for file-system failures.
    """

    def __init__(self, out: Path):
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.build-", dir=self.out.parent))
        self.hashes: dict[str, str] = {}
        self.bytes = 0

    def write(self, page: Page) -> None:
        if page.path in self.hashes:
            raise ValueError(f"two pages would write {page.path}")
        target = self.stage / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.data)
        self.hashes[page.path] = hashlib.sha256(page.data).hexdigest()
        self.bytes += len(page.data)

    def commit(self) -> None:
        manifest = orjson.dumps({"files": dict(sorted(self.hashes.items()))}, option=orjson.OPT_INDENT_2)
        (self.stage / "manifest.json").write_bytes(manifest)
        for d in [self.stage, *sorted(p for p in self.stage.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)
        old = self.out.with_name(f".{self.out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if self.out.exists():
            self.out.rename(old)
        self.stage.rename(self.out)
        if old.exists():
            shutil.rmtree(old)

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
