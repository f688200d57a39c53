"""Node representations on a graph: states gathered from a walk, and how smooth they are.

For in-context learning of a graph (notebook 09; Park et al., ICLR 2025) a model reads a
random walk, one token per step; :func:`node_states` averages its hidden states per node,
and :func:`dirichlet_ratio` and :func:`pc_alignment` say whether those states follow the
graph (neighbours closer than random pairs; top principal components spanning the graph's
eigenspace). Two controls transform the states before they are averaged:
:func:`predecessor_residual` removes what the previous token's identity explains (the
previous-token account of Arditi, ICLR 2026 blog track), and :func:`recent_mean` builds the
no-model baseline (the mean of the last few tokens' input embeddings). Model-free: any
states of shape (layers, T, dim) will do.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int


def _check_states(states, walk):
    S = np.asarray(states, dtype=np.float64)
    walk = np.asarray(walk, dtype=np.int64)
    if S.ndim != 3 or walk.ndim != 1 or S.shape[1] != walk.size:
        raise ValueError(f"states has shape {S.shape}; expected (layers, {walk.size}, dim), "
                         "one position per step of the walk")
    return S, walk


def node_states(states, walk, n_nodes: int, prefix_lengths, *, window: int = 50):
    """Mean hidden state of each graph node over its recent occurrences in a walk.

    For a causal model reading a walk (one token per step) the state at position t depends
    only on steps 0..t, so one pass gives every prefix: for prefix length L the state of node
    v is the mean of the states at the positions t in [L - window, L) where ``walk[t] == v``
    (after Park et al., ICLR 2025, section 3).

    Parameters
    ----------
    states : ndarray, shape (L_layers + 1, T, dim)
        ``Forward.states[0]`` for the walk's text (one token per step).
    walk : ndarray of int, shape (T,)
    n_nodes : int
    prefix_lengths : sequence of int in [1, T]
    window : int, default=50

    Returns
    -------
    ndarray, shape (len(prefix_lengths), L_layers + 1, n_nodes, dim)
        NaN for a node absent from the window.
    """
    S, walk = _check_states(states, walk)
    window = check_int(window, "window", low=1)
    out = np.full((len(prefix_lengths), S.shape[0], n_nodes, S.shape[2]), np.nan)
    for k, L in enumerate(prefix_lengths):
        L = check_int(int(L), "prefix length", low=1, high=walk.size)
        lo = max(0, L - window)
        for v in range(n_nodes):
            pos = lo + np.flatnonzero(walk[lo:L] == v)
            if pos.size:
                out[k, :, v] = S[:, pos].mean(axis=1)
    return out


def dirichlet_ratio(H, W) -> float:
    """Dirichlet energy of node representations on a graph, normalised by all pairs:
    ``sum_ij W_ij |h_i - h_j|^2 / sum_ij W_ij`` over ``mean_ij |h_i - h_j|^2``.

    Below 1: neighbours on the graph are closer than two nodes at random (the representation
    follows the graph); 1: no relation. Invariant to rotating, shifting and scaling H.

    Parameters
    ----------
    H : array-like, shape (n, p)
        One representation per node.
    W : array-like, shape (n, n)
        Edge weights of the graph (non-negative, not all zero).

    Returns
    -------
    float
    """
    H = np.asarray(H, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    if H.ndim != 2 or W.shape != (H.shape[0], H.shape[0]):
        raise ValueError(f"H {H.shape} and W {W.shape}: expected (n, p) and (n, n)")
    sq = np.sum(H ** 2, axis=1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2 * H @ H.T, 0)
    return float((W * D).sum() / W.sum() / D.mean())


def pc_alignment(H, U, *, k: int = 2) -> float:
    """R2_CCA between the top-k principal components of node representations and U.

    Rows of ``H`` that hold NaN (nodes absent from the window, see :func:`node_states`) are
    left out of both sides. The principal components are those of the centred rows; only
    their span enters (:func:`contexture_lab.alignment.cca_r2` is invariant to the basis),
    so the value is determined when the k-th and (k+1)-th singular values differ.

    Parameters
    ----------
    H : array-like, shape (n, p)
        One representation per node (NaN rows allowed).
    U : array-like, shape (n, q)
        The graph's eigenvectors (e.g. from
        :func:`contexture_lab.in_context.graph_eigenvectors`).
    k : int, keyword-only, default=2
        Principal components kept; at most the number of nodes present minus 1.

    Returns
    -------
    float in [0, 1]
    """
    from .alignment import cca_r2

    H = np.asarray(H, dtype=np.float64)
    U = np.asarray(U, dtype=np.float64)
    if H.ndim != 2 or U.ndim != 2 or U.shape[0] != H.shape[0]:
        raise ValueError(f"H {H.shape} and U {U.shape}: expected (n, p) and (n, q)")
    seen = ~np.isnan(H).any(axis=1)
    k = check_int(k, "k", low=1, high=max(1, int(seen.sum()) - 1))
    h = H[seen] - H[seen].mean(axis=0)
    top = h @ np.linalg.svd(h, full_matrices=False)[2][:k].T
    return cca_r2(top, U[seen])


def predecessor_residual(states, walk, n_nodes: int):
    """States with what the previous token's identity explains removed.

    A least-squares regression of each position's state on the one-hot identity of the
    token before it (plus an intercept) over the whole walk: the fit is the mean state of
    the positions that follow the same token, and the residual at position t >= 1 is
    ``states[:, t] - mean{states[:, u] : walk[u - 1] == walk[t - 1]}``. Position 0 has no
    predecessor; its residual is taken about the mean of all positions. On a random walk
    the predecessor of a token is one of its graph neighbours, so whatever the states share
    with their predecessor (previous-token mixing) is removed, and what is left is the part
    of the state that the predecessor cannot explain.

    Parameters
    ----------
    states : ndarray, shape (L_layers + 1, T, dim)
    walk : ndarray of int, shape (T,)
    n_nodes : int

    Returns
    -------
    ndarray, shape (L_layers + 1, T, dim)
    """
    S, walk = _check_states(states, walk)
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    if walk.min() < 0 or walk.max() >= n_nodes:
        raise ValueError(f"walk has nodes in [{walk.min()}, {walk.max()}]; expected "
                         f"indices in [0, {n_nodes - 1}]")
    out = S - S.mean(axis=1, keepdims=True)
    prev = walk[:-1]
    for v in np.unique(prev):
        after = 1 + np.flatnonzero(prev == v)
        out[:, after] = S[:, after] - S[:, after].mean(axis=1, keepdims=True)
    return out


def recent_mean(states, window: int):
    """The mean over the last ``window`` positions (t - window + 1 .. t) at every position.

    With the input embeddings (``Forward.states[0, 0]``) this is the no-model baseline of
    in-context graph learning: each token represented by the mean embedding of itself and
    the ``window - 1`` tokens before it (fewer at the start of the text). ``window = 2`` is
    one round of previous-token mixing with the model's own word vectors.

    Parameters
    ----------
    states : array-like, shape (..., T, dim)
    window : int >= 1

    Returns
    -------
    ndarray, shape (..., T, dim)
    """
    S = np.asarray(states, dtype=np.float64)
    if S.ndim < 2:
        raise ValueError(f"states has shape {S.shape}; expected (..., T, dim)")
    window = check_int(window, "window", low=1)
    T = S.shape[-2]
    csum = np.cumsum(S, axis=-2)
    lagged = np.zeros_like(csum)
    if window < T:
        lagged[..., window:, :] = csum[..., :-window, :]
    count = np.minimum(np.arange(1, T + 1), window).astype(np.float64)
    return (csum - lagged) / count[:, None]


__all__ = ["dirichlet_ratio", "node_states", "pc_alignment", "predecessor_residual",
           "recent_mean"]
