"""Population quantities of a context and an encoder (THEORY.md section 3).

These take a :class:`~contexture_lab.Context` and functions on its N inputs, weighted by
P_X (sample metrics that compare two feature matrices live in
:mod:`contexture_lab.alignment`):

- the compatibility :func:`compatibility` rho(f) of a task with a context;
- the :func:`ratio_trace` Tr(C_Phi^-1 B_Phi) of an encoder;
- its exact linear-probe error :func:`linear_probe_error` on a task;
- its worst case :func:`worst_case_error` over the compatible class F_eps, and the
  theorem's optimum :func:`optimal_worst_case_error` (with :func:`theorem_eps_range`).

Every name is also importable from :mod:`contexture_lab.alignment`, where it lived first
(``cl.alignment.compatibility`` is part of the public contract).
"""

from __future__ import annotations

import numpy as np

from ._linalg import CONSTANT_RTOL as _CONSTANT_RTOL
from ._linalg import svd_basis as _svd_basis
from ._validation import as_float_array, check_float, check_int, power_of_two_scale
from .context import check_context

#: worst_case_error builds dense (N, N) matrices; it refuses larger contexts.
MAX_WORST_CASE_INPUTS = 3000


def _task(ctx, f, name="f"):
    """Centred task(s) under P_X and their squared L2(P_X) norms; rejects constant tasks."""
    f = as_float_array(f, name, ndim=(1, 2))
    if f.shape[0] != ctx.n_inputs:
        raise ValueError(f"{name} has {f.shape[0]} rows; expected {ctx.n_inputs}, one value "
                         "per input of the context")
    fc = f - ctx.p_x @ f
    norm2 = ctx.p_x @ fc ** 2
    flat = np.atleast_1d(norm2 <= _CONSTANT_RTOL ** 2 * np.maximum(ctx.p_x @ f ** 2, 1e-300))
    if flat.any():
        raise ValueError(f"{name} is constant under P_X ({int(flat.sum())} constant "
                         "task(s)); compatibility and probe errors need a task with variance")
    return fc, norm2


def compatibility(ctx, f):
    """Compatibility rho(f) = sqrt(sum_i s_i^2 u_i^2 / sum_i u_i^2) of a task with a context.

    f is centred under P_X (the theory's tasks have mean zero) and expanded in the left
    singular functions, f = sum_i u_i mu_i. Computed without an SVD, as
    ||T* f||_{P_A} / ||f||_{P_X}.

    Parameters
    ----------
    ctx : Context
    f : array-like, shape (N,) or (N, k)
        Task values on the N inputs (k tasks as columns).

    Returns
    -------
    float, or ndarray of shape (k,), in [0, 1].
    """
    check_context(ctx)
    fc, norm2 = _task(ctx, f)
    adj = ctx.expect_adjoint(fc)
    rho = np.sqrt(np.clip((ctx.p_a @ adj ** 2) / norm2, 0.0, 1.0))
    return float(rho) if np.ndim(rho) == 0 else rho


def _l2_basis(ctx, features, rtol=1e-10):
    """Basis (N, r) of the span of centred features, orthonormal in L2(P_X)."""
    Phi = as_float_array(features, "features", ndim=(1, 2))
    Phi = Phi[:, None] if Phi.ndim == 1 else Phi
    if Phi.shape[0] != ctx.n_inputs:
        raise ValueError(f"features has {Phi.shape[0]} rows; expected {ctx.n_inputs}, one "
                         "row per input of the context")
    Phi = Phi / power_of_two_scale(Phi)   # exact; the span is all that matters
    Phic = Phi - ctx.p_x @ Phi
    root = np.sqrt(ctx.p_x)[:, None]
    if np.linalg.norm(root * Phic) <= _CONSTANT_RTOL * np.linalg.norm(root * Phi):
        return np.zeros((Phi.shape[0], 0))   # constant features span nothing but constants
    U, _ = _svd_basis(root * Phic, rtol)
    return U / root


def ratio_trace(ctx, features) -> float:
    """Tr(C_Phi^-1 B_Phi) of an encoder: C_Phi = Cov(Phi(X)), B_Phi = Cov((T* Phi)(A)).

    At most s_1^2 + ... + s_d^2 for d features, with equality iff the features span the
    top-d singular functions (THEORY.md section 3). Invariant to invertible linear maps of
    the features; a rank-deficient encoder is measured on its span (pseudo-inverse).

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    features : array-like, shape (N, d)
        Phi evaluated on the N inputs.

    Returns
    -------
    float
        At most s_1^2 + ... + s_d^2, reached by the contexture.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> ctx = cl.contexts.cycle(8, 0.4)
    >>> res = cl.contexture(ctx, 2)
    >>> round(cl.compatibility.ratio_trace(ctx, res.left), 4)    # 2 x 0.8828^2
    1.5588
    """
    check_context(ctx)
    E = _l2_basis(ctx, features)
    adj = ctx.expect_adjoint(E)
    return float(np.sum(ctx.p_a @ adj ** 2))


def linear_probe_error(ctx, features, f):
    """Exact relative error of the best linear probe (with bias) on the features.

    min_{w, b} ||f - w^T Phi - b||^2 / ||f - E f||^2 in L2(P_X): the share of the task
    outside span(Phi). In [0, 1].

    Parameters
    ----------
    ctx : Context
    features : array-like, shape (N, d)
    f : array-like, shape (N,) or (N, k)

    Returns
    -------
    float, or ndarray of shape (k,)
    """
    check_context(ctx)
    fc, norm2 = _task(ctx, f)
    E = _l2_basis(ctx, features)
    w = fc * (ctx.p_x if fc.ndim == 1 else ctx.p_x[:, None])
    resid = fc - E @ (E.T @ w)
    err = np.clip((ctx.p_x @ resid ** 2) / norm2, 0.0, 1.0)
    return float(err) if np.ndim(err) == 0 else err


def theorem_eps_range(singular_values) -> tuple[float, float]:
    """The range [1 - s_1, 1 - sqrt((s_1^2 + s_2^2) / 2)] of eps in the theorem.

    Parameters
    ----------
    singular_values : array-like, shape (k,), k >= 2
        s_1 >= s_2 >= ... (s_0 = 1 excluded).

    Returns
    -------
    (float, float)
        The smallest and largest eps of [ICML Thm 16].

    Examples
    --------
    >>> import contexture_lab as cl
    >>> [round(e, 4) for e in cl.compatibility.theorem_eps_range([0.9, 0.5, 0.2])]
    [0.1, 0.272]
    """
    s = _check_spectrum(singular_values, 2)
    return float(1.0 - s[0]), 1.0 - float(np.sqrt((s[0] ** 2 + s[1] ** 2) / 2))


def _check_spectrum(singular_values, need):
    s = as_float_array(singular_values, "singular_values", ndim=1)
    if s.size < need:
        raise ValueError(f"need at least {need} singular values s_1, s_2, ..., got {s.size}")
    if (s < -1e-12).any() or (s > 1 + 1e-12).any():
        raise ValueError("singular values of an expectation operator lie in [0, 1], got "
                         f"values in [{s.min():.3g}, {s.max():.3g}]")
    if (np.diff(s) > 1e-12).any():
        raise ValueError("singular_values must be sorted in decreasing order (s_1 >= s_2 "
                         ">= ...), with s_0 = 1 excluded")
    return np.clip(s, 0.0, 1.0)


def optimal_worst_case_error(singular_values, d: int, eps: float, *,
                             check_range: bool = True) -> float:
    """The theorem's optimal worst-case linear-probe error over F_eps [ICML Thm 16].

    (s_1^2 - (1 - eps)^2) / (s_1^2 - s_{d+1}^2), attained by (and only by) encoders that
    learn the contexture, for 1 - s_1 <= eps <= 1 - sqrt((s_1^2 + s_2^2) / 2).

    Parameters
    ----------
    singular_values : array-like, shape (k,), k >= max(d + 1, 2)
        s_1 >= s_2 >= ... (s_0 = 1 excluded).
    d : int
        Encoder dimension.
    eps : float
        Compatibility slack: F_eps = {f : E f = 0, rho(f) >= 1 - eps}.
    check_range : bool, default=True
        Raise ``ValueError`` for eps outside the theorem's range (default). With False the
        formula is evaluated for any eps with a non-empty F_eps (eps >= 1 - s_1); it is then
        the contexture's worst case, but no longer certified optimal.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import contexture_lab as cl
    >>> round(cl.compatibility.optimal_worst_case_error([0.9, 0.5, 0.2], 1, 0.2), 4)
    0.3036
    """
    d = check_int(d, "d", low=1)
    s = _check_spectrum(singular_values, max(d + 1, 2))
    eps = check_float(eps, "eps", low=0.0, high=1.0)
    lo, hi = 1.0 - s[0], 1.0 - float(np.sqrt((s[0] ** 2 + s[1] ** 2) / 2))
    tol = 1e-12
    if eps < lo - tol:
        raise ValueError(f"eps={eps:.6g} < 1 - s_1 = {lo:.6g}: no task has rho >= 1 - eps, "
                         "F_eps is empty")
    if check_range and eps > hi + tol:
        raise ValueError(f"eps={eps:.6g} is outside the theorem's range [{lo:.6g}, {hi:.6g}]"
                         " = [1 - s_1, 1 - sqrt((s_1^2 + s_2^2) / 2)]")
    gap = s[0] ** 2 - s[d] ** 2
    if gap <= tol:
        raise ValueError(f"s_1 = s_{d + 1} = {s[0]:.6g}: the worst case is not determined by "
                         "the formula (no spectral gap); choose another d")
    return float(np.clip((s[0] ** 2 - (1 - eps) ** 2) / gap, 0.0, 1.0))


def _mean_zero_basis(u0):
    """Orthonormal basis (N, N-1) of the complement of the unit vector u0 (Householder)."""
    e1 = np.zeros_like(u0)
    e1[0] = 1.0
    v = u0 - e1
    norm = np.linalg.norm(v)
    H = np.eye(u0.size)
    if norm > 1e-14:
        v /= norm
        H -= 2.0 * np.outer(v, v)
    return H[:, 1:]


def worst_case_error(ctx, features, eps: float) -> float:
    """Exact worst-case linear-probe error of an encoder over F_eps.

    max { linear_probe_error(ctx, features, f) : E f = 0, rho(f) >= 1 - eps }, computed as
    the dual min_{lambda >= 0} lambda_max(A + lambda B) - lambda (1 - eps)^2 in the
    mean-zero subspace of L2(P_X), with A the projector onto the complement of span(Phi)
    and B = T T*. The dual is exact (the joint range of two quadratic forms on a sphere is
    convex, Brickman 1961). Dense: N <= MAX_WORST_CASE_INPUTS.

    For the contexture's top-d functions and eps in the theorem's range it equals
    :func:`optimal_worst_case_error`; for any other encoder it is larger.

    Parameters
    ----------
    ctx : Context
        The context (N x M), N <= ``MAX_WORST_CASE_INPUTS``.
    features : array-like, shape (N, d)
        Phi evaluated on the N inputs.
    eps : float
        Compatibility slack, >= 1 - s_1.

    Returns
    -------
    float
        In [0, 1].
    """
    from scipy.optimize import minimize_scalar

    check_context(ctx)
    eps = check_float(eps, "eps", low=0.0, high=1.0)
    n = ctx.n_inputs
    if n > MAX_WORST_CASE_INPUTS:
        raise ValueError(f"worst_case_error builds dense {n} x {n} matrices; at most "
                         f"{MAX_WORST_CASE_INPUTS} inputs are supported")
    E = _l2_basis(ctx, features)
    Q = ctx.normalized()
    Q = Q.toarray() if hasattr(Q, "toarray") else np.asarray(Q)
    Z = _mean_zero_basis(np.sqrt(ctx.p_x))
    QZ = Q.T @ Z
    B = QZ.T @ QZ
    B = (B + B.T) / 2
    W = Z.T @ (np.sqrt(ctx.p_x)[:, None] * E)
    A = np.eye(n - 1) - W @ W.T
    c = (1.0 - eps) ** 2
    s1_sq = float(np.linalg.eigvalsh(B)[-1])
    if c > s1_sq + 1e-12:
        raise ValueError(f"eps={eps:.6g} < 1 - s_1 = {1 - np.sqrt(s1_sq):.6g}: no task has "
                         "rho >= 1 - eps, F_eps is empty")

    def dual(lam):
        return float(np.linalg.eigvalsh(A + lam * B)[-1] - lam * c)

    gap = s1_sq - c
    if gap <= 1e-12:  # only the top singular space is compatible
        hi = 1e8
    else:
        hi = 1.0 / gap  # beyond, the dual exceeds lambda (s1^2 - c) >= 1 >= dual(0)
    best = minimize_scalar(dual, bounds=(0.0, hi), method="bounded",
                           options={"xatol": 1e-12 * max(1.0, hi), "maxiter": 500})
    return float(np.clip(min(best.fun, dual(0.0)), 0.0, 1.0))


__all__ = ["MAX_WORST_CASE_INPUTS", "compatibility", "linear_probe_error",
           "optimal_worst_case_error", "ratio_trace", "theorem_eps_range", "worst_case_error"]
