"""Notebook 09's exercises: the common mistakes each must reject (WRONG)."""

import numpy as np


def _path(m, scale=2.0, period=1.0):
    """Eigenvalues ``scale (1 - cos(pi k / (period m)))`` of a path on m nodes, k = 0..m-1."""
    return scale * (1 - np.cos(np.pi * np.arange(m) / (period * m)))


def path_over_m_minus_1(a, b):        # cos(pi k / (m - 1)): the path's count taken as edges
    i = 2 - 2 * np.cos(np.pi * np.arange(a) / max(a - 1, 1))
    j = 2 - 2 * np.cos(np.pi * np.arange(b) / max(b - 1, 1))
    return np.sort((i[:, None] + j[None, :]).ravel())


def halved(a, b):                     # 1 - cos: half the combinatorial Laplacian's values
    return np.sort((_path(a, 1.0)[:, None] + _path(b, 1.0)[None, :]).ravel())


def cycle_factors(a, b):              # 2 pi k / m: the eigenvalues of cycles, not paths
    return np.sort((_path(a, period=0.5)[:, None] + _path(b, period=0.5)[None, :]).ravel())


def factors_listed_not_summed(a, b):  # the a + b factor values, not the a * b sums
    return np.sort(np.concatenate([_path(a), _path(b)]))


def one_long_path(a, b):              # a path on a * b nodes
    return np.sort(_path(a * b))


def _squared_distances(H):
    H = np.asarray(H, dtype=float)
    sq = np.sum(H ** 2, axis=1)
    return sq[:, None] + sq[None, :] - 2 * H @ H.T


def distinct_pairs_only(H, W):        # all-pairs mean over i != j: n (n - 1) pairs, not n^2
    D, n = _squared_distances(H), len(H)
    return (D * W).sum() / W.sum() / (D.sum() / (n * (n - 1)))


def distances_not_squared(H, W):      # |h_i - h_j| instead of its square
    D = np.sqrt(np.maximum(_squared_distances(H), 0))
    return (D * W).sum() / W.sum() / D.mean()


def sums_not_means(H, W):             # edge total over all-pairs total
    D = _squared_distances(H)
    return (D * W).sum() / D.sum()


def inverted(H, W):                   # all pairs over edges
    D = _squared_distances(H)
    return D.mean() / ((D * W).sum() / W.sum())


WRONG = [
    ("09.grid_spectrum", path_over_m_minus_1, "off by"),
    ("09.grid_spectrum", halved, "off by"),
    ("09.grid_spectrum", cycle_factors, "off by"),
    ("09.grid_spectrum", factors_listed_not_summed, "shape"),
    ("09.grid_spectrum", one_long_path, "off by"),
    ("09.dirichlet_ratio", distinct_pairs_only, "expected 0.2"),
    ("09.dirichlet_ratio", distances_not_squared, "expected 0.2"),
    ("09.dirichlet_ratio", sums_not_means, "expected 0.2"),
    ("09.dirichlet_ratio", inverted, "expected 0.2"),
]
