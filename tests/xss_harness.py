"""Helpers for ``test_xss_browser.py``: the payload corpus, a hostile project
built from it, a local HTTP server, and a headless-Chromium detector.

The corpus (``tests/xss/payloads.txt``) is raw UTF-8, one payload per line,
lines split on ``\\n`` only (payloads may hold U+2028, U+0085, CR, ESC, BEL,
bidi controls…), empty lines ignored. See ``tests/xss/README.md``.

Every payload goes into every place a submission can put text (see
``PLACES``). Each payload gets its own agent, run, three trace files
(τ²-bench, SWE-agent, Inspect AI) and titled content page, so most pages
that misbehave point at one payload; groups of four share a benchmark, a run
of an unregistered agent and a content page whose folder and file names are
theirs (see :func:`build_projects`). Payloads are split over a few projects
so that the navigation (which lists every board and content page) stays
small; the unregistered runs get a project of their own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import html
import json
import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

HERE = Path(__file__).resolve().parent
PAYLOADS_FILE = HERE / "xss" / "payloads.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Each payload is placed in every one of these (file-name places only where the
# file system and the run-folder rules allow the name).
PLACES = [
    # τ²-bench results file
    "tau2: system/user/assistant message content", "tau2: tool call name", "tau2: tool call arguments (keys and values)",
    "tau2: tool call arguments (unparsed string)", "tau2: tool call requestor (step actor)",
    "tau2: tool output (with SGR colour / OSC 8 / long, cut content)", "tau2: unknown message role",
    "tau2: audio script", "tau2: task id", "tau2: termination reason", "tau2: harness error, type and traceback",
    "tau2: reward info (note, basis, breakdown keys, action/communicate/nl/env assertions)",
    "tau2: agent/user llm names, domain, policy",
    # SWE-agent .traj
    "swe-agent: system/demonstration/task messages", "swe-agent: message_type (step title)",
    "swe-agent: thoughts", "swe-agent: actions (terminal commands)",
    "swe-agent: observations with SGR / OSC 8 hyperlink / OSC 8 URL / OSC 0 title around the payload",
    "swe-agent: function-calling tool name and JSON arguments", "swe-agent: tool output",
    "swe-agent: submission patch (diff)", "swe-agent: 'Exit due to' error message", "swe-agent: model name (replay_config)",
    "swe-agent: trajectory file name = task id = trace id",
    # Inspect AI .json
    "inspect: sample id (task id)", "inspect: input messages (system, user content list)",
    "inspect: model output text and reasoning", "inspect: tool call function, arguments and parse error",
    "inspect: tool result and tool error (type, message)", "inspect: sandbox exec cmd/stdin/output (SGR, OSC 8)",
    "inspect: sandbox read/write file name and body", "inspect: info/logger/approval/input events",
    "inspect: subtask name and result", "inspect: model error", "inspect: scorer name, answer and explanation",
    "inspect: error event message and traceback", "inspect: sample error", "inspect: sample limit type and message",
    "inspect: attachment:// resolved text", "inspect: model name, span name",
    # registry
    "registry: agent name, organisation, harness, harness version, models, url, description",
    "registry: benchmark name, description, task source, metric name, url (a group's payloads joined)",
    "registry: benchmark task ids, protocol keys, evidence rule names and descriptions (one per payload)",
    # run.yaml
    "run.yaml: description", "run.yaml: model", "run.yaml: benchmark_version", "run.yaml: submitter name/organisation/url",
    "run.yaml: environment key and value", "run.yaml: metadata key and value", "run.yaml: declared source and task ids",
    "run.yaml: deviations key and reason", "run.yaml: failure override reason",
    "run.yaml: agent, benchmark, model and description of an unregistered run (a group's payloads joined)",
    "run folder: trace file names (declared) and an undeclared file name",
    # content
    "content: front-matter title and description", "content: Markdown text, heading, emphasis, quote, list, table",
    "content: Markdown link target (bare and <…>), reference definition", "content: Markdown image source and alt",
    "content: Markdown link text and title", "content: Markdown autolink, code span, indented and fenced code",
    "content: fenced-code info string", "content: file and folder names (navigation title)",
]

ANSI_WRAPS = {
    "sgr": lambda p: f"\x1b[1;31m{p}\x1b[0m",
    "osc8": lambda p: f"\x1b]8;;javascript:alert(1)\x07{p}\x1b]8;;\x07",
    "osc8-url": lambda p: f"\x1b]8;;{p}\x07link\x1b]8;;\x07",
    "osc0": lambda p: f"\x1b]0;{p}\x07{p}",
}

# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------

SINK_WORDS = re.compile(r"alert|confirm|prompt|print|fetch|XMLHttpRequest|WebSocket|sendBeacon|Image|open\(|"
                        r"location|import|127\.0\.0\.1:9|xss\.invalid|msgbox")


def load_payloads(path: Path = PAYLOADS_FILE) -> list[str]:
    text = path.read_bytes().decode("utf-8")
    return [p for p in text.split("\n") if p != ""]


def names_a_sink(payload: str) -> bool:
    """True when the payload, after undoing the usual encodings (entities,
    percent, JS/CSS escapes, string concatenation, base64), names a sink the
    detector hooks or the network target it watches."""
    t = payload
    for _ in range(3):
        t = html.unescape(unquote(t))
        t = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), t)
        t = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), t)
        t = re.sub(r"['`\"]\s*\+\s*['`\"]", "", t)
        t = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\x00-\x1f\x7f]", "", t)
    decoded = []
    for run in re.findall(r"[A-Za-z0-9+/]{8,}={0,2}", t):
        try:
            decoded.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode("utf-8", "ignore"))
        except (binascii.Error, ValueError):
            pass
    return bool(SINK_WORDS.search(t + " " + " ".join(decoded)))


def file_name_ok(name: str) -> bool:
    """Can ``name`` be one path component of a run file (POSIX file system,
    run-folder path rules)?"""
    return (bool(name) and "/" not in name and "\x00" not in name and "\\" not in name
            and name not in (".", "..") and len(name.encode("utf-8")) <= 200
            and not (len(name) > 1 and name[1] == ":"))


# --------------------------------------------------------------------------
# Trace files
# --------------------------------------------------------------------------

def _t(sec: int) -> str:
    return f"2026-01-01T00:{sec // 60:02d}:{sec % 60:02d}Z"


def _long(p: str, limit: int) -> str:
    """The payload repeated past ``limit`` characters (the page cuts it mid-payload)."""
    return "\n".join([p] * (limit // max(len(p), 1) + 3))


def tau2_results(p: str, long_chars: int) -> dict:
    w = ANSI_WRAPS
    messages = [
        {"role": "system", "content": p, "turn_idx": 0, "timestamp": _t(0)},
        {"role": "assistant", "content": p, "tool_calls": None, "turn_idx": 0, "timestamp": _t(1),
         "cost": 0.001, "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
        {"role": "user", "content": p, "tool_calls": None, "turn_idx": 0, "timestamp": _t(2)},
        {"role": "assistant", "content": p, "turn_idx": 0, "timestamp": _t(3), "tool_calls": [
            {"id": "c1", "name": p, "arguments": {p: p, "q": p, "n": [p, {"k": p}]}, "requestor": "assistant"},
            {"id": "c2", "name": p, "arguments": p, "requestor": p},
        ]},
        {"role": "tool", "id": "c1", "content": w["sgr"](p), "requestor": "assistant", "error": False,
         "turn_idx": 0, "timestamp": _t(4)},
        {"role": "tool", "id": "c2", "content": w["osc8"](p) + "\n" + w["osc8-url"](p), "requestor": "assistant",
         "error": True, "turn_idx": 0, "timestamp": _t(5)},
        {"role": "tool", "turn_idx": 0, "timestamp": _t(6), "tool_messages": [
            {"id": "c1", "role": "tool", "content": p, "requestor": "assistant", "error": False, "timestamp": _t(6)},
            {"id": "c2", "role": "tool", "content": _long(p, long_chars), "requestor": "assistant", "error": False,
             "timestamp": _t(6)},
        ]},
        {"role": "user", "content": None, "is_audio": True, "audio_script_gold": p, "turn_idx": 0, "timestamp": _t(7)},
        {"role": p, "content": p, "turn_idx": 0, "timestamp": _t(8)},
        {"role": "assistant", "content": p, "turn_idx": 0, "timestamp": _t(9)},
    ]
    sim = {
        "id": p, "task_id": p, "trial": 0, "seed": 1, "timestamp": _t(10), "start_time": _t(0), "end_time": _t(10),
        "duration": 10.0, "termination_reason": p, "agent_cost": 0.01, "user_cost": 0.001,
        "info": {"error": p, "error_type": p, "error_traceback": w["sgr"](p)},
        "reward_info": {
            "reward": 0.0, "info": {"note": p}, "reward_basis": [p], "reward_breakdown": {p: 0.0},
            "db_check": {"db_match": False, "db_reward": 0.0},
            "action_checks": [{"action": {"action_id": "a0", "requestor": p, "name": p, "arguments": {p: p}},
                               "action_match": False, "action_reward": 0.0}],
            "communicate_checks": [{"info": p, "met": False, "justification": p}],
            "nl_assertions": [{"nl_assertion": p, "met": False, "justification": p}],
            "env_assertions": [{"env_assertion": {"func_name": p, "arguments": {p: p}, "env_type": p}, "met": False}],
        },
        "messages": messages,
    }
    return {
        "timestamp": _t(0),
        "info": {"git_commit": "0" * 40, "num_trials": 1, "max_steps": 50, "max_errors": 5, "seed": 1,
                 "user_info": {"implementation": "user_simulator", "llm": p, "llm_args": {p: p},
                               "global_simulation_guidelines": p},
                 "agent_info": {"implementation": p, "llm": p, "llm_args": {}},
                 "environment_info": {"domain_name": p, "policy": p, "tool_defs": None}},
        "tasks": [{"id": p, "description": p, "user_scenario": {"instructions": p}}],
        "simulations": [sim],
    }


def swe_traj(p: str, long_chars: int) -> dict:
    w = ANSI_WRAPS
    observation = "\n".join([w["sgr"](p), w["osc8"](p), w["osc8-url"](p), w["osc0"](p)])
    return {
        "environment": p,
        "trajectory": [
            {"action": p, "observation": observation, "response": p, "thought": p, "state": p, "execution_time": 0.5},
            {"action": p, "observation": p, "response": p, "thought": p, "execution_time": 0.2},
            {"action": "submit", "observation": p, "response": p, "thought": "Exit due to " + p, "execution_time": 0.1},
        ],
        "history": [
            {"role": "system", "content": p, "agent": "primary"},
            {"role": "user", "content": p, "agent": "primary", "is_demo": True},
            {"role": "user", "content": p, "agent": "primary", "message_type": p},
            {"role": "assistant", "content": p, "thought": p, "action": p, "agent": "primary"},
            {"role": "user", "content": observation, "agent": "primary"},
            {"role": "assistant", "content": p, "thought": p, "action": p, "agent": "primary", "tool_calls": [
                {"id": "t1", "type": "function",
                 "function": {"name": p, "arguments": json.dumps({"command": p, p: p})}}]},
            {"role": "tool", "content": w["osc8"](p), "tool_call_ids": ["t1"], "agent": "primary"},
            {"role": "assistant", "content": p, "thought": p, "action": "submit", "agent": "primary"},
            {"role": "user", "content": _long(p, long_chars), "agent": "primary"},
        ],
        "info": {
            "exit_status": "exit_error",
            "submission": f"diff --git a/f.py b/f.py\n--- a/f.py\n+++ b/f.py\n@@ -1 +1 @@\n-{p}\n+{p}\n",
            "model_stats": {"total_cost": 0.1, "instance_cost": 0.1, "tokens_sent": 10, "tokens_received": 5,
                            "api_calls": 2},
            "swe_agent_version": p,
        },
        "replay_config": json.dumps({"agent": {"model": {"model_name": p}}, "environment": {"data_path": p}}),
    }


def inspect_log(p: str, long_chars: int) -> dict:
    w = ANSI_WRAPS
    events = [
        {"event": "sample_init", "timestamp": _t(0), "sample": {"input": p, "id": p}, "state": {}},
        {"event": "model", "timestamp": _t(1), "model": p,
         "input": [{"id": "m-s", "role": "system", "content": p},
                   {"id": "m-u", "role": "user", "content": [{"type": "text", "text": p}]}],
         "output": {"model": p, "choices": [{"message": {
             "role": "assistant", "content": [{"type": "text", "text": p}, {"type": "reasoning", "reasoning": p}],
             "tool_calls": [{"id": "call_1", "function": p, "arguments": {p: p, "cmd": p}, "type": "function"},
                            {"id": "call_2", "function": "bash", "arguments": {"cmd": p}, "type": "function",
                             "parse_error": p}]},
             "stop_reason": "tool_calls"}], "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}}},
        {"event": "span_begin", "timestamp": _t(2), "id": "sp1", "span_id": "sp1", "type": "tool", "name": p},
        {"event": "sandbox", "timestamp": _t(2), "completed": _t(3), "action": "exec", "cmd": p, "input": p,
         "output": w["sgr"](p) + "\n" + w["osc8"](p) + "\n" + w["osc8-url"](p), "result": 1},
        {"event": "tool", "timestamp": _t(3), "id": "call_1", "function": p, "arguments": {p: p},
         "result": p, "error": {"type": p, "message": p}},
        {"event": "span_end", "timestamp": _t(3), "id": "sp1"},
        {"event": "sandbox", "timestamp": _t(4), "action": "read_file", "file": p, "output": p, "result": 0},
        {"event": "sandbox", "timestamp": _t(4), "action": "write_file", "file": p,
         "input": _long(p, long_chars), "result": 0},
        {"event": "info", "timestamp": _t(5), "source": p, "data": p},
        {"event": "info", "timestamp": _t(5), "source": p, "data": {p: p}},
        {"event": "logger", "timestamp": _t(5), "message": {"level": p, "message": p}},
        {"event": "approval", "timestamp": _t(6), "message": p, "explanation": p, "decision": p, "approver": p},
        {"event": "input", "timestamp": _t(6), "input": "attachment://a0a0a0a0"},
        {"event": "subtask", "timestamp": _t(6), "name": p, "result": p, "events": []},
        {"event": "model", "timestamp": _t(7), "model": p, "input": [], "output": {"choices": []}, "error": p},
        {"event": "score", "timestamp": _t(8), "scorer": p, "score": {"value": "C", "answer": p, "explanation": p}},
        {"event": "error", "timestamp": _t(9), "error": {"message": p, "traceback": w["sgr"](p)}},
        {"event": "sample_limit", "timestamp": _t(9), "type": p, "message": p, "limit": p},
    ]
    sample = {
        "id": p, "epoch": 1, "input": p, "target": p,
        "messages": [{"id": "m-u", "role": "user", "content": p}],
        "output": {"model": p, "choices": [{"message": {"role": "assistant", "content": p}, "stop_reason": "stop"}]},
        "scores": {"match": {"value": "C", "answer": p, "explanation": p}},
        "metadata": {p: p}, "store": {}, "events": events,
        "model_usage": {p: {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}},
        "total_time": 9.0, "working_time": 8.0, "uuid": p,
        "error": {"message": p, "traceback": p},
        "attachments": {"a0a0a0a0": p},
    }
    return {
        "version": 2, "status": "success",
        "eval": {"eval_id": "e1", "run_id": "r1", "created": _t(0), "task": p, "task_id": "t1", "task_version": 1,
                 "dataset": {"name": p, "samples": 1, "sample_ids": [p]}, "model": p, "solver": p,
                 "config": {"epochs": 1}, "packages": {"inspect_ai": p}},
        "plan": {"name": "plan", "steps": [{"solver": p, "params": {}}], "config": {}},
        "results": {"total_samples": 1, "completed_samples": 1,
                    "scores": [{"name": "match", "scorer": "match", "params": {},
                                "metrics": {"accuracy": {"name": "accuracy", "value": 1.0, "params": {}}}}]},
        "stats": {"started_at": _t(0), "completed_at": _t(10)},
        "samples": [sample],
    }


# --------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------

@dataclass
class PayloadPages:
    """What was built for one payload: its pages (site-relative) and which places it went into."""

    index: int
    payload: str
    project: int
    pages: list[tuple[int, str, str]] = field(default_factory=list)  # (project, site path, what page)
    name_page: str | None = None  # content/…/*.md whose path holds the payload
    skipped_places: list[str] = field(default_factory=list)


@dataclass
class BuiltProject:
    number: int
    root: Path
    site: Path
    payloads: list[PayloadPages]
    result: object  # generator.build.BuildResult


def _dump_yaml(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=float("inf"))


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _markdown(p: str, i: int) -> str:
    tick = "~~~" if "`" in p else "```"
    return "\n\n".join([
        p,
        f"# {p}",
        f"## Heading {i} *{p}*",
        f"[link]({p})",
        f"[link](<{p}>)",
        f"![image]({p})",
        f"![image](<{p}>)",
        f"[{p}](https://example.invalid/)",
        f"![{p}](x.png)",
        f'[titled](https://example.invalid/ "{p}")',
        f"<{p}>",
        f"`{p}`",
        f"    {p}",
        f"{tick}\n{p}\n{tick}",
        f"~~~{p}\n{p}\n~~~",
        f"> {p}",
        f"- {p}\n- **{p}**",
        f"| h | {p} |\n| --- | --- |\n| {p} | x |",
        f"[by reference][ref{i}] and [again][ref{i}b]",
        f"[ref{i}]: {p}\n[ref{i}b]: <{p}> \"{p}\"",
    ]) + "\n"


def identity_key_stalls(payloads: list[str], budget_s: float = 4.0) -> dict[int, str]:
    """Payloads whose Unicode look-alike key (computed by ``check`` for every
    agent id and name) needs more than ``budget_s`` seconds of CPU time:
    index -> what happened.

    Such a name would stall the whole build, so the test keeps it out of the
    agent-name place and reports it instead. CPU time (``ITIMER_PROF``) rather
    than wall time, so a busy machine does not turn a slow name into a stall.
    Only runs in the main thread (it uses a signal); elsewhere, or when
    tracesite has no such helper, it reports nothing and every payload is placed.
    """
    import signal

    try:
        from generator.validate import _lookalike_key
    except ImportError:
        return {}
    if threading.current_thread() is not threading.main_thread():
        return {}

    class _Stall(Exception):
        pass

    def _stop(*_):
        raise _Stall

    old = signal.signal(signal.SIGPROF, _stop)
    out = {}
    try:
        for i, p in enumerate(payloads):
            signal.setitimer(signal.ITIMER_PROF, budget_s)
            try:
                _lookalike_key(p)
            except _Stall:
                out[i] = f"look-alike key needed more than {budget_s:g} s of CPU time (stopped)"
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
    finally:
        signal.signal(signal.SIGPROF, old)
    return out


def _new_project(root: Path, title: str, limits: dict) -> None:
    from generator.scaffold import init_project

    init_project(root, title=title)
    _write(root / "tracesite.yaml", _dump_yaml({"title": title, "description": "hostile input", "limits": limits}))


GROUP = 4  # payloads that share one benchmark, one unregistered run and one nested content path
SEP = " \u2502 "  # joins a group's payloads in one scalar field (benchmark name, unregistered agent id…)


def build_projects(base: Path, payloads: list[str], per_project: int = 64,
                   stalls: dict[int, str] | None = None) -> list[BuiltProject]:
    """Write and build the hostile projects under ``base``; returns them built.

    Per payload: an agent, a run with a τ²-bench, a SWE-agent and an Inspect
    trace file, a content page titled with it. Per group of ``GROUP``
    payloads: a benchmark (scalar fields join the group's payloads with
    ``SEP``; mappings and lists hold each one), a run of an unregistered
    agent/benchmark (same joins) and a content page at the nested path
    ``content/P1/P2/…/Pn.md`` (file and folder names become its navigation
    title). The verbatim-text check makes sure no payload hides the ones after
    it. ``stalls``: payload indices kept out of the registry agent name (see
    :func:`identity_key_stalls`); they are recorded as skipped places.
    """
    from generator.build import build_site

    stalls = stalls or {}
    projects = []
    limits = {"collapse_chars": 100, "collapse_lines": 5, "max_step_chars": 1000}
    per_project -= per_project % GROUP
    chunks = [list(range(s, min(s + per_project, len(payloads)))) for s in range(0, len(payloads), per_project)]
    records_all: dict[int, PayloadPages] = {}
    for number, indices in enumerate(chunks):
        root = base / f"p{number:02d}"
        _new_project(root, f"XSS corpus project {number}", limits)
        agents, benches = {}, {}
        groups = [indices[k:k + GROUP] for k in range(0, len(indices), GROUP)]
        for group in groups:
            g = group[0] // GROUP
            ps = [payloads[i] for i in group]
            bid = f"b{g:03d}"
            tasks: set[str] = set()
            for i in group:
                p = payloads[i]
                rec = PayloadPages(i, p, number)
                records_all[i] = rec
                aid, rid = f"a{i:03d}", f"r{i:03d}"
                fname_ok = file_name_ok(p) and file_name_ok(p + ".undeclared.txt")
                stem = p if fname_ok else f"payload-{i:03d}"
                if not fname_ok:
                    rec.skipped_places += ["swe-agent: trajectory file name = task id = trace id",
                                           "run folder: trace file names (declared) and an undeclared file name",
                                           "content: file and folder names (navigation title)"]
                run_dir = root / "traces" / rid
                files = []
                for sub, name, fmt, doc in (("tau2", f"{stem}.json", "tau2-bench", tau2_results(p, limits["max_step_chars"])),
                                            ("swe", f"{stem}.traj", "swe-agent", swe_traj(p, limits["max_step_chars"])),
                                            ("inspect", f"{stem}.json", "inspect-ai", inspect_log(p, limits["max_step_chars"]))):
                    data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
                    _write(run_dir / sub / name, data)
                    files.append({"path": f"{sub}/{name}", "sha256": hashlib.sha256(data).hexdigest(), "format": fmt,
                                  "bytes": len(data)})
                _write(run_dir / f"{stem}.undeclared.txt", p)
                tasks |= {p, stem}
                name = p
                if i in stalls:
                    name = f"agent {i}"
                    rec.skipped_places.append(f"registry: agent name ({stalls[i]})")
                agents[aid] = {"name": name, "organisation": p, "harness": p, "harness_version": p, "models": [p],
                               "url": p, "description": p}
                run = {
                    "id": rid, "agent": aid, "model": p, "benchmark": bid, "benchmark_version": p, "description": p,
                    "environment": {p: p, "seed": p}, "submitter": {"name": p, "organisation": p, "url": p},
                    "started": "2026-01-01", "submitted": "2026-01-02",
                    "declared": {"overall": 0.5, "tasks": {p: 1.0, p + " (declared only)": 0.0},
                                 "pass_hat": {1: 0.5}, "cost_usd": 1.0, "source": p},
                    "files": files, "deviations": {p: p},
                    "failure_overrides": {f"{p}-t1": {"class": "code", "reason": p}},
                    "metadata": {p: p},
                }
                _write(run_dir / "run.yaml", _dump_yaml(run))
                front = _dump_yaml({"title": p, "description": p, "order": 100 + i})
                _write(root / "content" / f"t{i:03d}.md", f"---\n{front}---\n{_markdown(p, i)}")
            joined = SEP.join(ps)
            benches[bid] = {"name": joined, "version": "1", "description": joined, "task_source": joined,
                            "tasks": sorted(tasks), "metric": {"name": joined, "aggregation": "mean"},
                            "protocol": {p: "protocol-value" for p in ps},
                            "evidence": [{"kind": "tool_call", "name": p, "description": p} for p in ps],
                            "url": joined}
            named = [p for p in ps if file_name_ok(p) and file_name_ok(p + ".md")]
            if named:
                rel = "/".join(named) + ".md"
                _write(root / "content" / rel, SEP.join(named) + "\n")
                for i in group:
                    if payloads[i] in named:
                        records_all[i].name_page = rel
        _write(root / "registry" / "agents.yaml", _dump_yaml(agents))
        _write(root / "registry" / "benchmarks.yaml", _dump_yaml(benches))
        projects.append(BuiltProject(number, root, root / "site", [records_all[i] for i in indices], None))

    # Runs whose agent and benchmark are not registered: the raw strings are
    # shown as given. Kept in a project with an empty registry (no look-alike scan).
    number = len(projects)
    root = base / f"p{number:02d}"
    _new_project(root, "XSS corpus: unregistered runs", limits)
    for k in range(0, len(payloads), GROUP):
        joined = SEP.join(payloads[k:k + GROUP])
        uid = f"u{k // GROUP:03d}"
        _write(root / "traces" / uid / "run.yaml", _dump_yaml({
            "id": uid, "agent": joined, "benchmark": joined, "model": joined, "description": joined,
            "declared": {"overall": 0.5, "source": joined}}))
    projects.append(BuiltProject(number, root, root / "site", [], None))

    for bp in projects:
        bp.result = build_site(bp.root, bp.site)
        _attach_pages(bp, records_all, payloads)
    return projects


def _attach_pages(built: BuiltProject, records: dict[int, PayloadPages], payloads: list[str]) -> None:
    """Find each payload's pages in the built site (runs, boards, traces, content)."""
    from generator.plan import content_path, run_path

    def add(i: int, page: str, what: str) -> None:
        if i in records and (built.site / page).is_file():
            records[i].pages.append((built.number, page, what))

    boards: dict[str, list[str]] = defaultdict(list)
    for pg in site_pages(built.site):
        if pg.startswith("benchmarks/"):
            boards[pg.split("/")[1]].append(pg)
    for rs in built.result.runs:
        kind, num = rs.run.id[:1], rs.run.id[1:]
        if kind not in "ru" or not num.isdigit():
            continue
        if kind == "u":
            for i in range(int(num) * GROUP, min(int(num) * GROUP + GROUP, len(payloads))):
                add(i, run_path(rs.run.id), "run page of an unregistered agent/benchmark")
            continue
        i = int(num)
        if i not in records:
            continue
        add(i, run_path(rs.run.id), "run page")
        slug = rs.run.benchmark
        for pg in boards.get(slug, []):
            add(i, pg, "leaderboard" if pg.endswith("/index.html") else "leaderboard view " + pg.rsplit("/", 1)[1])
        add(i, content_path(f"t{i:03d}.md"), "content page (Markdown, front-matter title)")
        for t in rs.traces:
            fmt = (t.source_file or "").split("/")[2:3] or ["?"]
            for url in t.page_urls:
                add(i, url, f"trace page ({fmt[0]})")  # its own page, or its run's page for a short trace
    for rec in built.payloads:
        if rec.name_page:
            add(rec.index, content_path(rec.name_page), "content page (file and folder names as title)")


# --------------------------------------------------------------------------
# Static checks of the HTML as written (no browser)
# --------------------------------------------------------------------------

_HEAD = re.compile(r"<head\b.*?</head>", re.IGNORECASE | re.DOTALL)
_META_CSP = re.compile(r"<meta\b[^>]*http-equiv=[\"']?content-security-policy[\"']?[^>]*>", re.IGNORECASE)
_CONTENT = re.compile(r"\bcontent=\"([^\"]*)\"|\bcontent='([^']*)'", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def csp_problems(text: str) -> list[str]:
    """What is wrong with a page's Content-Security-Policy and scripts, as written.

    Reads the raw HTML with regular expressions: escaped user text cannot
    contain ``<meta`` or ``<script`` (its ``<`` is ``&lt;``), so every match is
    markup the template (or a leak) produced."""
    out = []
    head = _HEAD.search(text)
    metas = _META_CSP.findall(text)
    in_head = _META_CSP.findall(head.group(0)) if head else []
    if len(metas) != 1:
        out.append(f"{len(metas)} Content-Security-Policy meta tags (expected exactly 1)")
    if len(in_head) != len(metas):
        out.append("Content-Security-Policy meta tag outside <head> (browsers ignore it there)")
    for tag in metas:
        m = _CONTENT.search(tag)
        content = html.unescape((m.group(1) or m.group(2) or "") if m else "")
        directives = {d.strip().split(" ", 1)[0].lower(): d.strip() for d in content.split(";") if d.strip()}
        script = directives.get("script-src") or directives.get("default-src")
        if script is None:
            out.append("CSP has neither script-src nor default-src")
        elif any(bad in f" {script} " for bad in ("'unsafe-inline'", "'unsafe-eval'", " * ", " data:", " http:",
                                                    " https:", "'unsafe-hashes'")):
            out.append(f"CSP allows more than same-origin script: {script!r}")
        if "default-src 'none'" not in content:
            out.append("CSP lacks default-src 'none'")
    for attrs in _SCRIPT.findall(text):
        a = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(attrs)}
        if "src" not in a:
            out.append("inline <script> element")
        elif urlsplit(a["src"]).scheme or a["src"].startswith("//") or "integrity" not in a:
            out.append(f"script {a['src']!r} is third-party or lacks integrity")
    return out


# --------------------------------------------------------------------------
# Local HTTP server
# --------------------------------------------------------------------------

class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a browser closing a connection early is not news
        pass


class LocalServer:
    """``http.server`` on 127.0.0.1 (random port) in a thread, serving ``root``."""

    def __init__(self, root: Path) -> None:
        self.httpd = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# Browser detector
# --------------------------------------------------------------------------

# Runs in every frame before any page script: hooks the sinks, records CSP
# violations and the names a fresh window/document has (for clobbering checks).
HOOKS_JS = r"""
(() => {
  const store = (key, rec) => {
    try { (window.top[key] = window.top[key] || []).push(rec); } catch (e) {}
    if (window.top !== window) { try { (window[key] = window[key] || []).push(rec); } catch (e) {} }
  };
  const str = (a) => { try { return String(a).slice(0, 300); } catch (e) { return '?'; } };
  const log = (sink, args) => {
    let target = '';
    try { const ev = window.event; if (ev && ev.target && ev.target.outerHTML) target = ev.target.outerHTML.slice(0, 300); } catch (e) {}
    const rec = {sink, args: Array.from(args || []).map(str), url: location.href, target,
                 stack: String((new Error()).stack || '').split('\n').slice(2, 5).join(' | ')};
    store('__xssSinks', rec);
    try { console.debug('__XSS_SINK__' + JSON.stringify(rec)); } catch (e) {}
  };
  const block = (obj, name) => {
    try { Object.defineProperty(obj, name, {value: function (...a) { log(name, a); return null; }, configurable: true, writable: true}); } catch (e) {}
  };
  for (const n of ['alert', 'confirm', 'prompt', 'print', 'open', 'showModalDialog']) block(window, n);
  const pass = (obj, name, label) => {
    try {
      const orig = obj[name];
      if (typeof orig !== 'function') return;
      const wrapped = function (...a) { log(label, a); return orig.apply(this, a); };
      Object.defineProperty(obj, name, {value: wrapped, configurable: true, writable: true});
    } catch (e) {}
  };
  pass(window, 'fetch', 'fetch');
  pass(XMLHttpRequest.prototype, 'open', 'XMLHttpRequest.open');
  pass(Navigator.prototype, 'sendBeacon', 'navigator.sendBeacon');
  for (const C of ['WebSocket', 'EventSource', 'Worker', 'SharedWorker']) {
    try {
      const Orig = window[C];
      if (!Orig) continue;
      const W = function (...a) { log(C, a); return new Orig(...a); };
      W.prototype = Orig.prototype;
      Object.defineProperty(window, C, {value: W, configurable: true, writable: true});
    } catch (e) {}
  }
  for (const [proto, prop, label] of [[HTMLImageElement.prototype, 'src', 'Image.src'],
                                      [HTMLScriptElement.prototype, 'src', 'script.src'],
                                      [HTMLIFrameElement.prototype, 'src', 'iframe.src']]) {
    try {
      const d = Object.getOwnPropertyDescriptor(proto, prop);
      Object.defineProperty(proto, prop, {configurable: true, enumerable: d.enumerable,
        get() { return d.get.call(this); },
        set(v) { log(label, [v]); return d.set.call(this, v); }});
    } catch (e) {}
  }
  const onViolation = (e) => {
    const rec = {directive: e.violatedDirective, blocked: str(e.blockedURI), sample: str(e.sample),
                 source: str(e.sourceFile), line: e.lineNumber, url: location.href,
                 target: (e.target && e.target.outerHTML) ? e.target.outerHTML.slice(0, 300) : ''};
    store('__xssCsp', rec);
    try { console.debug('__XSS_CSP__' + JSON.stringify(rec)); } catch (err) {}
  };
  document.addEventListener('securitypolicyviolation', onViolation, true);
  if (window.top === window) {
    const names = new Set();
    for (let o = window; o; o = Object.getPrototypeOf(o)) for (const k of Object.getOwnPropertyNames(o)) names.add(k);
    for (let o = document; o; o = Object.getPrototypeOf(o)) for (const k of Object.getOwnPropertyNames(o)) names.add(k);
    for (const k of ['__proto__', 'constructor', 'prototype']) names.add(k);
    window.__xssGlobalNames = names;
  }
})();
"""

# Opens every <details> (ontoggle), loads lazy frames, then fires on every
# element the events inline handlers most often listen to (no clicks: they
# would follow links).
INTERACT_JS = r"""
async () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const frames = document.querySelectorAll('iframe, frame, object, embed');
  for (const f of frames) { try { f.loading = 'eager'; f.scrollIntoView(); } catch (e) {} }
  const types = ['mouseover', 'mouseenter', 'pointerover', 'pointerenter', 'focus', 'focusin'];
  for (const el of document.querySelectorAll('body *')) {
    for (const t of types) { try { el.dispatchEvent(new Event(t)); } catch (e) {} }
  }
  for (const t of ['resize', 'scroll', 'hashchange', 'pageshow', 'beforeprint']) {
    try { window.dispatchEvent(new Event(t)); } catch (e) {}
  }
  await new Promise((r) => setTimeout(r, frames.length ? 300 : 5));
}
"""

# Which expected texts the page does not show. Each text is a list of
# segments (the payload cut at control and invisible characters, which the
# renderer may mark or drop); all must appear. A payload parsed as markup,
# swallowed by an unclosed element or cut would miss some.
TEXT_JS = r"""
(texts) => {
  const body = (document.body ? document.body.textContent : '') + '\n' + (document.title || '');
  return texts.filter((segs) => !segs.every((s) => body.includes(s))).map((segs) => segs.join(' … '));
}
"""

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
                   r"|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]")
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u2069\ufeff]")


def visible_segments(payload: str) -> list[str]:
    """The parts of ``payload`` a page must show as text, whatever it does with
    terminal sequences and invisible characters."""
    return [seg for seg in _HIDDEN.split(_ANSI.sub("\x00", payload)) if seg.strip()]


# What the browser built. Each finding is [kind, detail, snippet]. Kinds in
# ALWAYS_BAD are never legitimate on a tracesite page; the others (elements,
# attributes, ids outside a small expected set) are compared with a benign
# baseline build, so that the theme may grow without breaking this test.
STATIC_JS = r"""
() => {
  const ALLOWED = new Set(['html', 'head', 'meta', 'title', 'link', 'body', 'a', 'header', 'nav', 'ul', 'ol', 'li',
    'main', 'footer', 'article', 'section', 'aside', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'div', 'span', 'small',
    'strong', 'em', 'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'code', 'pre', 'kbd', 'samp', 'var', 'sub', 'sup',
    'abbr', 'blockquote', 'q', 'cite', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'colgroup',
    'col', 'dl', 'dt', 'dd', 'details', 'summary', 'time', 'br', 'hr', 'wbr', 'img', 'figure', 'figcaption', 'script']);
  const ODD_ATTRS = new Set(['style', 'srcdoc', 'formaction', 'action', 'xlink:href', 'background', 'poster',
    'ping', 'srcset', 'data', 'codebase', 'dynsrc', 'lowsrc', 'autofocus', 'contenteditable', 'popover',
    'popovertarget', 'http-equiv', 'crossorigin', 'sandbox', 'allow', 'form', 'target', 'shadowrootmode', 'is',
    'nonce', 'tabindex', 'accesskey', 'name', 'value', 'type', 'rel', 'as', 'content', 'charset']);
  const out = [];
  const snip = (el) => (el.outerHTML || '').slice(0, 240);
  const origin = location.origin;
  const url = (v) => { try { return new URL(v, location.href); } catch (e) { return null; } };
  const sameOrigin = (v) => { const u = url(v); return !!u && u.origin === origin; };
  const proto = (v) => { const u = url(v); return u ? u.protocol : 'invalid:'; };
  const names = window.__xssGlobalNames || new Set();
  const head = document.head;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    const html = el.namespaceURI === 'http://www.w3.org/1999/xhtml';
    // An iframe sandboxed without same-origin rights (issue 6's rendered view of model HTML) is allowed;
    // whatever runs or loads inside it is still caught by the hooks and the request log.
    const sandboxed = tag === 'iframe' && html && el.hasAttribute('sandbox')
      && !/allow-same-origin|allow-top-navigation|allow-popups-to-escape-sandbox/i.test(el.getAttribute('sandbox'));
    if (!html) out.push(['foreign element', tag, snip(el)]);
    else if (!ALLOWED.has(tag) && !sandboxed) out.push(['element', tag, snip(el)]);
    if (tag === 'iframe' && !sandboxed) out.push(['unsandboxed frame', el.getAttribute('sandbox') || '', snip(el)]);
    // The hooks cannot run inside a sandboxed frame: one that may run scripts cannot be vouched for.
    if (sandboxed && /allow-scripts/i.test(el.getAttribute('sandbox'))) out.push(['attribute', 'iframe[sandbox=allow-scripts]', snip(el)]);
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (sandboxed && ['sandbox', 'srcdoc', 'loading', 'referrerpolicy'].includes(n)) continue;
      if (n.startsWith('on')) out.push(['event handler attribute', n, snip(el)]);
      else if (ODD_ATTRS.has(n) && !(tag === 'a' && ['rel', 'target'].includes(n))) out.push(['attribute', tag + '[' + n + ']', snip(el)]);
      if (['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'ping', 'codebase'].includes(n)) {
        const pr = proto(a.value);
        if (!['http:', 'https:', 'mailto:'].includes(pr) && !(pr === 'data:' && tag === 'img' && /^\s*data:image\/(png|jpe?g|gif|webp);/i.test(a.value)))
          out.push(['url scheme', tag + '[' + n + '] ' + pr, snip(el)]);
        else if (n !== 'href' && pr !== 'data:' && !sameOrigin(a.value))
          out.push(['third-party resource', tag + '[' + n + ']', snip(el)]);
      }
      if (n === 'srcset' || n === 'srcdoc') out.push(['third-party resource', tag + '[' + n + ']', snip(el)]);
    }
    if (tag === 'script' && !el.hasAttribute('src')) out.push(['inline script', '', snip(el)]);
    if (tag === 'script' && el.hasAttribute('src') && !sameOrigin(el.getAttribute('src'))) out.push(['third-party script', '', snip(el)]);
    if (tag === 'link' && el.hasAttribute('href') && !sameOrigin(el.getAttribute('href'))) out.push(['third-party resource', 'link', snip(el)]);
    if (tag === 'link' && el.parentNode !== head) out.push(['link outside head', el.rel, snip(el)]);
    if (tag === 'meta' && el.parentNode !== head) out.push(['meta outside head', '', snip(el)]);
    if (tag === 'meta' && el.httpEquiv && el.httpEquiv.toLowerCase() !== 'content-security-policy')
      out.push(['meta http-equiv', el.httpEquiv, snip(el)]);
    for (const n of ['id', 'name']) {
      const v = el.getAttribute(n);
      if (v !== null && !(tag === 'meta' && n === 'name') && names.has(v)) out.push(['clobbering ' + n, v, snip(el)]);
    }
  }
  if (!document.querySelector('body > footer')) out.push(['structure', 'footer missing: something swallowed the rest of the page', '']);
  if (document.querySelectorAll('main').length !== 1) out.push(['structure', 'not exactly one <main>', '']);
  return out;
}
"""

# Findings of these kinds are failures even when the benign baseline shows them.
ALWAYS_BAD = {"event handler attribute", "url scheme", "inline script", "third-party script", "third-party resource",
              "meta outside head", "link outside head", "unsandboxed frame"}


PROBE_JS = f"""
(texts) => ({{
  sinks: window.__xssSinks || [],
  csp: window.__xssCsp || [],
  static: ({STATIC_JS.strip()})(),
  missing: ({TEXT_JS.strip()})(texts),
}})
"""


@dataclass
class PageReport:
    path: str
    url: str
    sinks: list = field(default_factory=list)
    csp: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    navigations: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    popups: list = field(default_factory=list)
    static: list = field(default_factory=list)
    missing_text: list = field(default_factory=list)
    frames: int = 1
    errors: list = field(default_factory=list)

    def events(self) -> list[tuple[str, object]]:
        """Something ran, was fetched, was blocked by the CSP, or moved the page."""
        return ([("sink", s) for s in self.sinks] + [("request", r) for r in self.requests]
                + [("navigation", n) for n in self.navigations] + [("dialog", d) for d in self.dialogs]
                + [("popup", p) for p in self.popups] + [("csp violation", c) for c in self.csp]
                + [("load error", e) for e in self.errors])


def playwright_available() -> str | None:
    """None when the browser test can run, else why not."""
    try:
        import playwright.async_api  # noqa: F401  (only whether it imports)
    except ImportError:
        return "the 'playwright' Python package is not installed (pip install playwright)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


async def _visit_all(origin: str, paths: list[str], workers: int, texts: dict[str, list[str]]) -> list[PageReport]:
    from playwright.async_api import async_playwright

    reports: list[PageReport] = []
    queue: asyncio.Queue = asyncio.Queue()
    for pth in paths:
        queue.put_nowait(pth)

    def local(url: str) -> bool:
        return url.startswith(origin + "/") or url.startswith(("data:", "about:", "blob:" + origin))

    # No DNS at all: a request that escapes the escaping cannot reach a real host.
    args = CHROMIUM_ARGS + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        context = await browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
        await context.add_init_script(HOOKS_JS)

        async def worker():
            page = await context.new_page()
            box: dict[str, PageReport] = {}

            def rep() -> PageReport | None:
                return box.get("now")

            def on_request(req):
                r = rep()
                if r is not None and not local(req.url):
                    entry = {"request": f"{req.method} {req.url[:300]} ({req.resource_type})", "failure": None}
                    r.requests.append(entry)
                    pending[req] = entry

            def on_failed(req):
                entry = pending.pop(req, None)
                if entry is not None:
                    entry["failure"] = req.failure

            pending: dict = {}
            page.on("requestfailed", on_failed)

            def on_nav(frame):
                r = rep()
                if r is None:
                    return
                if frame == page.main_frame:
                    if frame.url != r.url:
                        r.navigations.append(frame.url[:300])
                elif frame.url not in ("about:blank", "about:srcdoc", ""):
                    r.navigations.append("frame: " + frame.url[:300])

            def on_console(msg):
                r = rep()
                if r is None:
                    return
                text = msg.text
                for prefix, bucket in (("__XSS_SINK__", r.sinks), ("__XSS_CSP__", r.csp)):
                    if text.startswith(prefix):
                        rec = json.loads(text[len(prefix):])
                        if rec not in bucket:
                            bucket.append(rec)
                        return
                if msg.type == "error" and "Content Security Policy" in text:
                    r.csp.append({"console": text[:300]})
                # Frames the init script cannot reach (sandboxed srcdoc) still leave traces in the console.
                m = re.match(r"Ignored call to '(\w+)\(\)'", text)
                if m:
                    r.sinks.append({"sink": m.group(1), "args": [], "url": (msg.location or {}).get("url", ""),
                                    "target": "", "stack": "console: " + text[:200]})
                where = (msg.location or {}).get("url", "")
                if text.startswith("Failed to load resource") and where and not local(where):
                    entry = {"request": f"{where[:300]} (seen in the console)", "failure": text[:120]}
                    if entry not in r.requests:
                        r.requests.append(entry)

            def on_dialog(d):
                r = rep()
                if r is not None:
                    r.dialogs.append(f"{d.type}: {d.message[:200]}")
                asyncio.ensure_future(d.dismiss())

            page.on("request", on_request)
            page.on("framenavigated", on_nav)
            page.on("console", on_console)
            page.on("dialog", on_dialog)
            page.on("websocket", lambda ws: rep() and rep().requests.append(f"WebSocket {ws.url[:300]}"))
            page.on("popup", lambda pg: rep() and rep().popups.append(pg.url[:300]))
            while True:
                try:
                    pth = queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                url = f"{origin}/{pth}"
                r = PageReport(pth, url)
                box["now"] = r
                try:
                    await page.goto(url, wait_until="load", timeout=30_000)
                    await page.evaluate(INTERACT_JS)
                    if page.url == url:
                        got = await page.evaluate(PROBE_JS, texts.get(pth, []))
                        for key, bucket in (("sinks", r.sinks), ("csp", r.csp)):
                            for rec in got[key]:
                                if rec not in bucket:
                                    bucket.append(rec)
                        r.static, r.missing_text = got["static"], got["missing"]
                        r.frames = len(page.frames)
                except Exception as exc:  # a navigation away destroys the context: that is a finding too
                    r.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                if page.url != url and page.url[:300] not in r.navigations:
                    r.navigations.append(page.url[:300])
                if len(page.frames) > 1:
                    # A frame's console messages (the only trace of a sandboxed frame's calls) can arrive
                    # well after "load" on a busy machine (CI with browser tests beside other workers).
                    # The positive controls must show them: wait for them up to 20 s. Tracesite's own
                    # frames may not run scripts (the probe flags any that could), so a short grace
                    # period is enough for every other page.
                    if "zz-xss-positive-control" in pth:
                        deadline = time.monotonic() + 20
                        while time.monotonic() < deadline and not _frame_seen(r):
                            await asyncio.sleep(0.1)
                    else:
                        await asyncio.sleep(0.3)
                box.pop("now", None)
                reports.append(r)
            await page.close()

        await asyncio.gather(*(worker() for _ in range(workers)))
        await context.close()
        await browser.close()
    return reports


def frame_alert_seen(sinks: list[dict]) -> bool:
    """The alert() of the raw positive control's sandboxed frame was seen: by the hooks, when
    Playwright got the init script into the frame (it sometimes does), or else by the console
    message Chromium writes for a dialog a sandbox without allow-modals ignores."""
    return any(s.get("sink") == "alert" and (str(s.get("stack", "")).startswith("console")
                                              or (s.get("url") == "about:srcdoc" and s.get("args") == ["control-frame"]))
               for s in sinks)


def _frame_seen(r: PageReport) -> bool:
    """The sandboxed frame of the raw positive control has left both of its traces."""
    return frame_alert_seen(r.sinks) and any("control-frame" in str(q) for q in r.requests)


def visit_pages(origin: str, paths: list[str], workers: int = 2,
                texts: dict[str, list[list[str]]] | None = None) -> list[PageReport]:
    """Load every page (``origin/path``) in headless Chromium, open and poke it,
    and report what ran, loaded, was blocked or moved, what the DOM holds that a
    page should not, and which of ``texts[path]`` the page does not show."""
    return asyncio.run(_visit_all(origin, paths, workers, texts or {}))


# --------------------------------------------------------------------------
# Positive controls: pages the detector must flag
# --------------------------------------------------------------------------

CONTROL_RAW = """<!doctype html><html><head><meta charset="utf-8"><title>xss control</title></head><body><main>
<img src=x onerror="alert('control-1');fetch('http://127.0.0.1:9/control-fetch')">
<img src="http://127.0.0.1:9/control-img.png">
<details ontoggle="confirm('control-toggle')"><summary>closed</summary>x</details>
<div onmouseover="prompt('control-hover')">hover</div>
<a href="javascript:alert('control-link')">not clicked</a>
<iframe sandbox="allow-scripts" srcdoc="<script>alert('control-frame');fetch('http://127.0.0.1:9/control-frame')</script>"></iframe>
</main><footer>f</footer></body></html>
"""

CONTROL_CSP = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>xss control with csp</title></head><body><main>
<img src=x onerror="alert('control-csp')">
</main><footer>f</footer></body></html>
"""

CONTROL_NAV = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/control-refresh"><title>nav</title></head>
<body><main>x</main><footer>f</footer></body></html>
"""


def write_controls(site: Path, csp: str) -> dict[str, Path]:
    folder = site / "zz-xss-positive-control"
    return {
        "raw": _write(folder / "raw.html", CONTROL_RAW),
        "csp": _write(folder / "csp.html", CONTROL_CSP.format(csp=html.escape(csp))),
        "nav": _write(folder / "nav.html", CONTROL_NAV),
    }


def site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if "zz-xss-positive-control" not in p.parts)
