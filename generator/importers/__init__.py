"""Trace importers: one module per format, found by auto-detection.

Each importer module defines a subclass of :class:`Importer` and lists it in
``IMPORTERS`` below. An importer knows its format and the trace model, nothing
about HTML or the project layout. It answers three questions:

- :meth:`Importer.sniff`: is this file or folder mine? (None = yes, else the
  reason it was refused, shown to the user when no format matches);
- :meth:`Importer.drafts`: what runs does it hold (agent, model, benchmark,
  declared scores, the files that belong to each)?
- :meth:`Importer.traces`: the traces in one file, one at a time.

Adding a format = one new module here: every :class:`Importer` subclass
defined in a module of this package is registered automatically, in order of
its ``priority`` (lower first; specific formats before lenient ones), then name.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Iterator

from generator.errors import InputError
from generator.model import RunDraft, Trace


class Importer:
    """Base class of a trace format reader.

    Class attributes: ``name`` (the ``--format`` value), ``title``,
    ``spec`` (where the format is defined), ``patterns`` (file patterns it
    detects, for ``tracesite formats``), and optionally ``trace_identity``:
    what the run stage says it expected when a trace id comes twice (default
    "distinct trace ids: each task and trial once"; the run stage keeps the
    first copy and reports the others, so importers yield duplicates as read).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    spec: ClassVar[str]
    patterns: ClassVar[tuple[str, ...]]
    priority: ClassVar[int] = 50

    def sniff(self, path: Path) -> str | None:
        """None when ``path`` (a file or folder) is in this format, else why not."""
        raise NotImplementedError

    def companion_of(self, path: Path) -> Path | None:
        """The main file that ``path`` is read with (a continuation, a subagent file or a trial
        result beside its trajectory), or None. ``import`` does not report such a file as
        unrecognised when its main file is imported too."""
        return None

    def drafts(self, path: Path) -> list[RunDraft]:
        """The runs found at ``path``. Raises InputError for a broken file."""
        raise NotImplementedError

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        """Yield the traces in one file of a run, in file order.

        ``label`` is the name to use in errors (path relative to the project).
        A file that holds only metadata (a predictions or submission file)
        yields nothing. Raises InputError naming the place in the file.
        """
        raise NotImplementedError


def _load() -> list[Importer]:
    import importlib
    import pkgutil

    found: dict[str, Importer] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Importer) and obj is not Importer
                    and obj.__module__ == module.__name__ and "name" in vars(obj)):
                if obj.name in found:
                    raise RuntimeError(f"two importers are called {obj.name!r}")
                found[obj.name] = obj()
    return sorted(found.values(), key=lambda imp: (imp.priority, imp.name))


_IMPORTERS: list[Importer] | None = None


def all_importers() -> list[Importer]:
    """Every importer, in detection order."""
    global _IMPORTERS
    if _IMPORTERS is None:
        _IMPORTERS = _load()
    return _IMPORTERS


def get(name: str) -> Importer:
    """The importer called ``name``; raises KeyError listing the known names."""
    for imp in all_importers():
        if imp.name == name:
            return imp
    known = ", ".join(i.name for i in all_importers())
    raise KeyError(f"unknown format {name!r}; known formats: {known}")


def detect(path: Path) -> tuple[Importer | None, dict[str, str]]:
    """The importer that accepts ``path``, and each refusal reason keyed by format."""
    refusals: dict[str, str] = {}
    for imp in all_importers():
        try:
            reason = imp.sniff(path)
        except InputError as exc:
            reason = exc.message
        except OSError as exc:
            reason = f"cannot read ({exc.strerror})"
        if reason is None:
            return imp, refusals
        refusals[imp.name] = reason
    return None, refusals
