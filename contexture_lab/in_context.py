"""In-context learning as a context (THEORY.md section 7; our reading).

A model that reads a sequence of tokens sees, at every position, the tokens around it: the
*walk context* of the sequence (:func:`walk_context`), a co-occurrence context. For the
tokens of a random walk on a graph (:func:`random_walk_tokens`) it converges to the lazy
random walk, whose singular functions are the graph's random-walk eigenvectors
(:func:`graph_eigenvectors`): :func:`graph_learning` follows the alignment of the two as
the walk grows, an analogy to in-context learning of a graph (Park et al., ICLR 2025,
measure the effect itself on a real LLM's activations). :func:`cluster_sequences`
generates the toy in-context task on which
:class:`~contexture_lab.encoders.AttentionLayer` is trained.

Two pieces serve the controls of notebook 09. :func:`neighbour_mixing` is the toy of Arditi
(ICLR 2026 blog track, "In-context learning of representations can be explained by
induction circuits"): random word vectors, each mixed once with the mean of its graph
neighbours' vectors, which in this lab's language is ``(I + T) X`` with ``T = D^-1 W`` the
walk's expectation operator; :func:`mixing_alignment` scores its top principal components
against the graph's eigenspace over many draws. :func:`valid_next_probability` is the
behavioural measure of Park et al. (the probability a model gives to the graph neighbours
of the current token as the next token).

These names were first in :mod:`contexture_lab.attention` and stay importable from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_float, check_int, check_rng
from .context import Context
from .degeneracy import maybe_scramble


def random_walk_tokens(W, length: int, random_state=0, *, start: int | None = None):
    """A random walk on the graph W: the token sequence x_0, x_1, ..., x_{length-1}.

    Parameters
    ----------
    W : array-like, shape (n, n)
        Symmetric non-negative edge weights; every node needs an edge.
    length : int >= 1
    random_state : int or numpy Generator, default=0
    start : int, optional
        First node (default: drawn uniformly).

    Returns
    -------
    ndarray of int, shape (length,)
    """
    from .contexts import _check_graph

    W, degree = _check_graph(W)
    W = W.toarray() if hasattr(W, "toarray") else W
    length = check_int(length, "length", low=1)
    rng = check_rng(random_state)
    n = W.shape[0]
    node = rng.integers(n) if start is None else check_int(start, "start", low=0, high=n - 1)
    cum = np.cumsum(W / degree[:, None], axis=1)
    u = rng.random(length)
    walk = np.empty(length, dtype=np.int64)
    for t in range(length):
        walk[t] = node
        node = min(int(np.searchsorted(cum[node], u[t], side="right")), n - 1)
    return walk


def walk_context(walk, n_nodes: int, *, window: int = 1, smoothing: float = 1.0) -> Context:
    """The context a model sees in a token sequence: co-occurrence within a window.

    Counts the pairs (x_t, x_{t+k}) and (x_{t+k}, x_t) for 0 <= k <= window (k = 0 is a
    token attending to itself, as causal attention does), plus ``smoothing`` pseudo-counts
    spread uniformly over all n_nodes^2 pairs, so that a token not seen yet attends
    uniformly (its singular functions are 0 there). In the long-walk limit with window 1
    this is the lazy random walk P = diag(pi) (I + D^-1 W) / 2, whose singular functions
    are the graph's random-walk eigenvectors in order of their eigenvalue.

    Parameters
    ----------
    walk : array-like of int, shape (T,)
        Node indices in [0, n_nodes).
    n_nodes : int
    window : int >= 1, default=1
    smoothing : float > 0, default=1.0

    Returns
    -------
    Context, shape (n_nodes, n_nodes), dense and symmetric.
    """
    n_nodes = check_int(n_nodes, "n_nodes", low=2)
    window = check_int(window, "window", low=1)
    smoothing = check_float(smoothing, "smoothing", low=0.0, low_open=True)
    walk = np.asarray(walk)
    if walk.ndim != 1 or walk.size == 0 or not np.issubdtype(walk.dtype, np.integer):
        raise TypeError(f"walk must be a non-empty 1-D array of node indices, got dtype "
                        f"{walk.dtype} and shape {walk.shape}")
    if walk.min() < 0 or walk.max() >= n_nodes:
        raise ValueError(f"walk has nodes in [{walk.min()}, {walk.max()}]; expected "
                         f"indices in [0, {n_nodes - 1}]")
    counts = np.zeros((n_nodes, n_nodes))
    for k in range(window + 1):
        if k >= walk.size:
            break
        np.add.at(counts, (walk[:walk.size - k], walk[k:]), 1.0)
    counts = counts + counts.T + smoothing / n_nodes ** 2
    return Context(counts, normalize=True, name=f"walk context (T={walk.size})")


def graph_eigenvectors(W, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-d non-constant eigenpairs of the random walk D^-1 W, largest eigenvalue first.

    Graphs with symmetries have repeated eigenvalues (a 4 x 4 grid: lambda_1 = lambda_2),
    so only the span of a whole cluster is determined; the vectors of a cluster come back
    in an arbitrary basis of it (rotated under :func:`contexture_lab.scrambled`). Compare
    spans (R2_CCA) with a d that ends at a gap, and use
    :meth:`GraphLearning.aligned_layouts` to draw them.

    Parameters
    ----------
    W : array-like, shape (n, n)
        Symmetric non-negative edge weights; every node needs an edge.
    d : int
        Number of eigenpairs, 1 <= d <= n - 1.

    Returns
    -------
    eigenvalues : ndarray, shape (d,)
    vectors : ndarray, shape (n, d), orthonormal in L2(pi) with pi proportional to degree
    """
    from .contexts import _check_graph

    W, degree = _check_graph(W)
    W = W.toarray() if hasattr(W, "toarray") else W
    n = W.shape[0]
    d = check_int(d, "d", low=1, high=n - 1)
    r = 1.0 / np.sqrt(degree)
    lam, U = np.linalg.eigh(W * r[:, None] * r[None, :])
    lam, U = lam[::-1][1:], U[:, ::-1][:, 1:]
    (U,) = maybe_scramble(lam, U)
    lam, U = lam[:d], U[:, :d]
    pi = degree / degree.sum()
    return lam, U / np.sqrt(pi)[:, None]


@dataclass(frozen=True)
class GraphLearning:
    """Result of :func:`graph_learning`.

    Attributes
    ----------
    lengths : ndarray of int, shape (K,)
        Walk lengths (prefixes of one walk).
    layouts : ndarray, shape (K, n, d)
        Top-d singular functions of each walk context.
    alignment : ndarray, shape (K,)
        R2_CCA with the graph's top-d eigenvectors.
    visited : ndarray of int, shape (K,)
        Distinct nodes seen in each prefix.
    graph_layout : ndarray, shape (n, d)
        The graph's top-d random-walk eigenvectors (any basis of their span where
        eigenvalues repeat).
    walk : ndarray of int, shape (max(lengths),)
    """

    lengths: np.ndarray
    layouts: np.ndarray
    alignment: np.ndarray
    visited: np.ndarray
    graph_layout: np.ndarray
    walk: np.ndarray

    def aligned_layouts(self) -> tuple[np.ndarray, np.ndarray]:
        """Layouts in a common orientation for drawing, fixed by spans alone.

        The graph's eigenvectors are rotated (orthogonal Procrustes) to best match the
        longest walk's layout; each walk layout is then rotated to best match that. An
        orthogonal map changes neither a span nor R2_CCA, only the picture's orientation;
        the graph panel no longer depends on the basis returned inside a repeated
        eigenvalue (G Q gives the same result as G for every orthogonal Q).

        Returns
        -------
        layouts : ndarray, shape (K, n, d)
        graph_layout : ndarray, shape (n, d)
        """
        longest = self.layouts[int(np.argmax(self.lengths))]
        graph = self.graph_layout @ _procrustes(self.graph_layout, longest)
        layouts = np.array([L @ _procrustes(L, graph) for L in self.layouts])
        return layouts, graph


def _procrustes(A, B) -> np.ndarray:
    """The orthogonal R (d, d) minimising ||A R - B||_F: the polar factor of A^T B."""
    U, _, Vt = np.linalg.svd(A.T @ B)
    return U @ Vt


def graph_learning(W, lengths, *, d: int = 2, window: int = 1, smoothing: float = 1.0,
                   random_state=0) -> GraphLearning:
    """An analogy (our reading) to in-context learning of a graph, with no model at all.

    One random walk on W is drawn; for each prefix length the co-occurrence context of the
    walk seen so far (:func:`walk_context`) is decomposed, and its top-d singular functions
    are compared with the graph's top-d random-walk eigenvectors by R2_CCA (1 = same span).
    The empirical context converges to the lazy random walk by the law of large numbers,
    and the alignment rises with the number of nodes visited (``visited``): a node not seen
    yet attends uniformly and has no coordinates. Park et al. (ICLR 2025,
    arXiv:2501.00070) measure the effect itself on a real LLM (principal components of
    Llama-3.1-8B's activations); this function does not reproduce that. Choose ``d`` at a
    gap of the graph's eigenvalues (a 4 x 4 grid: d = 2 closes lambda_1 = lambda_2).

    Parameters
    ----------
    W : array-like, shape (n, n)
        Symmetric graph (e.g. ``datasets.grid_graph(4, 4)``).
    lengths : int or sequence of int
        Prefix lengths, each >= 1.
    d : int, default=2
        Number of singular functions (2 for a layout).
    window : int, default=1
        See :func:`walk_context`.
    smoothing : float, default=1.0
        See :func:`walk_context`.
    random_state : int or numpy Generator, default=0

    Returns
    -------
    GraphLearning
    """
    from .alignment import cca_r2
    from .spectrum import contexture

    lengths = np.asarray([check_int(t, "lengths[i]", low=1)
                          for t in np.atleast_1d(lengths).tolist()], dtype=int)
    if lengths.size == 0:
        raise ValueError("lengths is empty; expected at least one prefix length >= 1")
    _, graph_layout = graph_eigenvectors(W, d)
    n = graph_layout.shape[0]
    walk = random_walk_tokens(W, int(lengths.max()), random_state)
    layouts, alignment, visited = [], [], []
    for t in lengths:
        res = contexture(walk_context(walk[:t], n, window=window, smoothing=smoothing), d)
        layouts.append(res.left)
        alignment.append(cca_r2(res.left, graph_layout))
        visited.append(np.unique(walk[:t]).size)
    return GraphLearning(lengths=lengths, layouts=np.array(layouts),
                         alignment=np.array(alignment), visited=np.array(visited),
                         graph_layout=graph_layout, walk=walk)


def neighbour_mixing(W, features, *, rounds: int = 1, self_weight: float = 1.0):
    """Each node's vector plus the mean of its neighbours' vectors, ``rounds`` times.

    One round maps X to ``X + T X = (I + T) X`` with ``T = D^-1 W`` the random walk's
    expectation operator (notebook 01): on a walk the token before a node is one of its
    neighbours, drawn with probability ``W_ij / d_i``, so ``T X`` is the expected vector of
    the predecessor. This is the toy of Arditi (ICLR 2026 blog track, repository
    andyrdt/iclr_induction, ``03_neighbor_mixing.py``) written as an operator. The
    eigenvalues of ``I + T`` are ``1 + lambda`` for the walk's eigenvalues lambda, so a
    round damps the high-frequency directions (lambda near -1) and keeps the smooth ones;
    ``(I + T) / 2`` is the lazy walk that :func:`walk_context` converges to. With
    ``self_weight=0`` a round is ``T X`` alone, whose largest eigenvalues in magnitude on a
    bipartite graph (a grid) include -1, the checkerboard.

    Parameters
    ----------
    W : array-like, shape (n, n)
        Symmetric non-negative edge weights; every node needs an edge.
    features : array-like, shape (n, p)
        One vector per node.
    rounds : int, keyword-only, default=1
        Number of mixing rounds (0 returns the features unchanged).
    self_weight : float, keyword-only, default=1.0
        Weight of the node's own vector in a round: ``X <- self_weight X + T X``.

    Returns
    -------
    ndarray, shape (n, p)
    """
    from .contexts import _check_graph

    W, degree = _check_graph(W)
    W = W.toarray() if hasattr(W, "toarray") else np.asarray(W, dtype=np.float64)
    X = np.asarray(features, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != W.shape[0]:
        raise ValueError(f"features has shape {X.shape}; expected ({W.shape[0]}, p), one "
                         "row per node of W")
    rounds = check_int(rounds, "rounds", low=0)
    self_weight = check_float(self_weight, "self_weight")
    T = W / degree[:, None]
    for _ in range(rounds):
        X = self_weight * X + T @ X
    return X


def mixing_alignment(W, *, dim: int, n_draws: int, rounds=(0, 1), d: int = 2,
                     self_weight: float = 1.0, random_state=0) -> np.ndarray:
    """R2_CCA of the top-d principal components of mixed random vectors with the graph.

    Each draw gives every node a standard normal vector of length ``dim``, applies
    :func:`neighbour_mixing` for each number of rounds, and scores the top-d principal
    components of the result against the graph's top-d random-walk eigenvectors
    (:func:`graph_eigenvectors`) by :func:`contexture_lab.graph_signals.pc_alignment`.
    Choose ``d`` at a gap of the graph's eigenvalues.

    Parameters
    ----------
    W : array-like, shape (n, n)
    dim : int, keyword-only
        Length of the random vectors.
    n_draws : int, keyword-only
    rounds : sequence of int, keyword-only, default=(0, 1)
    d : int, keyword-only, default=2
    self_weight : float, keyword-only, default=1.0
        See :func:`neighbour_mixing`.
    random_state : int or numpy Generator, keyword-only, default=0
        The same seed gives the same vectors, whatever ``rounds`` and ``self_weight``
        (paired comparisons).

    Returns
    -------
    ndarray, shape (n_draws, len(rounds))
    """
    from .graph_signals import pc_alignment

    dim = check_int(dim, "dim", low=1)
    n_draws = check_int(n_draws, "n_draws", low=1)
    rounds = [check_int(r, "rounds[i]", low=0) for r in np.atleast_1d(rounds).tolist()]
    _, U = graph_eigenvectors(W, d)
    rng = check_rng(random_state)
    out = np.empty((n_draws, len(rounds)))
    for i in range(n_draws):
        X = rng.standard_normal((U.shape[0], dim))
        for j, r in enumerate(rounds):
            out[i, j] = pc_alignment(neighbour_mixing(W, X, rounds=r,
                                                      self_weight=self_weight), U, k=d)
    return out


def valid_next_probability(next_probs, walk, W) -> np.ndarray:
    """The probability a model gives to a valid next step of the walk, at every position.

    ``next_probs[t, j]`` is the model's probability that the token after position t is node
    j's word (over its whole vocabulary, so a row sums to at most 1); the valid steps from
    ``walk[t]`` are its neighbours in W. This is the "accuracy" of Park et al. (ICLR 2025)
    and Arditi (2026): the mass on the words the walk may go to next.

    Parameters
    ----------
    next_probs : array-like, shape (T, n)
    walk : array-like of int, shape (T,)
    W : array-like, shape (n, n)

    Returns
    -------
    ndarray, shape (T,)
    """
    P = np.asarray(next_probs, dtype=np.float64)
    walk = np.asarray(walk, dtype=np.int64)
    W = np.asarray(W.toarray() if hasattr(W, "toarray") else W, dtype=np.float64)
    if P.ndim != 2 or walk.shape != (P.shape[0],) or W.shape != (P.shape[1], P.shape[1]):
        raise ValueError(f"next_probs {P.shape}, walk {walk.shape} and W {W.shape}: "
                         "expected (T, n), (T,) and (n, n)")
    return np.sum(P * (W[walk] > 0), axis=1)


@dataclass(frozen=True)
class ClusterSequences:
    """Toy in-context task from :func:`cluster_sequences`.

    Attributes
    ----------
    tokens : ndarray, shape (B, n, p)
        Class centre + noise, new centres in every sequence.
    labels : ndarray of int, shape (B, n)
    targets : ndarray, shape (B, n, p)
        The clean centre of each token's class.
    """

    tokens: np.ndarray
    labels: np.ndarray
    targets: np.ndarray


def cluster_sequences(n_sequences: int, n_tokens: int = 24, n_classes: int = 4,
                      dim: int = 8, noise: float = 0.6, random_state=0) -> ClusterSequences:
    """Sequences of noisy tokens whose task is to output the clean centre of their class.

    Every sequence draws fresh class centres (standard normal, scaled to norm 1 per
    dimension on average) and ``n_tokens`` tokens, each its class centre plus Gaussian
    noise of standard deviation ``noise``. No single token knows its centre: the best
    answer averages the tokens of the same class, which is what an attention layer can
    learn (its context then approaches the label context of the sequence).

    Parameters
    ----------
    n_sequences : int
        Number of sequences B, >= 1.
    n_tokens : int, default=24
        Tokens per sequence, >= 2.
    n_classes : int, default=4
        Classes per sequence, 1 to ``n_tokens`` (each class gets about the same count).
    dim : int, default=8
        Token dimension p.
    noise : float, default=0.6
        Standard deviation of the noise around each class centre.
    random_state : int or numpy.random.Generator, default=0
        Seed of the centres, labels and noise.

    Returns
    -------
    ClusterSequences
        ``tokens`` (B, n, p), ``labels`` (B, n), ``targets`` (B, n, p).
    """
    B = check_int(n_sequences, "n_sequences", low=1)
    n = check_int(n_tokens, "n_tokens", low=2)
    C = check_int(n_classes, "n_classes", low=1, high=n)
    p = check_int(dim, "dim", low=1)
    noise = check_float(noise, "noise", low=0.0)
    rng = check_rng(random_state)
    centres = rng.standard_normal((B, C, p))
    labels = np.stack([rng.permutation(np.arange(n) % C) for _ in range(B)])
    targets = np.take_along_axis(centres, labels[:, :, None], axis=1)
    tokens = targets + noise * rng.standard_normal((B, n, p))
    return ClusterSequences(tokens=tokens, labels=labels, targets=targets)


__all__ = ["ClusterSequences", "GraphLearning", "cluster_sequences", "graph_eigenvectors",
           "graph_learning", "mixing_alignment", "neighbour_mixing", "random_walk_tokens",
           "valid_next_probability", "walk_context"]
