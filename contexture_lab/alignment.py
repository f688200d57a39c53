"""Comparing representations: with the exact contexture and with each other (THEORY.md 8).

All metrics take feature matrices F (n, p) and G (n, q) whose rows are the same n inputs.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_int


def _pair(F, G):
    F = as_float_array(F, "F", ndim=(1, 2))
    G = as_float_array(G, "G", ndim=(1, 2))
    F = F[:, None] if F.ndim == 1 else F
    G = G[:, None] if G.ndim == 1 else G
    if F.shape[0] != G.shape[0]:
        raise ValueError(f"F has {F.shape[0]} rows and G has {G.shape[0]}; both must hold "
                         "the same inputs, one per row")
    if F.shape[0] < 2:
        raise ValueError(f"need at least 2 rows to compare representations, got {F.shape[0]}")
    return F, G


def _orthonormal_basis(F, rtol=1e-10):
    """Orthonormal basis (n, r) of the column span of centred F; r = numerical rank."""
    Fc = F - F.mean(axis=0)
    U, s, _ = np.linalg.svd(Fc, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return U[:, :0]
    return U[:, s > rtol * s[0]]


def canonical_correlations(F, G) -> np.ndarray:
    """Canonical correlations of centred F and G, descending, length min(rank F, rank G)."""
    F, G = _pair(F, G)
    Uf, Ug = _orthonormal_basis(F), _orthonormal_basis(G)
    if Uf.shape[1] == 0 or Ug.shape[1] == 0:
        return np.zeros(0)
    return np.clip(np.linalg.svd(Uf.T @ Ug, compute_uv=False), 0.0, 1.0)


def cca_r2(F, G) -> float:
    """Mean squared canonical correlation between centred F and G, in [0, 1].

    The mean runs over min(p, q) pairs, so a rank-deficient (collapsed) representation
    scores below 1: 1 means span(F) and span(G) coincide (when p = q). Invariant to any
    invertible linear map of either side. Constant features give 0.
    """
    F, G = _pair(F, G)
    rho = canonical_correlations(F, G)
    return float(np.sum(rho ** 2) / min(F.shape[1], G.shape[1]))


def centre_whiten(F, rtol=1e-10) -> np.ndarray:
    """Centred, whitened features (n, r): identity covariance on their span (r = rank)."""
    F = as_float_array(F, "F", ndim=2)
    return _orthonormal_basis(F, rtol) * np.sqrt(F.shape[0])


def knn_indices(F, k: int, chunk: int = 2048) -> np.ndarray:
    """k nearest rows by inner product of L2-normalised rows, self excluded, (n, k)."""
    F = as_float_array(F, "F", ndim=2)
    n = F.shape[0]
    k = check_int(k, "k", low=1)
    if k >= n:
        raise ValueError(f"k={k} must be smaller than the number of rows n={n}")
    norms = np.linalg.norm(F, axis=1, keepdims=True)
    Fn = np.divide(F, norms, out=np.zeros_like(F), where=norms > 0)
    out = np.empty((n, k), dtype=np.int64)
    for lo in range(0, n, chunk):
        S = Fn[lo:lo + chunk] @ Fn.T
        S[np.arange(S.shape[0]), np.arange(lo, lo + S.shape[0])] = -np.inf
        out[lo:lo + chunk] = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return out


def mutual_knn(F, G, k: int = 10) -> float:
    """Mutual k-NN alignment (Huh et al. 2024): mean overlap / k of the neighbour sets.

    Rows are L2-normalised and neighbours found by inner product, self excluded. No
    centring inside; to measure recovery of a contexture, centre and whiten first
    (:func:`centre_whiten`). In [0, 1].
    """
    F, G = _pair(F, G)
    a, b = knn_indices(F, k), knn_indices(G, k)
    a.sort(axis=1)
    b.sort(axis=1)
    overlap = [np.intersect1d(x, y, assume_unique=True).size for x, y in zip(a, b)]
    return float(np.mean(overlap) / k)


def recovery(features, result, k: int = 10) -> dict:
    """How well ``features`` (n, d) recover a contexture's left functions ``result.left``.

    Returns ``{"cca_r2": ..., "mutual_knn": ...}``; mutual k-NN on centred, whitened
    features of both sides.
    """
    left = result.left if hasattr(result, "left") else as_float_array(result, "result", ndim=2)
    return {"cca_r2": cca_r2(features, left),
            "mutual_knn": mutual_knn(centre_whiten(features), centre_whiten(left), k=k)}
