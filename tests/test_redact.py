"""Secrets and personal data never reach site/: canaries in every format and field kind."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from enum import Enum
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import importers
from generator import redact as R
from generator.build import build_site, check_project
from generator.model import Step, StepKind, ToolCall, Trace
from generator.redact import Hit, redact
from generator.validate import sha256_file
from projects import copy_example
from sitecheck import trace_html

ROOT = Path(__file__).resolve().parents[1]

# Format-valid fake secrets; the middle part is what must never be published.
CANARIES = {
    "aws-key": "AKIAIOSFODNN7CANARY1",
    "github-token": "ghp_CANARYabcdefghijklmnopqrstuvwxyz0123",
    "openai-key": "sk-proj-CANARYabcdefghijklmnopqrstuvwxyz0123456789",
    "anthropic-key": "sk-ant-api03-CANARYabcdefghijklmnopqrstuvwxyz",
    "huggingface-token": "hf_CANARYabcdefghijklmnopqrstuvwxyzAB",
    "slack-token": "xoxb-123456789012-1234567890123-canaryabcdefghijklmnopqr",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZc2lnbmF0dXJl",
    "google-api-key": "AIzaSyCANARYabcdefghijklmnopqrstuvwxyz0",
    "bearer-token": "Authorization: Bearer CANARYbearerTokenValue1234567890",
    "url-password": "https://deploy:CANARYpass1234@registry.example.org/v2/",
    "credential-field": '"password": "CANARYhunter2hunter2"',
    "private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACANARYKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----",
}
SECRET_PARTS = ["IOSFODNN7CANARY1", "CANARYabcdefghijklmnop", "canaryabcdefghijklmnopqr", "Q0FOQVJZc2lnbmF0dXJl",
                "CANARYbearerTokenValue", "CANARYpass1234", "CANARYhunter2", "CANARYKEYMATERIAL"]
EMAIL = "canary.person@example.org"


@pytest.mark.parametrize("kind, text", sorted(CANARIES.items()))
def test_each_kind_is_redacted_with_a_typed_marker(kind, text):
    hits: list[Hit] = []
    out = redact(f"before {text} after", hits)
    assert not any(part in out for part in SECRET_PARTS), out
    assert "[REDACTED:" in out and out.startswith("before ") and out.endswith(" after")
    assert hits and all(h.secret for h in hits)


def test_ordinary_text_is_untouched():
    text = ("The token limit was reached; the key insight is that password reset needs an email. "
            "def key(x): return x  # sk-learn is not a key; api_key = os.environ['OPENAI_API_KEY']")
    hits: list[Hit] = []
    assert redact(text, hits) == text and hits == []


def test_personal_data_is_redacted_but_not_an_error():
    hits: list[Hit] = []
    out = redact(f"mail {EMAIL} and Cookie: session=abc123; uid=7", hits)
    assert EMAIL not in out and "session=abc123" not in out
    assert {h.kind for h in hits} == {"email", "cookie"} and not any(h.secret for h in hits)
    assert redact(EMAIL, [], personal_data=False) == EMAIL


def _payload() -> str:
    return " | ".join(CANARIES.values()) + f" | {EMAIL}"


def _rehash(run_folder: Path) -> None:
    import yaml
    meta = run_folder / "run.yaml"
    data = yaml.safe_load(meta.read_text())
    for f in data["files"]:
        f["sha256"] = sha256_file(run_folder / f["path"])
    meta.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture
def canary_project(tmp_path) -> Path:
    root = copy_example(tmp_path / "p")
    secret = _payload()
    # tau2: user message, tool call arguments, tool output, error info
    t = root / "traces" / "northwind-gpt-4o-2026-03" / "retail_results.json"
    doc = json.loads(t.read_text())
    sim = doc["simulations"][0]
    sim["messages"][1]["content"] += " " + secret
    call = next(m for m in sim["messages"] if m.get("tool_calls"))
    call["tool_calls"][0]["arguments"]["note"] = secret
    tool = next(m for m in sim["messages"] if m["role"] == "tool")
    tool["content"] += secret
    t.write_text(json.dumps(doc))
    # swe-agent: action, observation, thought, submission
    s = root / "traces" / "swe-agent-gpt-4o-2026-02" / "acme__widgets-12.traj"
    doc = json.loads(s.read_text())
    doc["history"][2]["content"] += secret
    doc["history"][3]["content"] += secret
    doc["trajectory"][0]["observation"] += secret
    doc["info"]["submission"] += "\n+# " + secret
    s.write_text(json.dumps(doc))
    # inspect .json: tool result, model output, scorer explanation, error
    i = root / "traces" / "inspect-react-llama-2026-05"
    log = next(i.glob("*.json"))
    doc = json.loads(log.read_text())
    sample = doc["samples"][0]
    for ev in sample["events"]:
        if ev["event"] == "tool":
            ev["result"] += secret
        if ev["event"] == "score":
            ev["score"]["explanation"] += secret
    sample["scores"]["match"]["explanation"] += secret
    doc["samples"][3]["error"]["message"] += secret
    log.write_text(json.dumps(doc))
    # inspect .eval zip: the same log, inside a zip
    h = root / "traces" / "inspect-react-haiku-2026-05"
    hlog = next(h.glob("*.json"))
    hdoc = json.loads(hlog.read_text())
    for ev in hdoc["samples"][0]["events"]:
        if ev["event"] == "model":
            ev["output"]["choices"][0]["message"]["content"] = f"thinking {secret}"
    samples = hdoc.pop("samples")
    with zipfile.ZipFile(hlog.with_suffix(".eval"), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps(hdoc))
        for smp in samples:
            zf.writestr(f"samples/{smp['id']}_epoch_{smp['epoch']}.json", json.dumps(smp))
    hlog.unlink()
    import yaml
    meta = yaml.safe_load((h / "run.yaml").read_text())
    meta["files"][0]["path"] = hlog.with_suffix(".eval").name
    meta["environment"]["api_key_note"] = secret  # run metadata values too
    (h / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    (h / "run.sig").unlink(missing_ok=True)
    for folder in (t.parent, s.parent, i, h):
        _rehash(folder)
    return root


def test_no_canary_reaches_the_site(canary_project, tmp_path):
    site = tmp_path / "site"
    result = build_site(canary_project, site)
    leaked = []
    for f in site.rglob("*"):
        if f.is_file():
            data = f.read_text(errors="replace")
            leaked += [(f.name, part) for part in SECRET_PARTS + [EMAIL] if part in data]
    assert leaked == []
    secrets = [f for f in result.findings if f.rule == "secret"]
    assert secrets and all(f.severity == "error" for f in secrets)
    files = {f.file.split("/")[1] for f in secrets}
    assert files == {"northwind-gpt-4o-2026-03", "swe-agent-gpt-4o-2026-02", "inspect-react-llama-2026-05",
                     "inspect-react-haiku-2026-05"}
    # The marker is shown where the secret was.
    page = trace_html(site, result, "swe-agent-gpt-4o-2026-02", "acme__widgets-12")
    assert "[REDACTED:aws-key]" in page and "[REDACTED:github-token]" in page


def test_check_reports_secrets_with_their_place(canary_project):
    result = check_project(canary_project)
    secrets = [f for f in result.findings if f.rule == "secret"]
    assert any(f.place.startswith("/simulations/0/messages/") for f in secrets)
    assert any(f.place.startswith("/history/") for f in secrets)
    assert any(f.file.endswith("run.yaml") and f.place == "/environment" for f in secrets)



# --- The blob prefilter of redact_trace / redact_value against the per-string path ---------------
# The reference is the implementation before the prefilter: ``redact`` on every string, one by one.

def _plain_value(value, hits, personal_data=True):
    if isinstance(value, str):
        return redact(value, hits, personal_data)
    if isinstance(value, list):
        return [_plain_value(v, hits, personal_data) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain_value(v, hits, personal_data) for v in value)
    if isinstance(value, dict):
        return {redact(k, hits, personal_data) if isinstance(k, str) else k: _plain_value(v, hits, personal_data)
                for k, v in value.items()}
    return value


def _plain_trace(trace, personal_data=True):
    found = []

    def run(value, place):
        hits = []
        new = _plain_value(value, hits, personal_data)
        found.extend((place, h) for h in hits)
        return new

    base = trace.source_pointer or ""
    for name in ("submission", "error", "scorer_explanation"):
        val = getattr(trace, name)
        if isinstance(val, str):
            setattr(trace, name, run(val, f"{base} ({name})"))
    trace.notes = run(trace.notes, f"{base} (notes)")
    trace.metadata = run(trace.metadata, f"{base} (metadata)")
    for step in trace.steps:
        place = step.source or f"{base} step {step.index}"
        step.content = run(step.content, place)
        if step.title:
            step.title = run(step.title, place)
        if step.actor:
            step.actor = run(step.actor, place)
        if step.tool_call is not None:
            step.tool_call.arguments = run(step.tool_call.arguments, place)
            step.tool_call.function = run(step.tool_call.function, place)
    return found


def _shape(value):
    """``value`` with container types, dict order and str subclasses made visible to ==."""
    if isinstance(value, dict):
        return ("dict", [(_shape(k), _shape(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_shape(v) for v in value])
    if isinstance(value, str):
        return (type(value).__name__, str(value))
    return value


def _trace_shape(trace):
    return _shape({name: getattr(trace, name) for name in ("submission", "error", "scorer_explanation", "notes",
                                                           "metadata")}) + tuple(
        _shape([s.content, s.title, s.actor, s.tool_call and s.tool_call.function,
                s.tool_call and s.tool_call.arguments]) for s in trace.steps)


def _hit_list(found):
    return [(place, h.kind, h.secret) for place, h in found]


def assert_same_as_plain(trace: Trace, personal_data: bool = True) -> list:
    fast, plain = trace.model_copy(deep=True), trace.model_copy(deep=True)
    got = R.redact_trace(fast, personal_data)
    want = _plain_trace(plain, personal_data)
    assert _hit_list(got) == _hit_list(want)
    assert _trace_shape(fast) == _trace_shape(plain)
    assert fast.model_dump() == plain.model_dump()
    return got


def _rule_patterns() -> list[re.Pattern]:
    return [p for _, _, p in R.rules()] + [R._FIELD, R._EMAIL, R._COOKIE]


class _Tag(str, Enum):
    key = 'api_key="Zx8kq2Lm9PwQ7"'


# Secrets of every kind, odd spellings the case-insensitive rules still match (ſ and the Kelvin sign
# fold to s and k; U+0130 lower-cases to two characters), and text that only looks like them.
_SAMPLES = list(CANARIES.values()) + [
    EMAIL, "Cookie: session=abc123; uid=7", "set-cookie: x", 'cookie="', "Authorization: Bearer abcdefghijklmnop1234",
    "x-api-key: 0123456789abcdef", "Bearer ", 'api_\u212aey = "Zx8!kq2Lm9Pw"', 'pa\u017f\u017fword: "hunter2hunter2"',
    '\u212aEY:"abcdefgh12345678"', 'to\u212aen = "aaaaaaaaaaaaaaaaaaaaaaaa"', '"secret":\u00a0"s3cr3tVALUE99x"',
    '\\"password\\": \\"hunter2hunter2\\"', "password='short'", 'token: "aaaaaaaa"', "pwd=abc",
    "\u0130\u0130 key: 'Kq9zX2mLp4Rt8Wv1'", 'api_key: "Zx8kq2Lm9PwQ7xx"', "access_token='eyZx8kq2Lm9PwQ7Ab'",
    'client_secret = "Q8zLm2Xw9Kp4Rt7V"', "x-api-key: Zx8kq2Lm9PwQ7Ab",
    "AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
    'aws_pass = "' + "A" * 40 + '"', "-----BEGIN RSA PRIVATE KEY-----\nMIIEow", "-----END RSA PRIVATE KEY-----",
    "https://user:pa55word@example.com/x", "://a:b@", "glpat-" + "a" * 20, "xoxb-1-2-abc", "AKIA" + "B" * 16,
    "1234567890:" + "A" * 35, "sk-" + "a" * 31, "eyJ", "a@b.co", "ſk-ant-" + "x" * 25, "\x00", "\n", "é", "🔑",
]
_FILLER = st.lists(st.sampled_from(list("abcdeksptAKS019 _-:=.@/'\"\\\n\t\x00") + [
    "\u017f", "\u212a", "\u0130", "\u00a0", "é", "Σ", "🔑", "key", "token", "pass", "cookie", "bearer", "aws"]),
    max_size=12).map("".join)
_TEXT = st.lists(st.one_of(st.sampled_from(_SAMPLES), _FILLER,
                           st.sampled_from(_rule_patterns()).flatmap(lambda p: st.from_regex(p, fullmatch=True))),
                 max_size=4).map("".join)
_JSON = st.recursive(st.one_of(_TEXT, st.integers(), st.none(), st.booleans(), st.just(_Tag.key)),
                     lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
                                             st.dictionaries(st.one_of(_TEXT, st.integers()), inner, max_size=3)),
                     max_leaves=8)


@st.composite
def _traces(draw):
    steps = []
    for i in range(draw(st.integers(0, 4))):
        call = None
        if draw(st.booleans()):
            call = ToolCall(function=draw(_TEXT), arguments=draw(_JSON))
        steps.append(Step(kind=draw(st.sampled_from(list(StepKind))), content=draw(_TEXT),
                          title=draw(st.none() | _TEXT), actor=draw(st.none() | _TEXT), tool_call=call,
                          source=draw(st.none() | st.just(f"/steps/{i}"))))
    return Trace(id="t", task_id="task", steps=steps, notes=draw(st.lists(_TEXT, max_size=2)),
                 metadata=draw(st.dictionaries(_TEXT, _JSON, max_size=3)), submission=draw(st.none() | _TEXT),
                 error=draw(st.none() | _TEXT), scorer_explanation=draw(st.none() | _TEXT),
                 source_pointer=draw(st.none() | st.just("/samples/0")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(trace=_traces(), personal_data=st.booleans())
def test_redact_trace_is_the_per_string_redaction(trace, personal_data):
    assert_same_as_plain(trace, personal_data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_JSON, personal_data=st.booleans())
def test_redact_value_is_the_per_string_redaction(value, personal_data):
    hits: list[Hit] = []
    want_hits: list[Hit] = []
    assert _shape(R.redact_value(value, hits, personal_data)) == _shape(_plain_value(value, want_hits, personal_data))
    assert [(h.kind, h.secret) for h in hits] == [(h.kind, h.secret) for h in want_hits]


def _trace_of(*contents: str, **fields) -> Trace:
    return Trace(id="t", task_id="task", steps=[Step(kind=StepKind.message, content=c) for c in contents], **fields)


@pytest.mark.parametrize("kind, text", sorted(CANARIES.items()) + [("email", EMAIL), ("cookie", "Cookie: a=b")])
def test_secrets_at_the_edges_of_strings_and_split_across_fields(kind, text):
    # At the start and the end of a string, alone, between other strings, and cut in two halves that
    # sit in neighbouring strings (which no rule matches: the separator must not join them).
    half = len(text) // 2
    trace = _trace_of("before", text, text + " after", "before " + text, text[:half], text[half:], "after",
                      metadata={text: [text, (text, 1)], "k": {"n": text[:half] + "\n" + text[half:]}},
                      notes=[text], submission=text)
    trace.steps[0].tool_call = ToolCall(function=text[:half], arguments={"a": text[half:], text: text})
    trace.steps[0].title, trace.steps[1].actor = text[half:], text[:half]
    got = assert_same_as_plain(trace)
    assert {h.kind for _, h in got} >= ({"bearer-token", "api-key-header"} & {kind} or {kind})
    assert_same_as_plain(trace, personal_data=False)


# Case-insensitive rules match ſ for s and the Kelvin sign for k; U+0130 lower-cases to two
# characters. In a blob that is not ASCII the prefilter cannot search the lower-cased text.
ODD = ['paſſword: "hunter2hunter2" key', 'api_\u212aey = "Zx8!kq2Lm9Pw"', 'İİİ token: "Zx8kq2Lm9PwQ7xx"',
       'İ secret_key: "s3cr3tVALUE99x" İ', 'akia aw\u017f_pass = "' + "Ab1/" * 10 + '"',
       "Authorization: Bearer ab.cdefghijklmnop1234 İ"]


@pytest.mark.parametrize("text", ODD)
def test_odd_spellings_of_case_insensitive_rules(text):
    for contents in ([text], ["İ", text, "plain"], ["plain ascii", text + " é", "key"], [text] * 3):
        assert assert_same_as_plain(_trace_of(*contents))
        assert assert_same_as_plain(_trace_of(*contents, metadata={"k": contents}))


def test_many_strings_in_several_blobs():
    # More text than one blob holds, secrets near the blob boundaries and a few long strings.
    contents = []
    for i in range(3000):
        contents.append(f"line {i}: nothing here, only words like key, token and pass")
        if i % 97 == 0:
            contents.append(list(CANARIES.values())[i % len(CANARIES)])
        if i % 450 == 0:
            contents.append("x" * (R._BLOB + 5) + EMAIL)
    got = assert_same_as_plain(_trace_of(*contents))
    assert len(got) > 30


def test_shared_step_objects_are_redacted_once_per_use():
    # Steps sharing one ToolCall: the per-string path redacts it twice (once per step), so must this.
    call = ToolCall(function="f", arguments={"h": "Authorization: Bearer abcdefghijklmnop1234"})
    trace = _trace_of("a", "b")
    trace.steps[0].tool_call = trace.steps[1].tool_call = call
    fast, plain = trace.model_copy(), trace.model_copy()  # shallow: the sharing stays
    fast.steps = [s.model_copy() for s in trace.steps]
    plain.steps = [s.model_copy() for s in trace.steps]
    fast.steps[0].tool_call = fast.steps[1].tool_call = call.model_copy()
    plain.steps[0].tool_call = plain.steps[1].tool_call = call.model_copy()
    assert _hit_list(R.redact_trace(fast)) == _hit_list(_plain_trace(plain))
    assert _trace_shape(fast) == _trace_shape(plain)


def test_a_new_rule_pattern_is_searched_for_as_it_is(monkeypatch):
    # A detect-secrets version with a pattern no cover knows: anchored, so not safe to search for in
    # a blob; it is searched for string by string, where its literals are.
    load = R._load_detect_secrets
    new = ("aws-key", ("zz-",), re.compile(r"^zz-[0-9]{4}$", re.M))
    for name in ("_RULES", "_LITERALS", "_CHECKS"):
        monkeypatch.setattr(R, name, getattr(R, name))
    monkeypatch.setattr(R, "_load_detect_secrets", lambda: load() + [new])
    R._RULES = None
    R.rules()
    assert (("zz-",), [new[2]], [], False, False) in R._CHECKS
    trace = _trace_of("x", "zz-1234", "a\nzz-9876\nb", "a zz-1111", "zz-12345", *CANARIES.values())
    got = assert_same_as_plain(trace)
    assert [h.kind for _, h in got].count("aws-key") == 3


def test_str_subclasses_keep_the_per_string_result():
    value = {_Tag.key: [_Tag.key, "plain"], "x": (StepKind.message, "k")}
    hits: list[Hit] = []
    assert _shape(R.redact_value(value, hits)) == _shape(_plain_value(value, []))
    assert [h.kind for h in hits] == ["credential-field", "credential-field"]


def test_blob_safety_of_patterns():
    safe = [r"\bfoo(?!\w)", r"(?i)\bbearer\s+((?!bearer\b)[^\s]{4,})", r"a(?=b)", r"x(?!\s)", r"[^\r\n]+"]
    unsafe = [r"^key", r"key$", r"\Akey", r"key\Z", r"(?<=a)b", r"(?<!a)b", r"a(?!.)", r"a(?![^b])", r"a(?!\W)",
              r"(?m)^a", r"(?>ab)", r"a*+", r"(a)\1", "a(?!\x00)"]
    assert all(R._blob_safe(re.compile(p)) for p in safe)
    assert not any(R._blob_safe(re.compile(p)) for p in unsafe)
    # The rule patterns' own searches are safe except the private-key block (it may end at \Z).
    assert [p.pattern for p in _rule_patterns() if not R._blob_safe(p)] == [R._EXTRA[0][2].pattern]


def test_every_rule_is_covered_or_gated_by_its_literals():
    # Each check of the prefilter is blob-safe, and every pattern of the current rule set is either
    # covered by a faster pattern or searched for only where its literals are. (A new detect-secrets
    # version may add patterns: they are searched for as they are, which is safe but slower.)
    R.rules()
    assert all(safe for *_, safe in R._CHECKS)
    covered = {key for _, _, keys in R._COVERS for key in keys}
    uncovered = sorted(p.pattern for p in _rule_patterns() if (p.pattern, p.flags) not in covered)
    gated = sorted(scans[0].pattern for lits, scans, *_ in R._CHECKS if lits is not None)
    assert uncovered == gated
    assert len(uncovered) <= 6, uncovered  # only the case-insensitive header, Slack and cookie rules


def test_case_insensitive_first_characters_of_the_field_cover():
    # The credential-field cover spells out, case-sensitively, every character that matches its first
    # two letters when case is ignored.
    everything = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, sys.maxunicode + 1)))
    cover = re.compile(next(scans for scans, _, keys in R._COVERS if (R._FIELD.pattern, R._FIELD.flags) in keys))
    first, second = cover.pattern[: cover.pattern.index("]") + 1], "[aAwWeEoO]"
    assert set(re.findall("(?i)[pskt]", everything)) == set(re.findall(first, everything))
    assert set(re.findall("(?i)[aweo]", everything)) == set(re.findall(second, everything))


_COVERED = sorted({key for _, _, keys in R._COVERS for key in keys})


@pytest.mark.parametrize("source, flags", _COVERED, ids=[s[:30] for s, _ in _COVERED])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_cover_matches_wherever_its_rules_do(source, flags, data):
    rule = re.compile(source, flags)
    alphabet = data.draw(st.sampled_from([None, st.characters(max_codepoint=127)]))  # ASCII: other scans
    text = data.draw(st.from_regex(rule, alphabet=alphabet).filter(lambda t: rule.search(t)))
    text = data.draw(st.sampled_from(["", "a", "\x00", " ", "é"])) + text
    text += data.draw(st.sampled_from(["", "z", "\x00"]))
    scans, ascii_scans, _ = next(c for c in R._COVERS if (source, flags) in c[2])
    scans = (scans,) if isinstance(scans, str) else scans
    assert any(re.search(p, text) for p in scans)
    if text.isascii() and ascii_scans:
        assert any(re.search(p, text.lower()) for p in ascii_scans)


def test_real_traces_redact_as_per_string(corpus):
    # Every trace of the public corpus (and without personal data where it has some).
    n = hits = 0
    for path in sorted(corpus.rglob("*")):
        if not path.is_file():
            continue
        imp, _ = importers.detect(path)
        if imp is None:
            continue
        try:
            traces = list(imp.traces(path, str(path)))
        except Exception:  # files the importers refuse are other tests' business
            continue
        for trace in traces:
            n += 1
            got = assert_same_as_plain(trace)
            hits += len(got)
            if any(not h.secret for _, h in got):
                assert_same_as_plain(trace, personal_data=False)
    assert n > 100 and hits > 0
