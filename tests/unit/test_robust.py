"""Robust risks (CVaR, DORO), risk-weighted softmax training, the minimum-norm interpolant."""

import numpy as np
import pytest

from contexture_lab import probe, robust


def rockafellar_uryasev(losses, alpha):
    """CVaR as min over eta of eta + E(l - eta)_+ / alpha (the minimum is at a loss value)."""
    return min(eta + np.mean(np.maximum(losses - eta, 0.0)) / alpha for eta in losses)


@pytest.mark.parametrize("alpha", [0.1, 0.25, 0.3, 0.5, 0.77, 1.0])
def test_cvar_equals_the_rockafellar_uryasev_minimum(alpha):
    losses = np.random.default_rng(3).exponential(size=20)
    assert robust.cvar(losses, alpha) == pytest.approx(rockafellar_uryasev(losses, alpha),
                                                       rel=1e-12)


def test_cvar_of_a_known_loss_vector():
    losses = np.array([4.0, 0.0, 1.0, 3.0, 2.0])          # n = 5
    assert robust.cvar(losses, 0.4) == pytest.approx(3.5)  # mean of the top two
    assert robust.cvar(losses, 0.3) == pytest.approx((4.0 + 0.5 * 3.0) / 1.5)
    assert robust.cvar(losses, 1.0) == pytest.approx(2.0)  # ERM
    assert robust.cvar(losses, 0.2) == pytest.approx(4.0)  # the worst loss


def test_cvar_weights_are_capped_and_ties_share():
    q = robust.cvar_weights([1.0, 5.0, 5.0, 0.0], 0.25)   # one sample's worth, two tied
    np.testing.assert_allclose(q, [0.0, 0.5, 0.5, 0.0])
    q = robust.cvar_weights(np.arange(10.0), 0.35)
    assert q.max() == pytest.approx(1 / 3.5) and q.sum() == pytest.approx(1.0)


def test_doro_removes_the_outliers_then_takes_cvar():
    clean = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
    losses = np.concatenate([clean, [50.0, 80.0]])       # two outliers in ten: eps = 0.2
    q = robust.doro_weights(losses, 0.5, 0.2)
    assert np.all(q[-2:] == 0)
    assert robust.doro(losses, 0.5, 0.2) == pytest.approx(robust.cvar(clean, 0.5))
    assert robust.doro(losses, 0.5, 0.2) == pytest.approx(np.mean([2.5, 3.0, 3.5, 4.0]))
    # CVaR itself is dominated by the two outliers
    assert robust.cvar(losses, 0.2) == pytest.approx(65.0)
    assert robust.doro(losses, 1.0, 0.0) == pytest.approx(losses.mean())


def test_doro_with_a_fractional_outlier_share_against_a_linear_program():
    from scipy.optimize import linprog

    losses = np.random.default_rng(5).normal(size=9) ** 2
    alpha, eps = 0.4, 0.15                  # eps n = 1.35: a fractional outlier
    n = losses.size
    # independent route: the optimal P' fills the smallest losses (caps 1/((1-eps) n));
    # CVaR_alpha under P' is then a linear program in q: max q.l, 0 <= q <= P'/alpha, sum 1
    order = np.argsort(losses)
    p = np.zeros(n)
    left = 1.0
    for i in order:
        p[i] = min(1 / ((1 - eps) * n), left)
        left -= p[i]
    lp = linprog(-losses, A_eq=np.ones((1, n)), b_eq=[1.0],
                 bounds=[(0, pi / alpha) for pi in p])
    assert robust.doro(losses, alpha, eps) == pytest.approx(-lp.fun, rel=1e-9)
    # P' = P (nothing dropped) is feasible too, and gives plain CVaR: never lower
    assert robust.cvar(losses, alpha) > robust.doro(losses, alpha, eps)


def test_risk_weights_reject_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        robust.cvar([1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="eps"):
        robust.doro([1.0, 2.0], 0.5, 1.0)
    with pytest.raises(ValueError, match="risk"):
        robust.risk_weights([1.0], "dro")
    with pytest.raises(ValueError, match="empty"):
        robust.cvar([], 0.5)


def test_fit_softmax_erm_reaches_the_regularised_optimum():
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    F = rng.normal(size=(60, 3))
    labels = (F[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int) + (F[:, 1] > 1)
    fit = robust.fit_softmax(F, labels, l2=0.1, steps=3000, learning_rate=1.0,
                             decay_steps=1e9)

    def objective(theta):
        W, b = theta[:9].reshape(3, 3), theta[9:]
        z = F @ W + b
        z = z - z.max(axis=1, keepdims=True)
        ce = np.log(np.exp(z).sum(axis=1)) - z[np.arange(60), labels]
        return ce.mean() + 0.05 * np.sum(W * W)

    ref = minimize(objective, np.zeros(12), method="BFGS", options={"gtol": 1e-10})
    assert fit.risk[-1] == pytest.approx(ref.fun, abs=1e-8)
    assert np.all(np.diff(fit.risk) <= 1e-12)           # gradient descent on a smooth risk


def test_fit_softmax_cvar_lowers_the_worst_losses_and_doro_ignores_outliers():
    rng = np.random.default_rng(1)
    F = rng.normal(size=(200, 2))
    labels = (F[:, 0] > 0).astype(int)
    labels[:6] = 1 - labels[:6]                           # 3 % flipped
    kw = dict(l2=1e-2, steps=400, learning_rate=1.0)
    erm = robust.fit_softmax(F, labels, **kw)
    cv = robust.fit_softmax(F, labels, risk="cvar", alpha=0.1, **kw)
    do = robust.fit_softmax(F, labels, risk="doro", alpha=0.1, eps=0.03, **kw)
    loss = lambda fit: robust._cross_entropy(F, labels, fit.weights, fit.bias)[0]  # noqa
    assert robust.cvar(loss(cv), 0.1) < robust.cvar(loss(erm), 0.1)
    clean = np.arange(6, 200)
    acc = lambda fit: np.mean(fit.predict(F[clean]) == labels[clean])  # noqa: E731
    assert acc(do) > acc(cv)


def test_group_errors():
    err = robust.group_errors([0, 1, 1, 0], [0, 1, 0, 0], ["b", "a", "b", "b"])
    np.testing.assert_allclose(err, [0.0, 1 / 3])


def test_min_norm_interpolant_is_the_limit_of_weighted_and_unweighted_ridge():
    rng = np.random.default_rng(2)
    F, Y = rng.normal(size=(8, 20)) + 1.0, rng.normal(size=(8, 3))
    W, b = robust.min_norm_interpolant(F, Y)
    np.testing.assert_allclose(F @ W + b, Y, atol=1e-10)
    # minimum norm: W is in the row space of the centred features
    Fc = F - F.mean(axis=0)
    np.testing.assert_allclose(Fc.T @ np.linalg.lstsq(Fc.T, W, rcond=None)[0], W, atol=1e-10)
    w = rng.uniform(0.1, 10.0, size=8)
    for weights in (None, w):
        Wr, br = probe.fit_ridge(F, Y, 1e-9, sample_weight=weights)
        np.testing.assert_allclose(Wr, W, atol=1e-6)
        np.testing.assert_allclose(br, b, atol=1e-6)
    # with fewer features than rows no interpolant exists, and the weights matter
    with pytest.raises(ValueError, match="interpolates"):
        robust.min_norm_interpolant(F[:, :3], Y)
    Wu = probe.fit_ridge(F[:, :3], Y, 1e-9)[0]
    Ww = probe.fit_ridge(F[:, :3], Y, 1e-9, sample_weight=w)[0]
    assert np.abs(Wu - Ww).max() > 1e-2


def test_flip_labels_changes_exactly_the_chosen_fraction():
    y = np.repeat(np.arange(4), 25)
    out, idx = robust.flip_labels(y, 0.08, 0)
    assert idx.size == 8 and np.all(out[idx] != y[idx])
    keep = np.setdiff1d(np.arange(100), idx)
    assert np.all(out[keep] == y[keep]) and out.max() < 4


def test_class_subsample():
    y = np.repeat(np.arange(3), [5, 6, 7])
    sub = robust.class_subsample(y, np.array([10, 2, 3]), 0)
    assert np.bincount(y[sub]).tolist() == [5, 2, 3]
    with pytest.raises(ValueError, match="one positive integer per class"):
        robust.class_subsample(y, np.array([1, 2]), 0)


def test_rng_is_the_deprecated_name_of_random_state():
    y = np.arange(30) % 3
    with pytest.warns(FutureWarning, match="'rng' is renamed 'random_state'"):
        old = robust.flip_labels(y, 0.2, rng=1)
    new = robust.flip_labels(y, 0.2, random_state=1)
    np.testing.assert_array_equal(old[0], new[0])
    np.testing.assert_array_equal(robust.class_subsample(y, np.array([2, 2, 2]), 3),
                                  robust.class_subsample(y, np.array([2, 2, 2]), random_state=3))
