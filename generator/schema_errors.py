"""pydantic validation errors as findings a contributor can act on.

Each error is placed at the JSON pointer of the value in the file (not at
pydantic's internal location, which names a union's members such as
``/submitted/date``) and worded from the model's field types: what was
found, and the shape expected ("a mapping setting -> reason", "a date
(YYYY-MM-DD) or date-time (ISO 8601)", the characters an id may hold).
Used by discovery for run metadata, the registry and the config.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.config import CONFIG_NAMES
from generator.errors import Finding
from generator.jsonread import pointer
from generator.model import ID_PATTERN

# Words for the patterns the models use, as (what the value should be, what that means).
PATTERN_WORDS: dict[str, tuple[str, str]] = {
    ID_PATTERN: ("a valid id", "letters, digits, '.', '_' or '-' (at most 128 characters), "
                               "starting with a letter or digit"),
    r"^[0-9a-f]{64}$": ("a sha256", "64 lowercase hexadecimal digits"),
}

# The expected shape of fields whose type alone does not say what goes in them, by
# "Model.field" or "field" (the first found wins).
FIELD_SHAPES: dict[str, str] = {
    "Run.deviations": "a mapping setting -> reason (each setting in which the run differs from the "
                      "benchmark's protocol)",
    "Run.failure_overrides": "a mapping trace id -> {class, reason}",
    "Run.environment": "a mapping setting -> value",
    "metadata": "a mapping key -> value",
    "Run.files": "a list of files, each {path, sha256, format, bytes}",
    "DeclaredScores.tasks": "a mapping task id -> score",
    "DeclaredScores.pass_hat": "a mapping k -> pass^k",
    "Agent.models": "a list of model names",
    "Benchmark.tasks": "a list of task ids",
    "Benchmark.protocol": "a mapping setting -> the value every run must use",
    "Benchmark.evidence": "a list of evidence rules, each {kind, name, host, pattern, after_last_edit}",
}

# Nouns for models whose class name does not read well.
MODEL_NOUNS = {"DeclaredScores": "declared score", "TraceFile": "file", "Config": "config"}

# pydantic error types that mean "a value of another shape is here".
_SHAPE_ERRORS = {"model_type", "model_attributes_type", "dict_type", "list_type", "tuple_type", "set_type",
                 "frozen_set_type", "mapping_type", "iterable_type"}


def _doc_for(file: str) -> str:
    """The document that describes ``file``'s keys."""
    return "docs/configuration.md" if Path(file).name in CONFIG_NAMES else "docs/data-model.md"


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _members(tp: Any) -> list:
    """The members of a union type other than None ([] when ``tp`` is no union)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return []


def _unwrap(tp: Any) -> Any:
    """``tp`` without Annotated and without an Optional's None."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif len(members := _members(tp)) == 1:
            tp = members[0]
        else:
            return tp


def _model_field(model: type[BaseModel], key: object) -> tuple[str | None, Any]:
    """The name and type of ``model``'s field called ``key`` (by name or alias)."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return name, info.annotation
    return None, None


def _resolve(model: type[BaseModel] | None, loc: tuple) -> tuple[tuple, bool, Any, str | None]:
    """Split a pydantic error location into the place in the file, walking ``model``'s types.

    Returns (path, union, type, field): ``path`` the keys and indexes in the file; ``union``
    true when the location went on into a union's member (pydantic names the member tried,
    ``date``/``datetime``, which is no place in the file: every member's error belongs at
    ``path``); ``type`` the type expected at ``path`` (None when unknown); ``field`` the
    ``Model.field`` whose value is at ``path`` (None inside its items)."""
    tp: Any = model
    path: list = []
    field = None
    key_type: Any = None
    for seg in loc:
        if seg == "[key]":  # the key itself is invalid: it is already the last part of the path
            tp, field = key_type, None
            continue
        tp = _unwrap(tp)
        if _members(tp):
            return tuple(path), True, tp, field
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if _is_model(tp):
            name, sub = _model_field(tp, seg)
            field = f"{tp.__name__}.{name}" if name else None
            tp = sub
            path.append(seg)
        elif origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)):
            path.append(seg)
            key_type = args[0] if args else None
            tp, field = (args[1] if len(args) == 2 else None), None
        elif origin in (list, tuple, set, frozenset):
            path.append(seg)
            tp, field = (args[0] if args else None), None
        else:
            path.append(seg)
            tp, field = None, None
    return tuple(path), False, _unwrap(tp), field


def _noun(model: type[BaseModel]) -> str:
    name = model.__name__
    return MODEL_NOUNS.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _join(shapes: list[str]) -> str:
    """``a date or date-time``: alternatives after the first without their article."""
    out = shapes[:1] + [re.sub(r"^an? ", "", sh) for sh in shapes[1:]]
    return " or ".join(dict.fromkeys(out))


def _shape(tp: Any, field: str | None = None) -> str:
    """What a value of type ``tp`` looks like in the file, in words; ``field`` (``Model.field``)
    looks up :data:`FIELD_SHAPES` first."""
    if field is not None:
        words = FIELD_SHAPES.get(field) or FIELD_SHAPES.get(field.split(".", 1)[1])
        if words:
            return words
    tp = _unwrap(tp)
    if members := _members(tp):
        return _join([_shape(m) for m in members])
    if _is_model(tp):
        infos = list(tp.model_fields.items())
        keys = [info.alias or name for name, info in infos if info.is_required()]
        keys += [info.alias or name for name, info in infos if not info.is_required()]
        shown = ", ".join(keys[:3]) + (", …" if len(keys) > 3 else "")
        return f"a mapping of {_noun(tp)} fields ({shown})"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)) or tp is dict:
        return "a mapping"
    if origin in (list, tuple, set, frozenset) or tp in (list, tuple, set, frozenset):
        return "a list"
    simple = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
              dt.datetime: "a date-time (ISO 8601)", dt.date: "a date (YYYY-MM-DD)"}
    return simple.get(tp, "a value")


def describe_value(value: object) -> str:
    """What was found instead of the expected shape, in words: 'a list', 'a string (...)'."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return f"a string ({_short(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"a {type(value).__name__}"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _message(err: dict, loc: tuple, tp: Any, field: str | None, doc: str, whole_file: bool) -> str:
    """The message for one pydantic error that is not part of a union; ``whole_file``: the
    error is about the file's whole document."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}; check the spelling against {doc}"
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing; expected {_shape(tp, field)} (see {doc})"
    if kind in _SHAPE_ERRORS:
        if whole_file and value is None:
            return f"the file is empty; expected {_shape(tp, field)}; see {doc}"
        return f"found {describe_value(value)}; expected {_shape(tp, field)}; see {doc}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_WORDS:
        what, words = PATTERN_WORDS[ctx["pattern"]]
        return f"{_short(value)} is not {what}; expected {words}"
    where = f"the key {_short(loc[-2])}: " if len(loc) > 1 and loc[-1] == "[key]" else ""
    if tp is not None and (kind.endswith(("_type", "_parsing")) or kind in ("enum", "literal_error")):
        found = f"{_short(value)} ({ctx['error']})" if isinstance(ctx.get("error"), str) else describe_value(value)
        return f"{where}found {found}; expected {_shape(tp, field)}"
    return where + err["msg"]


def pydantic_findings(exc: ValidationError, file: str, rule: str, prefix: tuple = (), *,
                      model: type[BaseModel] | None = None, doc: str | None = None) -> list[Finding]:
    """Turn a pydantic ValidationError into findings with JSON pointers to places in the file.

    ``model`` (the model validated; without it pointers and messages are pydantic's) lets
    each error be placed and worded from the field's type: the errors of a union's members
    (``submitted``: not a date, not a date-time) become one finding at the union's key;
    a value of the wrong shape names the shape expected (:data:`FIELD_SHAPES`, else the
    type: a model's fields, a mapping, a list); a pattern says in words which values match.
    ``doc`` is the document to check keys against (by default the one for ``file``)."""
    doc = doc or _doc_for(file)
    out: list[Finding] = []
    unions: dict[tuple, list] = {}  # place -> [index in out, union type, field, errors]
    for err in exc.errors():
        loc = tuple(err["loc"])
        if model is None:
            path, union, tp, field = loc, False, None, None
        else:
            path, union, tp, field = _resolve(model, loc)
        place = pointer(*(prefix + path))
        if union:
            if place not in unions:
                unions[place] = [len(out), tp, field, []]
                out.append(Finding(file, place, rule, ""))
            unions[place][3].append(err)
            continue
        out.append(Finding(file, place, rule, _message(err, loc, tp, field, doc, not prefix and not loc)))
    for place, (i, tp, field, errs) in unions.items():
        value = errs[0].get("input")
        details = {str((e.get("ctx") or {}).get("error")) for e in errs}
        found = f"{_short(value)} ({details.pop()})" if len(details) == 1 and "None" not in details else describe_value(value)
        out[i] = Finding(file, place, rule, f"found {found}; expected {_shape(tp, field)}")
    return out
