"""contexture(): the decomposition's defining identities, solver agreement, errors."""

import bad_input_checks as bic
import numpy as np
import pytest
import scipy.sparse as sp
from bad_input_checks import bad_input_tests

import contexture_lab as cl


def random_context(n=9, m=7, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    P = rng.random((n, m)) ** 3
    P /= P.sum()
    return cl.Context(sp.csr_matrix(P) if sparse else P)


@pytest.mark.parametrize("sparse", [False, True])
def test_defining_identities(sparse):
    ctx = random_context(sparse=sparse)
    d = 6
    res = cl.contexture(ctx, d)
    s, mu, nu = res.singular_values, res.left, res.right
    assert s.shape == (d,) and mu.shape == (9, d) and nu.shape == (7, d)
    # orthonormal in L2(P_X) and L2(P_A), mean zero (orthogonal to the constant, s_0)
    np.testing.assert_allclose(mu.T @ (ctx.p_x[:, None] * mu), np.eye(d), atol=1e-8)
    np.testing.assert_allclose(nu.T @ (ctx.p_a[:, None] * nu), np.eye(d), atol=1e-8)
    np.testing.assert_allclose(ctx.p_x @ mu, 0, atol=1e-8)
    # duality: T nu_i = s_i mu_i and T* mu_i = s_i nu_i
    np.testing.assert_allclose(ctx.expect(nu), mu * s, atol=1e-8)
    np.testing.assert_allclose(ctx.expect_adjoint(mu), nu * s, atol=1e-8)
    assert np.all(np.diff(s) <= 1e-12) and s[0] <= 1 + 1e-12


def test_s0_is_one_with_constant_function():
    ctx = random_context(seed=3)
    ones = np.ones(ctx.n_contexts)
    np.testing.assert_allclose(ctx.expect(ones), 1.0)          # T 1 = 1: s_0 = 1
    Q = ctx.normalized()
    full = np.linalg.svd(Q, compute_uv=False)
    assert full[0] == pytest.approx(1.0)
    np.testing.assert_allclose(cl.contexture(ctx, 5).singular_values, full[1:6], atol=1e-10)


def test_singular_values_match_dual_kernel_eigenvalues():
    """s_i^2 are the eigenvalues of T T*, whose matrix in L2(P_X) is K_X diag(p_x)."""
    ctx = random_context(n=8, m=12, seed=5)
    K = ctx.dual_kernel()
    root = np.sqrt(ctx.p_x)
    eig = np.sort(np.linalg.eigvalsh(root[:, None] * K * root[None, :]))[::-1]
    assert eig[0] == pytest.approx(1.0)
    np.testing.assert_allclose(cl.contexture(ctx, 7).singular_values ** 2, eig[1:8],
                               atol=1e-10)


def test_signs_are_deterministic():
    ctx = random_context(seed=7)
    a, b = cl.contexture(ctx, 4), cl.contexture(ctx, 4, method="torch", device="cpu")
    rows = np.argmax(np.abs(a.left), axis=0)
    assert np.all(a.left[rows, np.arange(4)] > 0)
    np.testing.assert_allclose(a.left, b.left, atol=1e-8)
    np.testing.assert_allclose(a.right, b.right, atol=1e-8)


def test_dense_and_sparse_solvers_agree_on_large_knn():
    X = cl.datasets.swiss_roll(2000, random_state=0)
    ctx = cl.contexts.knn(X, 10)
    assert ctx.is_sparse and ctx.shape == (2000, 2000)
    d = 12
    dense = cl.contexture(ctx, d, method="dense")
    sparse = cl.contexture(ctx, d, method="sparse")
    # double precision throughout at this size (measured: 4e-15 in the values, 2e-15 in the
    # cosines); the bounds leave room for ARPACK's stopping rule, not for a wrong span
    np.testing.assert_allclose(sparse.singular_values, dense.singular_values, atol=1e-10)
    # subspace alignment: mean squared canonical correlation of the two spans
    assert cl.alignment.cca_r2(dense.left, sparse.left) > 1 - 1e-8
    # principal angles computed independently in L2(P_X)
    w = np.sqrt(ctx.p_x)[:, None]
    cosines = np.linalg.svd((dense.left * w).T @ (sparse.left * w), compute_uv=False)
    assert cosines.min() > 1 - 1e-8


def test_torch_path_matches_dense():
    ctx = cl.contexts.knn(cl.datasets.load_digits(300).X, 8)
    a = cl.contexture(ctx, 10, method="dense")
    b = cl.contexture(ctx, 10, method="torch", device="cpu")
    np.testing.assert_allclose(a.singular_values, b.singular_values, atol=1e-10)


def test_coefficients_reconstruct_a_function_in_the_span():
    ctx = random_context(n=10, m=10, seed=11)
    res = cl.contexture(ctx, 5)
    coef = np.array([0.5, -1.0, 2.0, 0.0, 0.25])
    np.testing.assert_allclose(res.coefficients(res.left @ coef), coef, atol=1e-10)


@pytest.mark.parametrize("d, error, match", [
    (0, ValueError, "d must be >= 1"),
    (9, ValueError, "too large"),
    (2.0, TypeError, "integer"),
])
def test_bad_dimensions(d, error, match):
    with pytest.raises(error, match=match):
        cl.contexture(random_context(n=9, m=7), d)


def test_bad_method_and_context():
    with pytest.raises(ValueError, match="unknown method 'svd'"):
        cl.contexture(random_context(), 2, method="svd")
    with pytest.raises(TypeError, match="Context"):
        cl.contexture(np.eye(3) / 3, 1)
    with pytest.raises(ValueError, match="sparse solver needs"):
        cl.contexture(random_context(n=9, m=7), 6, method="sparse")


def test_disconnected_context_keeps_every_copy_of_s_equal_one():
    """Three separate odd rings: s = 1 three times (s_0 included), then each ring's cosines.

    (Odd sizes: a 2-step walk on an even ring splits into two components, even and odd.)
    """
    sizes = (1201, 31, 7)
    W = sp.block_diag([sp.csr_matrix(cl.datasets.ring_graph(n)) for n in sizes], format="csr")
    ctx = cl.contexts.random_walk(W, 2)
    x_labels, a_labels = cl.spectrum.support_components(ctx)
    assert np.bincount(x_labels).tolist() == list(sizes)
    np.testing.assert_array_equal(x_labels, a_labels)
    expected = np.sort(np.concatenate(
        [np.cos(2 * np.pi * np.arange(n) / n) ** 2 for n in sizes]))[::-1][1:21]
    res = cl.contexture(ctx, 20, method="sparse")
    np.testing.assert_allclose(res.singular_values, expected, atol=1e-8)
    assert np.sum(np.abs(res.singular_values - 1.0) < 1e-12) == 2
    np.testing.assert_allclose(res.left.T @ (ctx.p_x[:, None] * res.left), np.eye(20),
                               atol=1e-8)
    np.testing.assert_allclose(ctx.expect(res.right), res.left * res.singular_values,
                               atol=1e-8)
    # the two extra unit functions are constant on each ring (contrasts of the rings)
    for ring in range(3):
        block = res.left[x_labels == ring][:, :2]
        np.testing.assert_allclose(block, np.broadcast_to(block[0], block.shape), atol=1e-10)


def test_shattered_knn_graph_sparse_matches_dense():
    X = cl.datasets.load_digits(1200).X
    ctx = cl.contexts.knn(X, 1)
    n_comp = int(cl.spectrum.support_components(ctx)[0].max()) + 1
    assert n_comp > 30                                   # k = 1 shatters the graph
    sparse = cl.contexture(ctx, 24, method="sparse")
    np.testing.assert_allclose(sparse.singular_values, 1.0, atol=1e-12)
    np.testing.assert_allclose(sparse.left.T @ (ctx.p_x[:, None] * sparse.left), np.eye(24),
                               atol=1e-10)
    np.testing.assert_allclose(ctx.expect(sparse.right), sparse.left, atol=1e-10)


def test_sparse_path_matches_dense_on_a_connected_knn():
    X = np.random.default_rng(4).normal(size=(700, 4))
    ctx = cl.contexts.knn(X, 8)
    res = cl.contexture(ctx, 10, method="sparse")
    s, mu = res.singular_values, res.left
    ref = cl.contexture(ctx, 10, method="dense")
    np.testing.assert_allclose(s, ref.singular_values, atol=1e-7)
    gram = mu.T @ (mu * ctx.p_x[:, None])
    np.testing.assert_allclose(gram, np.eye(10), atol=1e-7)
    # same span: projecting the reference functions onto mu loses nothing
    coef = mu.T @ (ref.left * ctx.p_x[:, None])
    np.testing.assert_allclose(np.sum(coef ** 2, axis=0), np.ones(10), atol=1e-6)
    assert sp.issparse(ctx.P)


def _dense_reference(ctx, d):
    """Singular values by numpy's full SVD of the deflated Q (an independent route: Q built
    here from the joint matrix and its row and column sums)."""
    P = ctx.P.toarray() if sp.issparse(ctx.P) else np.asarray(ctx.P)
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    with np.errstate(divide="ignore"):
        inv_a = np.where(p_a > 0, 1 / np.sqrt(p_a), 0.0)
    Q = P / np.sqrt(p_x)[:, None] * inv_a[None, :]
    return np.linalg.svd(Q - np.outer(np.sqrt(p_x), np.sqrt(p_a)), compute_uv=False)[:d]


def test_sparse_path_keeps_multiplicities_of_a_disconnected_knn():
    # four far-apart blobs, one of them large enough for the Lanczos path; k = 5 KNN
    rng = np.random.default_rng(9)
    X = np.vstack([rng.normal(size=(size, 2)) + 100 * j
                   for j, size in enumerate([40, 30, 25, 620])])
    ctx = cl.contexts.knn(X, 5)
    c = int(cl.spectrum.support_components(ctx)[0].max()) + 1
    assert c >= 4
    res = cl.contexture(ctx, 12, method="sparse")
    s, mu = res.singular_values, res.left
    np.testing.assert_allclose(s, _dense_reference(ctx, 12), atol=1e-8)
    assert np.sum(s > 1 - 1e-9) == min(12, c - 1)  # Krylov alone would miss copies of 1
    np.testing.assert_allclose(mu.T @ (mu * ctx.p_x[:, None]), np.eye(12), atol=1e-8)
    np.testing.assert_allclose(mu.T @ ctx.p_x, 0, atol=1e-10)
    # each mu_i is a singular function: T T* mu_i = s_i^2 mu_i
    K = ctx.dual_kernel()
    np.testing.assert_allclose(K @ (mu * ctx.p_x[:, None]), mu * s ** 2, atol=1e-7)


def test_support_components():
    P = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]) / 4.0
    x_labels, a_labels = cl.spectrum.support_components(cl.Context(P))
    np.testing.assert_array_equal(x_labels, [0, 1, 0, 2])
    np.testing.assert_array_equal(a_labels, [0, 1, -1, 2])  # column 2 has no mass


def test_mixed_precision_sparse_solver_keeps_the_spectrum(monkeypatch):
    """Single-precision factorisation (used for large contexts) + Rayleigh-Ritz in double."""
    ctx = cl.contexts.knn(cl.datasets.swiss_roll(2500, random_state=1), 10)
    double = cl.contexture(ctx, 12, method="sparse")
    monkeypatch.setattr(cl.spectrum, "MIXED_PRECISION_FROM", 0)
    mixed = cl.contexture(ctx, 12, method="sparse")
    np.testing.assert_allclose(mixed.singular_values, double.singular_values, atol=1e-10)
    w = np.sqrt(ctx.p_x)[:, None]
    cosines = np.linalg.svd((mixed.left * w).T @ (double.left * w), compute_uv=False)
    assert cosines.min() > 1 - 1e-8
    np.testing.assert_allclose(ctx.expect(mixed.right), mixed.left * mixed.singular_values,
                               atol=1e-5)


@pytest.mark.parametrize("shape", [(1600, 800), (800, 1600)])
def test_sparse_path_on_tall_and_wide_contexts(shape):
    """The sparse solver works on the smaller Gram matrix of either side."""
    n, m = shape
    rows = np.concatenate([np.arange(n), np.random.default_rng(0).integers(0, n, 6 * n)])
    cols = np.concatenate([np.arange(n) % m, np.random.default_rng(1).integers(0, m, 6 * n)])
    P = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=shape)
    ctx = cl.Context(P / P.sum())
    res = cl.contexture(ctx, 8, method="sparse")
    np.testing.assert_allclose(res.singular_values, _dense_reference(ctx, 8), atol=1e-10)
    np.testing.assert_allclose(ctx.expect(res.right), res.left * res.singular_values, atol=1e-8)
    np.testing.assert_allclose(res.left.T @ (res.left * ctx.p_x[:, None]), np.eye(8), atol=1e-8)


def test_gap_and_uniqueness_against_the_closed_form_spectrum():
    # hypercube {0,1}^4, flip 0.1: s = 0.8 (x4), 0.64 (x6), 0.512 (x4), 0.4096
    ctx = cl.contexts.hypercube(4, 0.1)
    res = cl.contexture(ctx, 4)
    assert res.unique and res.gap == pytest.approx(0.8 - 0.64, abs=1e-12)
    res = cl.contexture(ctx, 10)
    assert res.unique and res.gap == pytest.approx(0.64 - 0.512, abs=1e-12)
    with pytest.warns(cl.DegenerateSpanWarning):
        cut = cl.contexture(ctx, 2)
    assert not cut.unique and cut.gap == pytest.approx(0.0, abs=1e-12)
    assert not cl.contexture(ctx, 5, on_degenerate="ignore").unique


# ---------------------------------------------------------------------- bad input (tables)
BAD_INPUT = [
    ("contexture tol text", lambda: cl.contexture(bic.SPARSE_CTX, 3, method="sparse",
                                                  tol="abc"),
     TypeError, "tol must be a real number"),
    ("contexture tol NaN", lambda: cl.contexture(bic.SPARSE_CTX, 3, method="sparse",
                                                 tol=float("nan")),
     ValueError, "tol must be finite"),
    ("contexture tol negative", lambda: cl.contexture(bic.CTX6, 2, tol=-1.0), ValueError,
     "tol"),
    ("contexture random_state", lambda: cl.contexture(bic.CTX6, 2, random_state=-1), ValueError,
     "random_state"),
]
COMMON = {
    "coefficients": lambda a: cl.contexture(bic.CTX20, 2, on_degenerate="ignore").coefficients(
        a(bic.F20[:, 0])),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


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


# ---------------------------------------------------------------------- the values-only path
def _values_contexts():
    """Dense, sparse, a graph in many pieces, and a context with an empty column."""
    X = cl.datasets.load_digits(150, random_state=4).X
    P = np.random.default_rng(9).random((12, 9)) ** 3
    P[:, 4] = 0.0
    return {"dense": random_context(n=30, m=20, seed=2),
            "sparse": random_context(n=40, m=25, seed=3, sparse=True),
            "shattered knn": cl.contexts.knn(X, 1),
            "knn": cl.contexts.knn(X, 6),
            "empty column": cl.Context(P / P.sum()),
            "rbf": cl.contexts.rbf(X[:60], 20.0)}


@pytest.mark.parametrize("name", list(_values_contexts()))
def test_values_only_path_equals_the_contexture_values(name):
    ctx = _values_contexts()[name]
    n_max = min(ctx.shape) - 1
    ref = cl.contexture(ctx, n_max, method="dense", on_degenerate="ignore").singular_values
    for k in (1, 5, n_max):
        got = cl.spectrum.singular_values(ctx, k, method="values")
        assert got.shape == (k,)
        # values near 0 come from the square root of a Gram eigenvalue: ~1e-8 there
        np.testing.assert_allclose(got, ref[:k], atol=1e-7)
    # the default and the named solvers give contexture's values
    np.testing.assert_allclose(cl.spectrum.singular_values(ctx, 5), ref[:5], atol=1e-9)
    np.testing.assert_allclose(cl.spectrum.singular_values(ctx, 5, method="dense"), ref[:5],
                               atol=1e-12)


def test_values_only_path_counts_the_pieces_and_rejects_bad_input():
    # 3 blocks of a label context: s = 1 twice, then zeros
    ctx = cl.contexts.label(np.repeat([0, 1, 2], 4))
    np.testing.assert_allclose(cl.spectrum.singular_values(ctx, 2, method="values"),
                               [1.0, 1.0], rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="k must be <= 2"):
        cl.spectrum.singular_values(ctx, 3)
    with pytest.raises(TypeError, match="no solver options"):
        cl.spectrum.singular_values(ctx, 1, method="values", tol=1e-3)
    with pytest.raises(ValueError, match="method"):
        cl.spectrum.singular_values(ctx, 1, method="eig")


def test_component_blocks_hold_the_whole_normalised_matrix():
    ctx = _values_contexts()["shattered knn"]
    blocks = list(cl.spectrum.component_blocks(ctx))
    x_labels, _ = cl.spectrum.support_components(ctx)
    assert len(blocks) == x_labels.max() + 1
    Q = ctx.normalized()
    assert sum(B.shape[0] for B in blocks) == ctx.shape[0]
    assert sum(np.sum(B ** 2) for B in blocks) == pytest.approx(Q.multiply(Q).sum(), rel=1e-12)


def test_support_components_are_computed_once_per_context(monkeypatch):
    from scipy.sparse import csgraph

    calls = []
    real = csgraph.connected_components
    monkeypatch.setattr(csgraph, "connected_components",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    ctx = cl.contexts.knn(cl.datasets.load_digits(120, random_state=0).X, 2)
    first = cl.spectrum.support_components(ctx)
    again = cl.spectrum.support_components(ctx)
    assert len(calls) == 1 and again[0] is first[0]
    assert not first[0].flags.writeable and not first[1].flags.writeable
    cl.spectrum.singular_values(ctx, 10, method="values")
    cl.association.n_components(ctx)
    cl.contexture(ctx, 10, method="sparse", on_degenerate="ignore")
    assert len(calls) == 1
    other = cl.contexts.knn(cl.datasets.load_digits(120, random_state=0).X, 2)
    cl.spectrum.support_components(other)
    assert len(calls) == 2


def test_piece_projector_is_the_projection_onto_the_unit_eigenspace():
    ctx = _values_contexts()["shattered knn"]
    ones = cl.association.n_components(ctx) - 1
    res = cl.contexture(ctx, ones, method="dense", on_degenerate="ignore")
    project = cl.spectrum.piece_projector(ctx)
    G = np.random.default_rng(1).standard_normal((ctx.shape[0], 3))
    p = ctx.p_x
    expected = res.left @ (res.left.T @ (p[:, None] * G))
    np.testing.assert_allclose(project(G), expected, atol=1e-10)


def test_contexture_seed_is_renamed_random_state():
    ctx = random_context(n=300, m=300, seed=1, sparse=True)
    new = cl.contexture(ctx, 3, method="sparse", random_state=2)
    with pytest.warns(FutureWarning, match="random_state"):
        old = cl.contexture(ctx, 3, method="sparse", seed=2)
    np.testing.assert_array_equal(new.singular_values, old.singular_values)
    with pytest.raises(TypeError, match="both"):
        cl.contexture(ctx, 3, seed=1, random_state=1)


def test_contexture_with_a_subnormal_column_mass():
    """A context value of mass 1e-310 (no finite reciprocal) contributes ~1e-155 to Q: the
    top singular value is that of the context without it."""
    P = np.array([[0.3, 1e-310, 0.1], [0.2, 0.0, 0.1], [0.1, 0.0, 0.2]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = cl.contexture(cl.Context(P), 2)
    without = cl.contexture(cl.Context(P[:, [0, 2]]), 1)
    np.testing.assert_allclose(got.singular_values[0], without.singular_values[0], rtol=1e-12)
    assert got.singular_values[1] < 1e-150
    ctx = cl.Context(sp.csr_matrix(P))
    np.testing.assert_allclose(ctx.conditional().toarray(), P / P.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(ctx.expect_adjoint(np.ones(3)), [1.0, 1.0, 1.0])
