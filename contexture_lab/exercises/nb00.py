"""Exercises of notebook 00 (start here): warm-ups that show how checks work."""

import numpy as np

from . import call, compare_arrays, register

_P = np.array([[0.1, 0.3], [0.2, 0.0], [0.1, 0.3]])


def _check_marginal(answer):
    return compare_arrays(answer, _P.sum(axis=1), atol=1e-12, what="p_x")


register(
    "00.marginal",
    prompt="for the joint matrix P shown in the notebook, give p_x, the marginal of X "
           "(a length-3 array)",
    hint="p_x[x] = sum over a of P[x, a]: the row sums (P.sum(axis=1))",
    checker=_check_marginal,
    solution=_P.sum(axis=1),
)


def _check_conditional(func):
    rng = np.random.default_rng(7)
    P = rng.random((4, 3))
    P /= P.sum()
    return compare_arrays(call(func, P), P / P.sum(axis=1, keepdims=True), atol=1e-12,
                          what="P(a | x)")


register(
    "00.conditional",
    prompt="write conditional(P) returning the matrix of P(a | x), shape (N, M): each row "
           "of P divided by its sum",
    hint="divide P by P.sum(axis=1, keepdims=True); every row of the result sums to 1",
    checker=_check_conditional,
    solution=lambda P: P / P.sum(axis=1, keepdims=True),
)
