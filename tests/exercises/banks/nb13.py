"""Notebook 13's exercises: the common mistakes each must reject (WRONG), and the references
held against the package's measure benchmark (CHECKS)."""

import numpy as np
import pytest

from contexture_lab import exercises as ex
from contexture_lab import measure_benchmark as mb


def true_distance_solution_agrees_with_the_package():
    rng = np.random.default_rng(0)
    F, mu = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    mu = mu - mu.mean(axis=0)
    assert ex.solution("13.true_distance")(F, mu) == pytest.approx(
        mb.true_distance(F, mu, np.full(30, 1 / 30)), abs=1e-12)


def calibrate_solution_agrees_with_the_package():
    null = np.array([0.2, 0.3, 0.4])
    assert ex.solution("13.calibrate")(0.65, null) == pytest.approx(mb.calibrate(0.65, 0.3))


def _basis(M):
    Q, _ = np.linalg.qr(M)
    return Q


WRONG = [
    ("13.true_distance",                      # no orthonormalisation, no centring
     lambda F, mu: float(1 - np.sum(np.clip(np.linalg.svd(
         (mu / np.linalg.norm(mu, axis=0)).T @ (F / np.linalg.norm(F, axis=0)),
         compute_uv=False), 0, 1) ** 2) / mu.shape[1]), "orthonormal"),
    ("13.true_distance",
     lambda F, mu: 1 - ex.solution("13.true_distance")(F, mu), "1 minus"),
    ("13.true_distance",                      # orthonormal but not centred
     lambda F, mu: float(1 - np.sum(np.linalg.svd(_basis(mu).T @ _basis(F),
                                                  compute_uv=False) ** 2) / mu.shape[1]),
     "expected"),
    ("13.calibrate", lambda s, null: s - np.mean(null), "excess"),
    ("13.calibrate", lambda s, null: (s - np.mean(null)) / np.std(null, ddof=1), "z-score"),
    ("13.calibrate", lambda s, null: (s - np.quantile(null, 0.95)) /
     (1 - np.quantile(null, 0.95)), "expected"),
]


CHECKS = [true_distance_solution_agrees_with_the_package,
          calibrate_solution_agrees_with_the_package]
