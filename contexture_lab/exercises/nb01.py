"""Exercises of notebook 01 (contexts and the expectation operator)."""

import numpy as np

from . import Rejected, as_array, as_whole_number, call, compare_arrays, register


def _check_expectation(func):
    rng = np.random.default_rng(101)
    for n, m in ((5, 4), (3, 6)):
        P = rng.random((n, m)) * (rng.random((n, m)) > 0.2)
        P[:, 1] += 0.05
        P /= P.sum()
        g = rng.standard_normal(m) + 1.0
        expected = np.array([sum(P[x, a] * g[a] for a in range(m)) / P[x].sum()
                             for x in range(n)])
        what = f"T g for a ({n}, {m}) joint"
        got = as_array(call(func, P, g), what=what)
        if got.shape == expected.shape and np.allclose(got, P @ g):
            return False, (f"{what} is P @ g: sum_a P(x, a) g(a) still needs dividing by "
                           "p_x(x) to be a conditional mean")
        passed, message = compare_arrays(got, expected, atol=1e-10, what=what)
        if not passed:
            return passed, message
    return True, "T g = (P @ g) / p_x on a (5, 4) and a (3, 6) joint"


def _expectation_solution(P, g):
    return (P @ g) / P.sum(axis=1)


register(
    "01.expectation",
    prompt="write expect_by_hand(P, g) returning (T g)(x) = E[g(A) | X = x], shape (N,), "
           "from the joint matrix P (N, M) and g (M,), with numpy only",
    nudge="E[g(A) | X = x] averages g(a) with the weights P(a | x), and those are not "
          "the entries P(x, a) of the joint",
    hint="sum_a P(x, a) g(a) for every x is one matrix-vector product; dividing it by "
         "p_x(x) turns it into the conditional mean (one number per x)",
    checker=_check_expectation,
    solution=_expectation_solution,
    starter='''\
def expect_by_hand(P, g):
    # your code here: return an array of shape (N,)
    return cl.exercises.TODO

cl.exercises.check("01.expectation", expect_by_hand)
''',
)


_DECOMPOSITIONS = ("svd", "svdvals", "eig", "eigh", "eigvals", "eigvalsh")


class _closed_form_only:
    """Inside the block, numpy's and scipy's matrix decompositions refuse to run: the
    checker sees whether an answer uses the closed form, as the task asks."""

    def __enter__(self):
        import scipy.linalg

        def refuse(*args, **kwargs):
            raise Rejected("your function calls a numerical decomposition (SVD or "
                           "eigenvalues); the task asks for the closed form, a formula in "
                           "n, p and k that the Fourier modes give")

        self._saved = []
        for module in (np.linalg, scipy.linalg):
            for name in _DECOMPOSITIONS:
                if hasattr(module, name):
                    self._saved.append((module, name, getattr(module, name)))
                    setattr(module, name, refuse)
        return self

    def __exit__(self, *exc):
        for module, name, original in self._saved:
            setattr(module, name, original)
        return False


def _check_cycle(func):
    # p = 0.8 and 0.65 make eigenvalues negative (the absolute value matters); n even and odd
    for n, p in [(7, 0.3), (12, 0.8), (9, 0.65)]:
        # independent reference: singular values of the symmetric matrix Q = n P
        Q = np.zeros((n, n))
        for x in range(n):
            Q[x, x] += 1 - p
            Q[x, (x + 1) % n] += p / 2
            Q[x, (x - 1) % n] += p / 2
        expected = np.linalg.svd(Q, compute_uv=False)
        what = f"singular values for n={n}, p={p}"
        with _closed_form_only():
            got = call(func, n, p)
        got = as_array(got, what=what)
        if got.shape == expected.shape and np.allclose(np.sort(got)[::-1], expected):
            if not np.allclose(got, expected):
                return False, f"{what} are right but not sorted from largest to smallest"
        passed, message = compare_arrays(got, expected, atol=1e-8, what=what)
        if not passed:
            return passed, message
    return True, ("the closed form matches the numerical SVD for (n, p) = (7, 0.3), (12, 0.8) "
                  "and (9, 0.65)")


def _cycle_solution(n, p):
    return np.sort(np.abs(1 - p + p * np.cos(2 * np.pi * np.arange(n) / n)))[::-1]


register(
    "01.cycle_spectrum",
    prompt="write cycle_singular_values(n, p): all n singular values of the cycle context "
           "(s_0 = 1 included), sorted from largest to smallest, from the closed form",
    nudge="the cycle's expectation operator is circulant, so each Fourier mode cos(2 "
          "pi k x / n) is an eigenfunction: apply T to one and see what comes out",
    hint="T cos(2 pi k x/n) = (1 - p) cos(2 pi k x/n) + (p/2) [the same at x + 1 and "
         "at x - 1]; cos(u + v) + cos(u - v) = 2 cos u cos v gives its eigenvalue for "
         "each k = 0..n-1; a singular value is the absolute value of an eigenvalue, "
         "and the task wants them sorted from largest to smallest",
    checker=_check_cycle,
    solution=_cycle_solution,
    starter='''\
def cycle_singular_values(n, p):
    # your code here
    return cl.exercises.TODO

cl.exercises.check("01.cycle_spectrum", cycle_singular_values)
''',
)


def _check_multiplicity(answer):
    from math import comb

    expected = comb(6, 2)
    got = as_whole_number(answer, what="the multiplicity")
    if got == expected:
        return True, f"C(6, 2) = {expected} Walsh functions of degree 2"
    if got == comb(6, 1):
        return False, f"{got} is the multiplicity of 0.8 (degree 1); 0.64 = 0.8^2 is degree 2"
    return False, f"{got} is not the multiplicity of (1 - 2 eps)^2 on {{0,1}}^6"


register(
    "01.walsh_multiplicity",
    prompt="on the hypercube {0,1}^6 with flip probability 0.1, how many singular values "
           "equal 0.8**2 = 0.64? (count them in the spectrum you computed, or reason it out)",
    nudge="0.64 = 0.8^2 = (1 - 2 * 0.1)^2: which Walsh functions have that singular "
          "value?",
    hint="a Walsh function that multiplies the signs (-1)^{x_j} of k of the bits has "
         "singular value (1 - 2 eps)^k; count the ways to choose those bits among the "
         "6",
    checker=_check_multiplicity,
    solution=15,
    starter='''\
answer = cl.exercises.TODO   # an integer
cl.exercises.check("01.walsh_multiplicity", answer)
''',
)
