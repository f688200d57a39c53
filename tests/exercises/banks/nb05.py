"""Notebook 05's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex


def solutions_agree_with_the_package():
    s = np.array([0.9, 0.7, 0.4, 0.2, 0.1])
    # the exercise asks for the log-linear estimator (the package's default is the paper's
    # non-linear least squares, which has no closed form)
    lin = cl.association.decay_rate(s, method="log-linear")
    assert ex.solution("05.decay_rate")(s) == pytest.approx(lin)
    np.testing.assert_allclose(ex.solution("05.tau_curve")(s, 0.7),
                               cl.association.tau(s, beta=0.7).tau_d)


def on_s(s):  # fits s_i instead of s_i^2
    i = np.arange(1, len(s) + 1)
    return -np.sum(i * np.log(s)) / np.sum(i ** 2)


def with_intercept(s):
    return -np.polyfit(np.arange(1, len(s) + 1), np.log(np.asarray(s) ** 2), 1)[0]


def from_zero(s):  # i = 0..k-1
    i = np.arange(len(s))
    return -np.sum(i * np.log(np.asarray(s) ** 2)) / np.sum(i ** 2)


def shifted(s, beta):  # uses s_d instead of s_{d+1}
    s2 = np.asarray(s) ** 2
    d = np.arange(1, s2.size)
    return 1 / (1 - s2[d - 1]) + beta * np.cumsum(s2)[d - 1] / s2.sum()


def tau_no_beta(s, beta):
    s2 = np.asarray(s) ** 2
    d = np.arange(1, s2.size)
    return 1 / (1 - s2[d]) + np.cumsum(s2)[d - 1] / s2.sum()


WRONG = [
    ("05.decay_rate", on_s, "factor 2"),
    ("05.decay_rate", with_intercept, "expected"),
    ("05.decay_rate", from_zero, "expected"),
    ("05.decay_rate", lambda s: str(on_s(s)), "text"),
    ("05.tau_curve", shifted, "s_{d+1}"),
    ("05.tau_curve", tau_no_beta, "beta = 0.5"),
    ("05.tau_curve", lambda s, beta: list(shifted(s, beta)) + [0.0], "shape"),
    ("05.unit_count", lambda s: int(np.sum(np.asarray(s) > 1 - 1e-9)), "s_0"),
    ("05.unit_count", lambda s: 1, "expected"),
    ("05.unit_count", lambda s: 1 + int(np.sum(np.asarray(s) > 0.99)), "close to 1"),
    ("05.unit_count", lambda s: 1 + int(np.sum(np.isclose(s, 1))), "close to 1"),
    ("05.unit_count", lambda s: 1 + int(np.sum(np.asarray(s) > 1 - 1e-4)), "close to 1"),
    ("05.unit_count", lambda s: 1 + np.sum(np.asarray(s) > 1 - 1e-9) - 0.1, "whole number"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [solutions_agree_with_the_package]
