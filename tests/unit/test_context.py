"""Context: validation, marginals, operators, kernels, sampling."""

import numpy as np
import pytest
import scipy.sparse as sp

import contexture_lab as cl

import bad_input_checks as bic
from bad_input_checks import bad_input_tests

P_SMALL = np.array([[0.10, 0.20, 0.00],
                    [0.05, 0.05, 0.30],
                    [0.15, 0.00, 0.15]])


def test_marginals_and_operators_by_hand():
    ctx = cl.Context(P_SMALL)
    np.testing.assert_allclose(ctx.p_x, [0.3, 0.4, 0.3])
    np.testing.assert_allclose(ctx.p_a, [0.3, 0.25, 0.45])
    g = np.array([1.0, 2.0, 3.0])
    # E[g(A) | X = 0] = (0.1*1 + 0.2*2) / 0.3
    np.testing.assert_allclose(ctx.expect(g)[0], 0.5 / 0.3)
    f = np.array([1.0, -1.0, 2.0])
    # E[f(X) | A = 2] = (0.3*(-1) + 0.15*2) / 0.45 = 0
    np.testing.assert_allclose(ctx.expect_adjoint(f)[2], 0.0, atol=1e-15)
    np.testing.assert_allclose(ctx.conditional().sum(axis=1), 1.0)


def test_adjoint_identity_in_weighted_inner_products():
    rng = np.random.default_rng(0)
    P = rng.random((7, 5))
    ctx = cl.Context(P / P.sum())
    f, g = rng.standard_normal(7), rng.standard_normal(5)
    lhs = np.sum(ctx.p_x * f * ctx.expect(g))          # <f, T g>_{P_X}
    rhs = np.sum(ctx.p_a * ctx.expect_adjoint(f) * g)  # <T* f, g>_{P_A}
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_dense_and_sparse_agree_and_kernels_match_definition():
    rng = np.random.default_rng(1)
    P = rng.random((6, 4)) * (rng.random((6, 4)) > 0.3)
    P[:, 0] += 0.1
    P /= P.sum()
    dense, sparse = cl.Context(P), cl.Context(sp.csr_matrix(P))
    assert sparse.is_sparse and not dense.is_sparse
    K = dense.dual_kernel()
    # k(x, x') = sum_a P(a|x) P(a|x') / P(a), written out with loops
    cond = P / P.sum(axis=1, keepdims=True)
    pa = P.sum(axis=0)
    for i in range(6):
        for j in range(6):
            assert K[i, j] == pytest.approx(np.sum(cond[i] * cond[j] / pa))
    np.testing.assert_allclose(sparse.dual_kernel(), K)
    np.testing.assert_allclose(sparse.expect(np.arange(4.0)), dense.expect(np.arange(4.0)))
    KA = dense.positive_pair_kernel()
    condA = (P / pa).T
    assert KA[1, 2] == pytest.approx(np.sum(condA[1] * condA[2] / P.sum(axis=1)))
    # E_{X'}[k(x, X')] = 1 for every x
    np.testing.assert_allclose(K @ dense.p_x, 1.0)


def test_zero_mass_column_is_handled():
    P = np.array([[0.5, 0.0], [0.5, 0.0]])
    ctx = cl.Context(P)
    assert ctx.p_a[1] == 0
    out = ctx.expect_adjoint(np.array([1.0, 3.0]))
    assert np.isfinite(out).all() and out[1] == 0
    assert np.isfinite(ctx.dual_kernel()).all()
    res = cl.Context(np.array([[0.25, 0.25, 0.0], [0.0, 0.5, 0.0]])).contexture(1)
    assert np.isfinite(res.right).all()


@pytest.mark.parametrize("make", [lambda P: P, sp.csr_matrix])
def test_sampling_matches_conditional(make):
    rng = np.random.default_rng(2)
    P = rng.random((3, 5)) * np.array([1, 0, 1, 1, 0])
    P /= P.sum()
    ctx = cl.Context(make(P))
    draws = ctx.sample(np.repeat(np.arange(3), 40_000), np.random.default_rng(3))
    for x in range(3):
        freq = np.bincount(draws[x * 40_000:(x + 1) * 40_000], minlength=5) / 40_000
        np.testing.assert_allclose(freq, P[x] / P[x].sum(), atol=0.01)
    assert not np.isin(draws, [1, 4]).any()
    again = ctx.sample(np.repeat(np.arange(3), 10), np.random.default_rng(3))
    np.testing.assert_array_equal(again, ctx.sample(np.repeat(np.arange(3), 10), 3))


@pytest.mark.parametrize("P, match", [
    (np.array([[0.5, np.nan], [0.25, 0.25]]), "NaN"),
    (np.array([[0.5, np.inf], [0.25, 0.25]]), "NaN or infinite"),
    (np.array([[0.75, -0.25], [0.25, 0.25]]), "negative"),
    (np.array([0.5, 0.5]), "2-D"),
    (np.array([[0.5, 0.5], [0.0, 0.0]]), "no context mass"),
    (np.array([[0.2, 0.2], [0.2, 0.2]]), "sums to"),
    (np.zeros((2, 2)), "no mass"),
    (np.zeros((0, 3)), "at least one row"),
])
def test_invalid_joint_distributions(P, match):
    with pytest.raises(ValueError, match=match):
        cl.Context(P)


def test_bad_types_features_and_calls():
    with pytest.raises(TypeError, match="numeric"):
        cl.Context([["a", "b"]])
    with pytest.raises(ValueError, match="x_features has 2 rows; expected 3"):
        cl.Context(P_SMALL, x_features=np.ones((2, 4)))
    with pytest.raises(ValueError, match="a_features has 4 rows; expected 3"):
        cl.Context(P_SMALL, a_features=np.ones((4, 1)))
    ctx = cl.Context(P_SMALL)
    with pytest.raises(ValueError, match="g has 2 rows; expected 3"):
        ctx.expect(np.ones(2))
    with pytest.raises(ValueError, match="x_index must lie in"):
        ctx.sample(np.array([5]), 0)
    with pytest.raises(TypeError, match="x_index"):
        ctx.sample(np.array([0.5]), 0)
    with pytest.raises(TypeError, match="Generator"):
        ctx.sample(np.array([0]), "seed")
    assert cl.Context(P_SMALL * 3, normalize=True).p_x.sum() == pytest.approx(1.0)


# ---------------------------------------------------------------------- bad input (tables)
BAD_INPUT = [
    ("Context complex", lambda: cl.Context(bic.P22 + 0j), TypeError, "complex"),
    ("Context sparse complex", lambda: cl.Context(sp.csr_matrix(bic.P22 + 0j)), TypeError,
     "complex"),
    ("expect complex", lambda: bic.CTX6.expect(np.ones(6) + 1j), TypeError, "g has complex"),
    ("expect_adjoint complex", lambda: bic.CTX6.expect_adjoint(np.ones(6) * 1j), TypeError,
     "f has complex"),
    ("Context text", lambda: cl.Context(np.array([["1", "2"], ["3", "4"]])), TypeError,
     "non-numeric dtype"),
    ("Context NaN", lambda: cl.Context(np.array([[0.5, np.nan], [0.0, 0.5]])), ValueError,
     "NaN"),
    ("expect wrong length", lambda: bic.CTX6.expect(np.ones(5)), ValueError, "expected 6"),
]
COMMON = {
    "Context": lambda a: cl.Context(a(np.full((2, 2), 0.25))),
    "expect": lambda a: bic.CTX20.expect(a(bic.F20)),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


@pytest.mark.parametrize("scale", [1e-300, 1e308, 5e-324])
def test_normalize_at_the_ends_of_the_float_range(scale):
    ctx = cl.Context(np.full((3, 3), scale), normalize=True)
    np.testing.assert_allclose(ctx.P, np.full((3, 3), 1 / 9), rtol=1e-15)


def test_context_keeps_its_own_copy():
    import torch

    P_in = bic.P22.copy()
    ctx = cl.Context(P_in)
    P_in[0, 0] = 0.5
    assert ctx.P[0, 0] == 0.25 and ctx.p_x[0] == 0.5
    S = sp.csr_matrix(bic.P22)
    sparse_ctx = cl.Context(S)
    S.data[0] = 0.9
    assert sparse_ctx.P[0, 0] == 0.25 and sparse_ctx.p_x[0] == 0.5
    T = torch.tensor(bic.P22)
    torch_ctx = cl.Context(T)
    T[0, 0] = 0.5
    assert torch_ctx.P[0, 0] == 0.25
