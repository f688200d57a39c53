"""Notebook 03's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex


def solutions_agree_with_the_package():
    rng = np.random.default_rng(1)
    F, G = rng.standard_normal((30, 3)), rng.standard_normal((30, 5))
    assert ex.solution("03.linear_cka")(F, G) == pytest.approx(cl.alignment.linear_cka(F, G))
    ctx = cl.contexts.cycle(10, 0.4)
    res = cl.contexture(ctx, 9)
    f = rng.standard_normal(10) + 1.0
    assert ex.solution("03.compatibility")(res, f) == pytest.approx(
        cl.alignment.compatibility(ctx, f), abs=1e-10)


def cka_uncentred(F, G):
    return np.linalg.norm(G.T @ F) ** 2 / (np.linalg.norm(F.T @ F) * np.linalg.norm(G.T @ G))


def cka_unsquared(F, G):
    X, Y = F - F.mean(axis=0), G - G.mean(axis=0)
    return np.linalg.norm(Y.T @ X) / np.sqrt(np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))


def rho_over_full_norm(res, f):     # divides by ||f||^2, mean included
    u = res.coefficients(f)
    return np.sqrt(np.sum(res.singular_values ** 2 * u ** 2) / (res.p_x @ f ** 2))


def rho_unweighted_sv(res, f):      # forgets the squares of the singular values
    u = res.coefficients(f)
    return np.sqrt(np.sum(res.singular_values * u ** 2) / np.sum(u ** 2))


def rho_unweighted_coefficients(res, f):   # u_i = sum_x f(x) mu_i(x), no p(x)
    u = res.left.T @ (f - f.mean())
    return np.sqrt(np.sum(res.singular_values ** 2 * u ** 2) / np.sum(u ** 2))


def rho_squared(res, f):            # forgets the square root
    u = res.coefficients(f)
    return np.sum(res.singular_values ** 2 * u ** 2) / np.sum(u ** 2)


def top_function_only(res, d, eps):   # in F_eps, but the encoder fits it perfectly
    return res.left[:, 0]


def tail_only(res, d, eps):           # missed entirely, but not compatible enough
    return res.left[:, d]


WRONG = [
    ("03.linear_cka", cka_uncentred, "expected"),
    ("03.linear_cka", cka_unsquared, "expected"),
    ("03.compatibility", rho_over_full_norm, "expected"),
    ("03.compatibility", rho_unweighted_sv, "expected"),
    ("03.compatibility", rho_unweighted_coefficients, "non-uniform"),
    ("03.compatibility", rho_squared, "expected"),
    ("03.worst_task", top_function_only, "below the worst case"),
    ("03.worst_task", tail_only, "not in F_eps"),
    ("03.worst_task", lambda res, d, eps: np.ones(res.left.shape[0]), "constant"),
    ("03.worst_task", lambda res, d, eps: res.left[:, :d + 1], "shape"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [solutions_agree_with_the_package]
