"""Association strength: how strongly a context's A depends on X (THEORY.md section 5).

Weak association (A nearly independent of X) collapses the spectrum onto s_0 = 1; strong
association (A nearly equal to X) makes it flat. The label-free measures below read the
strength from the spectrum s_1 >= s_2 >= ... (s_0 = 1 excluded, as everywhere in the lab):

- :func:`decay_rate`: lambda of the least-squares fit s_i^2 = exp(-lambda i) (large = weak),
  by non-linear least squares on s_i^2 as in [ICML] App. F.1.1 (``method="log-linear"``:
  the linear fit of log s_i^2, a different estimator);
- :func:`kernel_deviation`: ``E |k_X+(X, X') - 1|`` over independent X, X' ~ P_X (small = weak);
- :func:`tau`: tau_d = 1 / (1 - s_{d+1}^2) + beta sum_{i<=d} s_i^2 / sum_{i<=d0} s_i^2,
  tau = min_d tau_d (lower is better; it blows up when s_{d+1} -> 1 for every d);
- :func:`effective_dimension`: the participation ratio (sum s_i^2)^2 / sum s_i^4 (the lab's
  own measure, not one from the sources);
- :func:`n_components`: connected components of the support of P (= multiplicity of s = 1).

Knobs move the strength (:data:`~contexture_lab.contexts.KNOBS`): KNN ``k``, RBF ``bandwidth``,
random-walk
``steps``, hypercube ``flip`` and attention ``temperature``;
:func:`contexture_lab.contexts.knob_contexts` builds one context per knob value (kept here
under the same name) and :func:`sweep` adds their spectra and top left functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validation import as_float_array, as_paired_rows, check_choice, check_float, check_int
from .context import Context, check_context
from .contexts import KNOBS, knob_contexts  # the registry lives beside the builders
from .spectrum import contexture, support_components

#: The default normalising dimension d0 of :func:`tau`: [ICML] tried 512 to 8192 and chose 512
#: (THEORY.md section 5).
TAU_D0 = 512
#: tau_d within ``TAU_TIE_RTOL * |tau|`` of the minimum tie, and :func:`tau` reports the
#: smallest such d: where the tail s_{d+1}.. is below about 1e-8, tau_d for every later d
#: differs from the others only by float noise (1e-16), which must not pick the d printed.
TAU_TIE_RTOL = 1e-9
#: Largest M * N for which :func:`kernel_deviation` forms dense row blocks of the kernel.
MAX_KERNEL_ENTRIES = 25_000_000
#: Rows of the kernel formed at once by :func:`kernel_deviation` (dense path).
KERNEL_BLOCK_ENTRIES = 4_000_000


def _spectrum(s, name: str = "s") -> np.ndarray:
    """Validate a spectrum s_1, s_2, ... (s_0 excluded): 1-D, finite, in [0, 1 + 1e-8]."""
    s = as_float_array(s, name, ndim=1)
    if s.size == 0:
        raise ValueError(f"{name} is empty; expected the singular values s_1, s_2, ...")
    if (s < -1e-12).any() or (s > 1 + 1e-8).any():
        raise ValueError(f"{name} must hold singular values of an expectation operator, in "
                         f"[0, 1]; got values in [{s.min():.4g}, {s.max():.4g}]")
    return np.clip(s, 0.0, 1.0)


# ---------------------------------------------------------------------- spectrum measures
#: Estimators of :func:`decay_rate`.
DECAY_METHODS = ("nls", "log-linear")


def _nls_objective(lam: float, s2: np.ndarray, i: np.ndarray) -> float:
    return float(np.sum((s2 - np.exp(-lam * i)) ** 2))


def _decay_nls(s2: np.ndarray) -> float:
    """arg min over lambda in [0, inf] of sum_i (s_i^2 - exp(-lambda i))^2, i = 1..k."""
    from scipy.optimize import minimize_scalar

    i = np.arange(1, s2.size + 1, dtype=float)
    # the objective can have several local minima: scan a log grid of lambda from far below
    # the slowest resolvable decay (1 / k) to far above the fastest (s_1^2 = e^-50), then
    # refine the best grid point between its neighbours (Brent, bounded)
    grid = np.geomspace(1e-6 / s2.size, 50.0, 600)
    values = np.array([_nls_objective(lam, s2, i) for lam in grid])
    at_zero, at_inf = np.sum((s2 - 1.0) ** 2), np.sum(s2 ** 2)
    best = int(np.argmin(values))
    if at_zero <= values[best] and at_zero <= at_inf:
        return 0.0
    if at_inf < values[best]:
        return float("inf")
    lo = grid[best - 1] if best > 0 else 0.0
    hi = grid[best + 1] if best + 1 < grid.size else grid[-1]
    res = minimize_scalar(_nls_objective, bounds=(lo, hi), args=(s2, i), method="bounded",
                          options={"xatol": 1e-12 * max(grid[best], 1e-300)})
    return float(res.x) if res.fun <= values[best] else float(grid[best])


def decay_rate(s, *, method: str = "nls", floor: float = 1e-12) -> float:
    """Decay rate lambda of the spectrum: a least-squares fit of s_i^2 = exp(-lambda i).

    Two estimators of the same model (which passes through s_0^2 = 1 at i = 0, so it has
    no intercept), i = 1..k:

    - ``method="nls"`` (default, [ICML] App. F.1.1): non-linear least squares on s_i^2,
      lambda = arg min_{lambda >= 0} sum_i (s_i^2 - exp(-lambda i))^2 (a one-dimensional
      search: a log grid of lambda, refined by bounded Brent). The largest s_i weigh most.
    - ``method="log-linear"`` (a different estimator, not the paper's): linear least
      squares on log s_i^2, ``lambda = -sum_i i log s_i^2 / sum_i i^2``; every s_i weighs
      alike on a log scale, so the small tail weighs as much as the head.

    Both return lambda exactly for an exact exponential spectrum s_i^2 = exp(-lambda i) and
    differ otherwise (e.g. s^2 = (1/2, 1/2): nls (2/3) log 2, log-linear (3/5) log 2).

    Parameters
    ----------
    s : array-like, shape (k,)
        s_1 >= s_2 >= ... (s_0 = 1 excluded); sorted here in decreasing order.
    method : {"nls", "log-linear"}, default="nls"
        The estimator (above).
    floor : float, default=1e-12
        Only for ``"log-linear"``: values with s_i^2 <= floor carry no usable logarithm
        and are left out of the fit (their indices i are kept for the others).

    Returns
    -------
    float
        lambda >= 0; 0 for a flat spectrum of ones (A = X), ``inf`` when every s_i is 0
        (``"log-linear"``: every s_i^2 below ``floor``; A independent of X: no decay left
        to fit).
    """
    s = np.sort(_spectrum(s))[::-1]
    check_choice(method, "method", DECAY_METHODS)
    floor = check_float(floor, "floor", low=0.0, low_open=True)
    if method == "nls":
        return _decay_nls(s ** 2)
    i = np.arange(1, s.size + 1, dtype=float)
    keep = s ** 2 > floor
    if not keep.any():
        return float("inf")
    return float(-np.sum(i[keep] * np.log(s[keep] ** 2)) / np.sum(i[keep] ** 2))


def effective_dimension(s) -> float:
    """Participation ratio of the spectrum: (sum_i s_i^2)^2 / sum_i s_i^4 (s_0 excluded).

    The lab's own measure, not one from the sources ([ICML] and the dissertation use the
    decay rate, the kernel deviation and tau); "effective dimension" means this ratio
    throughout the lab. It equals m when m singular values are equal and the rest 0
    (A = X on n values: n - 1; a label context with C classes: C - 1), and 0 for an
    independent context. Computed from the values given: pass the same number of them
    when comparing contexts.

    Parameters
    ----------
    s : array-like, shape (k,)
        Singular values s_1, s_2, ... (s_0 = 1 excluded), each in [0, 1].

    Returns
    -------
    float
        In [0, k].

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.association.effective_dimension([1.0, 1.0, 1.0, 0.0])
    3.0
    >>> cl.association.effective_dimension([0.5, 0.5])
    2.0
    """
    s2 = _spectrum(s) ** 2
    total4 = np.sum(s2 ** 2)
    return 0.0 if total4 == 0 else float(np.sum(s2) ** 2 / total4)


class Tau(float):
    """Result of :func:`tau`: the number tau itself, carrying how it was reached.

    A ``float`` subclass, so ``tau(s) < 2`` or ``np.isinf(tau(s))`` work directly.

    Attributes
    ----------
    value : float
        tau = min_d tau_d (the float itself); ``inf`` when the context is a strong extreme
        (every admissible s_{d+1} is 1) and ``nan`` when it is independent (all s_i = 0).
    d : int or None
        The arg-min d (None when ``value`` is not finite).
    tau_d : ndarray, shape (D,)
        tau_d for d = 1..D (``inf`` where s_{d+1} = 1).
    extreme : {None, "strong", "independent"}
        Why ``value`` is not a finite number, if it is not.
    """

    def __new__(cls, value: float, d: int | None, tau_d: np.ndarray, extreme: str | None):
        obj = super().__new__(cls, value)
        obj.d, obj.tau_d, obj.extreme = d, tau_d, extreme
        return obj

    @property
    def value(self) -> float:
        return float(self)

    @property
    def is_finite(self) -> bool:
        return self.extreme is None

    def __repr__(self) -> str:
        why = f", extreme={self.extreme!r}" if self.extreme else ""
        return f"Tau({float(self)!r}, d={self.d}{why})"


def tau(s, beta: float = 1.0, d0: int | None = None, *, one_tol: float = 1e-9) -> Tau:
    """The tau measure of association (THEORY.md section 5), minimised over d.

    tau_d = 1 / (1 - s_{d+1}^2) + beta * sum_{i<=d} s_i^2 / sum_{i<=d0} s_i^2, for
    d = 1..D with D = min(d0, k - 1); tau = min_d tau_d. Lower is better. s^2 is clipped
    below 1; where s_{d+1}^2 >= 1 - ``one_tol`` the first term is infinite (that d is
    useless: the next direction is as strong as the ones kept).

    Parameters
    ----------
    s : array-like, shape (k,), k >= 2
        s_1 >= s_2 >= ... (s_0 = 1 excluded); sorted here in decreasing order.
    beta : float >= 0, default=1.0
        Weight of the second term.
    d0 : int, optional
        Normalising dimension, 1 <= d0 <= k; default min(k, :data:`TAU_D0`) = min(k, 512),
        the choice of [ICML] (which tried d0 from 512 to 8192). Pass s_1..s_512 where the
        context has that many: tau from a few dozen values is another number (on digits
        with a KNN context d0 = 32 makes k = 2 look like a strong extreme; with 512 values
        it is finite).
    one_tol : float, default=1e-9
        s^2 within this of 1 counts as 1.

    Returns
    -------
    Tau
        ``value`` and arg-min ``d`` (the smallest d among those within
        :data:`TAU_TIE_RTOL` of the minimum). The function says when tau means nothing: for
        ``A = X`` (all s_i = 1) ``value`` is ``inf`` with ``extreme="strong"``; for an
        independent context (all s_i = 0) ``value`` is ``nan`` with
        ``extreme="independent"``. A finite value near 1 + beta also marks a weak
        extreme.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> t = cl.association.tau([0.9, 0.5, 0.1])
    >>> round(t.value, 4), t.d
    (2.0008, 2)
    """
    s = np.sort(_spectrum(s))[::-1]
    if s.size < 2:
        raise ValueError(f"tau needs at least 2 singular values (s_1 and s_2), got {s.size}")
    beta = check_float(beta, "beta", low=0.0)
    d0 = min(s.size, TAU_D0) if d0 is None else check_int(d0, "d0", low=1, high=s.size)
    s2 = np.minimum(s ** 2, 1.0)
    D = min(d0, s.size - 1)
    total = np.sum(s2[:d0])
    if total == 0:
        return Tau(float("nan"), None, np.full(D, np.nan), "independent")
    nxt = s2[1:D + 1]
    with np.errstate(divide="ignore"):
        first = np.where(nxt >= 1 - one_tol, np.inf, 1.0 / (1.0 - nxt))
    tau_d = first + beta * np.cumsum(s2[:D]) / total
    if not np.isfinite(tau_d).any():
        return Tau(float("inf"), None, tau_d, "strong")
    lowest = np.min(tau_d)
    best = int(np.flatnonzero(tau_d <= lowest + TAU_TIE_RTOL * abs(lowest))[0])
    return Tau(float(lowest), best + 1, tau_d, None)


# ---------------------------------------------------------------------- context measures
def kernel_deviation(ctx: Context) -> float:
    """``E |k_X+(X, X') - 1|`` for independent X, X' ~ P_X (0 iff A is independent of X).

    k_X+(x, x') = sum_a P(a|x) P(a|x') / P(a) is the dual kernel (THEORY.md section 1).
    The expectation needs every pair. A sparse context uses the sparse kernel
    K = C diag(p_a)^-1 C^T and the identity
    ``E|k - 1| = 1 - sum_{(x,x'): K != 0} p(x) p(x') (1 - |K(x,x') - 1|)``, which never forms
    an N x N dense array when K is sparse. Otherwise (dense contexts, or sparse ones whose
    kernel is dense anyway) row blocks of K = B B^T, B = C diag(p_a)^-1/2, are formed in
    float32 (sums in float64; relative error about 1e-6); this needs M * N <=
    ``MAX_KERNEL_ENTRIES`` (about 5,000 inputs for a square context).

    Parameters
    ----------
    ctx : Context
        The context (N x M).

    Returns
    -------
    float
        In [0, 2): 2 (1 - sum p_x^2) for A = X, 0 for an independent context.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.association.kernel_deviation(cl.contexts.identity(4))     # 2 (1 - 4 / 16)
    1.5
    >>> ind = cl.contexts.independent([0.5, 0.5], [0.5, 0.5])
    >>> round(cl.association.kernel_deviation(ind), 4)
    0.0
    """
    check_context(ctx)
    n, m = ctx.shape
    p = ctx.p_x
    inv_pa = np.zeros(m)
    inv_pa[ctx.p_a > 0] = 1.0 / ctx.p_a[ctx.p_a > 0]
    C = ctx.conditional()
    if ctx.is_sparse:
        col_counts = np.bincount(C.indices, minlength=m)
        if np.sum(col_counts.astype(float) ** 2) <= 0.1 * float(n) * n:
            K = (C @ sp.diags(inv_pa) @ C.T).tocoo()
            agree = 1.0 - np.abs(K.data - 1.0)
            return float(1.0 - np.sum(p[K.row] * p[K.col] * agree))
    if float(n) * m > MAX_KERNEL_ENTRIES:
        raise ValueError(f"the kernel of a context of shape {ctx.shape} is dense; forming it "
                         f"needs M * N <= {MAX_KERNEL_ENTRIES} entries, got {n * m}")
    Cd = C.toarray() if sp.issparse(C) else C
    B = (Cd * np.sqrt(inv_pa)).astype(np.float32)  # K = B B^T, symmetric
    rows = max(1, KERNEL_BLOCK_ENTRIES // n)
    total = 0.0
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        # rows start:stop against columns start: (the upper triangle); the part right of
        # the diagonal block stands for itself and its mirror image
        block = (B[start:stop] @ B[start:].T).astype(np.float64)
        weighted = p[start:stop] @ np.abs(block - 1.0)
        total += weighted[:stop - start] @ p[start:stop] + 2 * weighted[stop - start:] @ p[stop:]
    return float(total)


def gram_measures(gram, p_x) -> dict:
    """Total association and kernel deviation of a context from its normalised Gram matrix.

    With G = Q Q^T, Q = diag(p_x)^-1/2 P diag(p_a)^-1/2
    (:func:`contexture_lab.mixing.normalized_gram`), the squared singular values
    including s_0 = 1 add up to trace(G), and the dual kernel is
    k_X+(x, x') = G(x, x') / sqrt(p(x) p(x')). An N x N Gram matrix serves contexts whose
    context values are far more numerous than N (a concatenation's pairs).

    Parameters
    ----------
    gram : array-like, shape (N, N)
        The normalised Gram matrix G.
    p_x : array-like, shape (N,)
        The marginal of X.

    Returns
    -------
    dict
        ``sum_s2``: sum_{i>=1} s_i^2 = trace(G) - 1; ``kernel_deviation``:
        ``E |k_X+(X, X') - 1| = sum_{x,x'} |G - sqrt(p p')| sqrt(p p')`` (as
        :func:`kernel_deviation`).

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.contexts.identity(4)                  # A = X on 4 values
    >>> cl.association.gram_measures(np.eye(4), ctx.p_x)
    {'sum_s2': 3.0, 'kernel_deviation': 1.5}
    """
    G = as_float_array(gram, "gram", ndim=2)
    p = as_float_array(p_x, "p_x", ndim=1)
    if G.shape != (p.size, p.size):
        raise ValueError(f"gram has shape {G.shape}; expected ({p.size}, {p.size}), one row "
                         "and column per entry of p_x")
    root = np.sqrt(p)
    outer = np.outer(root, root)
    return {"sum_s2": float(np.trace(G) - 1.0),
            "kernel_deviation": float(np.sum(np.abs(G - outer) * outer))}


def n_components(ctx: Context) -> int:
    """Connected components of the bipartite graph x -- a (edges where P(x, a) > 0).

    Each component carries its own constant function, so this is the multiplicity of the
    singular value 1 (s_0 included): s_1 = 1 exactly when the support graph is
    disconnected (e.g. a KNN context with very small k "shatters").

    Parameters
    ----------
    ctx : Context
        The context (N x M).

    Returns
    -------
    int
        Number of components, >= 1 (context values without mass are left out).

    Examples
    --------
    Two pairs of close points: with k = 1 each point's neighbour is its partner, and the
    four edges x -- a share no node.

    >>> import numpy as np, contexture_lab as cl
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> cl.association.n_components(cl.contexts.knn(X, 1))
    4
    >>> cl.association.n_components(cl.contexts.cycle(5, 0.3))
    1
    """
    return int(support_components(ctx)[0].max()) + 1


def metrics(s, ctx: Context | None = None, *, beta: float = 1.0,
            d0: int | None = None) -> dict:
    """All label-free measures of one context in a dict.

    Keys: ``decay_rate`` (non-linear least squares, the default of :func:`decay_rate`),
    ``tau`` (value; inf/nan at the extremes), ``tau_argmin`` (its arg-min d, -1 at the
    extremes), ``effective_dimension`` and, when ``ctx`` is given, ``kernel_deviation``
    and ``n_components``. Pass s_1..s_512 where the context has them (tau's d0).

    Parameters
    ----------
    s : array-like, shape (k,)
        Singular values s_1, s_2, ... (s_0 = 1 excluded), k >= 2.
    ctx : Context, default=None
        The context, for the measures that need more than its spectrum.
    beta : float, default=1.0
        Of :func:`tau`.
    d0 : int, default=None
        Of :func:`tau`.

    Returns
    -------
    dict
        ``{name: float or int}``, the keys above.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> m = cl.association.metrics([0.8, 0.64, 0.512])
    >>> {name: round(value, 4) for name, value in m.items()}
    {'decay_rate': 0.4463, 'tau': 2.1554, 'tau_argmin': 2, 'effective_dimension': 2.6632}
    """
    t = tau(s, beta=beta, d0=d0)
    out = {"decay_rate": decay_rate(s), "tau": t.value,
           "tau_argmin": -1 if t.d is None else t.d,
           "effective_dimension": effective_dimension(s)}
    if ctx is not None:
        out["kernel_deviation"] = kernel_deviation(ctx)
        out["n_components"] = n_components(ctx)
    return out


# ---------------------------------------------------------------------- knobs and sweeps
# The knob registry (KNOBS, knob_contexts) lives beside the builders in
# :mod:`contexture_lab.contexts`; it is imported above and kept here under the same names.


@dataclass(frozen=True)
class SweepPoint:
    """One knob value of a :func:`sweep`: its context, spectrum and top left functions.

    Attributes
    ----------
    value : object
        The knob value (k, bandwidth, steps, flip or temperature).
    context : Context
        The context built for it.
    singular_values : ndarray, shape (d,)
        Its top-d singular values.
    left : ndarray, shape (N, d)
        Its top-d left singular functions.
    """

    value: object
    context: Context
    singular_values: np.ndarray
    left: np.ndarray


def sweep(knob: str, values, *, d: int = 32, **data) -> Iterator[SweepPoint]:
    """Contexts along a knob with their top-d spectra (see :func:`knob_contexts`).

    Parameters
    ----------
    knob : {"knn", "rbf", "random_walk", "hypercube", "attention"}
        See :data:`contexture_lab.contexts.KNOBS`.
    values : sequence
        The knob values, at least one.
    d : int, default=32
        Singular pairs per context, capped at min(N, M) - 1 for small contexts.
    **data : array-like or int
        What the builders need (``X``, ``W``, ``n_bits`` or ``queries`` and ``keys``).

    Yields
    ------
    SweepPoint
        One per knob value, in the order given.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> X = np.random.default_rng(0).standard_normal((20, 2))
    >>> [(p.value, p.singular_values.round(4)) for p in cl.association.sweep(
    ...     "knn", [4, 8], d=2, X=X)]
    [(4, array([0.9358, 0.8206])), (8, array([0.7637, 0.4428]))]
    """
    d = check_int(d, "d", low=1)
    for value, ctx in knob_contexts(knob, values, **data):
        res = contexture(ctx, min(d, min(ctx.shape) - 1))
        yield SweepPoint(value, ctx, res.singular_values, res.left)


__all__ = ["DECAY_METHODS", "KNOBS", "SweepPoint", "TAU_D0", "TAU_TIE_RTOL", "Tau", "decay_rate",
           "effective_dimension", "gram_measures", "kernel_deviation", "knob_contexts",
           "metrics", "n_components", "sweep", "tau"]


# ---------------------------------------------------------------------- distance correlation
def _centred_distances(z: np.ndarray) -> np.ndarray:
    """Double-centred Euclidean distance matrix of the rows of z (n, q)."""
    sq = np.sum(z * z, axis=1)
    a = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0))
    np.fill_diagonal(a, 0.0)
    return a - a.mean(axis=0) - a.mean(axis=1)[:, None] + a.mean()


def distance_correlation(u, v) -> float:
    """Szekely's distance correlation of two paired samples, in [0, 1].

    With ``a_ij = |u_i - u_j|`` and ``b_ij = |v_i - v_j|`` (Euclidean), double-centred to A and B,
    dCov^2(u, v) = mean_ij A_ij B_ij (the V-statistic of Szekely, Rizzo and Bakirov, Ann.
    Statist. 2007) and dCor = sqrt(dCov^2(u, v) / sqrt(dCov^2(u, u) dCov^2(v, v))). It is 0
    for independent samples in the limit, 1 when v is an affine function of u with a
    scalar times orthogonal linear part (e.g. v = 3 u - 2), and it sees non-linear
    dependence that Pearson's r misses ([ICML] Table 1 reports it beside Pearson's r).

    Parameters
    ----------
    u : array-like, shape (n,) or (n, p)
    v : array-like, shape (n,) or (n, q)
        Paired with u row by row, n >= 2, finite.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        Different numbers of rows, fewer than 2, non-finite values, or a constant sample
        (its distance variance is 0 and the ratio is undefined).
    """
    u, v = as_paired_rows(u, v, ("u", "v"), rows_are="pairs", purpose="distance correlation")
    A = _centred_distances(u - u.mean(axis=0))
    B = _centred_distances(v - v.mean(axis=0))
    var_u, var_v = np.mean(A * A), np.mean(B * B)
    for name, var in (("u", var_u), ("v", var_v)):
        if var <= 0:
            raise ValueError(f"{name} is constant (distance variance 0); distance correlation "
                             "is undefined")
    dcov2 = max(float(np.mean(A * B)), 0.0)
    return float(min(np.sqrt(dcov2 / np.sqrt(var_u * var_v)), 1.0))


__all__ += ["distance_correlation"]
