"""Exercises of notebook 00: each common mistake is rejected with a helpful message."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex
from exercise_tables import assert_rejected

P = np.array([[0.1, 0.3], [0.2, 0.0], [0.1, 0.3]])

WRONG = [
    ("00.marginal", P.sum(axis=0), "p_a"),                          # the column sums
    ("00.marginal", P.sum(axis=1) / 2, "off by"),
    ("00.marginal", P.max(axis=1), "off by"),
    ("00.marginal", "0.4 0.2 0.4", "text"),
    ("00.conditional", lambda P: P / P.sum(axis=0), "column sums"),
    ("00.conditional", lambda P: P / P.sum(), "off by"),
    ("00.conditional", lambda P: P / P.sum(axis=1), "broadcast"),    # (N, M) / (N,)
    ("00.conditional", lambda P: (P / P.sum(axis=1, keepdims=True)).T, "shape"),
    ("00.conditional", lambda P: P / P.sum(axis=1, keepdims=True) + 1e-9, "off by"),
]


@pytest.mark.parametrize("name, answer, fragment", WRONG)
def test_common_mistakes_are_rejected(name, answer, fragment, monkeypatch):
    monkeypatch.delenv(ex.ENV_VAR, raising=False)
    assert_rejected(name, answer, fragment)


@pytest.mark.parametrize("name", ["00.conditional", "00.marginal"])
def test_the_reference_is_accepted(name):
    assert ex.names("00") == ["00.conditional", "00.marginal"]
    assert cl.exercises.check(name, ex.solution(name)).passed
    # a correct answer that divides in place (reusing its input buffer) passes too
    if name == "00.conditional":
        def in_place(P):
            P /= P.sum(axis=1, keepdims=True)
            return P
        assert cl.exercises.check(name, in_place).passed
