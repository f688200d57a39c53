"""Linear probes: how well a representation serves a downstream task.

A *probe* is ridge regression with an unpenalised bias, fitted on one-hot labels of a few
labelled inputs and read out by arg-max (THEORY.md section 3: the downstream predictor is
linear in the representation). Every probe is fitted by :func:`~contexture_lab.probe.fit_ridge`
and scored by
one rule (arg-max error and squared error, averaged over a distribution or a test set); the
arg-max is :func:`predict_classes`, which decides near-ties the same way on every machine.

The probe entry points of the package, and how they differ (they share
:func:`~contexture_lab.probe.fit_ridge`
and one scoring rule wherever they fit a ridge probe on one-hot labels):

- :func:`probe_error`: a balanced labelled split (``n_per_class`` per class), the mean
  held-out arg-max error over seeded repeats;
- :func:`linear_probe`: ``n`` i.i.d. draws from a training distribution, the exact error
  under a test distribution, optionally importance-weighted;
- :func:`population_probe`: the probe fitted on the whole population (the approximation
  part of :func:`linear_probe`'s error);
- :func:`~contexture_lab.compatibility.linear_probe_error`: the exact relative L2(P_X)
  residual of a task outside span(features), no labels drawn;
- :func:`~contexture_lab.kernel_regression.kernel_ridge_probe`: kernel ridge regression on
  the same draws as :func:`linear_probe`;
- ``ridge_r2`` (real-model features): the held-out R^2 of a ridge probe on a scalar target;
- :func:`~contexture_lab.explore.attention.cluster_probe_error`: :func:`probe_error`
  averaged over bases of a cluster of equal singular values.

Distribution shift (shifted downstream distributions, importance weights, shifted contexts)
lives in :mod:`contexture_lab.shift`; its names stay importable from here.

The inputs form a finite population of N points (the data set); a distribution over them is a
probability vector of length N. Test errors are exact expectations under such a distribution.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from . import degeneracy
from ._validation import as_float_array, check_float, check_int, check_rng, renamed_random_state
from .shift import (
    _distribution,
    effective_sample_size,
    importance_weights,
    shift_by_class,
    shift_by_feature,
    shifted_context,
    total_variation,
)


@renamed_random_state("rng")
def balanced_split(y, n_per_class: int, random_state=0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): ``n_per_class`` random labelled points per class, rest test.

    Parameters
    ----------
    y : array-like, shape (n,)
        Labels.
    n_per_class : int >= 1
        Labelled points drawn per class; every class must keep at least one for testing.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draw (``rng`` is its deprecated old name).

    Returns
    -------
    train : ndarray of int, shape (n_classes * n_per_class,)
        Sorted indices of the labelled points.
    test : ndarray of int, shape (n - n_classes * n_per_class,)
        Sorted indices of the rest.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}")
    if y.size == 0:
        raise ValueError("y is empty; expected at least one labelled sample per class")
    rng = check_rng(random_state)
    n_per_class = check_int(n_per_class, "n_per_class", low=1)
    train = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if members.size <= n_per_class:
            raise ValueError(f"class {c!r} has {members.size} samples; n_per_class="
                             f"{n_per_class} must leave at least one for testing")
        train.append(rng.choice(members, n_per_class, replace=False))
    train = np.sort(np.concatenate(train))
    test = np.setdiff1d(np.arange(y.size), train)
    return train, test


def fit_ridge(features, targets, alpha: float = 1e-3, sample_weight=None):
    """Ridge regression with an unpenalised bias: returns (weights (p, k), bias (k,)).

    Minimises ``sum_i w_i ||y_i - W^T f_i - b||^2 + alpha * (sum_i w_i) * ||W||_F^2`` in
    closed form (``w_i = 1`` without ``sample_weight``), so ``alpha`` is a penalty per unit
    of sample weight and does not need rescaling when n changes. This equals
    scikit-learn's ``Ridge(alpha=alpha * sum(w), fit_intercept=True)``.

    Parameters
    ----------
    features : array-like, shape (n, p)
    targets : array-like, shape (n,) or (n, k)
    alpha : float >= 0, default=1e-3
    sample_weight : array-like, shape (n,), optional
        Non-negative weights with a positive sum (e.g. importance weights).

    Returns
    -------
    weights : ndarray, shape (p, k)
        The coefficients W.
    bias : ndarray, shape (k,)
        The unpenalised bias b.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> F = np.array([[0.0], [1.0], [2.0]])
    >>> W, b = cl.probe.fit_ridge(F, 2 * F[:, 0] + 1, alpha=0.0)
    >>> W.round(6), b.round(6)
    (array([[2.]]), array([1.]))
    """
    F = as_float_array(features, "features", ndim=2)
    Y = as_float_array(targets, "targets", ndim=(1, 2))
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.shape[0] != F.shape[0]:
        raise ValueError(f"targets have {Y.shape[0]} rows; expected {F.shape[0]} (one per row "
                         "of features)")
    alpha = check_float(alpha, "alpha", low=0.0)
    if F.shape[0] == 0:
        raise ValueError("features has no rows; a ridge fit needs at least one sample")
    if sample_weight is None:
        total = F.shape[0]
        mu_f, mu_y = F.mean(axis=0), Y.mean(axis=0)
        Fc, Yc = F - mu_f, Y - mu_y
        wFc = Fc
    else:
        w = _check_weights(sample_weight, F.shape[0])
        total = w.sum()
        mu_f, mu_y = w @ F / total, w @ Y / total
        Fc, Yc = F - mu_f, Y - mu_y
        wFc = Fc * w[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        A = wFc.T @ Fc + alpha * total * np.eye(F.shape[1])
        rhs = wFc.T @ Yc
    if not (np.isfinite(A).all() and np.isfinite(rhs).all()):
        raise ValueError(f"the ridge normal equations overflow float64 (largest |feature| "
                         f"{np.abs(F).max():.3g}, |target| {np.abs(Y).max():.3g}); rescale "
                         "the features (alpha is a penalty at their scale)")
    W = np.linalg.lstsq(A, rhs, rcond=None)[0]
    return W, mu_y - mu_f @ W


def _check_weights(weights, n: int) -> np.ndarray:
    w = as_float_array(weights, "sample_weight", ndim=1)
    if w.shape != (n,):
        raise ValueError(f"sample_weight has shape {w.shape}; expected ({n},), one per sample")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("sample_weight must be >= 0 with a positive sum; got min "
                         f"{w.min():.3g}, sum {w.sum():.3g}")
    return w


@renamed_random_state("seed")
def probe_errors(features, y, *, n_per_class: int = 5, alpha: float = 1e-3,
                 n_repeats: int = 5, random_state=0) -> np.ndarray:
    """Per-draw test classification errors of a ridge probe on one-hot labels.

    Each repeat draws ``n_per_class`` labelled points per class (:func:`balanced_split`),
    fits :func:`fit_ridge` to one-hot targets and classifies the remaining points by
    arg-max. The draws depend only on ``y``, ``n_per_class`` and ``random_state``, never on
    ``features``: two feature sets probed with the same ``random_state`` see the same labelled
    points draw by draw, so their errors can be compared in pairs
    (:func:`contexture_lab.evidence.paired`).

    Parameters
    ----------
    features : array-like, shape (N, p)
    y : array-like, shape (N,)
    n_per_class : int, default=5
    alpha : float, default=1e-3
        Ridge penalty per sample (see :func:`fit_ridge`).
    n_repeats : int, default=5
    random_state : int or numpy.random.Generator, default=0
        Seed of the labelled draws (``seed`` is its deprecated old name).

    Returns
    -------
    ndarray of shape (n_repeats,)
        The held-out arg-max error of each draw, in [0, 1].
    """
    F = as_float_array(features, "features", ndim=2)
    codes, onehot = _encode_labels(y, F.shape[0])
    rng = check_rng(random_state)
    errors = []
    for _ in range(check_int(n_repeats, "n_repeats", low=1)):
        train, test = balanced_split(codes, n_per_class, rng)
        W, b = fit_ridge(F[train], onehot[train], alpha)
        errors.append(_errors(F[test], codes[test], onehot[test], W, b, None)[0])
    return np.array(errors, dtype=float)


@renamed_random_state("seed")
def probe_error(features, y, *, n_per_class: int = 5, alpha: float = 1e-3,
                n_repeats: int = 5, random_state=0) -> float:
    """Mean test classification error of a ridge probe on one-hot labels.

    The mean over draws of :func:`probe_errors` (same parameters).

    Parameters
    ----------
    features : array-like, shape (N, p)
    y : array-like, shape (N,)
    n_per_class : int, default=5
    alpha : float, default=1e-3
        Ridge penalty per sample (see :func:`~contexture_lab.probe.fit_ridge`).
    n_repeats : int, default=5
    random_state : int or numpy.random.Generator, default=0
        Seed of the labelled draws (``seed`` is its deprecated old name).

    Returns
    -------
    float
        The mean held-out arg-max error, in [0, 1].
    """
    return float(np.mean(probe_errors(features, y, n_per_class=n_per_class, alpha=alpha,
                                      n_repeats=n_repeats, random_state=random_state)))


# ---------------------------------------------------------------------- repeated probes
@dataclass(frozen=True)
class ProbeResult:
    """Errors of a linear probe over repeated seeded label draws (one entry per repeat).

    Attributes
    ----------
    train_error, test_error : ndarray, shape (n_repeats,)
        0-1 classification error (arg-max of the probe's outputs) on the labelled draws and
        under the test distribution (exact expectation over all N inputs).
    train_mse, test_mse : ndarray, shape (n_repeats,)
        Squared error ``||onehot(y) - probe(x)||^2`` averaged the same ways.
    effective_n : ndarray, shape (n_repeats,)
        Effective sample size (sum w)^2 / sum w^2 of the fitting weights (= n unweighted).
    weight_norm : ndarray, shape (n_repeats,)
        Frobenius norm ||W||_F of the fitted weights (bias excluded).
    min_eigenvalue : ndarray, shape (n_repeats,)
        Smallest eigenvalue of the draws' (weighted) feature covariance, the matrix that
        :func:`~contexture_lab.probe.fit_ridge` adds ``alpha`` to (clipped at 0). It is 0 once d
        is at least
        the number of distinct labelled inputs: the probe can then interpolate them.
    n, d : int
        Labelled samples per draw and feature dimension used.
    """

    train_error: np.ndarray
    test_error: np.ndarray
    train_mse: np.ndarray
    test_mse: np.ndarray
    effective_n: np.ndarray
    weight_norm: np.ndarray
    min_eigenvalue: np.ndarray
    n: int
    d: int

    @property
    def test_error_mean(self) -> float:
        return float(np.mean(self.test_error))

    @property
    def test_error_std(self) -> float:
        """Spread over the repeats (standard deviation, ddof=0)."""
        return float(np.std(self.test_error))

    @property
    def train_error_mean(self) -> float:
        return float(np.mean(self.train_error))

    @property
    def train_error_std(self) -> float:
        return float(np.std(self.train_error))

    @property
    def test_mse_mean(self) -> float:
        return float(np.mean(self.test_mse))

    @property
    def test_mse_std(self) -> float:
        return float(np.std(self.test_mse))

    @property
    def train_mse_mean(self) -> float:
        return float(np.mean(self.train_mse))

    @property
    def train_mse_std(self) -> float:
        return float(np.std(self.train_mse))


def _encode_labels(y, n_rows: int):
    y = np.asarray(y)
    if y.shape != (n_rows,):
        raise ValueError(f"y has shape {y.shape}; expected ({n_rows},), one label per row")
    classes, codes = np.unique(y, return_inverse=True)
    return codes, np.eye(classes.size)[codes]


def _features(features, d) -> np.ndarray:
    """Features as (N, d): an array or a Contexture (its left functions), first d columns.

    For a Contexture, a d that cuts a cluster of equal singular values (s_d = s_{d+1}) gets a
    :class:`~contexture_lab.degeneracy.DegenerateSpanWarning`: the first d columns are then
    one arbitrary choice among equally valid ones.
    """
    s = None
    if hasattr(features, "left") and hasattr(features, "singular_values"):
        s = np.asarray(features.singular_values, dtype=np.float64)
        features = features.left
    F = as_float_array(features, "features", ndim=2)
    if d is None:
        return F
    d = check_int(d, "d", low=1, high=F.shape[1])
    if s is not None and d < s.size and s[d - 1] - s[d] <= degeneracy.tolerance(s):
        warnings.warn(degeneracy.describe(s, d), degeneracy.DegenerateSpanWarning,
                      stacklevel=3)
    return F[:, :d]


#: Scores within this much (relative to the row's largest, at least 1) of a row's maximum
#: count as tied: in exact arithmetic they are often equal (a probe scores every class the
#: same on an input no labelled input reaches), and rounding noise must not choose.
TIE_RTOL = 1e-9


def _tied(scores) -> np.ndarray:
    """(n, k) bool: the classes of each row within the tie tolerance of its maximum."""
    S = as_float_array(scores, "scores", ndim=2)
    if S.shape[1] == 0:
        raise ValueError(f"scores has shape {S.shape}; expected at least one class column")
    top = S.max(axis=1, keepdims=True)
    return S >= top - TIE_RTOL * np.maximum(1.0, np.abs(top))


def predict_classes(scores) -> np.ndarray:
    """The class of each row of ``scores``: its arg-max, with near-ties broken one way.

    Scores within ``TIE_RTOL * max(1, |max|)`` of their row's maximum count as tied
    (:data:`TIE_RTOL`), and the lowest class index among them wins: what ``argmax`` gives
    in exact arithmetic, where such scores are equal (a probe scores every class the same on
    an input that no labelled input reaches). A plain ``argmax`` on the computed scores lets
    rounding noise choose instead, so the error it gives can change with the BLAS kernel or
    the thread count.

    Parameters
    ----------
    scores : array-like, shape (n, k)
        One row of class scores per input.

    Returns
    -------
    ndarray of int, shape (n,)
        The predicted class index of each row.

    Examples
    --------
    >>> predict_classes([[0.2, 0.5, 0.5 + 1e-12], [1.0, 3.0, 2.0]]).tolist()
    [1, 1]
    """
    return np.argmax(_tied(scores), axis=1)


def _errors(F, codes, onehot, W, b, weights):
    """(0-1 error, squared error) of the probe (W, b) on the rows of F, averaged with
    ``weights`` (sum 1), or the plain mean over the rows when ``weights`` is None. The one
    scoring rule of every probe in this module."""
    out = F @ W + b
    wrong = predict_classes(out) != codes
    sq = np.sum((onehot - out) ** 2, axis=1)
    if weights is None:
        return float(np.mean(wrong)), float(np.mean(sq))
    return float(weights @ wrong), float(weights @ sq)


@renamed_random_state("seed")
def linear_probe(features, y, n: int, *, d: int | None = None, alpha: float = 1e-3,
                 n_repeats: int = 5, random_state=0, train_distribution=None,
                 test_distribution=None, importance_weighted: bool = False) -> ProbeResult:
    """Train and test error of a ridge probe on ``n`` labelled samples, over seeded repeats.

    Each repeat draws ``n`` labelled inputs i.i.d. from ``train_distribution`` (with
    replacement; default uniform over the N inputs), fits :func:`~contexture_lab.probe.fit_ridge`
    to one-hot labels
    on the first ``d`` feature columns, and reports the error on the draws (train) and the
    exact expected error under ``test_distribution`` over all N inputs (test; default: the
    training distribution). On a finite population that expectation *is* the population
    risk; the labelled points are part of the population.

    Parameters
    ----------
    features : array-like, shape (N, p), or a Contexture (its left functions are used)
        The encoder's output on every input.
    y : array-like, shape (N,)
        Labels of all inputs.
    n : int >= 2
        Number of labelled samples per draw.
    d : int, optional
        Use only the first d columns (a d-dimensional encoder); default all p.
    alpha : float >= 0, default=1e-3
        Ridge penalty per unit of sample weight (see :func:`~contexture_lab.probe.fit_ridge`).
    n_repeats : int >= 1, default=5
    random_state : int or numpy Generator, default=0
        Seed of the labelled draws (``seed`` is its deprecated old name).
    train_distribution, test_distribution : array-like, shape (N,), optional
        Probability vectors over the inputs.
    importance_weighted : bool, default=False
        Weight each labelled sample by q(x) / p(x) (test over train probability), so the
        fitted loss is an unbiased estimate of the loss under the test distribution.
        Requires p(x) > 0 wherever q(x) > 0.

    Returns
    -------
    ProbeResult
    """
    F = _features(features, d)
    N = F.shape[0]
    codes, onehot = _encode_labels(y, N)
    n = check_int(n, "n", low=2)
    p = _distribution(train_distribution, N, "train_distribution")
    q = p if test_distribution is None else _distribution(test_distribution, N,
                                                         "test_distribution")
    if importance_weighted:
        ratio = importance_weights(p, q)
    rng = check_rng(random_state)
    rows = []
    for repeat in range(check_int(n_repeats, "n_repeats", low=1)):
        draw = rng.choice(N, size=n, replace=True, p=p)
        w = ratio[draw] if importance_weighted else None
        if w is not None and not w.sum() > 0:
            raise ValueError(f"importance_weighted: the {n} labelled draws of repeat {repeat} "
                             "all fell where test_distribution is 0, so every importance "
                             "weight q(x)/p(x) is 0 and there is nothing to fit; expected "
                             "a larger n or a train_distribution closer to the test one")
        W, b = fit_ridge(F[draw], onehot[draw], alpha, sample_weight=w)
        train = _errors(F[draw], codes[draw], onehot[draw], W, b, np.full(n, 1.0 / n))
        test = _errors(F, codes, onehot, W, b, q)
        rows.append((*train, *test, n if w is None else effective_sample_size(w),
                     np.linalg.norm(W), _min_covariance_eigenvalue(F[draw], w)))
    tr_err, tr_mse, te_err, te_mse, n_eff, w_norm, min_eig = np.array(rows).T
    return ProbeResult(train_error=tr_err, test_error=te_err, train_mse=tr_mse,
                       test_mse=te_mse, effective_n=n_eff, weight_norm=w_norm,
                       min_eigenvalue=min_eig, n=n, d=F.shape[1])


def _min_covariance_eigenvalue(F, weights) -> float:
    """Smallest eigenvalue of the (weighted) covariance of the rows of F, clipped at 0."""
    w = np.full(F.shape[0], 1.0) if weights is None else weights
    w = w / w.sum()
    Fc = F - w @ F
    return max(float(np.linalg.eigvalsh((Fc * w[:, None]).T @ Fc)[0]), 0.0)


def population_probe(features, y, *, d: int | None = None, distribution=None,
                     alpha: float = 1e-3) -> tuple[float, float]:
    """(0-1 error, squared error) of the probe fitted on the whole population.

    The probe is fitted with the distribution's probabilities as sample weights and
    evaluated under the same distribution: with ``n -> infinity`` labelled samples this is
    the best a linear probe on these d features can do, the *approximation* part of
    :func:`linear_probe`'s test error (the rest is the *estimation* part). With
    ``alpha = 0`` the fit (W*, b*) is weighted least squares and the squared error obeys
    Pythagoras: any probe (W, b) on the same features has squared error under q equal to
    that of (W*, b*) plus ``E_q ||(W - W*)^T f + (b - b*)||^2``, so none does better.

    Parameters
    ----------
    features : array-like, shape (N, p), or a Contexture (its left functions are used)
        The encoder's output on every input.
    y : array-like, shape (N,)
        Labels of all inputs.
    d : int, optional
        Use only the first d columns; default all p.
    distribution : array-like, shape (N,), optional
        Probability vector over the inputs; uniform by default.
    alpha : float, default=1e-3
        Ridge penalty per unit of sample weight (see :func:`fit_ridge`).

    Returns
    -------
    error : float
        The 0-1 error under the distribution.
    mse : float
        The squared error under the distribution.
    """
    F = _features(features, d)
    codes, onehot = _encode_labels(y, F.shape[0])
    q = _distribution(distribution, F.shape[0], "distribution")
    W, b = fit_ridge(F, onehot, alpha, sample_weight=q)
    return _errors(F, codes, onehot, W, b, q)


__all__ = ["TIE_RTOL", "ProbeResult", "balanced_split", "effective_sample_size", "fit_ridge",
           "importance_weights", "linear_probe", "population_probe", "predict_classes",
           "probe_error", "probe_errors",
           "shift_by_class", "shift_by_feature", "shifted_context", "total_variation"]


@renamed_random_state("seed")
def ridge_r2(features, targets, n_train: int, *, n_repeats: int = 10, alpha: float = 1.0,
             random_state=0) -> tuple[float, float]:
    """Held-out R^2 of a ridge probe trained on ``n_train`` random rows, over seeded repeats.

    Each repeat draws a random split, standardises the features on the training rows and
    fits :func:`~contexture_lab.probe.fit_ridge` (``alpha`` is the penalty per sample); the score
    is the
    coefficient of determination on the other rows.

    Parameters
    ----------
    features : array-like, shape (n, p)
    targets : array-like, shape (n,)
    n_train : int
        Training rows per split, in [2, n - 2].
    n_repeats : int, keyword-only, default=10
        Random splits.
    alpha : float, keyword-only, default=1.0
        Ridge penalty per sample.
    random_state : int or numpy.random.Generator, keyword-only, default=0
        Seed of the splits (``seed=`` is its deprecated old name).

    Returns
    -------
    mean, std : float
        Mean and standard deviation (``ddof=0``) of the test R^2 over the splits.
    """
    F = as_float_array(features, "features", ndim=2)
    y = as_float_array(targets, "targets", ndim=1)
    if y.shape != (F.shape[0],):
        raise ValueError(f"targets has shape {y.shape}; expected ({F.shape[0]},), one per row "
                         "of features")
    n_train = check_int(n_train, "n_train", low=2, high=F.shape[0] - 2)
    rng = check_rng(random_state)
    scores = []
    for _ in range(check_int(n_repeats, "n_repeats", low=1)):
        order = rng.permutation(F.shape[0])
        tr, te = order[:n_train], order[n_train:]
        mu, sd = F[tr].mean(0), F[tr].std(0) + 1e-12
        W, b = fit_ridge((F[tr] - mu) / sd, y[tr], alpha=alpha)
        pred = ((F[te] - mu) / sd) @ W[:, 0] + b[0]
        scores.append(1 - np.sum((y[te] - pred) ** 2) / np.sum((y[te] - y[te].mean()) ** 2))
    return float(np.mean(scores)), float(np.std(scores))


__all__ += ["ridge_r2"]
