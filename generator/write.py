"""Stage 7, write: build the site in a temporary folder beside the output,
then move it in, so no file of ``site/`` is ever seen half-written.

Unchanged files are not rewritten: the previous build's ``manifest.json``
gives every file's sha256, and a page whose bytes are identical is
hard-linked from the old site into the new one (at commit) instead of
written. When no file changed, was added or was removed, the staging folder is dropped and
``site/`` is not touched at all. When many files changed, the swap is two
renames (old → ``.old``, new → ``site``), so readers see either the old site
or the new one; when few did (a rebuild after one run changed), each changed
file replaces its old version with an atomic rename and ``manifest.json`` is
replaced last, so every file is always whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

import orjson

from generator.render import Page

MANIFEST = "manifest.json"
IN_PLACE_MAX = 200  # a rebuild that writes or removes at most this many files updates site/ in place


def _old_manifest(out: Path) -> dict[str, str]:
    try:
        data = orjson.loads((out / MANIFEST).read_bytes())
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, orjson.JSONDecodeError):
        return {}


def _remove_abandoned_stages(out: Path) -> None:
    """Staging folders of builds that were killed (SIGKILL, power loss) before they could clean
    up: their names carry the builder's process id, and a folder whose process is gone is removed.
    A build still running (say, beside `serve`) keeps its folder."""
    for stage in out.parent.glob(f".{out.name}.build-*-*"):
        pid = stage.name[len(f".{out.name}.build-"):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or not stage.is_dir() or stage.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(stage, ignore_errors=True)
        except OSError:
            pass  # the process exists (or cannot be asked): leave its folder


class SiteWriter:
    """Collects pages into a staging folder; :meth:`commit` swaps it in.

    ``written`` counts files whose bytes are new, ``unchanged`` files reused
    from the previous build. Reused files are hard-linked into the staging
    folder only at :meth:`commit`, and only when something changed, so a build
    that changes nothing touches no file. Raises ValueError when two pages
    claim one path (the plan should have caught it) and OSError for
    file-system failures.
    """

    def __init__(self, out: Path):
        self.out = out.resolve()
        self._out = str(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_stages(self.out)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.build-{os.getpid()}-", dir=self.out.parent))
        self.hashes: dict[str, str] = {}
        self.bytes = 0
        self.written = 0
        self.unchanged = 0
        self.old = _old_manifest(self.out) if self.out.is_dir() else {}
        self.committed_changes = True
        self._reused: dict[str, int] = {}  # path -> size, linked from the old site at commit

    def write(self, page: Page) -> None:
        if page.path in self.hashes:
            raise ValueError(f"two pages would write {page.path}")
        digest = hashlib.sha256(page.data).hexdigest()
        if not (self.old.get(page.path) == digest and self._take_old(page.path, digest)):
            target = self.stage / page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.data)
            self.written += 1
            self.hashes[page.path] = digest
            self.bytes += len(page.data)

    def reuse(self, path: str, digest: str) -> bool:
        """Take ``path`` unchanged from the previous build (its bytes were not rendered again)."""
        if self.old.get(path) != digest or path in self.hashes:
            return False
        return self._take_old(path, digest)

    def _take_old(self, path: str, digest: str) -> bool:
        try:
            st = os.lstat(os.path.join(self._out, path))  # (not pathlib: called for every file of the site)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode):  # lstat: a symlink (or anything but a file) is never reused
            return False
        self._reused[path] = st.st_size
        self.hashes[path] = digest
        self.unchanged += 1
        self.bytes += st.st_size
        return True

    def forget(self, path: str) -> None:
        """Undo :meth:`reuse` of ``path`` (its group of pages is rendered again instead)."""
        size = self._reused.pop(path, None)
        if size is not None:
            del self.hashes[path]
            self.unchanged -= 1
            self.bytes -= size

    def _link_old(self, path: str) -> None:
        src, target = self.out / path, self.stage / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, target)
        except OSError:
            shutil.copy2(src, target)

    def commit(self) -> None:
        if self.written == 0 and set(self.hashes) == set(self.old) and (self.out / MANIFEST).is_file():
            # Nothing changed: leave site/ exactly as it is.
            self.committed_changes = False
            self.abort()
            return
        manifest = orjson.dumps({"files": dict(sorted(self.hashes.items()))}, option=orjson.OPT_INDENT_2)
        removed = [p for p in self.old if p not in self.hashes]
        if self.old and (self.out / MANIFEST).is_file() and self.written + len(removed) <= IN_PLACE_MAX:
            self._commit_in_place(removed, manifest)
            return
        for path in self._reused:
            self._link_old(path)
        (self.stage / MANIFEST).write_bytes(manifest)
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

    def _commit_in_place(self, removed: list[str], manifest: bytes) -> None:
        """A few changed files replace their old versions one by one (each rename is atomic),
        removed files go, and the manifest is replaced last: relinking a large site into a new
        folder to change two files would cost seconds.

        The old manifest is removed first: if this is interrupted (a crash, a file that cannot
        be replaced), the next build finds no manifest, trusts no file of the site and writes
        a whole new one, instead of reusing files the manifest no longer describes."""
        (self.out / MANIFEST).unlink()
        for path in sorted(p for p in self.hashes if p not in self._reused):
            src, dst = self.stage / path, self.out / path
            dst.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            os.replace(src, dst)
        for path in removed:
            (self.out / path).unlink(missing_ok=True)
            parent = (self.out / path).parent
            while parent != self.out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        tmp = self.stage / MANIFEST
        tmp.write_bytes(manifest)
        os.replace(tmp, self.out / MANIFEST)
        self.abort()

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
