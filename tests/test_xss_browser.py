"""Hostile input (issue 6): the XSS corpus rendered inert in a real browser.

Every payload of ``tests/xss/payloads.txt`` is put into every place a
submission can put text (``xss_harness.PLACES``: τ²-bench, SWE-agent and
Inspect AI traces, terminal output wrapped in SGR/OSC sequences, registry and
run metadata, Markdown content, file names). The projects are built, served
from 127.0.0.1 and every page is loaded in headless Chromium (Debian's
``chromium`` driven by Playwright) with the sinks hooked before any page
script runs. The test fails on any sink call, any request that leaves the
local server, any dialog, popup or navigation, any Content-Security-Policy
violation (markup the CSP had to stop means the escaping let it through), any
element, attribute or URL no tracesite page should hold, and any payload that
its page does not show verbatim. A positive control proves the detector sees
what it must.

The build and the browser pass run once per test session, also under
pytest-xdist (the first worker to need them computes them, the others wait
for the result). Runtime is dominated by page loads (~6 pages per payload,
~0.1 s each); ``TRACESITE_XSS_WORKERS`` sets the number of browser tabs
(default 2).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import time
import traceback
from collections import defaultdict
from pathlib import Path

import pytest

# TRACESITE_XSS=0 skips this module (it takes minutes).
if os.environ.get("TRACESITE_XSS") == "0":
    pytest.skip("the browser XSS corpus test is switched off with TRACESITE_XSS=0", allow_module_level=True)

import xss_harness as h

PAYLOADS = h.load_payloads()
# The first 300 payloads by default (the issue asks for at least 300; all 569 take about
# 6 minutes on 2 cores); TRACESITE_XSS_LIMIT=N sets another count, an empty value runs all.
_LIMIT = os.environ.get("TRACESITE_XSS_LIMIT", "300")
if _LIMIT:
    PAYLOADS = PAYLOADS[: int(_LIMIT)]
WORKERS = int(os.environ.get("TRACESITE_XSS_WORKERS", "2"))
BENIGN = ["benign text", "another benign line with a number 42"]

# Findings of earlier runs, fixed in 081c4fb and kept as regressions here:
# Markdown images with absolute http(s) sources became third-party <img>
# (only the CSP stopped the request), and the confusables-based look-alike key
# of an agent name took 15-30 s for some payloads (see
# test_hostile_agent_names_do_not_stall_the_identity_check).


# --------------------------------------------------------------------------
# computed once per session (shared between xdist workers)
# --------------------------------------------------------------------------

def _shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # common to every worker of this run
    d = base / "xss-corpus"
    d.mkdir(exist_ok=True)
    return d


def _once(folder: Path, name: str, compute) -> dict:
    """``compute()`` (JSON-able) run by one process; the others wait for its result."""
    done, lock = folder / f"{name}.json", folder / f"{name}.lock"
    deadline = time.monotonic() + 3600
    while True:
        if done.exists():
            data = json.loads(done.read_text(encoding="utf-8"))
            if "error" in data:
                pytest.fail(f"{name} failed in another test worker:\n{data['error']}")
            return data
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting for another test worker to finish {name} ({lock})")
            time.sleep(0.5)
            continue
        data: dict = {"error": f"{name} was interrupted"}
        try:
            try:
                data = compute()
            except Exception:
                data = {"error": traceback.format_exc()}
                raise
            finally:
                tmp = done.with_suffix(".tmp")
                tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
                os.replace(tmp, done)
        finally:
            os.close(fd)
        return data


def _build(folder: Path) -> dict:
    t0 = time.perf_counter()
    stalls = h.identity_key_stalls(PAYLOADS)
    t1 = time.perf_counter()
    projects = h.build_projects(folder / "sites", PAYLOADS, stalls=stalls)
    baseline = h.build_projects(folder / "baseline", BENIGN)
    t2 = time.perf_counter()

    def served(bp) -> str:
        return bp.site.relative_to(folder).as_posix()

    return {
        "root": str(folder), "probe_s": t1 - t0, "build_s": t2 - t1,
        "stalls": {str(i): why for i, why in stalls.items()},
        "projects": [{"number": bp.number, "site": served(bp),
                      "findings": [{"rule": f.rule, "file": f.file, "text": f.format()} for f in bp.result.findings]}
                     for bp in projects],
        "payloads": [{"index": rec.index, "skipped": rec.skipped_places,
                      "pages": [[f"{served(projects[n])}/{pg}", what] for n, pg, what in rec.pages]}
                     for bp in projects for rec in bp.payloads],
        "baseline_sites": [served(bp) for bp in baseline],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = _shared_dir(tmp_path_factory)
    return _once(folder, "build", lambda: _build(folder))


def _browse(built: dict) -> dict:
    root = Path(built["root"])
    first = root / built["projects"][0]["site"]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"',
                    (first / "index.html").read_text(encoding="utf-8")).group(1)
    controls = {k: v.relative_to(root).as_posix() for k, v in h.write_controls(first, html.unescape(csp)).items()}
    paths = [f"{p['site']}/{pg}" for p in built["projects"] for pg in h.site_pages(root / p["site"])]
    baseline_paths = [f"{s}/{pg}" for s in built["baseline_sites"] for pg in h.site_pages(root / s)]
    texts = defaultdict(list)
    for rec in built["payloads"]:
        segments = h.visible_segments(PAYLOADS[rec["index"]])
        for path, what in rec["pages"]:
            if segments and not what.startswith("content page"):  # Markdown rewrites text; the others show it
                texts[path].append(segments)
    t0 = time.perf_counter()
    with h.LocalServer(root) as srv:
        reports = h.visit_pages(srv.origin, paths + baseline_paths + list(controls.values()),
                                workers=WORKERS, texts=dict(texts))
    by_path = {r.path: dataclasses.asdict(r) for r in reports}
    return {
        "browse_s": time.perf_counter() - t0, "pages": len(paths),
        "reports": [by_path[p] for p in paths],
        "controls": {k: by_path[v] for k, v in controls.items()},
        "baseline": [by_path[p] for p in baseline_paths],
    }


@pytest.fixture(scope="module")
def browsed(built, tmp_path_factory):
    why = h.playwright_available()
    if why:
        pytest.skip(f"browser XSS test needs Playwright and Debian's chromium: {why}")
    res = _once(_shared_dir(tmp_path_factory), "browse", lambda: _browse(built))
    res["baseline_sigs"] = {(k, d) for r in res["baseline"] for k, d, _ in r["static"]}
    owner = defaultdict(list)
    for rec in built["payloads"]:
        for path, what in rec["pages"]:
            owner[path].append((rec["index"], what))
    res["owner"] = owner
    report = Path(built["root"]) / "xss-report.json"
    if not report.exists():
        _write_report(built, res, report)
    return res


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def _events(r: dict) -> list[tuple[str, object]]:
    return ([("sink", s) for s in r["sinks"]] + [("request", q) for q in r["requests"]]
            + [("navigation", n) for n in r["navigations"]] + [("dialog", d) for d in r["dialogs"]]
            + [("popup", p) for p in r["popups"]] + [("csp violation", c) for c in r["csp"]]
            + [("load error", e) for e in r["errors"]])


def _markup(res, r: dict) -> list:
    return [f for f in r["static"] if f[0] in h.ALWAYS_BAD or (f[0], f[1]) not in res["baseline_sigs"]]


def _who(res, path: str) -> str:
    owners = res["owner"].get(path)
    if not owners:
        return "shared page (its navigation lists the project's boards and content titles)"
    return "; ".join(f"payload #{i} {PAYLOADS[i]!r:.100} ({what})" for i, what in owners[:4]) + \
        (f"; and {len(owners) - 4} more" if len(owners) > 4 else "")


def _write_report(built, res, path: Path) -> None:
    """Everything the browser saw, for whoever fixes a failure (its path is in the assertion messages)."""
    out = {
        "payloads": len(PAYLOADS), "places": len(h.PLACES), "pages": res["pages"],
        "build_seconds": round(built["build_s"], 1), "identity_probe_seconds": round(built["probe_s"], 1),
        "browse_seconds": round(res["browse_s"], 1),
        "identity_stalls": {i: [PAYLOADS[int(i)], why] for i, why in built["stalls"].items()},
        "skipped_places": {str(p["index"]): p["skipped"] for p in built["payloads"] if p["skipped"]},
        "pages_with_findings": [
            {"page": r["path"], "payload": _who(res, r["path"]), "events": _events(r), "markup": _markup(res, r),
             "missing_text": r["missing_text"]}
            for r in res["reports"] if _events(r) or _markup(res, r) or r["missing_text"]],
    }
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str), encoding="utf-8")


def _message(built, lines: list[str], title: str) -> str:
    head = f"{title}: {len(lines)} finding(s); full report in {Path(built['root']) / 'xss-report.json'}"
    return "\n".join([head] + lines[:80] + ([f"... and {len(lines) - 80} more"] if len(lines) > 80 else []))


# --------------------------------------------------------------------------
# the corpus and the build
# --------------------------------------------------------------------------

def test_corpus_has_300_distinct_payloads_each_calling_a_sink():
    payloads = h.load_payloads()
    assert len(payloads) >= 300
    assert len(set(payloads)) == len(payloads), "duplicate payloads"
    silent = [p for p in payloads if not h.names_a_sink(p)]
    assert silent == [], f"payloads that call no hooked sink and touch no watched URL: {silent}"


def test_every_payload_reached_its_pages(built):
    """The importers accepted every hostile file and each payload has its run,
    board, trace (τ², SWE-agent, Inspect) and content pages: a payload that was
    never rendered would make the browser test pass for nothing."""
    problems = []
    for p in built["projects"]:
        for f in p["findings"]:
            if f["rule"] in ("import", "import-crash", "run-metadata", "config") or f["file"].startswith("tracesite"):
                problems.append(f"project {p['number']}: {f['text'][:300]}")
    need = ["run page", "run page of an unregistered agent/benchmark", "leaderboard",
            "content page (Markdown, front-matter title)", "trace page (tau2)", "trace page (swe)",
            "trace page (inspect)"]
    for rec in built["payloads"]:
        whats = {what for _, what in rec["pages"]}
        missing = [w for w in need if w not in whats]
        if "content: file and folder names (navigation title)" not in rec["skipped"] \
                and "content page (file and folder names as title)" not in whats:
            missing.append("content page (file and folder names as title)")
        if missing:
            problems.append(f"payload #{rec['index']} {PAYLOADS[rec['index']]!r:.80}: no {', '.join(missing)}")
    assert problems == [], "\n".join(problems[:60])


def test_hostile_agent_names_do_not_stall_the_identity_check(built):
    """``check`` computes a Unicode look-alike key of every agent id and name.
    A payload for which that needs more than the probe's CPU budget would stall
    every build; it is kept out of the agent-name place (so the rest of the
    test can run) and reported here."""
    slow = [f"payload #{i} {PAYLOADS[int(i)]!r:.100}: {why}" for i, why in sorted(built["stalls"].items())]
    assert slow == [], "\n".join(slow)


def test_every_page_has_a_csp_and_no_inline_script(built):
    root = Path(built["root"])
    problems = []
    for p in built["projects"]:
        site = root / p["site"]
        for pg in h.site_pages(site):
            problems += [f"{p['site']}/{pg}: {what}" for what in h.csp_problems((site / pg).read_text(encoding="utf-8"))]
    assert problems == [], _message(built, problems, "pages without a proper CSP or with inline script")


# --------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------

def test_positive_control_is_detected(browsed):
    """Raw markup in a page without CSP must trip every detector (also inside a
    sandboxed frame, where the hooks may or may not run); the same markup under the
    site's CSP must show up as a CSP violation; a meta refresh must show up as
    a request or a navigation. A detector that silently fails fails here."""
    raw, csp, nav = browsed["controls"]["raw"], browsed["controls"]["csp"], browsed["controls"]["nav"]
    sinks = {(s["sink"], s["args"][0] if s["args"] else "") for s in raw["sinks"]}
    assert ("alert", "control-1") in sinks, raw["sinks"]
    assert ("confirm", "control-toggle") in sinks, "opening <details> did not fire ontoggle"
    assert ("prompt", "control-hover") in sinks, "mouseover did not reach the element"
    assert any(s[0] == "fetch" for s in sinks), raw["sinks"]
    assert h.frame_alert_seen(raw["sinks"]), "alert() in a sandboxed frame went unseen (neither hooked nor in the console)"
    requests = [q["request"] for q in raw["requests"]]
    assert any("127.0.0.1:9/control-img.png" in q for q in requests), requests
    assert any("127.0.0.1:9/control-fetch" in q for q in requests), requests
    assert any("control-frame" in q for q in requests), "fetch() in a sandboxed frame went unseen"
    kinds = {f[0] for f in raw["static"]}
    assert {"event handler attribute", "url scheme", "third-party resource"} <= kinds, raw["static"]
    assert csp["sinks"] == [] and csp["csp"], (csp["sinks"], csp["csp"])
    assert nav["requests"] or nav["navigations"], "meta refresh to 127.0.0.1:9 went unnoticed"
    # And the benign baseline is clean: the detector does not cry wolf on the theme itself.
    noisy = [(r["path"], _events(r), [f for f in r["static"] if f[0] in h.ALWAYS_BAD]) for r in browsed["baseline"]
             if _events(r) or any(f[0] in h.ALWAYS_BAD for f in r["static"])]
    assert noisy == [], noisy


def test_no_payload_runs_loads_or_trips_the_csp(browsed, built):
    """Zero sink calls, zero requests outside the local server (even ones the
    CSP blocked), no dialogs, popups or navigations, and no CSP violations on
    any page."""
    lines = []
    for r in browsed["reports"]:
        for kind, what in _events(r):
            lines.append(f"{r['path']}: {kind}: {json.dumps(what, ensure_ascii=False)[:300]} <- {_who(browsed, r['path'])}")
    assert lines == [], _message(built, lines, f"{browsed['pages']} pages loaded")


def test_no_payload_becomes_markup(browsed, built):
    """The DOM holds no handler attribute, script, active element or unsafe
    URL that the benign baseline does not, and every payload is shown
    verbatim as text on its run, board and trace pages."""
    lines = []
    for r in browsed["reports"]:
        for kind, detail, snippet in _markup(browsed, r):
            lines.append(f"{r['path']}: {kind} {detail}: {snippet[:160]!r} <- {_who(browsed, r['path'])}")
        for text in r["missing_text"]:
            lines.append(f"{r['path']}: payload not shown verbatim: {text!r:.120}")
    assert lines == [], _message(built, lines, f"{browsed['pages']} pages loaded")
