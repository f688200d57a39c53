"""Exercises of notebook 07 (generalisation and distribution shift)."""

import numpy as np

from . import as_number, call, compare_arrays, compare_numbers, register


def _check_importance(func):
    rng = np.random.default_rng(707)
    for n, n_draws in ((12, 30), (6, 9)):
        p = rng.random(n) + 0.1
        p /= p.sum()
        q = rng.random(n) * (rng.random(n) > 0.3)
        q[0] = 0.5 * q.max() + 0.1                     # at least one draw with mass in q
        q /= q.sum()
        draws = rng.choice(n, size=n_draws, p=p)
        draws[0] = 0
        # the references, before the student's function sees (copies of) the inputs
        expected_w = np.array([q[i] / p[i] for i in draws])
        expected_n = sum(expected_w) ** 2 / sum(w * w for w in expected_w)
        got = call(func, p, q, draws)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return False, "expected a pair (weights of the draws, effective sample size)"
        passed, message = compare_arrays(got[0], expected_w, atol=1e-10,
                                         what=f"importance weights of the {n_draws} draws")
        if not passed:
            return passed, message
        passed, message = compare_numbers(got[1], expected_n, atol=1e-8,
                                          what="effective sample size")
        if not passed:
            return passed, message
    return True, ("weights q(x)/p(x) of the draws and their effective sample size "
                  "(sum w)^2 / sum w^2, on both test sets")


def _importance_solution(p, q, draws):
    w = np.asarray(q)[draws] / np.asarray(p)[draws]
    return w, w.sum() ** 2 / np.sum(w ** 2)


register(
    "07.importance_weights",
    prompt="write importance(p, q, draws): for labelled inputs `draws` (indices) sampled "
           "from p, return (w, n_eff): the importance weights w_j = q(x_j) / p(x_j) of the "
           "draws, shape (len(draws),), and their effective sample size "
           "(sum w)^2 / sum w^2",
    nudge="the weight of a draw is the ratio q/p at the input that was drawn, and "
          "`draws` holds the indices of those inputs",
    hint="indexing a numpy array with an array of indices picks one entry per draw "
         "(repeats included); n_eff equals the number of draws exactly when all "
         "weights are equal, a check for your code",
    checker=_check_importance,
    solution=_importance_solution,
    starter='''\
def importance(p, q, draws):
    return cl.exercises.TODO   # your code here

cl.exercises.check("07.importance_weights", importance)
''',
)


def _check_eigen_mae(func):
    rng = np.random.default_rng(7)
    s_ref = np.sort(rng.uniform(0.2, 1.0, 8))[::-1]
    # estimates on both sides of the reference: a signed difference does not average out
    s_est = np.clip(s_ref + rng.uniform(-0.3, 0.15, 8), 0.0, None)
    expected = np.mean([abs(a * a - b * b) for a, b in zip(s_est, s_ref)])
    wrong_scale = np.mean(np.abs(s_est - s_ref))
    got = as_number(call(func, s_est, s_ref), what="the mean absolute eigenvalue error")
    if abs(got - wrong_scale) < 1e-12:
        return False, ("that is the error of the singular values s_i; the eigenvalues of "
                       "T T* are s_i^2")
    return compare_numbers(got, expected, atol=1e-10, what="mean absolute eigenvalue error")


def _eigen_mae_solution(s_est, s_ref):
    return float(np.mean(np.abs(np.asarray(s_est) ** 2 - np.asarray(s_ref) ** 2)))


register(
    "07.eigenvalue_error",
    prompt="write eigenvalue_mae(s_est, s_ref): the mean absolute error of the top "
           "eigenvalues of T T* given estimated and reference singular values s_1..s_d "
           "(both shape (d,))",
    nudge="the eigenvalues of T T* are not the singular values s_i themselves",
    hint="they are the s_i^2; average the absolute differences over i (signed "
         "differences would cancel out)",
    checker=_check_eigen_mae,
    solution=_eigen_mae_solution,
    starter='''\
def eigenvalue_mae(s_est, s_ref):
    return cl.exercises.TODO   # your code here

cl.exercises.check("07.eigenvalue_error", eigenvalue_mae)
''',
)
