"""fit_encoder: recovery on an asymmetric context (bugged variants fail), determinism, duality,
bad input; CCA invariance."""

import bad_input_checks as bic
import numpy as np
import pytest
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab.training import (
    OBJECTIVES,
    dae_span,
    fit_concatenated_encoders,
    fit_mixed_encoder,
)

# {0,1}^4 with bit flips: s = 0.8 (x4, the single-bit Walsh functions), then 0.64 (x6)
CUBE = cl.contexts.hypercube(4, 0.1)
CUBE_TOP = cl.contexture(CUBE, 4)
FAST = dict(device="cpu", progress=False, hidden=(32,))


def fit(objective, ctx=CUBE, **kwargs):
    return cl.fit_encoder(ctx, objective, 4, **{**FAST, "epochs": 200, **kwargs})


# ------------------------------------------------------------------ the recovery context
# 48 inputs in 4 blocks; P = diag(r) K diag(c) with columns permuted: K puts weight on the
# input itself and on its block, r and c are independent random scalings (a factor e^2.5
# between the largest and smallest marginals), so P is not symmetric, p_x != p_a, neither is
# uniform, and the columns (context values) are a shuffled copy of the inputs. Spectrum:
# s_1..s_3 = 0.958, 0.951, 0.945 (the blocks), then s_4 = 0.541: a clear gap at d = 3.
D = 3
N_REC = 48


def _recovery_joint(seed=0, spread=2.5, n=N_REC, blocks=4):
    rng = np.random.default_rng(seed)
    block = np.repeat(np.arange(blocks), n // blocks)
    K = 2.0 * np.eye(n) + (block[:, None] == block[None, :]) * (12 / n) + 0.24 / n
    r = np.exp(rng.uniform(-spread / 2, spread / 2, n))
    c = np.exp(rng.uniform(-spread / 2, spread / 2, n))
    P = (r[:, None] * K * c[None, :])[:, rng.permutation(n)]
    return P / P.sum()


P_REC = _recovery_joint()
REC = cl.Context(P_REC, x_features=np.eye(N_REC), a_features=np.eye(N_REC))
# for the Laplacian objective (defined for a symmetric graph): the reversible version
# diag(r) K diag(r), still with non-uniform degrees
_rng = np.random.default_rng(0)
_block = np.repeat(np.arange(4), N_REC // 4)
_r = np.exp(_rng.uniform(-1.25, 1.25, N_REC))
_W = _r[:, None] * (2.0 * np.eye(N_REC) + (_block[:, None] == _block[None, :]) / 4 + 0.005) * _r
REC_GRAPH = cl.Context(_W / _W.sum(), x_features=np.eye(N_REC))


def top_left(P, d, w_x=None, w_a=None):
    """Top-d non-constant left singular functions of diag(w_x)^-1/2 P diag(w_a)^-1/2,
    divided by sqrt(w_x): numpy alone (the weights default to the marginals of P)."""
    w_x = P.sum(axis=1) if w_x is None else w_x
    w_a = P.sum(axis=0) if w_a is None else w_a
    U, _, _ = np.linalg.svd(P / np.sqrt(np.outer(w_x, w_a)))
    return U[:, 1:d + 1] / np.sqrt(w_x)[:, None]


def weighted_r2(F, G, p):
    """Mean squared canonical correlation of span(F) and span(G) in L2(p), constants out."""
    def basis(F):
        F = np.asarray(F, dtype=float)
        Q, _ = np.linalg.qr((F - p @ F) * np.sqrt(p)[:, None])
        return Q
    rho = np.linalg.svd(basis(F).T @ basis(G), compute_uv=False)
    return float(np.mean(np.clip(rho, 0, 1) ** 2))


def bugged_targets(P, d):
    """What an implementation with each classic bug would converge to instead."""
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    return {
        # P^T for P (T* for T): the right functions nu_1..nu_d, read as functions of x
        "transpose": top_left(P.T, d),
        # the marginals swapped: diag(p_a)^-1/2 P diag(p_x)^-1/2, divided by sqrt(p_a)
        "swapped marginals": top_left(P, d, w_x=p_a, w_a=p_x),
        # no marginals at all: the plain SVD of the centred joint
        "unnormalised": np.linalg.svd(P - np.outer(p_x, p_a))[0][:, :d],
        # the symmetrised context (P + P^T) / 2
        "symmetrised": top_left((P + P.T) / 2, d),
    }


def test_the_recovery_context_has_what_the_test_needs():
    res = cl.contexture(REC, D)
    s = res.singular_values
    assert np.abs(P_REC - P_REC.T).max() > 0.5 * P_REC.max()
    assert REC.p_x.max() / REC.p_x.min() > 5 and REC.p_a.max() / REC.p_a.min() > 5
    assert np.abs(REC.p_x - REC.p_a).max() > 0.5 / N_REC
    assert res.unique and res.gap > 0.4 and s[D - 1] > 0.9
    # the package agrees with the numpy reference, and every bug lands far away
    assert weighted_r2(res.left, top_left(P_REC, D), REC.p_x) == pytest.approx(1, abs=1e-10)
    for name, wrong in bugged_targets(P_REC, D).items():
        assert weighted_r2(wrong, top_left(P_REC, D), REC.p_x) < 0.7, name
    g = cl.contexture(REC_GRAPH, D)
    assert np.allclose(REC_GRAPH.P, REC_GRAPH.P.T) and g.unique and g.gap > 0.3


def _target_and_bugs(objective):
    """The span the objective must reach, the bugged spans it must avoid, the context."""
    if objective == "laplacian":
        P = REC_GRAPH.P
        p = P.sum(axis=1)
        # the bug for a graph: ignoring the degrees (eigenvectors of the plain adjacency)
        adjacency = np.linalg.eigh(P - np.outer(p, p))[1][:, ::-1][:, :D]
        return REC_GRAPH, top_left(P, D), {"unweighted eigenvectors": adjacency}
    if objective == "dae":
        # reconstructing h(a) = e_a / sqrt(M p_a(a)): the linear kernel on A is then
        # diag(1 / (M p_a)), so the DAE's span (the contexture reweighted by that kernel) is
        # the contexture itself
        ctx = REC.with_features(a_features=np.eye(N_REC) / np.sqrt(N_REC * REC.p_a)[:, None])
        assert weighted_r2(dae_span(ctx, D), top_left(P_REC, D), REC.p_x) == pytest.approx(
            1, abs=1e-10)
        return ctx, top_left(P_REC, D), bugged_targets(P_REC, D)
    return REC, top_left(P_REC, D), bugged_targets(P_REC, D)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_recovers_an_asymmetric_contexture(objective):
    ctx, target, bugs = _target_and_bugs(objective)
    lr, epochs = (3e-2, 600) if objective == "dae" else (1e-2, 300)
    enc = cl.fit_encoder(ctx, objective, D, **FAST, lr=lr, epochs=epochs)
    F = enc.transform(ctx.x_features)
    assert F.shape == (N_REC, D)
    assert len(enc.history) == epochs and np.all(np.isfinite(enc.history))
    got = weighted_r2(F, target, ctx.p_x)
    assert got > 0.9, got
    for name, wrong in bugs.items():
        # an implementation with this bug converges to `wrong`, which fails the line above
        assert weighted_r2(wrong, target, ctx.p_x) < 0.9 - 0.05, name
        assert weighted_r2(F, wrong, ctx.p_x) < got - 0.05, name


def test_a_transposed_implementation_fails_the_recovery_test():
    """Training on P^T (what a P / P^T mix-up computes) learns nu, not mu: it fails."""
    wrong = cl.Context(P_REC.T.copy(), x_features=np.eye(N_REC))
    F = cl.fit_encoder(wrong, "kise", D, **FAST, lr=1e-2, epochs=300).transform(np.eye(N_REC))
    assert weighted_r2(F, top_left(P_REC, D), REC.p_x) < 0.3


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b, c = (fit("svme", epochs=5, random_state=s) for s in (3, 3, 4))
    assert np.array_equal(a.transform(CUBE.x_features), b.transform(CUBE.x_features))
    assert a.history == b.history
    assert not np.allclose(a.transform(CUBE.x_features), c.transform(CUBE.x_features))


def test_global_torch_rng_is_untouched():
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit("kise", epochs=2)
    assert torch.equal(torch.rand(3), expected)


def test_svme_duality_phi_equals_t_psi():
    enc = fit("svme", epochs=300, anti_collapse="psi")   # the variant with Phi = T Psi
    phi = enc.transform(CUBE.x_features)
    t_psi = CUBE.expect(enc.transform_context(CUBE.a_features))
    phi, t_psi = phi - CUBE.p_x @ phi, t_psi - CUBE.p_x @ t_psi
    # 16 inputs, one sampled a per input and step: the match is approximate
    assert np.linalg.norm(phi - t_psi) / np.linalg.norm(phi) < 0.2


def test_layer_features_of_a_deep_mlp():
    enc = fit("kise", epochs=2, hidden=(8, 7, 6))
    layers = enc.layer_features(CUBE.x_features)
    assert [h.shape for h in layers] == [(16, 8), (16, 7), (16, 6), (16, 4)]
    assert np.allclose(layers[-1], enc.transform(CUBE.x_features))


def test_dae_span_is_the_reweighted_contexture():
    # hypercube: the bits are the top functions, so the DAE span is the contexture
    S = dae_span(CUBE, 4)
    assert np.allclose(S.T @ (S * CUBE.p_x[:, None]), np.eye(4), atol=1e-10)
    assert cl.alignment.cca_r2(S, CUBE_TOP.left) == pytest.approx(1.0)
    # with features that see only one bit, only that bit's function is reachable
    one_bit = CUBE.with_features(a_features=CUBE.a_features[:, :1])
    S1 = dae_span(one_bit, 1)
    assert cl.alignment.cca_r2(S1, CUBE.x_features[:, :1]) == pytest.approx(1.0)


def test_cca_is_invariant_to_invertible_linear_maps():
    rng = np.random.default_rng(0)
    F, G = rng.normal(size=(50, 4)), rng.normal(size=(50, 3))
    A, B = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
    shift = rng.normal(size=4)
    assert cl.alignment.cca_r2(F @ A + shift, G @ B) == pytest.approx(
        cl.alignment.cca_r2(F, G), abs=1e-10)
    assert cl.alignment.cca_r2(F @ A, F) == pytest.approx(1.0)
    # the same span in a different basis scores 1 against the exact contexture
    assert cl.alignment.cca_r2(CUBE_TOP.left @ A, CUBE_TOP.left) == pytest.approx(1.0)


@pytest.mark.parametrize("call, error, match", [
    (lambda: cl.fit_encoder(CUBE, "simclr", 2, **FAST), ValueError,
     "spectral_contrastive, non_contrastive, svme, kise, laplacian, supervised, dae"),
    (lambda: cl.fit_encoder(cl.contexts.identity(4), "kise", 2, **FAST), ValueError,
     "no x_features"),
    (lambda: cl.fit_encoder(cl.contexts.label([0, 1, 1], x_features=np.eye(3)), "laplacian",
                            2, **FAST), ValueError, "graph context"),
    (lambda: cl.fit_encoder(cl.contexts.label([0, 1, 1], x_features=np.eye(3)), "svme", 2,
                            **FAST), ValueError, "a_features"),
    (lambda: cl.fit_encoder(CUBE, "kise", 0, **FAST), ValueError, "d must be >= 1"),
    (lambda: cl.fit_encoder(CUBE, "kise", 2, epochs=0, **FAST), ValueError, "epochs"),
    (lambda: cl.fit_encoder(np.eye(3), "kise", 2, **FAST), TypeError, "Context"),
    (lambda: cl.fit_encoder(CUBE, "kise", 2, **{**FAST, "hidden": 64}), TypeError,
     "tuple of layer widths"),
    (lambda: fit("kise", epochs=1).transform_context(CUBE.a_features), ValueError,
     "only 'svme'"),
    (lambda: fit("kise", epochs=1).transform(np.ones((2, 3))), ValueError, "columns"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------- bad input (tables)
_X3 = np.c_[bic.X30, bic.X30[:, :1]]          # 3 features, rank 2
BAD_INPUT = [
    ("fit_encoder one input", lambda: cl.fit_encoder(
        cl.Context(np.array([[0.5, 0.5]]), x_features=np.ones((1, 2))), "svme", 1, epochs=1,
        progress=False, device="cpu"), ValueError, "at least 2"),
    ("dae_span beyond the rank", lambda: dae_span(cl.contexts.knn(_X3, 3), 3), ValueError,
     "exceeds the 2 direction"),
    ("fit_encoder d beyond the inputs", lambda: cl.fit_encoder(
        cl.contexts.cycle(8, 0.3), "svme", 10**12, epochs=1, progress=False, device="cpu"),
     ValueError, "d=1000000000000 exceeds the 8 inputs"),
    ("fit_encoder hidden None", lambda: cl.fit_encoder(
        cl.contexts.cycle(8, 0.3), "svme", 2, epochs=1, progress=False, device="cpu",
        hidden=None), TypeError, "hidden must be a tuple of layer widths.*got None"),
]


test_bad_input_gets_a_clear_error, _ = bad_input_tests(BAD_INPUT, None)


def test_dae_span_within_the_rank():
    ctx = cl.contexts.knn(_X3, 3)
    span = dae_span(ctx, 2)
    assert span.shape == (30, 2)
    np.testing.assert_allclose(span.T @ (ctx.p_x[:, None] * span), np.eye(2), atol=1e-10)
    np.testing.assert_allclose(ctx.p_x @ span, 0.0, atol=1e-12)


def test_diverging_training_says_so():
    data = cl.datasets.load_digits(100)
    with pytest.raises(ValueError, match=r"training diverged.*epoch \d+ of 5.*lr=1e\+200"):
        cl.fit_encoder(cl.contexts.knn(data.X, 5), "spectral_contrastive", 2, epochs=5,
                       lr=1e200, progress=False, device="cpu")


def test_seed_is_the_deprecated_name_of_random_state():
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = fit("svme", epochs=3, seed=5)
    new = fit("svme", epochs=3, random_state=5)
    np.testing.assert_array_equal(old.transform(np.eye(4)), new.transform(np.eye(4)))
    with pytest.raises(TypeError, match="only random_state"):
        fit("svme", epochs=3, seed=5, random_state=5)


# ------------------------------------------------------------ mixed contexts
@pytest.fixture(scope="module")
def knn_and_label():
    digits = cl.datasets.load_digits(300, random_state=1)
    return digits, cl.contexts.knn(digits.X, 5), cl.contexts.label(digits.y,
                                                                  x_features=digits.X)


@pytest.fixture(scope="module")
def two_labels():
    """Two label contexts on the same digits whose spans are almost orthogonal (R2_CCA
    0.005): the digit mod 3, and the tercile of the mean pixel value. Their 0.5 / 0.5 mix has
    s_1..s_4 = 0.74, 0.71, 0.70, 0.67 and then 0: its top-4 span (both parents' functions) is
    unique and far from either parent's."""
    digits = cl.datasets.load_digits(300, random_state=1)
    brightness = digits.X.mean(axis=1)
    tercile = np.searchsorted(np.quantile(brightness, [1 / 3, 2 / 3]), brightness)
    return (digits, cl.contexts.label(digits.y % 3, x_features=digits.X),
            cl.contexts.label(tercile, x_features=digits.X))


@pytest.mark.parametrize("seed", [0, 1])
def test_shared_encoder_on_weighted_losses_learns_the_mixture(two_labels, seed):
    digits, A, B = two_labels
    d = 4
    mix = cl.mixing.convex_combination([A, B], [0.5, 0.5])
    res = cl.contexture(mix, d)
    assert res.unique and res.gap > 0.6
    assert cl.alignment.cca_r2(cl.contexture(A, 2).left, cl.contexture(B, 2).left) < 0.01

    def r2(weight_of_a):        # weight 1 or 0: trained on one parent alone
        enc = fit_mixed_encoder([A, B], [weight_of_a, 1 - weight_of_a],
                                "spectral_contrastive", d, random_state=seed, progress=False,
                                device="cpu", epochs=200, lr=1e-2)
        return cl.alignment.cca_r2(enc.transform(digits.X), res.left)

    assert r2(0.5) > 0.85
    # trained on one parent alone, an encoder misses half of the mixture's span
    assert r2(1.0) < 0.6 and r2(0.0) < 0.6


def test_concatenated_encoders_span_both_contextures(two_labels):
    digits, A, B = two_labels
    # each label context has two singular values equal to 1: learn both (no arbitrary cut)
    enc = fit_concatenated_encoders([A, B], "spectral_contrastive", [2, 2],
                                    progress=False, device="cpu")
    F = enc.transform(digits.X)
    assert F.shape == (300, 4) and enc.d == 4
    np.testing.assert_array_equal(F[:, :2], enc.encoders[0].transform(digits.X))
    parts = np.hstack([cl.contexture(A, 2).left, cl.contexture(B, 2).left])
    assert cl.alignment.cca_r2(F, parts) > 0.9
    # both parts trained on the same context: half the span is missing
    same = fit_concatenated_encoders([A, A], "spectral_contrastive", [2, 2],
                                     progress=False, device="cpu")
    assert cl.alignment.cca_r2(same.transform(digits.X), parts) < 0.6


def test_mixed_training_errors(knn_and_label):
    _, knn, label = knn_and_label
    with pytest.raises(ValueError, match="cannot be mixed"):
        fit_mixed_encoder([knn, label], [0.5, 0.5], "svme", 4)
    with pytest.raises(ValueError, match="one dimension per context"):
        fit_concatenated_encoders([knn, label], "kise", [4])
    with pytest.raises(ValueError, match="at least two contexts"):
        fit_concatenated_encoders([knn], "kise", [4])
