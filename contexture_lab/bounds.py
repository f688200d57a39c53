"""The estimation part of a least-squares probe's error against n, and the rate that bounds it.

A linear probe fitted by least squares on n labelled samples has squared test error
``approximation + estimation``: the approximation part is the error of the population fit
(n -> infinity, :func:`contexture_lab.probe.population_probe` with ``alpha=0``), and the
estimation part ``E ||(theta_hat - theta*)^T psi(x)||^2`` is what the finite sample adds
(Pythagoras for least squares; notebook 07, section 2).

The rate used here is classical least-squares asymptotics, not a theorem of the contexture
sources (THEORY.md section 12): with ``psi = (1, phi)`` the features with a constant,
``Sigma = E[psi psi^T]`` and the population residual ``r(x) = y(x) - theta*^T psi(x)``,

    n * (theta_hat - theta*)-error  ->  a random variable with mean
    c = E[ ||r(X)||^2  psi(X)^T Sigma^{-1} psi(X) ]          (in distribution, n -> inf)

(the "sandwich" covariance of least squares: White 1980; van der Vaart, *Asymptotic
Statistics*, 1998, section 5.3). For features orthonormal and centred under P_X, as the
contexture's mu_1..mu_d are, ``psi^T Sigma^{-1} psi = 1 + ||phi||^2``; if ||r||^2 did not
depend on x, c would be ``(d + 1) * approximation``: the familiar d / n rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_int, renamed_random_state
from .probe import _distribution, _encode_labels, _features, fit_ridge, linear_probe


def leverage(features, *, distribution=None) -> np.ndarray:
    """``psi(x)^T Sigma^{-1} psi(x)`` per input, shape (N,), with ``psi = (1, phi)``.

    ``Sigma = E[psi psi^T]`` under the distribution (default uniform). Its mean under that
    distribution is the number of columns of psi (p + 1) when Sigma is invertible, and it
    equals ``1 + ||phi(x)||^2`` for features orthonormal and centred under it.

    Parameters
    ----------
    features : array-like, shape (N, p)
        phi on every input.
    distribution : array-like, shape (N,), optional
        Probability vector over the inputs; uniform by default.

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.bounds.leverage([[1.0], [-1.0]])          # 1 + phi^2, phi orthonormal and centred
    array([2., 2.])
    """
    F = as_float_array(features, "features", ndim=2)
    q = _distribution(distribution, F.shape[0], "distribution")
    Psi = np.hstack([np.ones((F.shape[0], 1)), F])
    sigma = (Psi * q[:, None]).T @ Psi
    return np.sum(Psi * np.linalg.lstsq(sigma, Psi.T, rcond=None)[0].T, axis=1)


def estimation_constant(features, y, *, d: int | None = None, distribution=None) -> float:
    """The constant c of the first-order estimation error c / n of least squares.

    ``c = E[ ||r(X)||^2 psi(X)^T Sigma^{-1} psi(X) ]`` under the distribution (default
    uniform), with ``psi = (1, phi)``, ``Sigma = E[psi psi^T]``, targets the one-hot labels
    and r the residual of the population least-squares fit (see the module docstring).

    Parameters
    ----------
    features : array-like, shape (N, p), or a Contexture (its left functions)
    y : array-like, shape (N,)
        Labels of all N inputs.
    d : int, optional
        Use the first d columns.
    distribution : array-like, shape (N,), optional

    Returns
    -------
    float
    """
    F = _features(features, d)
    _, onehot = _encode_labels(y, F.shape[0])
    q = _distribution(distribution, F.shape[0], "distribution")
    W, b = fit_ridge(F, onehot, alpha=0.0, sample_weight=q)
    r2 = np.sum((onehot - F @ W - b) ** 2, axis=1)
    return float(q @ (r2 * leverage(F, distribution=q)))


@dataclass(frozen=True)
class EstimationCurve:
    """Measured estimation part of the probe's squared error against n, and its rate.

    Attributes
    ----------
    ns : ndarray of int, shape (k,)
    mean, sem : ndarray, shape (k,)
        Mean over the seeded repeats of (test squared error - approximation part), and its
        standard error (standard deviation / sqrt(repeats)).
    approximation : float
        Squared error of the population least-squares fit.
    constant : float
        The constant c of :func:`estimation_constant`; the rate is c / n.
    n_repeats, d : int
    """

    ns: np.ndarray
    mean: np.ndarray
    sem: np.ndarray
    approximation: float
    constant: float
    n_repeats: int
    d: int

    @property
    def rate(self) -> np.ndarray:
        """The first-order prediction c / n at each n, shape (k,)."""
        return self.constant / self.ns


@renamed_random_state("seed")
def estimation_curve(features, y, ns, *, d: int | None = None, n_repeats: int = 40,
                     random_state: int = 0, alpha: float = 1e-8) -> EstimationCurve:
    """Estimation part of a least-squares probe's squared error for each n, beside c / n.

    For each n, :func:`~contexture_lab.probe.linear_probe` draws n labelled inputs
    uniformly with replacement (``n_repeats`` seeded draws) and fits the probe with a tiny
    ridge ``alpha`` (so a rare singular draw still has a fit); the test squared error is
    exact over all N inputs, and the estimation part is that minus the population fit's.

    Parameters
    ----------
    features : array-like, shape (N, p), or a Contexture
    y : array-like, shape (N,)
    ns : sequence of int >= 2
    d : int, optional
    n_repeats : int >= 2, default=40
    random_state : int, default=0
    alpha : float >= 0, default=1e-8

    Returns
    -------
    EstimationCurve
    """
    F = _features(features, d)
    ns = np.array([check_int(int(n), "n", low=2) for n in np.atleast_1d(ns)])
    n_repeats = check_int(n_repeats, "n_repeats", low=2)
    _, onehot = _encode_labels(y, F.shape[0])
    W, b = fit_ridge(F, onehot, alpha=0.0)
    approx = float(np.mean(np.sum((onehot - F @ W - b) ** 2, axis=1)))
    means, sems = [], []
    for n in ns:
        run = linear_probe(F, y, int(n), alpha=alpha, n_repeats=n_repeats,
                           random_state=random_state)
        est = run.test_mse - approx
        means.append(est.mean())
        sems.append(est.std(ddof=1) / np.sqrt(n_repeats))
    return EstimationCurve(ns=ns, mean=np.array(means), sem=np.array(sems),
                           approximation=approx, constant=estimation_constant(F, y),
                           n_repeats=n_repeats, d=F.shape[1])


__all__ = ["EstimationCurve", "estimation_constant", "estimation_curve", "leverage"]
