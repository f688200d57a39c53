"""Repeated singular values: the warning, the gap, and the scramble switch."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import contexture_lab as cl
from contexture_lab import degeneracy
from contexture_lab.mixing import dual_contexture


def projector(F, p):
    """Orthogonal projector onto span(F) in L2(p), as an (N, N) matrix."""
    W = F * np.sqrt(p)[:, None]
    q, _ = np.linalg.qr(W)
    return q @ q.T


def label_context():
    y = np.repeat(np.arange(10), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])   # unequal classes
    return cl.contexts.label(y)


def two_blob_knn():
    """A KNN context on three far-apart blobs: three components, s = 1 twice besides s_0."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 0.1, size=(150, 2)) for c in (0.0, 50.0, 100.0)])
    return cl.contexts.knn(X, k=5)


def test_clusters_and_closing_cuts():
    s = np.array([3.0, 3.0, 2.0, 1.0, 1.0, 1.0, 0.5])
    assert degeneracy.clusters(s) == [(0, 2), (3, 6)]
    assert degeneracy.closes_at(s, 4) == (3, 6)
    assert degeneracy.closes_at(s, 1) == (0, 2)
    assert degeneracy.clusters(s - np.array([0, 1e-6, 0, 0, 0, 0, 0])) == [(3, 6)]
    assert degeneracy.clusters(s - np.array([0, 1e-9, 0, 0, 0, 0, 0])) == [(0, 2), (3, 6)]


def test_label_context_cut_inside_the_cluster_warns_with_the_closing_d():
    ctx = label_context()
    with pytest.warns(cl.DegenerateSpanWarning, match=r"cluster of 9.*Use d = 9"):
        res = cl.contexture(ctx, 8)
    assert not res.unique
    assert res.gap == pytest.approx(0.0, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole = cl.contexture(ctx, 9)       # the whole cluster: determined
    assert whole.unique
    assert whole.gap == pytest.approx(1.0)  # s_9 = 1, then only zeros (N > M)


def test_cycle_gap_is_the_closed_form():
    n, p = 12, 0.4
    k = np.arange(n)
    s = np.sort(np.abs(1 - p + p * np.cos(2 * np.pi * k / n)))[::-1][1:]
    with pytest.warns(cl.DegenerateSpanWarning, match="cluster of 2"):
        odd = cl.contexture(cl.contexts.cycle(n, p), 1)
    assert not odd.unique
    res = cl.contexture(cl.contexts.cycle(n, p), 2)
    assert res.unique
    assert res.gap == pytest.approx(s[1] - s[2], abs=1e-12)


def test_on_degenerate_ignore_and_singular_values_never_warn():
    ctx = label_context()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cl.contexture(ctx, 4, on_degenerate="ignore")
        vals = cl.spectrum.singular_values(ctx, 4)
    assert not res.unique
    np.testing.assert_allclose(vals, 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="on_degenerate"):
        cl.contexture(ctx, 4, on_degenerate="loud")


@pytest.mark.parametrize("method", ["dense", "torch"])
def test_scramble_rotates_inside_clusters_only(method):
    ctx = cl.contexts.cycle(16, 0.3)          # pairs k, N - k; s_8 = |1 - 2p| alone
    d = 8                                     # s_7 = s_8 ? no: pairs end at even d
    plain = cl.contexture(ctx, d, method=method)
    with cl.scrambled(5):
        mixed = cl.contexture(ctx, d, method=method)
    np.testing.assert_allclose(mixed.singular_values, plain.singular_values, atol=1e-12)
    # the basis inside each pair changes ...
    assert np.max(np.abs(mixed.left - plain.left)) > 1e-3
    # ... the span of each whole cluster does not, and T nu = s mu still holds
    for start, stop in degeneracy.clusters(plain.singular_values):
        np.testing.assert_allclose(projector(mixed.left[:, start:stop], ctx.p_x),
                                   projector(plain.left[:, start:stop], ctx.p_x), atol=1e-10)
    np.testing.assert_allclose(ctx.expect(mixed.right), mixed.left * mixed.singular_values,
                               atol=1e-10)
    gram = mixed.left.T @ (mixed.left * ctx.p_x[:, None])
    np.testing.assert_allclose(gram, np.eye(d), atol=1e-10)


def test_scramble_leaves_distinct_values_alone_and_is_seeded():
    ctx = cl.contexts.rbf(np.random.default_rng(1).normal(size=(60, 3)), bandwidth=1.0)
    plain = cl.contexture(ctx, 6)
    with cl.scrambled(3):
        mixed = cl.contexture(ctx, 6)
    np.testing.assert_array_equal(mixed.left, plain.left)
    label = label_context()
    with cl.scrambled(3):
        a = cl.contexture(label, 9).left
    with cl.scrambled(3):
        b = cl.contexture(label, 9).left
    with cl.scrambled(4):
        c = cl.contexture(label, 9).left
    np.testing.assert_array_equal(a, b)
    assert np.max(np.abs(a - c)) > 1e-3


def test_scramble_reaches_past_d_when_the_cut_splits_a_cluster():
    """The cut d = 4 of a 9-fold cluster keeps a *different* 4-dimensional subspace."""
    ctx = label_context()
    plain = cl.contexture(ctx, 4, on_degenerate="ignore")
    with cl.scrambled(2):
        mixed = cl.contexture(ctx, 4, on_degenerate="ignore")
    gap = np.abs(projector(mixed.left, ctx.p_x) - projector(plain.left, ctx.p_x)).max()
    assert gap > 1e-2


def test_environment_switch_matches_the_context_manager(monkeypatch):
    ctx = label_context()
    with cl.scrambled(7):
        expected = cl.contexture(ctx, 9).left
    monkeypatch.setenv(degeneracy.SCRAMBLE_ENV, "7")
    np.testing.assert_array_equal(cl.contexture(ctx, 9).left, expected)
    monkeypatch.setenv(degeneracy.SCRAMBLE_ENV, "seven")
    with pytest.raises(ValueError, match="expected an integer seed"):
        cl.contexture(ctx, 9)
    monkeypatch.setenv(degeneracy.SCRAMBLE_ENV, "0")
    assert degeneracy.scramble_seed() is None


@pytest.mark.parametrize("seed", [0, -1, 1.5, True, "1"])
def test_scrambled_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="positive integer"):
        with cl.scrambled(seed):
            pass


@pytest.mark.slow
def test_sparse_solver_sees_the_components_cluster():
    ctx = two_blob_knn()
    assert ctx.is_sparse
    with pytest.warns(cl.DegenerateSpanWarning, match=r"cluster of 2"):
        res = cl.contexture(ctx, 1, method="sparse")
    np.testing.assert_allclose(res.singular_values, [1.0], atol=1e-10)
    both = cl.contexture(ctx, 2, method="sparse")
    assert both.unique and both.gap > 1e-3
    with cl.scrambled(1):
        mixed = cl.contexture(ctx, 2, method="sparse")
    np.testing.assert_allclose(projector(mixed.left, ctx.p_x), projector(both.left, ctx.p_x),
                               atol=1e-8)
    assert np.max(np.abs(mixed.left - both.left)) > 1e-3


def test_dual_contexture_warns_and_scrambles_like_contexture():
    ctx = label_context()
    with pytest.warns(cl.DegenerateSpanWarning, match="cluster of 9"):
        dual_contexture(ctx, 5)
    s, mu = dual_contexture(ctx, 9)
    with cl.scrambled(3):
        s2, mu2 = dual_contexture(ctx, 9)
    np.testing.assert_allclose(s2, s, atol=1e-12)
    np.testing.assert_allclose(projector(mu2, ctx.p_x), projector(mu, ctx.p_x), atol=1e-10)
    assert np.max(np.abs(mu2 - mu)) > 1e-3


@pytest.mark.slow
def test_sparse_and_dense_agree_on_gap():
    ctx = cl.contexts.knn(np.random.default_rng(2).normal(size=(1500, 3)), k=8)
    dense = cl.contexture(ctx, 5, method="dense")
    sparse = cl.contexture(ctx, 5, method="sparse")
    assert sp.issparse(ctx.P)
    assert sparse.gap == pytest.approx(dense.gap, abs=1e-9)


# ---------------------------------------------------------------------- seeded bases
def _cluster(n=40, seed=0):
    """A non-uniform p_x, 5 L2(P_X)-orthonormal functions, and a rotation of them."""
    rng = np.random.default_rng(seed)
    p = rng.random(n) + 0.2
    p /= p.sum()
    w = np.sqrt(p)
    Q = np.linalg.qr(np.c_[w, rng.standard_normal((n, 5))])[0][:, 1:]
    U = Q / w[:, None]
    R = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    return p, U, U @ R


def test_seeded_basis_depends_on_the_span_only():
    p, U, V = _cluster()
    a = degeneracy.seeded_basis(U, p, 5, random_state=3, start=2)
    b = degeneracy.seeded_basis(V, p, 5, random_state=3, start=2)
    np.testing.assert_allclose(a, b, atol=1e-12)            # another basis, same draw
    np.testing.assert_allclose(a.T @ (p[:, None] * a), np.eye(5), atol=1e-12)
    np.testing.assert_allclose(a @ a.T, U @ U.T, atol=1e-12)   # it spans the cluster
    # a callable projection gives the same basis; fewer columns are the first ones of a
    # draw of that size (so a cut inside the cluster sees a uniformly drawn subspace)
    def project(G):
        return U @ (U.T @ (p[:, None] * G))

    np.testing.assert_allclose(degeneracy.seeded_basis(project, p, 5, random_state=3,
                                                       start=2), a, atol=1e-12)
    c = degeneracy.seeded_basis(U, p, 2, random_state=3, start=2)
    np.testing.assert_allclose(c.T @ (p[:, None] * c), np.eye(2), atol=1e-12)
    # another seed or another start is another draw
    assert np.abs(degeneracy.seeded_basis(U, p, 5, random_state=4, start=2) - a).max() > 0.1
    assert np.abs(degeneracy.seeded_basis(U, p, 5, random_state=3, start=0) - a).max() > 0.1
    with pytest.raises(ValueError, match="positive marginal"):
        degeneracy.seeded_basis(U, np.r_[0.0, p[1:]], 2)


def test_seeded_subspaces_are_uniformly_distributed():
    # E[projection onto a uniformly drawn j-subspace of an m-dim span] = (j / m) * projection
    p, U, _ = _cluster(n=12, seed=5)
    j, m = 2, 5
    mean = np.zeros((12, 12))
    n = 4000
    for b in range(n):
        F = degeneracy.seeded_basis(U, p, j, random_state=b)
        mean += F @ (F.T * p) / n
    np.testing.assert_allclose(mean, j / m * U @ (U.T * p), atol=0.03)


def test_cluster_bases_reseed_only_the_clusters():
    p, U, V = _cluster()
    values = np.array([0.9, 0.5, 0.5, 0.5, 0.2])
    other = V.copy()
    other[:, 1:4] = U[:, 1:4] @ np.linalg.qr(np.random.default_rng(2).standard_normal((3, 3)))[0]
    other[:, 0], other[:, 4] = U[:, 0], U[:, 4]
    a, found = degeneracy.cluster_bases(values, U, p, 3, n_bases=4)
    b, _ = degeneracy.cluster_bases(values, other, p, 3, n_bases=4)
    assert found == [(1, 4)] and len(a) == 4 and a[0].shape == (40, 3)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=1e-12)       # whatever the solver's basis
        np.testing.assert_array_equal(x[:, 0], U[:, 0])      # a distinct value is kept
    # version b is the seeded basis of seed random_state + b
    np.testing.assert_allclose(a[2][:, 1:3], degeneracy.seeded_basis(
        U[:, 1:4], p, 2, random_state=2, start=1), atol=1e-12)
    # no cluster before the cut: one version, the functions as they are
    c, none = degeneracy.cluster_bases(values, U, p, 1, n_bases=4)
    assert none == [] and len(c) == 1
    np.testing.assert_array_equal(c[0], U[:, :1])


def test_mean_over_bases_uses_the_sample_spread():
    mean, spread = degeneracy.mean_over_bases([0.1, 0.2, 0.4])
    assert mean == pytest.approx(0.7 / 3)
    assert spread == pytest.approx(np.sqrt(np.sum((np.r_[0.1, 0.2, 0.4] - 0.7 / 3) ** 2) / 2))
    assert degeneracy.mean_over_bases([0.3]) == (0.3, 0.0)
    with pytest.raises(ValueError, match="empty"):
        degeneracy.mean_over_bases([])


def test_scramble_seed_is_renamed_random_state():
    with pytest.warns(FutureWarning, match="random_state"), cl.scrambled(seed=2):
        assert degeneracy.scramble_seed() == 2
    with cl.scrambled(random_state=3):
        assert degeneracy.scramble_seed() == 3
    values = np.array([1.0, 0.5, 0.5])
    U = np.eye(3)
    with pytest.warns(FutureWarning):
        old, = degeneracy.rotate_clusters(values, U, seed=4)
    new, = degeneracy.rotate_clusters(values, U, random_state=4)
    np.testing.assert_array_equal(old, new)
