#!/usr/bin/env python3
"""Deterministic generator of a synthetic tracesite project, for benchmarks.

    python bench/generate.py OUT --preset small|medium|W [--seed 1] [--jobs N]
    python bench/generate.py OUT --runs N --tasks-per-run T --steps-per-trace S \\
        --output-bytes B [--huge-traces H --huge-steps X] [--total-steps TOTAL] --seed 1

Writes a complete project into OUT (no network, no clock, no randomness
beyond ``--seed``: the same arguments give byte-identical files)::

    tracesite.yaml, content/index.md, content/method.md
    registry/agents.yaml, registry/benchmarks.yaml   (filled in, no stubs)
    traces/<run>/run.yaml + trace files               (sha256 recorded)
    bench.json                                        (what was generated; read by bench/run.py)

Trace files are a mix of the real formats tracesite imports, written the way
the harnesses write them (see generator/importers/ and tests/fixtures/):

- ``tau2-bench``: one results file per run, ``{timestamp, info, tasks,
  simulations}`` (naive timestamps, policy text, reward_info with action and
  DB checks), indented like tau2's own writer;
- ``swe-agent``: a 0.x experiment folder per run: ``<instance>.traj`` per task
  (``history`` + ``trajectory`` + ``info`` + ``replay_config``),
  ``all_preds.jsonl`` and a SWE-bench ``results.json`` report;
- ``inspect-ai`` ``.json``: one EvalLog with samples (full ``input`` on every
  model event, as older logs have it), reductions and stats;
- ``inspect-ai`` ``.eval``: a zip with ``_journal/start.json``,
  ``samples/<id>_epoch_1.json``, ``reductions.json`` and ``header.json``;
  samples are condensed as current Inspect writes them (``events_data``
  message pool with ``input_refs``, long strings as ``attachment://``),
  tool calls inside ``span_begin``/``span_end``; members alternate zstd
  (method 93, the Inspect default) and deflate. Without the ``zstandard``
  module every member is deflated.

Every trace has exactly the number of tracesite steps planned for it
(``--verify`` re-imports the traces and checks this). Terminal output carries
ANSI colour codes; one tool output in ``--long-output-every`` is
``--output-bytes`` long, and every huge trace has one output of
``--giant-output-bytes`` (beyond ``limits.max_step_chars``).

``run.yaml`` is exactly what ``tracesite import`` writes for these files: the
importer's own ``drafts()`` reads the written files and the Run is dumped the
way ``generator/ingest.py`` dumps it (``--verify`` compares with a real
``import_paths`` for a few runs of each format). ``import`` is not called per
run because it copies and re-hashes every file (too slow for 10,000 runs).

Presets (all with 10 tasks per run and 1 trial per task):

=======  ======  =========  ================================================
preset   runs    steps      huge traces
=======  ======  =========  ================================================
tiny     12      480        none
small    100     10,000     1 of 1,000 steps
medium   1,000   100,000    1 of 10,000 steps (the rest 9 steps on average)
W        10,000  1,000,000  10 of 10,000 steps (the rest 9 steps on average)
=======  ======  =========  ================================================
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

try:  # optional, as in tracesite itself (pip install 'tracesite[zstd]')
    import zstandard
except ImportError:  # pragma: no cover
    zstandard = None

MIN_STEPS = 8

PRESETS: dict[str, dict[str, Any]] = {
    "tiny": dict(runs=12, tasks_per_run=4, steps_per_trace=10, output_bytes=2048, huge_traces=0),
    "small": dict(runs=100, tasks_per_run=10, steps_per_trace=10, output_bytes=4096, huge_traces=1,
                  huge_steps=1_000, total_steps=10_000),
    "medium": dict(runs=1_000, tasks_per_run=10, steps_per_trace=10, output_bytes=4096, huge_traces=1,
                   huge_steps=10_000, total_steps=100_000),
    "W": dict(runs=10_000, tasks_per_run=10, steps_per_trace=10, output_bytes=4096, huge_traces=10,
              huge_steps=10_000, total_steps=1_000_000),
}

# id, family, share of the runs. Shares 0.10/0.15/0.20 give boards of 1,000,
# 1,500 and 2,000 runs for W (the leaderboard target is 1,000 runs).
BENCHMARKS = [
    ("tau2-retail", "tau2", 0.10),
    ("tau2-airline", "tau2", 0.15),
    ("tau2-telecom", "tau2", 0.10),
    ("swe-bench-lite", "swe", 0.20),
    ("swe-bench-verified", "swe", 0.15),
    ("agentic_arith", "inspect", 0.15),
    ("ctf_lite", "inspect", 0.15),
]
SWE_DATA = {"swe-bench-lite": "SWE-bench_Lite", "swe-bench-verified": "SWE-bench_Verified"}
TAU2_COMMIT = "7c1e2d9a4b5f60718293a4b5c6d7e8f901234567"
USER_SIM = "gpt-4.1-2025-04-14"
FAMILIES = ["aster", "borealis", "cobalt", "dorado", "ember", "fjord", "garnet", "helix"]
SIZES = ["8b", "32b", "70b", "mini", "pro"]
MODELS = [f"{f}-{s}" for f in FAMILIES for s in SIZES]  # 40 models; look-alike keys all distinct
TAU2_IMPLS = ["llm_agent", "tool_planner", "reflexion_agent"]
INSPECT_SOLVERS = ["react", "basic_agent"]
BASE_TIME = dt.datetime(2025, 1, 6, 9, 0, 0)

TAU2_TOOLS = {
    "retail": ["find_user_id_by_email", "get_order_details", "get_product_details", "return_delivered_order_items",
               "exchange_delivered_order_items", "cancel_pending_order", "modify_pending_order_address"],
    "airline": ["get_user_details", "get_reservation_details", "search_direct_flight", "update_reservation_flights",
                "cancel_reservation", "book_reservation", "send_certificate"],
    "telecom": ["get_customer_by_phone", "get_details_by_id", "suspend_line", "resume_line", "enable_roaming",
                "refuel_data", "get_bills_for_customer"],
}


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

_WORDS = ("the a customer order refund policy item shipping address payment card return exchange reservation "
          "flight cabin seat baggage line roaming data plan bill account balance status pending delivered "
          "cancel modify confirm request user agent tool result error retry check verify update database "
          "function module test failing passing import value list dict string integer parser token buffer "
          "config option default limit timeout request response header cache index query record field "
          "we should first then next because however therefore so it is not yet already now also only "
          "look find open read write run compute compare expect return raise handle fix bug issue patch "
          "repository branch commit file line column path folder directory class method argument variable "
          "number total price amount discount tax currency date time week month year morning evening "
          "please thank you sure okay great let me see done need want can will would could might must").split()


class Text:
    """Pools of prose, code and terminal lines; picks are cheap slices."""

    def __init__(self, seed: int):
        r = random.Random(f"text-pool-{seed}")
        self.sentences = []
        for _ in range(3000):
            words = [r.choice(_WORDS) for _ in range(r.randint(5, 20))]
            self.sentences.append(" ".join(words).capitalize() + r.choice([".", ".", ".", "?", "!", ":"]))
        mods = ["core", "utils", "models", "views", "parser", "client", "server", "io", "cache", "units"]
        self.code = []
        for i in range(3000):
            m = r.choice(mods)
            k = r.randint(0, 6)
            self.code.append(r.choice([
                f"def {r.choice(_WORDS)}_{i}(self, {r.choice(_WORDS)}, {r.choice(_WORDS)}=None):",
                f"    return {r.choice(_WORDS)}.{r.choice(_WORDS)}({r.choice(_WORDS)}) * {r.randint(1, 99)}",
                f"    if {r.choice(_WORDS)} is None and len({r.choice(_WORDS)}) > {r.randint(0, 9)}:",
                f"        raise ValueError(\"{r.choice(_WORDS)} {r.choice(_WORDS)} {r.choice(_WORDS)}\")",
                f"from .{m} import {r.choice(_WORDS).capitalize()}{r.choice(_WORDS).capitalize()}",
                f"{'    ' * k}{r.choice(_WORDS)} = {r.choice(_WORDS)}[{r.randint(0, 40)}:{r.randint(41, 99)}]",
                f"{'    ' * k}# {r.choice(self.sentences)}",
            ]))
        self.term = []
        for i in range(4000):
            m = r.choice(mods)
            pct = r.randint(0, 100)
            self.term.append(r.choice([
                f"tests/test_{m}.py::test_{r.choice(_WORDS)}_{i} \x1b[32mPASSED\x1b[0m{' ' * r.randint(1, 20)}[{pct:3d}%]",
                f"tests/test_{m}.py::test_{r.choice(_WORDS)}_{i} \x1b[31mFAILED\x1b[0m{' ' * r.randint(1, 20)}[{pct:3d}%]",
                f"\x1b[31mE       AssertionError: assert {r.randint(0, 999)} == {r.randint(0, 999)}\x1b[0m",
                f"\x1b[1m\x1b[31mE       {r.choice(['KeyError', 'TypeError', 'ValueError'])}: '{r.choice(_WORDS)}'\x1b[0m",
                f"src/{m}/{r.choice(_WORDS)}.py:{r.randint(1, 900)}:{r.choice(self.code).strip()}",
                f"\x1b[01;34m{r.choice(_WORDS)}\x1b[0m  \x1b[01;32m{r.choice(_WORDS)}.sh\x1b[0m  {r.choice(_WORDS)}.py  {m}.cfg",
                f"\r\x1b[K{r.choice(_WORDS)}-{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)} "
                f"[{'#' * (pct // 5)}{'.' * (20 - pct // 5)}] {pct}% \x1b[33m{r.randint(1, 900)} kB/s\x1b[0m",
                f"drwxr-xr-x  {r.randint(2, 9)} root root {r.randint(100, 9999):>6} Jan {r.randint(1, 28):>2} 12:{r.randint(10, 59)} {m}",
                f"{r.choice(self.code)}",
            ]))
        self.session = ("\x1b[1m============================= test session starts ==============================\x1b[0m\n"
                        "platform linux -- Python 3.11.7, pytest-8.3.4, pluggy-1.5.0\nrootdir: /repo\ncollected 42 items\n")

    def prose(self, rng: random.Random, lo: int = 1, hi: int = 4) -> str:
        n = rng.randint(lo, hi)
        i = rng.randrange(len(self.sentences) - n)
        return " ".join(self.sentences[i:i + n])

    def block(self, rng: random.Random, pool: list[str], nbytes: int) -> str:
        """Consecutive pool lines (wrapping) until about ``nbytes`` characters."""
        out, size, i = [], 0, rng.randrange(len(pool))
        while size < nbytes:
            line = pool[i % len(pool)]
            out.append(line)
            size += len(line) + 1
            i += 1
        return "\n".join(out)[:max(nbytes, 1)]

    def terminal(self, rng: random.Random, nbytes: int) -> str:
        return self.block(rng, self.term, nbytes)

    def code_block(self, rng: random.Random, nbytes: int) -> str:
        return self.block(rng, self.code, nbytes)


# --------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------


@dataclass
class RunPlan:
    index: int
    run_id: str
    benchmark: str
    family: str  # tau2 | swe | inspect
    fmt: str  # tau2-bench | swe-agent | inspect-json | inspect-eval
    model: str
    impl: str | None
    skill: float
    steps: list[int]
    date: str
    token: str | None = None
    zstd: bool = False


@dataclass
class Options:
    runs: int
    tasks_per_run: int
    steps_per_trace: int
    output_bytes: int
    long_output_every: int
    giant_output_bytes: int
    huge_traces: int
    huge_steps: int
    total_steps: int | None
    seed: int


def tasks_of(bench: str, family: str, n: int) -> list[str]:
    if family == "tau2":
        return [str(i) for i in range(n)]
    if family == "inspect":
        return [str(i) for i in range(1, n + 1)]
    repos = ["widgets", "parser", "httpkit", "orm", "units"]
    off = 1000 if bench == "swe-bench-lite" else 5000
    return [f"synthorg__{repos[i % len(repos)]}-{off + 7 * i}" for i in range(n)]


def _counts(n: int) -> list[int]:
    raw = [w * n for _, _, w in BENCHMARKS]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    return counts


def make_plan(o: Options) -> list[RunPlan]:
    rng = random.Random(f"plan-{o.seed}")
    labels = [b for (b, _, _), c in zip(BENCHMARKS, _counts(o.runs)) for _ in range(c)]
    rng.shuffle(labels)
    family = {b: f for b, f, _ in BENCHMARKS}
    T = o.tasks_per_run
    # formats: inspect runs alternate .json / .eval within each benchmark
    fmts, inspect_n = [], defaultdict(int)
    for b in labels:
        fam = family[b]
        if fam == "inspect":
            fmts.append("inspect-eval" if inspect_n[b] % 2 else "inspect-json")
            inspect_n[b] += 1
        else:
            fmts.append({"tau2": "tau2-bench", "swe": "swe-agent"}[fam])
    # steps per trace: huge ones first (never in .json Inspect logs, whose model
    # events repeat the whole conversation), the others share the rest evenly
    n_traces = o.runs * T
    steps = [[o.steps_per_trace] * T for _ in range(o.runs)]
    huge_at: list[tuple[int, int]] = []
    if o.huge_traces:
        order = ["tau2-bench", "swe-agent", "inspect-eval"]
        by_fmt = defaultdict(list)
        for i, f in enumerate(fmts):
            by_fmt[f].append(i)
        per = -(-o.huge_traces // 3)
        used: set[int] = set()
        for h in range(o.huge_traces):
            cands = by_fmt[order[h % 3]] or list(range(o.runs))
            k = h // 3
            j = (len(cands) * (2 * k + 1)) // (2 * per) % len(cands)
            while cands[j] in used and len(used) < o.runs:
                j = (j + 1) % len(cands)
            used.add(cands[j])
            huge_at.append((cands[j], rng.randrange(T)))
    if o.total_steps is not None:
        rest = o.total_steps - o.huge_steps * len(huge_at)
        normal = n_traces - len(huge_at)
        if normal <= 0 or rest < MIN_STEPS * normal:
            raise SystemExit(f"--total-steps {o.total_steps} leaves {rest} steps for {normal} traces; "
                             f"each needs at least {MIN_STEPS}")
        base, extra = divmod(rest, normal)
        huge_set = set(huge_at)
        k = 0
        # spread the +1s evenly over the traces (deterministic)
        for r in range(o.runs):
            for t in range(T):
                if (r, t) in huge_set:
                    continue
                steps[r][t] = base + (1 if (k * extra) // normal != ((k + 1) * extra) // normal else 0)
                k += 1
    for r, t in huge_at:
        steps[r][t] = o.huge_steps
    if min(min(s) for s in steps) < MIN_STEPS:
        raise SystemExit(f"every trace needs at least {MIN_STEPS} steps")

    plans = []
    per_llm_domain: dict[tuple[str, str], int] = defaultdict(int)
    eval_n: dict[str, int] = defaultdict(int)
    tokens = set()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    for i, bench in enumerate(labels):
        fam = family[bench]
        model = rng.choice(MODELS)
        skill = round(rng.uniform(0.15, 0.9), 3)
        impl = token = None
        zstd_member = False
        if fam == "tau2":
            impl = rng.choice(TAU2_IMPLS)
            domain = bench.split("-", 1)[1]
            n = per_llm_domain[(model, domain)]
            per_llm_domain[(model, domain)] += 1
            date = (BASE_TIME + dt.timedelta(days=n)).date().isoformat()
            run_id = f"{model}-{domain}-{date}"
            fmt = "tau2-bench"
        elif fam == "swe":
            date = (BASE_TIME + dt.timedelta(days=i % 700)).date().isoformat()
            run_id = f"{model}__{SWE_DATA[bench]}__default__t-0.00__p-0.95__c-3.00__install-1__r{i:05d}"
            fmt = "swe-agent"
        else:
            impl = rng.choice(INSPECT_SOLVERS)
            date = (BASE_TIME + dt.timedelta(days=i % 700)).date().isoformat()
            while True:
                token = "".join(rng.choice(alphabet) for _ in range(22))
                if token not in tokens:
                    tokens.add(token)
                    break
            run_id = f"{bench}-{token}"
            fmt = fmts[i]
            zstd_member = bool(zstandard) and eval_n[bench] % 2 == 0 and fmt == "inspect-eval"
            eval_n[bench] += fmt == "inspect-eval"
        plans.append(RunPlan(i, run_id, bench, fam, fmt, model, impl, skill, steps[i], date, token, zstd_member))
    return plans


# --------------------------------------------------------------------------
# Helpers shared by the writers
# --------------------------------------------------------------------------


class Ctx:
    """Per-run state: random numbers, text pools, output sizes, step clock."""

    def __init__(self, o: Options, plan: RunPlan, text: Text):
        self.o = o
        self.plan = plan
        self.text = text
        self.rng = random.Random(f"run-{o.seed}-{plan.index}")
        self.outputs = 0
        self.giant_pending = False

    def output_size(self) -> int:
        """Size of the next tool output: mostly short, one in N long, one giant per huge trace."""
        self.outputs += 1
        if self.giant_pending:
            self.giant_pending = False
            return self.o.giant_output_bytes
        if self.o.long_output_every and self.outputs % self.o.long_output_every == 0:
            return self.o.output_bytes
        return self.rng.randint(40, 600)

    def outcome(self, allow_error: bool = True) -> str:
        r = self.rng.random()
        if r < self.plan.skill:
            return "pass"
        r = self.rng.random()
        if r < 0.1:
            return "limit"
        if r < 0.2 and allow_error:
            return "error"
        return "fail"


def dumps_indent(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def split_turns(r: int, big: int, small: int) -> tuple[int, int, int]:
    """(big turns, small turns, filler steps) with big*a + small*b + fill == r, fill minimal."""
    for fill in range(0, small + big):
        rest = r - fill
        for b in range(0, big + 1):
            if rest - small * b >= 0 and (rest - small * b) % big == 0:
                return (rest - small * b) // big, b, fill
    return 0, 0, r


# --------------------------------------------------------------------------
# tau2-bench
# --------------------------------------------------------------------------


def _tau2_ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def tau2_record(ctx: Ctx, size: int, domain: str) -> str:
    rng = ctx.rng
    if size <= 600:
        rec = {"id": f"#W{rng.randint(1000000, 9999999)}", "status": rng.choice(["pending", "delivered", "processed"]),
               "user_id": f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}_{rng.randint(10, 99)}",
               "items": [{"item_id": f"{rng.randint(10**9, 10**10)}", "name": rng.choice(_WORDS),
                          "price": round(rng.uniform(5, 500), 2)} for _ in range(rng.randint(1, 3))]}
        return json.dumps(rec)
    items = []
    total = 0
    while total < size:
        it = {"item_id": f"{rng.randint(10**9, 10**10)}", "name": ctx.text.prose(rng, 1, 1)[:60],
              "options": {"color": rng.choice(_WORDS), "size": rng.choice(["S", "M", "L", "XL"])},
              "available": rng.random() < 0.7, "price": round(rng.uniform(5, 500), 2)}
        items.append(it)
        total += 160
    return json.dumps({"product_id": str(rng.randint(10**9, 10**10)), "name": rng.choice(_WORDS), "variants": items})


def tau2_sim(ctx: Ctx, task_id: str, n_steps: int, t0: dt.datetime, domain: str) -> dict:
    rng, text = ctx.rng, ctx.text
    outcome = ctx.outcome()
    plan = ctx.plan
    ctx.giant_pending = n_steps >= 1000
    t = t0
    msgs: list[dict] = []
    tools = TAU2_TOOLS[domain]
    a_cost = u_cost = 0.0

    def stamp() -> str:
        nonlocal t
        t += dt.timedelta(milliseconds=rng.randint(300, 9000))
        return _tau2_ts(t)

    def say(role: str, content: str | None, calls: list | None = None) -> None:
        nonlocal a_cost, u_cost
        cost = round(rng.uniform(0.0005, 0.01), 5)
        usage = {"prompt_tokens": rng.randint(300, 9000), "completion_tokens": rng.randint(10, 400)}
        if role == "assistant":
            a_cost += cost
        else:
            u_cost += cost
        msgs.append({"role": role, "content": content, "tool_calls": calls, "turn_idx": len(msgs),
                     "timestamp": stamp(), "cost": cost, "usage": usage})

    ending = outcome in ("pass", "fail")
    fixed = 2 + (2 if ending else 0) + 1  # greeting, request, [final, stop], score or error step
    r = n_steps - fixed
    pairs, odd = divmod(r, 2)
    say("assistant", "Hi! How can I help you today?")
    say("user", text.prose(rng, 2, 4))
    calls_made = []
    if odd and not pairs:
        say("assistant", text.prose(rng, 1, 3))
    for k in range(pairs):
        name = tools[(k + rng.randrange(len(tools))) % len(tools)]
        call_id = f"call_{task_id}_{k}_{rng.randrange(10**6)}"
        args = {"order_id": f"#W{rng.randint(1000000, 9999999)}", "reason": rng.choice(_WORDS)}
        call = {"id": call_id, "name": name, "arguments": args, "requestor": "assistant"}
        calls_made.append(call)
        say("assistant", text.prose(rng, 1, 2) if (odd and k == 0) else None, [call])
        msgs.append({"id": call_id, "role": "tool", "content": tau2_record(ctx, ctx.output_size(), domain),
                     "requestor": "assistant", "error": rng.random() < 0.03, "turn_idx": len(msgs),
                     "timestamp": stamp()})
    if ending:
        say("assistant", text.prose(rng, 1, 4))
        say("user", "Thanks, that's all. ###STOP###")
    sim: dict[str, Any] = {
        "id": f"{plan.model}-{task_id}-{rng.randrange(16**12):012x}",
        "task_id": task_id,
        "timestamp": _tau2_ts(t0),
        "start_time": _tau2_ts(t0),
        "end_time": _tau2_ts(t),
        "duration": round((t - t0).total_seconds(), 3),
        "agent_cost": round(a_cost, 6),
        "user_cost": round(u_cost, 6),
        "trial": 0,
        "seed": 300,
        "messages": msgs,
    }
    if outcome == "error":
        sim["termination_reason"] = "infrastructure_error"
        sim["reward_info"] = None
        sim["info"] = {"error": "upstream returned HTTP 503 Service Unavailable", "error_type": "InfrastructureError",
                       "error_traceback": "Traceback (most recent call last):\n  File \"tau2/run.py\", line 212, in run_task\n"
                                          "    raise InfrastructureError(msg)\nInfrastructureError: HTTP 503"}
        return sim
    reward = 1.0 if outcome == "pass" else 0.0
    checks = []
    for j, c in enumerate(calls_made[:3]):
        checks.append({"action": {"action_id": f"{task_id}_{j}", "requestor": "assistant", "name": c["name"],
                                  "arguments": c["arguments"], "info": None, "compare_args": None},
                       "action_match": outcome == "pass" or j > 0, "action_reward": 1.0 if (outcome == "pass" or j > 0) else 0.0})
    sim["termination_reason"] = "user_stop" if ending else "max_steps"
    sim["reward_info"] = {
        "reward": reward,
        "db_check": {"db_match": outcome == "pass", "db_reward": reward},
        "env_assertions": [],
        "action_checks": checks,
        "nl_assertions": None,
        "communicate_checks": [],
        "reward_basis": ["DB", "COMMUNICATE"],
        "reward_breakdown": {"DB": reward, "COMMUNICATE": 1.0},
        "info": None,
    }
    return sim


def write_tau2(ctx: Ctx, folder: Path) -> list[tuple[str, bytes]]:
    plan, rng, text = ctx.plan, ctx.rng, ctx.text
    domain = plan.benchmark.split("-", 1)[1]
    ts = dt.datetime.fromisoformat(plan.date).replace(hour=8, minute=59)
    tasks = tasks_of(plan.benchmark, "tau2", ctx.o.tasks_per_run)
    sims = []
    t = ts
    for task, n in zip(tasks, plan.steps):
        t = t + dt.timedelta(seconds=rng.randint(20, 200))
        sims.append(tau2_sim(ctx, task, n, t, domain))
    doc = {
        "timestamp": _tau2_ts(ts),
        "info": {
            "git_commit": TAU2_COMMIT, "num_trials": 1, "max_steps": 200, "max_errors": 10, "seed": 300,
            "user_info": {"implementation": "user_simulator", "llm": USER_SIM, "llm_args": {"temperature": 0.0}},
            "agent_info": {"implementation": plan.impl, "llm": plan.model, "llm_args": {"temperature": 0.0}},
            "environment_info": {"domain_name": domain, "policy": " ".join(text.prose(rng, 8, 12) for _ in range(12)),
                                 "tool_defs": None},
        },
        "tasks": [{"id": tk, "description": None, "user_scenario": {"instructions": text.prose(rng, 2, 5)},
                   "evaluation_criteria": {"actions": [], "nl_assertions": None}} for tk in tasks],
        "simulations": sims,
    }
    name = f"{plan.date}_{domain}_{plan.impl}_{plan.model}.json"
    return [(name, dumps_indent(doc))]


# --------------------------------------------------------------------------
# SWE-agent
# --------------------------------------------------------------------------


def _patch(ctx: Ctx, iid: str) -> str:
    rng = ctx.rng
    mod = iid.split("__", 1)[1].rsplit("-", 1)[0]
    lines = [f"diff --git a/src/{mod}/core.py b/src/{mod}/core.py", f"--- a/src/{mod}/core.py",
             f"+++ b/src/{mod}/core.py", f"@@ -{rng.randint(1, 300)},7 +{rng.randint(1, 300)},7 @@"]
    for _ in range(rng.randint(3, 12)):
        c = rng.choice(ctx.text.code)
        lines.append(rng.choice([" ", " ", "-", "+"]) + c)
    return "\n".join(lines) + "\n"


def swe_traj(ctx: Ctx, iid: str, n_steps: int) -> tuple[dict, str | None, str]:
    rng, text = ctx.rng, ctx.text
    outcome = ctx.outcome()
    ctx.giant_pending = n_steps >= 1000
    submitted = outcome in ("pass", "fail")
    r = n_steps - 2 - (1 if submitted else 0)
    big, small, fill = split_turns(r, 3, 2)
    if fill:
        raise AssertionError(f"cannot split {r} SWE-agent steps into turns")
    n = big + small
    patch = _patch(ctx, iid) if submitted else None
    mod = iid.split("__", 1)[1].rsplit("-", 1)[0]
    # actions: exploration first; edit, pytest, submit last when submitted
    tail: list[str] = []
    if submitted:
        tail = ["pytest", "submit"] if n < 3 else ["edit", "pytest", "submit"]
    kinds = ["explore"] * (n - len(tail)) + tail
    history: list[dict] = [
        {"role": "system", "content": "SETTING: You are an autonomous programmer, and you're working directly in the "
         "command line with a special interface.\n\n" + text.prose(rng, 20, 30), "agent": "primary"},
        {"role": "user", "content": f"We're currently solving the following issue within our repository ({iid}).\n"
         f"ISSUE:\n{text.prose(rng, 4, 10)}\n\nINSTRUCTIONS:\nNow, you're going to solve this issue on your own.",
         "agent": "primary"},
    ]
    trajectory: list[dict] = []
    for j, kind in enumerate(kinds):
        thought = "" if j < small else text.prose(rng, 1, 3)
        if kind == "explore":
            action = rng.choice([f"grep -rn \"{rng.choice(_WORDS)}\" src/{mod}/", f"ls -la --color=always src/{mod}",
                                 f"cat src/{mod}/{rng.choice(_WORDS)}.py", f"find src -name \"*{rng.choice(_WORDS)}*\"",
                                 f"python -m {mod}.cli --{rng.choice(_WORDS)}"])
            size = ctx.output_size()
            obs = text.code_block(rng, size) if action.startswith("cat") else text.terminal(rng, size)
        elif kind == "edit":
            action = f"sed -i 's/{rng.choice(_WORDS)}/{rng.choice(_WORDS)}/' src/{mod}/core.py"
            obs = ""
        elif kind == "pytest":
            action = f"python -m pytest -q tests/test_{mod}.py"
            body = text.terminal(rng, ctx.output_size())
            verdict = ("\x1b[32m\x1b[1m42 passed\x1b[0m\x1b[32m in 3.21s\x1b[0m" if outcome == "pass"
                       else "\x1b[31m\x1b[1m3 failed\x1b[0m, \x1b[32m39 passed\x1b[0m\x1b[31m in 3.40s\x1b[0m")
            obs = text.session + body + "\n" + verdict
        else:  # submit
            action = "submit"
            obs = patch or ""
        response = (thought + "\n\n" if thought else "") + f"```\n{action}\n```"
        history.append({"role": "assistant", "content": response, "thought": thought, "action": action,
                        "agent": "primary"})
        history.append({"role": "user", "content": obs, "agent": "primary"})
        trajectory.append({"action": action, "observation": obs, "response": response, "thought": thought,
                           "state": json.dumps({"open_file": "n/a", "working_dir": "/repo"}),
                           "execution_time": round(rng.uniform(0.05, 12.0), 3)})
    if outcome == "limit":
        status = "exit_cost"
    elif outcome == "error":
        status = "exit_environment_error"
        trajectory[-1]["thought"] = "Exit due to environment error"
    else:
        status = "submitted"
    info = {"exit_status": status,
            "model_stats": {"instance_cost": round(rng.uniform(0.01, 3.0), 4), "tokens_sent": rng.randint(5000, 900000),
                            "tokens_received": rng.randint(200, 30000), "api_calls": n},
            "swe_agent_version": "0.7.0", "submission": patch}
    rc = {"agent": {"model": {"model_name": ctx.plan.model, "temperature": 0.0, "top_p": 0.95,
                              "per_instance_cost_limit": 3.0}},
          "environment": {"data_path": f"princeton-nlp/{SWE_DATA[ctx.plan.benchmark]}", "image_name": "sweagent/swe-agent:latest"}}
    traj = {"environment": "swe_main", "trajectory": trajectory, "history": history, "info": info,
            "replay_config": json.dumps(rc)}
    return traj, patch, outcome


def write_swe(ctx: Ctx, folder: Path) -> list[tuple[str, bytes]]:
    plan = ctx.plan
    tasks = tasks_of(plan.benchmark, "swe", ctx.o.tasks_per_run)
    files = []
    preds = []
    resolved, unresolved, errors = [], [], []
    for iid, n in zip(tasks, plan.steps):
        traj, patch, outcome = swe_traj(ctx, iid, n)
        files.append((f"{iid}.traj", dumps_indent(traj)))
        if patch is not None:
            preds.append(orjson.dumps({"model_name_or_path": plan.run_id, "instance_id": iid, "model_patch": patch}))
        (resolved if outcome == "pass" else errors if outcome == "error" else unresolved).append(iid)
    files.append(("all_preds.jsonl", b"\n".join(preds) + b"\n"))
    files.append(("results.json", dumps_indent({"resolved": resolved, "unresolved": unresolved, "error": errors})))
    return files


# --------------------------------------------------------------------------
# Inspect AI
# --------------------------------------------------------------------------


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds") + "+00:00"


class _Condenser:
    """Long strings become ``attachment://<md5>`` (as Inspect's condense does)."""

    def __init__(self, on: bool):
        self.on = on
        self.attachments: dict[str, str] = {}

    def __call__(self, s: str) -> str:
        if not self.on or len(s) <= 200:
            return s
        key = hashlib.md5(s.encode()).hexdigest()
        self.attachments[key] = s
        return f"attachment://{key}"


def inspect_sample(ctx: Ctx, sid: int, n_steps: int, t0: dt.datetime, condensed: bool) -> tuple[dict, float, float]:
    rng, text, plan = ctx.rng, ctx.text, ctx.plan
    outcome = ctx.outcome(allow_error=False)
    ctx.giant_pending = n_steps >= 1000
    model = f"synth/{plan.model}"
    att = _Condenser(condensed)
    limited = outcome == "limit"
    r = n_steps - 4 - (1 if limited else 0)  # 2 inputs, final model call, score [, limit]
    big, small, fill = split_turns(r, 4, 3)
    t = t0
    clock = 0.0

    def tick() -> tuple[str, float]:
        nonlocal t, clock
        d = rng.uniform(0.2, 6.0)
        t += dt.timedelta(seconds=d)
        clock += d
        return _iso(t), round(clock, 3)

    question = text.prose(rng, 1, 3)
    answer = str(rng.randint(1, 9999))
    target = answer if outcome == "pass" else str(int(answer) + 1)
    conv: list[dict] = [
        {"id": f"m{sid}-0", "role": "system", "content": att("Solve the task. Use the tools. " + text.prose(rng, 3, 8)),
         "source": "input"},
        {"id": f"m{sid}-1", "role": "user", "content": att(question), "source": "input"},
    ]
    events: list[dict] = []
    ts, ws = tick()
    events.append({"event": "sample_init", "timestamp": ts, "working_start": ws,
                   "sample": {"id": sid, "input": question, "target": target}, "state": {}})
    in_tok = out_tok = 0
    kinds = ["bash"] * big + ["python"] * small
    rng.shuffle(kinds)
    fillers = ["logger"] * fill + (["limit"] if limited else [])

    def model_event(message: dict, stop: str) -> None:
        nonlocal in_tok, out_tok
        ts, ws = tick()
        u = {"input_tokens": rng.randint(200, 9000), "output_tokens": rng.randint(10, 600)}
        u["total_tokens"] = u["input_tokens"] + u["output_tokens"]
        in_tok += u["input_tokens"]
        out_tok += u["output_tokens"]
        ev = {"event": "model", "timestamp": ts, "working_start": ws, "model": model, "input": list(conv),
              "tools": [], "tool_choice": "auto", "config": {},
              "output": {"model": model, "choices": [{"message": message, "stop_reason": stop}], "usage": u,
                         "time": round(rng.uniform(0.3, 9.0), 3)}}
        if condensed:
            ev["input"], ev["input_refs"] = [], [[0, len(conv)]]
        events.append(ev)

    for j, kind in enumerate(kinds):
        call_id = f"call_{sid}_{j}"
        if kind == "bash":
            args = {"cmd": rng.choice([f"ls -la --color=always /challenge/{rng.choice(_WORDS)}",
                                       f"grep -rn {rng.choice(_WORDS)} /challenge", "python3 solve.py",
                                       f"cat /challenge/{rng.choice(_WORDS)}.txt"])}
        else:
            args = {"code": text.code_block(rng, rng.randint(60, 400))}
        msg = {"id": f"m{sid}-{len(conv)}", "role": "assistant", "content": att(text.prose(rng, 1, 3)),
               "source": "generate", "tool_calls": [{"id": call_id, "function": kind, "arguments": args,
                                                     "type": "function"}], "model": model}
        model_event(msg, "tool_calls")
        conv.append(msg)
        size = ctx.output_size()
        result = text.terminal(rng, size) if kind == "bash" else text.code_block(rng, size)
        ts, ws = tick()
        nested = []
        if kind == "bash":
            ts2, ws2 = tick()
            nested.append({"event": "sandbox", "timestamp": ts, "working_start": ws, "action": "exec",
                           "cmd": f"bash --login -c '{args['cmd']}'", "options": {}, "result": 0,
                           "output": att(result), "completed": ts2})
        tool_ev = {"event": "tool", "timestamp": ts, "working_start": ws, "type": "function", "id": call_id,
                   "function": kind, "arguments": args, "result": att(result), "events": nested,
                   "completed": _iso(t), "working_time": round(rng.uniform(0.05, 5.0), 3)}
        if condensed:
            span = f"span{sid}x{j}"
            events.append({"event": "span_begin", "timestamp": ts, "working_start": ws, "id": span,
                           "parent_id": None, "type": "tool", "name": kind})
            events.append(tool_ev)
            events.append({"event": "span_end", "timestamp": _iso(t), "working_start": ws, "id": span})
        else:
            events.append(tool_ev)
        conv.append({"id": f"m{sid}-{len(conv)}", "role": "tool", "content": att(result), "source": "generate",
                     "tool_call_id": call_id, "function": kind})
        if fillers and (j % 7 == 3 or j == len(kinds) - 1):
            events.append(_filler(fillers.pop(0), tick, rng, text))
    while fillers:
        events.append(_filler(fillers.pop(0), tick, rng, text))
    final = {"id": f"m{sid}-{len(conv)}", "role": "assistant",
             "content": att(text.prose(rng, 1, 3) + f"\n\nANSWER: {answer}"), "source": "generate", "model": model}
    model_event(final, "stop")
    conv.append(final)
    value = "C" if outcome == "pass" else "I"
    score = {"value": value, "answer": answer, "explanation": f"Extracted answer '{answer}'; target '{target}'."}
    ts, ws = tick()
    events.append({"event": "score", "timestamp": ts, "working_start": ws, "score": score, "target": target,
                   "intermediate": False})
    cost = round((in_tok * 2 + out_tok * 8) / 1e6, 6)
    sample: dict[str, Any] = {
        "id": sid, "epoch": 1, "input": question, "target": target, "messages": conv,
        "output": {"model": model, "choices": [{"message": final, "stop_reason": "stop"}],
                   "usage": {"input_tokens": in_tok, "output_tokens": out_tok, "total_tokens": in_tok + out_tok},
                   "time": round(clock, 3)},
        "scores": {"match": score}, "metadata": {}, "store": {}, "events": events,
        "model_usage": {model: {"input_tokens": in_tok, "output_tokens": out_tok, "total_tokens": in_tok + out_tok,
                                "total_cost": cost}},
        "total_time": round(clock + 1.0, 3), "working_time": round(clock, 3),
        "uuid": f"{rng.randrange(16**22):022x}",
    }
    if limited:
        sample["limit"] = {"type": "message", "limit": 40}
    if condensed:
        sample["attachments"] = att.attachments
        sample["events_data"] = {"messages": conv, "calls": []}
    return sample, (1.0 if value == "C" else 0.0), cost


def _filler(kind: str, tick, rng: random.Random, text: Text) -> dict:
    ts, ws = tick()
    if kind == "limit":
        return {"event": "sample_limit", "timestamp": ts, "working_start": ws, "type": "message",
                "message": "Message limit (40) exceeded", "limit": 40}
    return {"event": "logger", "timestamp": ts, "working_start": ws,
            "message": {"level": "info", "message": text.prose(rng, 1, 2), "created": 0.0,
                        "filename": "solver.py", "module": "solver", "lineno": rng.randint(1, 400)}}


def inspect_log(ctx: Ctx, condensed: bool) -> tuple[dict, list[dict], list[dict]]:
    plan, rng = ctx.plan, ctx.rng
    start = dt.datetime.fromisoformat(plan.date).replace(hour=14)
    ids = list(range(1, ctx.o.tasks_per_run + 1))
    samples, values, costs = [], [], []
    t = start
    for sid, n in zip(ids, plan.steps):
        t += dt.timedelta(seconds=rng.randint(10, 100))
        s, v, c = inspect_sample(ctx, sid, n, t, condensed)
        samples.append(s)
        values.append(v)
        costs.append(c)
    model = f"synth/{plan.model}"
    acc = sum(values) / len(values)
    tin = sum(s["model_usage"][model]["input_tokens"] for s in samples)
    tout = sum(s["model_usage"][model]["output_tokens"] for s in samples)
    header = {
        "version": 2,
        "status": "success",
        "eval": {
            "eval_id": f"ev-{plan.token.lower()[:12]}", "run_id": plan.token, "created": _iso(start),
            "task": f"inspect_evals/{plan.benchmark}", "task_id": f"t-{plan.token[:10]}", "task_version": 1,
            "task_file": f"inspect_evals/{plan.benchmark}/task.py", "task_registry_name": f"inspect_evals/{plan.benchmark}",
            "task_attribs": {}, "task_args": {}, "solver": plan.impl,
            "dataset": {"name": plan.benchmark, "location": f"{plan.benchmark}/samples.jsonl", "samples": len(ids),
                        "sample_ids": ids, "shuffled": False},
            "sandbox": {"type": "docker", "config": "compose.yaml"},
            "model": model, "model_generate_config": {"temperature": 0.0}, "model_args": {},
            "config": {"epochs": 1, "message_limit": 40},
            "revision": {"type": "git", "origin": "https://example.org/inspect_evals.git", "commit": "9f8e7d6"},
            "packages": {"inspect_ai": "0.3.140"},
        },
        "plan": {"name": "plan", "steps": [{"solver": plan.impl, "params": {"tools": ["bash", "python"]}}],
                 "config": {}},
        "results": {"total_samples": len(ids), "completed_samples": len(ids),
                    "scores": [{"name": "match", "scorer": "match", "params": {},
                                "metrics": {"accuracy": {"name": "accuracy", "value": acc, "params": {}},
                                            "stderr": {"name": "stderr", "value": 0.1, "params": {}}}}]},
        "stats": {"started_at": _iso(start), "completed_at": _iso(t),
                  "model_usage": {model: {"input_tokens": tin, "output_tokens": tout, "total_tokens": tin + tout,
                                          "total_cost": round(sum(costs), 6)}}},
    }
    reductions = [{"scorer": "match", "samples": [{"sample_id": sid, "value": v, "answer": None}
                                                   for sid, v in zip(ids, values)]}]
    return header, samples, reductions


def write_inspect_json(ctx: Ctx, folder: Path) -> list[tuple[str, bytes]]:
    header, samples, reductions = inspect_log(ctx, condensed=False)
    log = dict(header)
    log["samples"] = samples
    log["reductions"] = reductions
    name = f"{ctx.plan.date}T14-00-00+00-00_{ctx.plan.benchmark}_{ctx.plan.token}.json"
    return [(name, dumps_indent(log))]


def _zip(entries: list[tuple[str, bytes]], zstd: bool) -> bytes:
    """A zip written by hand (zipfile cannot write zstd, method 93)."""
    out = io.BytesIO()
    central = []
    for name, data in entries:
        crc = zlib.crc32(data)
        if zstd:
            method = 93
            cobj = zstandard.ZstdCompressor(level=3, write_content_size=False).compressobj()
            payload = cobj.compress(data) + cobj.flush()
        else:
            method = 8
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = c.compress(data) + c.flush()
        offset = out.tell()
        bname = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 63 if zstd else 20, 0, method, 0, 0x5a21, crc,
                              len(payload), len(data), len(bname), 0))
        out.write(bname)
        out.write(payload)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 63, 63 if zstd else 20, 0, method, 0,
                                   0x5a21, crc, len(payload), len(data), len(bname), 0, 0, 0, 0, 0o100644 << 16,
                                   offset) + bname)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), cd_size, cd_start, 0))
    return out.getvalue()


def write_inspect_eval(ctx: Ctx, folder: Path) -> list[tuple[str, bytes]]:
    header, samples, reductions = inspect_log(ctx, condensed=True)
    entries = [("_journal/start.json", orjson.dumps({"version": 2, "eval": header["eval"], "plan": header["plan"]}))]
    for s in samples:
        entries.append((f"samples/{s['id']}_epoch_{s['epoch']}.json", orjson.dumps(s)))
    entries.append(("reductions.json", orjson.dumps(reductions)))
    entries.append(("header.json", orjson.dumps(header)))
    name = f"{ctx.plan.date}T14-00-00+00-00_{ctx.plan.benchmark}_{ctx.plan.token}.eval"
    return [(name, _zip(entries, ctx.plan.zstd))]


WRITERS = {"tau2-bench": write_tau2, "swe-agent": write_swe, "inspect-json": write_inspect_json,
           "inspect-eval": write_inspect_eval}
IMPORTER = {"tau2-bench": "tau2-bench", "swe-agent": "swe-agent", "inspect-json": "inspect-ai",
            "inspect-eval": "inspect-ai"}


# --------------------------------------------------------------------------
# run.yaml, exactly as `tracesite import` writes it
# --------------------------------------------------------------------------


def _dump_yaml(data: object) -> bytes:
    try:
        from generator.ingest import _dump_yaml as dump  # the import command's own writer
    except ImportError:  # pragma: no cover - same settings as generator/ingest.py
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")
    return dump(data)


def run_yaml(plan: RunPlan, folder: Path, written: dict[str, tuple[str, int]]):
    """The draft the importer makes of the written files, and run.yaml from it
    (``generator.ingest._import_one`` without the copy)."""
    from generator import importers
    from generator.model import Run, TraceFile

    imp = importers.get(IMPORTER[plan.fmt])
    src = folder if plan.fmt == "swe-agent" else folder / next(iter(written))
    drafts = imp.drafts(src)
    if len(drafts) != 1:
        raise AssertionError(f"{plan.run_id}: the importer found {len(drafts)} runs, expected 1")
    d = drafts[0]
    if d.run_id != plan.run_id:
        raise AssertionError(f"the importer names run {plan.run_id!r} {d.run_id!r}")
    if d.benchmark != plan.benchmark:
        raise AssertionError(f"{plan.run_id}: the importer gives benchmark {d.benchmark!r}, expected {plan.benchmark!r}")
    files = []
    for f in d.files:
        name = d.names.get(f, Path(f).name)
        digest, size = written[name]
        files.append(TraceFile(path=name, sha256=digest, format=d.formats.get(f, d.format), bytes=size))
    run = Run(id=d.run_id, agent=d.agent, model=d.model, benchmark=d.benchmark,
              benchmark_version=d.benchmark_version, environment=d.environment, submitter=d.submitter,
              submitted=d.submitted, declared=d.declared, files=files, metadata=d.metadata)
    return d, _dump_yaml(run.model_dump(mode="json", exclude_none=True, exclude_defaults=True))


# --------------------------------------------------------------------------
# Writing one run (in a worker process)
# --------------------------------------------------------------------------

_TEXT: Text | None = None
_OPTS: Options | None = None
_ROOT: Path | None = None


def _init_worker(o: Options, root: Path) -> None:
    global _TEXT, _OPTS, _ROOT
    _OPTS, _ROOT = o, root
    _TEXT = Text(o.seed)


def write_run(plan: RunPlan) -> dict:
    assert _OPTS is not None and _TEXT is not None and _ROOT is not None
    ctx = Ctx(_OPTS, plan, _TEXT)
    folder = _ROOT / "traces" / plan.run_id
    folder.mkdir(parents=True)
    files = WRITERS[plan.fmt](ctx, folder)
    written = {}
    total = 0
    for name, data in files:
        (folder / name).write_bytes(data)
        written[name] = (hashlib.sha256(data).hexdigest(), len(data))
        total += len(data)
    draft, meta = run_yaml(plan, folder, written)
    (folder / "run.yaml").write_bytes(meta)
    longest = max(range(len(plan.steps)), key=lambda i: plan.steps[i])
    tasks = tasks_of(plan.benchmark, plan.family, len(plan.steps))
    trace_id = {"tau2": f"{tasks[longest]}-t1", "swe": tasks[longest], "inspect": f"{tasks[longest]}-e1"}[plan.family]
    return {
        "index": plan.index, "run_id": plan.run_id, "format": plan.fmt, "benchmark": plan.benchmark,
        "agent": draft.agent, "agent_name": draft.agent_name, "organisation": draft.organisation,
        "harness": draft.harness, "harness_version": draft.harness_version, "model": draft.model,
        "files": {name: size for name, (_, size) in written.items()}, "bytes": total, "meta_bytes": len(meta),
        "traces": len(plan.steps), "steps": sum(plan.steps),
        "longest": {"steps": plan.steps[longest], "trace_id": trace_id,
                    "file": files[0][0] if plan.family != "swe" else f"{tasks[longest]}.traj"},
    }


# --------------------------------------------------------------------------
# Project files
# --------------------------------------------------------------------------


def _lookalike(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def write_registry(root: Path, o: Options, results: list[dict]) -> None:
    from generator.validate import task_set_sha256

    agents: dict[str, dict] = {}
    for r in sorted(results, key=lambda r: r["index"]):
        a = agents.setdefault(r["agent"], {"name": r["agent_name"] or r["agent"], "organisation": None,
                                           "harness": r["harness"], "harness_version": r["harness_version"],
                                           "models": set()})
        a["organisation"] = a["organisation"] or r["organisation"]
        if r["model"]:
            a["models"].add(r["model"])
    pretty = {"swe-agent": ("SWE-agent", "Princeton NLP"), "react": ("Inspect ReAct", "UK AISI"),
              "basic_agent": ("Inspect basic agent", "UK AISI")}
    out: dict[str, dict] = {}
    keys: dict[str, str] = {}
    for aid in sorted(agents):
        a = agents[aid]
        name, org = pretty.get(aid, (a["name"], a["organisation"] or "Synthetic Labs"))
        entry = {"name": name, "organisation": org, "harness": a["harness"], "harness_version": a["harness_version"],
                 "models": sorted(a["models"]),
                 "description": f"Synthetic agent generated by bench/generate.py (seed {o.seed})."}
        out[aid] = {k: v for k, v in entry.items() if v is not None}
        for value in {aid, name}:
            k = _lookalike(value)
            if keys.setdefault(k, aid) != aid:
                raise AssertionError(f"agents {aid!r} and {keys[k]!r} would be flagged as look-alikes")
    reg = root / "registry"
    reg.mkdir(parents=True, exist_ok=True)
    (reg / "agents.yaml").write_text("# Agents of the synthetic benchmark project (bench/generate.py).\n"
                                     + yaml.safe_dump(out, sort_keys=False, width=100))
    benches: dict[str, dict] = {}
    for bid, fam, _ in BENCHMARKS:
        tasks = tasks_of(bid, fam, o.tasks_per_run)
        if fam == "tau2":
            domain = bid.split("-", 1)[1]
            b = {"name": f"τ²-bench {domain}", "version": TAU2_COMMIT[:7],
                 "description": f"Synthetic τ²-bench {domain} runs (tau2 results files, one trial per task).",
                 "task_source": f"synthetic tasks (bench/generate.py, seed {o.seed})",
                 "tasks": tasks, "tasks_sha256": task_set_sha256(tasks),
                 "protocol": {"num_trials": 1, "max_steps": 200, "user_simulator": USER_SIM},
                 "evidence": [{"kind": "tool_call", "description": "at least one tool call"}],
                 "metric": {"name": "pass^1", "aggregation": "pass^k", "k": 1, "success_threshold": 1.0}}
        elif fam == "swe":
            b = {"name": SWE_DATA[bid].replace("_", " "),
                 "description": "Synthetic SWE-agent 0.x experiments with a SWE-bench report.",
                 "task_source": f"synthetic instances (bench/generate.py, seed {o.seed})",
                 "tasks": tasks, "tasks_sha256": task_set_sha256(tasks),
                 "evidence": [{"kind": "terminal_command", "pattern": "pytest", "after_last_edit": True,
                               "description": "the tests were run after the last edit"},
                              {"kind": "submission"}],
                 "metric": {"name": "resolved rate", "aggregation": "mean"}}
        else:
            b = {"name": bid, "version": "1",
                 "description": "Synthetic Inspect AI logs (.json and condensed .eval).",
                 "task_source": f"{bid}/samples.jsonl (synthetic)",
                 "tasks": tasks, "tasks_sha256": task_set_sha256(tasks),
                 "protocol": {"epochs": 1},
                 "evidence": [{"kind": "tool_call", "description": "at least one tool call"}],
                 "metric": {"name": "accuracy", "aggregation": "mean"}}
        benches[bid] = b
    (reg / "benchmarks.yaml").write_text("# Benchmarks of the synthetic benchmark project (bench/generate.py).\n"
                                         + yaml.safe_dump(benches, sort_keys=False, width=100, allow_unicode=True))


def write_project_files(root: Path, o: Options, label: str) -> None:
    (root / "tracesite.yaml").write_text(
        f"# Synthetic project written by bench/generate.py ({label}, seed {o.seed}).\n"
        f"title: Synthetic agent leaderboard ({label})\n"
        "description: A generated project for measuring tracesite at scale.\n"
        "rank_runs_with_errors: false\n")
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "index.md").write_text(
        "---\ntitle: Synthetic agent leaderboard\norder: 0\ndescription: Generated for benchmarks\n---\n\n"
        f"# Synthetic agent leaderboard\n\nThis project was generated by `bench/generate.py` ({label}, "
        f"seed {o.seed}): {o.runs:,} runs of {o.tasks_per_run} tasks each, in the tau2-bench, SWE-agent and "
        "Inspect AI formats. Every score links to its evidence.\n")
    (content / "method.md").write_text(
        "---\ntitle: Method\norder: 1\n---\n\n# Method\n\n"
        "| format | files per run |\n| --- | --- |\n| tau2-bench | one results file |\n"
        "| swe-agent | one `.traj` per task, `all_preds.jsonl`, `results.json` |\n"
        "| inspect-ai | one `.json` log or `.eval` zip |\n")


# --------------------------------------------------------------------------
# Verification (small projects): real import and step counts
# --------------------------------------------------------------------------


def verify(root: Path, plans: list[RunPlan], per_format: int, all_steps: bool) -> tuple[list[str], int, int]:
    from generator import importers
    from generator.ingest import import_paths

    problems = []
    compared = checked = 0
    seen: dict[str, int] = defaultdict(int)
    tmp = Path(tempfile.mkdtemp(prefix="tracesite-bench-verify-"))
    try:
        for plan in plans:
            folder = root / "traces" / plan.run_id
            compare_this = seen[plan.fmt] < per_format
            if compare_this:
                seen[plan.fmt] += 1
                compared += 1
                src = tmp / "src" / plan.run_id
                shutil.copytree(folder, src, ignore=shutil.ignore_patterns("run.yaml"))
                proj = tmp / f"proj-{plan.index}"
                (proj / "traces").mkdir(parents=True)
                target = src if plan.fmt == "swe-agent" else next(p for p in src.iterdir())
                report = import_paths(proj, [target])
                if report.findings:
                    problems.append(f"{plan.run_id}: import reports {[f.message for f in report.findings]}")
                mine = (folder / "run.yaml").read_bytes()
                theirs_path = proj / "traces" / plan.run_id / "run.yaml"
                if not theirs_path.is_file():
                    problems.append(f"{plan.run_id}: import wrote no traces/{plan.run_id}/run.yaml "
                                    f"({sorted(p.name for p in (proj / 'traces').iterdir())})")
                elif theirs_path.read_bytes() != mine:
                    problems.append(f"{plan.run_id}: run.yaml differs from the one `tracesite import` writes")
            if all_steps or compare_this:
                imp = importers.get(IMPORTER[plan.fmt])
                checked += 1
                got = []
                for p in sorted(folder.iterdir()):
                    if p.name == "run.yaml":
                        continue
                    got += [len(t.steps) for t in imp.traces(p, p.name)]
                if sorted(got) != sorted(plan.steps):
                    problems.append(f"{plan.run_id}: steps per trace {got}, planned {plan.steps}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return problems, compared, checked


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="project folder to create (must not exist, or use --force)")
    ap.add_argument("--preset", choices=sorted(PRESETS), help="a named scale; explicit options override it")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--tasks-per-run", type=int)
    ap.add_argument("--steps-per-trace", type=int, help=f"steps of each trace (at least {MIN_STEPS})")
    ap.add_argument("--output-bytes", type=int, help="size of a long tool output")
    ap.add_argument("--long-output-every", type=int, default=10, help="one tool output in N is long (0: none)")
    ap.add_argument("--giant-output-bytes", type=int, default=300_000,
                    help="one output of this size in each trace of 1,000+ steps")
    ap.add_argument("--huge-traces", type=int, help="number of huge traces")
    ap.add_argument("--huge-steps", type=int, help="steps of each huge trace")
    ap.add_argument("--total-steps", type=int, help="spread the other traces' steps so the total is exactly this")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--force", action="store_true", help="delete OUT first if it exists")
    ap.add_argument("--verify", type=int, nargs="?", const=2, default=None, metavar="N",
                    help="afterwards, import N runs of each format with `import_paths` and compare run.yaml, "
                         "and check the step counts of those runs (of all runs with --verify-all)")
    ap.add_argument("--verify-all", action="store_true", help="check the step counts of every run")
    a = ap.parse_args(argv)

    cfg = dict(PRESETS[a.preset]) if a.preset else {}
    for key in ("runs", "tasks_per_run", "steps_per_trace", "output_bytes", "huge_traces", "huge_steps",
                "total_steps"):
        v = getattr(a, key)
        if v is not None:
            cfg[key] = v
    for key in ("runs", "tasks_per_run", "steps_per_trace"):
        if key not in cfg:
            ap.error(f"--{key.replace('_', '-')} is required without --preset")
    o = Options(runs=cfg["runs"], tasks_per_run=cfg["tasks_per_run"], steps_per_trace=cfg["steps_per_trace"],
                output_bytes=cfg.get("output_bytes", 4096), long_output_every=a.long_output_every,
                giant_output_bytes=a.giant_output_bytes, huge_traces=cfg.get("huge_traces", 0),
                huge_steps=cfg.get("huge_steps", 10_000), total_steps=cfg.get("total_steps"), seed=a.seed)
    if o.steps_per_trace < MIN_STEPS:
        ap.error(f"--steps-per-trace must be at least {MIN_STEPS}")
    if o.runs < len(BENCHMARKS):
        ap.error(f"--runs must be at least {len(BENCHMARKS)} (one per benchmark)")

    root = a.out.resolve()
    repo = Path(__file__).resolve().parent.parent
    if root == repo or repo in root.parents:
        print(f"warning: {root} is inside the repository; generate into /tmp instead", file=sys.stderr)
    if root.exists():
        if not a.force:
            ap.error(f"{root} exists; use --force to replace it")
        shutil.rmtree(root)
    (root / "traces").mkdir(parents=True)

    label = a.preset or "custom"
    t0 = time.perf_counter()
    plans = make_plan(o)
    write_project_files(root, o, label)
    results: list[dict] = []
    if a.jobs > 1 and len(plans) > 20:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(a.jobs, initializer=_init_worker, initargs=(o, root)) as pool:
            for i, r in enumerate(pool.imap_unordered(write_run, plans, chunksize=8), 1):
                results.append(r)
                if i % 1000 == 0:
                    print(f"  {i:,} runs written ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    else:
        _init_worker(o, root)
        for r in map(write_run, plans):
            results.append(r)
    results.sort(key=lambda r: r["index"])
    write_registry(root, o, results)

    by_format: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        f = by_format[r["format"]]
        f["runs"] += 1
        f["traces"] += r["traces"]
        f["steps"] += r["steps"]
        f["bytes"] += r["bytes"]
        f["files"] += len(r["files"])
    longest = max(results, key=lambda r: (r["longest"]["steps"], -r["index"]))
    # the file touched by bench/run.py: a typical tau2 results file, from the middle of the project
    tau2 = [r for r in results if r["format"] == "tau2-bench" and max(plans[r["index"]].steps) < 1000]
    touch = tau2[len(tau2) // 2] if tau2 else results[len(results) // 2]
    manifest = {
        "generator": "bench/generate.py",
        "preset": a.preset,
        "options": asdict(o),
        "zstd": zstandard is not None,
        "runs": len(results),
        "traces": sum(r["traces"] for r in results),
        "steps": sum(r["steps"] for r in results),
        "trace_files": sum(len(r["files"]) for r in results),
        "input_bytes": sum(r["bytes"] for r in results),
        "meta_bytes": sum(r["meta_bytes"] for r in results),
        "by_format": {k: dict(v) for k, v in sorted(by_format.items())},
        "by_benchmark": {b: sum(1 for r in results if r["benchmark"] == b) for b, _, _ in BENCHMARKS},
        "agents": len({r["agent"] for r in results}),
        "longest_trace": {"run": longest["run_id"], "format": longest["format"], **longest["longest"]},
        "huge_traces": [{"run": r["run_id"], "format": r["format"], **r["longest"]} for r in results
                        if r["longest"]["steps"] >= 1000],
        "touch": {"run": touch["run_id"], "file": next(iter(touch["files"])), "format": touch["format"]},
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (root / "bench.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {manifest['runs']:,} runs, {manifest['traces']:,} traces, {manifest['steps']:,} steps, "
          f"{manifest['trace_files']:,} trace files, {manifest['input_bytes'] / 1e6:,.1f} MB "
          f"into {root} in {manifest['seconds']:.1f} s")
    for k, v in manifest["by_format"].items():
        print(f"  {k:13} {v['runs']:6,} runs {v['traces']:8,} traces {v['steps']:10,} steps "
              f"{v['bytes'] / 1e6:10,.1f} MB")

    if a.verify is not None or a.verify_all:
        t = time.perf_counter()
        problems, compared, checked = verify(root, plans, a.verify if a.verify is not None else 0, a.verify_all)
        for p in problems:
            print("verify:", p, file=sys.stderr)
        print(f"verify: {'FAILED' if problems else 'ok'}: run.yaml of {compared} runs compared with "
              f"`tracesite import`, step counts of {checked} runs checked, {len(problems)} problems "
              f"({time.perf_counter() - t:.1f} s)")
        if problems:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
