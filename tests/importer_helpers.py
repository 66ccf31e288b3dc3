"""Test helpers shared by the importer tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any


def step_kinds(trace) -> list[str]:
    """The kinds of a trace's steps, in order."""
    return [s.kind.value for s in trace.steps]


def kind_counts(trace) -> Counter:
    """How many steps of each kind a trace has."""
    return Counter(s.kind.value for s in trace.steps)


def write_json(path: Path, data: Any, indent: int | None = None) -> Path:
    """Write ``data`` as JSON (a string as it is) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=indent), encoding="utf-8")
    return path


def only_trace(importer, path: Path, label: str | None = None):
    """The one trace an importer reads from ``path``."""
    traces = list(importer.traces(path, label or path.name))
    assert len(traces) == 1
    return traces[0]
