"""Small helpers shared by importers of different families.

A private module (leading underscore): the importer registry does not load it
as a format. Nothing here knows a format: each helper is plain value handling
(id slugging, number checks, JSON text, reading a file prefix for sniffing,
adding token usage). Family-specific helpers live in ``_cli_common.py``,
``_openhands_common.py`` and ``_webutil.py``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable

import orjson

from generator.errors import InputError
from generator.jsonread import expect, pointer
from generator.model import Usage

SNIFF_BYTES = 64 * 1024
"""How much of a file the sniffers read (64 KiB)."""

_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")
_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_NUMBER = (int, float)


# --------------------------------------------------------------------------
# Ids
# --------------------------------------------------------------------------


def slug(text: Any) -> str | None:
    """An id matching ``^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`` from free text, or None.

    ``text`` is turned into a string (``None`` gives None); runs of other
    characters become one ``-``, leading and trailing ``.``/``_``/``-`` are
    dropped and the result is cut to 128 characters. None when nothing is
    left. Never raises.
    """
    if text is None:
        return None
    s = _SLUG_BAD.sub("-", str(text))
    s = re.sub(r"-{2,}", "-", s).lstrip("._-")
    s = s[:128].rstrip("._-")
    return s if s and _ID_OK.match(s) else None


def slug_or(text: str, fallback: str) -> str:
    """``slug(text)``, or ``fallback`` (returned as it is) when nothing is left of ``text``."""
    return slug(text) or fallback


def slug_hashed(text: Any) -> str | None:
    """An id matching ``^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`` from free text, or None.

    Like ``slug`` but a text longer than 128 characters (after cleaning) is
    cut to 119 and given ``-`` and the first 8 hex digits of the SHA-1 of the
    original text, so long distinct texts stay distinct. Never raises.
    """
    if text is None:
        return None
    raw = str(text)
    s = _SLUG_BAD.sub("-", raw)
    s = re.sub(r"-{2,}", "-", s).lstrip("._-")
    if len(s) > 128:
        digest = hashlib.sha1(raw.encode("utf-8")).hexdigest()[:8]
        s = f"{s[:119].rstrip('._-')}-{digest}"
    s = s.rstrip("._-") if len(s) > 1 else s
    return s if s and _ID_OK.match(s) else None


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """True for an int or float (NaN and infinities included), False for booleans and anything else."""
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def num(value: Any) -> float | None:
    """An int or float as a float (NaN and infinities kept); None for booleans and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def integer(value: Any) -> int | None:
    """An int, or a float with no fractional part as an int; None for booleans and anything else."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def fmt_number(value: Any) -> str:
    """A number in ``:g`` form (``1.0`` -> ``"1"``); anything else (booleans too) through ``str``."""
    return f"{value:g}" if is_number(value) else str(value)


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------


def json_text(value: Any) -> str:
    """Any value as indented JSON (2 spaces, non-string keys allowed); ``str(value)`` when orjson
    cannot encode it. Strings are JSON-encoded too (quoted); see ``text_or_json``."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return str(value)


def text_or_json(value: Any) -> str:
    """A string as it is; any other value as ``json_text(value)``."""
    if isinstance(value, str):
        return value
    return json_text(value)


def content_text(content: Any, label: str, place: str, image_types: tuple[str, ...] = ("image_url", "image"),
                 dump: Callable[[Any], str] = json_text, image_keys: tuple[str, ...] = ()) -> str:
    """Chat message content as text: a string, or a list of parts (strings, objects with
    ``text``, images shown as ``[image]``, other objects as JSON written by ``dump``). A part
    is an image when its ``type`` is one of ``image_types`` or it has one of ``image_keys``.

    Raises InputError at ``place`` (or ``place/<i>`` for a part) for any other shape.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out: list[str] = []
        for i, part in enumerate(content):
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    out.append(part["text"])
                elif part.get("type") in image_types or any(k in part for k in image_keys):
                    out.append("[image]")
                else:
                    out.append(dump(part))
            else:
                raise InputError(label, place + pointer(i), "expected a content part (string or object)")
        return "\n".join(out)
    found = type(content).__name__
    raise InputError(label, place, f"expected message content as a string or a list of parts, found {found}")


def short(value: Any, limit: int) -> str:
    """A string as it is, any other value as compact JSON (non-string keys allowed), cut to at most
    ``limit`` characters (the last one then ``…``). Raises TypeError for values orjson cannot encode."""
    text = value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def opt_str(value: Any, label: str, place: str, what: str) -> str | None:
    """None for None, else ``value`` when it is a string; otherwise raises InputError at ``place``
    saying ``expected <what>, found <type name>`` (``jsonread.expect``)."""
    if value is None:
        return None
    return expect(value, str, label, place, what)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of a file (fewer when it is shorter). OSError propagates."""
    with path.open("rb") as fh:
        return fh.read(size)


def visible(path: Path) -> bool:
    """False for dot-files and dot-folders (by the last path component only)."""
    return not path.name.startswith(".")


# --------------------------------------------------------------------------
# Usage
# --------------------------------------------------------------------------


def add_usage(a: Usage | None, b: Usage | None) -> Usage | None:
    """The field-wise sum of two token usages: a field missing (None) on one side takes the other's
    value; None when both usages are None, the other one when one is None (the same object)."""
    if a is None:
        return b
    if b is None:
        return a

    def add(x: Any, y: Any) -> Any:
        if x is None:
            return y
        if y is None:
            return x
        return x + y

    return Usage(input_tokens=add(a.input_tokens, b.input_tokens), output_tokens=add(a.output_tokens, b.output_tokens),
                 total_tokens=add(a.total_tokens, b.total_tokens), cost_usd=add(a.cost_usd, b.cost_usd))
