"""Strict JSON and YAML reading that reports where a file is broken.

JSON is parsed with orjson (RFC 8259: NaN, Infinity and comments are refused).
Errors become :class:`~generator.errors.InputError` with ``line N, column M``
for syntax errors and a JSON pointer for shape errors (see :func:`pointer`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import orjson
import yaml

from generator.errors import InputError

_POS = re.compile(r"line (\d+) column (\d+)")


def pointer(*parts: object) -> str:
    """RFC 6901 JSON pointer from path parts: ``pointer("a", 0, "b/c")`` -> ``/a/0/b~1c``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def loads(data: bytes | str, file: str) -> Any:
    """Parse one JSON document; raises InputError naming the line and column."""
    if isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf"):
        raise InputError(file, "line 1", "file starts with a UTF-8 byte-order mark; expected plain UTF-8 JSON")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        m = _POS.search(str(exc))
        place = f"line {m.group(1)}, column {m.group(2)}" if m else ""
        msg = str(exc).split(":")[0]
        raise InputError(file, place, f"invalid JSON ({msg}); expected a JSON document") from None


def load_json(path: Path, label: str | None = None) -> Any:
    """Read and parse a JSON file. ``label`` is the name used in errors."""
    label = label or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
    return loads(data, label)


def iter_jsonl(path: Path, label: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, value)`` for each non-blank line of a JSON Lines file.

    Streams the file; memory is bounded by the longest line. A malformed line
    raises InputError with its line number.
    """
    label = label or str(path)
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(label, f"line {number}", f"invalid JSON Lines record ({str(exc).split(':')[0]})") from None


def load_yaml(path: Path, label: str | None = None) -> Any:
    """Read a YAML (or JSON) metadata file with the safe loader."""
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, "", f"cannot read file as UTF-8 ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(label, place, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(label, "", f"invalid YAML: {exc}") from None


def expect(value: Any, kind: type | tuple[type, ...], file: str, place: str, what: str) -> Any:
    """Return ``value`` if it is an instance of ``kind``, else raise InputError at ``place``."""
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise InputError(file, place, f"expected {what}, found a boolean")
    if not isinstance(value, kind):
        found = type(value).__name__ if value is not None else "null"
        raise InputError(file, place, f"expected {what}, found {found}")
    return value
