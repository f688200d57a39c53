"""contexture_lab.evidence against scipy.stats: standard errors, t intervals, paired tests."""

import numpy as np
import pytest
from scipy import stats

from contexture_lab import evidence


@pytest.mark.parametrize("n", [2, 5, 30])
def test_estimate_matches_scipy_sem_and_t_interval(n):
    values = np.random.default_rng(n).normal(0.3, 0.1, size=n)
    got = evidence.estimate(values, confidence=0.9)
    low, high = stats.t.interval(0.9, df=n - 1, loc=values.mean(), scale=stats.sem(values))
    assert got.mean == pytest.approx(values.mean(), abs=1e-15)
    assert got.standard_error == pytest.approx(stats.sem(values), rel=1e-12)
    assert (got.low, got.high) == pytest.approx((low, high), rel=1e-12)
    assert got.n == n


def test_paired_interval_is_scipys_paired_t_test_interval():
    rng = np.random.default_rng(0)
    a = rng.normal(0.5, 0.05, size=8)
    b = a - rng.normal(0.02, 0.03, size=8)
    got = evidence.paired(a, b)
    test = stats.ttest_rel(a, b)
    low, high = test.confidence_interval(0.95)
    assert (got.difference.low, got.difference.high) == pytest.approx((low, high), rel=1e-12)
    assert got.decided == (test.pvalue < 0.05)


def test_the_notebook_06_draws_of_issue_26_are_not_decided():
    # the five paired differences the review quotes: mean 0.038, standard error about 0.039
    diffs = np.array([0.072, 0.084, -0.116, 0.084, 0.066])
    got = evidence.paired(diffs, np.zeros(5))
    assert got.difference.mean == pytest.approx(0.038, abs=1e-12)
    assert got.difference.standard_error == pytest.approx(0.0385, abs=5e-4)
    assert (got.wins, got.losses, got.decided) == (4, 1, False)
    assert "not separated" in got.verdict()


def test_differences_of_float_noise_are_ties_in_the_counts():
    # notebook 11: two equal errors summed in another order differ by 3.5e-18; a real
    # difference of one input in 1000 (1e-3) still counts
    a = np.array([0.25, 0.3, 0.5, 0.2])
    b = np.array([0.25 + 3.5e-18, 0.3 - 1e-17, 0.499, 0.201])
    got = evidence.paired(a, b)
    assert (got.wins, got.losses) == (1, 1)
    assert evidence.TIE_RTOL == 1e-6
    # relative to the size of the values: 1e6 against 1e6 + 0.1 is a tie, + 10 is not
    got = evidence.paired([1e6, 1e6], [1e6 + 0.1, 1e6 + 10.0])
    assert (got.wins, got.losses) == (0, 1)


def test_trend_slopes_match_scipy_linregress_per_draw():
    rng = np.random.default_rng(1)
    x = np.array([1.0, 2.0, 4.0, 8.0])
    rows = 0.1 * x + rng.normal(0, 0.05, size=(6, 4))
    got = evidence.trend(x, rows)
    expected = [stats.linregress(x, row).slope for row in rows]
    np.testing.assert_allclose(got.values, expected, rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: evidence.estimate([1.0]), "at least 2 draws"),
    (lambda: evidence.estimate([1.0, np.nan]), "NaN"),
    (lambda: evidence.estimate([1.0, 2.0], confidence=1.0), "strictly between"),
    (lambda: evidence.paired([1.0, 2.0], [1.0, 2.0, 3.0]), "same draws"),
    (lambda: evidence.trend([1.0, 1.0], [[1.0, 2.0]]), "single distinct value"),
    (lambda: evidence.trend([1.0, 2.0, 3.0], [[1.0, 2.0]]), "one column per x"),
])
def test_bad_input_says_what_was_found(call, message):
    with pytest.raises(ValueError, match=message):
        call()
