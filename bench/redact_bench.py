#!/usr/bin/env python3
"""Time ``redact_trace`` over every trace of a project (issue 7, hot spot 2).

    python bench/redact_bench.py PROJECT [--repeat N] [--reference FILE.py]

Imports every trace of PROJECT (e.g. ``/tmp/tb-small`` from
``bench/generate.py``) once, then for each repetition redacts deep copies of
all of them and reports the best CPU time of the redaction alone (import and
copying excluded) and the number of hits.
``--reference`` names another copy of ``redact.py`` (e.g. the previous
version, ``git show HEAD:generator/redact.py > /tmp/redact_old.py``) to time
the same way and to compare with: texts and hits must be identical (exit 1
otherwise).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator import redact  # noqa: E402
from generator.discover import discover  # noqa: E402
from generator.runstage import iter_run_traces  # noqa: E402


def _load(path: str):
    spec = importlib.util.spec_from_file_location("redact_reference", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _traces(root: Path) -> list:
    project = discover(root)
    out = []
    for entry in project.runs:
        if entry.run is not None:
            out.extend(t for t, _ in iter_run_traces(project, entry, []))
    return out


def _time(mod, traces: list, repeat: int) -> tuple[float, list, list]:
    best = float("inf")
    for _ in range(repeat):
        copies = [t.model_copy(deep=True) for t in traces]
        t0 = time.process_time()
        found = [mod.redact_trace(t) for t in copies]
        best = min(best, time.process_time() - t0)
    return best, copies, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference", help="another redact.py to time and compare with")
    args = ap.parse_args()
    traces = _traces(args.project)
    steps = sum(len(t.steps) for t in traces)
    redact.rules()
    print(f"{len(traces)} traces, {steps} steps", flush=True)
    mods = [("current", redact)] + ([("reference", _load(args.reference))] if args.reference else [])
    results = {}
    for name, mod in mods:
        mod.rules()
        secs, copies, found = _time(mod, traces, args.repeat)
        hits = sum(len(f) for f in found)
        results[name] = (copies, found)
        print(f"{name}: {secs:.3f} s CPU (best of {args.repeat}), {hits} hits")
    if args.reference:
        (a, fa), (b, fb) = results["current"], results["reference"]
        def key(found):  # Hit classes differ between the two modules
            return [[(place, h.kind, h.secret) for place, h in f] for f in found]
        same = all(x.model_dump() == y.model_dump() for x, y in zip(a, b)) and key(fa) == key(fb)
        print("identical output and hits:", same)
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
