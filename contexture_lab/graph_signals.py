"""Node representations on a graph: states gathered from a walk, and how smooth they are.

For in-context learning of a graph (notebook 09; Park et al., ICLR 2025) a model reads a
random walk, one token per step; :func:`node_states` averages its hidden states per node,
and :func:`dirichlet_ratio` says whether those states follow the graph (neighbours closer
than random pairs). Model-free: any states of shape (layers, T, dim) will do.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int


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
    S = np.asarray(states)
    walk = np.asarray(walk, dtype=np.int64)
    if S.ndim != 3 or S.shape[1] != walk.size:
        raise ValueError(f"states has shape {S.shape}; expected (layers, {walk.size}, dim), "
                         "one position per step of the walk")
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


__all__ = ["dirichlet_ratio", "node_states"]
