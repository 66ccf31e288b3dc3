"""Statistics checked against independent implementations (scipy) and textbook values."""

from __future__ import annotations


import numpy as np
import pytest
from scipy import stats as sps

from generator import stats


@pytest.mark.parametrize("k, n", [(0, 10), (8, 10), (10, 10), (37, 50), (1, 3), (114, 114)])
def test_wilson_matches_scipy(k, n):
    expected = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = stats.wilson(k, n)
    assert lo == pytest.approx(expected.low, abs=1e-9) and hi == pytest.approx(expected.high, abs=1e-9)


def test_wilson_textbook_value():
    # Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662 (Wilson, no continuity correction).
    lo, hi = stats.wilson(81, 263)
    assert round(lo, 4) == 0.2553 and round(hi, 4) == 0.3662


def test_wilson_empty():
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize("b, c", [(0, 0), (1, 0), (3, 9), (10, 10), (2, 14), (25, 40)])
def test_exact_mcnemar_matches_binomial_test(b, c):
    expected = 1.0 if b + c == 0 else sps.binomtest(b, b + c, 0.5).pvalue
    assert stats.mcnemar_exact_p(b, c) == pytest.approx(expected, rel=1e-9)


def test_bootstrap_interval_close_to_scipy_percentile_bootstrap():
    rng = np.random.default_rng(7)
    values = list(rng.random(60))
    lo, hi = stats.bootstrap_mean_ci(values, seed=1, b=5000)
    ref = sps.bootstrap((np.array(values),), np.mean, n_resamples=5000, method="percentile",
                        random_state=np.random.default_rng(2)).confidence_interval
    assert lo == pytest.approx(ref.low, abs=0.02) and hi == pytest.approx(ref.high, abs=0.02)
    assert lo < np.mean(values) < hi


def test_bootstrap_is_reproducible_and_degenerate_cases():
    vals = [0.0, 1.0, 1.0, 0.5]
    assert stats.bootstrap_mean_ci(vals, 3) == stats.bootstrap_mean_ci(vals, 3)
    assert stats.bootstrap_mean_ci([0.7], 1) == (0.7, 0.7)
    assert stats.bootstrap_mean_ci([0.5, 0.5], 1) == (0.5, 0.5)
    assert stats.bootstrap_mean_ci([], 1) is None


def test_pass_at_k_and_pass_hat_k_against_brute_force():
    from itertools import combinations
    results = {"a": [True, False, True, False], "b": [False, False, False, True], "c": [True, True, True, True]}
    for k in (1, 2, 3, 4):
        at = np.mean([np.mean([any(c) for c in combinations(r, k)]) for r in results.values()])
        hat = np.mean([np.mean([all(c) for c in combinations(r, k)]) for r in results.values()])
        assert stats.pass_at_k(results, k) == pytest.approx(at)
        assert np.mean(list(stats.pass_hat_k_per_task(results, k).values())) == pytest.approx(hat)
    assert stats.pass_at_k(results, 5) is None


def test_paired_bootstrap_detects_a_real_difference_and_not_noise():
    rng = np.random.default_rng(0)
    noise = list(rng.normal(0, 1, 80))
    assert stats.paired_bootstrap_p(noise, seed=5) > 0.05 or abs(np.mean(noise)) > 0.2
    shifted = [x + 1.0 for x in noise]
    assert stats.paired_bootstrap_p(shifted, seed=5) < 0.01
    # Compared with a paired t-test on a large clear effect, both reject.
    assert sps.ttest_1samp(shifted, 0).pvalue < 0.01


def test_rank_groups_split_only_on_significant_differences():
    tasks = [f"t{i}" for i in range(40)]
    strong = {t: 1.0 for t in tasks}
    close = {t: (0.0 if i < 2 else 1.0) for i, t in enumerate(tasks)}      # 2 discordant: p = 0.5
    weak = {t: (1.0 if i < 10 else 0.0) for i, t in enumerate(tasks)}      # 30 discordant vs strong
    groups = stats.rank_groups([("strong", strong, True), ("close", close, True), ("weak", weak, True),
                                ("claimed", {}, True)])
    assert groups == {"strong": 1, "close": 1, "weak": 2}
    # The McNemar p-values that decide it, checked independently.
    assert sps.binomtest(0, 2).pvalue > 0.05 and sps.binomtest(0, 30).pvalue < 0.05
