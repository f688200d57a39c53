"""Notebook 04's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np

from contexture_lab import exercises as ex
from contexture_lab.attention import attention_context


def attention_matrix_solution_agrees_with_the_package():
    rng = np.random.default_rng(0)
    Q, K = rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    np.testing.assert_allclose(ex.solution("04.attention_matrix")(Q, K, 0.5),
                               attention_context(Q, K, 0.5).conditional(), atol=1e-12)


def no_sqrt(Q, K, t):
    S = Q @ K.T / t
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def columns(Q, K, t):
    S = Q @ K.T / (t * np.sqrt(Q.shape[1]))
    E = np.exp(S)
    return E / E.sum(axis=0, keepdims=True)


def times_t(Q, K, t):                 # multiplies by the temperature
    S = Q @ K.T * t / np.sqrt(Q.shape[1])
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


WRONG = [
    ("04.attention_matrix", no_sqrt, "off by"),
    ("04.attention_matrix", columns, "columns sum to 1"),
    ("04.attention_matrix", times_t, "temperature 0.25"),
    ("04.reversible_weights", lambda S: np.full(len(S), 1 / len(S)), "not symmetric"),
    ("04.reversible_weights", lambda S: np.full(len(S), np.nan), "NaN"),
    ("04.reversible_weights", lambda S: np.exp(S).sum(axis=1), "sum to 1"),     # unnormalised
    ("04.reversible_weights", lambda S: 1 / np.exp(S).sum(axis=1)
     / np.sum(1 / np.exp(S).sum(axis=1)), "not symmetric"),                     # inverted
    ("04.reversible_weights", lambda S: np.exp(S).sum(axis=1)[:-1], "shape"),
    ("04.layers_needed", lambda s1, t: int(np.floor(np.log(t) / np.log(s1))), "still above"),
    ("04.layers_needed", lambda s1, t: int(np.floor(np.log(t) / np.log(s1))) + 1,
     "fewer layers suffice"),                                                     # 0.5, 0.25
    ("04.layers_needed", lambda s1, t: np.log(t) / np.log(s1), "not a whole number"),
    ("04.layers_needed", lambda s1, t: str(int(np.ceil(np.log(t) / np.log(s1)))), "text"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [attention_matrix_solution_agrees_with_the_package]
