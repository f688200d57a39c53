"""The contexture estimated on m inputs, its extension to all inputs, eigenvalue errors."""

import bad_input_checks as bic
import numpy as np
import pytest
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import estimation as est


@pytest.fixture(scope="module")
def blobs():
    """120 points of a noisy circle in 3-D (continuous coordinates: no distance ties)."""
    rng = np.random.default_rng(4)
    t = rng.uniform(0, 2 * np.pi, 120)
    return np.c_[np.cos(t), np.sin(t), 0.3 * np.cos(3 * t)] + 0.05 * rng.standard_normal((120, 3))


@pytest.mark.parametrize("context, params", [("knn", {"k": 6}), ("rbf", {"bandwidth": 0.4})])
def test_all_points_give_the_full_decomposition(blobs, context, params):
    full = cl.contexture(est.build_context(blobs, context=context, **params), 6)
    sub = est.subset_contexture(blobs, blobs.shape[0], 6, context=context, random_state=1, **params)
    np.testing.assert_array_equal(sub.indices, np.arange(blobs.shape[0]))
    np.testing.assert_allclose(sub.singular_values, full.singular_values, atol=1e-12)
    np.testing.assert_allclose(sub.left, full.left, atol=1e-9)
    np.testing.assert_allclose(sub.eigenvalues, full.singular_values ** 2, atol=1e-12)


def test_knn_extension_against_brute_force(blobs):
    k, d = 5, 4
    sub = est.subset_contexture(blobs, 50, d, k=k, random_state=3)
    S = sub.indices
    # independent pieces: the 50-point KNN context's own marginal, then nearest neighbours by
    # explicit distances among the subset points that carry context mass
    p_a = cl.contexts.knn(blobs[S], k).p_a
    candidates = np.flatnonzero(p_a > 0)
    s, nu = sub.subset.singular_values, sub.subset.right
    np.testing.assert_allclose(sub.left[S], sub.subset.left, atol=1e-12)
    for x in np.setdiff1d(np.arange(blobs.shape[0]), S)[:10]:
        dist = np.linalg.norm(blobs[S][candidates] - blobs[x], axis=1)
        nearest = candidates[np.argsort(dist)[:k]]
        np.testing.assert_allclose(sub.left[x], nu[nearest].mean(axis=0) / s, atol=1e-10)


def test_rbf_extension_against_the_kernel_formula(blobs):
    h = 0.5
    sub = est.subset_contexture(blobs, 40, 3, context="rbf", bandwidth=h, random_state=0)
    S = sub.indices
    x = np.setdiff1d(np.arange(blobs.shape[0]), S)[0]
    w = np.exp(-np.sum((blobs[S] - blobs[x]) ** 2, axis=1) / (2 * h * h))
    expected = (w / w.sum()) @ sub.subset.right / sub.singular_values
    np.testing.assert_allclose(sub.left[x], expected, atol=1e-10)


def test_subset_left_functions_obey_the_singular_value_equations(blobs):
    sub = est.subset_contexture(blobs, 60, 4, k=6, random_state=2)
    ctx = cl.contexts.knn(blobs[sub.indices], 6)
    s = sub.singular_values
    np.testing.assert_allclose(ctx.expect(sub.subset.right), sub.left[sub.indices] * s,
                               atol=1e-10)
    np.testing.assert_allclose(ctx.expect_adjoint(sub.left[sub.indices]),
                               sub.subset.right * s, atol=1e-10)


def test_eigenvalue_error_decreases_with_m_on_a_smooth_example():
    t = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)]
    res = est.eigenvalue_error(X, [30, 60, 120, 240], 6, context="rbf", bandwidth=0.3,
                               n_repeats=3, random_state=0)
    assert np.all(np.diff(res.mae) < 0) and res.mae[-1] == pytest.approx(0.0, abs=1e-12)
    assert res.mae[0] > 1e-3
    # independently: the documented subsets (one Generator(seed), m by m, repeat by repeat)
    # and numpy's full SVD of each subset's Q; the error is the mean |s_est^2 - s_ref^2|
    def eigenvalues(P):
        p_x, p_a = P.sum(axis=1), P.sum(axis=0)
        return np.linalg.svd(P / np.sqrt(np.outer(p_x, p_a)), compute_uv=False)[1:7] ** 2

    full = eigenvalues(cl.contexts.rbf(X, 0.3).P)
    np.testing.assert_allclose(res.reference, full, atol=1e-12)
    rng = np.random.default_rng(0)
    manual = np.empty((4, 3))
    for i, (m, row) in enumerate(zip(res.ms, res.fits)):
        assert len(row) == 3
        for r, f in enumerate(row):
            subset = np.sort(rng.choice(240, size=m, replace=False))
            np.testing.assert_array_equal(f.indices, subset)
            assert f.left.shape == (240, 6)
            estimate = eigenvalues(cl.contexts.rbf(X[subset], 0.3).P)
            np.testing.assert_allclose(res.estimates[i, r], estimate, atol=1e-10)
            manual[i, r] = np.mean(np.abs(estimate - full))
    np.testing.assert_allclose(res.errors, manual, atol=1e-10)
    np.testing.assert_allclose(res.mae, manual.mean(axis=1), atol=1e-10)
    np.testing.assert_allclose(res.mae_std, manual.std(axis=1), atol=1e-10)


def test_knn_eigenvalues_from_few_points_decay_faster(blobs):
    res = est.eigenvalue_error(blobs, [30, 120], 8, k=5, n_repeats=2, random_state=0)
    small = res.estimates[0].mean(axis=0)
    assert small[-1] / small[0] < res.reference[-1] / res.reference[0]


def test_bad_inputs_raise_clear_errors(blobs):
    with pytest.raises(ValueError, match="unknown context"):
        est.subset_contexture(blobs, 30, 3, context="gauss")
    with pytest.raises(ValueError, match="needs a bandwidth"):
        est.subset_contexture(blobs, 30, 3, context="rbf")
    with pytest.raises(ValueError, match="m must be <= 120"):
        est.subset_contexture(blobs, 500, 3)
    with pytest.raises(ValueError, match="too large"):
        est.subset_contexture(blobs, 10, 12, k=3)
    with pytest.raises(ValueError, match="numerically"):
        est.subset_contexture(blobs, 30, 3, context="rbf", bandwidth=1e6)
    with pytest.raises(ValueError, match="ms is empty"):
        est.eigenvalue_error(blobs, [], 3)
    with pytest.raises(ValueError, match="expected >= d=5"):
        est.eigenvalue_error(blobs, [30], 5, reference=[0.9, 0.8])
    with pytest.raises(ValueError, match="expected the same"):
        est.extension_conditional(blobs[:, :2], blobs[:10], np.full(10, 0.1))
    with pytest.raises(ValueError, match="carry context mass"):
        est.extension_conditional(blobs, blobs[:10], np.r_[np.full(2, 0.5), np.zeros(8)], k=3)


def test_encoder_eigenvalues_of_the_contexture_are_exact():
    # hypercube {0,1}^4, flip 0.1: s = 0.8 (x4), 0.64 (x6), ...; the top-4 span is the
    # degree-1 Walsh functions, so B v = lambda C v returns 0.64 four times
    cube = cl.contexts.hypercube(4, 0.1)
    F = cube.x_features - 0.5                       # the four bits: the degree-1 span
    np.testing.assert_allclose(est.encoder_eigenvalues(cube, F), [0.64] * 4, atol=1e-12)
    # any invertible mixing of the same span gives the same values (span only)
    mix = np.random.default_rng(0).standard_normal((4, 4))
    np.testing.assert_allclose(est.encoder_eigenvalues(cube, F @ mix + 3.0), [0.64] * 4,
                               atol=1e-10)


def test_encoder_eigenvalues_interlace_below_the_truth(blobs):
    ctx = est.build_context(blobs, k=6)
    s = cl.contexture(ctx, 8).singular_values
    res = cl.contexture(ctx, 8)
    np.testing.assert_allclose(est.encoder_eigenvalues(ctx, res.left), s ** 2, atol=1e-10)
    F = np.random.default_rng(1).standard_normal((blobs.shape[0], 8))
    lam = est.encoder_eigenvalues(ctx, F)
    assert np.all(lam <= s ** 2 + 1e-12)           # Poincare separation
    # independent route: Rayleigh-Ritz of the dual-kernel operator T T* on span(F)
    P = ctx.P.toarray() if hasattr(ctx.P, "toarray") else np.asarray(ctx.P)
    px, pa = P.sum(1), P.sum(0)
    K = (P / px[:, None]) @ (P / pa[None, :]).T     # (T T* f)(x) = sum_x' K[x, x'] f(x')
    Fc = F - px @ F
    Qb, _ = np.linalg.qr(np.sqrt(px)[:, None] * Fc)  # orthonormal basis in L2(P_X), weighted
    S = np.sqrt(px)[:, None] * (K @ (Qb / np.sqrt(px)[:, None]))
    H = Qb.T @ S                                    # D^1/2 K D^-1/2 is symmetric
    ref = np.sort(np.linalg.eigvalsh((H + H.T) / 2))[::-1]
    np.testing.assert_allclose(lam, ref, atol=1e-10)


def test_encoder_eigenvalue_error_reuses_the_fits(blobs):
    ctx = est.build_context(blobs, k=6)
    eig = est.eigenvalue_error(blobs, [40, 120], 4, k=6, n_repeats=2, random_state=0)
    enc = est.encoder_eigenvalue_error(ctx, eig)
    assert enc.estimates.shape == (2, 2, 4)
    np.testing.assert_allclose(enc.estimates[1], eig.estimates[1], atol=1e-10)  # m = N
    assert np.all(enc.estimates <= enc.reference + 1e-12)
    with pytest.raises(TypeError, match="EigenvalueError"):
        est.encoder_eigenvalue_error(ctx, eig.estimates)
    with pytest.raises(ValueError, match="one per input"):
        est.encoder_eigenvalues(ctx, np.ones((5, 2)))
    with pytest.raises(ValueError, match="linearly dependent"):
        est.encoder_eigenvalues(ctx, np.ones((120, 2)))


# ---------------------------------------------------------------------- bad input (tables)
COMMON = {
    "estimation.build_context": lambda a: est.build_context(a(bic.F20)),
}


_, test_common_checks = bad_input_tests((), COMMON)



def test_eigenvalue_error_takes_one_int_as_one_subset_size():
    X = np.random.default_rng(0).standard_normal((40, 2))
    one = est.eigenvalue_error(X, 20, 2, k=5, n_repeats=2)
    listed = est.eigenvalue_error(X, [20], 2, k=5, n_repeats=2)
    np.testing.assert_array_equal(one.ms, [20])
    np.testing.assert_array_equal(one.estimates, listed.estimates)
    with pytest.raises(ValueError, match=r"ms\[i\] must be"):
        est.eigenvalue_error(X, [20, 1], 2, k=5)
