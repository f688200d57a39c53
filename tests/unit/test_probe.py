"""Linear probes and population fits (with importance weighting under a shift), checked
against scikit-learn and closed forms."""

import bad_input_checks as bic
import numpy as np
import pytest
from bad_input_checks import bad_input_tests
from sklearn.linear_model import Ridge

import contexture_lab as cl
from contexture_lab import probe, shift


@pytest.fixture
def task():
    """Three Gaussian classes in 4-D: features (90, 4), labels (90,)."""
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1, 2], 30)
    centres = rng.standard_normal((3, 4)) * 2.0
    F = centres[y] + rng.standard_normal((90, 4))
    return F, y


def test_fit_ridge_matches_sklearn_with_intercept(task):
    F, y = task
    Y = np.eye(3)[y]
    W, b = probe.fit_ridge(F, Y, alpha=0.05)
    ref = Ridge(alpha=0.05 * F.shape[0], fit_intercept=True).fit(F, Y)
    np.testing.assert_allclose(W, ref.coef_.T, atol=1e-10)
    np.testing.assert_allclose(b, ref.intercept_, atol=1e-10)


def test_weighted_ridge_matches_sklearn_sample_weight(task):
    F, y = task
    Y = np.eye(3)[y]
    w = np.random.default_rng(0).uniform(0.1, 3.0, F.shape[0])
    W, b = probe.fit_ridge(F, Y, alpha=0.02, sample_weight=w)
    ref = Ridge(alpha=0.02 * w.sum(), fit_intercept=True).fit(F, Y, sample_weight=w)
    np.testing.assert_allclose(W, ref.coef_.T, atol=1e-9)
    np.testing.assert_allclose(b, ref.intercept_, atol=1e-9)
    # integer weights are the same as repeating rows
    reps = np.arange(F.shape[0]) % 3 + 1
    W2, b2 = probe.fit_ridge(F, Y, alpha=0.0, sample_weight=reps.astype(float))
    W3, b3 = probe.fit_ridge(np.repeat(F, reps, axis=0), np.repeat(Y, reps, axis=0), 0.0)
    np.testing.assert_allclose(W2, W3, atol=1e-9)
    np.testing.assert_allclose(b2, b3, atol=1e-9)


def test_linear_probe_one_repeat_against_sklearn(task):
    F, y = task
    res = probe.linear_probe(F, y, 12, d=3, n_repeats=1, random_state=5, alpha=0.01)
    # the documented protocol: n i.i.d. uniform draws from Generator(seed).choice
    draw = np.random.default_rng(5).choice(90, size=12, replace=True, p=np.full(90, 1 / 90))
    ref = Ridge(alpha=0.01 * 12).fit(F[draw, :3], np.eye(3)[y[draw]])
    out_all = ref.predict(F[:, :3])
    assert res.test_error[0] == pytest.approx(np.mean(out_all.argmax(1) != y), abs=1e-12)
    assert res.train_error[0] == pytest.approx(np.mean(out_all[draw].argmax(1) != y[draw]))
    assert res.test_mse[0] == pytest.approx(np.mean(np.sum((np.eye(3)[y] - out_all) ** 2, 1)))
    assert res.n == 12 and res.d == 3 and res.effective_n[0] == pytest.approx(12.0)


def test_probe_weight_norm_and_design_eigenvalue_against_sklearn_and_numpy(task):
    F, y = task
    q = shift.shift_by_class(y, [0.7, 0.2, 0.1], 0.8)
    for weighted in (False, True):
        res = probe.linear_probe(F, y, 25, n_repeats=1, random_state=9, alpha=0.01,
                                 test_distribution=q, importance_weighted=weighted)
        draw = np.random.default_rng(9).choice(90, size=25, replace=True, p=np.full(90, 1 / 90))
        w = q[draw] * 90 if weighted else np.ones(25)
        ref = Ridge(alpha=0.01 * w.sum()).fit(F[draw], np.eye(3)[y[draw]], sample_weight=w)
        assert res.weight_norm[0] == pytest.approx(np.linalg.norm(ref.coef_), rel=1e-9)
        cov = np.cov(F[draw].T, aweights=w, bias=True)
        assert res.min_eigenvalue[0] == pytest.approx(np.linalg.eigvalsh(cov)[0], rel=1e-9)


def test_design_eigenvalue_vanishes_once_d_reaches_the_distinct_draws():
    rng = np.random.default_rng(4)
    F, y = rng.normal(size=(200, 30)), rng.integers(0, 3, 200)
    # 12 draws (at most 12 distinct rows) span at most 11 centred directions of d >= 12
    for d in (12, 30):
        res = probe.linear_probe(F, y, 12, d=d, n_repeats=4, random_state=3)
        assert np.all(res.min_eigenvalue < 1e-12)
    # many more draws than features: the covariance is close to the identity
    many = probe.linear_probe(F, y, 150, d=5, n_repeats=4, random_state=3)
    assert np.all(many.min_eigenvalue > 0.3)

def test_probe_result_statistics(task):
    F, y = task
    res = probe.linear_probe(F, y, 20, n_repeats=6, random_state=1)
    assert res.test_error.shape == (6,)
    # each repeat independently: the documented draws (one Generator(seed), in turn) and
    # sklearn's ridge; the summaries are the mean and the ddof=0 spread of those
    rng = np.random.default_rng(1)
    test_err, train_err, test_mse = [], [], []
    for _ in range(6):
        draw = rng.choice(90, size=20, replace=True, p=np.full(90, 1 / 90))
        out = Ridge(alpha=1e-3 * 20).fit(F[draw], np.eye(3)[y[draw]]).predict(F)
        test_err.append(np.mean(out.argmax(1) != y))
        train_err.append(np.mean(out[draw].argmax(1) != y[draw]))
        test_mse.append(np.mean(np.sum((np.eye(3)[y] - out) ** 2, axis=1)))
    assert res.test_error_mean == pytest.approx(np.mean(test_err), abs=1e-12)
    assert res.test_error_std == pytest.approx(np.std(test_err), abs=1e-12)
    assert res.train_error_mean == pytest.approx(np.mean(train_err), abs=1e-12)
    assert res.test_mse_mean == pytest.approx(np.mean(test_mse), rel=1e-9)
    # different label draws give different errors; the same seed gives the same ones
    assert res.test_mse_std > 0
    again = probe.linear_probe(F, y, 20, n_repeats=6, random_state=1)
    np.testing.assert_array_equal(res.test_mse, again.test_mse)


def test_perfect_features_have_zero_error():
    y = np.repeat(np.arange(4), 10)
    onehot = np.eye(4)[y]
    assert probe.population_probe(onehot[:, :3], y, alpha=0.0) == pytest.approx((0.0, 0.0),
                                                                                  abs=1e-20)
    res = probe.linear_probe(onehot[:, :3], y, 200, n_repeats=3, alpha=1e-8)
    np.testing.assert_allclose(res.test_error, 0.0)


def test_population_probe_is_weighted_least_squares_and_pythagoras(task):
    F, y = task
    Y = np.eye(3)[y]
    q = np.random.default_rng(2).uniform(0.2, 1.0, 90)
    q /= q.sum()
    err, mse = probe.population_probe(F, y, distribution=q, alpha=0.0)
    Z = np.c_[F, np.ones(90)] * np.sqrt(q)[:, None]
    coef = np.linalg.lstsq(Z, Y * np.sqrt(q)[:, None], rcond=None)[0]
    out = np.c_[F, np.ones(90)] @ coef
    assert mse == pytest.approx(q @ np.sum((Y - out) ** 2, 1), abs=1e-12)
    assert err == pytest.approx(q @ (out.argmax(1) != y), abs=1e-12)
    # any other probe: its squared error = population + ||difference of the two probes||^2
    W, b = probe.fit_ridge(F[:15], Y[:15], alpha=0.1)
    other = F @ W + b
    assert q @ np.sum((Y - other) ** 2, 1) == pytest.approx(
        mse + q @ np.sum((other - out) ** 2, 1), abs=1e-10)


def test_population_error_nonincreasing_in_d():
    digits = cl.datasets.load_digits(300)
    res = cl.contexture(cl.contexts.knn(digits.X, 8), 20)
    mses = [probe.population_probe(res, digits.y, d=d, alpha=0.0)[1] for d in range(1, 21)]
    assert np.all(np.diff(mses) <= 1e-12) and mses[-1] < 0.6 * mses[0]


def test_shift_of_size_zero_equals_unshifted(task):
    F, y = task
    base = probe.linear_probe(F, y, 15, n_repeats=4, random_state=2)
    ink = F[:, 0]
    for q in (shift.shift_by_feature(ink, 0.0), shift.shift_by_class(y, [0.6, 0.3, 0.1], 0.0)):
        np.testing.assert_allclose(q, np.full(90, 1 / 90), atol=1e-15)
        shifted = probe.linear_probe(F, y, 15, n_repeats=4, random_state=2, test_distribution=q,
                                     importance_weighted=True)
        np.testing.assert_allclose(shifted.test_error, base.test_error, atol=1e-12)
        np.testing.assert_allclose(shifted.test_mse, base.test_mse, atol=1e-10)


def test_importance_weighted_probe_matches_sklearn(task):
    F, y = task
    q = shift.shift_by_class(y, [0.7, 0.2, 0.1], 0.8)
    res = probe.linear_probe(F, y, 25, n_repeats=1, random_state=9, alpha=0.01,
                             test_distribution=q, importance_weighted=True)
    draw = np.random.default_rng(9).choice(90, size=25, replace=True, p=np.full(90, 1 / 90))
    w = q[draw] * 90
    ref = Ridge(alpha=0.01 * w.sum()).fit(F[draw], np.eye(3)[y[draw]], sample_weight=w)
    pred = ref.predict(F).argmax(1)
    assert res.test_error[0] == pytest.approx(q @ (pred != y), abs=1e-12)
    assert res.effective_n[0] == pytest.approx(w.sum() ** 2 / np.sum(w ** 2))


def test_importance_weighting_removes_the_bias_of_a_misspecified_probe():
    # y depends on x^2 but the probe is linear in x: the best head depends on p(x)
    x = np.linspace(-1, 1, 41)
    y = (x ** 2 > 0.3).astype(int)
    F = x[:, None]
    q = shift.shift_by_feature(x, 2.5)
    target = probe.population_probe(F, y, distribution=q, alpha=0.0)[1]
    plain = probe.linear_probe(F, y, 4000, n_repeats=3, test_distribution=q, alpha=0.0)
    weighted = probe.linear_probe(F, y, 4000, n_repeats=3, test_distribution=q, alpha=0.0,
                                  importance_weighted=True)
    assert weighted.test_mse_mean - target < 0.1 * (plain.test_mse_mean - target)


def test_near_ties_are_decided_as_exact_arithmetic_decides_them():
    rng = np.random.default_rng(0)
    exact = rng.integers(0, 3, size=(200, 4)).astype(float) / 3   # many exact ties per row
    noisy = exact + rng.normal(scale=1e-14, size=exact.shape)   # rounding-level noise
    # numpy's argmax on the exact scores: the lowest index among each row's maxima
    assert np.array_equal(probe.predict_classes(noisy), np.argmax(exact, axis=1))
    assert np.array_equal(probe.predict_classes(exact), np.argmax(exact, axis=1))
    assert not np.array_equal(np.argmax(noisy, axis=1), np.argmax(exact, axis=1))  # before
    # clear winners are untouched
    assert probe.predict_classes([[1.0, 3.0, 2.0], [5e-9, 0.0, 2e-9]]).tolist() == [1, 0]
    with pytest.raises(ValueError, match="at least one class"):
        probe.predict_classes(np.zeros((2, 0)))


def test_bad_inputs_raise_clear_errors(task):
    F, y = task
    with pytest.raises(ValueError, match="d must be <= 4"):
        probe.linear_probe(F, y, 10, d=5)
    with pytest.raises(ValueError, match="n must be >= 2"):
        probe.linear_probe(F, y, 1)
    with pytest.raises(ValueError, match="one label per row"):
        probe.linear_probe(F, y[:-1], 10)
    with pytest.raises(ValueError, match="expected 90, one probability per input"):
        probe.linear_probe(F, y, 10, test_distribution=np.full(10, 0.1))
    with pytest.raises(ValueError, match="sums to"):
        probe.linear_probe(F, y, 10, train_distribution=np.full(90, 0.5))
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        probe.fit_ridge(F, y, sample_weight=-np.ones(90))
    with pytest.raises(ValueError, match="targets have 89 rows"):
        probe.fit_ridge(F, y[:-1])
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        probe.fit_ridge(F, y, alpha=-1.0)


def test_probe_error_against_an_independent_split(task):
    F, y = task
    got = probe.probe_error(F, y, n_per_class=4, n_repeats=2, random_state=0)
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(2):
        train = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), 4, replace=False)
                                        for c in range(3)]))
        test = np.setdiff1d(np.arange(90), train)
        ref = Ridge(alpha=1e-3 * train.size).fit(F[train], np.eye(3)[y[train]])
        errors.append(np.mean(ref.predict(F[test]).argmax(1) != y[test]))
    assert got == pytest.approx(np.mean(errors), abs=1e-12)
    per_draw = probe.probe_errors(F, y, n_per_class=4, n_repeats=2, random_state=0)
    np.testing.assert_allclose(per_draw, errors, atol=1e-12)


def test_probe_errors_draw_the_same_labels_for_any_features(task):
    # the draws depend on y and random_state only: a probe on F and one on a column subset
    # see the same labelled points, so draw i of one pairs with draw i of the other
    F, y = task
    rng = np.random.default_rng(3)
    wide = probe.probe_errors(F, y, n_per_class=4, n_repeats=3, random_state=rng)
    narrow = probe.probe_errors(F[:, :1], y, n_per_class=4, n_repeats=3, random_state=3)
    rng = np.random.default_rng(3)
    for j in range(3):
        train, test = probe.balanced_split(y, 4, rng)
        ref = Ridge(alpha=1e-3 * train.size).fit(F[train, :1], np.eye(3)[y[train]])
        assert narrow[j] == pytest.approx(np.mean(ref.predict(F[test, :1]).argmax(1)
                                                  != y[test]), abs=1e-12)
    assert wide.shape == (3,)


def test_a_contexture_cut_inside_a_cluster_warns():
    # hypercube {0,1}^4, flip 0.1: s = 0.8 four times (order 1), then 0.64 six times
    cube = cl.contexts.hypercube(4, 0.1)
    res = cl.contexture(cube, 10)
    y = cube.x_features[:, 0]
    with pytest.warns(cl.DegenerateSpanWarning, match="s_2 = s_3"):
        probe.population_probe(res, y, d=2)
    with pytest.warns(cl.DegenerateSpanWarning, match="Use d = 4"):
        probe.linear_probe(res, y, 8, d=6, n_repeats=1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # d = 4 ends the first order; the task (the first bit) lies in it: zero error
        assert probe.population_probe(res, y, d=4, alpha=0.0) == pytest.approx((0.0, 0.0),
                                                                               abs=1e-20)
        probe.linear_probe(res.left, y, 8, d=2, n_repeats=1)     # plain arrays: no check


# ---------------------------------------------------------------------- ridge_r2
def test_ridge_r2_against_sklearn_on_the_same_splits():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(40, 3)) * [1.0, 5.0, 0.2]
    y = F @ [1.0, -0.3, 2.0] + 0.5 * rng.normal(size=40)
    mean, std = probe.ridge_r2(F, y, 25, n_repeats=4, alpha=0.5, random_state=7)
    splits = np.random.default_rng(7)
    scores = []
    for _ in range(4):
        order = splits.permutation(40)
        tr, te = order[:25], order[25:]
        mu, sd = F[tr].mean(0), F[tr].std(0)
        model = Ridge(alpha=0.5 * 25).fit((F[tr] - mu) / sd, y[tr])
        scores.append(model.score((F[te] - mu) / sd, y[te]))
    assert mean == pytest.approx(np.mean(scores), rel=1e-8)
    assert std == pytest.approx(np.std(scores), rel=1e-6)


def test_ridge_r2_seed_alias_and_bad_input():
    rng = np.random.default_rng(0)
    F, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = probe.ridge_r2(F, y, 10, seed=1)
    assert old == probe.ridge_r2(F, y, 10, random_state=1)
    with pytest.raises(ValueError, match="n_train must be <= 18"):
        probe.ridge_r2(F, y, 19)
    with pytest.raises(ValueError, match=r"targets has shape \(19,\)"):
        probe.ridge_r2(F, y[:19], 5)


def test_seed_and_rng_still_work_with_a_future_warning(task):
    F, y = task
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = probe.linear_probe(F, y, 12, n_repeats=2, seed=4)
    new = probe.linear_probe(F, y, 12, n_repeats=2, random_state=4)
    np.testing.assert_array_equal(old.test_error, new.test_error)
    with pytest.warns(FutureWarning, match="'seed' is renamed"):
        assert probe.probe_error(F, y, seed=1) == probe.probe_error(F, y, random_state=1)
    with pytest.warns(FutureWarning, match="'rng' is renamed"):
        old = probe.balanced_split(y, 3, rng=np.random.default_rng(2))
    new = probe.balanced_split(y, 3, np.random.default_rng(2))     # positional, as before
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="got both 'seed' and 'random_state'"):
        probe.probe_error(F, y, seed=1, random_state=1)


def test_shift_names_are_still_served_here():
    for name in ("importance_weights", "effective_sample_size", "total_variation",
                 "shift_by_class", "shift_by_feature", "shifted_context"):
        assert getattr(probe, name) is getattr(shift, name)


# ---------------------------------------------------------------------- bad input (tables)
_F, _Y = bic.F40, bic.Y40
BAD_INPUT = [
    ("fit_ridge complex", lambda: probe.fit_ridge(_F + 0j, _Y), TypeError, "complex"),
    ("fit_ridge overflow", lambda: probe.fit_ridge(_F * 1e200, _Y), ValueError, "overflow"),
    ("fit_ridge no rows", lambda: probe.fit_ridge(_F[:0], _Y[:0]), ValueError, "no rows"),
    ("probe_error overflow", lambda: probe.probe_error(_F * 1e200, _Y, n_per_class=3),
     ValueError, "overflow"),
    ("balanced_split empty", lambda: probe.balanced_split(np.zeros(0, int), 2), ValueError,
     "y is empty"),
    ("linear_probe importance weights all zero on the draw", lambda: probe.linear_probe(
        _F[:20], _Y[:20], 2, test_distribution=np.eye(20)[0], importance_weighted=True),
     ValueError, "every importance weight q\\(x\\)/p\\(x\\) is 0"),
]
COMMON = {
    "fit_ridge": lambda a: probe.fit_ridge(a(bic.F20), bic.Y20),
    "probe_error": lambda a: probe.probe_error(a(bic.F20), bic.Y20, n_per_class=3),
    "linear_probe": lambda a: probe.linear_probe(a(bic.F20), bic.Y20, 10),
    "population_probe": lambda a: probe.population_probe(a(bic.F20), bic.Y20),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)
