"""Strict JSON reading: duplicate keys and over-long integers are refused with their place."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import jsonread
from generator.errors import InputError
from generator.jsonread import check_strict, iter_jsonl, loads

DUP = "in one object; expected each key once (readers disagree on which value wins)"


def error(text: str | bytes) -> tuple[str, str] | None:
    try:
        loads(text if isinstance(text, bytes) else text.encode(), "f.json")
    except InputError as exc:
        assert exc.file == "f.json"
        return exc.place, exc.message
    return None


@pytest.mark.parametrize(("text", "place", "key"), [
    ('{"a": 1, "a": 2}', "/", "a"),
    ('{"x": {"b": [1, {"c": 0, "c": 0}]}}', "/x/b/1", "c"),
    ('[{"ok": 1}, {"k": 1, "j": 2, "k": 3}]', "/1", "k"),
    ('{"a": 1, "\\u0061": 2}', "/", "a"),  # equal once decoded
    ('{"a/b~": {"z": 1, "z": 1}}', "/a~1b~0", "z"),
    # what the dropped member held does not hide it: colons and escaped colons in its strings
    ('{"a": "x:y\\u003az", "a": 1}', "/", "a"),
    ('{"a": {"p": "\\u003a", "q": ":"}, "a": {}}', "/", "a"),
    ('{"a:b": 1, "a:b": "::"}', "/", "a:b"),
    ('{"a": 1, "a": "\\u003a"}', "/", "a"),  # the kept value's escaped colon makes up for the dropped member's
    ('{"a": 1, "a": "\\u003A"}', "/", "a"),
    # the first object in document order (parents before children) is named
    ('{"o": {"i": 1, "i": 2}, "o": 3}', "/", "o"),
])
def test_duplicate_key_named_with_its_object(text: str, place: str, key: str):
    assert error(text) == (place, f"duplicate key {key!r} {DUP}")
    assert error(text.encode().decode()) == (place, f"duplicate key {key!r} {DUP}")


@pytest.mark.parametrize("text", [
    '{"a": "x:y", "b": {"c:": ":", "d": [":", {"e": "\\u003a\\u003A"}]}}',
    '{"path": "C:\\\\u003a", "u": "\\\\u003A"}',  # an escaped backslash then u003a: not a colon
    '{"a": 1, "b": {"a": 1}, "c": [{"a": 1}, {"a": 2}]}',  # the same key in different objects
    '{"n": 1234567890123456789, "m": -1234567890123456789, "f": 1.00000000000000000000001}',
    '{"id": "123456789012345678901234567890"}',  # a long digit run in a string
    "[]", "{}", '[{}, [], ""]',
])
def test_accepted(text: str):
    assert error(text) is None


@pytest.mark.parametrize(("text", "digits"), [
    ('{"n": 12345678901234567890}', "12345678901234567890"),
    ("[-123456789012345678901234567890123]", "-12345678901234567890123456789"),
    ('{"a": 12345678901234567890, "a": 1}', "12345678901234567890"),  # read before the object closes
])
def test_long_integer(text: str, digits: str):
    assert error(text) == ("", f"integer {digits}… has more than 19 digits; expected a number that fits 64 bits")


def test_duplicate_closed_before_long_integer():
    assert error('{"x": {"a": 1, "a": 2}, "n": 12345678901234567890}') == ("/x", f"duplicate key 'a' {DUP}")


def test_deeper_than_orjson_writes():
    # orjson reads 1,024 levels but writes 254: the proof cannot be made, the precise pass decides
    depth = 300
    ok = "[" * depth + '{"a": 1}' + "]" * depth
    assert error(ok) is None
    bad = "[" * depth + '{"a": 1, "a": 1}' + "]" * depth
    assert error(bad) == ("/0" * depth, f"duplicate key 'a' {DUP}")


def test_check_strict_without_value_and_with_str():
    # callers that parsed the text themselves (JSON Lines readers) may call it with the text alone
    with pytest.raises(InputError) as exc:
        check_strict('{"a": {"b": 1, "b": 1}}', "x.jsonl")
    assert (exc.value.file, exc.value.place) == ("x.jsonl", "/a")
    check_strict('{"a": "é:\\u003a"}', "x.jsonl")
    check_strict(b'{"a": "\xc3\xa9:"}', "x.jsonl", {"a": "é:"})


def test_clean_documents_skip_the_second_parse(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the standard library's parser ran")

    monkeypatch.setattr(jsonread, "json", SimpleNamespace(loads=refuse))
    loads(b'{"a": "x:y", "b": [{"c": "\\u003a"}, 12345678901234567], "d": "\xc3\xa9"}', "f.json")
    with pytest.raises(AssertionError):  # a duplicate needs it, to name the place
        loads(b'{"a": 1, "a": 2}', "f.json")


def test_jsonl_line_and_place(tmp_path: Path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n\n{"b": {"c": 1, "c": 2}}\n')
    with pytest.raises(InputError) as exc:
        list(iter_jsonl(path, "t.jsonl"))
    assert exc.value.place == "line 3, /b"
    assert exc.value.message == f"duplicate key 'c' {DUP}"
    path.write_text('{"a": "b:c"}\n{"n": 99999999999999999999}\n')
    with pytest.raises(InputError) as exc:
        list(iter_jsonl(path, "t.jsonl"))
    assert exc.value.place == "line 2"


# -- property: the verdict is the precise one on documents built to be tricky --------------------

# characters of strings, each written as is or as a \u escape (lower or upper case hex)
_CHARS = st.sampled_from(["a", ":", '"', "\\", "é", "0", "u"])
_STRING = st.lists(st.tuples(_CHARS, st.sampled_from(["raw", "raw", "lower", "upper"])), max_size=5)
_KEY = st.lists(st.tuples(st.sampled_from(["a", ":"]), st.sampled_from(["raw", "lower"])), max_size=2)
_SCALAR = st.one_of(st.integers(-10**18, 10**18), st.booleans(), st.none(), _STRING.map(lambda s: ("str", s)))
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: ("arr", v)),
        st.lists(st.tuples(_KEY, inner), max_size=4).map(lambda v: ("obj", v)),
    ),
    max_leaves=25,
)


def _text(chars: list) -> str:
    out = []
    for c, how in chars:
        if how == "raw":
            out.append({'"': '\\"', "\\": "\\\\"}.get(c, c))
        else:
            out.append(("\\u%04x" if how == "lower" else "\\u%04X") % ord(c))
    return '"' + "".join(out) + '"'


def _write(v) -> str:
    if isinstance(v, tuple) and v[0] == "str":
        return _text(v[1])
    if isinstance(v, tuple) and v[0] == "arr":
        return "[" + ", ".join(_write(x) for x in v[1]) + "]"
    if isinstance(v, tuple):
        return "{" + ", ".join(f"{_text(k)}: {_write(x)}" for k, x in v[1]) + "}"
    return json.dumps(v)


def _first_duplicate(v, path=()) -> tuple[tuple, str] | None:
    """The first object (parents first, in document order) holding a repeated key, and that key."""
    if isinstance(v, tuple) and v[0] == "obj":
        keys = ["".join(c for c, _ in k) for k, _ in v[1]]
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                return path, key
            seen.add(key)
        for key, (_, x) in zip(keys, v[1]):
            if (hit := _first_duplicate(x, path + (key,))) is not None:
                return hit
    elif isinstance(v, tuple) and v[0] == "arr":
        for i, x in enumerate(v[1]):
            if (hit := _first_duplicate(x, path + (i,))) is not None:
                return hit
    return None


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(_VALUE.filter(lambda v: isinstance(v, tuple) and v[0] in ("arr", "obj")))
def test_property_duplicates_found_exactly(v):
    text = _write(v)
    expected = _first_duplicate(v)
    got = error(text)
    if expected is None:
        assert got is None, text
    else:
        path, key = expected
        assert got == (jsonread.pointer(*path) or "/", f"duplicate key {key!r} {DUP}"), text
