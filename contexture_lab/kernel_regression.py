"""Spectrally transformed kernel regression (STKR) on a finite context.

Zhai, Pukdee, Jin, Balcan, Ravikumar, *Spectrally Transformed Kernel Regression* (ICLR 2024,
arXiv:2402.00645) fit kernel ridge regression with a base kernel whose spectrum is
transformed by a function s: eigenvalues lambda_i become s(lambda_i), the eigenfunctions
stay. Here the base kernel is the context's dual kernel k_X+, whose operator T T* has
eigenvalues s_i^2 and eigenfunctions mu_i (THEORY.md sections 1 and 12); the polynomial
transformation s(lambda) = lambda^p gives

    K_p(x, x') = sum_{i >= 0} s_i^{2p} mu_i(x) mu_i(x')      (the constant mu_0 = 1 included),

the kernel of (T T*)^p. p = 1 is plain kernel ridge regression with k_X+; larger p damps the
weak directions more. On a finite context K_p is computed exactly and without any
eigen-decomposition, ``K_p = K_1 (diag(p_x) K_1)^(p-1)``, so it does not depend on a basis
chosen inside a cluster of equal singular values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_float, check_int, check_rng, renamed_random_state
from .context import check_context
from .probe import _distribution, _encode_labels, predict_classes


def transformed_kernel(ctx, p: int = 1) -> np.ndarray:
    """Gram matrix of the transformed kernel ``sum_i s_i^{2p} mu_i mu_i^T``, shape (N, N).

    Parameters
    ----------
    ctx : Context
        At most ``MAX_DENSE_KERNEL`` inputs (the Gram matrix is dense).
    p : int >= 1, default=1
        the power of the transformation s(lambda) = lambda^p

    Returns
    -------
    ndarray, shape (N, N): symmetric positive semi-definite; the kernel of the operator
    (T T*)^p in L2(P_X), so ``K_p = K_1 diag(p_x) K_1 ...`` (p factors of K_1).
    """
    check_context(ctx)
    p = check_int(p, "p", low=1)
    K1 = ctx.dual_kernel()
    K = K1
    for _ in range(p - 1):
        K = K @ (K1 * ctx.p_x[:, None])
    return 0.5 * (K + K.T)


@dataclass(frozen=True)
class KernelProbeResult:
    """Errors of kernel ridge regression on one-hot labels over seeded label draws.

    Attributes
    ----------
    betas : ndarray, shape (B,)
    test_error, test_mse : ndarray, shape (B, n_repeats)
        0-1 error (arg-max) and squared error, exact expectations over all N inputs under
        the test distribution, for each penalty and each draw.
    n : int
    zero_share : ndarray, shape (B, n_repeats), optional
        Test mass of the inputs whose prediction is exactly the zero vector (the kernel is 0
        between them and every labelled input, so nothing reaches them; the arg-max then
        picks the first class). Exact zeros: a sparse kernel such as the dual kernel of a
        KNN context has them.
    zero_error : ndarray, shape (B, n_repeats), optional
        The part of ``test_error`` on those inputs.
    """

    betas: np.ndarray
    test_error: np.ndarray
    test_mse: np.ndarray
    n: int
    zero_share: np.ndarray | None = None
    zero_error: np.ndarray | None = None

    @property
    def test_error_mean(self) -> np.ndarray:
        """Mean 0-1 error over the draws, one per penalty, shape (B,)."""
        return self.test_error.mean(axis=1)


@renamed_random_state("seed")
def kernel_ridge_probe(kernel, y, n: int, *, betas=(1e-3,), n_repeats: int = 5,
                       random_state: int = 0, train_distribution=None,
                       test_distribution=None) -> KernelProbeResult:
    """Kernel ridge regression on ``n`` labelled inputs, tested exactly on all N inputs.

    Each repeat draws ``n`` inputs i.i.d. from ``train_distribution`` with replacement
    (default uniform), exactly as :func:`contexture_lab.probe.linear_probe` does with the
    same seed, so both see the same labelled draws. For each penalty beta the predictor
    minimises ``(1/n) sum_j ||f(x_j) - onehot(y_j)||^2 + beta ||f||_H^2`` over the kernel's
    RKHS: ``f = K[:, draw] (K[draw, draw] + n beta I)^{-1} onehot(y[draw])``.

    Parameters
    ----------
    kernel : array-like, shape (N, N)
        Gram matrix on all inputs (e.g. :func:`transformed_kernel`).
    y : array-like, shape (N,)
    n : int >= 1
    betas : sequence of float > 0, default=(1e-3,)
    n_repeats : int >= 1, default=5
    random_state : int or numpy Generator, default=0
    train_distribution, test_distribution : array-like, shape (N,), optional

    Returns
    -------
    KernelProbeResult
    """
    K = as_float_array(kernel, "kernel", ndim=2)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"kernel has shape {K.shape}; expected a square (N, N) Gram matrix")
    N = K.shape[0]
    codes, onehot = _encode_labels(y, N)
    n = check_int(n, "n", low=1)
    betas = np.array([check_float(float(b), "beta", low=0.0, low_open=True)
                      for b in np.atleast_1d(betas)])
    p = _distribution(train_distribution, N, "train_distribution")
    q = p if test_distribution is None else _distribution(test_distribution, N,
                                                         "test_distribution")
    rng = check_rng(random_state)
    n_repeats = check_int(n_repeats, "n_repeats", low=1)
    err = np.empty((betas.size, n_repeats))
    mse = np.empty((betas.size, n_repeats))
    zero = np.empty((betas.size, n_repeats))
    zero_err = np.empty((betas.size, n_repeats))
    for r in range(n_repeats):
        draw = rng.choice(N, size=n, replace=True, p=p)
        Knn, Kxn = K[np.ix_(draw, draw)], K[:, draw]
        for j, beta in enumerate(betas):
            coef = np.linalg.solve(Knn + n * beta * np.eye(n), onehot[draw])
            out = Kxn @ coef
            wrong = predict_classes(out) != codes
            nothing = np.all(out == 0.0, axis=1)
            err[j, r] = q @ wrong
            mse[j, r] = q @ np.sum((onehot - out) ** 2, axis=1)
            zero[j, r] = q @ nothing
            zero_err[j, r] = q @ (nothing & wrong)
    return KernelProbeResult(betas=betas, test_error=err, test_mse=mse, n=n, zero_share=zero,
                             zero_error=zero_err)


__all__ = ["KernelProbeResult", "kernel_ridge_probe", "transformed_kernel"]
