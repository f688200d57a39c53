"""Reweighted and robust risks: ERM, CVaR-DRO, DORO, and reweighting an interpolating probe.

The dissertation's abstract (the only part of it read for this lab) says it discusses the
effect of the distribution shift from pretraining to the downstream task; which papers its
chapter on the subject draws on was not read. This module takes two papers by the same
authors, read through their abstracts and their public code (THEORY.md section 13):

- Zhai, Dan, Kolter, Ravikumar, *Understanding Why Generalized Reweighting Does Not Improve
  Over ERM* (ICLR 2023, arXiv:2201.12293): over-parameterised models trained by gradient
  descent with reweighted losses end close to the ERM model. The lab's analogue for a ridge
  probe with more features than labelled points is an exact identity of linear algebra (the
  lab's own, not the paper's theorem): :func:`min_norm_interpolant` is the limit of
  :func:`~contexture_lab.probe.fit_ridge` as ``alpha -> 0`` for any positive weights.
- Zhai, Dan, Kolter, Ravikumar, *DORO: Distributional and Outlier Robust Optimization*
  (ICML 2021, arXiv:2106.06142; code github.com/RuntianZ/doro): CVaR-DRO minimises the mean
  of the worst alpha-fraction of the losses, which a few outliers (flipped labels) can
  dominate; CVaR-DORO, as the paper defines it and its ``cvar_doro`` computes it, first
  discards the eps-fraction of largest losses. :func:`cvar`, :func:`doro` and their
  weights, and :func:`fit_softmax` that trains a linear classifier under any of the three
  risks.

Every risk here is a weighted mean ``sum_i q_i l_i`` of the per-sample losses with weights
``q`` (sum 1) that depend on the losses; samples with equal losses get equal weights, so
nothing depends on the order of ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_float_array,
    check_choice,
    check_float,
    check_int,
    check_rng,
    renamed_random_state,
)
from .probe import predict_classes

__all__ = ["FitResult", "class_subsample", "cvar", "cvar_weights", "doro", "doro_weights",
           "fit_softmax", "flip_labels", "group_errors", "min_norm_interpolant",
           "risk_weights"]


def _losses(losses) -> np.ndarray:
    loss = as_float_array(losses, "losses", ndim=1)
    if loss.size == 0:
        raise ValueError("losses is empty; expected one loss per sample")
    return loss


def _fill_from_top(loss: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Weights summing to 1, each at most its cap, given to the largest losses first;
    then averaged over every group of equal losses (tie order never matters)."""
    order = np.argsort(-loss, kind="stable")
    cum = np.cumsum(caps[order])
    before = np.concatenate([[0.0], cum[:-1]])
    q = np.zeros_like(loss)
    q[order] = np.clip(1.0 - before, 0.0, caps[order])
    _, groups = np.unique(loss, return_inverse=True)
    share = np.bincount(groups, weights=q) / np.bincount(groups, weights=np.ones_like(q))
    q = share[groups]
    return q / q.sum()


def cvar_weights(losses, alpha: float) -> np.ndarray:
    """Weights of the conditional value at risk CVaR_alpha of the empirical losses.

    CVaR_alpha is the largest mean loss over re-weightings q of the n samples with
    ``q_i <= 1 / (alpha n)`` (Rockafellar & Uryasev 2000): the mean of the worst
    alpha-fraction, with a fractional weight on the boundary sample when alpha n is not whole.

    Parameters
    ----------
    losses : array-like, shape (n,)
        The per-sample losses.
    alpha : float in (0, 1]
        The worst fraction averaged (alpha = 1 is the plain mean, ERM).

    Returns
    -------
    ndarray, shape (n,)
        Non-negative weights that sum to 1; tied losses share their weight equally.
    """
    loss = _losses(losses)
    alpha = check_float(alpha, "alpha", low=0.0, high=1.0, low_open=True)
    return _fill_from_top(loss, np.full(loss.size, 1.0 / (alpha * loss.size)))


def cvar(losses, alpha: float) -> float:
    """CVaR_alpha of the empirical losses: the mean of their worst alpha-fraction.

    Parameters
    ----------
    losses : array-like, shape (n,)
        The per-sample losses.
    alpha : float in (0, 1]
        The worst fraction averaged (alpha = 1 is the plain mean).

    Returns
    -------
    float
        ``cvar_weights(losses, alpha) @ losses``.
    """
    loss = _losses(losses)
    return float(cvar_weights(loss, alpha) @ loss)


def doro_weights(losses, alpha: float, eps: float) -> np.ndarray:
    """Weights of the CVaR-DORO risk: CVaR_alpha after discarding an eps-fraction of outliers.

    The authors' code (``cvar_doro`` in github.com/RuntianZ/doro, ``dro.py``; Zhai et al.,
    ICML 2021) drops the eps-fraction of largest losses of a mini-batch and takes CVaR_alpha
    of the rest. Written as a distribution (our formulation): the smallest CVaR_alpha over
    P' with ``P = (1 - eps) P' + eps P~``; it is reached by dropping the largest losses, so
    P' puts ``1 / ((1 - eps) n)`` on the smallest losses (a fraction on the boundary sample
    when eps n is not whole), and CVaR_alpha is then taken under P'.

    Parameters
    ----------
    losses : array-like, shape (n,)
        The per-sample losses.
    alpha : float in (0, 1]
        The CVaR level.
    eps : float in [0, 1)
        The fraction of samples treated as outliers (eps = 0 gives :func:`cvar_weights`).

    Returns
    -------
    ndarray, shape (n,)
        Non-negative weights that sum to 1; the dropped samples get 0.
    """
    loss = _losses(losses)
    alpha = check_float(alpha, "alpha", low=0.0, high=1.0, low_open=True)
    eps = check_float(eps, "eps", low=0.0)
    if eps >= 1.0:
        raise ValueError(f"eps must be < 1 (the fraction of samples treated as outliers), "
                         f"got {eps}")
    kept = _fill_from_top(-loss, np.full(loss.size, 1.0 / ((1.0 - eps) * loss.size)))
    return _fill_from_top(loss, kept / alpha)


def doro(losses, alpha: float, eps: float) -> float:
    """CVaR-DORO risk of the empirical losses (see :func:`doro_weights`).

    Parameters
    ----------
    losses : array-like, shape (n,)
        The per-sample losses.
    alpha : float in (0, 1]
        The CVaR level.
    eps : float in [0, 1)
        The fraction of samples treated as outliers.

    Returns
    -------
    float
        ``doro_weights(losses, alpha, eps) @ losses``.
    """
    loss = _losses(losses)
    return float(doro_weights(loss, alpha, eps) @ loss)


RISKS = ("erm", "cvar", "doro")


def risk_weights(losses, risk: str, *, alpha: float = 1.0, eps: float = 0.0) -> np.ndarray:
    """Weights of a risk at these losses.

    Parameters
    ----------
    losses : array-like, shape (n,)
        The per-sample losses.
    risk : {'erm', 'cvar', 'doro'}
        ``'erm'``: all 1/n; ``'cvar'``: :func:`cvar_weights`; ``'doro'``:
        :func:`doro_weights`.
    alpha : float in (0, 1], default=1.0
        CVaR level (``'cvar'`` and ``'doro'``).
    eps : float in [0, 1), default=0.0
        DORO outlier fraction (``'doro'`` only).

    Returns
    -------
    ndarray, shape (n,)
        Non-negative weights that sum to 1.
    """
    check_choice(risk, "risk", RISKS)
    loss = _losses(losses)
    if risk == "erm":
        return np.full(loss.size, 1.0 / loss.size)
    if risk == "cvar":
        return cvar_weights(loss, alpha)
    return doro_weights(loss, alpha, eps)


# ---------------------------------------------------------------------- training
@dataclass(frozen=True)
class FitResult:
    """A linear softmax classifier trained under a risk.

    Attributes
    ----------
    weights : ndarray, shape (p, C)
    bias : ndarray, shape (C,)
    risk : ndarray, shape (steps + 1,)
        The training risk before each step and at the end.
    """

    weights: np.ndarray
    bias: np.ndarray
    risk: np.ndarray

    def predict(self, features) -> np.ndarray:
        """Class indices, the arg-max of the scores ``features @ weights + bias`` (near-ties
        broken as :func:`~contexture_lab.probe.predict_classes` does).

        Parameters
        ----------
        features : array-like, shape (n, p)
            Inputs, ``p`` as in training.

        Returns
        -------
        ndarray of int, shape (n,)
            The predicted class of each row.
        """
        F = as_float_array(features, "features", ndim=2)
        return predict_classes(F @ self.weights + self.bias)


def _cross_entropy(F, labels, W, b):
    """Per-sample cross-entropy (n,) and softmax probabilities (n, C)."""
    z = F @ W + b
    z = z - z.max(axis=1, keepdims=True)
    logsum = np.log(np.exp(z).sum(axis=1))
    probs = np.exp(z - logsum[:, None])
    return logsum - z[np.arange(labels.size), labels], probs


def fit_softmax(features, labels, *, risk: str = "erm", alpha: float = 1.0,
                eps: float = 0.0, l2: float = 1e-3, steps: int = 500,
                learning_rate: float = 0.5, decay_steps: float = 50.0,
                n_classes: int | None = None) -> FitResult:
    """Train a linear softmax classifier by full-batch gradient descent on a risk.

    Minimises ``sum_i q_i(theta) l_i(theta) + (l2 / 2) ||W||_F^2`` where l_i is the
    cross-entropy of sample i and q the weights of ``risk`` at the current losses
    (:func:`risk_weights`); step t follows ``sum_i q_i grad l_i`` with q held fixed, the
    (sub)gradient the authors' code uses, with step size
    ``learning_rate / sqrt(1 + t / decay_steps)`` (a decreasing step lets the subgradient
    method settle where the CVaR weights jump). Deterministic: starts from zero, float64,
    no sampling.

    Parameters
    ----------
    features : array-like, shape (n, p)
        Training inputs.
    labels : array-like of int, shape (n,)
        Class indices 0..C-1.
    risk : {'erm', 'cvar', 'doro'}, default='erm'
        The risk minimised (:func:`risk_weights`).
    alpha : float in (0, 1], default=1.0
        CVaR level (see :func:`cvar_weights`).
    eps : float in [0, 1), default=0.0
        DORO outlier fraction (see :func:`doro_weights`).
    l2 : float >= 0, default=1e-3
        Penalty on W (the bias is not penalised).
    steps : int >= 1, default=500
        Gradient steps.
    learning_rate : float > 0, default=0.5
        Step size at the first step.
    decay_steps : float > 0, default=50.0
        Steps over which the step size falls by a factor sqrt(2).
    n_classes : int, optional
        Number of classes C; default ``labels.max() + 1``.

    Returns
    -------
    FitResult
    """
    F = as_float_array(features, "features", ndim=2)
    lab = np.asarray(labels)
    if lab.shape != (F.shape[0],):
        raise ValueError(f"labels has shape {lab.shape}; expected ({F.shape[0]},), one per "
                         "row of features")
    if lab.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class indices, got dtype {lab.dtype}")
    if lab.size and lab.min() < 0:
        raise ValueError(f"labels must be >= 0, got {lab.min()}")
    C = int(lab.max()) + 1 if n_classes is None else check_int(n_classes, "n_classes",
                                                               low=int(lab.max()) + 1)
    check_choice(risk, "risk", RISKS)
    l2 = check_float(l2, "l2", low=0.0)
    lr = check_float(learning_rate, "learning_rate", low=0.0, low_open=True)
    decay_steps = check_float(decay_steps, "decay_steps", low=0.0, low_open=True)
    steps = check_int(steps, "steps", low=1)
    W, b = np.zeros((F.shape[1], C)), np.zeros(C)
    onehot = np.eye(C)[lab]
    history = []
    for t in range(steps + 1):
        loss, probs = _cross_entropy(F, lab, W, b)
        q = risk_weights(loss, risk, alpha=alpha, eps=eps)
        history.append(float(q @ loss + 0.5 * l2 * np.sum(W * W)))
        if len(history) > steps:
            break
        G = (probs - onehot) * q[:, None]
        step = lr / np.sqrt(1.0 + t / decay_steps)
        W = W - step * (F.T @ G + l2 * W)
        b = b - step * G.sum(axis=0)
    return FitResult(weights=W, bias=b, risk=np.array(history))


def group_errors(predictions, labels, groups) -> np.ndarray:
    """0-1 error of the predictions within each group.

    Parameters
    ----------
    predictions : array-like, shape (n,)
        Predicted classes.
    labels : array-like, shape (n,)
        True classes.
    groups : array-like, shape (n,)
        Group id of each sample (any sortable values).

    Returns
    -------
    ndarray, shape (G,)
        Error rate in each of the G groups, in sorted order of the group ids.
    """
    pred, lab, grp = (np.asarray(a) for a in (predictions, labels, groups))
    if not (pred.shape == lab.shape == grp.shape and pred.ndim == 1):
        raise ValueError(f"predictions, labels and groups must be 1-D of one length; got "
                         f"shapes {pred.shape}, {lab.shape}, {grp.shape}")
    _, codes = np.unique(grp, return_inverse=True)
    return np.bincount(codes, weights=(pred != lab)) / np.bincount(codes)


@renamed_random_state("rng")
def class_subsample(y, counts, random_state=0) -> np.ndarray:
    """Sorted indices of a subsample with ``counts[c]`` random members of each class c.

    Classes in sorted order; a count at least the class size keeps the whole class. A
    subsample with few members of some classes is a *subpopulation shift*: those classes are
    the minority groups at training time and are weighted equally at test time.

    Parameters
    ----------
    y : array-like, shape (n,)
        Class labels.
    counts : array-like of int, shape (C,)
        Members to keep of each class (positive), in sorted order of the classes.
    random_state : int or numpy.random.Generator, default=0
        Draws the members kept (``rng=`` is its deprecated old name).

    Returns
    -------
    ndarray of int, shape (m,)
        Sorted row indices of the subsample.
    """
    y = np.asarray(y)
    classes = np.unique(y)
    counts = np.asarray(counts)
    if counts.shape != classes.shape or counts.dtype.kind not in "iu" or (counts < 1).any():
        raise ValueError(f"counts must hold one positive integer per class ({classes.size} "
                         f"classes), got {counts!r}")
    rng = check_rng(random_state)
    keep = []
    for c, k in zip(classes, counts):
        members = np.flatnonzero(y == c)
        keep.append(members if k >= members.size else rng.choice(members, k, replace=False))
    return np.sort(np.concatenate(keep))


@renamed_random_state("rng")
def flip_labels(labels, fraction: float, random_state=0, *, n_classes: int | None = None):
    """Labels with ``round(fraction * n)`` random entries changed to another random class.

    Parameters
    ----------
    labels : array-like of int, shape (n,)
        Class indices 0..C-1.
    fraction : float in [0, 1]
        Share of the labels flipped.
    random_state : int or numpy.random.Generator, default=0
        Draws which labels flip and to what (``rng=`` is its deprecated old name).
    n_classes : int, optional
        Number of classes C (at least 2); default ``labels.max() + 1``.

    Returns
    -------
    flipped : ndarray of int, shape (n,)
        The new labels; each flipped entry is a class other than its old one, uniformly.
    indices : ndarray of int, shape (round(fraction * n),)
        Sorted indices of the entries that were flipped.
    """
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.dtype.kind not in "iu":
        raise TypeError(f"labels must be a 1-D array of class indices, got {lab.dtype} of "
                        f"shape {lab.shape}")
    fraction = check_float(fraction, "fraction", low=0.0, high=1.0)
    C = int(lab.max()) + 1 if n_classes is None else check_int(n_classes, "n_classes",
                                                               low=int(lab.max()) + 1)
    if C < 2:
        raise ValueError("flipping a label needs at least two classes")
    rng = check_rng(random_state)
    idx = np.sort(rng.choice(lab.size, int(round(fraction * lab.size)), replace=False))
    out = lab.copy()
    out[idx] = (out[idx] + rng.integers(1, C, idx.size)) % C
    return out, idx


# ---------------------------------------------------------------------- interpolation
def min_norm_interpolant(features, targets) -> tuple[np.ndarray, np.ndarray]:
    """The minimum-norm linear fit (W, b) with an unpenalised bias that interpolates.

    Among all (W, b) with ``F W + b = Y`` on every row it has the smallest ||W||_F:
    ``W = (P F)^+ P Y`` with P the centring matrix, ``b = mean(Y - F W)``. This is the limit
    of :func:`~contexture_lab.probe.fit_ridge` as ``alpha -> 0`` for *any* positive sample
    weights: the weighted loss is zero exactly on the interpolants, whatever the weights.

    Parameters
    ----------
    features : array-like, shape (n, p)
        Inputs.
    targets : array-like, shape (n,) or (n, k)
        Values to interpolate.

    Returns
    -------
    weights : ndarray, shape (p,) or (p, k)
        W (one dimension less for 1-d targets).
    bias : float or ndarray, shape (k,)
        b.

    Raises
    ------
    ValueError
        If no linear fit interpolates the targets (e.g. p < n - 1 with generic features).
    """
    F = as_float_array(features, "features", ndim=2)
    Y = as_float_array(targets, "targets", ndim=(1, 2))
    Y2 = Y[:, None] if Y.ndim == 1 else Y
    if Y2.shape[0] != F.shape[0]:
        raise ValueError(f"targets have {Y2.shape[0]} rows; expected {F.shape[0]}")
    Fc, Yc = F - F.mean(axis=0), Y2 - Y2.mean(axis=0)
    W = np.linalg.pinv(Fc) @ Yc
    b = (Y2 - F @ W).mean(axis=0)
    residual = float(np.max(np.abs(F @ W + b - Y2)))
    if residual > 1e-8 * max(1.0, float(np.max(np.abs(Y2)))):
        raise ValueError(f"no linear fit interpolates these targets (largest residual "
                         f"{residual:.3g}); an interpolant needs the centred features to "
                         f"span the centred targets (here {F.shape[1]} features, "
                         f"{F.shape[0]} rows)")
    return (W[:, 0], b[0]) if Y.ndim == 1 else (W, b)
