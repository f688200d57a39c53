"""Precomputed temperature sweep behind the attention explorer (compute only, no drawing).

For self-attention of a set of labelled tokens (queries = keys = the tokens), each
temperature on a grid gives an attention context. For each we keep the attention matrix,
the full spectrum, the total association, the effective dimension, tau's d and the
downstream error of a linear probe on the top singular functions, so a slider step only
indexes into arrays.

Cold attention (temperature -> 0) has a flat spectrum: many singular values equal 1, and
"the top d singular functions" are then an arbitrary d of a larger eigenspace
(THEORY.md section 1, repeated singular values). Where the cut at d splits such a cluster,
the probe error is averaged over seeded random completions of the cluster
(:func:`cluster_probe_error`, through :func:`contexture_lab.degeneracy.cluster_bases` and
:func:`~contexture_lab.degeneracy.mean_over_bases`, as the association sweep does), a
number fixed by the cluster's span rather than by the solver's basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_int, renamed_random_state
from ._grid import GridLookup

#: Default grid: 13 temperatures, four per decade from 1e-3 to 1 (unit-norm tokens).
DEFAULT_TEMPERATURES = np.logspace(-3, 0, 13)


@dataclass(frozen=True)
class TemperatureSweep(GridLookup):
    """Result of :func:`temperature_sweep`; index ``i`` is ``temperatures[i]``.

    Attributes
    ----------
    temperatures : ndarray, shape (T,)
    singular_values : ndarray, shape (T, N - 1)
        Full spectrum s_1 >= ... (s_0 excluded).
    total_association : ndarray, shape (T,)
        The sum of s_i^2, the chi-square dependence ||P+ / (P_X x P_A) - 1||^2 in L2(P_X x P_A):
        N - 1 for A = X, C - 1 for a label context, 0 for independence.
    effective_dimension : ndarray, shape (T,)
        Participation ratio (sum s_i^2)^2 / sum s_i^4 (the lab's own measure, not from the
        sources; see :func:`contexture_lab.association.effective_dimension`).
    tau_dimension : ndarray of int, shape (T,)
        The arg-min d of the tau measure (-1 if tau is not finite).
    probe_error : ndarray, shape (T,)
        Linear-probe error on mu_1..mu_d (NaN for a sweep without labels); where the cut at
        d splits a cluster of equal singular values, the mean over ``n_bases`` random
        completions of it.
    probe_spread : ndarray, shape (T,)
        Sample standard deviation (ddof=1) over those completions (0 where d ends at a gap).
    split : ndarray of bool, shape (T,)
        Whether the cut at d splits a cluster.
    attention : ndarray of float32, shape (T, N, N)
        Attention matrices, tokens sorted by label.
    labels : ndarray, shape (N,) or None
        Labels in the same (sorted) order; None: no probe, tokens in their own order.
    d : int
        Probe dimension (0 without labels).
    n_bases : int
        Random completions per split cluster.
    """

    temperatures: np.ndarray
    singular_values: np.ndarray
    total_association: np.ndarray
    effective_dimension: np.ndarray
    tau_dimension: np.ndarray
    probe_error: np.ndarray
    probe_spread: np.ndarray
    split: np.ndarray
    attention: np.ndarray
    labels: np.ndarray
    d: int
    n_bases: int

    #: The knob's parameter name (the :class:`~contexture_lab.explore.Sweep` protocol).
    parameter = "temperature"

    @property
    def values(self) -> np.ndarray:
        """The grid, ``temperatures`` (the :class:`~contexture_lab.explore.Sweep`
        protocol); ``index`` finds a temperature on it, off-grid is a ValueError."""
        return self.temperatures

    @property
    def d_values(self) -> np.ndarray:
        """The probe's one encoder dimension, ``[d]`` (empty without labels)."""
        return np.array([self.d] if self.d else [], dtype=int)


def unit_tokens(X) -> np.ndarray:
    """Centre the rows of X and scale each to unit norm, shape (n, p).

    With unit-norm tokens the self-score <x, x> = 1 is the largest, so temperature -> 0
    gives the identity context (A = X).

    Parameters
    ----------
    X : array-like, shape (n, p)
        The points; none may equal their mean.

    Returns
    -------
    ndarray, shape (n, p)

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.explore.attention.unit_tokens([[0.0, 0.0], [2.0, 0.0]])
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    X = as_float_array(X, "X", ndim=2)
    Xc = X - X.mean(axis=0)
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"{int((norms == 0).sum())} token(s) equal the mean; unit tokens "
                         "need every centred row to be non-zero")
    return Xc / norms


@renamed_random_state("seed")
def cluster_probe_error(res, labels, d: int, *, n_bases: int = 10, n_per_class: int = 5,
                        random_state: int = 0) -> tuple[float, float, bool]:
    """Probe error on the top-d singular functions, well defined when s_d = s_{d+1}.

    If the cut at ``d`` ends at a gap, this is the probe error on the top-d functions
    (each cluster among them in the seeded basis 0 of
    :func:`contexture_lab.degeneracy.cluster_bases`, so that nothing depends on a
    solver's basis) and the spread is 0. If it splits a cluster s_{lo+1} = ... = s_hi
    (lo < d < hi, equal within :data:`contexture_lab.degeneracy.RTOL` times s_1), any
    d - lo functions of the cluster are an equally valid answer; the features are then
    taken from ``n_bases`` seeded bases of the cluster (uniformly drawn subspaces that
    depend on its span only) and the result is
    :func:`contexture_lab.degeneracy.mean_over_bases` of the probe errors: the mean and
    the sample standard deviation (``ddof=1``). The same numbers come back under
    :func:`contexture_lab.scrambled`.

    Parameters
    ----------
    res : Contexture
        A decomposition holding at least the cluster that contains s_d (``res.left`` of
        shape (N, k), k >= d; a cluster that runs to column k is taken to end there).
    labels : array-like, shape (N,)
    d : int, 1 <= d <= k
    n_bases : int >= 2, default=10
        Seeded bases of a split cluster (the bases 0 .. n_bases - 1, whatever the seed).
    n_per_class : int, default=5
        Labelled samples per class, as in :func:`contexture_lab.probe.probe_error`.
    random_state : int, default=0
        The probe's seed (old name ``seed``).

    Returns
    -------
    (mean, spread, split) : (float, float, bool)
    """
    from .. import degeneracy
    from ..probe import probe_error

    s = np.asarray(res.singular_values, dtype=np.float64)
    d = check_int(d, "d", low=1, high=s.size)
    n_bases = check_int(n_bases, "n_bases", low=2)
    _, hi = degeneracy.closes_at(s, d)
    split = hi > d
    bases, _ = degeneracy.cluster_bases(s, res.left, res.p_x, d,
                                        n_bases=n_bases if split else 1)
    mean, spread = degeneracy.mean_over_bases(
        [probe_error(B, labels, n_per_class=n_per_class, random_state=random_state)
         for B in bases])
    return mean, spread, bool(split)


@renamed_random_state("seed")
def temperature_sweep(tokens, labels, temperatures=None, *, keys=None, d: int = 20,
                      n_per_class: int = 5, random_state: int = 0, n_bases: int = 10,
                      device=None, progress: bool = True) -> TemperatureSweep:
    """Attention contexts of ``tokens`` over a temperature grid, with their measures.

    Parameters
    ----------
    tokens : array-like, shape (N, p)
        Queries, and keys too unless ``keys`` is given (self-attention: use
        :func:`unit_tokens` so that small temperatures approach A = X).
    labels : array-like, shape (N,), or None
        Classes for the downstream probe; tokens are sorted by them. ``None`` (e.g. one head
        of a real model on one sentence, where no token classes exist): no probe
        (``probe_error`` is NaN) and the tokens keep their order.
    temperatures : array-like of float > 0, optional
        Default :data:`DEFAULT_TEMPERATURES`; sorted increasingly.
    keys : array-like, shape (N, p), optional, keyword-only
        Keys of a head whose queries are ``tokens`` (e.g. from
        :func:`contexture_lab.pretrained.head_queries_keys`); temperature 1 is then that
        head's own attention.
    d : int, default=20
        Number of singular functions the probe reads.
    n_per_class : int, default=5
        Labelled samples per class of :func:`contexture_lab.probe.probe_error`.
    random_state : int, default=0
        Seed of :func:`contexture_lab.probe.probe_error` (old name ``seed``).
    n_bases : int >= 2, default=10
        Random completions of the cluster where the cut at d splits one
        (:func:`cluster_probe_error`).
    device : optional
        Where the attention scores are computed.
    progress : bool, default=True
        Show a tqdm progress bar over the temperatures.

    Returns
    -------
    TemperatureSweep
    """
    from ..association import effective_dimension, tau
    from ..attention import attention_context
    from ..spectrum import contexture

    X = as_float_array(tokens, "tokens", ndim=2)
    K = X if keys is None else as_float_array(keys, "keys", ndim=2)
    if K.shape != X.shape:
        raise ValueError(f"keys has shape {K.shape}; expected {X.shape}, one key per token "
                         "(square attention)")
    n = X.shape[0]
    if labels is None:
        y, d = None, 0
    else:
        y = np.asarray(labels)
        if y.shape != (n,):
            raise ValueError(f"labels has shape {y.shape}; expected ({n},), one per token")
        d = check_int(d, "d", low=1, high=n - 2)
        order = np.argsort(y, kind="stable")
        X, K, y = X[order], K[order], y[order]
    temps = DEFAULT_TEMPERATURES if temperatures is None else as_float_array(
        temperatures, "temperatures", ndim=1)
    if temps.size == 0 or (temps <= 0).any():
        raise ValueError("temperatures must be a non-empty list of positive numbers")
    temps = np.sort(temps)
    spectra, probes, taus, mats = [], [], [], []
    from tqdm.auto import tqdm

    for t in tqdm(temps, desc="temperature sweep", disable=not progress, leave=False):
        ctx = attention_context(X, K, float(t), device=device)
        res = contexture(ctx, n - 1)      # every non-constant function: no cut to split
        s = res.singular_values
        spectra.append(s)
        taus.append(tau(s).d or -1)
        probes.append((np.nan, np.nan, False) if y is None else cluster_probe_error(
            res, y, d, n_bases=n_bases, n_per_class=n_per_class,
            random_state=random_state))
        mats.append(ctx.conditional().astype(np.float32))
    spectra = np.array(spectra)
    mean, spread, split = (np.array(v) for v in zip(*probes))
    return TemperatureSweep(temperatures=temps, singular_values=spectra,
                            total_association=np.sum(spectra ** 2, axis=1),
                            effective_dimension=np.array([effective_dimension(s)
                                                          for s in spectra]),
                            tau_dimension=np.array(taus), probe_error=mean,
                            probe_spread=spread, split=split.astype(bool),
                            attention=np.array(mats), labels=y, d=d, n_bases=n_bases)


def digits_temperature_sweep(n: int = 300, temperatures=None, *, random_state: int = 0,
                             **kwargs) -> TemperatureSweep:
    """:func:`temperature_sweep` on ``n`` digits, tokens = :func:`unit_tokens` of the pixels.

    Parameters
    ----------
    n : int, default=300
        Number of digits (a seeded subset).
    temperatures : sequence of float, optional
        The grid; default :data:`DEFAULT_TEMPERATURES`.
    random_state : int, default=0
        Seed of the subset.
    **kwargs : dict
        Other arguments of :func:`temperature_sweep`.

    Returns
    -------
    TemperatureSweep
    """
    from ..datasets import load_digits

    digits = load_digits(n, random_state=random_state)
    return temperature_sweep(unit_tokens(digits.X), digits.y, temperatures, **kwargs)


__all__ = ["DEFAULT_TEMPERATURES", "TemperatureSweep", "cluster_probe_error",
           "digits_temperature_sweep",
           "temperature_sweep", "unit_tokens"]
