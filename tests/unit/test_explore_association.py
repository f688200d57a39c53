"""The precomputed association sweep: contents, probe errors and the caches."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.explore import association as ea

KS = [1, 3, 10, 30, 100]


@pytest.fixture(scope="module")
def digits():
    return cl.datasets.load_digits(300, random_state=1)


@pytest.fixture
def build(digits, tmp_path):
    def _build(**kwargs):
        return ea.build_sweep("knn", KS, X=digits.X, y=digits.y, d=16,
                              d_values=(2, 8, 16), image_features=digits.X,
                              image_shape=(8, 8), n_images=4, cache_dir=tmp_path, **kwargs)
    ea._MEMORY.clear()
    yield _build
    ea._MEMORY.clear()


@pytest.mark.slow
def test_sweep_contents_match_direct_computation(build, digits):
    sw = build()
    assert sw.parameter == "k" and sw.values.tolist() == KS
    assert sw.singular_values.shape == (5, 16) and sw.left.shape == (5, 300, 16)
    i = sw.index(10)
    ctx = cl.contexts.knn(digits.X, 10)
    ref = cl.contexture(ctx, 16, method="dense")
    np.testing.assert_allclose(sw.singular_values[i], ref.singular_values, atol=1e-8)
    # the probe uses the exact contexture as its encoder
    j = sw.d_index(8)
    expected = cl.probe.probe_error(ref.left[:, :8], digits.y, n_per_class=5)
    assert sw.probe_error[i, j] == pytest.approx(expected, abs=1e-12)
    # metrics and components of that context
    assert sw.metrics["kernel_deviation"][i] == pytest.approx(
        cl.association.kernel_deviation(ctx))
    assert sw.metrics["n_components"][i] == cl.association.n_components(ctx)
    # the measures use d0 = all 299 singular values here (512 where a context has them)
    full = cl.contexture(ctx, 299, method="dense").singular_values
    np.testing.assert_allclose(sw.spectrum[i], full, atol=1e-8)
    assert sw.metrics["tau"][i] == pytest.approx(cl.association.tau(full).value)
    assert sw.metrics["decay_rate"][i] == pytest.approx(cl.association.decay_rate(full))
    # functions as images: E[X mu_i(X)] = sum_x p(x) x mu_i(x)
    img = digits.X.T @ (ctx.p_x * sw.left[i, :, 2])
    np.testing.assert_allclose(sw.images[i, :, 2], img, atol=1e-12)


def test_k1_shatters_and_error_is_high(build):
    sw = build()
    comps = sw.metrics["n_components"]
    assert comps[0] > 20 and comps[-1] == 1
    # s_1 = 1 whenever the support graph is disconnected, exactly components - 1 times
    assert sw.singular_values[0, 0] == pytest.approx(1.0)
    assert np.sum(sw.spectrum[0] > 1 - 1e-9) == comps[0] - 1
    # here fewer than d0 values are 1, so tau is finite: 1 + beta, the label-like extreme
    # (s = 1 for the pieces, about 0 after them)
    assert sw.metrics["tau"][0] == pytest.approx(2.0, abs=1e-6)
    err = sw.probe_error[:, -1]
    assert err[0] > 0.6 and err.min() < 0.3
    # k = 1: d = 16 lies inside the cluster of ones: a mean over bases, with its spread
    assert not sw.unique[0].any() and (sw.probe_spread[0] > 0).all()
    assert sw.in_cluster[0].all() and not sw.in_cluster[-1].any()
    assert sw.unique[-1].all() and (sw.probe_spread[-1] == 0).all()


def test_tau_blows_up_when_the_ones_fill_d0(build):
    sw = build(d0=100)  # 189 pieces at k = 1: s_1..s_100 all equal 1
    assert np.isinf(sw.metrics["tau"][0]) and np.isfinite(sw.metrics["tau"][1:]).all()


@pytest.mark.parametrize("k", [1, 2, 10])
@pytest.mark.slow
def test_top_singular_values_against_the_dense_svd(digits, k):
    # the old name of spectrum.singular_values(method="values"), kept as an alias
    ctx = cl.contexts.knn(digits.X, k)
    ref = cl.contexture(ctx, 299, method="dense", on_degenerate="ignore").singular_values
    np.testing.assert_allclose(ea.top_singular_values(ctx, 299), ref, atol=1e-9)
    np.testing.assert_allclose(ea.top_singular_values(ctx, 40), ref[:40], atol=1e-9)
    dense = cl.contexts.rbf(digits.X[:80], 20.0)
    ref = cl.contexture(dense, 79, method="dense", on_degenerate="ignore").singular_values
    np.testing.assert_allclose(ea.top_singular_values(dense, 79), ref, atol=1e-9)


def _hypercube_sweep(**kwargs):
    # n_bits = 4: s = r (4 times), r^2 (6 times), ...; d = 2 and d = 8 cut clusters
    y = np.arange(16) % 2  # the parity of the last bit
    return ea.build_sweep("hypercube", [0.1, 0.3], n_bits=4, y=y, d=12, d_values=(2, 4, 8),
                          n_per_class=3, cache=False, **kwargs)


def test_nothing_depends_on_the_basis_inside_a_cluster(digits):
    plain = _hypercube_sweep()
    with cl.scrambled(7):
        rotated = _hypercube_sweep()
    assert plain.unique.tolist() == [[False, True, False]] * 2
    for name in ("left", "probe_error", "probe_spread"):
        np.testing.assert_allclose(getattr(rotated, name), getattr(plain, name), atol=1e-9)
    assert (plain.probe_spread[:, [0, 2]] > 0).all() and (plain.probe_spread[:, 1] == 0).all()
    # KNN on digits: the s = 1 eigenspace of the pieces (k = 1, 2)
    kw = dict(X=digits.X, y=digits.y, d=16, d_values=(2, 16), cache=False)
    a = ea.build_sweep("knn", [1, 2, 3], **kw)
    with cl.scrambled(3):
        b = ea.build_sweep("knn", [1, 2, 3], **kw)
    np.testing.assert_allclose(a.left, b.left, atol=1e-9)
    np.testing.assert_allclose(a.probe_error, b.probe_error, atol=1e-12)


def test_seeded_bases_span_the_cluster_and_are_orthonormal():
    sw = _hypercube_sweep()
    ctx = cl.contexts.hypercube(4, 0.3)
    ref = cl.contexture(ctx, 10, method="dense", on_degenerate="ignore").left
    p = ctx.p_x
    mu = sw.left[1]
    np.testing.assert_allclose(mu.T @ (p[:, None] * mu), np.eye(12), atol=1e-10)
    for start, stop in ((0, 4), (4, 10)):  # the same eigenspace as the SVD's
        P_ref = ref[:, start:stop] @ ref[:, start:stop].T
        P_got = mu[:, start:stop] @ mu[:, start:stop].T
        np.testing.assert_allclose(P_got, P_ref, atol=1e-10)
    # the probe at d = 2 is the mean over 5 seeded bases (the first is the one stored)
    spec = ea.top_singular_values(ctx, 15)
    bases, clusters = ea._functions(ctx, spec, 12, 5)
    assert clusters == [(0, 4), (4, 10), (10, 14)] and len(bases) == 5
    np.testing.assert_allclose(bases[0], mu, atol=1e-12)
    errs = [cl.probe.probe_error(B[:, :2], np.arange(16) % 2, n_per_class=3) for B in bases]
    j = sw.d_index(2)
    assert sw.probe_error[1, j] == pytest.approx(np.mean(errs))
    assert sw.probe_spread[1, j] == pytest.approx(np.std(errs, ddof=1))


def test_memory_and_disk_cache(build, tmp_path):
    first = build()
    assert build() is first  # memory
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    ea._MEMORY.clear()
    again = build()  # disk
    assert again is not first
    for name in ("spectrum", "singular_values", "left", "in_cluster", "probe_error",
                 "probe_spread", "unique", "images", "values", "d_values"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    for name, values in first.metrics.items():
        np.testing.assert_array_equal(again.metrics[name], values)
    assert again.image_shape == (8, 8) and again.knob == "knn"
    # another input is another key (the probe's seed; its old name still works, warning)
    with pytest.warns(FutureWarning, match="random_state"):
        build(seed=1)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_cache_false_recomputes(build, tmp_path):
    sw = build(cache=False)
    assert not list(tmp_path.glob("*.npz"))
    assert build(cache=False) is not sw


def test_probe_errors_of_another_task(build, digits):
    sw = build()
    i = sw.index(30)
    # a task read off the first stored function is linearly separable on the top two (the
    # probe's error comes from its 10 labelled points only); labels unrelated to the
    # inputs stay near chance for every k
    readable = (sw.left[i, :, 0] > np.median(sw.left[i, :, 0])).astype(int)
    unrelated = np.random.default_rng(0).permutation(np.arange(300) % 2)
    got = sw.probe_errors(readable, d_values=[2])
    assert got.shape == (5, 1) and got[i, 0] < 0.3        # 10 labelled points per repeat
    # k = 1: d = 2 cuts the cluster of ones, the stored basis is one of many: no number
    assert np.isnan(got[0, 0]) and np.isfinite(got[1:, 0]).all()
    chance = sw.probe_errors(unrelated, d_values=[2, 16])
    finite = np.isfinite(chance)
    assert chance.shape == (5, 2) and finite.sum() >= 5
    assert np.all(np.abs(chance[finite] - 0.5) < 0.1)


def test_correlations_skip_non_finite_and_take_subsets(build):
    sw = build(d0=100)
    corr = ea.correlations(sw, d=16)
    ok = np.isfinite(sw.metrics["tau"])
    assert not ok.all()  # k = 1 is a strong extreme
    assert set(corr) == {"decay_rate", "kernel_deviation", "tau", "effective_dimension"}
    # default target: err_d*, the error at the best d
    best = np.nanmin(sw.probe_error, axis=1)
    np.testing.assert_array_equal(sw.best_error, best)
    r = np.corrcoef(sw.metrics["tau"][ok], best[ok])[0, 1]
    assert ea.correlations(sw)["tau"] == pytest.approx(r)
    # a subset of knob values
    sub = ea.correlations(sw, values=[3, 10, 30, 100])
    m = sw.metrics["kernel_deviation"][1:]
    assert sub["kernel_deviation"] == pytest.approx(np.corrcoef(m, best[1:])[0, 1])
    assert np.isnan(ea.correlations(sw, values=[1, 3])["decay_rate"])  # < 3 points


def test_sweep_without_labels_and_validation(tmp_path):
    sw = ea.build_sweep("hypercube", [0.1, 0.3], n_bits=3, d=7, d_values=(2, 7),
                        cache=False)
    assert np.isnan(sw.probe_error).all() and sw.labels is None and sw.images is None
    np.testing.assert_allclose(sw.singular_values[1, :3], 0.4)
    with pytest.raises(ValueError, match="not on the sweep"):
        sw.index(0.2)
    with pytest.raises(ValueError, match="d_values"):
        sw.d_index(3)
    with pytest.raises(ValueError, match="d_values entry"):
        ea.build_sweep("hypercube", [0.1], n_bits=3, d=4, d_values=(8,), cache=False)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path / "x"))
    assert ea.default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("CONTEXTURE_LAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ea.default_cache_dir() == tmp_path / "contexture_lab"


# ---------------------------------------------------------------------- grid lookup
def test_one_lookup_rule_for_every_grid():
    from contexture_lab.explore import grid_index

    # integer grids exactly, real grids to three significant digits, else a ValueError
    assert grid_index([1.0, 3.0, 1000.0], 1000, name="k") == 2
    with pytest.raises(ValueError, match=r"k=1001 is not on the sweep's grid \[1, 3, 1000\]"):
        grid_index([1.0, 3.0, 1000.0], 1001, name="k")
    temps = np.logspace(-3, 0, 13)
    assert grid_index(temps, 0.0316, name="temperature") == 6
    assert grid_index(temps, 10 ** -1.5, name="temperature") == 6
    with pytest.raises(ValueError, match="temperature=0.03 "):
        grid_index(temps, 0.03, name="temperature")
    with pytest.raises(ValueError, match="not on"):
        grid_index([0.25, 0.5], float("nan"), name="weight")
    with pytest.raises(TypeError, match="real number"):
        grid_index([1, 2], "two", name="k")


def test_support_components_once_per_knob_value(digits, monkeypatch):
    from scipy.sparse import csgraph

    calls = []
    real = csgraph.connected_components
    monkeypatch.setattr(csgraph, "connected_components",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    sw = ea.build_sweep("knn", [1, 3, 10], X=digits.X, y=digits.y, d=8, d_values=(2, 8),
                        n_per_class=3, n_repeats=1, cache=False)
    assert isinstance(sw, cl.explore.Sweep) and len(calls) == 3
