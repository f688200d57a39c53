"""Notebook 00's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np

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


def _divide_in_place(P):
    P /= P.sum(axis=1, keepdims=True)
    return P


#: Right answers besides the reference: one that divides in place (reusing its input buffer).
RIGHT = [("00.conditional", _divide_in_place)]
