"""Precomputed temperature sweep behind the attention explorer (compute only, no drawing).

For self-attention of a set of labelled tokens (queries = keys = the tokens), each
temperature on a grid gives an attention context. For each we keep the attention matrix,
the full spectrum, two dimension counts and the downstream error of a linear probe on the
top singular functions, so a slider step only indexes into arrays.
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
    effective_dimension : ndarray, shape (T,)       sum_i s_i^2: N - 1 for A = X, C - 1 for
                                                    a label context, 0 for independence
    tau_dimension : ndarray of int, shape (T,)      arg-min d of the tau measure (-1 if
                                                    tau is not finite)
    probe_error : ndarray, shape (T,)               linear-probe error on mu_1..mu_d
    attention : ndarray of float32, shape (T, N, N) attention matrices, tokens sorted by label
    labels : ndarray, shape (N,)                    labels in the same (sorted) order
    d : int                                         probe dimension
    """

    temperatures: np.ndarray
    singular_values: np.ndarray
    effective_dimension: np.ndarray
    tau_dimension: np.ndarray
    probe_error: np.ndarray
    attention: np.ndarray
    labels: np.ndarray
    d: int

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


def temperature_sweep(tokens, labels, temperatures=None, *, d: int = 20,
                      n_per_class: int = 5, seed: int = 0, device=None) -> TemperatureSweep:
    """Self-attention contexts of ``tokens`` over a temperature grid, with their measures.

    Parameters
    ----------
    tokens : array-like, shape (N, p)
        Queries and keys (use :func:`unit_tokens` so that small temperatures approach A = X).
    labels : array-like, shape (N,)
        Classes for the downstream probe.
    temperatures : array-like of float > 0, optional
        Default :data:`DEFAULT_TEMPERATURES`; sorted increasingly.
    d : int
        Number of singular functions the probe reads.
    n_per_class, seed
        Labelled samples per class and seed of :func:`contexture_lab.probe.probe_error`.
    device : optional
        Where the attention scores are computed.

    Returns
    -------
    TemperatureSweep
    """
    from ..association import tau
    from ..attention import attention_context
    from ..probe import probe_error
    from ..spectrum import contexture

    X = as_float_array(tokens, "tokens", ndim=2)
    y = np.asarray(labels)
    if y.shape != (X.shape[0],):
        raise ValueError(f"labels has shape {y.shape}; expected ({X.shape[0]},), one per token")
    n = X.shape[0]
    d = check_int(d, "d", low=1, high=n - 2)
    temps = DEFAULT_TEMPERATURES if temperatures is None else as_float_array(
        temperatures, "temperatures", ndim=1)
    if temps.size == 0 or (temps <= 0).any():
        raise ValueError("temperatures must be a non-empty list of positive numbers")
    temps = np.sort(temps)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    spectra, errors, taus, mats = [], [], [], []
    for t in temps:
        ctx = attention_context(X, X, float(t), device=device)
        res = contexture(ctx, n - 1)
        s = res.singular_values
        spectra.append(s)
        taus.append(tau(s).d or -1)
        errors.append(probe_error(res.left[:, :d], y, n_per_class=n_per_class, seed=seed))
        mats.append(ctx.conditional().astype(np.float32))
    spectra = np.array(spectra)
    return TemperatureSweep(temperatures=temps, singular_values=spectra,
                            effective_dimension=np.sum(spectra ** 2, axis=1),
                            tau_dimension=np.array(taus), probe_error=np.array(errors),
                            attention=np.array(mats), labels=y, d=d)


def digits_temperature_sweep(n: int = 300, temperatures=None, *, random_state: int = 0,
                             **kwargs) -> TemperatureSweep:
    """:func:`temperature_sweep` on ``n`` digits, tokens = :func:`unit_tokens` of the pixels."""
    from ..datasets import load_digits

    digits = load_digits(n, random_state=random_state)
    return temperature_sweep(unit_tokens(digits.X), digits.y, temperatures, **kwargs)


__all__ = ["DEFAULT_TEMPERATURES", "TemperatureSweep", "digits_temperature_sweep",
           "temperature_sweep", "unit_tokens"]
