"""Exercises of notebook 06 (mixing contexts)."""

from math import comb

import numpy as np

from . import as_array, call, compare_arrays, register


# ---------------------------------------------------------------------- 06.convex_spectrum
def _walsh_spectrum(values_per_order, n_bits):
    """Singular values with multiplicity C(n, k) at order k, sorted decreasingly, s_0 out."""
    s = np.concatenate([np.full(comb(n_bits, k), values_per_order[k])
                        for k in range(n_bits + 1)])
    return np.sort(s)[::-1][1:]


def _check_convex_spectrum(func):
    from ..contexts import hypercube
    from ..mixing import convex_combination
    from ..spectrum import contexture

    for n_bits, e1, e2, w in ((3, 0.05, 0.3, 0.4), (4, 0.1, 0.45, 0.75)):
        mix = convex_combination([hypercube(n_bits, e1), hypercube(n_bits, e2)], [w, 1 - w])
        expected = contexture(mix, 2 ** n_bits - 1, method="dense").singular_values
        what = f"s_1..s_{2 ** n_bits - 1} (n = {n_bits}, flips {e1}, {e2}, w = {w})"
        got = as_array(call(func, n_bits, e1, e2, w), what=what)
        if got.ndim != 1:
            return False, (f"{what} has shape {got.shape}; expected one flat array of "
                           f"{expected.size} values (multiplicities written out)")
        if (got.shape == expected.shape and not np.all(np.diff(got) <= 1e-12)
                and np.allclose(np.sort(got)[::-1], expected, atol=1e-8)):
            return False, f"{what} are right but not sorted from largest to smallest"
        passed, message = compare_arrays(got, expected, atol=1e-8, what=what)
        if not passed:
            linear = _walsh_spectrum([w * (1 - 2 * e1) ** k + (1 - w) * (1 - 2 * e2) ** k
                                      for k in range(n_bits + 1)], n_bits)
            if got.shape == linear.shape and np.allclose(got, linear, atol=1e-8):
                message += ("; you mixed the singular values linearly, but it is the "
                            "kernels (s^2) that add")
            return False, message
    return True, ("s_S^2 = w (1 - 2 eps1)^(2|S|) + (1 - w) (1 - 2 eps2)^(2|S|): the Walsh "
                  "functions diagonalise both kernels, and kernels add with the weights")


def _convex_spectrum_solution(n_bits, eps1, eps2, w):
    per_order = [np.sqrt(w * (1 - 2 * eps1) ** (2 * k) + (1 - w) * (1 - 2 * eps2) ** (2 * k))
                 for k in range(n_bits + 1)]
    return _walsh_spectrum(per_order, n_bits)


register(
    "06.convex_spectrum",
    prompt="write convex_spectrum(n_bits, eps1, eps2, w): the singular values s_1 >= ... >= "
           "s_{2^n - 1} (s_0 excluded, multiplicities included) of the convex combination "
           "w * hypercube(n, eps1) + (1 - w) * hypercube(n, eps2)",
    nudge="both hypercube contexts have the Walsh functions as singular functions, "
          "with s = (1 - 2 eps)^k at order k, and a convex combination adds their "
          "dual kernels with the weights",
    hint="a kernel's eigenvalues are the s^2, so the mixture's s at order k is the "
         "square root of the weighted sum of the two s^2; order k has C(n, k) Walsh "
         "functions: write each value that many times, sort from largest to smallest "
         "and leave out s_0",
    checker=_check_convex_spectrum,
    solution=_convex_spectrum_solution,
    starter='''\
def convex_spectrum(n_bits, eps1, eps2, w):
    return cl.exercises.TODO   # your code here

cl.exercises.check("06.convex_spectrum", convex_spectrum)
''',
)


# ---------------------------------------------------------------------- 06.concatenated_joint
def _random_pair(rng, n, m1, m2):
    p_x = rng.dirichlet(np.ones(n))
    C1 = rng.dirichlet(np.ones(m1), size=n)
    C2 = rng.dirichlet(np.ones(m2), size=n)
    return p_x[:, None] * C1, p_x[:, None] * C2


def _check_concatenated_joint(func):
    rng = np.random.default_rng(606)
    for n, m1, m2 in ((4, 3, 2), (5, 2, 4)):
        P1, P2 = _random_pair(rng, n, m1, m2)
        p_x = P1.sum(axis=1)
        # independent reference: one entry at a time from the definition
        expected = np.zeros((n, m1 * m2))
        for x in range(n):
            for a1 in range(m1):
                for a2 in range(m2):
                    expected[x, a1 * m2 + a2] = P1[x, a1] * P2[x, a2] / p_x[x]
        got = as_array(call(func, P1, P2), what="the joint")
        passed, message = compare_arrays(got, expected, atol=1e-12,
                                         what=f"the joint of (X, (A1, A2)) for N = {n}, "
                                              f"M1 = {m1}, M2 = {m2}")
        if not passed:
            if got.shape == expected.shape and np.isclose(got.sum(), np.sum(p_x ** 2)):
                message += ("; your matrix sums to sum_x p(x)^2, not 1: P1(x, a1) P2(x, a2) "
                            "counts p(x) twice")
            return False, message
    return True, "P(x, (a1, a2)) = P1(x, a1) P2(x, a2) / p(x) = p(x) P1(a1|x) P2(a2|x)"


def _concatenated_joint_solution(P1, P2):
    p_x = P1.sum(axis=1)
    return (P1[:, :, None] * P2[:, None, :] / p_x[:, None, None]).reshape(P1.shape[0], -1)


register(
    "06.concatenated_joint",
    prompt="write concatenated_joint(P1, P2): from two dense joints (N, M1) and (N, M2) with "
           "the same row sums p(x), the dense joint (N, M1*M2) of X and A = (A1, A2) drawn "
           "independently given X; column a1 * M2 + a2 holds the pair (a1, a2)",
    nudge="given X = x the two context values are independent: P(a1, a2 | x) = P1(a1 "
          "| x) P2(a2 | x)",
    hint="multiply back by p(x): P(x, (a1, a2)) = p(x) P1(a1 | x) P2(a2 | x); an (N, "
         "M1, M2) array built by broadcasting over new axes, reshaped, puts the pair "
         "(a1, a2) in column a1 * M2 + a2",
    checker=_check_concatenated_joint,
    solution=_concatenated_joint_solution,
    starter='''\
def concatenated_joint(P1, P2):
    return cl.exercises.TODO   # your code here

cl.exercises.check("06.concatenated_joint", concatenated_joint)
''',
)
