"""Exercises of notebook 05 (association strength)."""

import numpy as np

from . import as_whole_number, call, compare_arrays, compare_numbers, register


def _spectra():
    """Test spectra: a hypercube-like step spectrum and a random decreasing one."""
    rng = np.random.default_rng(505)
    steps = np.repeat(0.6 ** np.arange(1, 5), [4, 6, 4, 1])
    rand = np.sort(rng.uniform(0.05, 0.95, size=12))[::-1]
    return [steps, rand]


# ---------------------------------------------------------------------- 05.decay_rate
def _check_decay_rate(func):
    for s in _spectra():
        i = np.arange(1, s.size + 1, dtype=float)
        # independent reference: numpy's least squares, one column (no intercept)
        expected = -np.linalg.lstsq(i[:, None], 2 * np.log(s), rcond=None)[0][0]
        got = call(func, s)
        passed, message = compare_numbers(got, expected, atol=0.0, rtol=1e-8,
                                          what=f"the decay rate of a {s.size}-value spectrum")
        if not passed:
            if np.isclose(2 * float(got), expected, rtol=1e-8):
                message += ": off by a factor 2 - the model is for s_i^2, not s_i"
            return False, message
    return True, "lambda = -sum_i i log s_i^2 / sum_i i^2 (a fit through s_0^2 = 1 at i = 0)"


def _decay_rate_solution(s):
    s = np.asarray(s, dtype=float)
    i = np.arange(1, s.size + 1)
    return -np.sum(i * np.log(s ** 2)) / np.sum(i ** 2)


register(
    "05.decay_rate",
    prompt="write decay_rate(s): for s = (s_1, ..., s_k) (all > 0, decreasing) the "
           "least-squares lambda of log s_i^2 = -lambda * i, i = 1..k (no intercept)",
    nudge="log s_i^2 = -lambda i is a line through the origin: a least-squares fit "
          "with one parameter and no intercept",
    hint="write the squared error sum_i (log s_i^2 + lambda i)^2, set its derivative "
         "with respect to lambda to zero and solve for lambda; i runs from 1 to k, "
         "not from 0",
    checker=_check_decay_rate,
    solution=_decay_rate_solution,
    starter='''\
def decay_rate(s):
    return cl.exercises.TODO   # your code here

cl.exercises.check("05.decay_rate", decay_rate)
''',
)


# ---------------------------------------------------------------------- 05.tau_curve
def _check_tau_curve(func):
    for s, beta in zip(_spectra(), (1.0, 0.5)):
        k = s.size
        s2 = s ** 2
        expected = np.array([1 / (1 - s2[d]) + beta * s2[:d].sum() / s2.sum()
                             for d in range(1, k)])  # s2[d] is s_{d+1}^2
        got = call(func, s, beta)
        passed, message = compare_arrays(got, expected, atol=1e-10,
                                         what=f"tau_d for d = 1..{k - 1} (beta = {beta})")
        if not passed:
            shifted = np.array([1 / (1 - s2[d - 1]) + beta * s2[:d].sum() / s2.sum()
                                for d in range(1, k)])
            if np.shape(got) == shifted.shape and np.allclose(np.asarray(got, float), shifted):
                message += "; the first term uses s_{d+1}, the first value left out"
            return False, message
    return True, "tau_d = 1/(1 - s_{d+1}^2) + beta * sum_{i<=d} s_i^2 / sum_{i<=d0} s_i^2"


def _tau_curve_solution(s, beta):
    s2 = np.asarray(s, dtype=float) ** 2
    d = np.arange(1, s2.size)
    return 1 / (1 - s2[d]) + beta * np.cumsum(s2)[d - 1] / s2.sum()


register(
    "05.tau_curve",
    prompt="write tau_curve(s, beta): the array (tau_1, ..., tau_{k-1}) of THEORY's "
           "tau_d = 1/(1 - s_{d+1}^2) + beta * sum_{i<=d} s_i^2 / sum_{i<=d0} s_i^2 with "
           "d0 = k = len(s)",
    nudge="each tau_d has two terms: one uses s_{d+1}, the first value the encoder "
          "leaves out; the other the share of sum s_i^2 that the first d values hold",
    hint="Python counts from 0, so s_{d+1} is s[d]; numpy has a running sum that "
         "gives every partial sum of s**2 at once (mind the same offset of one)",
    checker=_check_tau_curve,
    solution=_tau_curve_solution,
    starter='''\
def tau_curve(s, beta):
    return cl.exercises.TODO   # your code here

cl.exercises.check("05.tau_curve", tau_curve)
''',
)


# ---------------------------------------------------------------------- 05.unit_count
def _weakly_linked(link, n=5, extra=0):
    """Two n-cliques joined by one edge of weight ``link`` (one component, s_1 just below 1)
    and ``extra`` further separate cliques."""
    from ..context import Context

    sizes = [n, n] + [n] * extra
    W = np.zeros((sum(sizes), sum(sizes)))
    lo = 0
    for size in sizes:
        W[lo:lo + size, lo:lo + size] = 1.0
        lo += size
    W[n - 1, n] = W[n, n - 1] = link
    return Context(W / W.sum(), name=f"two cliques linked with weight {link:g}"
                   + (f" and {extra} more clique(s)" if extra else ""))


def _check_unit_count(func):
    from .. import contexts
    from ..association import n_components
    from ..spectrum import contexture

    rng = np.random.default_rng(5005)
    X = rng.normal(size=(40, 2))
    # s_1 = 0.9923 and 1 - 8e-6 are not 1: a loose test (s > 0.99, np.isclose(s, 1))
    # counts them as components
    for ctx in (contexts.knn(X, 1), contexts.knn(X, 2), contexts.label(np.arange(30) % 3),
                _weakly_linked(0.1, extra=1), _weakly_linked(1e-4)):
        s = contexture(ctx, min(ctx.shape) - 1, method="dense").singular_values
        expected = n_components(ctx)
        got = as_whole_number(call(func, s), what=f"the count for {ctx.name}")
        if got != expected:
            if got == expected - 1:
                return False, (f"got {got}, expected {expected} for {ctx.name}: s_0 = 1 is "
                               "not in s but it is a component too")
            near = s[(s > 0.99) & (s < 1 - 1e-9)]
            if got > expected and near.size:
                return False, (f"got {got} components for {ctx.name}, expected {expected}: "
                               f"s_1 = {near[0]:.8f} is close to 1 but not 1 (test s_i = 1 "
                               "up to 1e-9)")
            return False, f"got {got} components for {ctx.name}, expected {expected}"
    return True, "components = 1 + #{i >= 1 : s_i = 1}: each has its own constant function"


def _unit_count_solution(s):
    return 1 + int(np.sum(np.asarray(s) > 1 - 1e-9))


register(
    "05.unit_count",
    prompt="write n_pieces(s): from s = (s_1, s_2, ...) (s_0 = 1 excluded) return the number "
           "of connected components of the context's support graph",
    nudge="a function that is constant on one connected piece and 0 elsewhere is left "
          "unchanged by T: what singular value does it have?",
    hint="every piece gives one singular value exactly 1; s_0 = 1 is one of them but "
         "is not in s; compare with a tight tolerance (1e-9), not a loose one: 0.99 "
         "is not 1",
    checker=_check_unit_count,
    solution=_unit_count_solution,
    starter='''\
def n_pieces(s):
    return cl.exercises.TODO   # your code here

cl.exercises.check("05.unit_count", n_pieces)
''',
)
