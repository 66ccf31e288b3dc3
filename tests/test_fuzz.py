"""Property tests: any input gives either traces or a clear InputError, never
another exception; any trace renders to a page.

Seeds are the fixture files each importer accepts; hypothesis mutates their
JSON (drop keys, swap values for other JSON values, cut lists, change
types) or their raw bytes (truncate, flip, insert). In CI
(``CI=true``) each target runs 2,000 examples; locally 100
(``HYPOTHESIS_PROFILE=ci`` forces the CI count).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import importers
from generator.errors import InputError
from generator.model import Step, StepKind, ToolCall, Trace, Usage

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CI = os.environ.get("CI") == "true" or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = 2000 if CI else 100

settings.register_profile("fuzz", max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                 HealthCheck.data_too_large])


def _seeds() -> list[tuple[str, Path]]:
    """(importer name, fixture file) for every fixture file an importer accepts."""
    out = []
    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.stat().st_size < 400_000)
    for imp in importers.all_importers():
        for f in files:
            try:
                if imp.sniff(f) is None:
                    out.append((imp.name, f))
            except Exception:  # a sniff must never crash: reported by test_sniff_never_crashes
                continue
    return out


SEEDS = _seeds()
TARGETS = sorted({name for name, _ in SEEDS})

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                         st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                             st.dictionaries(st.text(max_size=8), c, max_size=4)),
                           max_leaves=10)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:20]):
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    if not path:
        return value
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    last = path[-1]
    if value is _DELETE:
        if isinstance(cur, dict):
            cur.pop(last, None)
        else:
            del cur[last]
    else:
        cur[last] = value
    return doc


_DELETE = object()


@st.composite
def mutated_json(draw, doc):
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        choice = draw(st.sampled_from(["replace", "delete", "retype"]))
        if choice == "delete" and path:
            doc = _set(doc, path, _DELETE)
        elif choice == "retype":
            doc = _set(doc, path, draw(st.sampled_from([None, 0, -1, 1e308, "", "x" * 50, [], {}, True])))
        else:
            doc = _set(doc, path, draw(json_values))
    return doc


@st.composite
def mutated_bytes(draw, data: bytes):
    kind = draw(st.sampled_from(["truncate", "flip", "insert"]))
    if not data:
        return draw(st.binary(max_size=50))
    pos = draw(st.integers(0, len(data) - 1))
    if kind == "truncate":
        return data[:pos]
    if kind == "flip":
        return data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1:]
    return data[:pos] + draw(st.binary(min_size=1, max_size=20)) + data[pos:]


_KEEP: dict = {}  # parsed seeds, kept alive so their path lists stay valid


def _mutations(seed: Path):
    raw = seed.read_bytes()
    try:
        if seed.suffix in (".jsonl", ".cast") or raw.count(b"\n") > 1 and raw.lstrip()[:1] == b"{" and \
                all(line.strip()[:1] in (b"{", b"[", b"") for line in raw.splitlines()[:5]) and \
                len(raw.splitlines()) > 1 and _all_lines_json(raw):
            lines = _KEEP.setdefault(seed, [orjson.loads(x) for x in raw.splitlines() if x.strip()])

            @st.composite
            def lines_strategy(draw):
                i = draw(st.integers(0, len(lines) - 1))
                new = list(lines)
                new[i] = draw(mutated_json(lines[i]))
                return b"\n".join(_dumps(x) for x in new) + b"\n"
            return st.one_of(lines_strategy(), mutated_bytes(raw))
        doc = _KEEP.setdefault(seed, orjson.loads(raw))
        return st.one_of(mutated_json(doc).map(_dumps), mutated_bytes(raw))
    except orjson.JSONDecodeError:
        return mutated_bytes(raw)


def _dumps(value) -> bytes:
    # The standard library writes what orjson refuses (huge integers, Infinity): good fuzz input.
    return json.dumps(value).encode("utf-8", "surrogatepass")


def _all_lines_json(raw: bytes) -> bool:
    try:
        for line in raw.splitlines():
            if line.strip():
                orjson.loads(line)
        return True
    except orjson.JSONDecodeError:
        return False


def _run(imp, path: Path) -> None:
    try:
        if imp.sniff(path) is not None:
            return
    except InputError:
        return
    try:
        imp.drafts(path)
    except InputError:
        pass
    try:
        for trace in imp.traces(path, path.name):
            assert isinstance(trace, Trace)
    except InputError as exc:
        assert exc.message and isinstance(exc.place, str)


@pytest.mark.parametrize("name", TARGETS)
def test_importer_gives_traces_or_input_error(name, tmp_path_factory):
    imp = importers.get(name)
    seeds = [f for n, f in SEEDS if n == name]
    strategy = st.sampled_from(seeds).flatmap(lambda f: st.tuples(st.just(f), _mutations(f)))

    folders: dict[Path, Path] = {}

    def workdir(seed: Path) -> Path:
        # One copy of the seed's folder (its sidecars) per seed; each example overwrites the seed's file.
        if seed not in folders:
            folder = tmp_path_factory.mktemp("fz")
            for sib in seed.parent.iterdir():
                if sib.is_file() and sib.stat().st_size < 400_000:
                    shutil.copy2(sib, folder / sib.name)
            folders[seed] = folder
        return folders[seed]

    @settings(settings.get_profile("fuzz"))
    @given(strategy)
    def check(case):
        seed, data = case
        target = workdir(seed) / seed.name
        target.write_bytes(data)
        _run(imp, target)

    check()


def test_every_importer_has_fuzz_seeds():
    names = {imp.name for imp in importers.all_importers()}
    # Folder-only formats are covered through the files inside their fixture folders.
    assert len(TARGETS) >= len(names) - 3, sorted(names - set(TARGETS))


@settings(settings.get_profile("fuzz"))
@given(st.binary(max_size=300), st.sampled_from([".json", ".jsonl", ".eval", ".traj", ".cast", ".csv", ".har"]))
def test_sniff_never_crashes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("sn") / f"input{suffix}"
    path.write_bytes(data)
    for imp in importers.all_importers():
        try:
            imp.sniff(path)
        except InputError:
            pass


# ---------------------------------------------------------------- renderer

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
steps = st.lists(st.builds(
    Step, kind=st.sampled_from(list(StepKind)), actor=st.none() | text, title=st.none() | text, content=text,
    tool_call=st.none() | st.builds(ToolCall, id=st.none() | text, function=text, arguments=json_values),
    is_error=st.booleans(), usage=st.none() | st.builds(Usage, input_tokens=st.none() | st.integers(0, 10**7),
                                                        cost_usd=st.none() | st.floats(0, 100))),
    max_size=12)


@settings(settings.get_profile("fuzz"))
@given(steps, text, text)
def test_any_trace_renders_escaped(tmp_path_factory, step_list, task_id, error):
    from html.parser import HTMLParser

    from generator.aggregate import summarise_trace
    from generator.config import Config
    from generator.model import Run
    from generator.render import step_views

    trace = Trace(id="t", task_id=task_id or "x", steps=step_list, error=error or None, score=0.0,
                  deciding_step=len(step_list) or None)
    renderer = _renderer()
    summary = summarise_trace(trace, "t", ["runs/r/traces/t.html"], 500, "", 1.0)
    run = Run(id="r", agent="a", benchmark="b")
    page = renderer.render("trace.html", "runs/r/traces/t.html", run=run, agent=None, benchmark=None, trace=trace,
                           summary=summary, steps=step_views(trace.steps, Config().limits), page_no=1, pages=1,
                           page_urls=["runs/r/traces/t.html"], run_url="runs/r/index.html", board_url=None,
                           recording_url=None, nav=[], boards=[])
    html = page.data.decode("utf-8")
    scripts = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed", "form", "base", "meta") and tag != "meta":
                scripts.append(tag)
            for name, _ in attrs:
                if name.startswith("on"):
                    scripts.append(name)
    P().feed(html)
    # The trace page template has no script, iframe, form or event handler of its own, except the
    # sandboxed HTML view iframe, which only appears for HTML-looking message content.
    assert [s for s in scripts if s != "iframe"] == []


_RENDERER = None


def _renderer():
    global _RENDERER
    if _RENDERER is None:
        from generator.config import Config
        from generator.render import Renderer
        _RENDERER = Renderer(Config())
        _RENDERER.env.globals.update(nav=[], boards=[])
    return _RENDERER
