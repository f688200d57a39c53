"""Exercises of notebook 11 (learning bounds, STKR, reweighting and robust risks)."""

import numpy as np

from . import as_array, as_number, call, compare_arrays, compare_numbers, register


def _orthonormal_features(rng, N, d):
    """N x d features, centred and orthonormal under the uniform distribution."""
    A = rng.normal(size=(N, d))
    A -= A.mean(axis=0)
    Q, _ = np.linalg.qr(A)
    return Q * np.sqrt(N)


# ---------------------------------------------------------------------- 11.estimation_constant
def _check_estimation_constant(func):
    rng = np.random.default_rng(1101)
    for N, d, k in ((40, 3, 2), (25, 5, 4)):
        phi = _orthonormal_features(rng, N, d)
        # residuals whose size grows with ||phi||: the homoscedastic shortcut is wrong here
        r = rng.normal(size=(N, k)) * (0.2 + np.abs(phi[:, :1]))
        lev = [1.0 + sum(v * v for v in row) for row in phi]
        r2 = [sum(v * v for v in row) for row in r]
        expected = sum(a * b for a, b in zip(lev, r2)) / N
        homoscedastic = (d + 1) * sum(r2) / N
        no_constant = sum((a - 1.0) * b for a, b in zip(lev, r2)) / N
        got = as_number(call(func, phi, r), what="c")
        if abs(got - homoscedastic) < 1e-9:
            return False, ("that is (d + 1) E||r||^2, the value when ||r(x)|| does not depend "
                           "on x; here it does: weight each ||r(x)||^2 by 1 + ||phi(x)||^2")
        if abs(got - no_constant) < 1e-9:
            return False, ("the constant feature is missing: psi = (1, phi), so the weight "
                           "is 1 + ||phi(x)||^2, not ||phi(x)||^2")
        passed, message = compare_numbers(got, expected, atol=1e-9,
                                          what=f"c for N = {N}, d = {d}, {k} outputs")
        if not passed:
            return False, message
    return True, "c = E[ ||r(X)||^2 (1 + ||phi(X)||^2) ] on both test sets"


def _estimation_constant_solution(phi, r):
    phi, r = np.asarray(phi, dtype=float), np.asarray(r, dtype=float)
    return float(np.mean((1.0 + np.sum(phi ** 2, axis=1)) * np.sum(r ** 2, axis=1)))


register(
    "11.estimation_constant",
    prompt="write first_order_constant(phi, r): for features phi (N, d), centred and "
           "orthonormal under the uniform distribution on N inputs, and the residuals r "
           "(N, k) of the population least-squares fit, return c = E[ ||r(X)||^2 psi(X)^T "
           "Sigma^{-1} psi(X) ] with psi = (1, phi)",
    hint="for orthonormal centred phi, Sigma = E[psi psi^T] is the identity, so "
         "psi^T Sigma^{-1} psi = 1 + ||phi(x)||^2; average its product with ||r(x)||^2",
    checker=_check_estimation_constant,
    solution=_estimation_constant_solution,
)


# ---------------------------------------------------------------------- 11.spectral_filter
def _check_spectral_filter(func):
    rng = np.random.default_rng(1102)
    N = 7
    mu = np.hstack([np.ones((N, 1)), _orthonormal_features(rng, N, 4)])
    s = np.array([1.0, 0.9, 0.6, 0.5, 0.2])
    for p in (1, 2, 3):
        expected = np.zeros((N, N))
        for i in range(s.size):
            expected += s[i] ** (2 * p) * np.outer(mu[:, i], mu[:, i])
        got = as_array(call(func, s, mu, p), what="the Gram matrix", shape=(N, N))
        for wrong, why in ((s ** p, "s_i^p"), (s ** (2 * p) * (np.arange(s.size) > 0),
                                                 "the constant function dropped")):
            if np.allclose(got, (mu * wrong) @ mu.T, atol=1e-10) and not np.allclose(
                    expected, (mu * wrong) @ mu.T, atol=1e-10):
                return False, (f"for p = {p} your matrix is the one with {why}; the filter "
                               "keeps every function, mu_0 = 1 included, with weight "
                               "s_i^(2p): s_i^2 are the eigenvalues of T T*")
        passed, message = compare_arrays(got, expected, atol=1e-10,
                                         what=f"the transformed Gram matrix for p = {p}")
        if not passed:
            return False, message
    return True, ("sum_i s_i^(2p) mu_i mu_i^T for p = 1, 2, 3: p = 1 is the dual kernel, each "
                  "further power damps the weak directions")


def _spectral_filter_solution(s, mu, p):
    s, mu = np.asarray(s, dtype=float), np.asarray(mu, dtype=float)
    return (mu * s ** (2 * p)) @ mu.T


register(
    "11.spectral_filter",
    prompt="write spectral_filter(s, mu, p): the N x N Gram matrix sum_i s_i^(2p) mu_i(x) "
           "mu_i(x') given singular values s (shape (d+1,), s_0 = 1 first) and functions mu "
           "(shape (N, d+1), column 0 the constant 1)",
    hint="scale column i of mu by s_i^(2p) and multiply by mu transposed: "
         "(mu * s**(2*p)) @ mu.T",
    checker=_check_spectral_filter,
    solution=_spectral_filter_solution,
)


# ---------------------------------------------------------------------- 11.min_norm
def _check_min_norm(func):
    rng = np.random.default_rng(1103)
    for n, p, k in ((6, 10, 2), (4, 9, 3)):
        F = rng.normal(size=(n, p)) + 2.0          # not centred: the bias matters
        Y = rng.normal(size=(n, k))
        F_new = rng.normal(size=(5, p))
        Fc, Yc = F - F.mean(axis=0), Y - Y.mean(axis=0)
        W = np.linalg.pinv(Fc) @ Yc
        expected = F_new @ W + (Y - F @ W).mean(axis=0)
        no_bias = F_new @ (np.linalg.pinv(F) @ Y)
        got = as_array(call(func, F, Y, F_new), what="the predictions", shape=expected.shape)
        if np.allclose(got, no_bias, atol=1e-8):
            return False, ("those are the predictions of the minimum-norm fit without a "
                           "bias; the probe's bias is unpenalised: centre F and Y, take the "
                           "pseudo-inverse, then set b = mean(Y - F W)")
        passed, message = compare_arrays(got, expected, atol=1e-8,
                                         what=f"predictions on 5 new rows ({n} training rows, "
                                              f"{p} features)")
        if not passed:
            return False, message
    return True, ("the minimum-norm interpolant with a free bias: the limit of ridge as alpha "
                  "-> 0, whatever the sample weights")


def _min_norm_solution(F, Y, F_new):
    from contexture_lab.robust import min_norm_interpolant

    W, b = min_norm_interpolant(F, Y)
    return np.asarray(F_new) @ W + b


register(
    "11.min_norm",
    prompt="write min_norm_predict(F, Y, F_new): fit the linear map with an unpenalised bias "
           "that interpolates Y (n, k) from F (n, p), p > n, with the smallest ||W||_F, and "
           "return its predictions F_new @ W + b",
    hint="centre: Fc = F - F.mean(0), Yc = Y - Y.mean(0); W = np.linalg.pinv(Fc) @ Yc; "
         "b = (Y - F @ W).mean(0)",
    checker=_check_min_norm,
    solution=_min_norm_solution,
)


# ---------------------------------------------------------------------- 11.cvar
def _check_cvar(func):
    cases = [(np.array([0.1, 2.0, 0.5, 3.0, 1.0, 0.0, 0.7, 4.0, 0.2, 0.3]), 0.25),
             (np.array([5.0, 1.0, 1.0, 2.0, 0.5, 0.5, 3.0, 0.0]), 0.3),
             (np.array([0.4, 0.1, 0.9, 0.3]), 1.0)]
    for losses, alpha in cases:
        n = losses.size
        srt = sorted(losses, reverse=True)
        whole = int(np.floor(alpha * n + 1e-12))
        frac = alpha * n - whole
        expected = (sum(srt[:whole]) + (frac * srt[whole] if whole < n else 0.0)) / (alpha * n)
        got = as_number(call(func, losses, alpha), what="CVaR")
        floor_mean = np.mean(srt[:max(whole, 1)])
        ceil_mean = np.mean(srt[:int(np.ceil(alpha * n - 1e-12))])
        if frac > 0 and abs(got - floor_mean) < 1e-12:
            return False, (f"for alpha = {alpha} and n = {n}, alpha n = {alpha * n:g} is not "
                           "whole: you averaged only the top floor(alpha n) losses; the next "
                           "loss counts with the fraction left over")
        if frac > 0 and abs(got - ceil_mean) < 1e-12:
            return False, (f"alpha n = {alpha * n:g} is not whole: you averaged the top "
                           "ceil(alpha n) losses with equal weight; the last one counts only "
                           "with the fraction left over")
        passed, message = compare_numbers(got, expected, atol=1e-10,
                                          what=f"CVaR at alpha = {alpha} of {n} losses")
        if not passed:
            return False, message
    return True, ("the mean of the worst alpha-fraction of the losses, with a fractional "
                  "boundary sample; alpha = 1 is the plain mean (ERM)")


def _cvar_solution(losses, alpha):
    from contexture_lab.robust import cvar

    return cvar(losses, alpha)


register(
    "11.cvar",
    prompt="write cvar(losses, alpha): the conditional value at risk of n losses, the "
           "largest mean loss over weights q with 0 <= q_i <= 1 / (alpha n) and sum 1",
    hint="sort the losses from the largest; give each 1 / (alpha n) until the weights reach "
         "1 (the last one gets what is left), and return the weighted sum",
    checker=_check_cvar,
    solution=_cvar_solution,
)
