"""Exercises of notebook 05: placeholders fail with hints, solutions pass, wrong answers fail."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

NAMES = ["05.decay_rate", "05.tau_curve", "05.unit_count"]


def test_the_bank_registers_every_exercise():
    assert ex.names("05") == sorted(NAMES)


def test_solutions_agree_with_the_package():
    s = np.array([0.9, 0.7, 0.4, 0.2, 0.1])
    # the exercise asks for the log-linear estimator (the package's default is the paper's
    # non-linear least squares, which has no closed form)
    lin = cl.association.decay_rate(s, method="log-linear")
    assert ex.solution("05.decay_rate")(s) == pytest.approx(lin)
    np.testing.assert_allclose(ex.solution("05.tau_curve")(s, 0.7),
                               cl.association.tau(s, beta=0.7).tau_d)


def test_wrong_answers_fail():
    def on_s(s):  # fits s_i instead of s_i^2
        i = np.arange(1, len(s) + 1)
        return -np.sum(i * np.log(s)) / np.sum(i ** 2)

    def with_intercept(s):
        return -np.polyfit(np.arange(1, len(s) + 1), np.log(np.asarray(s) ** 2), 1)[0]

    fb = cl.exercises.check("05.decay_rate", on_s)
    assert not fb.passed and "factor 2" in fb.message
    assert not cl.exercises.check("05.decay_rate", with_intercept).passed

    def shifted(s, beta):  # uses s_d instead of s_{d+1}
        s2 = np.asarray(s) ** 2
        d = np.arange(1, s2.size)
        return 1 / (1 - s2[d - 1]) + beta * np.cumsum(s2)[d - 1] / s2.sum()

    fb = cl.exercises.check("05.tau_curve", shifted)
    assert not fb.passed and "s_{d+1}" in fb.message

    fb = cl.exercises.check("05.unit_count", lambda s: int(np.sum(np.asarray(s) > 1 - 1e-9)))
    assert not fb.passed and "s_0" in fb.message
    assert not cl.exercises.check("05.unit_count", lambda s: 1).passed
