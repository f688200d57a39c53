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
    nudge="p_x(x) is the probability that X = x, whatever A is: which entries of P "
          "belong to one value x?",
    hint="each row of P is one value of x; add up the entries of each row (numpy's "
         "sum can run along one axis) to get one number per row",
    checker=_check_marginal,
    solution=_P.sum(axis=1),
    starter='''\
P = np.array([[0.1, 0.3],
              [0.2, 0.0],
              [0.1, 0.3]])
p_x = cl.exercises.TODO        # replace with an array of length 3
cl.exercises.check("00.marginal", p_x)
''',
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


def _conditional_solution(P):
    return P / P.sum(axis=1, keepdims=True)


register(
    "00.conditional",
    prompt="write conditional(P) returning the matrix of P(a | x), shape (N, M): each row "
           "of P divided by its sum",
    nudge="P(a | x) = P(x, a) / p_x(x): every entry of row x is divided by the same "
          "number",
    hint="compute the row sums as for p_x; to divide an (N, M) array by one number "
         "per row, give the sums the shape (N, 1), so that numpy broadcasts them "
         "across the columns",
    checker=_check_conditional,
    solution=_conditional_solution,
    starter='''\
def conditional(P):
    # your code here
    return cl.exercises.TODO

cl.exercises.check("00.conditional", conditional)
''',
)
