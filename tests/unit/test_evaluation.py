"""evaluate_contexts: the protocol of [ICML] Table 1 on a user's (X, y)."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

import contexture_lab as cl
from contexture_lab import evaluation as E


def _blobs(n_per=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.vstack([c + rng.normal(size=(n_per, 2)) for c in centres])
    return X, np.repeat([0, 1, 2], n_per)


def test_probe_errors_match_scikit_learns_ridge():
    rng = np.random.default_rng(1)
    F = rng.normal(size=(40, 6))
    y = rng.integers(0, 3, size=40)
    splits = [(np.arange(30), np.arange(30, 40)), (np.arange(10, 40), np.arange(10))]
    got = E.probe_errors(F, y, splits, [2, 6], alpha=0.1)
    onehot = np.eye(3)[y]
    for i, (train, test) in enumerate(splits):
        for j, d in enumerate([2, 6]):
            model = Ridge(alpha=0.1 * train.size).fit(F[train, :d], onehot[train])
            want = np.mean(np.argmax(model.predict(F[test, :d]), axis=1) != y[test])
            assert got[i, j] == pytest.approx(want)


def test_a_label_context_is_a_strong_extreme_with_zero_error():
    X, y = _blobs()
    ctx = cl.contexts.label(y, x_features=X)
    ev = E.evaluate_contexts([ctx], y, ds=(1, 2, 4), n_splits=3)
    score = ev.scores[0]
    np.testing.assert_allclose(score.singular_values, [1.0, 1.0])
    assert np.isinf(score.tau) and score.tau_d == -1
    np.testing.assert_array_equal(score.err[1:], 0.0)     # mu_1, mu_2 span the classes
    assert score.err_star == 0.0 and score.best_d == 2 and score.err_star_std == 0.0
    # d = 1 keeps one function of the cluster s_1 = s_2 = 1
    np.testing.assert_array_equal(score.split, [True, False, False])


def test_a_d_inside_a_cluster_gets_the_mean_over_seeded_subspaces():
    # a cycle's functions come in pairs (cos, sin) of one frequency: d = 1 and d = 3 cut a
    # pair, and a probe of three arcs on one function of a pair depends on its phase
    n = 30
    ctx, y = cl.contexts.cycle(n, 0.3), np.arange(n) * 3 // n
    splits = E._splits(y, 3, 0.2, np.random.default_rng(0))
    raw = []
    for seed in (1, 2):
        with cl.scrambled(seed):
            _, left = E.gram_spectrum(ctx, 4)
            score = E.evaluate_contexts([ctx], y, ds=(1, 2, 3), n_splits=3).scores[0]
        raw.append(E.probe_errors(left, y, splits, [1]))
        np.testing.assert_array_equal(score.split, [True, False, True])
        if seed == 1:
            first = score.errors
        np.testing.assert_allclose(score.errors, first, atol=1e-12)
    assert not np.allclose(raw[0], raw[1])    # the solver's basis alone would move it


def test_the_spectrum_and_tau_of_a_cycle_are_the_closed_forms():
    n, p = 12, 0.3
    ctx = cl.contexts.cycle(n, p)
    y = np.arange(n) % 3
    ev = E.evaluate_contexts([ctx], y, ds=(1, 2), n_splits=2, test_fraction=0.25)
    j = np.arange(1, n)
    want = np.sort(np.abs(1 - p + p * np.cos(2 * np.pi * j / n)))[::-1][:11]
    np.testing.assert_allclose(ev.scores[0].singular_values, want, atol=1e-12)
    s2 = want ** 2
    tau_d = 1 / (1 - s2[1:]) + np.cumsum(s2[:-1]) / s2.sum()
    assert ev.scores[0].tau == pytest.approx(tau_d.min())


def test_the_splits_are_stratified_and_shared_by_the_contexts():
    X, y = _blobs()
    ctxs = [cl.contexts.knn(X, 5), cl.contexts.rbf(X, 1.0),
            cl.contexts.masked(X, "rbf", bandwidth=1.0, rate=0.5, n_masks=2)]
    ev = E.evaluate_contexts(ctxs, y, ds=(1, 2, 4, 8, 64), n_splits=4, random_state=3)
    assert ev.settings["ds"] == [1, 2, 4, 8]        # 64 > n_train - 2 is dropped
    for score in ev.scores:
        assert score.errors.shape == (4, 4)
        assert 0.0 <= score.err_star <= score.err.max() <= 1.0
    for train, test in E._splits(y, 4, 0.2, np.random.default_rng(3)):
        assert np.bincount(y[test]).tolist() == [4, 4, 4]
        assert np.intersect1d(train, test).size == 0 and train.size + test.size == y.size
    # separated blobs: the probe on a few functions of a local context is nearly perfect
    assert ev.scores[0].err_star <= 0.05


def test_correlate_pearson_and_distance_correlation():
    def score(t, e):
        return E.ContextScore("c", np.ones(2), t, 1, 0.0, 0.0, np.nan, np.array([1]),
                              np.array([[e]]))
    ev = E.Evaluation(tuple(score(t, e) for t, e in
                            [(1.0, 0.1), (2.0, 0.2), (3.0, 0.3), (4.0, 0.4), (np.inf, 0.9)]),
                      {})
    out = E.correlate(ev)
    assert out["pearson"] == pytest.approx(1.0)
    assert out["distance_correlation"] == pytest.approx(1.0)
    assert out["n"] == 4 and out["left_out"] == 1
    row = ev.table()[0]
    assert row["err_star"] == pytest.approx(0.1) and row["best_d"] == 1.0


def test_bad_input():
    X, y = _blobs()
    with pytest.raises(ValueError, match="contexts is empty"):
        E.evaluate_contexts([], y)
    with pytest.raises(TypeError, match=r"contexts\[0\] is a ndarray"):
        E.evaluate_contexts([X], y)
    with pytest.raises(ValueError, match=r"y has shape \(59,\)"):
        E.evaluate_contexts([cl.contexts.knn(X, 3)], y[:-1])
    with pytest.raises(ValueError, match=r"contexts\[1\] has 30 inputs"):
        E.evaluate_contexts([cl.contexts.knn(X, 3), cl.contexts.knn(X[:30], 3)], y)


def test_gram_spectrum_equals_the_contexture():
    X, _ = _blobs(8)
    for ctx in (cl.contexts.knn(X, 3), cl.contexts.rbf(X, 1.5)):
        s, left = E.gram_spectrum(ctx, 6)
        res = cl.contexture(ctx, 6)
        np.testing.assert_allclose(s, res.singular_values, atol=1e-10)
        # the same span (a basis inside a cluster of equal values may differ)
        assert res.gap > 1e-6
        w = ctx.p_x[:, None]
        np.testing.assert_allclose(left @ (left * w).T, res.left @ (res.left * w).T, atol=1e-8)
        np.testing.assert_allclose((left * ctx.p_x[:, None]).T @ left, np.eye(6), atol=1e-10)
