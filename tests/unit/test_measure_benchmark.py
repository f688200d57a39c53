"""contexture_lab.measure_benchmark: the added measures against direct computations, the exact
distance against closed forms, the benchmark's bookkeeping and the small-n bias values."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import measure_benchmark as mb


def _song_hsic(K, L):
    """Unbiased HSIC, the explicit formula of Song et al. (2012, eq. 5), diagonals zeroed."""
    n = K.shape[0]
    K, L = K.copy(), L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    one = np.ones(n)
    term = (np.trace(K @ L) + (one @ K @ one) * (one @ L @ one) / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * (one @ K @ L @ one))
    return term / (n * (n - 3))


def _neighbours_loop(F, k):
    """Each row's k most cosine-similar other rows, by a plain sort."""
    Fn = F / np.linalg.norm(F, axis=1, keepdims=True)
    out = []
    for i in range(F.shape[0]):
        sims = [(-(Fn[i] @ Fn[j]), j) for j in range(F.shape[0]) if j != i]
        out.append({j for _, j in sorted(sims)[:k]})
    return out


def _cknna_direct(F, G, k):
    n = F.shape[0]
    Fn = F / np.linalg.norm(F, axis=1, keepdims=True)
    Gn = G / np.linalg.norm(G, axis=1, keepdims=True)
    K, L = Fn @ Fn.T, Gn @ Gn.T
    nf, ng = _neighbours_loop(F, k), _neighbours_loop(G, k)
    mk = np.array([[j in nf[i] for j in range(n)] for i in range(n)], dtype=float)
    ml = np.array([[j in ng[i] for j in range(n)] for i in range(n)], dtype=float)
    both = mk * ml
    return _song_hsic(K * both, L * both) / np.sqrt(_song_hsic(K * mk, K * mk)
                                                    * _song_hsic(L * ml, L * ml))


def _pwcca_direct(X, Y):
    """PWCCA through the covariance eigenproblem (the textbook CCA), X the narrower side."""
    X = X - X.mean(axis=0)
    Y = Y - Y.mean(axis=0)
    Sxx, Syy, Sxy = X.T @ X, Y.T @ Y, X.T @ Y
    M = np.linalg.solve(Sxx, Sxy) @ np.linalg.solve(Syy, Sxy.T)
    vals, vecs = np.linalg.eig(M)
    vals, vecs = vals.real, vecs.real
    rho = np.sqrt(np.clip(vals, 0, 1))
    num = den = 0.0
    for i in range(X.shape[1]):
        h = X @ vecs[:, i]
        h /= np.linalg.norm(h)
        w = sum(abs(h @ X[:, j]) for j in range(X.shape[1]))
        num += w * rho[i]
        den += w
    return num / den


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(40, 3))
    G = np.hstack([F @ rng.normal(size=(3, 3)), rng.normal(size=(40, 2))]) \
        + 0.8 * rng.normal(size=(40, 5))
    return F, G


def test_pwcca_matches_the_covariance_eigenproblem(pair):
    F, G = pair
    assert mb.pwcca(F, G) == pytest.approx(_pwcca_direct(F, G), rel=1e-9)
    # the narrower side carries the weights whichever side it is on
    assert mb.pwcca(G, F) == pytest.approx(_pwcca_direct(F, G), rel=1e-9)


def test_pwcca_is_one_on_the_same_span_and_not_linear_invariant(pair):
    F, _ = pair
    assert mb.pwcca(F, 5.0 * F + 1.0) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    noise = rng.normal(size=F.shape)
    A = np.diag([1.0, 10.0, 100.0])
    # a different weighting of the same canonical correlations
    assert mb.pwcca(F @ A, F + noise) != pytest.approx(mb.pwcca(F, F + noise), abs=1e-3)


def test_cknna_matches_a_direct_loop_with_songs_formula(pair):
    F, G = pair
    assert mb.cknna(F, G, k=6) == pytest.approx(_cknna_direct(F, G, 6), rel=1e-9)


def test_cknna_is_one_on_itself_and_rejects_tiny_samples(pair):
    F, _ = pair
    assert mb.cknna(F, 3.0 * F, k=5) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 4 rows"):
        mb.cknna(F[:3], F[:3], k=1)


def test_the_lab_debiased_cka_is_songs_unbiased_hsic(pair):
    F, G = pair
    X, Y = F - F.mean(axis=0), G - G.mean(axis=0)
    K, L = X @ X.T, Y @ Y.T
    expected = _song_hsic(K, L) / np.sqrt(_song_hsic(K, K) * _song_hsic(L, L))
    assert cl.alignment.linear_cka(F, G, debiased=True) == pytest.approx(expected, rel=1e-9)


def test_true_distance_is_sin_squared_of_the_controlled_angle():
    rng = np.random.default_rng(1)
    N = 50
    p_x = rng.dirichlet(np.ones(N))
    B = rng.normal(size=(N, 4))
    B -= p_x @ B
    Q, _ = np.linalg.qr(np.sqrt(p_x)[:, None] * B)
    basis = Q / np.sqrt(p_x)[:, None]          # orthonormal, mean 0 in L2(p_x)
    mu, low = basis[:, :2], basis[:, 2:]
    for deg in (0, 20, 55, 90):
        t = np.deg2rad(deg)
        F = np.cos(t) * mu + np.sin(t) * low
        assert mb.true_distance(F, mu, p_x) == pytest.approx(np.sin(t) ** 2, abs=1e-12)
    A = rng.normal(size=(2, 2)) + 3 * np.eye(2)
    assert mb.true_distance(mu @ A + 5.0, mu, p_x) == pytest.approx(0.0, abs=1e-12)
    assert mb.true_distance(mu[:, :1], mu, p_x) == pytest.approx(0.5, abs=1e-12)


def test_calibrate_is_zero_at_the_null_mean_and_one_at_the_top():
    assert mb.calibrate(0.3, 0.3) == 0.0
    assert mb.calibrate(1.0, 0.3) == pytest.approx(1.0)
    assert mb.calibrate(0.65, 0.3) == pytest.approx(0.5)


def test_benchmark_on_all_rows_gives_cca_exactly_one_minus_the_distance():
    rng = np.random.default_rng(2)
    N = 60
    basis, _ = np.linalg.qr(rng.normal(size=(N, 4)) - 0.0)
    basis = basis - basis.mean(axis=0)
    basis, _ = np.linalg.qr(basis)
    basis *= np.sqrt(N)                         # orthonormal in L2(uniform), mean 0
    mu, low = basis[:, :2], basis[:, 2:]
    enc = {f"{a}": np.cos(np.deg2rad(a)) * mu + np.sin(np.deg2rad(a)) * low
           for a in (0, 30, 60, 80)}
    r = mb.benchmark(enc, mu, n_rows=N, seeds=(0, 1), n_permutations=2,
                     measures=["cca_r2", "linear_cka"])
    np.testing.assert_allclose(r.scores[0, :, 0], 1 - r.distance, atol=1e-12)
    np.testing.assert_allclose(r.distance, np.sin(np.deg2rad([0, 30, 60, 80])) ** 2,
                               atol=1e-12)
    assert r.spearman.shape == (2, 4)
    assert r.spearman[0, 0] == pytest.approx(1.0)
    assert r.measures == ["cca_r2", "linear_cka", "cca_r2 (calibrated)",
                          "linear_cka (calibrated)"]
    assert r.ranking()[0][1].n == 2


def test_benchmark_rejects_bad_input():
    mu = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="at least 3"):
        mb.benchmark({"a": mu, "b": mu}, mu)
    with pytest.raises(ValueError, match="rows"):
        mb.benchmark({"a": mu, "b": mu, "c": mu[:10]}, mu)
    with pytest.raises(ValueError, match="measures"):
        mb.benchmark({"a": mu, "b": mu, "c": mu}, mu, measures=["nope"])


def test_the_invariance_family_separates_cca_from_cka():
    rng = np.random.default_rng(4)
    N = 80
    basis, _ = np.linalg.qr(rng.normal(size=(N, 8)))
    basis = basis - basis.mean(axis=0)
    basis, _ = np.linalg.qr(basis)

    class Result:
        left = basis * np.sqrt(N)

    fam = mb.encoder_family(None, Result, train=False)
    assert not any(k.startswith(("trained", "random")) for k in fam)
    mu = Result.left[:, :4]
    r = mb.benchmark(fam, mu, n_rows=N, seeds=(0, 1), n_permutations=2,
                     measures=["cca_r2", "linear_cka"])
    table = mb.invariance_table(r)
    assert all(table["cca_r2"][m][2] for m in ("rotation", "anisotropic scale (1..30)",
                                                "invertible linear", "offset"))
    assert table["linear_cka"]["rotation"][2]
    assert not table["linear_cka"]["anisotropic scale (1..30)"][2]


def test_small_n_bias_reproduces_the_issue_values():
    out = mb.small_n_bias(ns=(32, 256), dims=(10, 100), reps=20, random_state=0)
    biased = out["biased"].mean(axis=2)
    np.testing.assert_allclose(biased, [[0.24, 0.04], [0.76, 0.28]], atol=0.03)
    # the debiased estimator's mean is an order of magnitude closer to the true 0
    assert np.all(np.abs(out["debiased"].mean(axis=2)) < 0.2 * biased)


def test_the_alignment_module_names_the_benchmark_home():
    # this module imports alignment: serving its names there would be an import cycle
    for name in ("benchmark", "pwcca", "cknna"):
        with pytest.raises(AttributeError, match=f"to contexture_lab.measure_benchmark.{name}"):
            getattr(cl.alignment, name)


def test_random_network_shape_and_seed():
    X = np.random.default_rng(0).normal(size=(30, 5))
    a = mb.random_network(X, 16, 2, random_state=1)
    assert a.shape == (30, 16) and np.all(a >= 0)
    np.testing.assert_array_equal(a, mb.random_network(X, 16, 2, random_state=1))


def test_the_shipped_result_is_consistent():
    data = mb.load_result()
    assert set(data["contexts"]) == {"digits", "tabular", "head"}
    for res in data["contexts"].values():
        assert len(res.measures) == 2 * len(mb.MEASURES) >= 22
        n_family_seeds = res.distance.shape[0]
        assert res.scores.shape[0] == res.spearman.shape[0] == 2 * n_family_seeds
        # each stored grade is the Spearman correlation of its scores with -distance
        for s in range(res.spearman.shape[0]):
            dist = res.distance[s // 2]
            for j in range(len(res.measures)):
                rho = np.corrcoef(scipy_rank(res.scores[s, :, j]), scipy_rank(-dist))[0, 1]
                assert res.spearman[s, j] == pytest.approx(
                    0.0 if np.isnan(rho) else rho, abs=1e-9)
        # the controlled angles sit at sin^2 exactly
        for deg in (0, 30, 60, 90):
            i = res.encoders.index(f"angle/{deg:02d} deg")
            np.testing.assert_allclose(res.distance[:, i], np.sin(np.deg2rad(deg)) ** 2,
                                       atol=1e-9)
    bias = data["small_n_bias"]
    i32, i256 = bias["ns"].index(32), bias["ns"].index(256)
    got = bias["biased"].mean(axis=2)[:, [i32, i256]]
    np.testing.assert_allclose(got, [[0.24, 0.04], [0.76, 0.28]], atol=0.03)


def scipy_rank(x):
    from scipy.stats import rankdata

    return rankdata(x)


def test_benchmark_reads_a_context_or_a_contexture_as_the_reference():
    ctx = cl.contexts.knn(cl.datasets.load_digits(120).X, 8)
    res = cl.contexture(ctx, 4)
    mu = res.left[:, :2]
    rng = np.random.default_rng(0)
    enc = {f"{s}": mu + s * rng.normal(size=mu.shape) for s in (0.1, 1.0, 3.0)}
    kw = {"n_rows": 60, "seeds": (0, 1), "n_permutations": 1, "measures": ["cca_r2"]}
    by_array = mb.benchmark(enc, mu, res.p_x, **kw)
    by_result = mb.benchmark(enc, res, d=2, **kw)
    by_context = mb.benchmark(enc, ctx, d=2, **kw)
    np.testing.assert_allclose(by_result.scores, by_array.scores)
    np.testing.assert_allclose(by_context.distance, by_array.distance, atol=1e-9)
    with pytest.raises(ValueError, match="pass d"):
        mb.benchmark(enc, ctx, **kw)
