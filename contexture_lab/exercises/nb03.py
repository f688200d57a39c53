"""Exercises of notebook 03 (the alignment relations, faithfully)."""

import copy

import numpy as np

from . import as_array, call, compare_numbers, register


def _pairs():
    """Test pairs (F, G): related, different widths, a non-orthogonal map, offsets."""
    rng = np.random.default_rng(303)
    F = rng.standard_normal((60, 4)) + 5.0
    return [(F, F @ rng.standard_normal((4, 3)) + 0.3 * rng.standard_normal((60, 3))),
            (F, F * np.array([1.0, 2.0, 5.0, 10.0]) - 7.0),
            (rng.standard_normal((40, 2)), rng.standard_normal((40, 6)) + 1.0)]


def _linear_cka_reference(F, G):
    # independent of the package: the HSIC form with the centring matrix H
    n = F.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = H @ F @ F.T @ H, H @ G @ G.T @ H
    return np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L))


def _check_linear_cka(func):
    for i, (F, G) in enumerate(_pairs()):
        expected = _linear_cka_reference(F, G)
        passed, message = compare_numbers(call(func, F, G), expected, atol=1e-8,
                                          what=f"linear CKA on test pair {i + 1} (shapes "
                                               f"{F.shape}, {G.shape})")
        if not passed:
            return passed, message
    return True, "linear CKA matches on all test pairs (offsets, widths, a non-orthogonal map)"


def _linear_cka_solution(F, G):
    X = F - F.mean(axis=0)
    Y = G - G.mean(axis=0)
    return np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))


register(
    "03.linear_cka",
    prompt="write my_linear_cka(F, G) for F (n, p), G (n, q): centre the columns of both, "
           "then return ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)",
    nudge="centre each column of F and of G (subtract its mean over the n rows) "
          "before anything else",
    hint="for a 2-D array np.linalg.norm is the Frobenius norm; the numerator is the "
         "squared norm of Y^T X, the denominator the product of the norms of X^T X "
         "and Y^T Y (not squared)",
    checker=_check_linear_cka,
    solution=_linear_cka_solution,
    starter='''\
def my_linear_cka(F, G):
    return cl.exercises.TODO   # your code here

cl.exercises.check("03.linear_cka", my_linear_cka)
''',
)


def _compatibility_cases():
    """Full spectra with tasks of non-zero mean: the cycle Z_12 (p = 0.3, uniform p_x) and
    a random joint (7, 9) with non-uniform p_x, where unweighted coefficients go wrong."""
    from ..context import Context
    from ..contexts import cycle
    from ..spectrum import contexture

    n = 12
    x = np.arange(n)
    rng = np.random.default_rng(31)
    cases = [(contexture(cycle(n, 0.3), n - 1),
              [np.cos(2 * np.pi * x / n) + 3.0,
               2 * np.cos(2 * np.pi * x / n) + np.sin(2 * np.pi * 4 * x / n) + 1.0,
               rng.standard_normal(n) + 2.0])]
    P = rng.random((7, 9)) ** 3 * np.exp(2 * rng.standard_normal((7, 1)))
    # the full spectrum (all six non-constant functions): rho sums over every cluster, so
    # it does not depend on a basis inside one
    res = contexture(Context(P / P.sum()), 6, method="dense")
    cases.append((res, [rng.standard_normal(7) - 1.5, np.arange(7.0) ** 2]))
    return cases


def _rho_reference(res, f):
    # independent of the package: the expansion with u_i = sum_x p(x) f(x) mu_i(x)
    fc = f - res.p_x @ f
    u = res.left.T @ (res.p_x * fc)
    return np.sqrt(np.sum(res.singular_values ** 2 * u ** 2) / np.sum(res.p_x * fc ** 2))


def _check_compatibility(func):
    for k, (res, tasks) in enumerate(_compatibility_cases()):
        where = "the cycle" if k == 0 else "a context with non-uniform p_x"
        for i, f in enumerate(tasks):
            expected = _rho_reference(res, f)          # before the student sees res
            passed, message = compare_numbers(call(func, copy.deepcopy(res), f), expected,
                                              atol=1e-8, what=f"rho(f) for task {i + 1} on "
                                                              f"{where}")
            if not passed:
                return passed, message
    return True, ("rho(f) matches for five tasks with non-zero means, on a uniform and a "
                  "non-uniform P_X")


def _compatibility_solution(res, f):
    u = res.coefficients(f)
    return float(np.sqrt(np.sum(res.singular_values ** 2 * u ** 2) / np.sum(u ** 2)))


register(
    "03.compatibility",
    prompt="write my_compatibility(res, f): from a Contexture res holding *all* singular "
           "functions and a task f (N,), return rho(f) = sqrt(sum_i s_i^2 u_i^2 / "
           "sum_i u_i^2) with u_i the coefficients of f",
    nudge="the coefficients u_i = <f, mu_i> in L2(P_X) are what a Contexture object "
          "computes for you: help(res.coefficients)",
    hint="rho(f)^2 is an average of the s_i^2 weighted by u_i^2; the mean of f lies "
         "along the constant function mu_0, which both sums leave out, so divide by "
         "sum_i u_i^2, not by ||f||^2",
    checker=_check_compatibility,
    solution=_compatibility_solution,
    starter='''\
def my_compatibility(res, f):
    return cl.exercises.TODO   # your code here

cl.exercises.check("03.compatibility", my_compatibility)
''',
)


def _check_worst_task(func):
    from ..compatibility import compatibility, linear_probe_error, optimal_worst_case_error
    from ..contexts import rbf
    from ..spectrum import contexture

    X = np.linspace(0.0, 1.0, 25) ** 1.5
    ctx = rbf(X[:, None], 0.12)
    res = contexture(ctx, 10)
    s = res.singular_values
    for d, share in [(2, 0.5), (4, 0.9)]:
        lo = 1 - s[0]
        hi = 1 - np.sqrt((s[0] ** 2 + s[1] ** 2) / 2)
        eps = lo + share * (hi - lo)
        f = as_array(call(func, res, d, eps), what=f"the task for d={d}",
                     shape=(ctx.n_inputs,))
        if np.ptp(f) < 1e-9:
            return False, "the task is constant; a worst-case task has variance"
        rho = compatibility(ctx, f)
        if rho < 1 - eps - 1e-8:
            return False, (f"for d={d} the task has rho = {rho:.4f} < 1 - eps = "
                           f"{1 - eps:.4f}: it is not in F_eps")
        err = linear_probe_error(ctx, res.left[:, :d], f)
        opt = optimal_worst_case_error(s, d, eps)
        if err < opt - 1e-8:
            return False, (f"for d={d} the probe error on your task is {err:.4f}, below the "
                           f"worst case {opt:.4f}: mix mu_1 with mu_(d+1)")
    return True, "your task is in F_eps and attains the optimal worst-case error"


def _worst_task_solution(res, d, eps):
    from ..compatibility import optimal_worst_case_error

    b = optimal_worst_case_error(res.singular_values, d, eps)
    return np.sqrt(1 - b) * res.left[:, 0] + np.sqrt(b) * res.left[:, d]


register(
    "03.worst_task",
    prompt="write worst_task(res, d, eps) returning a task f (N,) in F_eps on which the "
           "contexture's top-d encoder res.left[:, :d] has probe error equal to the optimum "
           "(s1^2 - (1-eps)^2) / (s1^2 - s_(d+1)^2)",
    nudge="the worst task for a top-d encoder mixes the most compatible function it "
          "captures with the best function it misses",
    hint="take f = a mu_1 + b mu_(d+1) (columns 0 and d of res.left); two conditions "
         "fix a and b: norm one, a^2 + b^2 = 1, and compatibility exactly 1 - eps, "
         "a^2 s_1^2 + b^2 s_(d+1)^2 = (1 - eps)^2; solve them for a^2 and b^2",
    checker=_check_worst_task,
    solution=_worst_task_solution,
    starter='''\
def worst_task(res, d, eps):
    return cl.exercises.TODO   # your code here

cl.exercises.check("03.worst_task", worst_task)
''',
)
