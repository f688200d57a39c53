"""The first-order estimation error c / n of a least-squares probe."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import bounds


def test_constant_of_a_homoscedastic_population_is_d_plus_one_times_sigma2():
    """Four inputs: the feature (1,1,-1,-1) and a residual (1,-1,1,-1) orthogonal to 1 and
    to it, of constant size: c = sigma^2 (d + 1) exactly."""
    phi = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    # two classes whose one-hot targets are a linear function of phi plus that residual
    y = np.array([0, 1, 1, 0])
    onehot = np.eye(2)[y]
    W, b = cl.probe.fit_ridge(phi, onehot, alpha=0.0)
    r = onehot - phi @ W - b
    np.testing.assert_allclose(np.sum(r ** 2, 1), 0.5)          # sigma^2 = 0.5 everywhere
    assert bounds.estimation_constant(phi, y) == pytest.approx(0.5 * 2)
    # invariant to an invertible map of the features
    assert bounds.estimation_constant(3 * phi - 1, y) == pytest.approx(1.0)


def test_leverage_averages_to_the_number_of_columns_and_matches_orthonormal_features():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(50, 4))
    assert bounds.leverage(A).mean() == pytest.approx(5.0)
    Ac = A - A.mean(0)
    Q = np.linalg.qr(Ac)[0] * np.sqrt(50)
    np.testing.assert_allclose(bounds.leverage(Q), 1 + np.sum(Q ** 2, 1), atol=1e-10)
    q = rng.dirichlet(np.ones(50))
    assert q @ bounds.leverage(A, distribution=q) == pytest.approx(5.0)


def test_measured_estimation_error_approaches_c_over_n():
    """Independent computation: the Monte Carlo mean of n * (excess squared error) of least
    squares on a finite population approaches the sandwich constant."""
    rng = np.random.default_rng(1)
    N = 200
    F = rng.normal(size=(N, 3))
    y = (F[:, 0] + rng.normal(size=N) > 0).astype(int) + (F[:, 1] > 0.8)
    curve = bounds.estimation_curve(F, y, [2000], n_repeats=300, random_state=0)
    ratio = curve.mean[0] * 2000 / curve.constant
    assert abs(ratio - 1) < 4 * curve.sem[0] * 2000 / curve.constant + 0.05
    assert curve.rate[0] == pytest.approx(curve.constant / 2000)
    approx = cl.probe.population_probe(F, y, alpha=0.0)[1]
    assert curve.approximation == pytest.approx(approx)
