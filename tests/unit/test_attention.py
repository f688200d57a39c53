"""Tests of contexture_lab.attention against independent computations."""

import bad_input_checks as bic
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import attention as at


def _sdpa(q, k, v, temperature=1.0):
    """Reference softmax attention from torch (independent of the package)."""
    q, k, v = (torch.as_tensor(np.asarray(a), dtype=torch.float64)[None] for a in (q, k, v))
    scale = 1.0 / (temperature * np.sqrt(q.shape[-1]))
    return F.scaled_dot_product_attention(q, k, v, scale=scale)[0].numpy()


def _softmax_rows(S):
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@pytest.fixture
def qkv():
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 6)), rng.standard_normal((17, 6)), rng.standard_normal((17, 3))


# ---------------------------------------------------------------------- the attention context
@pytest.mark.parametrize("temperature", [0.3, 1.0, 4.0])
def test_expect_equals_scaled_dot_product_attention(qkv, temperature):
    Q, K, V = qkv
    ctx = at.attention_context(Q, K, temperature)
    # both in float64: agreement to rounding (measured 6e-16)
    np.testing.assert_allclose(ctx.expect(V), _sdpa(Q, K, V, temperature), atol=1e-13)


def test_torch_inputs_give_the_same_numpy_context(qkv):
    Q, K, V = qkv
    ctx = at.attention_context(torch.tensor(Q), torch.tensor(K, dtype=torch.float32),
                               device="cpu")
    assert isinstance(ctx.P, np.ndarray)
    # float32 keys are taken exactly and computed on in float64 (measured 2e-16)
    assert ctx.P.dtype == np.float64
    np.testing.assert_allclose(ctx.expect(V), _sdpa(Q, K.astype(np.float32), V), atol=1e-13)


def test_rows_sum_to_one_and_queries_are_uniform(qkv):
    Q, K, _ = qkv
    ctx = at.attention_context(Q, K)
    np.testing.assert_allclose(ctx.conditional().sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(ctx.p_x, np.full(12, 1 / 12), atol=1e-15)
    assert ctx.shape == (12, 17)
    np.testing.assert_array_equal(ctx.x_features, Q)


def test_weights_set_the_query_marginal_only(qkv):
    Q, K, _ = qkv
    w = np.arange(1.0, 13.0)
    ctx = at.attention_context(Q, K, weights=w)
    np.testing.assert_allclose(ctx.p_x, w / w.sum(), atol=1e-15)
    np.testing.assert_allclose(ctx.conditional(),
                               _softmax_rows(Q @ K.T / np.sqrt(6)), atol=1e-12)


def test_multi_head_contexts_match_torch_multi_head_attention(qkv):
    Q, K, _ = qkv
    rng = np.random.default_rng(1)
    V = rng.standard_normal((17, 4))
    heads = at.multi_head_contexts(Q, K, n_heads=2, temperature=1.0)
    assert len(heads) == 2
    q = torch.tensor(Q).reshape(12, 2, 3).transpose(0, 1)[None]
    k = torch.tensor(K).reshape(17, 2, 3).transpose(0, 1)[None]
    v = torch.tensor(V).reshape(17, 2, 2).transpose(0, 1)[None]
    ref = F.scaled_dot_product_attention(q, k, v)[0]  # default scale 1/sqrt(head dim)
    for h, ctx in enumerate(heads):
        np.testing.assert_allclose(ctx.expect(V[:, 2 * h:2 * h + 2]), ref[h].numpy(),
                                   atol=1e-13)


# ---------------------------------------------------------------------- W_Q = W_K: reversible
def test_symmetric_scores_give_a_reversible_context_with_eigenvector_singular_functions():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((15, 5))
    W = 0.4 * rng.standard_normal((5, 4))
    ctx = at.self_attention_context(X, W, temperature=1.0, weights="stationary")
    S = (X @ W) @ (X @ W).T / np.sqrt(4)
    E = np.exp(S)
    pi = E.sum(axis=1) / E.sum()  # row sums of exp(S): the stationary distribution
    np.testing.assert_allclose(ctx.p_x, pi, atol=1e-12)
    np.testing.assert_allclose(ctx.p_a, pi, atol=1e-12)
    np.testing.assert_allclose(ctx.P, E / E.sum(), atol=1e-12)   # detailed balance: P = P^T
    C = E / E.sum(axis=1, keepdims=True)
    # eigenvalues of C, independently: C is similar to the symmetric D^-1/2 E D^-1/2, and
    # exp(S) is positive semi-definite (Schur product theorem), so all eigenvalues are >= 0
    d = E.sum(axis=1)
    lam = np.sort(np.linalg.eigvalsh(E / np.sqrt(np.outer(d, d))))[::-1]
    assert lam.min() > -1e-12
    res = cl.contexture(ctx, 8)
    np.testing.assert_allclose(res.singular_values, lam[1:9], atol=1e-10)
    mu = res.left
    np.testing.assert_allclose(C @ mu, mu * res.singular_values, atol=1e-8)   # eigenvectors
    np.testing.assert_allclose(mu.T @ (pi[:, None] * mu), np.eye(8), atol=1e-10)
    np.testing.assert_allclose(res.right, res.left, atol=1e-8)


def test_different_query_and_key_maps_are_not_reversible():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((10, 4))
    ctx = at.self_attention_context(X, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)),
                                    weights="stationary")
    np.testing.assert_allclose(ctx.p_a, ctx.p_x, atol=1e-10)   # stationary ...
    assert np.abs(ctx.P - ctx.P.T).max() > 1e-3                # ... but not reversible


# ---------------------------------------------------------------------- temperature limits
def _unit_tokens(n=20, p=6, seed=4):
    X = np.random.default_rng(seed).standard_normal((n, p))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_small_temperature_approaches_the_identity_context():
    X = _unit_tokens()
    ctx = at.attention_context(X, X, temperature=1e-3)   # self-score 1 beats every other
    s = cl.contexture(ctx, 19).singular_values
    assert s.min() > 0.999                              # A = X: every s_i = 1
    np.testing.assert_allclose(ctx.conditional(), np.eye(20), atol=1e-3)


def test_large_temperature_approaches_the_independent_context():
    X = _unit_tokens()
    ctx = at.attention_context(X, X, temperature=1e4)
    s = cl.contexture(ctx, 5).singular_values
    assert s.max() < 1e-4                               # independent: only s_0 = 1
    np.testing.assert_allclose(ctx.conditional(), np.full((20, 20), 1 / 20), atol=1e-5)


def test_singular_values_shrink_monotonically_with_temperature():
    X = _unit_tokens()
    s1 = [cl.spectrum.singular_values(at.attention_context(X, X, t), 1)[0]
          for t in (0.01, 0.1, 1.0, 10.0)]
    assert np.all(np.diff(s1) < 0)


# ---------------------------------------------------------------------- depth
@pytest.fixture
def stack():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((14, 4))
    WQ, WK = 0.5 * rng.standard_normal((4, 4)), 0.5 * rng.standard_normal((4, 4))
    return X, WQ, WK, at.stack_attention(X, WQ, WK, n_layers=3, temperature=0.8)


def test_stacked_layers_match_a_reference_forward_pass(stack):
    X, WQ, WK, st = stack
    H = X
    for layer in range(3):
        H = _sdpa(H @ WQ, H @ WK, H, temperature=0.8)
        np.testing.assert_allclose(st.tokens[layer + 1], H, atol=1e-10)


def test_stacking_equals_the_convolution_of_layer_contexts(stack):
    X, _, _, st = stack
    Cs = [c.conditional() for c in st.contexts]
    product = Cs[2] @ Cs[1] @ Cs[0]              # H_3 = C_3 C_2 C_1 H_0
    comp = st.composite()
    np.testing.assert_allclose(comp.conditional(), product, atol=1e-12)
    np.testing.assert_allclose(comp.expect(X), st.tokens[-1], atol=1e-10)
    via_mixing = cl.mixing.convolve(cl.mixing.convolve(st.contexts[2], st.contexts[1]),
                                    st.contexts[0])
    np.testing.assert_allclose(via_mixing.P, comp.P, atol=1e-14)


def test_composite_singular_values_are_bounded_by_the_layers(stack):
    _, _, _, st = stack
    chain = st.chain()                      # T = T_1 T_2 T_3 in chain order
    np.testing.assert_allclose(chain[1].p_x, chain[0].p_a, atol=1e-14)
    np.testing.assert_allclose(chain[0].conditional() @ chain[1].conditional()
                               @ chain[2].conditional(), st.composite().conditional(),
                               atol=1e-12)
    k = 6
    s = cl.spectrum.singular_values(st.composite(), k)        # values only: ties near 0
    per_layer = [cl.spectrum.singular_values(c, k) for c in chain]
    # s_k(AB) <= s_k(A) s_1(B) and s_k(AB) <= s_1(A) s_k(B)
    assert np.all(s <= per_layer[0] * per_layer[1][0] * per_layer[2][0] + 1e-12)
    assert np.all(s <= per_layer[0][0] * per_layer[1][0] * per_layer[2] + 1e-12)
    # and the spectrum of depth 1, 2, 3 shrinks
    s1 = [cl.contexture(st.composite(L), 1).singular_values[0] for L in (1, 2, 3)]
    assert s1[0] > s1[1] > s1[2]


def test_identical_reversible_layers_raise_singular_values_to_the_power_L():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((12, 3))
    c = at.self_attention_context(X, 0.6 * np.eye(3), weights="stationary")
    s = cl.contexture(c, 5).singular_values
    s3 = cl.contexture(at.compose([c, c, c]), 5).singular_values
    np.testing.assert_allclose(s3, s ** 3, atol=1e-10)


def test_over_smoothing_is_bounded_by_the_composite_spectrum(stack):
    X, _, _, st = stack
    curve = at.over_smoothing(st.tokens)
    assert curve[0] == 1.0 and curve.shape == (4,)
    comp = st.composite()
    s1 = cl.contexture(comp, 1).singular_values[0]
    centre = comp.p_a @ X
    spread_pa = np.sqrt(comp.p_a @ np.sum((X - centre) ** 2, axis=1))
    assert at.token_spread(st.tokens[-1]) <= s1 * spread_pa + 1e-12
    np.testing.assert_allclose(at.token_spread(np.ones((5, 2))), 0.0)
    np.testing.assert_allclose(at.token_spread(np.array([[0.0], [2.0]])), 1.0)


def test_many_layers_collapse_the_tokens():
    X = np.random.default_rng(7).standard_normal((10, 3))
    st = at.stack_attention(X, 0.3 * np.eye(3), n_layers=8)
    curve = at.over_smoothing(st.tokens)
    assert curve[1] < 0.5 and curve[-1] < 1e-6       # collapse is fast (doubly exponential)
    assert np.all(np.diff(curve) <= 1e-12)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    ({"keys": np.ones((4, 5))}, "same number of columns"),
    ({"temperature": 0.0}, "temperature must be > 0"),
    ({"temperature": -1.0}, "temperature must be > 0"),
    ({"temperature": float("nan")}, "temperature must be finite"),
    ({"queries": np.array([[np.nan, 0, 0]])}, "NaN"),
    ({"queries": torch.tensor([[0.0, float("nan"), 0.0]])}, "NaN"),
    ({"queries": np.ones(3)}, "2-D"),
    ({"weights": np.ones(5)}, "one per query"),
    ({"weights": np.array([1.0, -1.0])}, "positive weight"),
    ({"weights": "uniform"}, "unknown weights"),
])
def test_bad_input_raises_clear_errors(kwargs, match):
    args = {"queries": np.ones((2, 3)), "keys": np.ones((4, 3)), "temperature": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        at.attention_context(args["queries"], args["keys"], args["temperature"],
                             weights=kwargs.get("weights"))


def test_bad_input_elsewhere():
    with pytest.raises(ValueError, match="must divide"):
        at.multi_head_contexts(np.ones((2, 6)), np.ones((3, 6)), n_heads=4)
    with pytest.raises(ValueError, match="square conditional"):
        at.attention_context(np.ones((2, 3)), np.ones((4, 3)), weights="stationary")
    with pytest.raises(ValueError, match="W_Q has 5 rows"):
        at.self_attention_context(np.ones((3, 4)), np.ones((5, 2)))
    with pytest.raises(TypeError, match="temperature must be a real number"):
        at.attention_context(np.ones((2, 3)), np.ones((2, 3)), "hot")
    with pytest.raises(ValueError, match="identical"):
        at.over_smoothing([np.ones((3, 2))])


def test_moved_names_point_to_their_new_home():
    # encoders and in_context import this module: serving their names here would be a cycle
    with pytest.raises(AttributeError, match="moved to contexture_lab.in_context.graph_learning"):
        at.graph_learning  # noqa: B018
    with pytest.raises(AttributeError, match="moved to contexture_lab.encoders.AttentionLayer"):
        at.AttentionLayer  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'$"):
        at.nope  # noqa: B018


# ---------------------------------------------------------------------- bad input (tables)
_F = bic.F40
BAD_INPUT = [
    ("attention complex numpy", lambda: at.attention_context(_F + 0j, _F, device="cpu"),
     TypeError, "queries has complex"),
    ("attention complex torch", lambda: at.attention_context(torch.tensor(_F + 0j), _F,
                                                             device="cpu"),
     TypeError, "queries has complex"),
    ("stationary complex", lambda: at.stationary_distribution(np.eye(2) + 0j), TypeError,
     "complex"),
    ("stationary of a joint", lambda: at.stationary_distribution(np.full((2, 2), 0.25)),
     ValueError, "joint distribution"),
    ("stationary non-stochastic", lambda: at.stationary_distribution(np.diag([2.0, 1.0])),
     ValueError, "not row-stochastic"),
    ("stationary negative", lambda: at.stationary_distribution(np.array([[1.5, -0.5],
                                                                         [0.5, 0.5]])),
     ValueError, "negative"),
    ("attention overflow", lambda: at.attention_context(_F * 1e200, _F * 1e200, device="cpu"),
     ValueError, "overflow"),
]
_F20 = bic.F20
COMMON = {
    "stationary_distribution": lambda a: at.stationary_distribution(a(np.eye(3))),
    "attention_context": lambda a: at.attention_context(a(_F20), _F20, device="cpu"),
    "multi_head_contexts": lambda a: at.multi_head_contexts(a(_F20[:, :2]), _F20[:, :2], 2,
                                                            device="cpu"),
    "self_attention_context": lambda a: at.self_attention_context(a(_F20), np.eye(3),
                                                                  device="cpu"),
    "token_spread": lambda a: at.token_spread(a(_F20)),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


def test_attention_temperature_and_weights_at_the_ends_of_the_float_range():
    hard = at.attention_context(_F, _F, 1e-300, device="cpu").conditional()
    np.testing.assert_array_equal(hard, np.eye(40)[np.argmax(_F @ _F.T, axis=1)])
    soft = at.attention_context(_F, _F, 1e308, device="cpu").conditional()
    np.testing.assert_allclose(soft, np.full((40, 40), 1 / 40))
    ctx = at.attention_context(_F, _F, weights=np.full(40, 1e308), device="cpu")
    np.testing.assert_allclose(ctx.p_x, np.full(40, 1 / 40))


def test_attention_context_on_a_read_only_array(recwarn):
    """A read-only input (np.broadcast_to, a memory map) gives the same context, no warning."""
    ro = bic.F20.copy()
    ro.setflags(write=False)
    got = at.attention_context(ro, ro, device="cpu")
    assert not [w for w in recwarn if "not writable" in str(w.message)]
    np.testing.assert_array_equal(
        got.conditional(), at.attention_context(bic.F20, bic.F20, device="cpu").conditional())
