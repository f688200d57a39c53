"""Softmax attention as a contexture operation (THEORY.md section 7; our reading).

An attention layer with queries q(x) and keys k(a_j) computes

    out(x) = sum_j P^(a_j | x) v(a_j) = E[v(A) | X = x],
    P^(a_j | x) = softmax_j(<q(x), k(a_j)> / (temperature * sqrt(dim))),

so the attention matrix is the row-stochastic conditional C of a context and each output
channel is the expectation operator T applied to one value function. This module builds
that context (:func:`attention_context`, :func:`multi_head_contexts`,
:func:`self_attention_context`), stacks fixed layers (:func:`stack_attention`, a
convolution of contexts), measures over-smoothing (:func:`token_spread`,
:func:`over_smoothing`), builds an analogy (our reading) to in-context learning of a graph
from a random walk (:func:`random_walk_tokens`, :func:`walk_context`,
:func:`graph_learning`; Park et al., ICLR 2025, measure the effect itself on a real LLM's
activations) and trains a small attention layer on a toy task (:class:`AttentionLayer`,
:func:`cluster_sequences`).

Attention scores are computed with torch on :func:`contexture_lab.get_device` (float64);
every returned :class:`~contexture_lab.Context` holds numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._progress import progress as _progress
from ._validation import (as_float_array, check_float, check_int, check_rng,
                          power_of_two_scale)
from .context import Context, check_context
from .degeneracy import maybe_scramble


# ---------------------------------------------------------------------- tensors and checks
def _as_tensor(values, name: str, device, ndim=2):
    """``values`` (numpy or torch) as a finite float64 tensor on ``device``."""
    import torch

    if isinstance(values, torch.Tensor):
        if values.is_complex():
            raise TypeError(f"{name} has complex dtype {values.dtype}; expected real numbers")
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if values.ndim not in allowed:
            want = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(f"{name} must be {want}, got a tensor of shape "
                             f"{tuple(values.shape)}")
        out = values.detach().to(device=device, dtype=torch.float64)
        bad = int((~torch.isfinite(out)).sum())
        if bad:
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected "
                             "finite numbers")
        return out
    return torch.as_tensor(as_float_array(values, name, ndim=ndim), device=device)


def _check_temperature(temperature) -> float:
    return check_float(temperature, "temperature", low=0.0, low_open=True)


def _check_pair(q, k, q_name="queries", k_name="keys"):
    if q.shape[1] != k.shape[1]:
        raise ValueError(f"{q_name} have dimension {q.shape[1]} and {k_name} have dimension "
                         f"{k.shape[1]}; attention needs <query, key>, so both must have the "
                         "same number of columns")
    if q.shape[0] == 0 or k.shape[0] == 0 or q.shape[1] == 0:
        raise ValueError(f"{q_name} have shape {tuple(q.shape)} and {k_name} "
                         f"{tuple(k.shape)}; expected at least one row and one column each")


def _softmax_conditional(q, k, temperature: float):
    """softmax(q k^T / (temperature sqrt(dim))) row by row, a float64 tensor (N, M)."""
    import torch

    scores = (q @ k.T) / (temperature * math.sqrt(q.shape[1]))
    if not bool(torch.isfinite(scores).all()):
        raw = q @ k.T
        if not bool(torch.isfinite(raw).all()):
            raise ValueError("the scores <q_i, k_j> overflow float64 (largest |query| "
                             f"{float(q.abs().max()):.3g}, |key| {float(k.abs().max()):.3g}); "
                             "rescale the queries and keys")
        # a tiny temperature: shift each row by its maximum first (-inf, never NaN)
        shifted = raw - raw.max(dim=1, keepdim=True).values
        scores = shifted / (temperature * math.sqrt(q.shape[1]))
    return torch.softmax(scores, dim=1)


def stationary_distribution(conditional) -> np.ndarray:
    """The distribution pi with pi C = pi of a square row-stochastic matrix C, shape (N,).

    Solved as a linear system (pi (C - I) = 0, sum pi = 1); unique when C is irreducible,
    which a softmax attention matrix (all entries > 0) always is.
    """
    C = as_float_array(conditional, "conditional", ndim=2)
    n, m = C.shape
    if n != m:
        raise ValueError(f"a stationary distribution needs a square conditional, got shape "
                         f"{C.shape} (queries and keys must be the same tokens)")
    if n == 0:
        raise ValueError("conditional is empty; expected a square row-stochastic matrix")
    if (C < 0).any():
        raise ValueError(f"conditional has {int((C < 0).sum())} negative entr(ies); a "
                         "row-stochastic matrix has entries >= 0")
    rows = C.sum(axis=1)
    off = np.abs(rows - 1.0)
    if off.max() > 1e-8:
        hint = (" (it sums to 1 overall: this looks like a joint distribution P; pass its "
                "conditional, ctx.conditional())" if abs(C.sum() - 1.0) <= 1e-8 else "")
        raise ValueError(f"conditional is not row-stochastic: row {int(np.argmax(off))} sums "
                         f"to {rows[np.argmax(off)]:.6g}, expected every row to sum to 1"
                         f"{hint}")
    A = np.vstack([C.T - np.eye(n), np.ones((1, n))])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(A, b, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def _query_weights(weights, conditional):
    """The marginal of X: uniform, "stationary", or given positive weights (normalised)."""
    n = conditional.shape[0]
    if weights is None:
        return np.full(n, 1.0 / n)
    if isinstance(weights, str):
        if weights != "stationary":
            raise ValueError(f"unknown weights {weights!r}; expected None (uniform queries), "
                             "'stationary' or an array of N positive weights")
        return stationary_distribution(conditional)
    w = as_float_array(weights, "weights", ndim=1)
    if w.size != n:
        raise ValueError(f"weights has {w.size} entries; expected {n}, one per query")
    if (w <= 0).any():
        raise ValueError(f"weights has {int((w <= 0).sum())} entr(ies) <= 0; every query "
                         "needs a positive weight")
    w = w / power_of_two_scale(w)  # exact; weights near 1e308 cannot overflow the sum
    return w / w.sum()


# ---------------------------------------------------------------------- attention contexts
def attention_context(queries, keys, temperature: float = 1.0, *, weights=None,
                      device=None, name: str | None = None) -> Context:
    """Softmax attention as a context: P(a_j | x_i) = softmax_j(<q_i, k_j> / (t sqrt(dim))).

    Parameters
    ----------
    queries : array-like or torch.Tensor, shape (N, dim)
        One query per input x_i (already projected, e.g. ``tokens @ W_Q``).
    keys : array-like or torch.Tensor, shape (M, dim)
        One key per context token a_j.
    temperature : float > 0, default 1.0
        Divides the scores; ``temperature=1`` is standard scaled dot-product attention.
        Small values approach hard (arg-max) attention, large values uniform attention.
    weights : None, "stationary" or array-like of shape (N,), keyword-only
        The marginal of X. ``None``: uniform queries. An array: positive weights,
        normalised to sum to 1. ``"stationary"`` (square attention only): the stationary
        distribution of the attention matrix, which makes self-attention with a
        symmetric score matrix (W_Q = W_K) a reversible context.
    device : str or torch.device, optional
        Where the scores are computed; defaults to :func:`contexture_lab.get_device`.
    name : str, optional

    Returns
    -------
    Context, shape (N, M), dense numpy; ``ctx.conditional()`` is the attention matrix and
    ``ctx.expect(V)`` is the attention output for values ``V`` (M, d_v).
    ``x_features`` are the queries and ``a_features`` the keys.
    """
    from .device import get_device

    dev = get_device(device)
    temperature = _check_temperature(temperature)
    q = _as_tensor(queries, "queries", dev)
    k = _as_tensor(keys, "keys", dev)
    _check_pair(q, k)
    C = _softmax_conditional(q, k, temperature).cpu().numpy()
    p_x = _query_weights(weights, C)
    return Context(C * p_x[:, None], x_features=q.cpu().numpy(), a_features=k.cpu().numpy(),
                   normalize=True, name=name or f"attention (t={temperature:g})")


def multi_head_contexts(queries, keys, n_heads: int, temperature: float = 1.0, *,
                        weights=None, device=None) -> list[Context]:
    """One attention context per head, splitting the feature dimension as multi-head attention does.

    Head h uses columns ``h * dim / n_heads`` to ``(h + 1) * dim / n_heads`` of the queries
    and keys and is scaled by the square root of the head dimension (as in
    ``torch.nn.MultiheadAttention``).

    Parameters
    ----------
    queries : array-like or torch.Tensor, shape (N, dim)
    keys : array-like or torch.Tensor, shape (M, dim)
    n_heads : int, a divisor of dim
    temperature, weights, device
        As in :func:`attention_context`.

    Returns
    -------
    list of n_heads Context, each (N, M)
    """
    from .device import get_device

    dev = get_device(device)
    q = _as_tensor(queries, "queries", dev)
    k = _as_tensor(keys, "keys", dev)
    _check_pair(q, k)
    n_heads = check_int(n_heads, "n_heads", low=1)
    dim = q.shape[1]
    if dim % n_heads:
        raise ValueError(f"n_heads={n_heads} must divide the feature dimension {dim}")
    width = dim // n_heads
    return [attention_context(q[:, h * width:(h + 1) * width], k[:, h * width:(h + 1) * width],
                              temperature, weights=weights, device=dev,
                              name=f"head {h} (t={temperature:g})")
            for h in range(n_heads)]


def self_attention_context(tokens, W_Q, W_K=None, temperature: float = 1.0, *,
                           weights=None, device=None, name: str | None = None) -> Context:
    """Self-attention of a set of tokens: queries ``tokens @ W_Q``, keys ``tokens @ W_K``.

    With ``W_K=None`` the key map equals the query map, the score matrix is symmetric and
    (with ``weights="stationary"``) the context is reversible: T is self-adjoint in
    L2(pi), so its singular functions are eigenvectors of the attention matrix
    (diffusion-map coordinates).

    Parameters
    ----------
    tokens : array-like or torch.Tensor, shape (N, p)
    W_Q : array-like or torch.Tensor, shape (p, dim)
    W_K : array-like or torch.Tensor, shape (p, dim), optional (default: W_Q)
    temperature, weights, device, name
        As in :func:`attention_context`.
    """
    from .device import get_device

    dev = get_device(device)
    X = _as_tensor(tokens, "tokens", dev)
    WQ = _as_tensor(W_Q, "W_Q", dev)
    WK = WQ if W_K is None else _as_tensor(W_K, "W_K", dev)
    for label, W in (("W_Q", WQ), ("W_K", WK)):
        if W.shape[0] != X.shape[1]:
            raise ValueError(f"{label} has {W.shape[0]} rows but tokens have {X.shape[1]} "
                             f"features; expected {label} of shape ({X.shape[1]}, dim)")
    return attention_context(X @ WQ, X @ WK, temperature, weights=weights, device=dev,
                             name=name)


# ---------------------------------------------------------------------- depth
@dataclass(frozen=True)
class AttentionStack:
    """Result of :func:`stack_attention`.

    Attributes
    ----------
    contexts : list of Context, length L
        The attention context of each layer, built from that layer's input tokens.
    tokens : list of ndarray, length L + 1
        ``tokens[0]`` is the input; ``tokens[l]`` the output of layer l.
    """

    contexts: list
    tokens: list

    def composite(self, depth: int | None = None) -> Context:
        """The context of the first ``depth`` layers (default all): see :func:`compose`."""
        return compose(self.contexts[:self._depth(depth)])

    def _depth(self, depth):
        if depth is None:
            return len(self.contexts)
        return check_int(depth, "depth", low=1, high=len(self.contexts))

    def chain(self, depth: int | None = None) -> list:
        """The layer contexts in chain order (last layer first) with chained marginals.

        In x -> a_1 ~ C_L(.|x) -> a_2 ~ C_{L-1}(.|a_1) -> ... the input of each factor is
        distributed as the previous factor's context value, so each factor is re-weighted
        to that marginal (its conditional is unchanged). Then T = T_1 ... T_L factor by
        factor between the right L2 spaces and s_k(T_1 ... T_L) <= s_k(T_1) prod_{l>1} s_1(T_l).
        (The uniform-query layer contexts in :attr:`contexts` have other marginals, and
        their singular values need not bound the composite's.)
        """
        layers = list(reversed(self.contexts[:self._depth(depth)]))
        out = [layers[0]]
        for ctx in layers[1:]:
            p = out[-1].p_a
            if (p <= 0).any():
                raise ValueError("a context value of the chain has no mass; the chained "
                                 "marginal cannot weight every query")
            out.append(Context(ctx.conditional() * p[:, None], normalize=True, name=ctx.name))
        return out


def compose(layer_contexts) -> Context:
    """The context of stacked attention layers: the convolution of their contexts.

    Layer l maps tokens H_{l-1} to H_l = C_l H_{l-1}, so after L layers
    H_L = C_L ... C_1 H_0 = E[H_0(A) | X]: the context x -> a_1 ~ C_L(.|x) -> ... ->
    a_L ~ C_1(.|a_{L-1}), i.e. ``convolve(c_L, ..., c_1)`` (last layer first).

    Parameters
    ----------
    layer_contexts : sequence of Context, in layer order (first layer first), all N x N

    Returns
    -------
    Context, shape (N, N), with the marginal of X of the last layer.
    """
    from .mixing import convolve

    layer_contexts = list(layer_contexts)
    if not layer_contexts:
        raise ValueError("compose needs at least one layer context")
    for i, ctx in enumerate(layer_contexts):
        check_context(ctx, f"layer_contexts[{i}]")
    out = layer_contexts[-1]
    for ctx in reversed(layer_contexts[:-1]):
        out = convolve(out, ctx)
    return out


def stack_attention(tokens, W_Q, W_K=None, n_layers: int = 2, temperature: float = 1.0, *,
                    W_V=None, device=None) -> AttentionStack:
    """Run L self-attention layers with fixed weights (no residual, no MLP).

    Layer l: C_l = softmax(H_{l-1} W_Q (H_{l-1} W_K)^T / (t sqrt(dim))), H_l = C_l H_{l-1} W_V.
    The same weights are used in every layer; the attention matrices differ because the
    tokens change. With ``W_V=None`` (identity values) H_L = compose(contexts).expect(H_0).

    Parameters
    ----------
    tokens : array-like or torch.Tensor, shape (N, p)
    W_Q, W_K : shape (p, dim); W_K defaults to W_Q
    n_layers : int >= 1
    temperature : float > 0
    W_V : shape (p, p), optional (default identity)
    device : optional

    Returns
    -------
    AttentionStack
    """
    from .device import get_device

    dev = get_device(device)
    n_layers = check_int(n_layers, "n_layers", low=1)
    H = _as_tensor(tokens, "tokens", dev)
    WV = None if W_V is None else _as_tensor(W_V, "W_V", dev)
    if WV is not None and tuple(WV.shape) != (H.shape[1], H.shape[1]):
        raise ValueError(f"W_V has shape {tuple(WV.shape)}; expected ({H.shape[1]}, "
                         f"{H.shape[1]}) so that layers can be stacked")
    contexts, history = [], [H.cpu().numpy()]
    for layer in range(n_layers):
        ctx = self_attention_context(H, W_Q, W_K, temperature, device=dev,
                                     name=f"layer {layer + 1}")
        C = _as_tensor(ctx.conditional(), "conditional", dev)
        H = C @ H if WV is None else C @ H @ WV
        contexts.append(ctx)
        history.append(H.cpu().numpy())
    return AttentionStack(contexts=contexts, tokens=history)


def token_spread(tokens) -> float:
    """Root-mean-square distance of the tokens from their mean, ||H - 1 mean(H)||_F / sqrt(N).

    Zero exactly when every token is the same vector (complete over-smoothing).
    """
    H = as_float_array(tokens, "tokens", ndim=2)
    return float(np.linalg.norm(H - H.mean(axis=0)) / math.sqrt(H.shape[0]))


def over_smoothing(token_history) -> np.ndarray:
    """Collapse metric per layer: token_spread(H_l) / token_spread(H_0), shape (L + 1,).

    1 at the input; it falls towards 0 as stacked attention averages the tokens into one.
    For identity values and uniform queries it is bounded through the spectrum of the
    composite context T (:meth:`AttentionStack.composite`): T is a contraction by s_1 on
    mean-zero functions, so token_spread(H_l) <= s_1(T) * sqrt(sum_a p_A(a) |H_0(a) - c|^2)
    with c = sum_a p_A(a) H_0(a) and p_A the composite's context marginal.
    """
    history = list(token_history)
    if not history:
        raise ValueError("token_history is empty; expected the tokens of each layer")
    base = token_spread(history[0])
    if base == 0:
        raise ValueError("the input tokens are all identical (spread 0); nothing can collapse")
    return np.array([token_spread(H) / base for H in history])


# ---------------------------------------------------------------------- in-context graphs
def random_walk_tokens(W, length: int, random_state=0, *, start: int | None = None):
    """A random walk on the graph W: the token sequence x_0, x_1, ..., x_{length-1}.

    Parameters
    ----------
    W : array-like, shape (n, n)
        Symmetric non-negative edge weights; every node needs an edge.
    length : int >= 1
    random_state : int or numpy Generator
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
    window : int >= 1
    smoothing : float > 0

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
    lengths : ndarray of int, shape (K,)        walk lengths (prefixes of one walk)
    layouts : ndarray, shape (K, n, d)          top-d singular functions of each walk context
    alignment : ndarray, shape (K,)             R2_CCA with the graph's top-d eigenvectors
    visited : ndarray of int, shape (K,)        distinct nodes seen in each prefix
    graph_layout : ndarray, shape (n, d)        the graph's top-d random-walk eigenvectors
                                                (any basis of their span where eigenvalues
                                                repeat)
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
    W : array-like, shape (n, n)   symmetric graph (e.g. ``datasets.grid_graph(4, 4)``)
    lengths : sequence of int      prefix lengths, each >= 1
    d : int                        number of singular functions (2 for a layout)
    window, smoothing              see :func:`walk_context`
    random_state : int or numpy Generator

    Returns
    -------
    GraphLearning
    """
    from .alignment import cca_r2
    from .spectrum import contexture

    lengths = np.asarray([check_int(t, "lengths[i]", low=1)
                          for t in np.atleast_1d(lengths).tolist()])
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


# ---------------------------------------------------------------------- a trainable layer
@dataclass(frozen=True)
class ClusterSequences:
    """Toy in-context task from :func:`cluster_sequences`.

    Attributes
    ----------
    tokens : ndarray, shape (B, n, p)    class centre + noise, new centres in every sequence
    labels : ndarray of int, shape (B, n)
    targets : ndarray, shape (B, n, p)   the clean centre of each token's class
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


class AttentionLayer:
    """One softmax self-attention layer, trained with torch (estimator style).

    out = softmax(X W_Q (X W_K)^T / (t sqrt(k))) X W_V for a sequence X (n, p).

    Parameters
    ----------
    dim : int            token dimension p (values keep it: W_V is p x p)
    key_dim : int        query/key dimension k
    temperature : float > 0
    init_scale : float   standard deviation of the initial W_Q, W_K entries (small: the
                         initial attention is nearly uniform, an almost independent context)
    random_state : int   seed of a torch Generator for the initial weights and batches
    device : optional    defaults to :func:`contexture_lab.get_device`

    Attributes
    ----------
    history_ : list of float   mean training loss per epoch (after :meth:`fit`)
    """

    def __init__(self, dim: int, key_dim: int = 8, *, temperature: float = 1.0,
                 init_scale: float = 0.05, random_state: int = 0, device=None):
        import torch

        from .device import get_device

        self.dim = check_int(dim, "dim", low=1)
        self.key_dim = check_int(key_dim, "key_dim", low=1)
        self.temperature = _check_temperature(temperature)
        self.init_scale = check_float(init_scale, "init_scale", low=0.0)
        self.random_state = check_int(random_state, "random_state", low=0)
        self.device = get_device(device)
        gen = torch.Generator().manual_seed(self.random_state)
        shape = (self.dim, self.key_dim)
        self.params = {
            "W_Q": torch.randn(shape, generator=gen, dtype=torch.float64) * self.init_scale,
            "W_K": torch.randn(shape, generator=gen, dtype=torch.float64) * self.init_scale,
            "W_V": torch.eye(self.dim, dtype=torch.float64)
            + 0.05 * torch.randn((self.dim, self.dim), generator=gen, dtype=torch.float64),
        }
        self.params = {k: v.to(self.device).requires_grad_(True) for k, v in self.params.items()}
        self.history_ = []

    def _forward(self, X):
        import torch

        scores = (X @ self.params["W_Q"]) @ (X @ self.params["W_K"]).transpose(-1, -2)
        A = torch.softmax(scores / (self.temperature * math.sqrt(self.key_dim)), dim=-1)
        return A @ X @ self.params["W_V"]

    def _tokens(self, X, name="X"):
        X = _as_tensor(X, name, self.device, ndim=(2, 3))
        if X.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (n, {self.dim}) or (B, n, {self.dim}), "
                             f"got {tuple(X.shape)}")
        return X

    def fit(self, tokens, targets, *, epochs: int = 30, batch_size: int = 32,
            lr: float = 0.02, progress: bool = True) -> "AttentionLayer":
        """Minimise the mean squared error of the layer's output against ``targets`` (Adam).

        Parameters
        ----------
        tokens : array-like, shape (B, n, p)
        targets : array-like, shape (B, n, p)
        epochs, batch_size, lr : training schedule (batches drawn with the layer's seed)
        progress : bool, default=True
            Show a progress bar over the epochs.
        """
        import torch

        X = self._tokens(tokens, "tokens")
        Y = self._tokens(targets, "targets")
        if X.ndim != 3 or X.shape != Y.shape:
            raise ValueError(f"tokens and targets must both have shape (B, n, {self.dim}); got "
                             f"{tuple(X.shape)} and {tuple(Y.shape)}")
        epochs = check_int(epochs, "epochs", low=1)
        batch_size = check_int(batch_size, "batch_size", low=1)
        lr = check_float(lr, "lr", low=0.0, low_open=True)
        gen = torch.Generator().manual_seed(self.random_state + 1)
        opt = torch.optim.Adam(list(self.params.values()), lr=lr)
        for _ in _progress(range(epochs), "attention layer", show=progress):
            order = torch.randperm(X.shape[0], generator=gen).to(self.device)
            losses = []
            for lo in range(0, X.shape[0], batch_size):
                idx = order[lo:lo + batch_size]
                loss = torch.mean((self._forward(X[idx]) - Y[idx]) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
            self.history_.append(float(np.mean(losses)))
        return self

    def predict(self, tokens) -> np.ndarray:
        """The layer's output for one sequence (n, p) or a batch (B, n, p), as numpy."""
        import torch

        with torch.no_grad():
            return self._forward(self._tokens(tokens, "tokens")).cpu().numpy()

    def loss(self, tokens, targets) -> float:
        """Mean squared error of :meth:`predict` against ``targets``."""
        return float(np.mean((self.predict(tokens) - as_float_array(targets, "targets")) ** 2))

    def attention_context(self, tokens, *, weights=None) -> Context:
        """The learned attention context of one sequence ``tokens`` (n, p): an (n, n) Context."""
        X = self._tokens(tokens, "tokens")
        if X.ndim != 2:
            raise ValueError(f"attention_context takes one sequence of shape (n, {self.dim}), "
                             f"got {tuple(X.shape)}")
        return self_attention_context(X, self.params["W_Q"].detach(),
                                      self.params["W_K"].detach(), self.temperature,
                                      weights=weights, device=self.device,
                                      name="learned attention")


__all__ = ["AttentionLayer", "AttentionStack", "ClusterSequences", "GraphLearning",
           "attention_context", "cluster_sequences", "compose", "graph_eigenvectors",
           "graph_learning", "multi_head_contexts", "over_smoothing", "random_walk_tokens",
           "self_attention_context", "stack_attention", "stationary_distribution",
           "token_spread", "walk_context"]
