"""Softmax attention as a contexture operation (THEORY.md section 7; our reading).

An attention layer with queries q(x) and keys k(a_j) computes

    out(x) = sum_j P^(a_j | x) v(a_j) = E[v(A) | X = x],
    P^(a_j | x) = softmax_j(<q(x), k(a_j)> / (temperature * sqrt(dim))),

so the attention matrix is the row-stochastic conditional C of a context and each output
channel is the expectation operator T applied to one value function. This module builds
that context (:func:`attention_context`, :func:`multi_head_contexts`,
:func:`self_attention_context`), stacks fixed layers (:func:`stack_attention`, a
convolution of contexts), measures over-smoothing (:func:`token_spread`,
:func:`over_smoothing`). Walks of tokens and in-context graph learning live in
:mod:`contexture_lab.in_context`, the trainable :class:`~contexture_lab.encoders.AttentionLayer`
in :mod:`contexture_lab.encoders` (both import this module).

Attention scores are computed with torch on :func:`contexture_lab.get_device` (float64);
every returned :class:`~contexture_lab.Context` holds numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_float, check_int, moved_attribute, power_of_two_scale
from .context import Context, check_context
from .mixing import convolve


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
    array = as_float_array(values, name, ndim=ndim)
    if not array.flags.writeable:  # torch refuses to share read-only memory (it warns)
        array = array.copy()
    return torch.as_tensor(array, device=device)


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

    Parameters
    ----------
    conditional : array-like, shape (N, N)
        A row-stochastic matrix (a square context's conditional).

    Returns
    -------
    ndarray, shape (N,)
        pi, non-negative, summing to 1.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.attention.stationary_distribution([[0.5, 0.5], [0.25, 0.75]])
    array([0.33333333, 0.66666667])
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
    weights : None, "stationary" or array-like of shape (N,), default=None
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
    """One attention context per head, splitting the feature dimension as multi-head
    attention does.

    Head h uses columns ``h * dim / n_heads`` to ``(h + 1) * dim / n_heads`` of the queries
    and keys and is scaled by the square root of the head dimension (as in
    ``torch.nn.MultiheadAttention``).

    Parameters
    ----------
    queries : array-like or torch.Tensor, shape (N, dim)
    keys : array-like or torch.Tensor, shape (M, dim)
    n_heads : int, a divisor of dim
        Number of heads.
    temperature : float > 0, default=1.0
        As in :func:`attention_context`.
    weights : None, "stationary" or array-like of shape (N,), default=None
        As in :func:`attention_context`.
    device : str or torch.device, optional
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
        The tokens.
    W_Q : array-like or torch.Tensor, shape (p, dim)
        The query map.
    W_K : array-like or torch.Tensor, shape (p, dim), optional
        The key map; default ``W_Q``.
    temperature : float > 0, default=1.0
        As in :func:`attention_context`.
    weights : None, "stationary" or array-like of shape (N,), default=None
        As in :func:`attention_context`.
    device : str or torch.device, optional
        As in :func:`attention_context`.
    name : str, optional
        A label for plots and ``repr``.

    Returns
    -------
    Context, shape (N, N)
        As :func:`attention_context` of the queries and keys.
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
        """The context of the first ``depth`` layers (default all): see :func:`compose`.

        Parameters
        ----------
        depth : int, optional
            Number of layers from the input, 1 to L; default all.

        Returns
        -------
        Context
            x -> the token the last of those layers attends to.
        """
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
        (The uniform-query layer contexts in ``contexts`` have other marginals, and
        their singular values need not bound the composite's.)

        Parameters
        ----------
        depth : int, optional
            Number of layers from the input, 1 to L; default all.

        Returns
        -------
        list of Context
            The factors, last layer first.
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
    n_layers : int >= 1, default=2
    temperature : float > 0, default=1.0
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

    Parameters
    ----------
    tokens : array-like, shape (N, p)
        The token vectors H.

    Returns
    -------
    float

    Examples
    --------
    >>> import contexture_lab as cl
    >>> round(cl.attention.token_spread([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), 4)
    0.6667
    """
    H = as_float_array(tokens, "tokens", ndim=2)
    return float(np.linalg.norm(H - H.mean(axis=0)) / math.sqrt(H.shape[0]))


def over_smoothing(token_history) -> np.ndarray:
    """Collapse metric per layer: token_spread(H_l) / token_spread(H_0), shape (L + 1,).

    1 at the input; it falls towards 0 as stacked attention averages the tokens into one.
    For identity values and uniform queries it is bounded through the spectrum of the
    composite context T (:meth:`AttentionStack.composite`): T is a contraction by s_1 on
    mean-zero functions, so ``token_spread(H_l) <= s_1(T) * sqrt(sum_a p_A(a) |H_0(a) - c|^2)``
    with c = sum_a p_A(a) H_0(a) and p_A the composite's context marginal.

    Parameters
    ----------
    token_history : sequence of array-like, each shape (N, p)
        H_0 (the input) to H_L (after the last layer).

    Returns
    -------
    ndarray, shape (L + 1,)
        Starts at 1.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> cl.attention.over_smoothing([H, 0.5 * H + 0.25, np.ones((3, 2))])
    array([1. , 0.5, 0. ])
    """
    history = list(token_history)
    if not history:
        raise ValueError("token_history is empty; expected the tokens of each layer")
    base = token_spread(history[0])
    if base == 0:
        raise ValueError("the input tokens are all identical (spread 0); nothing can collapse")
    return np.array([token_spread(H) / base for H in history])


# ---------------------------------------------------------------------- moved names
#: name -> module it moved to; both modules import this one, so the names are not served
#: here (that would be an import cycle): asking for one names its new home.
_MOVED = dict.fromkeys((
    "ClusterSequences", "GraphLearning", "cluster_sequences", "graph_eigenvectors",
    "graph_learning", "random_walk_tokens", "walk_context"), "contexture_lab.in_context")
_MOVED["AttentionLayer"] = "contexture_lab.encoders"


def __getattr__(name):
    raise moved_attribute(__name__, name, _MOVED)


__all__ = ["AttentionStack", "attention_context", "compose", "multi_head_contexts",
           "over_smoothing", "self_attention_context", "stack_attention",
           "stationary_distribution", "token_spread"]
