"""Error places: a finding points at the byte or the YAML construct that is wrong, not at line 1 or the end.

Before the fixes, a byte that is not UTF-8 anywhere in a JSON file was reported at "line 1, column 1"
(orjson's place for it), and an unclosed quote in a YAML file at the end of the file, PyYAML's "while
scanning a quoted scalar … line 16, column 9" being dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator import jsonread
from generator.build import build_site
from generator.discover import load_registry, load_run
from generator.errors import InputError
from generator.importers.tau2_bench import Tau2Bench
from generator.jsonread import iter_jsonl, load_json, load_yaml, loads, parse_yaml
from projects import copy_example


def place_and_message(call) -> tuple[str, str]:
    with pytest.raises(InputError) as exc:
        call()
    return exc.value.place, exc.value.message


# -- JSON that is not UTF-8 ------------------------------------------------------------------------------


def test_invalid_byte_is_reported_where_it_is():
    data = b'{\n "a": "x",\n "b": "caf\xff"\n}'
    assert place_and_message(lambda: loads(data, "f.json")) == (
        "line 3, column 11", "invalid JSON (byte 0xff is not valid UTF-8); expected a JSON document")


def test_column_counts_characters_as_orjson_does():
    # "é" and "€" are 2 and 3 bytes: the bad byte is the 6th character of its line, not the 9th byte
    data = '[\n "é€x'.encode() + b"\xc3" + b'"]'
    place, message = place_and_message(lambda: loads(data, "f.json"))
    assert place == "line 2, column 6"
    assert "byte 0xc3 is not valid UTF-8" in message
    # orjson's own places count the same way: "y" is the 9th character of its line (the 12th byte)
    assert place_and_message(lambda: loads('[\n "é€x", y]'.encode(), "f.json"))[0] == "line 2, column 9"


def test_utf8_encoded_surrogate_and_lone_surrogate_text():
    place, message = place_and_message(lambda: loads(b'["ok",\n"\xed\xa0\x80"]', "f.json"))
    assert place == "line 2, column 2" and "not valid UTF-8" in message
    place, message = place_and_message(lambda: loads('["ok",\n  "\ud800"]', "f.json"))
    assert place == "line 2, column 4" and "lone surrogate U+D800" in message


def test_other_syntax_errors_keep_orjson_places():
    assert place_and_message(lambda: loads(b'{"a": 1,\n "b": }', "f.json"))[0] == "line 2, column 7"


def test_tau2_results_file_with_a_bad_byte_on_line_74(fixtures: Path, tmp_path: Path):
    """The user's report: a tau2-bench results JSON with \\xff on line 74 said "line 1, column 1"."""
    lines = (fixtures / "tau2" / "results.json").read_bytes().split(b"\n")
    assert lines[73] == b'       "info": null,'
    lines[73] = b'       "info": "caf\xff",'
    path = tmp_path / "results.json"
    path.write_bytes(b"\n".join(lines))
    expected = ("line 74, column 20", "invalid JSON (byte 0xff is not valid UTF-8); expected a JSON document")
    assert place_and_message(lambda: load_json(path, "results.json")) == expected
    assert place_and_message(lambda: list(Tau2Bench().traces(path, "results.json"))) == expected


def test_jsonl_record_with_a_bad_byte(tmp_path: Path):
    path = tmp_path / "t.jsonl"
    path.write_bytes('{"a": 1}\n\n{"bé": "'.encode() + b'\xff"}\n')
    place, message = place_and_message(lambda: list(iter_jsonl(path, "t.jsonl")))
    assert place == "line 3, column 9"
    assert message == "invalid JSON Lines record (byte 0xff is not valid UTF-8)"


def test_yaml_file_with_a_bad_byte(tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_bytes(b"id: r\nsubmitter:\n  name: Ren\xe9e\n")
    place, message = place_and_message(lambda: load_yaml(path, "run.yaml"))
    assert place == "line 3, column 12"
    assert message.startswith("cannot read file as UTF-8 (byte 0xe9 is not valid UTF-8)")


# -- YAML: where a construct starts and where its problem was found ---------------------------------------


RUN_YAML = """\
id: r1
agent: a
model: m
benchmark: b
benchmark_version: '1'
description: >
  A run whose submitter's name lost its closing quote.
environment:
  sandbox: docker
  seed: 7
  limits:
    steps: 30
    time: 600
started: '2026-05-06'
submitter:
  name: "Dana Lee
  organisation: Example Evals
  url: https://example.org
declared:
  overall: 0.5
  source: results
files: []
metadata:
  a: 1
  b: 2
  c: 3
  d: 4
  e: 5
  f: 6
  g: 7
  h: 8
  i: 9
  j: 10
  k: 11
"""
UNCLOSED = ("line 16, column 9", "invalid YAML: unclosed quoted scalar started here "
            "(found unexpected end of stream at line 35, column 1)")


def test_unclosed_quote_in_run_yaml(tmp_path: Path):
    """The user's report: "line 35, column 1: found unexpected end of stream"."""
    assert RUN_YAML.count("\n") == 34 and RUN_YAML.splitlines()[15] == '  name: "Dana Lee'
    folder = tmp_path / "traces" / "r1"
    folder.mkdir(parents=True)
    (folder / "run.yaml").write_text(RUN_YAML)
    entry, findings = load_run(folder, tmp_path)
    assert entry is not None and entry.run is None
    [f] = findings
    assert (f.file, f.place, f.message) == ("traces/r1/run.yaml", *UNCLOSED)
    assert f.format() == f"traces/r1/run.yaml:{UNCLOSED[0]}: error [input] {UNCLOSED[1]}"


def test_unclosed_quote_in_a_built_run_and_the_registry(tmp_path: Path, monkeypatch):
    """Every YAML file benefits: a build (which reads run.yaml through its cache) and the registry."""
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = copy_example(tmp_path / "p")
    run = next(p for p in sorted((project / "traces").iterdir()) if (p / "run.yaml").is_file())
    (run / "run.yaml").write_text(RUN_YAML)
    result = build_site(project, project / "site")
    label = f"traces/{run.name}/run.yaml"
    assert [(f.place, f.message) for f in result.findings if f.file == label] == [UNCLOSED]

    agents = project / "registry" / "agents.yaml"
    agents.write_text(agents.read_text() + 'extra:\n  name: "Unclosed\n')
    findings: list = []
    load_registry(project, findings)
    [f] = [f for f in findings if f.file == "registry/agents.yaml"]
    last = agents.read_text().count("\n") + 1
    assert f.place == f"line {last - 1}, column 9"
    assert f.message == f"invalid YAML: unclosed quoted scalar started here (found unexpected end of stream at line {last}, column 1)"


# PyYAML's pure-Python loader and libyaml word their problems differently; both give the two places.
LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def yaml_place(text: str, loader) -> tuple[str, str]:
    try:
        yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only
    except yaml.YAMLError as exc:
        return jsonread.yaml_error(exc, text)
    raise AssertionError("expected a YAML error")


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("text", "place", "words"), [
    # the problem is only found at the end: the construct's start is the place, the end is named
    (RUN_YAML, "line 16, column 9", "unclosed quoted scalar started here (found unexpected end of stream at line 35"),
    ("a: 'x\nb: 1\n", "line 1, column 4", "unclosed quoted scalar started here (found unexpected end of stream at line 3"),
    ("a: [1, 2\n\n", "line 1, column 4", "unclosed flow sequence started here ("),
    ("a: {b: 1\n", "line 1, column 4", "unclosed flow mapping started here ("),
    # the problem is found where it is: that is the place, the construct's start is named
    ("a:\n  b: 1\n - c\n", "line 3, column 2", "(in the block mapping that starts at line 1, column 1)"),
    ("a: [1, 2\nb: 3\n", "line 2, column 2", "(in the flow sequence that starts at line 1, column 4)"),
    ('k: "\\q"\n', "line 1, column ", "(in the "),  # at the backslash (libyaml) or the "q" (PyYAML)
    # one place only
    ("a: b: c\n", "line 1, column 5", "mapping values are not allowed"),
])
def test_yaml_error_names_both_places(text, place, words, loader):
    got_place, message = yaml_place(text, loader)
    assert (got_place.startswith(place) if place.endswith(" ") else got_place == place), got_place
    assert words in message, message


def test_yaml_duplicate_key_stays_at_the_key():
    assert parse_error("id: x\nname: a\nname: b\n") == (
        "line 3, column 1", "invalid YAML: found duplicate key 'name' (in the mapping that starts at line 1, column 1)")


def parse_error(text: str) -> tuple[str, str]:
    return place_and_message(lambda: parse_yaml(text, "f.yaml"))


def test_yaml_errors_of_one_place_are_unchanged():
    place, message = parse_error("a: *nope\n")
    assert place == "line 1, column 4" and message.startswith("invalid YAML: found undefined alias")
    assert parse_error("a: !!python/object:os.system 1\n")[0] == "line 1, column 4"


def test_front_matter_errors_are_at_the_files_line(tmp_path):
    from generator.render import split_front_matter

    text = '---\ntitle: ok\ndescription: "never closed\norder: 1\n---\nbody\n'
    with pytest.raises(InputError) as exc:
        split_front_matter(text, "content/x.md")
    assert exc.value.place == "line 3, column 14"
    assert "unclosed quoted scalar started here" in exc.value.message
    with pytest.raises(InputError) as exc:
        split_front_matter("---\ntitle: a\ntitle: b\n---\n", "content/x.md")
    assert exc.value.place.startswith("line 3") and "duplicate" in exc.value.message


def test_a_cached_build_names_the_bad_byte_of_a_run_yaml(tmp_path, monkeypatch):
    from generator.cache import MetaCache
    from generator.discover import load_run

    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "p" / "traces" / "r1"
    folder.mkdir(parents=True)
    (folder / "run.yaml").write_bytes(b"id: r1\nagent: a\nbenchmark: b\ndescription: caf\xe9\n")
    entry, findings = load_run(folder, tmp_path / "p", MetaCache(tmp_path / "p"))
    assert [(f.place, "byte 0xe9 is not valid UTF-8" in f.message) for f in findings] == [("line 4, column 17", True)]


def test_a_control_character_in_yaml_is_placed_and_named():
    with pytest.raises(InputError) as exc:
        parse_yaml("id: r1\ndescription: pasted \x1b[31mred\n", "traces/r1/run.yaml")
    assert exc.value.place == "line 2, column 21"  # "description: pasted " is 20 characters
    assert "U+001B is not allowed in YAML" in exc.value.message


def test_a_line_separator_does_not_shift_the_lines_and_is_named():
    text = "# a comment with \u2028 inside\nid: r1\nagent: [a\n"
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "traces/r1/run.yaml")
    assert exc.value.place.startswith(("line 1,", "line 2,", "line 3,"))
    assert "U+2028 at line 1, column 18" in exc.value.message and "line break" in exc.value.message
