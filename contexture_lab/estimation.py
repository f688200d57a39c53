"""Estimating the contexture from a subset of the inputs, and extending it to all of them.

In practice an encoder sees m unlabelled samples, not the whole input distribution. Here the
"m-point context" is the context built on a random subset S of m inputs (a KNN or RBF context
on those points, the same builder as for the full data), decomposed exactly with
:func:`contexture_lab.contexture`. Its singular values estimate the full-data ones; its left
functions live on S only.

Extension to every input (Nystrom-style, through the context's operator). The singular
functions satisfy T nu_i = s_i mu_i, i.e. (THEORY.md section 1)

    mu_i(x) = (1 / s_i) E[nu_i(A) | X = x] = (1 / s_i) sum_a P(a | x) nu_i(a).

The right side needs, for a new input x, a conditional P(.|x) over the *same* context values
the m-point context has (so that nu_i is defined there). For a KNN or RBF context the context
values are the subset points themselves, so a new x gets a natural conditional:

- KNN: uniform over its k nearest subset points. Only subset points that the m-point
  context actually draws (p_a > 0) are candidates: nu_i is undefined on the others.
- RBF: P(a | x) proportional to ``exp(-|x - a|^2 / (2 bandwidth^2))`` over the subset points.

For x in S the formula with the m-point context's own row P(.|x) gives back the subset's
left function exactly (that is the singular-value equation), so those values are kept; with
m = N the result is the full decomposition. The extended functions are estimates: they are
not exactly orthonormal in L2(P_X) of the full data.

Eigenvalues: the eigenvalues of T T* (the dual kernel's operator) are s_i^2; the error of
the top-d eigenvalues is the mean absolute difference between the m-point and the full-data
values, as in the appendix of [ICML].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import contexts
from ._progress import progress
from ._validation import (
    as_float_array,
    check_choice,
    check_float,
    check_int,
    check_rng,
    renamed_random_state,
)
from .spectrum import Contexture, contexture

CONTEXTS = ("knn", "rbf")

#: Singular values below this cannot be inverted in the extension mu = T nu / s.
MIN_SINGULAR_VALUE = 1e-8


@dataclass(frozen=True)
class SubsetContexture:
    """Result of :func:`subset_contexture`.

    Attributes
    ----------
    indices : ndarray of int, shape (m,)
        The subset S (sorted input indices).
    singular_values : ndarray, shape (d,)
        s_1..s_d of the m-point context.
    left : ndarray, shape (N, d)
        The extended left functions mu_1..mu_d on every input (equal to the subset's on S).
    subset : Contexture
        The exact decomposition of the m-point context (left is (m, d), right is (m, d)).
    """

    indices: np.ndarray
    singular_values: np.ndarray
    left: np.ndarray
    subset: Contexture

    @property
    def eigenvalues(self) -> np.ndarray:
        """s_i^2, the top eigenvalues of T T*, shape (d,)."""
        return self.singular_values ** 2


def _check_params(context, k, bandwidth):
    check_choice(context, "context", CONTEXTS)
    if context == "knn":
        return check_int(k, "k", low=1)
    if bandwidth is None:
        raise ValueError("context='rbf' needs a bandwidth (a positive float)")
    return check_float(bandwidth, "bandwidth", low=0.0, low_open=True)


def build_context(X, *, context: str = "knn", k: int = 10, bandwidth: float | None = None):
    """The context on the points X with the builder :func:`subset_contexture` uses.

    Parameters
    ----------
    X : array-like, shape (n, p)
        The points.
    context : {"knn", "rbf"}, default="knn"
        The builder, as in :func:`subset_contexture`.
    k : int, default=10
        Neighbours of the KNN context.
    bandwidth : float, optional
        Bandwidth of the RBF context.

    Returns
    -------
    Context, shape (n, n)
    """
    param = _check_params(context, k, bandwidth)
    return contexts.knn(X, param) if context == "knn" else contexts.rbf(X, param)


def extension_conditional(X_query, X_subset, p_a, *, context: str = "knn", k: int = 10,
                          bandwidth: float | None = None):
    """P(a | x) over the subset's context values for new inputs x (not in the subset).

    Parameters
    ----------
    X_query : array-like, shape (n, p)
        New inputs.
    X_subset : array-like, shape (m, p)
        The subset points; they are the context values of the m-point context.
    p_a : array-like, shape (m,)
        Context marginal of the m-point context (KNN uses only values with p_a > 0).
    context : {"knn", "rbf"}, default="knn"
        The builder, as in :func:`subset_contexture`.
    k : int, default=10
        Neighbours of the KNN context.
    bandwidth : float, optional
        Bandwidth of the RBF context.

    Returns
    -------
    scipy.sparse CSR (KNN) or ndarray (RBF), shape (n, m), rows summing to 1.
    """
    param = _check_params(context, k, bandwidth)
    Xq = as_float_array(X_query, "X_query", ndim=2)
    Xs = as_float_array(X_subset, "X_subset", ndim=2)
    if Xq.shape[1] != Xs.shape[1]:
        raise ValueError(f"X_query has {Xq.shape[1]} features and X_subset {Xs.shape[1]}; "
                         "expected the same")
    m, n = Xs.shape[0], Xq.shape[0]
    p_a = as_float_array(p_a, "p_a", ndim=1)
    if p_a.shape != (m,):
        raise ValueError(f"p_a has shape {p_a.shape}; expected ({m},), one per subset point")
    if context == "rbf":
        sq_q, sq_s = np.sum(Xq ** 2, axis=1), np.sum(Xs ** 2, axis=1)
        dist2 = np.maximum(sq_q[:, None] + sq_s[None, :] - 2 * Xq @ Xs.T, 0.0)
        logits = -dist2 / (2 * param ** 2)
        W = np.exp(logits - logits.max(axis=1, keepdims=True))
        return W / W.sum(axis=1, keepdims=True)
    from sklearn.neighbors import NearestNeighbors

    candidates = np.flatnonzero(p_a > 0)
    if candidates.size < param:
        raise ValueError(f"only {candidates.size} subset points carry context mass; a KNN "
                         f"extension with k={param} needs at least {param}")
    _, idx = NearestNeighbors(n_neighbors=param).fit(Xs[candidates]).kneighbors(Xq)
    cols = candidates[idx]                     # positions in the subset, (n, k)
    return sp.csr_matrix((np.full(n * param, 1.0 / param),
                          (np.repeat(np.arange(n), param), cols.ravel())), shape=(n, m))


@renamed_random_state("seed")
def subset_contexture(X, m: int, d: int, *, context: str = "knn", k: int = 10,
                      bandwidth: float | None = None, random_state=0,
                      method: str = "auto") -> SubsetContexture:
    """Decompose the context built on m random inputs and extend it to all N inputs.

    Parameters
    ----------
    X : array-like, shape (N, p)
        All inputs (features the context is built from).
    m : int, d + 2 <= m <= N
        Subset size (sampled without replacement with ``random_state``).
    d : int >= 1
        Number of singular pairs (s_0 = 1 excluded).
    context : {"knn", "rbf"}, default="knn"
    k : int, default=10
        Neighbours of the KNN context (the same k as the full-data context).
    bandwidth : float, default=None
        Bandwidth of the RBF context.
    random_state : int or numpy Generator, default=0
        Draws the subset.
    method : str, default="auto"
        Solver passed to :func:`contexture_lab.contexture`.

    Returns
    -------
    SubsetContexture
    """
    X = as_float_array(X, "X", ndim=2)
    N = X.shape[0]
    m = check_int(m, "m", low=2, high=N)
    d = check_int(d, "d", low=1)
    rng = check_rng(random_state)
    S = np.sort(rng.choice(N, size=m, replace=False))
    sub_ctx = build_context(X[S], context=context, k=k, bandwidth=bandwidth)
    res = contexture(sub_ctx, d, method=method)
    s = res.singular_values
    if s[-1] < MIN_SINGULAR_VALUE:
        raise ValueError(f"s_{d} = {s[-1]:.2g} of the {m}-point context is (numerically) zero;"
                         " mu = T nu / s cannot be extended: choose a smaller d")
    rest = np.setdiff1d(np.arange(N), S)
    left = np.empty((N, d))
    left[S] = res.left                         # = (1/s) C_S nu exactly: T nu_i = s_i mu_i
    if rest.size:
        C = extension_conditional(X[rest], X[S], sub_ctx.p_a, context=context, k=k,
                                  bandwidth=bandwidth)
        left[rest] = np.asarray(C @ res.right) / s
    return SubsetContexture(indices=S, singular_values=s, left=left, subset=res)


@dataclass(frozen=True)
class EigenvalueError:
    """Result of :func:`eigenvalue_error`.

    Attributes
    ----------
    ms : ndarray of int, shape (k,)
        Subset sizes.
    reference : ndarray, shape (d,)
        Full-data eigenvalues s_1^2..s_d^2.
    estimates : ndarray, shape (k, n_repeats, d)
        Eigenvalues of the m-point contexts.
    fits : tuple of tuples of SubsetContexture, shape (k, n_repeats)
        The fits themselves; their extended ``left`` functions are encoders for every
        input (e.g. to measure the downstream error that an eigenvalue error costs).
    """

    ms: np.ndarray
    reference: np.ndarray
    estimates: np.ndarray
    fits: tuple

    @property
    def errors(self) -> np.ndarray:
        """Mean absolute error of the top-d eigenvalues, shape (k, n_repeats)."""
        return np.mean(np.abs(self.estimates - self.reference), axis=2)

    @property
    def mae(self) -> np.ndarray:
        """Error averaged over repeats, shape (k,)."""
        return self.errors.mean(axis=1)

    @property
    def mae_std(self) -> np.ndarray:
        """Spread (standard deviation) of the error over repeats, shape (k,)."""
        return self.errors.std(axis=1)


@renamed_random_state("seed")
def eigenvalue_error(X, ms, d: int, *, context: str = "knn", k: int = 10,
                     bandwidth: float | None = None, n_repeats: int = 3, random_state=0,
                     reference=None, method: str = "auto") -> EigenvalueError:
    """Error of the top-d eigenvalues estimated from m inputs, for each m in ``ms``.

    Parameters
    ----------
    X : array-like, shape (N, p)
        The data points.
    ms : int or sequence of int
        Subset sizes, each in [d + 2, N] (a single int: one size).
    d : int
        Number of eigenvalues.
    context : {"knn", "rbf"}, default="knn"
        The context builder, as in :func:`subset_contexture`.
    k : int, default=10
        Neighbours of the KNN context.
    bandwidth : float, optional
        Bandwidth of the RBF context.
    n_repeats : int, default=3
        Random subsets per m (drawn from one Generator seeded by ``random_state``).
    random_state : int or numpy.random.Generator, default=0
        Seed of the subsets (``seed`` is its deprecated old name).
    reference : array-like, shape (>= d,), optional
        Full-data singular values s_1.. (computed with the same builder if omitted).
    method : str, default="auto"
        Solver of :func:`contexture_lab.contexture`.

    Returns
    -------
    EigenvalueError
    """
    X = as_float_array(X, "X", ndim=2)
    d = check_int(d, "d", low=1)
    # a single int is one subset size (as graph_learning reads a single length)
    ms = np.asarray([check_int(m, "ms[i]", low=2, high=X.shape[0])
                     for m in np.atleast_1d(np.asarray(ms, dtype=object)).tolist()],
                    dtype=np.int64)
    if ms.size == 0:
        raise ValueError("ms is empty; expected at least one subset size")
    if reference is None:
        reference = contexture(build_context(X, context=context, k=k, bandwidth=bandwidth), d,
                               method=method).singular_values
    reference = as_float_array(reference, "reference", ndim=1)
    if reference.size < d:
        raise ValueError(f"reference has {reference.size} singular values; expected >= d={d}")
    rng = check_rng(random_state)
    n_repeats = check_int(n_repeats, "n_repeats", low=1)
    fits = tuple(tuple(subset_contexture(X, m, d, context=context, k=k, bandwidth=bandwidth,
                                         random_state=rng, method=method) for _ in range(n_repeats))
                 for m in progress(ms, "eigenvalues from m inputs"))
    estimates = np.array([[fit.eigenvalues for fit in row] for row in fits])
    return EigenvalueError(ms=ms, reference=reference[:d] ** 2, estimates=estimates, fits=fits)


def encoder_eigenvalues(ctx, features) -> np.ndarray:
    """The context's top eigenvalues as seen through an encoder: B_Phi v = lambda C_Phi v.

    For an encoder Phi (d functions of x), centred under P_X, let

        C_Phi = E[Phi(X) Phi(X)^T],    B_Phi = E_A[ E[Phi(X) | A] E[Phi(X) | A]^T ],

    so that for f = v^T Phi, v^T B_Phi v / v^T C_Phi v = <f, T T* f> / <f, f>. The
    generalised eigenvalues lambda_1 >= ... >= lambda_d are the Rayleigh-Ritz values of
    T T* on the span of Phi: **theorem** (Poincare separation / Cauchy interlacing)
    lambda_i <= s_i^2 for every i, with equality for all i when Phi spans the top-d
    singular functions (the contexture). They depend on the span of Phi only. This is the
    estimator of the appendix of [ICML] (arXiv:2505.01557) computed exactly on a finite
    context: B_Phi and C_Phi are expectations under the context's own joint, not sample means.

    Parameters
    ----------
    ctx : Context
        The context whose eigenvalues are estimated (N inputs).
    features : array-like, shape (N, d)
        The encoder's values on the N inputs; after centring, the d columns must be linearly
        independent under P_X.

    Returns
    -------
    ndarray of shape (d,)
        lambda_1 >= ... >= lambda_d, estimates of s_1^2..s_d^2.
    """
    from scipy.linalg import eigh

    from .context import check_context

    check_context(ctx)
    F = as_float_array(features, "features", ndim=2)
    if F.shape[0] != ctx.n_inputs:
        raise ValueError(f"features has {F.shape[0]} rows; expected one per input "
                         f"({ctx.n_inputs})")
    p_x, p_a = ctx.p_x, ctx.p_a
    F = F - p_x @ F
    C = F.T @ (F * p_x[:, None])
    G = np.asarray(ctx.P.T @ F)                 # sum_x P(x, a) Phi(x), shape (M, d)
    keep = p_a > 0
    B = G[keep].T @ (G[keep] / p_a[keep, None])
    if np.linalg.eigvalsh(C)[0] <= 1e-12 * max(np.trace(C), 1e-300):
        raise ValueError("features are linearly dependent under P_X after centring; "
                         "expected d independent functions")
    return np.clip(eigh(B, C, eigvals_only=True)[::-1], 0.0, None)


def encoder_eigenvalue_error(ctx, result: EigenvalueError) -> EigenvalueError:
    """The eigenvalue errors of ``result``'s fits, estimated through their encoders.

    Each fit's extended left functions (an encoder fitted on m inputs) give estimates of
    ``ctx``'s eigenvalues by :func:`encoder_eigenvalues`; the returned
    :class:`EigenvalueError` has these as ``estimates`` (same ``ms``, ``reference``,
    ``fits``), so its ``errors``, ``mae`` and ``mae_std`` are those of the encoder route.

    Parameters
    ----------
    ctx : Context
        The full context (all n inputs) whose eigenvalues are estimated.
    result : EigenvalueError
        A result of :func:`eigenvalue_error` on ``ctx`` (its ``fits`` are used).

    Returns
    -------
    EigenvalueError
        ``estimates`` of shape (k, n_repeats, d) from the encoders; ``ms``,
        ``reference`` and ``fits`` are ``result``'s.
    """
    if not isinstance(result, EigenvalueError):
        raise TypeError(f"result must be an EigenvalueError, got {type(result).__name__}")
    estimates = np.array([[encoder_eigenvalues(ctx, fit.left) for fit in row]
                          for row in result.fits])
    return EigenvalueError(ms=result.ms, reference=result.reference, estimates=estimates,
                           fits=result.fits)


__all__ = ["CONTEXTS", "EigenvalueError", "SubsetContexture", "build_context",
           "eigenvalue_error", "encoder_eigenvalue_error", "encoder_eigenvalues",
           "extension_conditional", "subset_contexture"]
