"""Mixing contexts: new contexts from old ones (THEORY.md section 6).

Three operations, each exact on finite contexts and returning a :class:`~contexture_lab.Context`:

- :func:`convolve` -- chain x -> a1 ~ P1(.|x) -> a2 ~ P2(.|a1); operator T = T1 T2.
  Singular values can only shrink: s_k(T1 T2) <= s_k(T1).
- :func:`convex_combination` -- draw which context to use independently of X, then draw
  from it. The context value is the pair (which, a) on the disjoint union of the A spaces,
  so Q = [sqrt(w_1) Q_1, ..., sqrt(w_m) Q_m] and the dual kernels add:
  k = sum_i w_i k_i; sum_{i>=1} s_i^2 is linear in the weights.
- :func:`concatenate` -- A = (A1, A2) drawn independently given X; the association is at
  least as strong as either part's.

Sparse inputs give sparse outputs; no dense matrix larger than the result is formed.

Training with a mixed context lives in :mod:`contexture_lab.training`
(:func:`~contexture_lab.training.fit_mixed_encoder`,
:func:`~contexture_lab.training.fit_concatenated_encoders`): this module builds contexts
and imports nothing that trains.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from . import degeneracy
from ._validation import as_float_array, check_int, check_probability_vector, moved_attribute
from .context import Context, check_context
from .degeneracy import maybe_scramble

#: :func:`concatenate` refuses to build more stored entries than this (memory guard).
MAX_CONCAT_ENTRIES = 30_000_000

#: :func:`concatenate` attaches pair features (a1 features next to a2 features) only up to
#: this many entries; above it, use ``ctx.pairs`` to look them up on the fly.
MAX_PAIR_FEATURE_ENTRIES = 5_000_000

_P_X_RTOL = 1e-8


def _name(ctx: Context, fallback: str) -> str:
    return ctx.name or fallback


def _check_same_inputs(contexts, operation: str) -> np.ndarray:
    """Common p_x of contexts over the same inputs; raise if N or p_x differ."""
    first = contexts[0]
    for i, ctx in enumerate(contexts[1:], start=1):
        if ctx.n_inputs != first.n_inputs:
            raise ValueError(f"{operation} needs contexts over the same inputs: context 0 has "
                             f"N={first.n_inputs} inputs and context {i} has "
                             f"N={ctx.n_inputs}")
        gap = float(np.max(np.abs(ctx.p_x - first.p_x)))
        if gap > _P_X_RTOL * max(1.0, float(first.p_x.max())):
            raise ValueError(f"{operation} needs contexts that share the marginal of X; "
                             f"p_x of context {i} differs from context 0's by up to {gap:.3g}. "
                             "Build both contexts with the same input distribution")
    return first.p_x


def _as_csr(P):
    return P if sp.issparse(P) else sp.csr_matrix(P)


def convolve(c1: Context, c2: Context) -> Context:
    """The convolution of two contexts: x -> a1 ~ P1(.|x) -> a2 ~ P2(.|a1).

    The joint is P(x, a2) = sum_a1 P1(x, a1) P2(a2 | a1), i.e. ``P1 @ C2`` with
    C2 = diag(p_x of c2)^-1 P2 the conditional of ``c2``; its expectation operator is
    T = T1 T2. Only c2's *conditional* is used: the marginal of A1 under c1 need not
    equal c2's input marginal (e.g. a KNN context whose neighbours are not all drawn
    equally often), and c2's own input marginal plays no role.

    Singular values can only shrink, s_k(T1 T2) <= s_k(T1), because T2 is a Markov
    operator (a contraction in L2). Two hypercube flips with probabilities eps1, eps2
    give a flip with 1 - 2 eps = (1 - 2 eps1)(1 - 2 eps2).

    Parameters
    ----------
    c1 : Context, shape (N, M1)
    c2 : Context, shape (M1, M2)
        Its inputs are c1's context values.

    Returns
    -------
    Context, shape (N, M2)
        Sparse when both inputs are sparse, otherwise dense. ``x_features`` come from
        c1, ``a_features`` from c2.

    Examples
    --------
    Flips of 0.1 then 0.2 per bit: one flip eps with 1 - 2 eps = 0.8 x 0.6 = 0.48.

    >>> import contexture_lab as cl
    >>> h = cl.mixing.convolve(cl.contexts.hypercube(2, 0.1), cl.contexts.hypercube(2, 0.2))
    >>> cl.contexture(h, 2).singular_values.round(4)
    array([0.48, 0.48])
    """
    check_context(c1, "c1")
    check_context(c2, "c2")
    if c1.n_contexts != c2.n_inputs:
        raise ValueError(f"convolve needs c1's context values to be c2's inputs: c1 has shape "
                         f"{c1.shape} (M1={c1.n_contexts}) and c2 has shape {c2.shape} "
                         f"(N2={c2.n_inputs}); expected M1 == N2")
    C2 = c2.conditional()
    if c1.is_sparse and c2.is_sparse:
        P = sp.csr_matrix(c1.P @ C2)
    else:
        P = np.asarray(c1.P @ C2)
    # rounding can move the total by ~1e-16 per entry; the mass is 1 in exact arithmetic
    return Context(P, x_features=c1.x_features, a_features=c2.a_features, normalize=True,
                   name=f"{_name(c1, 'c1')} * {_name(c2, 'c2')}")


def convex_combination(contexts, weights) -> Context:
    """Draw context i with probability w_i, independently of X, then A ~ P_i(.|x).

    The new context value is the pair (i, a) on the disjoint union of the contexts'
    value spaces, so P = [w_1 P_1, ..., w_m P_m] side by side,
    Q = [sqrt(w_1) Q_1, ..., sqrt(w_m) Q_m], and the dual kernels add with the weights,
    k_X+ = sum_i w_i k_i. Hence sum_{i>=1} s_i^2 = sum_i w_i sum_{j>=1} s_j(T_i)^2 is linear
    in the weights. "Independently of X" requires every context to have the same
    marginal p_x (then the joint of (X, A) restricted to a shared value space would be
    sum_i w_i P_i).

    Parameters
    ----------
    contexts : sequence of Context
        At least two, all of shape (N, M_i) with the same p_x.
    weights : array-like, shape (len(contexts),)
        Non-negative, summing to 1. A context with weight 0 keeps its columns (without
        mass), so the shape does not depend on the weights.

    Returns
    -------
    Context, shape (N, M_1 + ... + M_m)
        Sparse if any input is sparse, otherwise dense. Attributes ``which`` (M,) and
        ``local_index`` (M,) say which context and which of its values each column is.
        ``x_features`` come from the first context that has them; ``a_features`` are
        stacked when every context has them with the same width.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> a, b = cl.contexts.cycle(6, 0.3), cl.contexts.cycle(6, 0.6)
    >>> mix = cl.mixing.convex_combination([a, b], [0.5, 0.5])
    >>> mix.shape
    (6, 12)

    The squared values add with the weights: (0.85^2 + 0.7^2) / 2 = 0.6063 = 0.7786^2.

    >>> cl.spectrum.singular_values(mix, 2).round(4)
    array([0.7786, 0.7786])
    """
    if isinstance(contexts, Context) or not hasattr(contexts, "__len__"):
        raise TypeError("contexts must be a list of at least two Context objects, got "
                        f"{type(contexts).__name__}")
    contexts = list(contexts)
    if len(contexts) < 2:
        raise ValueError(f"a convex combination needs at least two contexts, got "
                         f"{len(contexts)}")
    for i, ctx in enumerate(contexts):
        check_context(ctx, f"contexts[{i}]")
    w = check_probability_vector(weights, "weights")
    if w.size != len(contexts):
        raise ValueError(f"weights has {w.size} entries for {len(contexts)} contexts; "
                         "expected one weight per context")
    _check_same_inputs(contexts, "convex_combination")
    blocks = [wi * ctx.P for wi, ctx in zip(w, contexts)]
    if any(ctx.is_sparse for ctx in contexts):
        P = sp.hstack([_as_csr(b) for b in blocks], format="csr")
    else:
        P = np.hstack(blocks)
    which = np.concatenate([np.full(c.n_contexts, i) for i, c in enumerate(contexts)])
    local = np.concatenate([np.arange(c.n_contexts) for c in contexts])
    x_features = next((c.x_features for c in contexts if c.x_features is not None), None)
    a_feats = [c.a_features for c in contexts]
    a_features = None
    if all(f is not None for f in a_feats) and len({f.shape[1] for f in a_feats}) == 1:
        a_features = np.vstack(a_feats)
    label = " + ".join(f"{wi:.3g} {_name(c, f'c{i}')}" for i, (wi, c)
                       in enumerate(zip(w, contexts)))
    out = Context(P, x_features=x_features, a_features=a_features, normalize=True,
                  name=label)
    out.which = which
    out.local_index = local
    return out


def _row_pairs(C1, C2):
    """Entries of the row-wise Kronecker product of two CSR matrices with equal rows.

    Returns (row, e1, e2): for each stored pair, its row and the positions of the two
    factors in ``C1.data`` and ``C2.data``. Only pairs of stored entries are listed.
    """
    n = C1.shape[0]
    r1, r2 = np.diff(C1.indptr), np.diff(C2.indptr)
    e1_row = np.repeat(np.arange(n), r1)              # row of each entry of C1
    counts = r2[e1_row]                               # partners of each C1 entry
    total = int(counts.sum())
    if total > MAX_CONCAT_ENTRIES:
        raise ValueError(f"the concatenated context would store {total} entries (more than "
                         f"{MAX_CONCAT_ENTRIES}); use sparser contexts (smaller k) or fewer "
                         "inputs")
    e1 = np.repeat(np.arange(e1_row.size), counts)
    row = e1_row[e1]
    starts = np.cumsum(counts) - counts
    within = np.arange(total) - np.repeat(starts, counts)
    e2 = C2.indptr[row] + within
    return row, e1, e2


def concatenate(c1: Context, c2: Context) -> Context:
    """A = (A1, A2) with A1 ~ P1(.|x) and A2 ~ P2(.|x) drawn independently given X.

    P(x, (a1, a2)) = p(x) P1(a1 | x) P2(a2 | x). Only pairs (a1, a2) that occur for some
    x become columns (sorted by a1, then a2), so a sparse pair of KNN contexts with k1
    and k2 neighbours stores N k1 k2 entries, never an N x M1 M2 matrix. The association
    is at least as strong as either part's: T1 and T2 factor through T (marginalise the
    other coordinate), so s_k(T) >= max(s_k(T1), s_k(T2)).

    Parameters
    ----------
    c1 : Context, shape (N, M1)
        The first context.
    c2 : Context, shape (N, M2)
        The second, with the same p_x as c1.

    Returns
    -------
    Context, shape (N, number of occurring pairs)
        Sparse if either input is sparse, otherwise dense. Attribute ``pairs`` (M, 2)
        holds (a1, a2) of each column; ``x_features`` come from c1 (or c2);
        ``a_features`` are the two parts' features side by side when both have them and
        the result stays below ``MAX_PAIR_FEATURE_ENTRIES``.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> a, b = cl.contexts.cycle(6, 0.3), cl.contexts.cycle(6, 0.6)
    >>> both = cl.mixing.concatenate(a, b)
    >>> both.shape, both.pairs[:2].tolist()
    ((6, 30), [[0, 0], [0, 1]])
    >>> cl.spectrum.singular_values(both, 2).round(4)   # at least cycle(6, 0.3)'s 0.85
    array([0.9067, 0.9067])
    """
    check_context(c1, "c1")
    check_context(c2, "c2")
    p_x = _check_same_inputs([c1, c2], "concatenate")
    C1, C2 = _as_csr(c1.conditional()), _as_csr(c2.conditional())
    C1.sort_indices()
    C2.sort_indices()
    row, e1, e2 = _row_pairs(C1, C2)
    a1, a2 = C1.indices[e1], C2.indices[e2]
    values = p_x[row] * C1.data[e1] * C2.data[e2]
    codes = a1.astype(np.int64) * c2.n_contexts + a2
    unique, col = np.unique(codes, return_inverse=True)
    P = sp.csr_matrix((values, (row, col)), shape=(c1.n_inputs, unique.size))
    if not (c1.is_sparse or c2.is_sparse):
        P = P.toarray()
    pairs = np.column_stack([unique // c2.n_contexts, unique % c2.n_contexts])
    a_features = None
    f1, f2 = c1.a_features, c2.a_features
    if (f1 is not None and f2 is not None
            and unique.size * (f1.shape[1] + f2.shape[1]) <= MAX_PAIR_FEATURE_ENTRIES):
        a_features = np.hstack([f1[pairs[:, 0]], f2[pairs[:, 1]]])
    x_features = c1.x_features if c1.x_features is not None else c2.x_features
    out = Context(P, x_features=x_features, a_features=a_features, normalize=True,
                  name=f"({_name(c1, 'c1')}, {_name(c2, 'c2')})")
    out.pairs = pairs
    return out


#: :func:`normalized_gram` densifies a sparse Q above this share of stored entries
#: (a dense BLAS product is then much faster than a sparse one) if Q has at most
#: ``MAX_DENSE_Q_ENTRIES`` entries.
DENSE_Q_DENSITY = 0.05
MAX_DENSE_Q_ENTRIES = 20_000_000


def normalized_gram(ctx: Context) -> np.ndarray:
    """G = Q Q^T, the N x N Gram matrix of T T* (dense), whatever the number M of values.

    G = diag(p_x)^1/2 K_X diag(p_x)^1/2 with K_X the dual kernel; its eigenvalues are
    s_0^2 = 1, s_1^2, s_2^2, ... A sparse Q with few entries (a concatenation of KNN
    contexts) is multiplied sparsely; a nearly full one (a convolution with a weak KNN
    context) is densified first.

    Parameters
    ----------
    ctx : Context
        The context (N x M).

    Returns
    -------
    ndarray, shape (N, N)
        Dense, symmetric positive semi-definite.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> G = cl.mixing.normalized_gram(cl.contexts.cycle(6, 0.3))
    >>> np.linalg.eigvalsh(G)[::-1].round(4)       # 1 and the squares 0.85^2, 0.55^2, 0.4^2
    array([1.    , 0.7225, 0.7225, 0.3025, 0.3025, 0.16  ])
    """
    check_context(ctx)
    Q = ctx.normalized()
    n, m = Q.shape
    if sp.issparse(Q) and (Q.nnz <= DENSE_Q_DENSITY * n * m or n * m > MAX_DENSE_Q_ENTRIES):
        G = Q @ Q.T
        return G.toarray() if sp.issparse(G) else np.asarray(G)
    Q = Q.toarray() if sp.issparse(Q) else Q
    return Q @ Q.T


def dual_contexture(ctx: Context, d: int, *, gram=None):
    """s_1..s_d and mu_1..mu_d from the Gram matrix G = Q Q^T (exact; cost set by N).

    T T* has the Gram matrix G = diag(p_x)^1/2 K_X diag(p_x)^1/2 = Q Q^T (N x N), whatever
    the number M of context values; its eigenvectors u_i give mu_i = u_i / sqrt(p_x). This
    is the route for a concatenation, whose M (pairs of values) can be far larger than N,
    so that a dense SVD of Q is out of reach. The constant pair (s_0 = 1, u_0 = sqrt(p_x))
    is deflated first, as in :func:`contexture_lab.contexture`, with the same sign
    convention (the largest-magnitude value of each mu_i positive).

    Parameters
    ----------
    ctx : Context
        The context (N x M); M may be far larger than N.
    d : int
        Number of pairs, 1 <= d <= N - 1.
    gram : ndarray, shape (N, N), optional
        :func:`normalized_gram` of ``ctx`` when already computed.

    Returns
    -------
    s : ndarray, shape (d,)
    mu : ndarray, shape (N, d), orthonormal in L2(P_X)
    """
    import scipy.linalg

    check_context(ctx)
    n = ctx.n_inputs
    d = check_int(d, "d", low=1, high=n - 1)
    G = normalized_gram(ctx) if gram is None else as_float_array(gram, "gram", ndim=2)
    if G.shape != (n, n):
        raise ValueError(f"gram has shape {G.shape}; expected ({n}, {n})")
    root = np.sqrt(ctx.p_x)
    G = G - np.outer(root, root)
    k = min(d + 1, n - 1)       # one more, to see whether the cluster of s_d is cut
    while True:
        w, U = scipy.linalg.eigh(G, subset_by_index=[n - k, n - 1], driver="evr")
        w, U = np.sqrt(np.clip(w[::-1], 0.0, 1.0)), U[:, ::-1]
        if k == n - 1 or w[d - 1] - w[-1] > degeneracy.tolerance(w):
            break
        k = n - 1
    if k > d and w[d - 1] - w[d] <= degeneracy.tolerance(w):
        warnings.warn(degeneracy.describe(w, d, complete=k == n - 1),
                      degeneracy.DegenerateSpanWarning, stacklevel=2)
    (U,) = maybe_scramble(w, U)
    w, mu = w[:d], U[:, :d] / root[:, None]
    rows = np.argmax(np.abs(mu), axis=0)
    signs = np.sign(mu[rows, np.arange(d)])
    signs[signs == 0] = 1.0
    return w, mu * signs


#: Training with mixed contexts moved to :mod:`contexture_lab.training`, which imports this
#: module (serving the names here would be an import cycle): asking for one names its home.
_MOVED = dict.fromkeys(("ConcatenatedEncoder", "MIXABLE_OBJECTIVES", "fit_concatenated_encoders",
                        "fit_mixed_encoder"), "contexture_lab.training")


def __getattr__(name):
    raise moved_attribute(__name__, name, _MOVED)


__all__ = ["MAX_CONCAT_ENTRIES", "MAX_PAIR_FEATURE_ENTRIES", "concatenate",
           "convex_combination", "convolve", "dual_contexture", "normalized_gram"]
