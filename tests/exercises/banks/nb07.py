"""Notebook 07's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import estimation, shift
from contexture_lab import exercises as ex


def importance_solution_agrees_with_the_package():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    q = np.array([0.4, 0.3, 0.2, 0.1])
    draws = np.array([0, 3, 3, 1])
    w, n_eff = ex.solution("07.importance_weights")(p, q, draws)
    np.testing.assert_allclose(w, shift.importance_weights(p, q)[draws])
    assert n_eff == pytest.approx(shift.effective_sample_size(w))


def eigenvalue_solution_agrees_with_the_package():
    X = cl.datasets.swiss_roll(80)
    res = estimation.eigenvalue_error(X, [40], 4, k=6, n_repeats=1, random_state=0)
    s_ref = np.sqrt(res.reference)
    s_est = np.sqrt(res.estimates[0, 0])
    assert ex.solution("07.eigenvalue_error")(s_est, s_ref) == pytest.approx(res.mae[0])


def inverted(p, q, draws):                      # p / q instead of q / p
    with np.errstate(divide="ignore", invalid="ignore"):
        w = p[draws] / q[draws]
        return w, w.sum() ** 2 / np.sum(w ** 2)


def plain_count(p, q, draws):                   # n_eff = len(draws)
    return q[draws] / p[draws], float(len(draws))


def all_inputs(p, q, draws):                    # weights of every input, not of the draws
    w = q / p
    return w, w.sum() ** 2 / np.sum(w ** 2)


def squared_sum(p, q, draws):                   # sum w^2 / (sum w)^2, upside down
    w = q[draws] / p[draws]
    return w, np.sum(w ** 2) / w.sum() ** 2


WRONG = [
    ("07.importance_weights", inverted, "NaN or infinite"),
    ("07.importance_weights", plain_count, "effective sample size"),
    ("07.importance_weights", all_inputs, "shape"),
    ("07.importance_weights", squared_sum, "effective sample size"),
    ("07.importance_weights", lambda p, q, d: q[d] / p[d], "pair"),
    ("07.eigenvalue_error", lambda a, b: float(np.mean(np.abs(a - b))), "s_i^2"),
    ("07.eigenvalue_error", lambda a, b: float(np.mean((a ** 2 - b ** 2) ** 2)), "expected"),
    ("07.eigenvalue_error", lambda a, b: float(np.mean(b ** 2 - a ** 2)), "expected"),
    ("07.eigenvalue_error", lambda a, b: float(np.mean(a ** 2 - b ** 2)), "expected"),
    ("07.eigenvalue_error", lambda a, b: np.abs(a ** 2 - b ** 2), "one number"),
    ("07.eigenvalue_error", lambda a, b: float(np.sum(np.abs(a ** 2 - b ** 2))), "expected"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [importance_solution_agrees_with_the_package,
          eigenvalue_solution_agrees_with_the_package]
