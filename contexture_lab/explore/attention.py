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
(:func:`cluster_probe_error`), a number fixed by the cluster's span rather than by the
solver's basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_int

#: Default grid: 13 temperatures, four per decade from 1e-3 to 1 (unit-norm tokens).
DEFAULT_TEMPERATURES = np.logspace(-3, 0, 13)


@dataclass(frozen=True)
class TemperatureSweep:
    """Result of :func:`temperature_sweep`; index ``i`` is ``temperatures[i]``.

    Attributes
    ----------
    temperatures : ndarray, shape (T,)
    singular_values : ndarray, shape (T, N - 1)     full spectrum s_1 >= ... (s_0 excluded)
    total_association : ndarray, shape (T,)         sum_i s_i^2, the chi-square dependence
                                                    ||P+ / (P_X x P_A) - 1||^2 in
                                                    L2(P_X x P_A): N - 1 for A = X, C - 1
                                                    for a label context, 0 for independence
    effective_dimension : ndarray, shape (T,)       participation ratio (sum s_i^2)^2 /
                                                    sum s_i^4 (the lab's own measure, not
                                                    from the sources; see
                                                    :func:`contexture_lab.association.effective_dimension`)
    tau_dimension : ndarray of int, shape (T,)      arg-min d of the tau measure (-1 if
                                                    tau is not finite)
    probe_error : ndarray, shape (T,)               linear-probe error on mu_1..mu_d (NaN
                                                    for a sweep without labels); where
                                                    the cut at d splits a cluster of equal
                                                    singular values, the mean over
                                                    ``n_bases`` random completions of it
    probe_spread : ndarray, shape (T,)              standard deviation over those
                                                    completions (0 where d ends at a gap)
    split : ndarray of bool, shape (T,)             whether the cut at d splits a cluster
    attention : ndarray of float32, shape (T, N, N) attention matrices, tokens sorted by label
    labels : ndarray, shape (N,) or None            labels in the same (sorted) order; None:
                                                    no probe, tokens in their own order
    d : int                                         probe dimension (0 without labels)
    n_bases : int                                   random completions per split cluster
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

    def index(self, temperature: float) -> int:
        """Grid index of the temperature nearest (in log scale) to ``temperature``."""
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        return int(np.argmin(np.abs(np.log(self.temperatures) - np.log(temperature))))


def unit_tokens(X) -> np.ndarray:
    """Centre the rows of X and scale each to unit norm, shape (n, p).

    With unit-norm tokens the self-score <x, x> = 1 is the largest, so temperature -> 0
    gives the identity context (A = X).
    """
    X = as_float_array(X, "X", ndim=2)
    Xc = X - X.mean(axis=0)
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"{int((norms == 0).sum())} token(s) equal the mean; unit tokens "
                         "need every centred row to be non-zero")
    return Xc / norms


def cluster_probe_error(res, labels, d: int, *, n_bases: int = 10, n_per_class: int = 5,
                        seed: int = 0) -> tuple[float, float, bool]:
    """Probe error on the top-d singular functions, well defined when s_d = s_{d+1}.

    If the cut at ``d`` ends at a gap, this is
    ``probe_error(res.left[:, :d], labels)`` and the spread is 0. If it splits a cluster
    s_{lo+1} = ... = s_hi (lo < d < hi, equal within
    :data:`contexture_lab.degeneracy.RTOL` times s_1), any d - lo functions of the cluster
    are an equally valid answer; the features are then mu_1..mu_lo plus a random
    (d - lo)-dimensional subspace of the cluster, drawn ``n_bases`` times, and the result
    is the mean and standard deviation of the probe error over the draws. Each subspace is
    the L2(P_X) projection onto the cluster of seeded Gaussian functions (isotropic in
    L2(P_X)), so it depends on the cluster's span only, never on the basis the solver
    returned: the same numbers come back under :func:`contexture_lab.scrambled`.

    Parameters
    ----------
    res : Contexture
        A decomposition holding at least the cluster that contains s_d (``res.left`` of
        shape (N, k), k >= d; a cluster that runs to column k is taken to end there).
    labels : array-like, shape (N,)
    d : int, 1 <= d <= k
    n_bases : int >= 2
        Random completions of a split cluster.
    n_per_class, seed
        As in :func:`contexture_lab.probe.probe_error` (``seed`` also seeds the draws).

    Returns
    -------
    (mean, spread, split) : (float, float, bool)
    """
    from ..degeneracy import closes_at
    from ..probe import probe_error

    s = np.asarray(res.singular_values, dtype=np.float64)
    d = check_int(d, "d", low=1, high=s.size)
    n_bases = check_int(n_bases, "n_bases", low=2)
    lo, hi = closes_at(s, d)
    if hi == d:
        err = probe_error(res.left[:, :d], labels, n_per_class=n_per_class,
                          random_state=seed)
        return float(err), 0.0, False
    p = np.asarray(res.p_x, dtype=np.float64)
    if (p <= 0).any():
        raise ValueError("cluster_probe_error needs P_X > 0 on every input to draw isotropic "
                         f"random functions; {int((p <= 0).sum())} input(s) have no mass")
    B = res.left[:, lo:hi]
    rng = np.random.default_rng([int(seed), d, lo, hi])
    errors = []
    for _ in range(n_bases):
        G = rng.standard_normal((p.size, d - lo)) / np.sqrt(p)[:, None]
        coef, _ = np.linalg.qr(B.T @ (p[:, None] * G))     # (hi - lo, d - lo), orthonormal
        F = np.hstack([res.left[:, :lo], B @ coef])
        errors.append(probe_error(F, labels, n_per_class=n_per_class, random_state=seed))
    return float(np.mean(errors)), float(np.std(errors)), True


def temperature_sweep(tokens, labels, temperatures=None, *, keys=None, d: int = 20,
                      n_per_class: int = 5, seed: int = 0, n_bases: int = 10,
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
    d : int
        Number of singular functions the probe reads.
    n_per_class, seed
        Labelled samples per class and seed of :func:`contexture_lab.probe.probe_error`.
    n_bases : int >= 2
        Random completions of the cluster where the cut at d splits one
        (:func:`cluster_probe_error`).
    device : optional
        Where the attention scores are computed.
    progress : bool
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
            res, y, d, n_bases=n_bases, n_per_class=n_per_class, seed=seed))
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
    """:func:`temperature_sweep` on ``n`` digits, tokens = :func:`unit_tokens` of the pixels."""
    from ..datasets import load_digits

    digits = load_digits(n, random_state=random_state)
    return temperature_sweep(unit_tokens(digits.X), digits.y, temperatures, **kwargs)


__all__ = ["DEFAULT_TEMPERATURES", "TemperatureSweep", "cluster_probe_error",
           "digits_temperature_sweep",
           "temperature_sweep", "unit_tokens"]
