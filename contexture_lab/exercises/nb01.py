"""Exercises of notebook 01 (contexts and the expectation operator)."""

import numpy as np

from . import call, compare_arrays, register


def _check_expectation(func):
    rng = np.random.default_rng(101)
    P = rng.random((5, 4)) * (rng.random((5, 4)) > 0.2)
    P[:, 1] += 0.05
    P /= P.sum()
    g = rng.standard_normal(4)
    expected = np.array([sum(P[x, a] * g[a] for a in range(4)) / P[x].sum() for x in range(5)])
    return compare_arrays(call(func, P, g), expected, atol=1e-10, what="T g")


def _expectation_solution(P, g):
    return (P @ g) / P.sum(axis=1)


register(
    "01.expectation",
    prompt="write expect_by_hand(P, g) returning (T g)(x) = E[g(A) | X = x], shape (N,), "
           "from the joint matrix P (N, M) and g (M,), with numpy only",
    hint="P(a | x) = P[x, a] / p_x[x] with p_x = P.sum(axis=1); then average g over a",
    checker=_check_expectation,
    solution=_expectation_solution,
)


def _check_cycle(func):
    for n, p in [(7, 0.3), (12, 0.8)]:
        got = np.asarray(call(func, n, p), dtype=float)
        # independent reference: singular values of the symmetric matrix Q = n P
        Q = np.zeros((n, n))
        for x in range(n):
            Q[x, x] += 1 - p
            Q[x, (x + 1) % n] += p / 2
            Q[x, (x - 1) % n] += p / 2
        expected = np.linalg.svd(Q, compute_uv=False)
        passed, message = compare_arrays(got, expected, atol=1e-8,
                                         what=f"singular values for n={n}, p={p}")
        if not passed:
            return passed, message
    return True, "matches the numerical SVD for (n, p) = (7, 0.3) and (12, 0.8)"


def _cycle_solution(n, p):
    return np.sort(np.abs(1 - p + p * np.cos(2 * np.pi * np.arange(n) / n)))[::-1]


register(
    "01.cycle_spectrum",
    prompt="write cycle_singular_values(n, p): all n singular values of the cycle context "
           "(s_0 = 1 included), sorted from largest to smallest, from the closed form",
    hint="the Fourier mode cos(2 pi k x / n) is an eigenfunction with eigenvalue "
         "1 - p + p cos(2 pi k / n); singular values are absolute values, then sort",
    checker=_check_cycle,
    solution=_cycle_solution,
)


def _check_multiplicity(answer):
    from math import comb

    expected = comb(6, 2)
    if isinstance(answer, (bool, np.bool_)) or not float(answer).is_integer():
        return False, f"expected a whole number, got {answer!r}"
    if int(answer) == expected:
        return True, f"C(6, 2) = {expected} Walsh functions of degree 2"
    return False, f"{answer} is not the multiplicity of (1 - 2 eps)^2 on {{0,1}}^6"


register(
    "01.walsh_multiplicity",
    prompt="on the hypercube {0,1}^6 with flip probability 0.1, how many singular values "
           "equal 0.8**2 = 0.64? (count them in the spectrum you computed, or reason it out)",
    hint="a Walsh function of degree k is a product of k of the bits' signs (-1)^{x_j}; "
         "its singular value is (1 - 2 eps)^k",
    checker=_check_multiplicity,
    solution=15,
)
