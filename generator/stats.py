"""Statistics for honest leaderboards (part of the *analyse* stage).

Methods (stated on every leaderboard page, see ``docs/statistics.md``):

- **95% interval of a pass rate** (one trial per task, scores 0 or 1): the
  Wilson score interval (Wilson 1927; Agresti & Coull 1998).
- **95% interval of any other score** (means, several trials, pass^k): a
  percentile bootstrap over tasks, clustered by task: tasks are resampled
  with replacement, each carrying all its trials (B = 2,000 resamples,
  seeded from the run id so builds are reproducible).
- **Rank groups**: runs are compared on the tasks they share. For pass rates
  with one trial the exact McNemar test (a two-sided binomial test on the
  discordant tasks); otherwise a paired bootstrap of the mean per-task
  difference. A run joins the group of the best run above it unless it is
  significantly worse than that group's leader at alpha = 0.05.
- **pass@k** (Chen et al. 2021): per task 1 - C(n-c, k)/C(n, k), averaged
  over tasks with n >= k. **pass^k** (Yao et al. 2024): per task
  C(c, k)/C(n, k).

All scores are on the 0..1 scale.
"""

from __future__ import annotations

import hashlib
from math import comb, sqrt

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_B = 2000
ALPHA = 0.05


def seed_for(*parts: str) -> int:
    """A reproducible 64-bit seed from strings (not Python's salted hash)."""
    return int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:8], "little")


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` out of ``n``; None when n == 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_mean_ci(values: list[float], seed: int, b: int = BOOTSTRAP_B) -> tuple[float, float] | None:
    """Percentile bootstrap 95% interval of the mean of per-task ``values``
    (each value already aggregates the task's trials, so resampling tasks
    keeps trials clustered). None for no values."""
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    if len(arr) == 1 or np.all(arr == arr[0]):
        mean = float(arr.mean())
        return mean, mean
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(arr), size=(b, len(arr)))
    means = arr[idx].mean(axis=1)
    lo, hi = np.quantile(means, [ALPHA / 2, 1 - ALPHA / 2])
    return float(lo), float(hi)


def pass_at_k(results: dict[str, list[bool]], k: int) -> float | None:
    """pass@k: the chance that at least one of k trials succeeds, averaged over tasks with n >= k."""
    vals = [1 - comb(len(r) - sum(r), k) / comb(len(r), k) for r in results.values() if len(r) >= k]
    return sum(vals) / len(vals) if vals else None


def pass_hat_k_per_task(results: dict[str, list[bool]], k: int) -> dict[str, float]:
    """pass^k per task: the chance that k trials drawn without replacement all succeed."""
    return {t: comb(sum(r), k) / comb(len(r), k) for t, r in results.items() if len(r) >= k}


def mcnemar_exact_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs (binomial, p = 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired_bootstrap_p(diffs: list[float], seed: int, b: int = BOOTSTRAP_B) -> float:
    """Two-sided bootstrap p-value that the mean of paired per-task differences is 0.

    The differences are centred (null imposed) and resampled; p is the share
    of resampled |means| at least as large as the observed |mean|.
    """
    if not diffs:
        return 1.0
    arr = np.asarray(diffs, dtype=float)
    observed = abs(arr.mean())
    if observed == 0:
        return 1.0
    centred = arr - arr.mean()
    if np.all(centred == 0):
        return 0.0  # every task differs by the same amount: no sampling variation at all
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(arr), size=(b, len(arr)))
    means = np.abs(centred[idx].mean(axis=1))
    return float((np.count_nonzero(means >= observed) + 1) / (b + 1))


def is_binary_single_trial(task_values: dict[str, float], trials: int) -> bool:
    return trials <= 1 and all(v in (0.0, 1.0) for v in task_values.values())


def compare(a_id: str, a: dict[str, float], a_binary: bool, b_id: str, b: dict[str, float], b_binary: bool
            ) -> tuple[float, str, int] | None:
    """p-value that runs a and b differ on their shared tasks, the test used, and the task count."""
    shared = sorted(set(a) & set(b))
    if len(shared) < 2:
        return None
    if a_binary and b_binary:
        only_a = sum(1 for t in shared if a[t] == 1.0 and b[t] == 0.0)
        only_b = sum(1 for t in shared if a[t] == 0.0 and b[t] == 1.0)
        return mcnemar_exact_p(only_a, only_b), "exact McNemar", len(shared)
    diffs = [a[t] - b[t] for t in shared]
    return paired_bootstrap_p(diffs, seed_for(a_id, b_id)), "paired bootstrap", len(shared)


def rank_groups(rows: list[tuple[str, dict[str, float], bool]]) -> dict[str, int]:
    """Rank groups for rows already sorted best first: ``(run id, per-task values, binary)``.

    A row joins the current group unless it is significantly worse than the
    group's leader on their shared tasks (alpha 0.05); rows without per-task
    values get no group.
    """
    groups: dict[str, int] = {}
    leader: tuple[str, dict[str, float], bool] | None = None
    group = 0
    for row in rows:
        run_id, values, binary = row
        if not values:
            continue
        if leader is None:
            group, leader = 1, row
        else:
            result = compare(leader[0], leader[1], leader[2], run_id, values, binary)
            if result is not None and result[0] < ALPHA:
                group, leader = group + 1, row
        groups[run_id] = group
    return groups
