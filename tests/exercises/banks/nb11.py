"""Notebook 11's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import bounds, kernel_regression, robust
from contexture_lab import exercises as ex


def estimation_constant_solution_agrees_with_the_package():
    ctx = cl.contexts.cycle(12, 0.4)
    res = cl.contexture(ctx, 4, method="dense")          # s pairs k, N - k: cut at a gap
    y = np.arange(12) % 3
    F = res.left
    W, b = cl.probe.fit_ridge(F, np.eye(3)[y], alpha=0.0)
    r = np.eye(3)[y] - F @ W - b
    assert ex.solution("11.estimation_constant")(F, r) == pytest.approx(
        bounds.estimation_constant(F, y))


def spectral_filter_solution_agrees_with_the_package():
    ctx = cl.contexts.cycle(9, 0.3)
    res = cl.contexture(ctx, 8, method="dense")
    s = np.concatenate([[1.0], res.singular_values])
    mu = np.hstack([np.ones((9, 1)), res.left])
    np.testing.assert_allclose(ex.solution("11.spectral_filter")(s, mu, 2),
                               kernel_regression.transformed_kernel(ctx, 2), atol=1e-10)


def no_bias(F, Y, F_new):                      # minimum-norm fit through the origin
    return F_new @ (np.linalg.pinv(F) @ Y)


def ridge(F, Y, F_new):                        # a small ridge, not the limit
    W, b = cl.probe.fit_ridge(F, Y, 1e-2)
    return F_new @ W + b


def lstsq_uncentred(F, Y, F_new):              # bias as a penalised column
    A = np.hstack([F, np.ones((F.shape[0], 1))])
    theta = np.linalg.pinv(A) @ Y
    return np.hstack([F_new, np.ones((F_new.shape[0], 1))]) @ theta


def cvar_floor(losses, alpha):
    k = max(int(np.floor(alpha * losses.size)), 1)
    return float(np.mean(np.sort(losses)[::-1][:k]))


def cvar_ceil(losses, alpha):
    k = int(np.ceil(alpha * losses.size))
    return float(np.mean(np.sort(losses)[::-1][:k]))


def cvar_bottom(losses, alpha):                 # the best, not the worst, fraction
    return robust.cvar(-losses, alpha) * -1


WRONG = [
    ("11.estimation_constant",
     lambda phi, r: (phi.shape[1] + 1) * np.mean(np.sum(r ** 2, 1)), "does not depend"),
    ("11.estimation_constant",
     lambda phi, r: np.mean(np.sum(phi ** 2, 1) * np.sum(r ** 2, 1)), "constant feature"),
    ("11.estimation_constant",
     lambda phi, r: np.mean((1 + np.sum(phi ** 2, 1)) * np.linalg.norm(r, axis=1)), "expected"),
    ("11.estimation_constant", lambda phi, r: np.mean(np.sum(r ** 2, 1)), "expected"),
    ("11.spectral_filter", lambda s, mu, p: (mu * s ** p) @ mu.T, "s_i^p"),
    ("11.spectral_filter", lambda s, mu, p: (mu[:, 1:] * s[1:] ** (2 * p)) @ mu[:, 1:].T,
     "constant function dropped"),
    ("11.spectral_filter", lambda s, mu, p: (mu * s ** (2 * p)) @ mu.T / mu.shape[0],
     "off by"),
    ("11.spectral_filter", lambda s, mu, p: (mu * s ** (2 * p)).T @ mu, "shape"),
    ("11.min_norm", no_bias, "without a bias"),
    ("11.min_norm", ridge, "off by"),
    ("11.min_norm", lstsq_uncentred, "off by"),
    ("11.cvar", cvar_floor, "floor"),
    ("11.cvar", cvar_ceil, "ceil"),
    ("11.cvar", cvar_bottom, "expected"),
    ("11.cvar", lambda losses, alpha: float(np.quantile(losses, 1 - alpha)), "expected"),
    ("11.cvar", lambda losses, alpha: float(np.mean(losses)), "expected"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [estimation_constant_solution_agrees_with_the_package,
          spectral_filter_solution_agrees_with_the_package]
