"""Stage 7, write: build the site in a temporary folder beside the output,
then move it in, so no file of ``site/`` is ever seen half-written.

Unchanged files are not rewritten: a page whose bytes are identical to the
file on disk (or a file the build cache reuses whose sha256 the previous
build's ``manifest.json`` gives) is hard-linked from the old site into the
new one (at commit) instead of written. When no file changed, was added or
was removed, the staging folder is dropped and ``site/`` is not touched at
all. When many files changed, the swap is two renames (old → the staging
folder's name + ``.old``, new → ``site``), so readers see either the old site
or the new one; when few did (a rebuild after one run changed), each changed
file replaces its old version with an atomic rename and ``manifest.json`` is
replaced last, so every file is always whole.

The writer replaces only a folder that is its own: missing, empty, or holding
the ``manifest.json`` of an earlier build (:func:`check_output`). The project
folder, a folder holding it or its inputs, its inputs (``traces/``,
``content/``, ``registry/``, ``themes/``) and any other non-empty folder are
refused with :class:`UnsafeOutputError` before anything is written or removed.
Within its folder it replaces or removes only what it wrote: top-level
entries the old manifest does not list (``.git``, ``CNAME``) are carried into
the new folder, and no symlink in the old site is ever followed.

When no file came from the build cache (``build --no-cache``, or an empty
cache) the manifest is not believed: every file is compared byte for byte with
the one on disk, and a site that differs in any way (an edited, missing or
extra file or folder, a damaged manifest) is replaced by a whole new folder,
which repairs it. A cached build takes the files it reuses on the manifest's word.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import orjson

from generator.render import Page

MANIFEST = "manifest.json"
IN_PLACE_MAX = 200  # a rebuild that writes or removes at most this many files updates site/ in place


INPUT_FOLDERS = ("traces", "content", "registry", "themes")  # a project's inputs: never an output
_SHA256 = re.compile(r"[0-9a-f]{64}")
# An in-place update starts by replacing the manifest with one flagged "incomplete" (the names of
# the old and new files, no digest to trust): if it is interrupted, the folder is still recognised
# as a site, with the names of what tracesite wrote, and the next build trusts none of its files.
INCOMPLETE = "incomplete"


class UnsafeOutputError(Exception):
    """The output folder is not one the writer may replace (see :func:`check_output`);
    nothing was written or removed. ``out`` is the folder, ``reason`` why, in a few words."""

    def __init__(self, out: Path, reason: str):
        super().__init__(f"will not write the site into {out}: {reason}")
        self.out = out
        self.reason = reason


def _safe_rel(path: str) -> bool:
    """A relative path inside the folder, as the writer names files: no absolute path, no ``..``."""
    if not path or path.startswith("/") or "\0" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def read_manifest(out: Path) -> dict[str, str] | None:
    """The file list of the site in ``out`` from its ``manifest.json``, or None when there is none
    or it is not one tracesite writes: a JSON object whose ``files`` maps relative paths inside the
    folder to sha256 digests. A manifest flagged ``"incomplete": true`` (an update in place was
    interrupted) gives its paths with empty digests: the names are tracesite's, the bytes unknown."""
    try:
        data = orjson.loads((out / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return None
    incomplete = data.get(INCOMPLETE) is True
    for path, digest in files.items():
        if not (isinstance(digest, str) and (_SHA256.fullmatch(digest) or incomplete and not digest)
                and _safe_rel(path)) or path == MANIFEST:
            return None
    return {path: "" for path in files} if incomplete else files


def _looks_like_project(folder: Path) -> bool:
    """A tracesite project: a config file, or both ``traces/`` and ``registry/`` (the config is optional)."""
    from generator.config import CONFIG_NAMES

    try:
        return (any((folder / name).is_file() for name in CONFIG_NAMES)
                or ((folder / "traces").is_dir() and (folder / "registry").is_dir()))
    except OSError:
        return False


def check_output(out: Path, project: Path | None = None) -> dict[str, str]:
    """Raise :class:`UnsafeOutputError` unless ``out`` may be replaced by a site; returns the file list
    of the earlier site there (empty for a folder that is missing or empty).

    Refused: the project folder (``project``, the project root, or ``out`` itself when it looks like
    a project), a folder that holds ``project``, anything inside the input folders
    (:data:`INPUT_FOLDERS`, whether they exist or not) of ``project`` or of any project among the
    folders above ``out``, something that is not a folder, and a non-empty folder without the
    ``manifest.json`` of an earlier build (which also covers any other folder holding a project).
    Paths are compared resolved (symlinks followed). Nothing is created or removed."""
    out = Path(out).resolve()
    roots = [root for root in (out, *out.parents) if _looks_like_project(root)]
    if project is not None:
        root = Path(project).resolve()
        roots.insert(0, root)
        if out in root.parents:
            raise UnsafeOutputError(out, f"it holds the project {root}")
    for root in roots:
        if out == root:
            raise UnsafeOutputError(out, "it is a project folder (its inputs would be replaced)")
        for name in INPUT_FOLDERS:
            folder = (root / name).resolve()
            if out == folder or folder in out.parents:
                where = "the" if out == folder else "inside the"
                raise UnsafeOutputError(out, f"it is {where} project's {name}/ folder, an input of {root}")
            if out in folder.parents:  # traces/ may be a symlink into the output folder
                raise UnsafeOutputError(out, f"it holds the project's {name}/ folder ({folder}), an input of {root}")
    if os.path.lexists(out) and not out.is_dir():
        raise UnsafeOutputError(out, "it is not a folder")
    if not out.exists():
        return {}
    try:
        with os.scandir(out) as entries:
            empty = next(entries, None) is None
    except OSError:
        empty = False
    if empty:
        return {}
    files = read_manifest(out)
    if files is None:
        raise UnsafeOutputError(out, f"it is not empty and has no {MANIFEST} of an earlier tracesite build (a site whose "
                                     "update in place was interrupted under an older tracesite has none either: "
                                     "remove that folder and build again)")
    return files


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
    that changes nothing touches no file. ``project`` (the project root) adds
    the project's own folders to those refused (:func:`check_output`).

    A rendered page (:meth:`write`) is compared with the bytes on disk. Files
    reused without rendering (:meth:`reuse`, from the build cache) are
    trusted to match the old manifest's digests, and so is the rest of the old
    folder: then a commit may update it in place. When nothing was reused
    (``build --no-cache``, or a first build with this cache), or with
    ``trust_manifest=False``, the manifest is not trusted: a folder that holds
    anything else than the new site (an extra file or folder, a damaged file or
    manifest) is replaced by a whole new folder, which repairs it.
    ``trust_manifest=True`` trusts it even then.

    Raises UnsafeOutputError for an output folder it must not replace,
    ValueError when two pages claim one path (the plan should have caught it)
    and OSError for file-system failures.
    """

    def __init__(self, out: Path, project: Path | None = None, *, trust_manifest: bool | None = None):
        self.out = Path(out).resolve()
        self._out = str(self.out)
        old = check_output(self.out, project)  # before anything is created or removed
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_stages(self.out)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.build-{os.getpid()}-", dir=self.out.parent))
        self.hashes: dict[str, str] = {}
        self.bytes = 0
        self.written = 0
        self.unchanged = 0
        self.old = old
        # An update in place was interrupted: the names are tracesite's, no digest can be trusted.
        self.trust_manifest = False if any(d == "" for d in old.values()) else trust_manifest
        self.kept = self._foreign_entries()
        self._real_dirs: dict[str, bool] = {}
        self.committed_changes = True
        self._reused: dict[str, int] = {}  # path -> size, linked from the old site at commit
        self._from_cache = False  # whether reuse() took any file on the manifest's word

    def write(self, page: Page) -> None:
        if page.path in self.hashes:
            raise ValueError(f"two pages would write {page.path}")
        digest = hashlib.sha256(page.data).hexdigest()
        same = self._on_disk(page.path, len(page.data)) == page.data  # the bytes, not the manifest's word
        if not (same and self._take_old(page.path, digest)):
            target = self.stage / page.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.data)
            self.written += 1
            self.hashes[page.path] = digest
            self.bytes += len(page.data)

    def reuse(self, path: str, digest: str) -> bool:
        """Take ``path`` unchanged from the previous build (its bytes were not rendered again)."""
        if path in self.hashes:
            return False
        if self.trust_manifest is False:
            data = self._on_disk(path)
            if data is None or hashlib.sha256(data).hexdigest() != digest:
                return False
        elif self.old.get(path) != digest:
            return False
        if not self._take_old(path, digest):
            return False
        self._from_cache = self.trust_manifest is not False
        return True

    def _foreign_entries(self) -> list[str]:
        """Top-level entries of the output folder that no earlier build wrote (``.git`` of a
        gh-pages checkout, ``CNAME``, ``.nojekyll``, a file put there by hand): they are kept,
        carried into the new folder when it replaces the old one. Whatever tracesite wrote (the
        first part of every path in the old manifest) is its own to replace or remove."""
        if not self.out.is_dir():
            return []
        ours = {path.split("/", 1)[0] for path in self.old} | {MANIFEST}
        try:
            return sorted(name for name in os.listdir(self.out) if name not in ours)
        except OSError:
            return []

    def _real_parents(self, path: str) -> bool:
        """Whether every folder on the way to ``path`` in the old site is a real folder, not a
        symlink: the writer never reads, replaces or removes a file through a link that may lead
        out of the site."""
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            rel = "/".join(parts[:i])
            ok = self._real_dirs.get(rel)
            if ok is None:
                try:
                    ok = stat.S_ISDIR(os.lstat(os.path.join(self._out, rel)).st_mode)
                except OSError:
                    ok = True  # not there (yet): the writer creates it as a real folder
                self._real_dirs[rel] = ok
            if not ok:
                return False
        return True

    def _on_disk(self, path: str, size: int | None = None) -> bytes | None:
        """The bytes of the regular file ``path`` of the old site (None for anything else, or when
        its size is not ``size``)."""
        if not self._real_parents(path):
            return None
        full = os.path.join(self._out, path)
        try:
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode) or (size is not None and st.st_size != size):
                return None
            with open(full, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _differs_on_disk(self, manifest: bytes) -> bool:
        """Whether the old folder holds anything but the new site's files (checked byte for byte
        by :meth:`write` and :meth:`reuse`) and its manifest: an extra file, folder or link, a
        file where a folder belongs, a manifest with other bytes."""
        if self._on_disk(MANIFEST) != manifest:
            return True
        files = set(self.hashes)
        folders = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}

        def walk(folder: str, prefix: str) -> bool:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if not prefix and entry.name in self.kept:
                        continue  # not tracesite's: kept as it is
                    if entry.is_dir(follow_symlinks=False):
                        if rel not in folders or walk(entry.path, rel + "/"):
                            return True
                    elif rel not in files and rel != MANIFEST:
                        return True
            return False

        try:
            return walk(self._out, "")
        except OSError:
            return True

    def _take_old(self, path: str, digest: str) -> bool:
        if not self._real_parents(path):
            return False
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

    @property
    def trusts_manifest(self) -> bool:
        """Whether :meth:`commit` takes the old manifest's word for the folder (see the class)."""
        return self._from_cache if self.trust_manifest is None else self.trust_manifest

    def commit(self) -> None:
        manifest = orjson.dumps({"files": dict(sorted(self.hashes.items()))}, option=orjson.OPT_INDENT_2)
        trusted = self.trusts_manifest
        if trusted:
            unchanged = self.written == 0 and self.hashes == self.old and (self.out / MANIFEST).is_file()
        else:
            unchanged = self.written == 0 and self.out.is_dir() and not self._differs_on_disk(manifest)
        if unchanged:
            # Nothing changed: leave site/ exactly as it is.
            self.committed_changes = False
            self.abort()
            return
        removed = [p for p in self.old if p not in self.hashes]
        changed = [p for p in self.hashes if p not in self._reused] + removed
        if (trusted and self.old and (self.out / MANIFEST).is_file() and len(changed) <= IN_PLACE_MAX
                and all(self._real_parents(p) for p in changed)):
            self._commit_in_place(removed, manifest)
            return
        # A whole new folder (also whenever the manifest is not trusted: no stray file of tracesite's
        # folders is left, and no symlink the old site holds is followed).
        for path in self._reused:
            self._link_old(path)
        (self.stage / MANIFEST).write_bytes(manifest)
        for d in [self.stage, *sorted(p for p in self.stage.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)
        self._swap()

    def _swap(self) -> None:
        """Put the staging folder in the place of the old site, carrying over the entries that are
        not tracesite's (:meth:`_foreign_entries`). The old site goes aside under the staging
        folder's unique name (never a name some other folder may have); if this process dies
        before removing it, the next build does. On failure, the old site is put back as it was."""
        old = self.stage.with_name(self.stage.name + ".old")
        moved: list[str] = []
        aside = False
        try:
            for name in self.kept:
                if not os.path.lexists(self.stage / name):  # a file of the new site of that name wins
                    os.rename(self.out / name, self.stage / name)
                    moved.append(name)
            if self.out.exists():
                self.out.rename(old)
                aside = True
            self.stage.rename(self.out)
        except BaseException:
            if aside and not self.out.exists():
                old.rename(self.out)
            for name in moved:
                os.rename(self.stage / name, self.out / name)
            raise
        if old.exists():
            shutil.rmtree(old)

    def _commit_in_place(self, removed: list[str], manifest: bytes) -> None:
        """A few changed files replace their old versions one by one (each rename is atomic),
        removed files go, and the manifest is replaced last: relinking a large site into a new
        folder to change two files would cost seconds.

        The old manifest is first replaced by one flagged incomplete, with the names of the old
        and new files and no digest: if this is interrupted (a crash, a file that cannot be
        replaced), the next build still recognises the folder as its site (:func:`check_output`)
        and which entries are tracesite's, but trusts none of its files and writes a whole new
        one, instead of reusing files the manifest no longer describes."""
        names = dict.fromkeys(sorted(set(self.old) | set(self.hashes)), "")
        tmp = self.stage / MANIFEST
        tmp.write_bytes(orjson.dumps({"files": names, INCOMPLETE: True}, option=orjson.OPT_INDENT_2))
        os.replace(tmp, self.out / MANIFEST)
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
