"""Exercises of notebook 00 (start here): warm-ups that show how checks work."""

import numpy as np

from . import as_array, call, compare_arrays, register

_P = np.array([[0.1, 0.3], [0.2, 0.0], [0.1, 0.3]])


def _check_marginal(answer):
    got = as_array(answer, what="p_x")
    if got.shape == (2,) and np.allclose(got, _P.sum(axis=0)):
        return False, "that is p_a, the column sums (the marginal of A); p_x sums each row"
    return compare_arrays(got, _P.sum(axis=1), atol=1e-12, what="p_x")


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
    # a square matrix too, so dividing by the column sums has the right shape
    for shape in ((4, 3), (5, 5), (2, 6)):
        P = rng.random(shape)
        P /= P.sum()
        expected = P / P.sum(axis=1, keepdims=True)     # computed before the call
        got = as_array(call(func, P), what=f"P(a | x) for a {shape} joint")
        if got.shape == expected.shape and np.allclose(got, P / P.sum(axis=0)):
            return False, ("each column sums to 1: you divided by the column sums p_a; "
                           "P(a | x) divides each row by its sum p_x")
        passed, message = compare_arrays(got, expected, atol=1e-12,
                                         what=f"P(a | x) for a {shape} joint")
        if not passed:
            return passed, message
    return True, "each row of P divided by its sum, for (4, 3), (5, 5) and (2, 6) joints"


register(
    "00.conditional",
    prompt="write conditional(P) returning the matrix of P(a | x), shape (N, M): each row "
           "of P divided by its sum",
    hint="divide P by P.sum(axis=1, keepdims=True); every row of the result sums to 1",
    checker=_check_conditional,
    solution=lambda P: P / P.sum(axis=1, keepdims=True),
)
