"""Repeated singular values: detecting them, and proving that nothing depends on them.

When s_d = s_{d+1}, "the top-d singular functions" are not determined: any d functions of the
cluster of equal values are an equally valid answer, and LAPACK, ARPACK or a different thread
count each pick their own basis of it (THEORY.md section 1, "Repeated singular values"). Only
the span of a *whole* cluster is determined. This module

- finds the clusters of equal values (equal within ``RTOL`` times s_1),
- describes a top-d cut that falls inside one (:class:`DegenerateSpanWarning`), and
- draws seeded bases of a cluster that depend on its span only (:func:`seeded_basis`,
  :func:`cluster_bases`) and averages a measure over them (:func:`mean_over_bases`), the
  one way the lab reports a number where a cut at d splits a cluster, and
- under the *scramble switch* rotates every cluster by a seeded random orthogonal matrix
  before a decomposition is returned, so a number that changes when the switch is on
  depended on an arbitrary choice. Turn it on with the environment variable
  ``CONTEXTURE_LAB_SCRAMBLE=<seed>`` (read at each call) or the context manager
  :func:`scrambled`. Only the basis inside clusters changes; every determined quantity
  (values, cluster spans, functions of distinct values) stays as it is.
"""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar

import numpy as np

from ._validation import check_int, renamed_random_state

#: Two singular values are "equal" when they differ by at most RTOL * s_1 (solvers are
#: accurate to ~1e-12 relative; distinct values of the lab's contexts differ by far more).
RTOL = 1e-8

#: Environment variable that turns the scramble switch on; its value is the seed.
SCRAMBLE_ENV = "CONTEXTURE_LAB_SCRAMBLE"

_SCRAMBLE: ContextVar[int | None] = ContextVar("contexture_lab_scramble", default=None)


class DegenerateSpanWarning(UserWarning):
    """A top-d cut falls inside a cluster of equal singular values: the span is not unique."""


def scramble_seed() -> int | None:
    """The active scramble seed (context manager first, then the environment), or None.

    Returns
    -------
    int or None
        The seed of :func:`scrambled` inside its block, else ``$CONTEXTURE_LAB_SCRAMBLE``
        when set to an integer, else None (no scrambling).
    """
    seed = _SCRAMBLE.get()
    if seed is not None:
        return seed
    raw = os.environ.get(SCRAMBLE_ENV, "").strip()
    if raw in ("", "0", "off", "false", "no"):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{SCRAMBLE_ENV}={raw!r}; expected an integer seed (or empty / 0 "
                         "for off)") from None


@renamed_random_state("seed")
@contextlib.contextmanager
def scrambled(random_state: int = 1):
    """Rotate every cluster of equal singular values randomly inside this block.

    Parameters
    ----------
    random_state : int, default=1
        A positive integer; the same one gives the same rotations (old name ``seed``).

    Yields
    ------
    None
        Inside the block every decomposition the package returns is scrambled.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> with cl.scrambled(3):
    ...     cl.degeneracy.scramble_seed()
    3
    """
    seed = random_state
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed <= 0:
        raise ValueError(f"random_state must be a positive integer, got {seed!r}")
    token = _SCRAMBLE.set(int(seed))
    try:
        yield
    finally:
        _SCRAMBLE.reset(token)


def tolerance(values) -> float:
    """The absolute tolerance below which two of ``values`` (sorted descending) are equal.

    Parameters
    ----------
    values : array-like, shape (k,)
        Singular values.

    Returns
    -------
    float
        :data:`RTOL` times the largest absolute value (0 for no values).
    """
    values = np.asarray(values, dtype=np.float64)
    top = float(np.max(np.abs(values))) if values.size else 0.0
    return RTOL * top


def clusters(values, *, tol: float | None = None) -> list[tuple[int, int]]:
    """Runs of equal values in a descending sequence, as half-open (start, stop) pairs.

    Parameters
    ----------
    values : array-like, shape (k,), sorted in descending order
    tol : float, optional
        Absolute tolerance; default :func:`tolerance` of ``values``.

    Returns
    -------
    list of (start, stop)
        Every run of length >= 2 (0-based column indices, stop exclusive).
    """
    values = np.asarray(values, dtype=np.float64)
    tol = tolerance(values) if tol is None else tol
    out, start = [], 0
    for i in range(1, values.size + 1):
        if i == values.size or values[start] - values[i] > tol:
            if i - start > 1:
                out.append((start, i))
            start = i
    return out


def closes_at(values, d: int, *, tol: float | None = None) -> tuple[int, int]:
    """The nearest cuts below and above ``d`` that end at a gap.

    ``values`` holds s_1..s_k (k > d where possible). Returns (lo, hi): the cluster that
    contains s_d and s_{d+1} is s_{lo+1}..s_hi, so d = lo and d = hi give unique spans.
    ``hi`` equals ``len(values)`` when the cluster runs to the end of what was computed.

    Parameters
    ----------
    values : array-like, shape (k,)
        s_1..s_k in descending order.
    d : int
        The cut, 1 <= d < k.
    tol : float, optional
        Absolute tolerance; default :func:`tolerance` of ``values``.

    Returns
    -------
    (int, int)
        ``(lo, hi)``: the cluster of s_d is s_{lo+1}..s_hi.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.degeneracy.closes_at([0.9, 0.5, 0.5, 0.5, 0.2], 2)
    (1, 4)
    """
    values = np.asarray(values, dtype=np.float64)
    tol = tolerance(values) if tol is None else tol
    lo, hi = d, d
    while lo > 0 and values[lo - 1] - values[d - 1] <= tol:
        lo -= 1
    while hi < values.size and values[d - 1] - values[hi] <= tol:
        hi += 1
    return lo, hi


def describe(values, d: int, *, tol: float | None = None, complete: bool = False) -> str:
    """A sentence for a top-d cut that splits a cluster (``values`` as in :func:`closes_at`).

    ``complete`` says that ``values`` holds every non-constant singular value there is, so
    a cluster that runs to its end is closed there.

    Parameters
    ----------
    values : array-like, shape (k,)
        s_1..s_k in descending order.
    d : int
        The cut.
    tol : float, optional
        Absolute tolerance; default :func:`tolerance` of ``values``.
    complete : bool, default=False
        Whether ``values`` holds every non-constant singular value.

    Returns
    -------
    str
        The warning text of :class:`DegenerateSpanWarning`.
    """
    lo, hi = closes_at(values, d, tol=tol)
    value = float(values[d - 1])
    upper = f"d = {hi}" if hi < len(values) or complete else f"d >= {hi}"
    lower = f"d = {lo} or " if lo > 0 else ""
    return (f"s_{d} = s_{d + 1} = {value:.6g}: s_{lo + 1}..s_{hi} are equal (a cluster of "
            f"{hi - lo}), so the top-{d} span is not unique: it keeps {d - lo} of the "
            f"cluster's {hi - lo} functions, and every choice of them is equally valid. Use "
            f"{lower}{upper}, which end at a gap, or a quantity that is the same for every "
            "basis of the cluster.")


@renamed_random_state("seed")
def rotate_clusters(values, *blocks, random_state: int, tol: float | None = None):
    """Rotate the columns of each block inside every cluster of ``values`` by the same
    seeded random orthogonal matrix (Haar), so pairs such as (U, V) stay dual.

    Parameters
    ----------
    values : array-like, shape (k,), descending
    *blocks : ndarray, shape (n_j, k)
    random_state : int
        Seed of the rotations (old name ``seed``).
    tol : float, optional
        As in :func:`clusters`.

    Returns
    -------
    tuple of ndarray
        The rotated blocks (copies), in the order given.
    """
    out = [np.array(b, dtype=np.float64, copy=True) for b in blocks]
    for start, stop in clusters(values, tol=tol):
        size = stop - start
        rng = np.random.default_rng([int(random_state), len(values), start, size])
        q, r = np.linalg.qr(rng.standard_normal((size, size)))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        for b in out:
            b[:, start:stop] = b[:, start:stop] @ q
    return tuple(out)


def maybe_scramble(values, *blocks, tol: float | None = None):
    """:func:`rotate_clusters` under the scramble switch; the blocks unchanged otherwise.

    Every decomposition the package returns passes through here, so that one switch
    scrambles them all.

    Parameters
    ----------
    values : array-like, shape (k,)
        The singular values, in descending order.
    *blocks : ndarray, shape (n_i, k)
        Matrices whose columns belong to ``values`` (left and right functions).
    tol : float, optional
        Absolute tolerance; default :func:`tolerance` of ``values``.

    Returns
    -------
    tuple of ndarray
        The blocks, rotated inside every cluster when the switch is on.
    """
    seed = scramble_seed()
    if seed is None:
        return blocks
    return rotate_clusters(values, *blocks, random_state=seed, tol=tol)


# ---------------------------------------------------------------------- seeded bases
def _projector(span, p_x):
    """The L2(P_X)-projection onto a cluster's span: a callable G (N, j) -> (N, j)."""
    if callable(span):
        return span
    U = np.asarray(span, dtype=np.float64)
    return lambda G: U @ (U.T @ (p_x[:, None] * G))


def seeded_basis(span, p_x, size: int, *, random_state: int = 0,
                 start: int = 0) -> np.ndarray:
    """A seeded orthonormal basis (in L2(P_X)) of a cluster's span, drawn uniformly.

    The L2(P_X)-projections onto the span of ``size`` seeded Gaussian functions that are
    isotropic in L2(P_X) (g(x) = c z(x) / sqrt(p(x)), z standard normal, c a constant
    that makes g = z for a uniform p), Gram-Schmidt
    orthonormalised in L2(P_X), signs fixed so that R has a positive diagonal. The result
    depends on the span only, never on the basis a solver returned (the same basis comes
    back under :func:`scrambled`), and for every j its first j columns span a uniformly
    (Haar) distributed j-dimensional subspace of the span: one basis serves every cut
    inside the cluster.

    Parameters
    ----------
    span : ndarray, shape (N, m), or callable
        Functions orthonormal in L2(P_X) spanning the cluster, or the L2(P_X)-projection
        onto it as a callable G (N, j) -> (N, j).
    p_x : array-like, shape (N,)
        The marginal of X, > 0 everywhere.
    size : int
        Number of basis functions, 1 <= size <= m.
    random_state : int, default=0
        With ``start``, the seed of the draw: ``numpy.random.default_rng([random_state,
        start])``.
    start : int, default=0
        Position (0-based column) where the cluster starts, so that two clusters of one
        decomposition get different draws.

    Returns
    -------
    ndarray, shape (N, size)
        Orthonormal in L2(P_X).
    """
    p = np.asarray(p_x, dtype=np.float64)
    if p.ndim != 1 or (p <= 0).any():
        raise ValueError("p_x must be a positive marginal (N,) to draw isotropic random "
                         f"functions; {int((p <= 0).sum())} input(s) have no mass")
    size = check_int(size, "size", low=1)
    seed = check_int(random_state, "random_state", low=0)
    rng = np.random.default_rng([seed, check_int(start, "start", low=0)])
    w = np.sqrt(p)
    # z / sqrt(p) up to a constant factor, which no span sees; this one is exactly 1 for a
    # uniform p, so that the draw is the standard normal itself there
    G = rng.standard_normal((p.size, size)) * (w.max() / w)[:, None]
    Qm, R = np.linalg.qr(w[:, None] * _projector(span, p)(G))
    signs = np.where(np.diag(R) < 0, -1.0, 1.0)
    return Qm * signs * (1.0 / w)[:, None]


def cluster_bases(values, left, p_x, stop: int, *, n_bases: int = 5,
                  random_state: int = 0, spans=None) -> tuple[list, list]:
    """Versions of the top ``stop`` functions with a seeded basis in every cluster.

    Every cluster of equal ``values`` that starts before ``stop`` gets, in version b
    (b = 0 .. n_bases - 1), the :func:`seeded_basis` of seed ``random_state + b`` (and
    the cluster's start), of as many functions as fall before ``stop``; functions of
    distinct values are kept. So nothing returned
    depends on the basis a solver chose inside a cluster, and a cut at d <= ``stop`` that
    splits a cluster sees ``n_bases`` uniformly drawn subspaces of it.

    Parameters
    ----------
    values : array-like, shape (k,)
        s_1 >= ... >= s_k; a cluster that runs to s_k is taken to end there, so pass
        values beyond ``stop`` until the cluster of s_stop is closed.
    left : ndarray, shape (N, k), or None
        mu_1..mu_k, orthonormal in L2(P_X); None when ``spans`` gives every cluster.
    p_x : array-like, shape (N,)
    stop : int
        Number of functions returned, 1 <= stop <= k.
    n_bases : int, default=5
    random_state : int, default=0
        Seed of the first version.
    spans : dict of (start, end) -> callable, optional
        A cluster's L2(P_X)-projection where ``left`` does not hold it (e.g. the s = 1
        eigenspace of a shattered graph, :func:`contexture_lab.spectrum.piece_projector`).

    Returns
    -------
    bases : list of ndarray, shape (N, stop)
        ``n_bases`` versions (one when no cluster starts before ``stop``).
    clusters : list of (start, end)
        The clusters that start before ``stop`` (end may exceed ``stop``).
    """
    values = np.asarray(values, dtype=np.float64)
    stop = check_int(stop, "stop", low=1, high=values.size)
    n_bases = check_int(n_bases, "n_bases", low=1)
    seed = check_int(random_state, "random_state", low=0)
    spans = {} if spans is None else dict(spans)
    found = [c for c in clusters(values) if c[0] < stop]
    p = np.asarray(p_x, dtype=np.float64)
    bases = []
    for b in range(n_bases if found else 1):
        V = np.empty((p.size, stop)) if left is None else np.array(left[:, :stop], dtype=float)
        for start, end in found:
            span = spans.get((start, end))
            if span is None:
                span = left[:, start:end]
            keep = min(end, stop)   # only the columns used are drawn
            V[:, start:keep] = seeded_basis(span, p, keep - start, random_state=seed + b,
                                            start=start)
        bases.append(V)
    return bases, found


def mean_over_bases(values) -> tuple[float, float]:
    """Mean and spread of a measure over the seeded bases of :func:`cluster_bases`.

    The spread is the sample standard deviation (``ddof=1``): the bases are a random
    sample of the uniformly distributed subspaces of a cluster, and the spread estimates
    how much the measure varies over that distribution, not over these few draws (the
    population convention ``ddof=0`` would understate it by sqrt((n - 1) / n), 11 % at
    five bases). The lab reports every spread over seeds or draws this way. One value
    (a cut at a gap: the span is unique) has spread 0.

    Parameters
    ----------
    values : array-like, shape (n,)
        The measure on each basis, n >= 1.

    Returns
    -------
    (mean, spread) : (float, float)
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("values is empty; expected the measure on at least one basis")
    spread = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
    return float(np.mean(values)), spread


__all__ = ["RTOL", "SCRAMBLE_ENV", "DegenerateSpanWarning", "closes_at", "cluster_bases",
           "clusters", "describe", "maybe_scramble", "mean_over_bases", "rotate_clusters",
           "scramble_seed", "scrambled", "seeded_basis", "tolerance"]
