"""WebArena-Verified task outputs: ``agent_response.json``, ``network.har``, ``eval_result.json``.

Spec source: ``ServiceNow/webarena-verified`` (Apache-2.0):
``src/webarena_verified/types/agent_response.py`` (``FinalAgentResponse``:
``task_type`` with the alias ``performed_operation``, case-insensitive;
``status``; ``retrieved_data``; ``error_details``), the evaluation result
written by the evaluator (``task_id, intent_template_id, sites, task_revision,
status, score, evaluators_results[{evaluator_name, status, score, actual,
actual_normalized, expected, assertions[{assertion_name, status,
assertion_msgs}], error_msg}], webarena_verified_version,
webarena_verified_evaluator_checksum, webarena_verified_data_checksum}``), the
docs under ``docs/evaluation/`` (which still use the older names ``action`` and
``results``, accepted too) and ``examples/agent_logs/demo/<task_id>/``. The
network capture is HAR 1.2 (W3C draft "HTTP Archive format"; written by
Playwright).

Layouts accepted
----------------
- a task folder ``<task_id>/{agent_response.json, network.har, eval_result.json}``;
- the same three files side by side with a task prefix,
  ``<task_id>.agent_response.json`` etc. (prefix separators ``.``, ``_``, ``-``);
- an output folder holding only task folders and/or prefixed task files: one run.

One trace per task (folder or prefix). The files of a task are read together;
``traces`` yields the trace from one of them (``agent_response.json``, else
``eval_result.json``, else ``network.har``) and nothing from the others.

Normalisations
--------------
- **Steps**: each HAR entry → ``api_call`` (title ``METHOD host/path``; content
  method, URL, status, MIME type, size, time, redirect, the request body and a
  JSON, XML or plain-text response body, each clipped to 2,000 characters; HTML
  and binary bodies are named, not shown), except GET requests
  of static resources (scripts, style sheets, images, fonts, media, and paths
  under ``/static/``) which are counted per MIME type in the notes. Entries are
  ordered by ``startedDateTime`` (ISO 8601, converted to UTC); ``time``
  (milliseconds) becomes ``duration_s``; a status of 0 or ≥ 400 sets
  ``is_error``. ``agent_response.json`` → a ``submission`` step (and
  ``Trace.submission``, the response as indented JSON; a response that is not
  valid JSON is shown as text with a note, as the evaluator would score it).
  ``eval_result.json`` → a final ``score`` step with every evaluator's status,
  score, assertions and messages, expected and normalised actual values; it is
  ``Trace.deciding_step``.
- **Secrets**: request and response headers and the HAR ``cookies`` arrays are
  never shown (Cookie, Set-Cookie and Authorization are dropped; the notes count
  the entries that carried them); credential-like form fields, JSON keys and URL
  query parameters are replaced by ``[REDACTED:credential-field]``.
- **Score** = ``eval_result.score`` (0..1), ``score_source`` =
  ``eval_result.json``. **Status**: evaluated → completed (``error`` when the
  evaluation status is ``error``); an agent response without evaluation →
  completed with no score; only a network capture → incomplete.
  ``termination_reason`` = the agent's ``status`` in lower case.
- **Provenance**: ``webarena_verified_version`` and the evaluator and data
  checksums go to ``Trace.metadata`` and the draft's ``environment``, with
  ``intent_template_id``, ``sites``, ``task_revision`` and the HAR creator and
  browser. The files name no agent or model: drafts leave them None.
- **Duration**: from the first request's start to the last response's end.
- **Drafts**: ``run_id`` = the output folder's name (for a lone task folder or
  prefixed file: the folder above the task / holding the files), so the tasks
  of one output folder form one run; ``names`` keep the task folder
  (``107/agent_response.json``) or the prefixed file name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import fmt_number
from generator.importers._webutil import (
    REDACTED,
    SENSITIVE_HEADERS,
    clip,
    dumps,
    is_secret_key,
    is_static_resource,
    parse_time,
    redact,
    redact_url,
    slug,
    url_title,
)
from generator.jsonread import expect, load_json, loads, pointer
from generator.model import RunDraft, Step, StepKind, Trace, Usage

KINDS = ("agent_response.json", "eval_result.json", "network.har")
_FILE = re.compile(r"^(?P<prefix>.*?)(?P<kind>agent_response\.json|eval_result\.json|network\.har)$")
_PREFIX_SEP = re.compile(r"^(?P<task>.+?)[._-]$")
BODY_LIMIT = 2_000
HEAD_BYTES = 64 * 1024
# Response bodies shown as text: JSON, XML and plain text. HTML pages are not shown (they are
# long, and carry hidden form keys); the HAR keeps them.
_TEXT_MIME = re.compile(r"^(text/plain|text/xml|text/csv|application/(json|xml|ld\+json|[a-z.+-]*\+json))",
                        re.IGNORECASE)


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _split(name: str) -> tuple[str, str] | None:
    """``(prefix, kind)`` for a task file name, else None. The prefix is ``""`` or ends in . _ -."""
    m = _FILE.match(name)
    if not m:
        return None
    prefix = m.group("prefix")
    if prefix and not _PREFIX_SEP.match(prefix):
        return None
    return prefix, m.group("kind")


def _groups(folder: Path, check: bool = False) -> dict[str, dict[str, Path]]:
    """Task files of ``folder`` by prefix: ``{prefix: {kind: path}}``. ``check`` (for sniff)
    also requires the response/evaluation files to look like WebArena-Verified's."""
    out: dict[str, dict[str, Path]] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return out
    for p in entries:
        if p.is_file() and not p.name.startswith("."):
            sp = _split(p.name)
            if sp:
                out.setdefault(sp[0], {})[sp[1]] = p
    return {k: v for k, v in out.items()
            if ("agent_response.json" in v or "eval_result.json" in v) and (not check or _group_ok(v))}


def _group_ok(group: dict[str, Path]) -> bool:
    """The task's response and evaluation files look like WebArena-Verified's (cheap head check)."""
    return all(_content_ok(group[k], k) for k in ("agent_response.json", "eval_result.json") if k in group)


def _anchor(group: dict[str, Path]) -> Path:
    for kind in KINDS:
        if kind in group:
            return group[kind]
    raise AssertionError("empty group")


def _task_of(prefix: str, folder: Path) -> str:
    if prefix:
        m = _PREFIX_SEP.match(prefix)
        return m.group("task") if m else prefix
    return folder.name


def _is_task_folder(folder: Path, check: bool = False) -> bool:
    return "" in _groups(folder, check)


def _run_units(folder: Path, check: bool = False) -> list[tuple[Path, str, dict[str, Path]]] | None:
    """``(folder, prefix, files)`` for every task of an output folder, or None when the
    folder holds anything else (so that the import command walks it instead)."""
    units: list[tuple[Path, str, dict[str, Path]]] = []
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return None
    groups = _groups(folder, check)
    if "" in groups:
        return None  # a task folder, not an output folder
    for p in entries:
        if p.is_dir():
            sub = _groups(p, check)
            if "" not in sub:
                return None
            units.append((p, "", sub[""]))
        elif _split(p.name) is None or _split(p.name)[0] == "":
            return None
    for prefix, files in groups.items():
        units.append((folder, prefix, files))
    return units or None


def _group_of_file(path: Path, check: bool = False) -> tuple[str, dict[str, Path]] | None:
    sp = _split(path.name)
    if sp is None:
        return None
    group = _groups(path.parent, check).get(sp[0])
    return (sp[0], group) if group else None


def _content_ok(path: Path, kind: str) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    if kind == "network.har":
        return b'"log"' in head
    if kind == "eval_result.json":
        return any(m in head for m in (b'"evaluators_results"', b'"webarena_verified_version"'))
    return any(m in head for m in (b'"task_type"', b'"performed_operation"', b'"action"', b'"status"',
                                   b'"retrieved_data"', b'"results"')) or not head.lstrip().startswith(b"{")


# --------------------------------------------------------------------------
# HAR entries
# --------------------------------------------------------------------------


def _body_text(post: Any, counts: dict[str, int]) -> str | None:
    """A request body (HAR ``postData``) with credential-like fields redacted."""
    if not isinstance(post, dict):
        return None
    params = post.get("params")
    text = post.get("text")
    mime = str(post.get("mimeType") or "")
    if isinstance(params, list) and params:
        pairs = []
        for prm in params:
            if isinstance(prm, dict):
                name, value = str(prm.get("name", "")), prm.get("value", "")
                if is_secret_key(name) and value:
                    value = REDACTED
                    counts["credential-like request fields redacted"] = \
                        counts.get("credential-like request fields redacted", 0) + 1
                pairs.append(f"{name}={value}")
        return "\n".join(pairs)
    if not isinstance(text, str) or not text:
        return None
    if "json" in mime or text.lstrip().startswith(("{", "[")):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = None
        if value is not None:
            red, n = redact(value)
            if n:
                counts["credential-like request fields redacted"] = \
                    counts.get("credential-like request fields redacted", 0) + n
            return dumps(red, indent=True)
    if "x-www-form-urlencoded" in mime or ("=" in text and " " not in text.strip()):
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs:
            n = sum(1 for k, v in pairs if is_secret_key(k) and v)
            if n:
                counts["credential-like request fields redacted"] = \
                    counts.get("credential-like request fields redacted", 0) + n
                text = urlencode([(k, REDACTED if is_secret_key(k) and v else v) for k, v in pairs], safe="[]:")
    return text


def _size(n: Any) -> str:
    if not isinstance(n, (int, float)) or isinstance(n, bool) or n < 0:
        return "?"
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KB"


def _entry_step(entry: dict, i: int, label: str, counts: dict[str, int], rel: str) -> Step | tuple[str, str]:
    place = pointer("log", "entries", i)
    req = expect(entry.get("request"), dict, label, place + "/request", "a HAR request object")
    resp = entry.get("response")
    if resp is not None:
        expect(resp, dict, label, place + "/response", "a HAR response object")
    resp = resp or {}
    method = expect(req.get("method"), str, label, place + "/request/method", "the request method (string)")
    url = expect(req.get("url"), str, label, place + "/request/url", "the request URL (string)")
    content = resp.get("content") if isinstance(resp.get("content"), dict) else {}
    mime = str(content.get("mimeType") or "")
    sensitive = False
    for side in (req, resp):
        for h in side.get("headers") or []:
            if isinstance(h, dict) and str(h.get("name", "")).lower() in SENSITIVE_HEADERS:
                sensitive = True
        if side.get("cookies"):
            sensitive = True
    if sensitive:
        counts["entries whose cookies / Authorization headers were dropped"] = \
            counts.get("entries whose cookies / Authorization headers were dropped", 0) + 1
    if is_static_resource(method, url, mime):
        return ("static", (mime.split(";")[0].strip() or "unknown"))
    started = entry.get("startedDateTime")
    ts, _ = parse_time(started)
    if started is not None and ts is None:
        raise InputError(label, place + "/startedDateTime", "expected an ISO 8601 date-time")
    took = entry.get("time")
    if took is not None and (isinstance(took, bool) or not isinstance(took, (int, float))):
        raise InputError(label, place + "/time", "expected the entry time in milliseconds (number)")
    status = resp.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise InputError(label, place + "/response/status", "expected the HTTP status (integer)")
    shown, n = redact_url(url)
    if n:
        counts["URL query values redacted"] = counts.get("URL query values redacted", 0) + n
    status_text = (f"{status} {resp.get('statusText') or ''}".strip() if status else
                   "no response (status 0)" if status == 0 else "no response")
    facts = [mime] if mime else []
    if _size(content.get("size")) != "?":
        facts.append(_size(content.get("size")))
    if isinstance(took, (int, float)) and took >= 0:
        facts.append(f"{took:.0f} ms")
    lines = [f"{method} {shown}", f"→ {status_text}" + (f" ({', '.join(facts)})" if facts else "")]
    if resp.get("redirectURL"):
        red, _ = redact_url(str(resp["redirectURL"]))
        lines.append(f"redirect → {red}")
    body = _body_text(req.get("postData"), counts)
    if body:
        lines.append("request body:\n" + clip(body, BODY_LIMIT)[0])
    text = content.get("text")
    if isinstance(text, str) and text:
        if content.get("encoding") == "base64":
            lines.append(f"response body: [base64, {len(text)} characters, not shown]")
        elif _TEXT_MIME.match(mime):
            shown_body = text
            if "json" in mime:
                try:
                    red, n = redact(orjson.loads(text))
                except orjson.JSONDecodeError:
                    n = 0
                else:
                    if n:
                        counts["credential-like response fields redacted"] = \
                            counts.get("credential-like response fields redacted", 0) + n
                        shown_body = dumps(red)
            lines.append("response body:\n" + clip(shown_body, BODY_LIMIT)[0])
        else:
            lines.append(f"response body: [{mime or 'unknown type'}, {len(text)} characters, not shown]")
    elif isinstance(content.get("_file"), str):
        lines.append(f"response body: stored beside the HAR as {content['_file']} (not included)")
    is_error = status is not None and (status == 0 or status >= 400)
    return Step(kind=StepKind.api_call, actor="browser", timestamp=ts, title=url_title(method, url),
                content="\n".join(lines), is_error=is_error,
                duration_s=float(took) / 1000 if isinstance(took, (int, float)) and took >= 0 else None,
                source=f"{rel} {place}")


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _explain(ev: dict, label: str) -> str:
    lines = [f"status {ev.get('status')}, score {fmt_number(ev.get('score'))}"
             + (f" (webarena-verified {ev['webarena_verified_version']})"
                if isinstance(ev.get("webarena_verified_version"), str) else "")]
    results = ev.get("evaluators_results") or []
    for i, er in enumerate(results):
        place = pointer("evaluators_results", i)
        expect(er, dict, label, place, "an evaluator result object")
        lines.append(f"{er.get('evaluator_name') or 'evaluator'}: {er.get('status')}, score {fmt_number(er.get('score'))}")
        assertions = er.get("assertions") or []
        if not isinstance(assertions, list):
            raise InputError(label, place + "/assertions", "expected a list of assertions")
        for a in assertions:
            if isinstance(a, dict):
                msgs = a.get("assertion_msgs") if isinstance(a.get("assertion_msgs"), list) else []
                text = "; ".join(str(m) for m in msgs)
                lines.append(f"  - [{a.get('status')}] {a.get('assertion_name')}" + (f": {text}" if text else ""))
        if er.get("error_msg"):
            lines.append(f"  error: {er['error_msg']}")
        if "expected" in er and er["expected"] is not None:
            lines.append("  expected: " + clip(dumps(er["expected"]), 1_000)[0])
        actual = er.get("actual_normalized", er.get("actual"))
        if isinstance(actual, str):
            try:
                actual = loads(actual, label)
            except InputError:
                pass
        if actual is not None:
            lines.append("  actual (normalised): " + clip(dumps(actual), 1_000)[0])
    return "\n".join(lines)


def _read_response(path: Path, label: str, notes: list[str]) -> tuple[Any, str]:
    """The agent response (parsed when it is JSON) and its display text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(label, "", f"cannot read the agent response ({exc.strerror})") from None
    try:
        doc = loads(raw, label)
    except InputError:
        notes.append("agent_response.json is not valid JSON; it is shown as the text the agent wrote")
        return None, raw.decode("utf-8", errors="replace")
    if not isinstance(doc, dict):
        notes.append("agent_response.json is not a JSON object; shown as written")
    return doc, dumps(doc, indent=True)


def _response_fields(doc: Any) -> tuple[str | None, str | None]:
    if not isinstance(doc, dict):
        return None, None
    kind = doc.get("task_type", doc.get("performed_operation", doc.get("action")))
    status = doc.get("status")
    return (kind.upper() if isinstance(kind, str) else None, status.upper() if isinstance(status, str) else None)


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class WebArenaVerified(Importer):
    name = "webarena-verified"
    title = "WebArena-Verified task outputs (agent_response.json, network.har, eval_result.json)"
    spec = ("ServiceNow/webarena-verified: src/webarena_verified/types/agent_response.py, docs/evaluation/, "
            "examples/agent_logs/demo/<task_id>/; HAR 1.2")
    patterns = (
        "<task_id>/ (agent_response.json, network.har, eval_result.json)",
        "<task_id>.agent_response.json, <task_id>.eval_result.json, <task_id>.network.har",
        "an output folder of task folders",
    )
    priority = 40

    # -- sniff -------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            if _is_task_folder(path, check=True) or _run_units(path, check=True):
                return None
            return "folder holds no WebArena-Verified agent_response.json / eval_result.json"
        if not path.is_file():
            return "not a file or folder"
        sp = _split(path.name)
        if sp is None:
            return "not agent_response.json, eval_result.json or network.har"
        if sp[1] != "network.har" and not _content_ok(path, sp[1]):
            return f"{sp[1]} does not look like a WebArena-Verified file"
        found = _group_of_file(path, check=True)
        if found is None:
            return "no WebArena-Verified agent_response.json or eval_result.json for this task"
        _, group = found
        if _anchor(group).resolve() != path.resolve():
            return f"part of a WebArena-Verified task; its trace is read from {_anchor(group).name}"
        return None

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        found = _group_of_file(path)
        if found is None:
            if _split(path.name) is None:
                raise InputError(label, "", "expected agent_response.json, eval_result.json or network.har")
            return  # a lone network.har: no task outcome to show
        prefix, group = found
        if _anchor(group).resolve() != path.resolve():
            return
        yield self._trace(prefix, group, path, label)

    def _trace(self, prefix: str, group: dict[str, Path], anchor: Path, label: str) -> Trace:
        def lab(p: Path) -> str:
            return str(Path(label).parent / p.name).replace("\\", "/")

        notes: list[str] = []
        counts: dict[str, int] = {}
        steps: list[Step] = []
        metadata: dict[str, Any] = {}
        first = last = None

        har_path = group.get("network.har")
        if har_path is not None:
            hl = lab(har_path)
            har = load_json(har_path, hl)
            expect(har, dict, hl, "", "a HAR document ({log: {...}})")
            log = expect(har.get("log"), dict, hl, "/log", "the HAR 'log' object")
            entries = expect(log.get("entries"), list, hl, "/log/entries", "the HAR entries list")
            for key in ("creator", "browser"):
                if isinstance(log.get(key), dict):
                    metadata[f"har_{key}"] = {k: v for k, v in log[key].items() if k in ("name", "version")}
            if isinstance(log.get("version"), str):
                metadata["har_version"] = log["version"]
            timed: list[tuple[float, int, Step]] = []
            static: dict[str, int] = {}
            for i, entry in enumerate(entries):
                expect(entry, dict, hl, pointer("log", "entries", i), "a HAR entry object")
                result = _entry_step(entry, i, hl, counts, har_path.name)
                start, _ = parse_time(entry.get("startedDateTime"))
                if start is not None:
                    end = start.timestamp() + (float(entry.get("time") or 0) / 1000 if isinstance(
                        entry.get("time"), (int, float)) and entry.get("time", 0) > 0 else 0)
                    first = start if first is None or start < first else first
                    last = end if last is None or end > last else last
                if isinstance(result, tuple):
                    static[result[1]] = static.get(result[1], 0) + 1
                    continue
                key = result.timestamp.timestamp() if result.timestamp else (timed[-1][0] if timed else float("-inf"))
                timed.append((key, i, result))
            timed.sort(key=lambda t: (t[0], t[1]))
            steps.extend(s for _, _, s in timed)
            metadata["har_entries"] = len(entries)
            if static:
                parts = ", ".join(f"{k} {v}" for k, v in sorted(static.items()))
                notes.append(f"{sum(static.values())} GET requests for static resources are not shown as steps "
                             f"({parts}); they are in {har_path.name}")
                metadata["static_requests"] = static
        else:
            notes.append("no network.har: the browser's requests are not in this task's files")

        # agent response (the submission)
        submission = None
        task_type = agent_status = None
        resp_path = group.get("agent_response.json")
        deciding = None
        if resp_path is not None:
            doc, text = _read_response(resp_path, lab(resp_path), notes)
            task_type, agent_status = _response_fields(doc)
            title = " ".join(x for x in (task_type, agent_status) if x) or "agent response"
            steps.append(Step(kind=StepKind.submission, actor="agent", title=title, content=text,
                              source=resp_path.name))
            submission = text
            deciding = len(steps)
            if isinstance(doc, dict) and isinstance(doc.get("error_details"), str) and doc["error_details"]:
                metadata["agent_error_details"] = doc["error_details"]
        else:
            notes.append("no agent_response.json: the agent's final answer is not in this task's files")

        # evaluation
        score = None
        explanation = None
        status = "completed" if resp_path is not None else "incomplete"
        error = None
        ev_path = group.get("eval_result.json")
        task_id = _task_of(prefix, anchor.parent)
        if ev_path is not None:
            el = lab(ev_path)
            ev = load_json(ev_path, el)
            expect(ev, dict, el, "", "an evaluation result object")
            raw_score = ev.get("score")
            if raw_score is not None:
                expect(raw_score, (int, float), el, "/score", "the score (number)")
                score = float(raw_score)
            if ev.get("evaluators_results") is not None:
                expect(ev["evaluators_results"], list, el, "/evaluators_results", "a list of evaluator results")
            tid = ev.get("task_id")
            if tid is not None:
                if isinstance(tid, bool) or not isinstance(tid, (int, str)):
                    raise InputError(el, "/task_id", "expected the task id (integer or string)")
                task_id = str(tid)
            explanation = _explain(ev, el)
            steps.append(Step(kind=StepKind.score, actor="scorer", title=f"score {fmt_number(score)}" if score is not None
                              else "evaluation", content=explanation, source=f"{ev_path.name} /score"))
            deciding = len(steps)
            if str(ev.get("status")).lower() == "error":
                status = "error"
                errs = [er.get("error_msg") for er in ev.get("evaluators_results") or []
                        if isinstance(er, dict) and er.get("error_msg")]
                error = "; ".join(str(e) for e in errs) or "the evaluation ended with status 'error'"
            elif resp_path is None:
                status = "completed"
                notes.append("evaluated without an agent_response.json beside it")
            for key in ("intent_template_id", "sites", "task_revision", "status", "webarena_verified_version",
                        "webarena_verified_evaluator_checksum", "webarena_verified_data_checksum"):
                if key in ev:
                    metadata["evaluation_status" if key == "status" else key] = ev[key]
        elif resp_path is not None:
            notes.append("no eval_result.json: the task was not evaluated, so the trace has no score")

        for key, n in sorted(counts.items()):
            notes.append(f"{n} {key}")
        if counts:
            notes.append("request and response headers are never shown (they may carry cookies or credentials)")
        if task_type:
            metadata["task_type"] = task_type
        if agent_status:
            metadata["agent_status"] = agent_status
        duration = (last - first.timestamp()) if first is not None and last is not None else None
        return Trace(
            id=task_id, task_id=task_id, trial=1, status=status,
            termination_reason=agent_status.lower() if agent_status else None,
            score=score, score_source="eval_result.json" if ev_path is not None and score is not None else None,
            scorer_explanation=explanation, submission=submission, error=error, usage=Usage(),
            duration_s=duration, started_at=first, deciding_step=deciding, steps=steps, source_file=label,
            source_pointer="", notes=notes, metadata=metadata,
        )

    # -- drafts ------------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        if path.is_dir():
            if _is_task_folder(path):
                units = [(path, "", _groups(path)[""])]
                base = path.parent
            else:
                units = _run_units(path)
                if not units:
                    raise InputError(str(path), "", "expected a WebArena-Verified task folder or output folder")
                base = path
        else:
            found = _group_of_file(path)
            if found is None:
                raise InputError(str(path), "", "expected agent_response.json or eval_result.json "
                                                "(with network.har) of a WebArena-Verified task")
            prefix, group = found
            if prefix == "":
                units, base = [(path.parent, "", group)], path.parent.parent
            else:
                units, base = [(path.parent, prefix, group)], path.parent
        files: list[str] = []
        names: dict[str, str] = {}
        tasks: list[str] = []
        versions: dict[str, set] = {}
        for folder, prefix, group in units:
            for kind in KINDS:
                if kind in group:
                    p = group[kind]
                    files.append(str(p.resolve()))
                    names[str(p.resolve())] = p.relative_to(base).as_posix()
            task = _task_of(prefix, folder)
            ev_path = group.get("eval_result.json")
            if ev_path is not None:
                ev = load_json(ev_path, str(ev_path))
                expect(ev, dict, str(ev_path), "", "an evaluation result object")
                if isinstance(ev.get("task_id"), (int, str)) and not isinstance(ev.get("task_id"), bool):
                    task = str(ev["task_id"])
                for key in ("webarena_verified_version", "webarena_verified_evaluator_checksum",
                            "webarena_verified_data_checksum"):
                    if isinstance(ev.get(key), str):
                        versions.setdefault(key, set()).add(ev[key])
            if task not in tasks:
                tasks.append(task)
        environment = {k: sorted(v)[0] if len(v) == 1 else sorted(v) for k, v in versions.items()}
        version = environment.get("webarena_verified_version")
        return [RunDraft(
            run_id=slug(base.name, "webarena-verified"), benchmark="webarena-verified",
            benchmark_name="WebArena-Verified", benchmark_version=version if isinstance(version, str) else None,
            tasks=tasks, format=self.name, files=files, names=names, formats={f: self.name for f in files},
            environment=environment,
        )]
