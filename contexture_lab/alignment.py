"""Comparing representations: with the exact contexture and with each other (THEORY.md 3, 8).

*Sample metrics* take feature matrices F (n, p) and G (n, q) whose rows are the same n
inputs and say how alike the two representations are: :func:`cca_r2`, :func:`svcca`,
:func:`linear_cka`, :func:`rbf_cka` (both with a debiased HSIC variant) and
:func:`procrustes_distance` centre the columns first; :func:`mutual_knn` (cosine
neighbours) and :func:`rsa` (standard correlation RDMs of the raw rows) do not.
:func:`permutation_null` turns any of them into a test ("is 0.3 high?").

*Population quantities* of a context and an encoder (compatibility rho, ratio trace,
exact and worst-case linear-probe errors) live in :mod:`contexture_lab.compatibility`;
they stay importable from here (``cl.alignment.compatibility`` is part of the public
contract).

Conventions for degenerate input (never NaN): a representation without variance (all rows
equal) scores 0 under the similarity scores (CCA, SVCCA, CKA), because it carries no
information about the inputs; :func:`rsa` and :func:`procrustes_distance` are undefined
there and raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._linalg import CONSTANT_RTOL as _CONSTANT_RTOL
from ._linalg import svd_basis as _svd_basis
from ._progress import progress
from ._threads import one_thread
from ._validation import (
    as_float_array,
    as_paired_rows,
    check_choice,
    check_float,
    check_int,
    check_rng,
    moved_attribute,
    power_of_two_scale,
    renamed_random_state,
)
from .compatibility import (  # population quantities, moved there; still served here
    MAX_WORST_CASE_INPUTS,
    compatibility,
    linear_probe_error,
    optimal_worst_case_error,
    ratio_trace,
    theorem_eps_range,
    worst_case_error,
)


# ---------------------------------------------------------------------------- helpers
def _pair(F, G):
    F, G = as_paired_rows(F, G, ("F", "G"), rows_are="inputs",
                          purpose="comparing representations")
    for name, M in (("F", F), ("G", G)):
        if M.shape[1] == 0:
            raise ValueError(f"{name} has shape {M.shape}: no feature columns; expected at "
                             "least one")
    return F, G


def _unit_scale(*arrays):
    """Each array divided by a power of two near its largest |entry| (exact): metrics that
    are invariant to isotropic scaling stay so from 1e-300 to 1e300 (no over/underflow)."""
    return tuple(M / power_of_two_scale(M) for M in arrays)


def _centred(F):
    """Column-centred F and whether it has any variance left."""
    Fc = F - F.mean(axis=0)
    scale = np.linalg.norm(F)
    return Fc, bool(scale > 0 and np.linalg.norm(Fc) > _CONSTANT_RTOL * scale)


def _require_variance(F, name, metric):
    Fc, varies = _centred(F)
    if not varies:
        raise ValueError(f"{name} has no variance (all rows are equal after centring); "
                         f"{metric} is undefined for a constant representation")
    return Fc


def _orthonormal_basis(F, rtol=1e-10):
    """Orthonormal basis (n, r) of the column span of centred F; r = numerical rank."""
    Fc, varies = _centred(F)
    if not varies:
        return np.zeros((F.shape[0], 0))
    return _svd_basis(Fc, rtol)[0]


# ---------------------------------------------------------------------------- CCA family
def canonical_correlations(F, G) -> np.ndarray:
    """Canonical correlations of centred F and G, descending.

    Parameters
    ----------
    F : array-like, shape (n, p)
        One representation of n inputs.
    G : array-like, shape (n, q)
        Another representation of the same inputs.

    Returns
    -------
    ndarray, shape (min(rank F, rank G),)
        The canonical correlations, each in [0, 1].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> cl.alignment.canonical_correlations(F, G).round(4)
    array([1., 1., 1.])
    """
    F, G = _unit_scale(*_pair(F, G))
    Uf, Ug = _orthonormal_basis(F), _orthonormal_basis(G)
    if Uf.shape[1] == 0 or Ug.shape[1] == 0:
        return np.zeros(0)
    return np.clip(np.linalg.svd(Uf.T @ Ug, compute_uv=False), 0.0, 1.0)


def cca_r2(F, G) -> float:
    """Mean squared canonical correlation between centred F and G, in [0, 1].

    The mean runs over min(p, q) pairs, so a rank-deficient (collapsed) representation
    scores below 1: 1 means span(F) and span(G) coincide (when p = q). Invariant to any
    invertible linear map of either side. Constant features give 0.

    Parameters
    ----------
    F : array-like, shape (n, p)
        One representation of n inputs.
    G : array-like, shape (n, q)
        Another representation of the same inputs.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.cca_r2(F, G), 4)
    1.0
    >>> C = np.c_[F[:, 0], F[:, 0], F[:, 1]]        # rank 2 of 3 columns
    >>> round(cl.alignment.cca_r2(F, C), 4)
    0.6667
    """
    F, G = _pair(F, G)
    rho = canonical_correlations(F, G)
    return float(np.sum(rho ** 2) / min(F.shape[1], G.shape[1]))


def _svcca_dims(dims):
    if dims is None:
        return None, None
    if isinstance(dims, (tuple, list)):
        if len(dims) != 2:
            raise ValueError(f"dims must be an int or a pair (dims_F, dims_G), got {dims!r}")
        return check_int(dims[0], "dims[0]", low=1), check_int(dims[1], "dims[1]", low=1)
    dims = check_int(dims, "dims", low=1)
    return dims, dims


def _top_directions(F, dims, keep_variance, name):
    Fc, varies = _centred(F)
    if not varies:
        return np.zeros((F.shape[0], 0))
    U, s = _svd_basis(Fc, 1e-10)
    if dims is None:
        share = np.cumsum(s ** 2) / np.sum(s ** 2)
        dims = int(np.searchsorted(share, keep_variance - 1e-12) + 1)
    elif dims > F.shape[1]:
        raise ValueError(f"dims={dims} exceeds the {F.shape[1]} feature(s) of {name}")
    return U[:, :dims]


def svcca(F, G, dims=None, *, keep_variance: float = 0.99) -> float:
    """SVCCA (Raghu et al. 2017): CCA between the top singular directions of each side.

    Each centred side is reduced by SVD to its top directions, then the canonical
    correlations of the reduced sides are averaged (not squared, as in the paper).

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
    dims : int or (int, int), optional
        Directions kept for F and G; at most the numerical rank is used. Default: the
        fewest directions that explain ``keep_variance`` of each side's variance.
    keep_variance : float in (0, 1], default=0.99
        Variance share kept when ``dims`` is None.

    Returns
    -------
    float in [0, 1]; 0 when a side is constant.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.svcca(F, G), 4)
    1.0
    """
    F, G = _unit_scale(*_pair(F, G))
    keep_variance = check_float(keep_variance, "keep_variance", low=0.0, high=1.0,
                                low_open=True)
    dims_f, dims_g = _svcca_dims(dims)
    Uf = _top_directions(F, dims_f, keep_variance, "F")
    Ug = _top_directions(G, dims_g, keep_variance, "G")
    if Uf.shape[1] == 0 or Ug.shape[1] == 0:
        return 0.0
    rho = np.clip(np.linalg.svd(Uf.T @ Ug, compute_uv=False), 0.0, 1.0)
    return float(np.mean(rho))


# ---------------------------------------------------------------------------- HSIC / CKA
def _gram_pair(K, L):
    K = as_float_array(K, "K", ndim=2)
    L = as_float_array(L, "L", ndim=2)
    for name, M in (("K", K), ("L", L)):
        if M.shape[0] != M.shape[1]:
            raise ValueError(f"{name} must be a square Gram matrix, got shape {M.shape}")
    if K.shape != L.shape:
        raise ValueError(f"K has shape {K.shape} and L has shape {L.shape}; both Gram "
                         "matrices must be over the same inputs")
    return K, L


def _double_centre(K):
    return K - K.mean(axis=0) - K.mean(axis=1)[:, None] + K.mean()


def _u_centre(K):
    """U-centring (Szekely & Rizzo 2014): the unbiased HSIC is <U(K), U(L)> / (n (n-3))."""
    n = K.shape[0]
    K = K.copy()
    np.fill_diagonal(K, 0.0)
    rows = K.sum(axis=1)
    out = K - rows[:, None] / (n - 2) - K.sum(axis=0)[None, :] / (n - 2) \
        + K.sum() / ((n - 1) * (n - 2))
    np.fill_diagonal(out, 0.0)
    return out


def _centre_gram(K, debiased):
    return _u_centre(K) if debiased else _double_centre(K)


def _check_gram_size(n, debiased):
    need = 4 if debiased else 2
    if n < need:
        raise ValueError(f"the {'debiased ' if debiased else ''}HSIC needs at least {need} "
                         f"inputs, got {n}")


def hsic(K, L, *, debiased: bool = False) -> float:
    """Hilbert-Schmidt independence criterion of two Gram matrices over the same n inputs.

    Biased (Gretton et al. 2005): tr(K H L H) / (n - 1)^2 with H the centring matrix.
    Debiased (Song et al. 2012): the unbiased estimator, computed through U-centred
    matrices; it needs n >= 4 and can be slightly negative.

    Parameters
    ----------
    K : array-like, shape (n, n)
        Gram matrix of one representation.
    L : array-like, shape (n, n)
        Gram matrix of another representation of the same inputs.
    debiased : bool, default=False
        Use the unbiased HSIC estimator (n >= 4).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.hsic(F @ F.T, G @ G.T), 4)
    4.3921
    """
    K, L = _gram_pair(K, L)
    n = K.shape[0]
    _check_gram_size(n, debiased)
    scale = n * (n - 3) if debiased else (n - 1) ** 2
    return float(np.sum(_centre_gram(K, debiased) * _centre_gram(L, debiased)) / scale)


def cka(K, L, *, debiased: bool = False) -> float:
    """Centred kernel alignment of two Gram matrices: HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)).

    In [0, 1] for the biased HSIC; in [-1, 1] for the debiased one (its values scatter
    around 0 for unrelated representations instead of sitting above 0). A Gram matrix
    that centring annihilates (a constant representation) gives 0.

    Parameters
    ----------
    K : array-like, shape (n, n)
        Gram matrix of one representation.
    L : array-like, shape (n, n)
        Gram matrix of another representation of the same inputs.
    debiased : bool, default=False
        Use the unbiased HSIC estimator (n >= 4).

    Returns
    -------
    float
        In [0, 1] (biased) or [-1, 1] (debiased).

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.cka(F @ F.T, G @ G.T), 4)
    0.6617
    """
    K, L = _gram_pair(K, L)
    _check_gram_size(K.shape[0], debiased)
    Kc, Lc = _centre_gram(K, debiased), _centre_gram(L, debiased)
    nk, nl = np.linalg.norm(Kc), np.linalg.norm(Lc)
    if nk <= _CONSTANT_RTOL * np.linalg.norm(K) or nl <= _CONSTANT_RTOL * np.linalg.norm(L):
        return 0.0
    return float(np.clip(np.sum(Kc * Lc) / (nk * nl), -1.0 if debiased else 0.0, 1.0))


def linear_cka(F, G, *, debiased: bool = False) -> float:
    """Linear CKA (Kornblith et al. 2019): ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F).

    X, Y are the centred F (n, p), G (n, q). Invariant to rotations and isotropic scaling
    of either side, *not* to other invertible linear maps (CCA is). In [0, 1]; 0 when a
    side is constant. ``debiased=True`` uses the unbiased HSIC (n >= 4, value in [-1, 1]).

    Parameters
    ----------
    F : array-like, shape (n, p)
        One representation of n inputs.
    G : array-like, shape (n, q)
        Another representation of the same inputs.
    debiased : bool, default=False
        Use the unbiased HSIC estimator.

    Returns
    -------
    float
        Equal to :func:`cka` of the linear Gram matrices ``F F^T`` and ``G G^T``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.linear_cka(F, G), 4)    # not invariant to G's linear map
    0.6617
    >>> R = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    >>> round(cl.alignment.linear_cka(F, 2 * F @ R), 4)  # invariant to rotation and scale
    1.0
    """
    F, G = _unit_scale(*_pair(F, G))
    X, fx = _centred(F)
    Y, fy = _centred(G)
    if not (fx and fy):
        return 0.0
    X = X / np.linalg.norm(X)
    Y = Y / np.linalg.norm(Y)
    if debiased or max(X.shape[1], Y.shape[1]) > X.shape[0]:
        return cka(X @ X.T, Y @ Y.T, debiased=debiased)
    cross = np.linalg.norm(Y.T @ X) ** 2
    value = cross / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))
    return float(np.clip(value, 0.0, 1.0))


def _rbf_gram(X, sigma, name):
    sq = np.sum(X * X, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)
    # below the formula's round-off a distance is 0 (duplicated rows), at every scale
    dist2[dist2 <= 1e-12 * (sq[:, None] + sq[None, :])] = 0.0
    np.fill_diagonal(dist2, 0.0)
    if sigma is None:
        positive = dist2[np.triu_indices_from(dist2, k=1)]
        positive = positive[positive > 0]
        if positive.size == 0:  # all rows equal: a constant kernel, CKA gives 0
            return np.ones_like(dist2)
        sigma = float(np.sqrt(np.median(positive)))
    else:
        sigma = check_float(sigma, f"sigma ({name})", low=0.0, low_open=True)
    return np.exp(-dist2 / (2 * sigma ** 2))


def rbf_cka(F, G, sigma=None, *, debiased: bool = False) -> float:
    """CKA with Gaussian kernels ``exp(-|x - x'|^2 / (2 sigma^2))`` on each side.

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
    sigma : float or (float, float), optional
        Bandwidths for F and G. Default: the median distance between distinct rows of each
        side (scale-free: the value is invariant to rotations and isotropic scaling).
    debiased : bool, default=False
        Use the unbiased HSIC (n >= 4, value in [-1, 1]).

    Returns
    -------
    float in [0, 1] (biased); 0 when a side is constant.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.rbf_cka(F, 2 * F), 4)   # the median bandwidth scales along
    1.0
    """
    F, G = _pair(F, G)
    if isinstance(sigma, (tuple, list)) and len(sigma) != 2:
        raise ValueError(f"sigma must be a float or a pair (sigma_F, sigma_G), got {sigma!r}")
    sf, sg = sigma if isinstance(sigma, (tuple, list)) else (sigma, sigma)
    # the median bandwidth is scale-free: rescale (exactly) where it is used
    F = F / power_of_two_scale(F) if sf is None else F
    G = G / power_of_two_scale(G) if sg is None else G
    K = _rbf_gram(F - F.mean(axis=0), sf, "F")
    L = _rbf_gram(G - G.mean(axis=0), sg, "G")
    return cka(K, L, debiased=debiased)


# ---------------------------------------------------------------------------- neighbours
def centre_whiten(F, rtol=1e-10) -> np.ndarray:
    """Centred, whitened features: identity covariance on their span.

    Parameters
    ----------
    F : array-like, shape (n, p)
        Features of n inputs.
    rtol : float, default=1e-10
        Directions with a singular value below ``rtol`` times the largest are dropped.

    Returns
    -------
    ndarray, shape (n, r)
        r = the numerical rank of the centred F; ``W.T @ W / n`` is the identity.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> W = cl.alignment.centre_whiten(G)
    >>> np.round(W.T @ W / 50, 8) + 0
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    F = as_float_array(F, "F", ndim=2)
    return _orthonormal_basis(F, rtol) * np.sqrt(F.shape[0])


def knn_indices(F, k: int, chunk: int = 2048) -> np.ndarray:
    """k nearest rows by inner product of L2-normalised rows, self excluded.

    Parameters
    ----------
    F : array-like, shape (n, p)
        Features of n inputs.
    k : int
        Neighbours per row, 1 <= k <= n - 1.
    chunk : int, default=2048
        Rows compared at a time (memory only; the result does not depend on it).

    Returns
    -------
    ndarray of int, shape (n, k)
        The neighbours of each row, nearest first.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> X = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> cl.alignment.knn_indices(X, 1).ravel()
    array([1, 0, 3, 2])
    """
    F = as_float_array(F, "F", ndim=2)
    n = F.shape[0]
    k = check_int(k, "k", low=1)
    chunk = check_int(chunk, "chunk", low=1)
    if k >= n:
        raise ValueError(f"k={k} must be smaller than the number of rows n={n}")
    F = F / power_of_two_scale(F)  # exact; row norms neither overflow nor underflow
    norms = np.linalg.norm(F, axis=1, keepdims=True)
    Fn = np.divide(F, norms, out=np.zeros_like(F), where=norms > 0)
    out = np.empty((n, k), dtype=np.int64)
    for lo in range(0, n, chunk):
        S = Fn[lo:lo + chunk] @ Fn.T
        rows = np.arange(S.shape[0])
        S[rows, np.arange(lo, lo + S.shape[0])] = -np.inf
        top = np.argpartition(-S, k - 1, axis=1)[:, :k]
        order = np.argsort(-S[rows[:, None], top], axis=1, kind="stable")
        out[lo:lo + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def mutual_knn(F, G, k: int = 10) -> float:
    """Mutual k-NN alignment (Huh et al. 2024): mean overlap / k of the neighbour sets.

    Rows are L2-normalised and neighbours found by inner product, self excluded. No
    centring inside; to measure recovery of a contexture, centre and whiten first
    (:func:`centre_whiten`). In [0, 1]; about k / (n - 1) for unrelated representations.
    A side whose normalised rows are all equal (e.g. constant features) has no neighbour
    structure (every candidate ties) and scores 0.

    Parameters
    ----------
    F : array-like, shape (n, p)
        One representation of n inputs.
    G : array-like, shape (n, q)
        Another representation of the same inputs.
    k : int, default=10
        Neighbours per row.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> R = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    >>> round(cl.alignment.mutual_knn(F, 2 * F @ R, 5), 4)
    1.0
    >>> round(cl.alignment.mutual_knn(F, G, 5), 4)
    0.556
    """
    F, G = _unit_scale(*_pair(F, G))
    if _same_directions(F) or _same_directions(G):
        return 0.0
    a, b = knn_indices(F, k), knn_indices(G, k)
    n = a.shape[0]
    hits = np.zeros((n, n), dtype=bool)
    hits[np.arange(n)[:, None], a] = True
    overlap = hits[np.arange(n)[:, None], b].sum(axis=1)
    return float(np.mean(overlap) / k)


def _same_directions(F) -> bool:
    """Whether every row of F, L2-normalised, is the same vector (zero rows count as 0)."""
    norms = np.linalg.norm(F, axis=1, keepdims=True)
    Fn = np.divide(F, norms, out=np.zeros_like(F), where=norms > 0)
    return bool(np.ptp(Fn, axis=0).max() <= 1e-12)


def recovery(features, result, k: int = 10) -> dict:
    """How well ``features`` (n, d) recover a contexture's left functions ``result.left``.

    Mutual k-NN is computed on centred, whitened features of both sides.

    Parameters
    ----------
    features : array-like, shape (n, d)
        A learned representation of the n inputs.
    result : Contexture
        The contexture to recover (its ``left`` functions, (n, d')).
    k : int, default=10
        Neighbours of the mutual k-NN score.

    Returns
    -------
    dict
        ``{"cca_r2": float, "mutual_knn": float}``, both in [0, 1].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> res = cl.contexture(cl.contexts.knn(F, 5), 2)
    >>> scores = cl.alignment.recovery(res.left @ [[2.0, 1.0], [0.0, 1.0]], res, k=5)
    >>> {name: round(value, 4) for name, value in scores.items()}
    {'cca_r2': 1.0, 'mutual_knn': 1.0}
    """
    left = result.left if hasattr(result, "left") else as_float_array(result, "result", ndim=2)
    return {"cca_r2": cca_r2(features, left),
            "mutual_knn": mutual_knn(centre_whiten(features), centre_whiten(left), k=k)}


# ---------------------------------------------------------------------------- RSA, Procrustes
def rdm(F, metric: str = "correlation", *, centre_columns: bool = False) -> np.ndarray:
    """Upper triangle of a representational dissimilarity matrix (RDM) over the rows of F.

    Parameters
    ----------
    F : array-like, shape (n, p) or (n,)
        n patterns (one per input), p features each.
    metric : {"correlation", "euclidean"}, default="correlation"
        ``"correlation"``: 1 - Pearson correlation between two rows, each row centred over
        its own p features: the standard RSA dissimilarity (Kriegeskorte et al. 2008), the
        same as ``scipy.spatial.distance.pdist(F, metric="correlation")`` and rsatoolbox's
        correlation RDM on the raw patterns. Needs p >= 2 and no row that is constant across
        its features. ``"euclidean"``: distances between the rows.
    centre_columns : bool, default False
        First subtract from each feature its mean over the n patterns (the mean pattern,
        sometimes called cocktail-blank removal). Not the standard RSA: it changes the
        correlation RDM, because a row's correlation depends on offsets shared by all rows;
        it leaves Euclidean distances unchanged.

    Returns
    -------
    ndarray, shape (n (n - 1) / 2,)
        Dissimilarities of the pairs (i, j), i < j, in the order of
        :func:`scipy.spatial.distance.pdist`.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> F = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 4.0, 6.0]])
    >>> cl.alignment.rdm(F).round(6) + 0     # pairs (0, 1), (0, 2), (1, 2)
    array([2., 0., 2.])
    """
    F = as_float_array(F, "F", ndim=(1, 2))
    F = F[:, None] if F.ndim == 1 else F
    check_choice(metric, "metric", ("correlation", "euclidean"))
    if not isinstance(centre_columns, (bool, np.bool_)):
        raise TypeError(f"centre_columns must be True or False, got {centre_columns!r}")
    iu = np.triu_indices(F.shape[0], k=1)
    if metric == "euclidean":
        Fc = F - F.mean(axis=0)   # distances ignore offsets; centring only helps accuracy
        sq = np.sum(Fc * Fc, axis=1)
        dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * Fc @ Fc.T, 0.0)
        dist2[dist2 <= 1e-12 * (sq[:, None] + sq[None, :])] = 0.0  # duplicates: exactly 0
        return np.sqrt(dist2[iu])
    if F.shape[1] < 2:
        raise ValueError("the correlation RDM needs at least 2 features (a correlation "
                         "across one feature is undefined); use metric='euclidean'")
    patterns = F - F.mean(axis=0) if centre_columns else F
    Z = patterns - patterns.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(Z, axis=1)
    flat = np.flatnonzero(norms <= _CONSTANT_RTOL * max(np.abs(patterns).max(), 1e-300))
    if flat.size:
        what = "column-centred patterns" if centre_columns else "patterns"
        raise ValueError(f"{flat.size} row(s) of the {what} are constant across their "
                         f"features (first: row {flat[0]}); their correlation with other "
                         "rows is undefined; use metric='euclidean'")
    Z /= norms[:, None]
    return 1.0 - np.clip((Z @ Z.T)[iu], -1.0, 1.0)


def _spearman(a, b):
    from scipy.stats import rankdata

    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.linalg.norm(ra) * np.linalg.norm(rb)
    return 0.0 if denom == 0 else float(np.clip(ra @ rb / denom, -1.0, 1.0))


def rsa(F, G, *, metric: str = "correlation", centre_columns: bool = False) -> float:
    """Representational similarity analysis: Spearman correlation between the two RDMs.

    Each side's RDM comes from :func:`rdm` (by default 1 - Pearson correlation between
    its raw rows, the standard definition); the score is the Spearman rank correlation of
    the two upper triangles, as ``scipy.stats.spearmanr(pdist(F, "correlation"),
    pdist(G, "correlation"))``. Invariant to any monotone change of the dissimilarities,
    *not* to rotations of the features (each row is centred over its features).

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
        The same n inputs, one per row.
    metric : {"correlation", "euclidean"}, default="correlation"
        Dissimilarity between rows, see :func:`rdm`.
    centre_columns : bool, default False
        Centre each feature over the n inputs before the correlation RDM (see :func:`rdm`);
        not the standard RSA.

    Returns
    -------
    float in [-1, 1]; 0 when an RDM has no spread (all dissimilarities equal).

    Raises
    ------
    ValueError
        For a constant representation (all rows equal), or a row without spread across its
        features under ``metric="correlation"``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> round(cl.alignment.rsa(F, 2 * F), 4)
    1.0
    >>> round(cl.alignment.rsa(F, G), 4)
    0.2108
    """
    F, G = _unit_scale(*_pair(F, G))
    _require_variance(F, "F", "RSA")
    _require_variance(G, "G", "RSA")
    return _spearman(rdm(F, metric, centre_columns=centre_columns),
                     rdm(G, metric, centre_columns=centre_columns))


def procrustes_distance(F, G) -> float:
    """Orthogonal Procrustes distance sqrt(2 - 2 ||X^T Y||_*) in [0, sqrt(2)].

    X, Y are F, G centred and scaled to unit Frobenius norm (a narrower side is padded
    with zero columns). Equals min over orthogonal R of ||X R - Y||_F; 0 iff one side is a
    rotation and isotropic scaling of the other. Raises ``ValueError`` for a constant side.

    Parameters
    ----------
    F : array-like, shape (n, p)
        One representation of n inputs.
    G : array-like, shape (n, q)
        Another representation of the same inputs.

    Returns
    -------
    float
        In [0, sqrt(2)].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((50, 3))
    >>> G = F @ rng.standard_normal((3, 3))        # an invertible linear map of F
    >>> R = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    >>> round(cl.alignment.procrustes_distance(F, 3 * F @ R), 6)
    0.0
    >>> round(cl.alignment.procrustes_distance(F, G), 4)
    0.7092
    """
    F, G = _unit_scale(*_pair(F, G))
    X = _require_variance(F, "F", "the Procrustes distance")
    Y = _require_variance(G, "G", "the Procrustes distance")
    X = X / np.linalg.norm(X)
    Y = Y / np.linalg.norm(Y)
    nuclear = np.linalg.svd(X.T @ Y, compute_uv=False).sum()
    return float(np.sqrt(max(2.0 - 2.0 * nuclear, 0.0)))


# ---------------------------------------------------------------------------- permutation null
#: name -> (metric, alternative). "greater": larger = more alike; "less" for distances.
METRICS = {
    "cca_r2": (cca_r2, "greater"),
    "svcca": (svcca, "greater"),
    "linear_cka": (linear_cka, "greater"),
    "debiased_cka": (lambda F, G: linear_cka(F, G, debiased=True), "greater"),
    "rbf_cka": (rbf_cka, "greater"),
    "mutual_knn": (mutual_knn, "greater"),
    "rsa": (rsa, "greater"),
    "procrustes": (procrustes_distance, "less"),
}


@dataclass(frozen=True)
class PermutationNull:
    """Result of :func:`permutation_null`.

    Attributes
    ----------
    statistic : float
        The metric on the original pairing of rows.
    null : ndarray, shape (n_permutations,)
        The metric after shuffling the rows of G (pairing destroyed).
    p_value : float
        (1 + #{null at least as extreme}) / (1 + n_permutations).
    alternative : {"greater", "less"}
        Which direction counts as "more aligned".
    """

    statistic: float
    null: np.ndarray
    p_value: float
    alternative: str

    @property
    def null_mean(self) -> float:
        return float(np.mean(self.null))

    @property
    def null_quantile(self) -> float:
        """The null's 95th percentile ("greater") or 5th percentile ("less")."""
        return float(np.quantile(self.null, 0.95 if self.alternative == "greater" else 0.05))

    def __repr__(self) -> str:
        side = "95%" if self.alternative == "greater" else "5%"
        return (f"PermutationNull(statistic={self.statistic:.3f}, null mean="
                f"{self.null_mean:.3f}, null {side}={self.null_quantile:.3f}, "
                f"p={self.p_value:.3f}, n={self.null.size})")


@renamed_random_state("seed")
def permutation_null(metric, F, G, *, n_permutations: int = 200, random_state=0,
                     alternative: str | None = None) -> PermutationNull:
    """Compare ``metric(F, G)`` with its values after shuffling the rows of G.

    Shuffling destroys the pairing of inputs while keeping each representation intact, so
    the null samples show what the metric gives for two unrelated representations of the
    same shape and spectrum.

    Parameters
    ----------
    metric : callable ``metric(F, G) -> float`` or a name in :data:`METRICS`
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
    n_permutations : int >= 1, default=200
    random_state : int or numpy.random.Generator, default=0
        Seed of the row shuffles (``seed`` is its deprecated old name).
    alternative : {"greater", "less"}, optional
        "greater" when larger values mean more alike (default for callables); for names the
        registered direction (``"less"`` for ``"procrustes"``).

    Returns
    -------
    PermutationNull
    """
    if isinstance(metric, str):
        check_choice(metric, "metric", METRICS)
        metric, default = METRICS[metric]
    elif callable(metric):
        default = "greater"
    else:
        raise TypeError(f"metric must be callable or one of {sorted(METRICS)}, got "
                        f"{type(metric).__name__}")
    alternative = check_choice(alternative or default, "alternative", ("greater", "less"))
    F, G = _pair(F, G)
    n_permutations = check_int(n_permutations, "n_permutations", low=1)
    rng = check_rng(random_state)
    # many small products: one BLAS thread avoids the cost of waking the others each call
    with one_thread():
        statistic = float(metric(F, G))
        null = np.array([metric(F, G[rng.permutation(G.shape[0])])
                         for _ in range(n_permutations)], dtype=float)
    tol = 1e-12 * max(1.0, abs(statistic))
    extreme = null >= statistic - tol if alternative == "greater" else null <= statistic + tol
    p_value = (1 + int(extreme.sum())) / (1 + n_permutations)
    return PermutationNull(statistic, null, p_value, alternative)


@renamed_random_state("seed")
def compare(F, G, metrics=None, *, n_permutations: int = 100, random_state=0) -> dict:
    """Every metric in ``metrics`` (names of :data:`METRICS`, default all) with its null.

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
    metrics : sequence of str, optional
        Names in :data:`METRICS`; default all of them.
    n_permutations : int, default=100
    random_state : int or numpy.random.Generator, default=0
        Each null uses the same seed (``seed`` is its deprecated old name).

    Returns
    -------
    dict of str to PermutationNull
    """
    names = list(METRICS) if metrics is None else list(metrics)
    return {name: permutation_null(name, F, G, n_permutations=n_permutations,
                                   random_state=random_state)
            for name in progress(names, "permutation nulls")}


# ---------------------------------------------------------------------------- moved names
#: The benchmark of measures against the exact span lives in
#: :mod:`contexture_lab.measure_benchmark`, which imports this module (serving its names
#: here would be an import cycle): asking for one names its home.
_ABOVE = dict.fromkeys(("benchmark", "cknna", "pwcca"), "contexture_lab.measure_benchmark")


def __getattr__(name):
    raise moved_attribute(__name__, name, _ABOVE)


__all__ = [
    "METRICS", "PermutationNull", "canonical_correlations", "cca_r2", "cka", "centre_whiten",
    "compare", "hsic", "knn_indices", "linear_cka", "mutual_knn", "permutation_null",
    "procrustes_distance", "rbf_cka", "rdm", "recovery", "rsa", "svcca",
    # from compatibility
    "MAX_WORST_CASE_INPUTS", "compatibility", "linear_probe_error", "optimal_worst_case_error",
    "ratio_trace", "theorem_eps_range", "worst_case_error",
]
