"""Property-based tests (hypothesis) over random valid contexts and feature pairs.

Bounded (``max_examples``, derandomised so every run draws the same examples) so the module
adds seconds, not minutes, to the test command.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contexture_lab as cl
from contexture_lab import alignment as al

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def joints(draw):
    """A random joint distribution: N x M weights >= 0 with every row positive, some zeros."""
    n = draw(st.integers(2, 7))
    m = draw(st.integers(2, 7))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    W = rng.random((n, m)) ** draw(st.sampled_from([1.0, 4.0]))
    W[rng.random((n, m)) < draw(st.sampled_from([0.0, 0.3, 0.6]))] = 0.0
    W[np.arange(n), rng.integers(0, m, n)] += rng.random(n) + 0.1   # every row has mass
    if draw(st.booleans()):
        W = np.repeat(W, 2, axis=0)[:n]        # repeated rows: repeated singular values
    scale = 10.0 ** draw(st.integers(-200, 200))
    return W * scale


@SETTINGS
@given(joints(), st.booleans())
@pytest.mark.slow
def test_context_invariants(W, sparse):
    ctx = cl.Context(sp.csr_matrix(W) if sparse else W, normalize=True)
    P = ctx.P.toarray() if sparse else ctx.P
    np.testing.assert_allclose(P.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(ctx.p_x, P.sum(axis=1), atol=1e-15)
    np.testing.assert_allclose(ctx.p_a, P.sum(axis=0), atol=1e-15)
    assert (ctx.p_x > 0).all() and (ctx.p_a >= 0).all()
    C = ctx.conditional()
    C = C.toarray() if sparse else C
    np.testing.assert_allclose(C.sum(axis=1), 1.0, atol=1e-12)
    rng = np.random.default_rng(0)
    g, f = rng.standard_normal(ctx.n_contexts), rng.standard_normal(ctx.n_inputs)
    np.testing.assert_allclose(ctx.expect(np.ones(ctx.n_contexts)), 1.0, atol=1e-12)
    # adjointness: <T g, f>_{P_X} = <g, T* f>_{P_A}
    assert ctx.p_x @ (ctx.expect(g) * f) == pytest.approx(
        ctx.p_a @ (g * ctx.expect_adjoint(f)), abs=1e-10)


@SETTINGS
@given(joints())
def test_contexture_invariants(W):
    ctx = cl.Context(W, normalize=True)
    d = min(ctx.shape) - 1
    res = cl.contexture(ctx, d, on_degenerate="ignore")
    s = res.singular_values
    # s_0 = 1 is the top singular value of Q (the constant), reported apart
    top = np.linalg.svd(ctx.normalized(), compute_uv=False)[0]
    assert top == pytest.approx(1.0, abs=1e-12)
    assert (s >= 0).all() and (s <= 1 + 1e-12).all() and (np.diff(s) <= 1e-12).all()
    np.testing.assert_allclose(s, np.linalg.svd(ctx.normalized(), compute_uv=False)[1:d + 1],
                               atol=1e-10)
    px, pa = ctx.p_x, ctx.p_a
    mu, nu = res.left, res.right
    np.testing.assert_allclose(px @ mu, 0.0, atol=1e-10)                    # mean zero
    np.testing.assert_allclose(mu.T @ (px[:, None] * mu), np.eye(d), atol=1e-9)
    keep = s > 1e-8       # a right function of s = 0 may be any unit vector in the kernel
    np.testing.assert_allclose((nu.T @ (pa[:, None] * nu))[np.ix_(keep, keep)],
                               np.eye(int(keep.sum())), atol=1e-9)
    # duality: T nu_i = s_i mu_i and T* mu_i = s_i nu_i
    np.testing.assert_allclose(ctx.expect(nu), mu * s, atol=1e-9)
    np.testing.assert_allclose(ctx.expect_adjoint(mu), nu * s, atol=1e-9)


@st.composite
def feature_pairs(draw):
    """Two representations of the same n inputs, possibly with duplicated rows."""
    n = draw(st.integers(6, 25))
    p, q = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    F = rng.standard_normal((n, p)) * 10.0 ** draw(st.integers(-100, 100))
    mix = rng.standard_normal((p, q))
    G = F @ mix * draw(st.sampled_from([0.0, 0.5, 1.0])) + rng.standard_normal((n, q))
    if draw(st.booleans()):
        rows = rng.integers(0, n // 2, n)
        F, G = F[rows], G[rows]
    return F, G


#: name -> (metric, lowest value, highest value)
RANGES = {"cca_r2": (al.cca_r2, 0.0, 1.0), "svcca": (al.svcca, 0.0, 1.0),
          "linear_cka": (al.linear_cka, 0.0, 1.0), "rbf_cka": (al.rbf_cka, 0.0, 1.0),
          "mutual_knn": (lambda a, b: al.mutual_knn(a, b, k=3), 0.0, 1.0),
          "rsa": (lambda a, b: al.rsa(a, b, metric="euclidean"), -1.0, 1.0),
          "procrustes": (al.procrustes_distance, 0.0, np.sqrt(2.0))}


@SETTINGS
@given(feature_pairs())
def test_similarity_metrics_range_and_rescaling(pair):
    F, G = pair
    rotation = np.linalg.qr(np.random.default_rng(1).standard_normal((F.shape[1],) * 2))[0]
    for name, (metric, low, high) in RANGES.items():
        value = metric(F, G)
        # sqrt(2 - 2 ||X^T Y||_*) near 0 turns round-off 1e-16 into 1e-8
        tol = 1e-7 if name == "procrustes" else 1e-9
        assert np.isfinite(value), name
        assert low - 1e-12 <= value <= high + 1e-12, (name, value)
        assert metric(G, F) == pytest.approx(value, abs=tol), name         # symmetric
        for scale in (1e-150, 1e150):
            assert metric(F * scale, G) == pytest.approx(value, abs=tol), (name, scale)
        if name in ("cca_r2", "linear_cka", "procrustes", "rbf_cka", "rsa"):
            assert metric(F @ rotation, G) == pytest.approx(value, abs=tol), name


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2 ** 32 - 1), st.integers(40, 120), st.integers(2, 8),
       st.integers(1, 5))
@pytest.mark.slow
def test_sparse_and_dense_solvers_agree(seed, n, k, d):
    X = np.random.default_rng(seed).standard_normal((n, 2))
    ctx = cl.contexts.knn(X, k)
    dense = cl.contexture(ctx, d, method="dense", on_degenerate="ignore")
    sparse = cl.contexture(ctx, d, method="sparse", on_degenerate="ignore")
    np.testing.assert_allclose(sparse.singular_values, dense.singular_values, atol=1e-8)
    assert sparse.unique == dense.unique
    if dense.unique and dense.gap > 1e-6:     # then the span is determined: compare it
        proj = dense.left.T @ (ctx.p_x[:, None] * sparse.left)
        np.testing.assert_allclose(np.linalg.svd(proj, compute_uv=False), 1.0, atol=1e-6)
