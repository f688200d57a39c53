"""Linear probes: how well a representation serves a downstream task."""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_float, check_int, check_rng


def balanced_split(y, n_per_class: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): ``n_per_class`` random labelled points per class, rest test."""
    y = np.asarray(y)
    rng = check_rng(rng)
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


def fit_ridge(features, targets, alpha: float = 1e-3):
    """Ridge regression with an unpenalised bias: returns (weights (p, k), bias (k,))."""
    F = as_float_array(features, "features", ndim=2)
    Y = as_float_array(targets, "targets", ndim=(1, 2))
    Y = Y[:, None] if Y.ndim == 1 else Y
    alpha = check_float(alpha, "alpha", low=0.0)
    mu_f, mu_y = F.mean(axis=0), Y.mean(axis=0)
    Fc, Yc = F - mu_f, Y - mu_y
    A = Fc.T @ Fc + alpha * F.shape[0] * np.eye(F.shape[1])
    W = np.linalg.lstsq(A, Fc.T @ Yc, rcond=None)[0]
    return W, mu_y - mu_f @ W


def probe_error(features, y, *, n_per_class: int = 5, alpha: float = 1e-3,
                n_repeats: int = 5, seed: int = 0) -> float:
    """Mean test classification error of a ridge probe on one-hot labels.

    Each repeat draws ``n_per_class`` labelled points per class (seeded), fits ridge
    regression with a bias to one-hot targets and classifies the remaining points by
    arg-max. Returns the error averaged over ``n_repeats``.
    """
    F = as_float_array(features, "features", ndim=2)
    y = np.asarray(y)
    if y.shape != (F.shape[0],):
        raise ValueError(f"y has shape {y.shape}; expected ({F.shape[0]},), one label per row")
    classes, codes = np.unique(y, return_inverse=True)
    onehot = np.eye(classes.size)[codes]
    rng = check_rng(seed)
    errors = []
    for _ in range(check_int(n_repeats, "n_repeats", low=1)):
        train, test = balanced_split(codes, n_per_class, rng)
        W, b = fit_ridge(F[train], onehot[train], alpha)
        errors.append(np.mean(np.argmax(F[test] @ W + b, axis=1) != codes[test]))
    return float(np.mean(errors))
