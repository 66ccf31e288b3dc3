"""Process runs in worker processes, results in input order.

Workers are forked, so they share the parsed project and the renderer with
the parent without pickling them; only each run's result (its summary and
rendered pages) travels back. With one job, or few runs, everything stays in
this process and results are produced lazily, one run at a time.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_FN: Callable | None = None
_ITEMS: list | None = None
MIN_PARALLEL = 4
MAX_CHUNK = 10  # runs handed to a worker at a time (results of a chunk travel back together)
TASKS_PER_WORKER = 20  # chunks a worker processes before it is replaced by a fresh fork


def _call(index: int):
    assert _FN is not None and _ITEMS is not None
    return _FN(_ITEMS[index])


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def map_runs(fn: Callable[[T], R], items: list[T], jobs: int) -> Iterator[R]:
    """``fn`` over ``items``, in order; in ``jobs`` forked workers when that pays."""
    global _FN, _ITEMS
    if jobs <= 1 or len(items) < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
        return (fn(item) for item in items)
    _FN, _ITEMS = fn, items
    ctx = multiprocessing.get_context("fork")
    # Objects that exist before the fork are moved out of the collector's reach, so the
    # workers' garbage collections do not write to (and so copy) every page they share
    # with the parent; workers are replaced after a few chunks, so what one of them
    # allocates while processing large traces is given back.
    gc.collect()
    gc.freeze()
    chunksize = max(1, min(MAX_CHUNK, len(items) // (jobs * 16)))
    pool = ctx.Pool(jobs, maxtasksperchild=TASKS_PER_WORKER)

    def results() -> Iterator[R]:
        global _FN, _ITEMS
        try:
            yield from pool.imap(_call, range(len(items)), chunksize=chunksize)
        finally:
            pool.terminate()
            pool.join()
            gc.unfreeze()
            _FN = _ITEMS = None
    return results()
