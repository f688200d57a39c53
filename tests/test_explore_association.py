"""The precomputed association sweep: contents, probe errors and the caches."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.explore import association as ea

KS = [1, 3, 10, 30, 100]


@pytest.fixture(scope="module")
def digits():
    return cl.datasets.load_digits(300, random_state=1)


@pytest.fixture()
def build(digits, tmp_path):
    def _build(**kwargs):
        return ea.build_sweep("knn", KS, X=digits.X, y=digits.y, d=16,
                              d_values=(2, 8, 16), image_features=digits.X,
                              image_shape=(8, 8), n_images=4, cache_dir=tmp_path, **kwargs)
    ea._MEMORY.clear()
    yield _build
    ea._MEMORY.clear()


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
    assert sw.metrics["tau"][i] == pytest.approx(cl.association.tau(ref.singular_values).value)
    # functions as images: E[X mu_i(X)] = sum_x p(x) x mu_i(x)
    img = digits.X.T @ (ctx.p_x * sw.left[i, :, 2])
    np.testing.assert_allclose(sw.images[i, :, 2], img, atol=1e-12)


def test_k1_shatters_and_error_is_high(build):
    sw = build()
    comps = sw.metrics["n_components"]
    assert comps[0] > 20 and comps[-1] == 1
    # s_1 = 1 whenever the support graph is disconnected
    assert sw.singular_values[0, 0] == pytest.approx(1.0)
    assert np.isinf(sw.metrics["tau"][0])  # every s_{d+1} = 1: tau says so
    err = sw.probe_error[:, -1]
    assert err[0] > 0.6 and err.min() < 0.3


def test_memory_and_disk_cache(build, tmp_path):
    first = build()
    assert build() is first  # memory
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    ea._MEMORY.clear()
    again = build()  # disk
    assert again is not first
    for name in ("singular_values", "left", "probe_error", "images", "values", "d_values"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    for name, values in first.metrics.items():
        np.testing.assert_array_equal(again.metrics[name], values)
    assert again.image_shape == (8, 8) and again.knob == "knn"
    # another input is another key
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
    chance = sw.probe_errors(unrelated, d_values=[2, 16])
    assert chance.shape == (5, 2) and np.all(np.abs(chance - 0.5) < 0.1)


def test_correlations_skip_non_finite(build):
    sw = build()
    corr = ea.correlations(sw, d=16)
    ok = np.isfinite(sw.metrics["tau"])
    assert not ok.all()  # k = 1 is a strong extreme
    assert set(corr) == {"decay_rate", "kernel_deviation", "tau", "effective_dimension"}
    for name in corr:
        # Pearson's r written out, over the finite entries only
        keep = np.isfinite(sw.metrics[name])
        m, e = sw.metrics[name][keep], sw.probe_error[keep, -1]
        r = np.sum((m - m.mean()) * (e - e.mean())) / np.sqrt(
            np.sum((m - m.mean()) ** 2) * np.sum((e - e.mean()) ** 2))
        assert corr[name] == pytest.approx(r, abs=1e-12), name
    assert keep.sum() == 5 and (~ok).sum() >= 1


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
