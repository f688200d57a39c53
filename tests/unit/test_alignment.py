"""Tests of contexture_lab.alignment (sample metrics and nulls) against closed forms and
independent computations."""

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial
import scipy.stats

import contexture_lab as cl

import bad_input_checks as bic
from bad_input_checks import bad_input_tests

A = cl.alignment


def _orthonormal_centred(n, k, seed):
    """n x k matrix with centred, orthonormal columns (each column has mean 0, norm 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, k))
    X -= X.mean(axis=0)
    return np.linalg.qr(X)[0]


def _rotation(p, seed):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((p, p)))[0]


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((120, 4))
    G = F @ rng.standard_normal((4, 3)) + 0.5 * rng.standard_normal((120, 3))
    return F, G


# ---------------------------------------------------------------------------- CCA family
def test_cca_hand_built_angle():
    X = _orthonormal_centred(50, 2, seed=3)
    theta = 0.7
    G = np.cos(theta) * X[:, 0] + np.sin(theta) * X[:, 1]
    assert A.canonical_correlations(X[:, 0], G)[0] == pytest.approx(np.cos(theta), abs=1e-12)
    assert A.cca_r2(X[:, 0], G) == pytest.approx(np.cos(theta) ** 2, abs=1e-12)
    # for one feature per side, linear CKA is the squared correlation as well
    assert A.linear_cka(X[:, 0], G) == pytest.approx(np.cos(theta) ** 2, abs=1e-12)


def test_cca_and_svcca_half_shared_span():
    X = _orthonormal_centred(60, 3, seed=4)
    F, G = X[:, [0, 1]], X[:, [0, 2]]
    np.testing.assert_allclose(A.canonical_correlations(F, G), [1.0, 0.0], atol=1e-12)
    assert A.cca_r2(F, G) == pytest.approx(0.5, abs=1e-12)
    assert A.svcca(F, G, dims=2) == pytest.approx(0.5, abs=1e-12)
    # widths 1 and 3: the mean runs over min(p, q) = 1 pair, so a contained span scores 1
    assert A.cca_r2(X[:, :1], X) == pytest.approx(1.0, abs=1e-12)
    assert A.cca_r2(X, X[:, [0, 1]] @ [[1.0, 2.0], [0.5, -1.0]]) == pytest.approx(1.0,
                                                                                abs=1e-12)


def test_cca_invariant_to_any_invertible_map(pair):
    F, G = pair
    rng = np.random.default_rng(5)
    M1, M2 = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
    base = A.cca_r2(F, G)
    assert A.cca_r2(F @ M1 + 3.0, G @ M2 - 1.0) == pytest.approx(base, abs=1e-10)
    assert A.cca_r2(F, F @ M1) == pytest.approx(1.0, abs=1e-10)


def test_svcca_keeps_dominant_directions():
    rng = np.random.default_rng(6)
    signal = rng.standard_normal((200, 2))
    F = np.c_[signal, 1e-3 * rng.standard_normal((200, 3))]   # 2 strong + 3 tiny directions
    G = np.c_[signal @ rng.standard_normal((2, 2)), 1e-3 * rng.standard_normal((200, 1))]
    # plain CCA weighs the tiny noise directions like the signal; SVCCA drops them
    assert A.cca_r2(F, G) < 0.8
    assert A.svcca(F, G, dims=(2, 2)) == pytest.approx(1.0, abs=1e-10)
    assert A.svcca(F, G, dims=(2, 3)) == pytest.approx(1.0, abs=1e-10)
    assert A.svcca(F, F[:, :2]) == pytest.approx(1.0, abs=1e-10)
    with pytest.raises(ValueError, match="dims=7"):
        A.svcca(F, G, dims=7)


# ---------------------------------------------------------------------------- CKA
def test_linear_cka_against_explicit_hsic(pair):
    F, G = pair
    n = F.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = F @ F.T, G @ G.T
    h = lambda a, b: np.trace(a @ H @ b @ H)  # noqa: E731
    expected = h(K, L) / np.sqrt(h(K, K) * h(L, L))
    assert A.linear_cka(F, G) == pytest.approx(expected, rel=1e-10)
    assert A.hsic(K, L) == pytest.approx(h(K, L) / (n - 1) ** 2, rel=1e-10)


def test_debiased_hsic_matches_song_formula(pair):
    F, G = pair
    n = F.shape[0]
    K, L = F @ F.T, np.exp(-np.sum((G[:, None] - G[None]) ** 2, axis=2) / 4)
    Kt, Lt = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
    one = np.ones(n)
    song = (np.trace(Kt @ Lt) + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * one @ Kt @ Lt @ one) / (n * (n - 3))
    assert A.hsic(K, L, debiased=True) == pytest.approx(song, rel=1e-10)


def test_debiased_cka_centres_the_null_at_zero():
    rng = np.random.default_rng(7)
    F, G = rng.standard_normal((40, 30)), rng.standard_normal((40, 30))
    biased, debiased = A.linear_cka(F, G), A.linear_cka(F, G, debiased=True)
    assert biased > 0.3          # many features, few samples: the biased CKA sits high
    assert abs(debiased) < 0.1   # the unbiased HSIC removes that floor


def test_linear_cka_invariances_and_non_orthogonal_map(pair):
    F, G = pair
    base = A.linear_cka(F, G)
    assert A.linear_cka(2.5 * F @ _rotation(4, 8) + 1.0, G) == pytest.approx(base, abs=1e-12)
    # closed form: for orthonormal centred X and M = diag(a), CKA(X, X M) =
    # sum a^2 / (sqrt(p) sqrt(sum a^4)) < 1 unless all a are equal; CCA stays 1
    X = _orthonormal_centred(80, 3, seed=9)
    a = np.array([1.0, 3.0, 10.0])
    expected = np.sum(a ** 2) / (np.sqrt(3) * np.sqrt(np.sum(a ** 4)))
    assert A.linear_cka(X, X * a) == pytest.approx(expected, abs=1e-12)
    assert expected < 0.7
    assert A.cca_r2(X, X * a) == pytest.approx(1.0, abs=1e-12)


def test_rbf_cka_invariances_and_linear_limit(pair):
    F, G = pair
    base = A.rbf_cka(F, G)
    assert 0.0 <= base <= 1.0
    assert A.rbf_cka(3.0 * F @ _rotation(4, 10), G) == pytest.approx(base, abs=1e-10)
    # a very wide kernel is linear to first order: RBF CKA -> linear CKA (Kornblith 2019)
    assert A.rbf_cka(F, G, sigma=1e4) == pytest.approx(A.linear_cka(F, G), abs=1e-5)
    assert A.rbf_cka(F, F) == pytest.approx(1.0, abs=1e-12)


# ---------------------------------------------------------------------------- neighbours
def test_mutual_knn_against_brute_force(pair):
    F, G = pair
    k = 5

    def neighbours(X):
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        out = []
        for i in range(len(X)):
            sims = [(-(Xn[i] @ Xn[j]), j) for j in range(len(X)) if j != i]
            out.append({j for _, j in sorted(sims)[:k]})
        return out

    expected = np.mean([len(a & b) for a, b in zip(neighbours(F), neighbours(G))]) / k
    assert A.mutual_knn(F, G, k=k) == pytest.approx(expected, abs=1e-12)
    assert A.mutual_knn(F, 2 * F @ _rotation(4, 11), k=k) == pytest.approx(1.0)


# ---------------------------------------------------------------------------- RSA, Procrustes
def test_rsa_against_scipy(pair):
    F, G = pair
    iu = np.triu_indices(F.shape[0], k=1)
    rdm_f, rdm_g = 1 - np.corrcoef(F)[iu], 1 - np.corrcoef(G)[iu]
    expected = scipy.stats.spearmanr(rdm_f, rdm_g).statistic
    assert A.rsa(F, G) == pytest.approx(expected, abs=1e-10)
    Fc, Gc = F - F.mean(axis=0), G - G.mean(axis=0)
    rdm_f, rdm_g = 1 - np.corrcoef(Fc)[iu], 1 - np.corrcoef(Gc)[iu]
    expected = scipy.stats.spearmanr(rdm_f, rdm_g).statistic
    assert A.rsa(F, G, centre_columns=True) == pytest.approx(expected, abs=1e-10)
    # invariances of the correlation RDM: a positive scale, an offset and a reordering of
    # the features leave every row correlation (so every rank) unchanged; a feature-wise
    # rescaling does not
    perm = np.random.default_rng(4).permutation(F.shape[1])
    assert A.rsa(F, 3.0 * F[:, perm] - 2.0) == pytest.approx(1.0, abs=1e-12)
    assert A.rsa(F, F * np.arange(1.0, F.shape[1] + 1)) < 0.99
    # the Euclidean RDM is invariant to rotations and a positive scale
    R = np.linalg.qr(np.random.default_rng(5).standard_normal((F.shape[1],) * 2))[0]
    assert A.rsa(F, 2.0 * F @ R, metric="euclidean") == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least 2 features"):
        A.rsa(F[:, 0], G[:, 0])
    # one feature: the Euclidean RDM is |f_i - f_j|; Spearman by scipy
    expected_1d = scipy.stats.spearmanr(scipy.spatial.distance.pdist(F[:, :1]),
                                        scipy.spatial.distance.pdist(G[:, :1])).statistic
    assert A.rsa(F[:, 0], G[:, 0], metric="euclidean") == pytest.approx(expected_1d,
                                                                         abs=1e-10)


def test_procrustes_against_scipy(pair):
    F, G = pair
    X = F - F.mean(axis=0)
    Y = G - G.mean(axis=0)
    X, Y = X / np.linalg.norm(X), Y / np.linalg.norm(Y)
    Y_pad = np.c_[Y, np.zeros((Y.shape[0], 1))]   # scipy needs equal widths
    R, _ = scipy.linalg.orthogonal_procrustes(X, Y_pad)
    expected = np.linalg.norm(X @ R - Y_pad)
    assert A.procrustes_distance(F, G) == pytest.approx(expected, abs=1e-10)
    rotated = 0.3 * F @ _rotation(4, 12) - 2.0
    assert A.procrustes_distance(F, rotated) == pytest.approx(0.0, abs=1e-6)
    assert A.procrustes_distance(F, F * [1, 1, 1, 5]) > 0.1


# ---------------------------------------------------------------------------- bounds
SIMILARITIES = ["cca_r2", "svcca", "linear_cka", "rbf_cka", "mutual_knn"]


def _degenerate_inputs():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((50, 1))
    collinear = np.c_[x, x + 1e-13 * rng.standard_normal((50, 1)), 2 * x]
    return {"random": rng.standard_normal((50, 3)), "collinear": collinear,
            "tiny": 1e-150 * rng.standard_normal((50, 3)), "huge": 1e150 * collinear}


@pytest.mark.parametrize("name", list(A.METRICS))
@pytest.mark.parametrize("case", ["random", "collinear", "tiny", "huge"])
def test_metrics_finite_and_bounded(name, case):
    metric = A.METRICS[name][0]
    F = np.random.default_rng(14).standard_normal((50, 4))
    G = _degenerate_inputs()[case]
    for a, b in ((F, G), (G, F), (G, G)):
        value = metric(a, b)
        assert np.isfinite(value)
        if name == "procrustes":
            assert 0.0 <= value <= np.sqrt(2) + 1e-12
        elif name in ("rsa", "debiased_cka"):
            assert -1.0 <= value <= 1.0
        else:
            assert 0.0 <= value <= 1.0 + 1e-12
    if name in ("linear_cka", "rbf_cka", "rsa"):
        assert metric(G, G) == pytest.approx(1.0, abs=1e-8)
    if name == "cca_r2":   # mean over min(p, q) pairs: a rank-r side scores r / min(p, q)
        rank = 1 if case in ("collinear", "huge") else 3
        assert metric(G, G) == pytest.approx(rank / 3, abs=1e-8)


@pytest.mark.parametrize("name", list(A.METRICS))
def test_constant_features_clear_error_or_zero(name):
    metric = A.METRICS[name][0]
    F = np.random.default_rng(15).standard_normal((30, 3))
    C = np.full((30, 2), 4.0)
    if name in ("rsa", "procrustes"):
        with pytest.raises(ValueError, match="no variance"):
            metric(F, C)
    elif name == "mutual_knn":
        # every row of C ties with every other: its neighbours are not determined, so a
        # constant representation shares no neighbourhoods (issue 15: 0, not a tie rule's
        # accidental overlap)
        assert metric(F, C) == 0.0
    else:
        assert metric(F, C) == 0.0
        assert metric(C, C) == 0.0


def test_bad_input_messages():
    with pytest.raises(ValueError, match="same inputs"):
        A.cca_r2(np.zeros((5, 2)), np.zeros((6, 2)))
    with pytest.raises(ValueError, match="NaN"):
        A.linear_cka(np.full((5, 2), np.nan), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="at least 4 inputs"):
        A.hsic(np.eye(3), np.eye(3), debiased=True)


# ---------------------------------------------------------------------------- permutation null
def test_permutation_null(pair):
    F, G = pair
    strong = A.permutation_null("linear_cka", F, G, n_permutations=49, random_state=0)
    assert strong.p_value == pytest.approx(1 / 50)
    assert strong.null.shape == (49,)
    assert strong.null.max() < strong.statistic
    again = A.permutation_null(A.linear_cka, F, G, n_permutations=49, random_state=0)
    np.testing.assert_array_equal(strong.null, again.null)
    # explicit p-value from the returned samples
    rng = np.random.default_rng(16)
    unrelated = rng.standard_normal(G.shape)
    weak = A.permutation_null("procrustes", F, unrelated, n_permutations=99, random_state=1)
    assert weak.alternative == "less"
    assert weak.p_value == pytest.approx((1 + np.sum(weak.null <= weak.statistic)) / 100)
    assert weak.p_value > 0.05
    table = A.compare(F, G, ["cca_r2", "rsa", "procrustes"], n_permutations=9, random_state=3)
    assert list(table) == ["cca_r2", "rsa", "procrustes"]
    for name, metric in (("cca_r2", A.cca_r2), ("rsa", A.rsa),
                         ("procrustes", A.procrustes_distance)):
        # each entry: the metric, and its null over the same seeded shuffles of G's rows
        rng = np.random.default_rng(3)
        null = [metric(F, G[rng.permutation(G.shape[0])]) for _ in range(9)]
        assert table[name].statistic == pytest.approx(metric(F, G), abs=1e-12)
        np.testing.assert_allclose(table[name].null, null, atol=1e-12)
    assert table["procrustes"].alternative == "less" and table["rsa"].alternative == "greater"
    assert table["cca_r2"].p_value == pytest.approx(0.1)      # 1 / (1 + 9): nothing beats F
    with pytest.raises(ValueError, match="unknown metric"):
        A.permutation_null("cosine", F, G)


def test_rdm_matches_scipy_pdist(pair):
    from scipy.spatial.distance import pdist

    F, _ = pair
    Fc = F - F.mean(axis=0)
    np.testing.assert_allclose(A.rdm(F, "correlation"), pdist(F, "correlation"), atol=1e-12)
    np.testing.assert_allclose(A.rdm(F, "correlation", centre_columns=True),
                               pdist(Fc, "correlation"), atol=1e-12)
    np.testing.assert_allclose(A.rdm(F, "euclidean"), pdist(F), atol=1e-10)
    np.testing.assert_allclose(A.rdm(F, "euclidean", centre_columns=True), pdist(F),
                               atol=1e-10)


def _rsa_data():
    """Random patterns with per-feature offsets (where column-centring matters)."""
    rng = np.random.default_rng(31)
    F = rng.standard_normal((40, 6)) + 2.0 * rng.standard_normal(6)
    G = F[:, :4] @ rng.standard_normal((4, 5)) + rng.standard_normal((40, 5)) + 1.5
    return F, G


def test_rsa_default_is_standard_rsa():
    from scipy.spatial.distance import pdist

    F, G = _rsa_data()
    expected = scipy.stats.spearmanr(pdist(F, "correlation"), pdist(G, "correlation"))
    assert A.rsa(F, G) == pytest.approx(expected.statistic, abs=1e-12)
    np.testing.assert_allclose(A.rdm(G), pdist(G, "correlation"), atol=1e-12)
    flat = F.copy()
    flat[3] = 5.0                      # a pattern without spread across its features
    with pytest.raises(ValueError, match=r"row\(s\) of the patterns are constant"):
        A.rdm(flat)


def test_rsa_centre_columns_is_another_definition():
    from scipy.spatial.distance import pdist

    F, G = _rsa_data()
    Fc, Gc = F - F.mean(axis=0), G - G.mean(axis=0)
    expected = scipy.stats.spearmanr(pdist(Fc, "correlation"), pdist(Gc, "correlation"))
    centred = A.rsa(F, G, centre_columns=True)
    assert centred == pytest.approx(expected.statistic, abs=1e-12)
    assert abs(centred - A.rsa(F, G)) > 0.05
    assert np.max(np.abs(A.rdm(F, centre_columns=True) - A.rdm(F))) > 0.5
    # identical for column-centred input: the keyword only removes the mean pattern
    assert A.rsa(Fc, Gc) == pytest.approx(centred, abs=1e-12)
    with pytest.raises(TypeError, match="centre_columns"):
        A.rdm(F, centre_columns="yes")


def test_mutual_knn_chance_level():
    rng = np.random.default_rng(21)
    F, G = rng.standard_normal((400, 5)), rng.standard_normal((400, 5))
    null = A.permutation_null("mutual_knn", F, G, n_permutations=30, random_state=2).null
    # 30 shuffles: the spread of one null value is 0.0026, of their mean 0.0005
    assert null.mean() == pytest.approx(10 / 399, abs=0.002)


def test_seed_still_works_with_a_future_warning(pair):
    F, G = pair
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = A.permutation_null("cca_r2", F, G, n_permutations=5, seed=7)
    new = A.permutation_null("cca_r2", F, G, n_permutations=5, random_state=7)
    np.testing.assert_array_equal(old.null, new.null)
    with pytest.warns(FutureWarning, match="compare"):
        old = A.compare(F, G, ["rsa"], n_permutations=3, seed=7)
    np.testing.assert_array_equal(
        old["rsa"].null, A.compare(F, G, ["rsa"], n_permutations=3, random_state=7)["rsa"].null)


def test_population_quantities_are_still_served_here():
    for name in ("compatibility", "ratio_trace", "linear_probe_error", "worst_case_error",
                 "optimal_worst_case_error", "theorem_eps_range", "MAX_WORST_CASE_INPUTS"):
        assert getattr(A, name) is getattr(cl.compatibility, name)
    from contexture_lab.alignment import compatibility   # the public contract's spelling

    assert compatibility is cl.compatibility.compatibility
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        A.nope  # noqa: B018


# ---------------------------------------------------------------------- bad input (tables)
_F, _G = bic.F40, bic.G40
METRIC_FUNCS = {"cca_r2": A.cca_r2, "svcca": A.svcca, "linear_cka": A.linear_cka,
                "rbf_cka": A.rbf_cka, "mutual_knn": lambda a, b: A.mutual_knn(a, b, k=5),
                "rsa": A.rsa, "procrustes": A.procrustes_distance}
BAD_INPUT = [
    *[(f"{name} complex", lambda m=m: m(_F + 0j, _G), TypeError, "F has complex")
      for name, m in METRIC_FUNCS.items()],
    ("cca_r2 text", lambda: A.cca_r2(np.array([["1", "2"], ["3", "4"]]),
                                     np.array([["1", "2"], ["3", "4"]])),
     TypeError, "non-numeric"),
    *[(f"{name} NaN", lambda m=m: m(bic.NAN40, _G), ValueError, "NaN or infinite")
      for name, m in METRIC_FUNCS.items()],
    *[(f"{name} rows differ", lambda m=m: m(_F, _G[:-1]), ValueError, "same inputs")
      for name, m in METRIC_FUNCS.items()],
    *[(f"{name} no columns", lambda m=m: m(_F[:, :0], _G), ValueError, "no feature columns")
      for name, m in METRIC_FUNCS.items()],
    ("rbf_cka sigma triple", lambda: A.rbf_cka(_F, _G, sigma=(1, 2, 3)), ValueError, "pair"),
    ("rbf_cka sigma negative", lambda: A.rbf_cka(_F, _G, sigma=-1.0), ValueError, "sigma"),
    ("knn_indices chunk -1", lambda: A.knn_indices(_F, 3, chunk=-1), ValueError,
     "chunk must be >= 1"),
    ("knn_indices chunk float", lambda: A.knn_indices(_F, 3, chunk=2.5), TypeError, "chunk"),
]
_F20, _G20, _K20 = bic.F20, bic.G20, bic.K20
COMMON = {
    "canonical_correlations": lambda a: A.canonical_correlations(a(_F20), _G20),
    "hsic": lambda a: A.hsic(a(_K20), _K20),
    "cka": lambda a: A.cka(a(_K20), _K20),
    "centre_whiten": lambda a: A.centre_whiten(a(_F20)),
    "knn_indices": lambda a: A.knn_indices(a(_F20), 3),
    "rdm": lambda a: A.rdm(a(_F20)),
    "recovery": lambda a: A.recovery(a(_F20), _F20),
    "permutation_null": lambda a: A.permutation_null("cca_r2", a(_F20), _G20,
                                                     n_permutations=3),
    "compare": lambda a: A.compare(a(_F20), _G20, ["cca_r2"], n_permutations=3),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


def test_constant_features_carry_nothing_for_mutual_knn():
    assert A.mutual_knn(np.ones((10, 2)), np.ones((10, 2)), k=3) == 0.0
    assert A.mutual_knn(np.ones((10, 2)), _F[:10], k=3) == 0.0


def test_knn_indices_chunks_agree():
    np.testing.assert_array_equal(A.knn_indices(_F, 4, chunk=1), A.knn_indices(_F, 4))
    np.testing.assert_array_equal(A.knn_indices(_F, 4, chunk=7), A.knn_indices(_F, 4))


def test_rbf_cka_with_duplicated_rows_is_scale_invariant():
    worst = 0.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        reps = int(rng.integers(3, 12))
        P = np.repeat(rng.standard_normal((int(rng.integers(2, 5)), 3)), reps, axis=0)
        Q = np.repeat(rng.standard_normal((P.shape[0] // reps, 2)), reps, axis=0)
        Q = Q + 0.3 * rng.standard_normal(Q.shape)
        values = [A.rbf_cka(P * c, Q) for c in (1.0, 1e-3, 1e3, 0.1, 1e-150, 1e150)]
        worst = max(worst, np.ptp(values))
    assert worst < 1e-12        # was up to 0.05 (round-off "distances" between duplicates)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e-3, 1e155, 1e300])
def test_scale_invariant_metrics_over_the_float_range(scale):
    for name, metric in METRIC_FUNCS.items():
        assert metric(_F * scale, _G) == pytest.approx(metric(_F, _G), abs=1e-12), name
        assert metric(_F, _G * scale) == pytest.approx(metric(_F, _G), abs=1e-12), name
    assert A.cca_r2(_F * 1e155, _G) > 0.5          # was 0.0
    assert A.mutual_knn(_F * 1e300, _G, k=5) == A.mutual_knn(_F, _G, k=5)


# ---------------------------------------------------------------------- recovery, centre_whiten
@pytest.fixture(scope="module")
def rbf_context():
    # an RBF context on random points: distinct singular values, no ties between neighbours
    ctx = cl.contexts.rbf(np.random.default_rng(2).standard_normal((40, 2)), 0.6)
    res = cl.contexture(ctx, 4)
    assert res.unique
    return ctx, res


def test_centre_whiten_gives_an_orthonormal_basis_of_the_centred_span():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 5)) + 7.0    # rank 3 of 5
    W = A.centre_whiten(F)
    assert W.shape == (40, 3)
    np.testing.assert_allclose(W.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(W.T @ W / 40, np.eye(3), atol=1e-12)
    # the same span as the centred features: projecting them onto W loses nothing
    Fc = F - F.mean(axis=0)
    proj = W @ np.linalg.lstsq(W, Fc, rcond=None)[0]
    np.testing.assert_allclose(proj, Fc, atol=1e-10)


def test_recovery_of_the_same_span_in_another_basis_is_perfect(rbf_context):
    ctx, res = rbf_context
    M = np.random.default_rng(1).standard_normal((4, 4))
    got = A.recovery(res.left @ M + 3.0, res, k=5)
    assert set(got) == {"cca_r2", "mutual_knn"}
    assert got["cca_r2"] == pytest.approx(1.0, abs=1e-12)
    assert got["mutual_knn"] == pytest.approx(1.0, abs=1e-12)
    # the result may also be given as the array of left functions
    assert A.recovery(res.left @ M, res.left, k=5) == pytest.approx(got)


def test_recovery_of_a_partial_span(rbf_context):
    ctx, res = rbf_context
    # two of the four functions, plus two directions outside the top-4 span
    outside = cl.contexture(ctx, 10).left[:, 4:6]
    F = np.c_[res.left[:, :2], outside]
    got = A.recovery(F, res, k=5)
    assert got["cca_r2"] == pytest.approx(0.5, abs=1e-12)    # two of four correlations 1
    a, b = A.knn_indices(A.centre_whiten(F), 5), A.knn_indices(A.centre_whiten(res.left), 5)
    expected = np.mean([len(set(x) & set(y)) for x, y in zip(a, b)]) / 5
    assert got["mutual_knn"] == pytest.approx(expected, abs=1e-12)
    assert got["mutual_knn"] < 1
