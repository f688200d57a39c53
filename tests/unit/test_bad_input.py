"""Bad input gets a clear error, and the listed wrong answers on valid input are fixed.

The first part is a table in the style of scikit-learn's common checks: every public
function that takes arrays is fed each kind of bad input (complex numbers, text, NaN,
wrong shapes, unusable options) and must raise ``TypeError``/``ValueError`` whose message
says what was found. The second part pins each wrong answer of issue 15 to its fix.
"""

import time

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import contexture_lab as cl
from contexture_lab import alignment as al
from contexture_lab import attention as at
from contexture_lab import encoders, objectives, probe, training
from contexture_lab.exercises import compare_arrays

RNG = np.random.default_rng(0)
F = RNG.standard_normal((40, 3))
G = F @ RNG.standard_normal((3, 3)) + 0.5 * RNG.standard_normal((40, 3))
X = RNG.standard_normal((30, 2))
P = np.array([[0.25, 0.25], [0.0, 0.5]])
CTX = cl.contexts.cycle(6, 0.3)
FC = F + 0j                     # complex, imaginary part zero: must still be refused
TEXT = np.array([["1", "2"], ["3", "4"]])
NAN = F.copy()
NAN[3, 1] = np.nan
W = np.ones((4, 4)) - np.eye(4)
Y = np.arange(40) % 4
SPARSE_CTX = cl.contexts.knn(np.random.default_rng(1).standard_normal((300, 2)), 5)

METRICS = {"cca_r2": al.cca_r2, "svcca": al.svcca, "linear_cka": al.linear_cka,
           "rbf_cka": al.rbf_cka, "mutual_knn": lambda a, b: al.mutual_knn(a, b, k=5),
           "rsa": al.rsa, "procrustes": al.procrustes_distance}

CASES = [
    # ---------------------------------------------------------------- complex numbers
    ("Context complex", lambda: cl.Context(P + 0j), TypeError, "complex"),
    ("Context sparse complex", lambda: cl.Context(sp.csr_matrix(P + 0j)), TypeError, "complex"),
    ("expect complex", lambda: CTX.expect(np.ones(6) + 1j), TypeError, "g has complex"),
    ("expect_adjoint complex", lambda: CTX.expect_adjoint(np.ones(6) * 1j), TypeError,
     "f has complex"),
    *[(f"{name} complex", lambda m=m: m(FC, G), TypeError, "F has complex")
      for name, m in METRICS.items()],
    ("compatibility complex", lambda: al.compatibility(CTX, np.arange(6) + 0j), TypeError,
     "complex"),
    ("ratio_trace complex", lambda: al.ratio_trace(CTX, np.ones((6, 2)) + 0j), TypeError,
     "complex"),
    ("attention complex numpy", lambda: at.attention_context(FC, F, device="cpu"), TypeError,
     "queries has complex"),
    ("attention complex torch", lambda: at.attention_context(torch.tensor(FC), F,
                                                             device="cpu"),
     TypeError, "queries has complex"),
    ("knn complex", lambda: cl.contexts.knn(X + 0j, 3), TypeError, "X has complex"),
    ("rbf complex", lambda: cl.contexts.rbf(X + 0j, 1.0), TypeError, "X has complex"),
    ("random_walk complex", lambda: cl.contexts.random_walk(W + 0j), TypeError, "W has complex"),
    ("label complex", lambda: cl.contexts.label(np.arange(4) + 1j), TypeError, "complex"),
    ("fit_ridge complex", lambda: probe.fit_ridge(FC, Y), TypeError, "complex"),
    ("stationary complex", lambda: at.stationary_distribution(np.eye(2) + 0j), TypeError,
     "complex"),
    # ---------------------------------------------------------------- text, NaN, shapes
    ("Context text", lambda: cl.Context(TEXT), TypeError, "non-numeric dtype"),
    ("cca_r2 text", lambda: al.cca_r2(TEXT, TEXT), TypeError, "non-numeric"),
    ("Context NaN", lambda: cl.Context(np.array([[0.5, np.nan], [0.0, 0.5]])), ValueError,
     "NaN"),
    *[(f"{name} NaN", lambda m=m: m(NAN, G), ValueError, "NaN or infinite")
      for name, m in METRICS.items()],
    *[(f"{name} rows differ", lambda m=m: m(F, G[:-1]), ValueError, "same inputs")
      for name, m in METRICS.items()],
    *[(f"{name} no columns", lambda m=m: m(F[:, :0], G), ValueError, "no feature columns")
      for name, m in METRICS.items()],
    ("knn NaN", lambda: cl.contexts.knn(np.r_[X, [[np.nan, 0]]], 3), ValueError, "NaN"),
    ("knn zero width", lambda: cl.contexts.knn(np.zeros((5, 0)), 2), ValueError,
     "no features"),
    ("knn 3-D", lambda: cl.contexts.knn(np.zeros((5, 2, 2)), 2), ValueError, "2-D"),
    ("expect wrong length", lambda: CTX.expect(np.ones(5)), ValueError, "expected 6"),
    # ---------------------------------------------------------------- options
    ("contexture tol text", lambda: cl.contexture(SPARSE_CTX, 3, method="sparse", tol="abc"),
     TypeError, "tol must be a real number"),
    ("contexture tol NaN", lambda: cl.contexture(SPARSE_CTX, 3, method="sparse",
                                                 tol=float("nan")),
     ValueError, "tol must be finite"),
    ("contexture tol negative", lambda: cl.contexture(CTX, 2, tol=-1.0), ValueError, "tol"),
    ("contexture random_state", lambda: cl.contexture(CTX, 2, random_state=-1), ValueError,
     "random_state"),
    ("rbf_cka sigma triple", lambda: al.rbf_cka(F, G, sigma=(1, 2, 3)), ValueError,
     "pair"),
    ("rbf_cka sigma negative", lambda: al.rbf_cka(F, G, sigma=-1.0), ValueError, "sigma"),
    ("knn_indices chunk -1", lambda: al.knn_indices(F, 3, chunk=-1), ValueError,
     "chunk must be >= 1"),
    ("knn_indices chunk float", lambda: al.knn_indices(F, 3, chunk=2.5), TypeError, "chunk"),
    ("label None", lambda: cl.contexts.label([1, None, 2]), ValueError, "missing label"),
    ("label NaN", lambda: cl.contexts.label([1.0, np.nan, 2.0]), ValueError, "missing label"),
    ("label mixed", lambda: cl.contexts.label(np.array([1, (2,)], dtype=object)), TypeError,
     "cannot be ordered"),
    ("rbf bandwidth 0", lambda: cl.contexts.rbf(X, 0.0), ValueError, "bandwidth must be >"),
    ("random_walk steps 0", lambda: cl.contexts.random_walk(W, 0), ValueError, "steps"),
    ("variance_covariance_penalty one row",
     lambda: objectives.variance_covariance_penalty(torch.randn(1, 3)), ValueError,
     "at least 2 row"),
    ("kise one row", lambda: objectives.kise(torch.randn(1, 3), torch.ones(1, 1)), ValueError,
     "at least 2 row"),
    ("kise int embedding", lambda: objectives.kise(torch.ones(3, 2, dtype=torch.long),
                                                   torch.eye(3)), TypeError, "floating-point"),
    ("svme int embedding", lambda: objectives.svme(torch.ones(4, 2, dtype=torch.long),
                                                   torch.ones(4, 2)), TypeError,
     "floating-point"),
    ("kise negative weights", lambda: objectives.kise(torch.randn(3, 2), torch.eye(3),
                                                      torch.tensor([1.0, -1.0, 1.0])),
     ValueError, "weights must be finite, >= 0"),
    ("supervised bool targets", lambda: objectives.supervised(
        torch.randn(3, 2), torch.tensor([True, False, True])), TypeError, "targets has dtype"),
    ("fit_encoder one input", lambda: cl.fit_encoder(
        cl.Context(np.array([[0.5, 0.5]]), x_features=np.ones((1, 2))), "svme", 1, epochs=1,
        progress=False, device="cpu"), ValueError, "at least 2"),
    ("RandomFeatureEncoder identical inputs", lambda: encoders.RandomFeatureEncoder(16).fit(
        CTX.with_features(x_features=np.ones((6, 2))), 2), ValueError, "all identical"),
    ("fit_ridge overflow", lambda: probe.fit_ridge(F * 1e200, Y), ValueError, "overflow"),
    ("fit_ridge no rows", lambda: probe.fit_ridge(F[:0], Y[:0]), ValueError, "no rows"),
    ("probe_error overflow", lambda: probe.probe_error(F * 1e200, Y, n_per_class=3),
     ValueError, "overflow"),
    ("dae_span beyond the rank", lambda: training.dae_span(
        cl.contexts.knn(np.c_[X, X[:, :1]], 3), 3), ValueError, "exceeds the 2 direction"),
    ("stationary of a joint", lambda: at.stationary_distribution(np.full((2, 2), 0.25)),
     ValueError, "joint distribution"),
    ("stationary non-stochastic", lambda: at.stationary_distribution(np.diag([2.0, 1.0])),
     ValueError, "not row-stochastic"),
    ("stationary negative", lambda: at.stationary_distribution(np.array([[1.5, -0.5],
                                                                         [0.5, 0.5]])),
     ValueError, "negative"),
    ("attention overflow", lambda: at.attention_context(F * 1e200, F * 1e200, device="cpu"),
     ValueError, "overflow"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_compare_arrays_never_passes_a_complex_or_text_answer():
    from contexture_lab.exercises import Rejected

    with pytest.raises(Rejected, match="complex"):
        compare_arrays(np.array([1.0, 2.0]) + 0j, [1.0, 2.0])
    with pytest.raises(Rejected, match="text"):
        compare_arrays(["1", "2"], [1.0, 2.0])
    assert compare_arrays([1.0, 2.0], [1.0, 2.0])[0]


def test_a_complex_answer_fails_its_exercise():
    p_x = np.array([0.4, 0.2, 0.4])
    assert cl.exercises.check("00.marginal", p_x)           # the real answer passes
    assert not cl.exercises.check("00.marginal", p_x + 0j)  # its complex twin does not


# -------------------------------------------------------------------- wrong answers, fixed
@pytest.mark.parametrize("p_x, p_a, d", [([.5, .5], [.5, .5], 1),
                                         ([.2, .3, .5], [.1, .2, .3, .4], 2),
                                         ([.25] * 4, [.6, .4], 1)])
def test_independent_context_has_mean_zero_functions(p_x, p_a, d):
    ctx = cl.contexts.independent(p_x, p_a)
    res = cl.contexture(ctx, d, on_degenerate="ignore")
    p_x, p_a = np.asarray(p_x), np.asarray(p_a)
    np.testing.assert_allclose(res.singular_values, 0.0, atol=1e-12)
    np.testing.assert_allclose(p_x @ res.left, 0.0, atol=1e-12)      # never the constant
    np.testing.assert_allclose(p_a @ res.right, 0.0, atol=1e-12)
    np.testing.assert_allclose(res.left.T @ (p_x[:, None] * res.left), np.eye(d), atol=1e-12)
    np.testing.assert_allclose(res.right.T @ (p_a[:, None] * res.right), np.eye(d),
                               atol=1e-12)


def test_constant_features_carry_nothing():
    ones = np.ones((6, 2))
    assert al.ratio_trace(CTX, ones) == 0.0
    assert al.mutual_knn(np.ones((10, 2)), np.ones((10, 2)), k=3) == 0.0
    assert al.mutual_knn(np.ones((10, 2)), F[:10], k=3) == 0.0
    # a constant column next to real ones changes nothing
    f = np.cos(2 * np.pi * np.arange(6) / 6)
    assert al.ratio_trace(CTX, np.c_[f, np.ones(6)]) == pytest.approx(
        al.ratio_trace(CTX, f), abs=1e-12)
    assert al.ratio_trace(CTX, f) == pytest.approx((1 - 0.3 + 0.3 * np.cos(np.pi / 3)) ** 2)


def test_knn_indices_chunks_agree():
    np.testing.assert_array_equal(al.knn_indices(F, 4, chunk=1), al.knn_indices(F, 4))
    np.testing.assert_array_equal(al.knn_indices(F, 4, chunk=7), al.knn_indices(F, 4))


def test_rbf_cka_with_duplicated_rows_is_scale_invariant():
    worst = 0.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        reps = int(rng.integers(3, 12))
        A = np.repeat(rng.standard_normal((int(rng.integers(2, 5)), 3)), reps, axis=0)
        B = np.repeat(rng.standard_normal((A.shape[0] // reps, 2)), reps, axis=0)
        B = B + 0.3 * rng.standard_normal(B.shape)
        values = [al.rbf_cka(A * c, B) for c in (1.0, 1e-3, 1e3, 0.1, 1e-150, 1e150)]
        worst = max(worst, np.ptp(values))
    assert worst < 1e-12        # was up to 0.05 (round-off "distances" between duplicates)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e-3, 1e155, 1e300])
def test_scale_invariant_metrics_over_the_float_range(scale):
    for name, metric in METRICS.items():
        assert metric(F * scale, G) == pytest.approx(metric(F, G), abs=1e-12), name
        assert metric(F, G * scale) == pytest.approx(metric(F, G), abs=1e-12), name
    assert al.cca_r2(F * 1e155, G) > 0.5          # was 0.0
    assert al.mutual_knn(F * 1e300, G, k=5) == al.mutual_knn(F, G, k=5)


@pytest.mark.parametrize("scale", [1e-300, 1e300, 2.0 ** -1000])
def test_knn_of_rescaled_points_picks_the_same_neighbours(scale):
    ref = cl.contexts.knn(X, 3).P
    assert (cl.contexts.knn(X * scale, 3).P != ref).nnz == 0


def test_rbf_bandwidth_at_the_ends_of_the_float_range():
    n = X.shape[0]
    np.testing.assert_allclose(cl.contexts.rbf(X, 1e-300).conditional(), np.eye(n))
    np.testing.assert_allclose(cl.contexts.rbf(X, 1e308).conditional(), np.full((n, n), 1 / n))
    ref = cl.contexts.rbf(X, 0.7).P
    for scale in (1e200, 1e-200):
        np.testing.assert_allclose(cl.contexts.rbf(X * scale, 0.7 * scale).P, ref, atol=1e-15)


@pytest.mark.parametrize("scale", [1e-300, 1e308])
def test_random_walk_weights_at_the_ends_of_the_float_range(scale):
    Wr = RNG.random((5, 5))
    Wr = (Wr + Wr.T) / 2        # entries in [0, 1]: Wr * 1e308 is finite
    ref = cl.contexts.random_walk(Wr, 2).P
    np.testing.assert_allclose(cl.contexts.random_walk(Wr * scale, 2).P, ref, rtol=1e-12)


def test_random_walk_many_steps_is_cheap_and_exact():
    Wr = RNG.random((6, 6))
    Wr = Wr + Wr.T
    degree = Wr.sum(axis=1)
    step = Wr / degree[:, None]
    pi = degree / degree.sum()
    loop = step
    for _ in range(6):
        loop = loop @ step
    np.testing.assert_allclose(cl.contexts.random_walk(Wr, 7).P, pi[:, None] * loop,
                               atol=1e-15)
    start = time.perf_counter()
    far = cl.contexts.random_walk(sp.csr_matrix(Wr), 10 ** 6)
    assert time.perf_counter() - start < 0.5                # was ~0.8 s per million steps
    np.testing.assert_allclose(far.P.toarray(), np.outer(pi, pi), atol=1e-12)  # mixed


def test_attention_temperature_and_weights_at_the_ends_of_the_float_range():
    hard = at.attention_context(F, F, 1e-300, device="cpu").conditional()
    scores = F @ F.T
    np.testing.assert_array_equal(hard, np.eye(40)[np.argmax(scores, axis=1)])
    soft = at.attention_context(F, F, 1e308, device="cpu").conditional()
    np.testing.assert_allclose(soft, np.full((40, 40), 1 / 40))
    ctx = at.attention_context(F, F, weights=np.full(40, 1e308), device="cpu")
    np.testing.assert_allclose(ctx.p_x, np.full(40, 1 / 40))


@pytest.mark.parametrize("scale", [1e-300, 1e308, 5e-324])
def test_normalize_at_the_ends_of_the_float_range(scale):
    ctx = cl.Context(np.full((3, 3), scale), normalize=True)
    np.testing.assert_allclose(ctx.P, np.full((3, 3), 1 / 9), rtol=1e-15)


def test_context_keeps_its_own_copy():
    P_in = P.copy()
    ctx = cl.Context(P_in)
    P_in[0, 0] = 0.5
    assert ctx.P[0, 0] == 0.25 and ctx.p_x[0] == 0.5
    S = sp.csr_matrix(P)
    sparse_ctx = cl.Context(S)
    S.data[0] = 0.9
    assert sparse_ctx.P[0, 0] == 0.25 and sparse_ctx.p_x[0] == 0.5
    T = torch.tensor(P)
    torch_ctx = cl.Context(T)
    T[0, 0] = 0.5
    assert torch_ctx.P[0, 0] == 0.25


def test_dae_span_within_the_rank():
    ctx = cl.contexts.knn(np.c_[X, X[:, :1]], 3)      # 3 features, rank 2
    span = training.dae_span(ctx, 2)
    assert span.shape == (30, 2)
    np.testing.assert_allclose(span.T @ (ctx.p_x[:, None] * span), np.eye(2), atol=1e-10)
    np.testing.assert_allclose(ctx.p_x @ span, 0.0, atol=1e-12)


def test_diverging_training_says_so():
    data = cl.datasets.load_digits(100)
    with pytest.raises(ValueError, match=r"training diverged.*epoch \d+ of 5.*lr=1e\+200"):
        cl.fit_encoder(cl.contexts.knn(data.X, 5), "spectral_contrastive", 2, epochs=5,
                       lr=1e200, progress=False, device="cpu")


def test_dtype_mismatches_are_handled():
    z = torch.randn(5, 3)
    g64 = torch.eye(5, dtype=torch.float64)
    assert torch.isfinite(objectives.kise(z, g64))
    assert objectives.kise(z, g64) == pytest.approx(float(objectives.kise(z, g64.float())))
    out = torch.randn(4, 3)
    int32 = torch.tensor([0, 1, 2, 1], dtype=torch.int32)
    assert objectives.supervised(out, int32) == pytest.approx(
        float(objectives.supervised(out, int32.long())))


# -------------------------------------------------------------------- common checks
# Every public function that takes arrays, fed each kind of bad array in its first array
# argument (scikit-learn's common checks): complex -> TypeError, NaN or 3-D -> ValueError.
_S = np.array([0.9, 0.5, 0.2, 0.1])
_F20 = RNG.standard_normal((20, 3))
_G20 = RNG.standard_normal((20, 2))
_K20 = _F20 @ _F20.T
_CTX20 = cl.contexts.knn(_F20, 3)
_Y20 = np.arange(20) % 2
_P20 = np.full(20, 1 / 20)
_W5 = np.ones((5, 5)) - np.eye(5)


def _common_funcs():
    from contexture_lab import association as asn
    from contexture_lab import estimation, mixing
    s, F, G, K, ctx, y, p, W = _S, _F20, _G20, _K20, _CTX20, _Y20, _P20, _W5
    return {
        "decay_rate": lambda a: asn.decay_rate(a(s)),
        "effective_dimension": lambda a: asn.effective_dimension(a(s)),
        "tau": lambda a: asn.tau(a(s)),
        "association.metrics": lambda a: asn.metrics(a(s)),
        "canonical_correlations": lambda a: al.canonical_correlations(a(F), G),
        "hsic": lambda a: al.hsic(a(K), K),
        "cka": lambda a: al.cka(a(K), K),
        "centre_whiten": lambda a: al.centre_whiten(a(F)),
        "knn_indices": lambda a: al.knn_indices(a(F), 3),
        "rdm": lambda a: al.rdm(a(F)),
        "recovery": lambda a: al.recovery(a(F), F),
        "permutation_null": lambda a: al.permutation_null("cca_r2", a(F), G,
                                                          n_permutations=3),
        "compare": lambda a: al.compare(a(F), G, ["cca_r2"], n_permutations=3),
        "compatibility": lambda a: al.compatibility(ctx, a(F[:, 0])),
        "ratio_trace": lambda a: al.ratio_trace(ctx, a(F)),
        "linear_probe_error": lambda a: al.linear_probe_error(ctx, a(F), F[:, 0]),
        "theorem_eps_range": lambda a: al.theorem_eps_range(a(s)),
        "optimal_worst_case_error": lambda a: al.optimal_worst_case_error(a(s), 2, 0.3),
        "worst_case_error": lambda a: al.worst_case_error(ctx, a(F), 0.3),
        "fit_ridge": lambda a: probe.fit_ridge(a(F), y),
        "probe_error": lambda a: probe.probe_error(a(F), y, n_per_class=3),
        "linear_probe": lambda a: probe.linear_probe(a(F), y, 10),
        "population_probe": lambda a: probe.population_probe(a(F), y),
        "importance_weights": lambda a: probe.importance_weights(a(p), p),
        "effective_sample_size": lambda a: probe.effective_sample_size(a(p)),
        "total_variation": lambda a: probe.total_variation(a(p), p),
        "shift_by_feature": lambda a: probe.shift_by_feature(a(F[:, 0]), 1.0),
        "shifted_context": lambda a: probe.shifted_context(ctx, a(p)),
        "stationary_distribution": lambda a: at.stationary_distribution(a(np.eye(3))),
        "attention_context": lambda a: at.attention_context(a(F), F, device="cpu"),
        "multi_head_contexts": lambda a: at.multi_head_contexts(a(F[:, :2]), F[:, :2], 2,
                                                                device="cpu"),
        "self_attention_context": lambda a: at.self_attention_context(a(F), np.eye(3),
                                                                      device="cpu"),
        "token_spread": lambda a: at.token_spread(a(F)),
        "graph_eigenvectors": lambda a: at.graph_eigenvectors(a(W), 2),
        "random_walk_tokens": lambda a: at.random_walk_tokens(a(W), 5),
        "dual_contexture gram": lambda a: mixing.dual_contexture(ctx, 2, gram=a(np.eye(20))),
        "median_bandwidth": lambda a: encoders.median_bandwidth(a(F)),
        "estimation.build_context": lambda a: estimation.build_context(a(F)),
        "knn": lambda a: cl.contexts.knn(a(F), 3),
        "rbf": lambda a: cl.contexts.rbf(a(F), 1.0),
        "random_walk": lambda a: cl.contexts.random_walk(a(W)),
        "independent": lambda a: cl.contexts.independent(a(np.array([0.5, 0.5])), [0.5, 0.5]),
        "Context": lambda a: cl.Context(a(np.full((2, 2), 0.25))),
        "expect": lambda a: ctx.expect(a(F)),
        "coefficients": lambda a: cl.contexture(ctx, 2, on_degenerate="ignore").coefficients(
            a(F[:, 0])),
    }


def _complex(x):
    return np.asarray(x) + 0j


def _with_nan(x):
    x = np.array(x, dtype=float)
    x.flat[0] = np.nan
    return x


def _three_d(x):
    return np.asarray(x)[..., None, None]


COMMON = [(name, kind, make, error) for name in _common_funcs()
          for kind, make, error in (("complex", _complex, TypeError),
                                    ("NaN", _with_nan, ValueError),
                                    ("3-D", _three_d, ValueError))]


@pytest.mark.parametrize("name, kind, make, error", COMMON,
                         ids=[f"{c[0]}-{c[1]}" for c in COMMON])
def test_common_checks(name, kind, make, error):
    call = _common_funcs()[name]
    with pytest.raises(error) as info:
        call(make)
    assert len(str(info.value)) > 20          # a message, not a bare exception
