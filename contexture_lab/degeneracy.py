"""Repeated singular values: detecting them, and proving that nothing depends on them.

When s_d = s_{d+1}, "the top-d singular functions" are not determined: any d functions of the
cluster of equal values are an equally valid answer, and LAPACK, ARPACK or a different thread
count each pick their own basis of it (THEORY.md section 1, "Repeated singular values"). Only
the span of a *whole* cluster is determined. This module

- finds the clusters of equal values (equal within ``RTOL`` times s_1),
- describes a top-d cut that falls inside one (:class:`DegenerateSpanWarning`), and
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

#: Two singular values are "equal" when they differ by at most RTOL * s_1 (solvers are
#: accurate to ~1e-12 relative; distinct values of the lab's contexts differ by far more).
RTOL = 1e-8

#: Environment variable that turns the scramble switch on; its value is the seed.
SCRAMBLE_ENV = "CONTEXTURE_LAB_SCRAMBLE"

_SCRAMBLE: ContextVar[int | None] = ContextVar("contexture_lab_scramble", default=None)


class DegenerateSpanWarning(UserWarning):
    """A top-d cut falls inside a cluster of equal singular values: the span is not unique."""


def scramble_seed() -> int | None:
    """The active scramble seed (context manager first, then the environment), or None."""
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


@contextlib.contextmanager
def scrambled(seed: int = 1):
    """Rotate every cluster of equal singular values randomly inside this block.

    ``seed`` must be a positive integer; the same seed gives the same rotations.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed <= 0:
        raise ValueError(f"seed must be a positive integer, got {seed!r}")
    token = _SCRAMBLE.set(int(seed))
    try:
        yield
    finally:
        _SCRAMBLE.reset(token)


def tolerance(values) -> float:
    """The absolute tolerance below which two of ``values`` (sorted descending) are equal."""
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


def rotate_clusters(values, *blocks, seed: int, tol: float | None = None):
    """Rotate the columns of each block inside every cluster of ``values`` by the same
    seeded random orthogonal matrix (Haar), so pairs such as (U, V) stay dual.

    Parameters
    ----------
    values : array-like, shape (k,), descending
    *blocks : ndarray, shape (n_j, k)
    seed : int

    Returns
    -------
    tuple of ndarray
        The rotated blocks (copies), in the order given.
    """
    out = [np.array(b, dtype=np.float64, copy=True) for b in blocks]
    for start, stop in clusters(values, tol=tol):
        size = stop - start
        rng = np.random.default_rng([int(seed), len(values), start, size])
        q, r = np.linalg.qr(rng.standard_normal((size, size)))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        for b in out:
            b[:, start:stop] = b[:, start:stop] @ q
    return tuple(out)


def maybe_scramble(values, *blocks, tol: float | None = None):
    """:func:`rotate_clusters` under the scramble switch; the blocks unchanged otherwise.

    Every decomposition the package returns passes through here, so that one switch
    scrambles them all.
    """
    seed = scramble_seed()
    if seed is None:
        return blocks
    return rotate_clusters(values, *blocks, seed=seed, tol=tol)


__all__ = ["RTOL", "SCRAMBLE_ENV", "DegenerateSpanWarning", "closes_at", "clusters",
           "describe", "maybe_scramble", "rotate_clusters", "scramble_seed", "scrambled", "tolerance"]
