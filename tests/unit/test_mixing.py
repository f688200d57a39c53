"""Tests of contexture_lab.mixing against closed forms and independent computations."""

from math import comb

import bad_input_checks as bic
import numpy as np
import pytest
import scipy.sparse as sp
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import mixing


def _random_context(rng, n, m, *, p_x=None, sparsity=0.0):
    """A dense random context; ``sparsity`` zeroes a share of entries (rows keep mass)."""
    C = rng.random((n, m)) ** 3
    C[rng.random((n, m)) < sparsity] = 0.0
    C[np.arange(n), rng.integers(0, m, n)] += 0.1
    C /= C.sum(axis=1, keepdims=True)
    p_x = rng.dirichlet(np.ones(n)) if p_x is None else p_x
    return cl.Context(p_x[:, None] * C, normalize=True)


def _all_singular_values(ctx):
    """Every singular value of Q (s_0 included), from a plain numpy SVD of Q."""
    P = ctx.P.toarray() if ctx.is_sparse else ctx.P
    p_a = P.sum(axis=0)
    keep = p_a > 0
    Q = P[:, keep] / np.sqrt(P.sum(axis=1))[:, None] / np.sqrt(p_a[keep])[None, :]
    return np.linalg.svd(Q, compute_uv=False)


def _dual_kernel(P):
    """k_X+(x, x') = sum_a P(a|x) P(a|x') / P(a), written out from the definition."""
    P = P.toarray() if sp.issparse(P) else np.asarray(P)
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    keep = p_a > 0
    C = P[:, keep] / p_x[:, None]
    return (C / p_a[keep]) @ C.T


def _kernel_deviation(ctx):
    K = _dual_kernel(ctx.P)
    return float(ctx.p_x @ np.abs(K - 1.0) @ ctx.p_x)


def _sum_s2(ctx):
    """sum_{i>=1} s_i^2 = ||Q||_F^2 - 1 (no SVD involved)."""
    P = ctx.P.toarray() if ctx.is_sparse else ctx.P
    p_a = P.sum(axis=0)
    keep = p_a > 0
    return float(np.sum(P[:, keep] ** 2 / ctx.p_x[:, None] / p_a[None, keep]) - 1.0)


@pytest.fixture(scope="module")
def digits_knn():
    X = cl.datasets.load_digits(300).X
    return cl.contexts.knn(X, 3), cl.contexts.knn(X, 40)


# ---------------------------------------------------------------------- convolution
def test_hypercube_flips_convolve_to_a_flip():
    e1, e2, n = 0.1, 0.25, 4
    conv = mixing.convolve(cl.contexts.hypercube(n, e1), cl.contexts.hypercube(n, e2))
    e = (1 - (1 - 2 * e1) * (1 - 2 * e2)) / 2
    np.testing.assert_allclose(conv.P, cl.contexts.hypercube(n, e).P, atol=1e-15)
    expected = np.sort(np.concatenate([np.full(comb(n, k), (1 - 2 * e) ** k)
                                       for k in range(n + 1)]))[::-1]
    np.testing.assert_allclose(_all_singular_values(conv), expected, atol=1e-12)
    np.testing.assert_allclose(cl.contexture(conv, 2 ** n - 1).singular_values, expected[1:],
                               atol=1e-12)


def test_cycles_convolve_to_the_product_of_fourier_multipliers():
    n, p1, p2 = 12, 0.3, 0.6
    conv = mixing.convolve(cl.contexts.cycle(n, p1), cl.contexts.cycle(n, p2))
    assert conv.is_sparse
    k = np.arange(n)
    expected = np.abs((1 - p1 + p1 * np.cos(2 * np.pi * k / n))
                      * (1 - p2 + p2 * np.cos(2 * np.pi * k / n)))
    np.testing.assert_allclose(_all_singular_values(conv), np.sort(expected)[::-1],
                               atol=1e-12)


def test_convolution_joint_uses_only_the_second_conditional():
    rng = np.random.default_rng(0)
    c1 = _random_context(rng, 5, 4)
    c2 = _random_context(rng, 4, 6)          # its p_x differs from c1's p_a
    assert not np.allclose(c1.p_a, c2.p_x)
    conv = mixing.convolve(c1, c2)
    expected = np.zeros((5, 6))
    for x in range(5):
        for a1 in range(4):
            for a2 in range(6):
                expected[x, a2] += c1.P[x, a1] * c2.P[a1, a2] / c2.p_x[a1]
    np.testing.assert_allclose(conv.P, expected, atol=1e-15)
    np.testing.assert_allclose(conv.p_x, c1.p_x, atol=1e-15)
    # the same conditional with another input marginal gives the same convolution
    other = cl.Context(c2.conditional() * rng.dirichlet(np.ones(4))[:, None], normalize=True)
    np.testing.assert_allclose(mixing.convolve(c1, other).P, expected, atol=1e-15)


def test_convolution_with_identity_and_independent():
    rng = np.random.default_rng(1)
    c1 = _random_context(rng, 6, 5)
    np.testing.assert_allclose(mixing.convolve(c1, cl.contexts.identity(5)).P, c1.P,
                               atol=1e-15)
    p_a = rng.dirichlet(np.ones(3))
    indep = mixing.convolve(c1, cl.contexts.independent(np.full(5, 0.2), p_a))
    np.testing.assert_allclose(indep.P, np.outer(c1.p_x, p_a), atol=1e-15)
    np.testing.assert_allclose(_all_singular_values(indep)[1:], 0.0, atol=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_convolution_only_shrinks_singular_values(seed):
    rng = np.random.default_rng(seed)
    c1 = _random_context(rng, 8, 7, sparsity=0.4)
    c2 = _random_context(rng, 7, 9, sparsity=0.4)
    s1 = _all_singular_values(c1)
    s = _all_singular_values(mixing.convolve(c1, c2))
    k = min(s.size, s1.size)
    assert np.all(s[:k] <= s1[:k] + 1e-12)
    assert s[0] == pytest.approx(1.0)


def test_convolution_of_knn_contexts_stays_sparse_and_weaker(digits_knn):
    k3, k40 = digits_knn
    conv = mixing.convolve(k3, k40)
    assert conv.is_sparse
    assert conv.x_features is k3.x_features and conv.a_features is k40.a_features
    s1 = cl.contexture(k3, 20).singular_values
    s = cl.contexture(conv, 20).singular_values
    assert np.all(s <= s1 + 1e-10)
    assert _sum_s2(conv) < min(_sum_s2(k3), _sum_s2(k40))


def test_convolution_dense_when_either_input_is_dense():
    rng = np.random.default_rng(2)
    dense = _random_context(rng, 5, 5)
    sparse = cl.contexts.cycle(5, 0.2)
    assert not mixing.convolve(dense, sparse).is_sparse
    assert not mixing.convolve(sparse, dense).is_sparse


# ---------------------------------------------------------------------- convex combination
def test_convex_combination_blocks_and_kernels_add():
    rng = np.random.default_rng(3)
    p_x = rng.dirichlet(np.ones(6))
    c1, c2 = _random_context(rng, 6, 4, p_x=p_x), _random_context(rng, 6, 5, p_x=p_x)
    w = 0.3
    mix = mixing.convex_combination([c1, c2], [w, 1 - w])
    assert mix.shape == (6, 9)
    np.testing.assert_allclose(mix.normalized(), np.hstack(
        [np.sqrt(w) * c1.normalized(), np.sqrt(1 - w) * c2.normalized()]), atol=1e-14)
    np.testing.assert_allclose(_dual_kernel(mix.P),
                               w * _dual_kernel(c1.P) + (1 - w) * _dual_kernel(c2.P),
                               atol=1e-12)
    np.testing.assert_array_equal(mix.which, [0] * 4 + [1] * 5)
    np.testing.assert_array_equal(mix.local_index, list(range(4)) + list(range(5)))


def test_convex_combination_sum_of_squares_is_linear_in_the_weight(digits_knn):
    k3, k40 = digits_knn
    weights = np.linspace(0, 1, 6)
    totals = np.array([_sum_s2(mixing.convex_combination([k3, k40], [w, 1 - w]))
                       for w in weights])
    np.testing.assert_allclose(totals, weights * _sum_s2(k3) + (1 - weights) * _sum_s2(k40),
                               rtol=1e-10)
    # the same sum from the singular values themselves
    mix = mixing.convex_combination([k3, k40], [0.4, 0.6])
    s = _all_singular_values(mix)
    assert np.sum(s[1:] ** 2) == pytest.approx(totals[2], rel=1e-9)
    assert mix.is_sparse


def test_convex_combination_of_three_contexts_and_zero_weight():
    rng = np.random.default_rng(4)
    p_x = np.full(5, 0.2)
    cs = [_random_context(rng, 5, m, p_x=p_x) for m in (3, 4, 2)]
    mix = mixing.convex_combination(cs, [0.5, 0.0, 0.5])
    assert mix.shape == (5, 9)
    assert np.all(mix.p_a[3:7] == 0)
    np.testing.assert_allclose(_dual_kernel(mix.P), 0.5 * _dual_kernel(cs[0].P)
                               + 0.5 * _dual_kernel(cs[2].P), atol=1e-12)


def test_convex_combination_sparse_if_any_input_is_sparse():
    dense = cl.contexts.hypercube(2, 0.1)                  # uniform p_x on 4 inputs
    sparse = cl.contexts.cycle(4, 0.5)
    mix = mixing.convex_combination([dense, sparse], [0.5, 0.5])
    assert mix.is_sparse and mix.P.nnz == 16 + 12
    assert not mixing.convex_combination([dense, dense], [0.5, 0.5]).is_sparse


def test_convex_combination_features():
    X = np.arange(12.0).reshape(6, 2)
    c1 = cl.contexts.knn(X, 2)
    c2 = cl.contexts.label([0, 0, 1, 1, 2, 2])
    mix = mixing.convex_combination([c2, c1], [0.5, 0.5])
    assert mix.x_features is c1.x_features          # first context that has them
    assert mix.a_features is None                   # the label context has none
    both = mixing.convex_combination([c1, c1], [0.5, 0.5])
    np.testing.assert_array_equal(both.a_features, np.vstack([X, X]))


# ---------------------------------------------------------------------- concatenation
def test_concatenation_joint_against_einsum():
    rng = np.random.default_rng(5)
    p_x = rng.dirichlet(np.ones(5))
    c1 = _random_context(rng, 5, 3, p_x=p_x, sparsity=0.5)
    c2 = _random_context(rng, 5, 4, p_x=p_x, sparsity=0.5)
    cat = mixing.concatenate(c1, c2)
    full = np.einsum("x,xa,xb->xab", p_x, c1.conditional(), c2.conditional()).reshape(5, 12)
    used = np.flatnonzero(full.sum(axis=0) > 0)
    assert not cat.is_sparse
    np.testing.assert_allclose(cat.P, full[:, used], atol=1e-15)
    np.testing.assert_array_equal(cat.pairs, np.column_stack([used // 4, used % 4]))
    # marginalising A2 gives back c1
    P1 = np.zeros((5, 3))
    np.add.at(P1.T, cat.pairs[:, 0], cat.P.T)
    np.testing.assert_allclose(P1, c1.P, atol=1e-15)


def test_concatenation_of_knn_contexts_is_sparse_with_n_k1_k2_entries(digits_knn):
    k3, k40 = digits_knn
    cat = mixing.concatenate(k3, k40)
    assert cat.is_sparse
    assert cat.P.nnz == 300 * 3 * 40
    assert cat.a_features.shape == (cat.n_contexts, 128)
    i = 7
    np.testing.assert_array_equal(cat.a_features[i, :64], k3.a_features[cat.pairs[i, 0]])
    np.testing.assert_array_equal(cat.a_features[i, 64:], k40.a_features[cat.pairs[i, 1]])


@pytest.mark.parametrize("seed", range(5))
def test_concatenation_is_at_least_as_strong_as_each_part(seed):
    rng = np.random.default_rng(seed)
    p_x = rng.dirichlet(np.ones(7))
    c1 = _random_context(rng, 7, 4, p_x=p_x, sparsity=0.3)
    c2 = _random_context(rng, 7, 5, p_x=p_x, sparsity=0.3)
    cat = mixing.concatenate(c1, c2)
    s = _all_singular_values(cat)
    for part in (c1, c2):
        sp_ = _all_singular_values(part)
        k = min(s.size, sp_.size)
        assert np.all(s[:k] >= sp_[:k] - 1e-12)
        assert _sum_s2(cat) >= _sum_s2(part) - 1e-12
        # E[(k - 1)^2] = sum_{i>=1} s_i^4 is monotone too
        K, Kp = _dual_kernel(cat.P), _dual_kernel(part.P)
        assert p_x @ (K - 1) ** 2 @ p_x >= p_x @ (Kp - 1) ** 2 @ p_x - 1e-12


def test_concatenation_kernel_deviation_on_knn_contexts(digits_knn):
    k3, k40 = digits_knn
    cat = mixing.concatenate(k3, k40)
    # KNN-3 is near the strong extreme, where E|k - 1| saturates: equal up to rounding
    assert _kernel_deviation(cat) >= _kernel_deviation(k3) - 1e-9
    assert _kernel_deviation(cat) > _kernel_deviation(k40) + 0.5
    assert _sum_s2(cat) >= max(_sum_s2(k3), _sum_s2(k40))


def test_kernel_deviation_is_not_monotone_under_concatenation_in_general():
    # a small counterexample found by random search: E|k - 1| drops slightly, although
    # every singular value (and so sum s_i^2 and E[(k - 1)^2]) can only grow
    C1 = np.array([[0.44, 0.56, 0.0], [0.07, 0.01, 0.92], [0.89, 0.01, 0.1],
                   [0.67, 0.26, 0.06]])
    C2 = np.array([[0.93, 0.07], [0.79, 0.21], [0.97, 0.03], [0.71, 0.29]])
    c1 = cl.Context(C1 / C1.sum(axis=1, keepdims=True) / 4)
    c2 = cl.Context(C2 / C2.sum(axis=1, keepdims=True) / 4)
    cat = mixing.concatenate(c1, c2)
    assert _kernel_deviation(cat) < _kernel_deviation(c1) - 0.005
    assert _sum_s2(cat) > _sum_s2(c1)


def test_concatenation_with_identity_is_identity_strength():
    rng = np.random.default_rng(6)
    c1 = _random_context(rng, 5, 3, p_x=np.full(5, 0.2))
    cat = mixing.concatenate(c1, cl.contexts.identity(5))
    np.testing.assert_allclose(_all_singular_values(cat), 1.0, atol=1e-12)


def test_concatenation_refuses_huge_results(monkeypatch, digits_knn):
    k3, k40 = digits_knn
    monkeypatch.setattr(mixing, "MAX_CONCAT_ENTRIES", 1000)
    with pytest.raises(ValueError, match="would store 36000 entries"):
        mixing.concatenate(k3, k40)


# ---------------------------------------------------------------------- errors
def test_errors():
    rng = np.random.default_rng(7)
    a = _random_context(rng, 4, 3, p_x=np.full(4, 0.25))
    b = _random_context(rng, 4, 5, p_x=np.full(4, 0.25))
    other_px = _random_context(rng, 4, 5)
    with pytest.raises(ValueError, match="expected M1 == N2"):
        mixing.convolve(a, b)
    with pytest.raises(TypeError, match="c2 must be a contexture_lab.Context"):
        mixing.convolve(a, a.P)
    with pytest.raises(ValueError, match="at least two contexts"):
        mixing.convex_combination([a], [1.0])
    with pytest.raises(TypeError, match="list of at least two"):
        mixing.convex_combination(a, [1.0])
    with pytest.raises(ValueError, match="negative"):
        mixing.convex_combination([a, b], [1.5, -0.5])
    with pytest.raises(ValueError, match="sums to 0.9"):
        mixing.convex_combination([a, b], [0.5, 0.4])
    with pytest.raises(ValueError, match="one weight per context"):
        mixing.convex_combination([a, b], [0.5, 0.25, 0.25])
    with pytest.raises(TypeError, match=r"contexts\[1\] must be"):
        mixing.convex_combination([a, "b"], [0.5, 0.5])
    with pytest.raises(ValueError, match="share the marginal of X"):
        mixing.convex_combination([a, other_px], [0.5, 0.5])
    with pytest.raises(ValueError, match="share the marginal of X"):
        mixing.concatenate(a, other_px)
    with pytest.raises(ValueError, match="N=4 inputs and context 1 has N=5"):
        mixing.concatenate(a, _random_context(rng, 5, 2))
    with pytest.raises(TypeError, match="c1 must be"):
        mixing.concatenate(None, a)


# ---------------------------------------------------------------------- dual_contexture
def test_dual_contexture_matches_the_svd_of_q():
    rng = np.random.default_rng(8)
    p_x = rng.dirichlet(np.ones(9))
    cat = mixing.concatenate(_random_context(rng, 9, 4, p_x=p_x, sparsity=0.3),
                             _random_context(rng, 9, 5, p_x=p_x, sparsity=0.3))
    s, mu = mixing.dual_contexture(cat, 5)
    np.testing.assert_allclose(s, _all_singular_values(cat)[1:6], atol=1e-10)
    ref = cl.contexture(cat, 5, method="dense")
    # distinct singular values: the same functions, with contexture's sign convention
    # (the largest-magnitude value of each mu_i is positive)
    assert np.min(-np.diff(_all_singular_values(cat)[:7])) > 0.03
    np.testing.assert_allclose(mu, ref.left, atol=1e-8)
    rows = np.argmax(np.abs(mu), axis=0)
    assert np.all(mu[rows, np.arange(5)] > 0)
    np.testing.assert_allclose(mu.T @ (p_x[:, None] * mu), np.eye(5), atol=1e-10)
    np.testing.assert_allclose(p_x @ mu, 0.0, atol=1e-10)
    G = mixing.normalized_gram(cat)
    np.testing.assert_allclose(G, np.sqrt(np.outer(p_x, p_x)) * _dual_kernel(cat.P),
                               atol=1e-12)
    with pytest.raises(ValueError, match="expected \\(9, 9\\)"):
        mixing.dual_contexture(cat, 2, gram=np.eye(3))


def test_normalized_gram_dense_and_sparse_paths(digits_knn):
    k3, k40 = digits_knn
    for ctx in (k3, mixing.convolve(k40, k40)):     # few entries / nearly full
        root = np.sqrt(ctx.p_x)
        np.testing.assert_allclose(mixing.normalized_gram(ctx),
                                   np.outer(root, root) * _dual_kernel(ctx.P), atol=1e-12)
    assert mixing.convolve(k40, k40).P.nnz > mixing.DENSE_Q_DENSITY * 300 * 300


# ---------------------------------------------------------------------- bad input (tables)
COMMON = {
    "dual_contexture gram": lambda a: mixing.dual_contexture(bic.CTX20, 2,
                                                             gram=a(np.eye(20))),
}


_, test_common_checks = bad_input_tests((), COMMON)


def test_training_names_point_to_their_new_home():
    # training imports this module: serving its names here would be an import cycle
    for name in ("fit_mixed_encoder", "fit_concatenated_encoders", "ConcatenatedEncoder"):
        with pytest.raises(AttributeError, match=f"moved to contexture_lab.training.{name}"):
            getattr(mixing, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'$"):
        mixing.nope  # noqa: B018
