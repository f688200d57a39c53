"""Builders for the contexts the lab uses (THEORY.md section 2).

Each returns a :class:`~contexture_lab.Context`. Builders that take data points (``knn``,
``rbf``) attach them as ``x_features`` and ``a_features``; graph and closed-form builders
attach the natural features (node ids are left to the caller, hypercube states are bits).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._validation import (
    as_float_array,
    check_float,
    check_int,
    check_probability_vector,
    power_of_two_scale,
)
from .context import Context

#: Dense builders (rbf, hypercube) refuse to build more entries than this.
MAX_DENSE_ENTRIES = 50_000_000


def label(y, *, x_features=None) -> Context:
    """A = class of X, X uniform over the n samples: P[i, c] = 1/n if y_i = c.

    Parameters
    ----------
    y : array-like, shape (n,)
        Class labels of any type; the classes present become the C context values.
    x_features : array-like, shape (n, p), optional
        Attached to the context as given (for encoders that read the inputs).

    Returns
    -------
    Context, shape (n, C)
        Sparse; ``ctx.classes`` holds the sorted classes. Closed form: s_1 = ... =
        s_{C-1} = 1, the rest 0.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> ctx = cl.contexts.label(["a", "b", "a", "b"])
    >>> ctx.shape, ctx.classes
    ((4, 2), array(['a', 'b'], dtype='<U1'))
    >>> cl.contexture(ctx, 1).singular_values
    array([1.])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}")
    if y.size == 0:
        raise ValueError("y is empty; expected at least one label")
    if y.dtype.kind == "c":
        raise TypeError(f"y has complex dtype {y.dtype}; expected class labels (integers, "
                        "strings, ...)")
    missing = (np.isnan(y) if y.dtype.kind == "f" else
               np.array([v is None or (isinstance(v, float) and v != v) for v in y])
               if y.dtype.kind == "O" else np.zeros(y.size, dtype=bool))
    if missing.any():
        raise ValueError(f"y has {int(missing.sum())} missing label(s) (NaN or None; first "
                         f"at index {int(np.argmax(missing))}); every sample needs a class")
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError as exc:
        kinds = sorted({type(v).__name__ for v in y})
        raise TypeError(f"y mixes label types {kinds} that cannot be ordered ({exc}); "
                        "expected labels of one type") from None
    n = y.size
    P = sp.csr_matrix((np.full(n, 1.0 / n), (np.arange(n), codes)), shape=(n, classes.size))
    ctx = Context(P, x_features=x_features, name=f"label ({classes.size} classes)")
    ctx.classes = classes
    return ctx


#: Extra candidates fetched per point so that ties at the k-th distance break the same way
#: whatever the thread count (scikit-learn's parallel search orders ties arbitrarily).
_TIE_CANDIDATES = 8


def _nearest(X, k: int) -> np.ndarray:
    """Indices (n, k) of the k nearest other points, ties broken by the smaller index.

    Distances are compared after rounding to 9 significant digits relative to the largest
    one, so that round-off differences between search strategies do not decide ties.
    """
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    m = min(n, k + 1 + _TIE_CANDIDATES)
    X = X / power_of_two_scale(X)  # exact: the same neighbours for X * 1e-300 or X * 1e300
    dist, idx = NearestNeighbors(n_neighbors=m).fit(X).kneighbors(X)
    scale = dist.max() if dist.max() > 0 else 1.0
    key = np.round(dist / scale, 9)
    key[idx == np.arange(n)[:, None]] = -1.0          # self first, then dropped
    order = np.lexsort((idx, key), axis=-1)
    idx = np.take_along_axis(idx, order, axis=1)
    # self sorts first when it is among the candidates (it may not be, with many duplicates)
    self_first = (idx[:, 0] == np.arange(n))[:, None]
    return np.where(self_first, idx[:, 1:k + 1], idx[:, :k])


def knn(X, k: int) -> Context:
    """A = one of the k nearest neighbours of x (self excluded), X uniform.

    P[i, j] = 1 / (n k) for each of the k nearest neighbours j of point i (Euclidean).
    The matrix is sparse and not symmetric: a point that is nobody's neighbour has
    p_a = 0. Small k gives a strong association, large k a weak one.

    Parameters
    ----------
    X : array-like, shape (n, p)
        The data points (n >= 2, at least one feature).
    k : int
        Neighbours per point, 1 <= k <= n - 1.

    Returns
    -------
    Context, shape (n, n)
        Sparse, with ``x_features = a_features = X``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.contexts.knn(np.array([[0.0], [1.0], [3.0]]), 1)
    >>> ctx.conditional().toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 1., 0.]])
    >>> ctx.p_a
    array([0.33333333, 0.66666667, 0.        ])
    """
    X = as_float_array(X, "X", ndim=2)
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"X has {n} point(s); a KNN context needs at least 2")
    if X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}: no features; expected at least one column")
    k = check_int(k, "k", low=1)
    if k >= n:
        raise ValueError(f"k={k} must be smaller than the number of points n={n} "
                         "(the point itself is excluded)")
    cols = _nearest(X, k)
    P = sp.csr_matrix((np.full(n * k, 1.0 / (n * k)), (np.repeat(np.arange(n), k),
                                                       cols.ravel())), shape=(n, n))
    return Context(P, x_features=X, a_features=X, name=f"knn (k={k})")


def rbf(X, bandwidth: float) -> Context:
    """P+(a | x) proportional to ``exp(-|x - a|^2 / (2 bandwidth^2))`` over the same points.

    X is uniform over the n points; a ranges over them too (x itself included). Small
    bandwidth gives a near-identity context, large bandwidth a near-independent one.
    Dense (n x n).

    Parameters
    ----------
    X : array-like, shape (n, p)
        The data points (at least one, with at least one feature).
    bandwidth : float
        The kernel's width, > 0.

    Returns
    -------
    Context, shape (n, n)
        Dense, with ``x_features = a_features = X``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.contexts.rbf(np.array([[0.0], [1.0], [3.0]]), 1.0)
    >>> ctx.conditional().round(3)
    array([[0.618, 0.375, 0.007],
           [0.348, 0.574, 0.078],
           [0.01 , 0.118, 0.872]])
    """
    X = as_float_array(X, "X", ndim=2)
    bandwidth = check_float(bandwidth, "bandwidth", low=0.0, low_open=True)
    n = X.shape[0]
    if n == 0 or X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}; an RBF context needs at least one point "
                         "with at least one feature")
    if n * n > MAX_DENSE_ENTRIES:
        raise ValueError(f"an RBF context on {n} points needs a dense {n} x {n} matrix; at "
                         f"most {int(np.sqrt(MAX_DENSE_ENTRIES))} points are supported")
    # divide points and bandwidth by the same power of two (exact), so that squared
    # distances neither overflow nor underflow, and bandwidth**2 is never formed
    scale = power_of_two_scale(X)
    X_s = X / scale
    sq = np.sum(X_s * X_s, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X_s @ X_s.T, 0.0)
    np.fill_diagonal(dist2, 0.0)  # exactly: a point's own logit stays finite
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        h = bandwidth / scale
        logits = np.where(dist2 > 0, -(dist2 / h) / h / 2, 0.0)
    logits -= logits.max(axis=1, keepdims=True)
    W = np.exp(logits)
    P = W / W.sum(axis=1, keepdims=True) / n
    return Context(P, x_features=X, a_features=X, name=f"rbf (bandwidth={bandwidth:g})")


def _check_graph(W):
    W = as_float_array(W, "W", ndim=2, allow_sparse=True)
    W = W / power_of_two_scale(W)  # exact; degrees of weights near 1e308 cannot overflow
    n, m = W.shape
    if n != m:
        raise ValueError(f"W must be a square adjacency matrix, got shape {W.shape}")
    data = W.data if sp.issparse(W) else W
    if (data < 0).any():
        raise ValueError("W has negative edge weights; expected weights >= 0")
    asym = abs(W - W.T)
    if (asym.max() if sp.issparse(asym) else np.max(asym)) > 1e-10 * max(1.0, abs(data).max()):
        raise ValueError("W must be symmetric (an undirected graph); got W != W.T")
    degree = np.asarray(W.sum(axis=1)).ravel()
    if (degree <= 0).any():
        raise ValueError(f"{int((degree <= 0).sum())} node(s) have no edges; every node of a "
                         "random-walk context needs at least one neighbour")
    return W, degree


def _matrix_power(A, power: int):
    """A^power (dense or sparse) by repeated squaring: about 2 log2(power) products."""
    result = None
    while True:
        if power & 1:
            result = A if result is None else result @ A
        power >>= 1
        if not power:
            return result
        A = A @ A


def random_walk(W, steps: int = 1) -> Context:
    """A = node reached after ``steps`` steps of the random walk on the graph W from X.

    X follows the stationary distribution pi (proportional to degree), so
    P = diag(pi) (D^-1 W)^steps, which is symmetric. Singular values are ``|lambda_i|^steps``,
    where lambda_i are the eigenvalues of D^-1 W: more steps, weaker association. The
    power is taken by repeated squaring, so even a million steps cost about 40 products.

    Parameters
    ----------
    W : array-like or scipy.sparse, shape (n, n)
        Symmetric non-negative edge weights; every node needs an edge.
    steps : int, default=1
        Steps of the walk, >= 1.

    Returns
    -------
    Context, shape (n, n)
        Dense or sparse as W is; no features attached.

    Examples
    --------
    The walk on a triangle: D^-1 W has eigenvalues 1, -1/2, -1/2, so two steps give
    singular values 1/4, 1/4.

    >>> import numpy as np, contexture_lab as cl
    >>> W = np.ones((3, 3)) - np.eye(3)
    >>> cl.contexture(cl.contexts.random_walk(W, 2), 2).singular_values
    array([0.25, 0.25])
    """
    W, degree = _check_graph(W)
    steps = check_int(steps, "steps", low=1)
    sparse = sp.issparse(W)
    step = (sp.diags(1.0 / degree) @ W).tocsr() if sparse else W / degree[:, None]
    M = _matrix_power(step, steps)
    pi = degree / degree.sum()
    P = (sp.diags(pi) @ M).tocsr() if sparse else M * pi[:, None]
    P = (P + P.T) / 2  # symmetric in exact arithmetic; remove rounding asymmetry
    return Context(P, normalize=True, name=f"random walk ({steps} step{'s' * (steps > 1)})")


def cycle(n: int, p: float) -> Context:
    """Cycle Z_n: A = X with probability 1 - p, X + 1 or X - 1 with probability p / 2 each.

    Singular values ``|1 - p + p cos(2 pi k / n)|``, k = 0..n-1 (Fourier modes). Sparse.

    Parameters
    ----------
    n : int
        Number of nodes, >= 3.
    p : float
        Probability of a step to a neighbour, in [0, 1].

    Returns
    -------
    Context, shape (n, n)
        Sparse; ``x_features`` are the nodes' positions on the unit circle, (n, 2).

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.contexture(cl.contexts.cycle(6, 0.3), 2).singular_values.round(4)
    array([0.85, 0.85])
    """
    n = check_int(n, "n", low=3)
    p = check_float(p, "p", low=0.0, high=1.0)
    i = np.arange(n)
    rows = np.concatenate([i, i, i])
    cols = np.concatenate([i, (i + 1) % n, (i - 1) % n])
    vals = np.concatenate([np.full(n, 1 - p), np.full(2 * n, p / 2)]) / n
    P = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return Context(P, x_features=np.c_[np.cos(2 * np.pi * i / n), np.sin(2 * np.pi * i / n)],
                   name=f"cycle (n={n}, p={p:g})")


def hypercube(n_bits: int, flip: float) -> Context:
    """{0,1}^n_bits, X uniform, each bit of A flipped independently with probability ``flip``.

    Singular values ``|1 - 2 flip|^k`` with multiplicity C(n_bits, k) (Walsh functions of
    degree k; the eigenvalues (1 - 2 flip)^k are negative for flip > 1/2 and odd k);
    flip = 0 is A = X, flip = 1/2 is independence, flip = 1 is A = X with every bit
    negated. Dense, 2^n_bits x 2^n_bits; features are the bits.

    Parameters
    ----------
    n_bits : int
        Number of bits, 1 to 12.
    flip : float
        Probability that each bit flips, in [0, 1].

    Returns
    -------
    Context, shape (2**n_bits, 2**n_bits)
        Dense; ``x_features = a_features`` are the bits of each state, (2**n_bits, n_bits).

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.contexture(cl.contexts.hypercube(2, 0.1), 2).singular_values.round(4)
    array([0.8, 0.8])
    """
    n_bits = check_int(n_bits, "n_bits", low=1, high=12)
    flip = check_float(flip, "flip", low=0.0, high=1.0)
    one_bit = np.array([[1 - flip, flip], [flip, 1 - flip]]) / 2
    P = np.ones((1, 1))
    for _ in range(n_bits):
        P = np.kron(P, one_bit)
    states = (np.arange(2 ** n_bits)[:, None] >> np.arange(n_bits)[::-1]) & 1
    return Context(P, x_features=states, a_features=states, normalize=True,
                   name=f"hypercube (n={n_bits}, flip={flip:g})")


# ---------------------------------------------------------------------- the knob registry
#: Knobs that sweeps turn (THEORY.md section 5): knob name -> (parameter it sets, data
#: keywords it needs, weak end of the knob). :func:`knob_contexts` builds their contexts.
KNOBS = {
    "knn": ("k", ("X",), "large k"),
    "rbf": ("bandwidth", ("X",), "large bandwidth"),
    "random_walk": ("steps", ("W",), "many steps"),
    "hypercube": ("flip", ("n_bits",), "flip near 1/2"),
    "attention": ("temperature", ("queries", "keys"), "high temperature"),
}


def _knn_contexts(X, ks):
    """KNN contexts for several k from one neighbour search (the P of :func:`knn`).

    :func:`knn` orders neighbours by distance, ties broken by the smaller index, so the k
    nearest are a prefix of the ``max(ks)`` nearest.
    """
    X = as_float_array(X, "X", ndim=2)
    n = X.shape[0]
    ks = [check_int(k, "k", low=1, high=n - 1) for k in ks]
    nearest = _nearest(X, max(ks))
    for k in ks:
        P = sp.csr_matrix((np.full(n * k, 1.0 / (n * k)),
                           (np.repeat(np.arange(n), k), nearest[:, :k].ravel())),
                          shape=(n, n))
        yield k, Context(P, x_features=X, a_features=X, name=f"knn (k={k})")


def knob_contexts(knob: str, values, **data):
    """One context per knob value, built by this module's builders.

    Parameters
    ----------
    knob : {"knn", "rbf", "random_walk", "hypercube", "attention"}
        See :data:`~contexture_lab.contexts.KNOBS`.
    values : sequence
        Knob values (k, bandwidth, steps, flip or temperature), at least one.
    **data : array-like or int
        What the builder needs: ``X`` (knn, rbf), ``W`` (random_walk), ``n_bits``
        (hypercube), ``queries`` and ``keys`` (attention, via
        :func:`contexture_lab.attention.attention_context`).

    Yields
    ------
    (value, Context)
        One pair per knob value, in the order given. The KNN knob searches neighbours
        once for every k.
    """
    if knob not in KNOBS:
        raise ValueError(f"unknown knob {knob!r}; expected one of {sorted(KNOBS)}")
    needed = KNOBS[knob][1]
    missing = [key for key in needed if key not in data]
    extra = sorted(set(data) - set(needed))
    if missing or extra:
        raise ValueError(f"knob {knob!r} needs data {list(needed)}; missing {missing}, "
                         f"unexpected {extra}")
    values = list(values)
    if not values:
        raise ValueError("values is empty; expected at least one knob value")
    if knob == "knn":
        yield from _knn_contexts(data["X"], values)
        return
    for value in values:
        if knob == "rbf":
            yield value, rbf(data["X"], value)
        elif knob == "random_walk":
            yield value, random_walk(data["W"], value)
        elif knob == "hypercube":
            yield value, hypercube(data["n_bits"], value)
        else:
            from .attention import attention_context

            yield value, attention_context(data["queries"], data["keys"], value)


def log_bilinear(f, g, *, p_x=None, q_a=None, x_features=None, a_features=None) -> Context:
    """P+(a | x) proportional to q(a) exp(<f(x), g(a)>): a context a softmax model fits exactly.

    The model class of skip-gram and of a softmax head on a d-dimensional encoder
    (``logits = W Phi(x) + b`` with Phi = f, rows of W = g, b = log q): the log-ratio
    log P+(a|x) / p_A(a) (the PMI) is <f(x), g(a)> plus a function of x and a function of a,
    so centred over rows and columns it has rank at most d. Dense.

    Parameters
    ----------
    f : array-like, shape (N, d)
        Input side of the bilinear form (scale it to change the association strength).
    g : array-like, shape (M, d)
        Context side.
    p_x : array-like, shape (N,), optional
        Marginal of X; uniform by default. Every entry must be positive.
    q_a : array-like, shape (M,), optional
        Base measure on the context values (positive); uniform by default. p_A is
        ``sum_x p_x(x) P+(a | x)``, not q.
    x_features, a_features : array-like, optional
        Attached to the context as given.

    Returns
    -------
    Context of shape (N, M).
    """
    f = as_float_array(f, "f", ndim=2)
    g = as_float_array(g, "g", ndim=2)
    if f.shape[1] != g.shape[1]:
        raise ValueError(f"f has {f.shape[1]} columns and g {g.shape[1]}; the bilinear form "
                         "<f(x), g(a)> needs the same dimension on both sides")
    n, m = f.shape[0], g.shape[0]
    if n * m > MAX_DENSE_ENTRIES:
        raise ValueError(f"a log-bilinear context of shape ({n}, {m}) is dense; at most "
                         f"{MAX_DENSE_ENTRIES} entries are supported")
    p_x = np.full(n, 1.0 / n) if p_x is None else check_probability_vector(p_x, "p_x")
    q_a = np.full(m, 1.0 / m) if q_a is None else check_probability_vector(q_a, "q_a")
    for name, vec, size in (("p_x", p_x, n), ("q_a", q_a, m)):
        if vec.shape != (size,):
            raise ValueError(f"{name} has {vec.size} entries; expected {size}, one per row "
                             f"of {'f' if name == 'p_x' else 'g'}")
        if (vec <= 0).any():
            raise ValueError(f"{name} has {int((vec <= 0).sum())} zero entr(ies); expected "
                             "positive probabilities (the PMI is finite only on a full support)")
    logits = np.log(q_a)[None, :] + f @ g.T
    logits -= logits.max(axis=1, keepdims=True)
    C = np.exp(logits)
    C /= C.sum(axis=1, keepdims=True)
    return Context(p_x[:, None] * C, x_features=x_features, a_features=a_features,
                   normalize=True, name=f"log-bilinear (d={f.shape[1]})")


def identity(n: int) -> Context:
    """A = X, X uniform over n values: every singular value equals 1. Sparse.

    Parameters
    ----------
    n : int
        Number of values, >= 2.

    Returns
    -------
    Context, shape (n, n)
        ``P = I / n``, sparse, no features.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.contexts.identity(3).conditional().toarray()
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    n = check_int(n, "n", low=2)
    return Context(sp.identity(n, format="csr") / n, name=f"identity (n={n})")


def independent(p_x, p_a) -> Context:
    """A independent of X: P = p_x p_a^T. Only s_0 = 1 is non-zero.

    Parameters
    ----------
    p_x : array-like, shape (N,)
        Marginal of X, every entry positive.
    p_a : array-like, shape (M,)
        Marginal of A.

    Returns
    -------
    Context, shape (N, M)
        Dense, no features.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> ctx = cl.contexts.independent([0.5, 0.5], [0.2, 0.8])
    >>> ctx.conditional()
    array([[0.2, 0.8],
           [0.2, 0.8]])
    """
    p_x = check_probability_vector(p_x, "p_x")
    p_a = check_probability_vector(p_a, "p_a")
    if (p_x <= 0).any():
        raise ValueError("p_x has zero entries; every input needs positive probability")
    return Context(np.outer(p_x, p_a), normalize=True, name="independent")


def cooccurrence_context(sequences, vocabulary, *, window: int = 2) -> Context:
    """Word co-occurrence as a context: X = a word of ``vocabulary``, A = a word of
    ``vocabulary`` within ``window`` positions of it in the same sequence.

    P+(x, a) is proportional to the number of such pairs (symmetric), the matrix whose
    pointwise mutual information word embeddings are known to factorise (Levy and
    Goldberg, NeurIPS 2014).

    Parameters
    ----------
    sequences : iterable of array-like of int
        Token ids of each text (special tokens are simply not in ``vocabulary``).
    vocabulary : array-like of int, shape (V,)
        The ids kept, in the order of the context's rows and columns.
    window : int, default=2
        Largest distance in positions between two co-occurring words, >= 1.

    Returns
    -------
    Context, shape (V, V), sparse; a word never seen near another has no row mass and raises.
    """
    vocab = np.asarray(vocabulary, dtype=np.int64)
    if vocab.ndim != 1 or vocab.size < 2 or np.unique(vocab).size != vocab.size:
        raise ValueError("vocabulary must be a 1-d array of at least 2 distinct token ids; "
                         f"found shape {vocab.shape}")
    window = check_int(window, "window", low=1)
    lookup = {int(t): i for i, t in enumerate(vocab)}
    rows, cols = [], []
    for seq in sequences:
        idx = np.array([lookup.get(int(t), -1) for t in seq])
        pos = np.flatnonzero(idx >= 0)
        for shift in range(1, window + 1):
            ok = pos[np.isin(pos + shift, pos)]
            rows += [idx[ok], idx[ok + shift]]
            cols += [idx[ok + shift], idx[ok]]
    r = np.concatenate(rows) if rows else np.zeros(0, int)
    c = np.concatenate(cols) if cols else np.zeros(0, int)
    counts = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(vocab.size, vocab.size)).tocsr()
    return Context(counts, normalize=True, name=f"co-occurrence (window {window})")


def bag_of_words_context(sequences, vocabulary) -> Context:
    """Texts and their words as a context: X = a text, A = a word of ``vocabulary`` drawn
    from it (P+(x, a) proportional to the count of a in x). Its top singular functions are
    latent semantic analysis (Deerwester et al., 1990).

    Parameters
    ----------
    sequences : sequence of array-like of int, length n
        Token ids of each text; every text needs one word of ``vocabulary``.
    vocabulary : array-like of int, shape (V,)
        The ids kept, in the order of the context's columns.

    Returns
    -------
    Context, shape (n, V), sparse
    """
    vocab = np.asarray(vocabulary, dtype=np.int64)
    lookup = np.full(int(max(vocab.max(), max(int(np.max(s)) for s in sequences))) + 1, -1)
    lookup[vocab] = np.arange(vocab.size)
    rows, cols = [], []
    for i, seq in enumerate(sequences):
        j = lookup[np.asarray(seq, dtype=np.int64)]
        j = j[j >= 0]
        rows.append(np.full(j.size, i))
        cols.append(j)
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(len(sequences), vocab.size))
    return Context(counts.tocsr(), normalize=True, name="texts x words")


#: Base contexts of :func:`masked`.
MASKED_BASES = ("rbf", "knn")


def masked(X, base: str, *, rate: float = 0.2, n_masks: int = 50, random_state=0,
           k: int | None = None, bandwidth: float | None = None, visible=None) -> Context:
    """An RBF or KNN context on masked inputs, averaged over random masks ([ICML] Table 1).

    Each of ``n_masks`` masks hides ``round(rate * p)`` features (at least 1, at most p - 1),
    chosen uniformly without replacement; the base context is built on the inputs with those
    features removed (for distances, removing equals zeroing them), and the masked context
    is the average of the ``n_masks`` joints: P = (1 / n_masks) sum_r P_r. Every P_r has
    X uniform, so the conditional P(a | x) is the average of the masked conditionals: a
    draw picks a mask, then a context value on the masked inputs. One mask is shared by all
    points in a draw (the lab's reading of [ICML]'s "RBF/KNN with masking": the source gives
    the rate, 20 %, and the number of masks, 50, not how a mask is drawn).

    Parameters
    ----------
    X : array-like, shape (n, p), p >= 2
    base : {"rbf", "knn"}
        The context built on each masked copy (:func:`rbf` or :func:`knn`).
    rate : float in (0, 1), default=0.2
        Fraction of features masked.
    n_masks : int >= 1, default=50
    random_state : int or numpy.random.Generator, default=0
        Draws the masks.
    k : int, optional
        Neighbours, required for ``base="knn"`` (1 <= k <= n - 1).
    bandwidth : float > 0, optional
        Required for ``base="rbf"``; the same bandwidth for every masked copy.
    visible : array-like of bool, shape (n_masks, p), optional
        The features each mask leaves visible (e.g. the crop windows of
        :func:`crop_masks`); when given, ``rate``, ``n_masks`` and ``random_state`` are not
        used.

    Returns
    -------
    Context of shape (n, n), sparse for ``"knn"`` and dense for ``"rbf"``, with
    ``x_features = a_features = X`` (the unmasked inputs an encoder reads).
    """
    from ._validation import check_choice, check_rng

    X = as_float_array(X, "X", ndim=2)
    base = check_choice(base, "base", MASKED_BASES)
    rate = check_float(rate, "rate", low=0.0, low_open=True)
    if rate >= 1:
        raise ValueError(f"rate must be < 1 (some features stay visible), got {rate}")
    n_masks = check_int(n_masks, "n_masks", low=1)
    rng = check_rng(random_state)
    p = X.shape[1]
    if p < 2:
        raise ValueError(f"X has {p} feature(s); masking needs at least 2 (one stays visible)")
    if base == "knn" and k is None:
        raise ValueError("base='knn' needs k (the number of neighbours), got k=None")
    if base == "rbf" and bandwidth is None:
        raise ValueError("base='rbf' needs bandwidth, got bandwidth=None")
    if visible is None:
        hidden = min(max(int(round(rate * p)), 1), p - 1)
        keeps = [np.sort(rng.permutation(p)[hidden:]) for _ in range(n_masks)]
    else:
        visible = np.asarray(visible)
        if visible.dtype != bool or visible.ndim != 2 or visible.shape[1] != p:
            raise ValueError(f"visible must be a boolean array of shape (n_masks, {p}); got "
                             f"{visible.dtype} of shape {visible.shape}")
        if not visible.any(axis=1).all():
            raise ValueError("visible has a mask that hides every feature; expected at least "
                             "one visible feature per mask")
        keeps = [np.flatnonzero(row) for row in visible]
        n_masks = len(keeps)
    total = None
    for keep in keeps:
        ctx = knn(X[:, keep], k) if base == "knn" else rbf(X[:, keep], bandwidth)
        total = ctx.P if total is None else total + ctx.P
    P = total / n_masks
    knob = f"k={k}" if base == "knn" else f"bandwidth={bandwidth:g}"
    return Context(P, x_features=X, a_features=X,
                   name=f"masked {base} ({knob}, rate={rate:g}, n_masks={n_masks})")


def crop_masks(height: int, width: int, ratio: float, n_masks: int, *, random_state=0):
    """Square crop windows of an image as masks of its pixels (for :func:`masked`).

    Each window has side round(sqrt(ratio * height * width)) (at least 1, at most the
    shorter side) and a top-left corner drawn uniformly; its pixels are the visible ones.
    With :func:`masked` this gives a crop context: the RBF or KNN context of the images
    seen through one window, averaged over windows (no resizing: pixels are compared at
    the same place).

    Parameters
    ----------
    height, width : int >= 1
    ratio : float in (0, 1]
        Fraction of the image a window covers (up to rounding of the side).
    n_masks : int >= 1
    random_state : int or numpy.random.Generator, default=0

    Returns
    -------
    ndarray of bool, shape (n_masks, height * width)
        Row-major pixel order, as ``images.reshape(n, -1)``.
    """
    from ._validation import check_rng

    height = check_int(height, "height", low=1)
    width = check_int(width, "width", low=1)
    ratio = check_float(ratio, "ratio", low=0.0, low_open=True, high=1.0)
    n_masks = check_int(n_masks, "n_masks", low=1)
    rng = check_rng(random_state)
    side = min(max(int(round(np.sqrt(ratio * height * width))), 1), height, width)
    out = np.zeros((n_masks, height, width), dtype=bool)
    for r in range(n_masks):
        top = rng.integers(0, height - side + 1)
        left = rng.integers(0, width - side + 1)
        out[r, top:top + side, left:left + side] = True
    return out.reshape(n_masks, -1)
