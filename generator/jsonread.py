"""Strict JSON and YAML reading that reports where a file is broken.

JSON is parsed with orjson, which refuses what RFC 8259 does not allow:
NaN and Infinity, comments, byte-order marks, lone surrogates, numbers that
overflow a double, nesting deeper than 1024. What orjson would accept
silently is refused too: duplicate keys in one object (the place is given as
a JSON pointer) and integers longer than 19 digits (orjson turns them into
floats). Most documents are proven free of both at C speed: no run of 20
digits anywhere, and as many colons in the text as in orjson's re-encoding
of the value (see ``_no_duplicates_proven``). The others get a second pass
with the standard library's C scanner, which finds the place. YAML is read
with the safe loader and duplicate mapping keys are refused too.

Errors are :class:`~generator.errors.InputError` with ``line N, column M``
for syntax errors and a JSON pointer for shape errors (see :func:`pointer`).
Text that is not UTF-8 is reported at its first bad byte (orjson itself
only says "line 1, column 1"). A YAML error names where the construct it
concerns starts as well as where it was detected (see :func:`yaml_error`).
Columns count characters, as orjson and PyYAML do.
"""

from __future__ import annotations

import json
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


MAX_INT_DIGITS = 19
# A run of more than MAX_INT_DIGITS digits, found as a run of zero bytes once every digit is mapped
# to 0 and every other byte to 1: translate and find run at C speed, over ten times as fast as the
# regular expression rb"\d{20}" (the same answer).
_DIGITS_TO_ZERO = bytes(0 if 0x30 <= b <= 0x39 else 1 for b in range(256))
_LONG_DIGIT_RUN = bytes(MAX_INT_DIGITS + 1)


def _has_long_digit_run(raw: bytes) -> bool:
    return _LONG_DIGIT_RUN in raw.translate(_DIGITS_TO_ZERO)


class _Duplicate(Exception):
    pass


class _Pairs(list):
    """An object's key/value pairs, kept in order to locate a duplicate key."""


def _no_duplicates(pairs: list) -> None:
    if len({k for k, _ in pairs}) != len(pairs):
        raise _Duplicate
    return None  # the values are not needed: orjson already built them


def _checked_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise _HugeInt(text)
    return 0


class _HugeInt(Exception):
    pass


def _locate_duplicate(value: Any, path: tuple = ()) -> tuple[tuple, str] | None:
    if isinstance(value, _Pairs):
        seen = set()
        for k, _ in value:
            if k in seen:
                return path, k
            seen.add(k)
        for k, v in value:
            if (hit := _locate_duplicate(v, path + (k,))) is not None:
                return hit
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if (hit := _locate_duplicate(v, path + (i,))) is not None:
                return hit
    return None


_UNSET = object()


def _no_duplicates_proven(raw: bytes, value: Any) -> bool:
    """True when ``raw`` (UTF-8 text that orjson parsed to ``value``) has no duplicate key.

    Outside strings a colon is only ever a member separator, so the colons of
    the text are its object members plus the colons inside its strings.
    orjson writes ``value`` back with one colon per key it kept plus the
    colons of the decoded strings it kept. A duplicate key adds a member
    (and maybe strings) to the text that ``value`` does not have, so the
    text has more colons than the dump; an escaped colon (``\\u003a``) is a
    colon in the dump only, hence counted on the text's side (``\\\\u003a``,
    an escaped backslash, is counted too: a false alarm, never a miss).
    Equal counts therefore prove that every object kept all its members,
    i.e. that no key was repeated. False means "not proven", never "found".
    """
    try:
        dumped = orjson.dumps(value)
    except orjson.JSONEncodeError:  # e.g. nesting orjson can read but not write
        return False
    colons = raw.count(b":")
    if b"\\u003" in raw:  # one scan in the usual case
        colons += raw.count(b"\\u003a") + raw.count(b"\\u003A")
    return colons == dumped.count(b":")


def check_strict(data: bytes | str, file: str, value: Any = _UNSET) -> None:
    """Refuse duplicate keys and over-long integers (see the module docstring).

    ``value`` is what ``orjson.loads(data)`` returned, when the caller has it
    (else it is parsed again). Raises InputError with the JSON pointer of
    the object holding a duplicate key, or naming the over-long integer.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    long_digits = _has_long_digit_run(raw)
    if value is _UNSET:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            value = _UNSET
    unique_keys = value is not _UNSET and _no_duplicates_proven(raw, value)
    if unique_keys and not long_digits:
        return
    # The standard library's scanner, with a Python call per object (to find a duplicate key)
    # and per integer (to refuse a long one) only for what is not proven already.
    try:
        json.loads(data, object_pairs_hook=None if unique_keys else _no_duplicates,
                   parse_int=_checked_int if long_digits else None)
    except _Duplicate:
        found = _locate_duplicate(json.loads(data, object_pairs_hook=_Pairs))
        path, key = found if found else ((), "?")
        raise InputError(file, pointer(*path) or "/", f"duplicate key {key!r} in one object; expected each key "
                         "once (readers disagree on which value wins)") from None
    except _HugeInt as exc:
        raise InputError(file, "", f"integer {str(exc)[:30]}… has more than {MAX_INT_DIGITS} digits; "
                         "expected a number that fits 64 bits") from None
    except (ValueError, RecursionError):
        pass  # orjson has already accepted the document; the stdlib's own limits are not ours


def _first_bad_unicode(data: bytes | str) -> tuple[int, int, str] | None:
    """``(line, column, what)`` (1-based, the column in characters as orjson counts it) of the first
    byte of ``data`` that is not UTF-8 or, for text, of its first lone surrogate; None when there is
    none. Only ever called on the error path."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError as exc:
            line_start = data.rfind("\n", 0, exc.start) + 1
            return (data.count("\n", 0, exc.start) + 1, exc.start - line_start + 1,
                    f"lone surrogate U+{ord(data[exc.start]):04X} is not valid Unicode")
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8")) + 1  # valid: the first bad byte is later
        bad = " ".join(f"0x{b:02x}" for b in data[exc.start:exc.end])
        what = f"bytes {bad} are" if exc.end - exc.start > 1 else f"byte {bad} is"
        return data.count(b"\n", 0, exc.start) + 1, column, f"{what} not valid UTF-8"
    return None


def bad_unicode(data: bytes | str) -> tuple[str, str] | None:
    """``(place, what)`` of the first byte of ``data`` that is not UTF-8 (for text, its first lone
    surrogate), the place as ``line N, column M``; None when there is none."""
    found = _first_bad_unicode(data)
    return (f"line {found[0]}, column {found[1]}", found[2]) if found else None


def _syntax_error(data: bytes | str, exc: orjson.JSONDecodeError) -> tuple[str, str]:
    """(place, reason) of an orjson syntax error. orjson reports text that is not UTF-8 at line 1,
    column 1, wherever it is: the first bad byte is found here instead."""
    msg = str(exc).split(":")[0]
    if "UTF-8" in msg and (bad := bad_unicode(data)) is not None:
        return bad
    m = _POS.search(str(exc))
    return (f"line {m.group(1)}, column {m.group(2)}" if m else ""), msg


def loads(data: bytes | str, file: str) -> Any:
    """Parse one JSON document strictly; raises InputError naming the place."""
    if isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf"):
        raise InputError(file, "line 1", "file starts with a UTF-8 byte-order mark; expected plain UTF-8 JSON")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        place, msg = _syntax_error(data, exc)
        raise InputError(file, place, f"invalid JSON ({msg}); expected a JSON document") from None
    if isinstance(value, (dict, list)):
        check_strict(data, file, value)
    return value


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
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                place, msg = f"line {number}", str(exc).split(":")[0]
                if "UTF-8" in msg and (bad := _first_bad_unicode(line)) is not None:
                    place, msg = f"line {number}, column {bad[1]}", bad[2]
                raise InputError(label, place, f"invalid JSON Lines record ({msg})") from None
            try:
                check_strict(line, label, value)
            except InputError as exc:
                raise InputError(label, f"line {number}{', ' + exc.place if exc.place else ''}", exc.message) from None
            yield number, value


def load_yaml(path: Path, label: str | None = None) -> Any:
    """Read a YAML (or JSON) metadata file with the safe loader; InputError (file, line and
    column) for unreadable text, invalid YAML or a duplicate key."""
    label = label or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
    return parse_yaml(decode_text(data, label), label)


def decode_text(data: bytes, label: str) -> str:
    """``data`` (read from ``label``) as UTF-8 text; InputError at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        place, what = bad_unicode(data) or ("", "not valid UTF-8")
        raise InputError(label, place, f"cannot read file as UTF-8 ({what}); expected UTF-8 text") from None


def parse_yaml(text: str, label: str) -> Any:
    """YAML text (read from ``label``) with the strict safe loader; InputError as in :func:`load_yaml`."""
    try:
        return yaml.load(text, Loader=_StrictYAMLLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        place, message = yaml_error(exc, text)
        raise InputError(label, place, f"invalid YAML: {message}") from None


_YAML_CONTEXT = re.compile(r"^while (?:scanning|parsing|reading|constructing) (?:an? )?")
# Constructs that end with a closing character: at the end of the text they were left open.
_CLOSED_BY_A_CHARACTER = ("quoted scalar", "flow sequence", "flow mapping")


# YAML 1.1 also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, which editors do not
# show as line breaks: places are counted from the character index, with "\n" as the only break.
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")


def _place_at(text: str, index: int) -> str:
    line_start = text.rfind("\n", 0, index) + 1
    return f"line {text.count(chr(10), 0, index) + 1}, column {index - line_start + 1}"


def _mark_place(mark: Any, text: str = "") -> str:
    if text and 0 <= getattr(mark, "index", -1) <= len(text):
        return _place_at(text, mark.index)
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _odd_breaks(text: str, end: int) -> str:
    """A note naming the first character before ``end`` that YAML reads as a line break and
    editors do not (it can turn the rest of a comment into content)."""
    m = _YAML_ONLY_BREAKS.search(text, 0, max(end, 0) + 1)
    if m is None:
        return ""
    return (f"; the text holds U+{ord(m.group(0)):04X} at {_place_at(text, m.start())}, which YAML reads as a "
            "line break (editors do not show it as one)")


def yaml_error(exc: yaml.YAMLError, text: str) -> tuple[str, str]:
    """``(place, message)`` of a PyYAML error, naming both of its marks.

    PyYAML (and libyaml) give the place where the problem was detected (``problem_mark``) and,
    for many errors, where the construct it concerns starts (``context_mark``, "while scanning a
    quoted scalar"). When the problem is only found at the end of the text (an unclosed quote or
    bracket swallows the rest of the file) the start is the place to fix, so it is the place and the
    end is named in the message: ``line 16, column 9`` / ``unclosed quoted scalar started here (found
    unexpected end of stream at line 35, column 1)``. Otherwise the problem's place comes first and
    the construct's start is named in the message.
    """
    if isinstance(exc, yaml.reader.ReaderError) and 0 <= exc.position <= len(text):
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return _place_at(text, exc.position), (f"character U+{char:04X} is not allowed in YAML (control "
                                               "characters other than tab and line breaks are refused)")
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return "", str(exc)
    problem, mark, context, start = exc.problem or "error", exc.problem_mark, exc.context, exc.context_mark
    note = _odd_breaks(text, getattr(mark, "index", len(text)))
    if not context or start is None or (start.line, start.column) == (mark.line, mark.column):
        return _mark_place(mark, text), problem + note
    thing = _YAML_CONTEXT.sub("", context)
    index = getattr(mark, "index", None)
    at_end = not text[index:].strip() if isinstance(index, int) else True  # only blanks after the problem
    if at_end:
        unclosed = "unclosed " if thing.endswith(_CLOSED_BY_A_CHARACTER) else ""
        return (_mark_place(start, text),
                f"{unclosed}{thing} started here ({problem} at {_mark_place(mark, text)}){note}")
    return _mark_place(mark, text), f"{problem} (in the {thing} that starts at {_mark_place(start, text)}){note}"


class _StrictYAMLLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            dup = key in keys
        except TypeError:
            dup = False
        if dup:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark)
        try:
            keys.add(key)
        except TypeError:
            pass
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictYAMLLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def expect(value: Any, kind: type | tuple[type, ...], file: str, place: str, what: str) -> Any:
    """Return ``value`` if it is an instance of ``kind``, else raise InputError at ``place``."""
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise InputError(file, place, f"expected {what}, found a boolean")
    if not isinstance(value, kind):
        found = type(value).__name__ if value is not None else "null"
        raise InputError(file, place, f"expected {what}, found {found}")
    return value
