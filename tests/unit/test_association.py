"""Association measures against closed forms (THEORY.md section 5)."""

from math import comb

import bad_input_checks as bic
import numpy as np
import pytest
import scipy.optimize
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import association as A


def hypercube_spectrum(n_bits, flip):
    """Closed form: (1 - 2 flip)^k with multiplicity C(n_bits, k), k >= 1, sorted."""
    r = 1 - 2 * flip
    return np.concatenate([np.full(comb(n_bits, k), r ** k) for k in range(1, n_bits + 1)])


def hamming_weights(n_bits):
    """k_i: the Hamming weight of the i-th mode in the sorted list above."""
    return np.concatenate([np.full(comb(n_bits, k), k) for k in range(1, n_bits + 1)])


# ---------------------------------------------------------------------- decay rate
@pytest.mark.parametrize("n_bits,flip", [(4, 0.1), (6, 0.2), (7, 0.35)])
def test_decay_rate_log_linear_hypercube_closed_form(n_bits, flip):
    # log s_i^2 = 2 k_i log r, so the linear fit through the origin gives
    # lambda = -2 log r * sum_i i k_i / sum_i i^2
    i = np.arange(1, 2 ** n_bits)
    k = hamming_weights(n_bits)
    closed = -2 * np.log(1 - 2 * flip) * np.sum(i * k) / np.sum(i ** 2)
    # independent: least squares with numpy on the explicit list
    lstsq = -np.linalg.lstsq(i[:, None].astype(float),
                             np.log(hypercube_spectrum(n_bits, flip) ** 2), rcond=None)[0][0]
    assert closed == pytest.approx(lstsq, rel=1e-12)
    # the spectrum computed by the SVD of the context
    s = cl.contexture(cl.contexts.hypercube(n_bits, flip), 2 ** n_bits - 1).singular_values
    assert A.decay_rate(s, method="log-linear") == pytest.approx(closed, rel=1e-8)


@pytest.mark.parametrize("lam,k", [(0.003, 512), (0.05, 40), (0.7, 12), (3.0, 5)])
@pytest.mark.parametrize("method", A.DECAY_METHODS)
def test_decay_rate_exact_exponential_spectrum(lam, k, method):
    # s_i^2 = exp(-lambda i) exactly: both estimators return lambda
    s = np.exp(-lam * np.arange(1, k + 1) / 2)
    assert A.decay_rate(s, method=method) == pytest.approx(lam, rel=1e-7)


def test_decay_rate_estimators_differ_on_a_noisy_spectrum_closed_forms():
    # s^2 = (1/2, 1/2). Log-linear: lambda = -(1 + 2) log(1/2) / (1 + 4) = (3/5) log 2.
    # Non-linear: d/dq [(1/2 - q)^2 + (1/2 - q^2)^2] = 0 with q = e^-lambda gives
    # 2 q^3 + (1 - 2 * 1/2) q - 1/2 = 0, q = 4^(-1/3), lambda = (2/3) log 2.
    s = np.sqrt([0.5, 0.5])
    assert A.decay_rate(s, method="log-linear") == pytest.approx(0.6 * np.log(2), rel=1e-12)
    assert A.decay_rate(s) == pytest.approx(2 / 3 * np.log(2), rel=1e-8)
    assert A.decay_rate(s, method="nls") == A.decay_rate(s)  # nls is the default


def test_decay_rate_nls_against_cubic_roots():
    # k = 2 in general: the stationary points solve 2 q^3 + (1 - 2 y2) q - y1 = 0
    # (independent: numpy's polynomial roots, the best real root in (0, 1))
    for y1, y2 in [(0.8, 0.3), (0.6, 0.55), (0.9, 0.05)]:
        roots = np.roots([2.0, 0.0, 1 - 2 * y2, -y1])
        q = roots[np.isreal(roots)].real
        q = q[(q > 0) & (q < 1)]
        q = q[np.argmin((y1 - q) ** 2 + (y2 - q ** 2) ** 2)]
        assert A.decay_rate(np.sqrt([y1, y2])) == pytest.approx(-np.log(q), rel=1e-8)
        lin = -(np.log(y1) + 2 * np.log(y2)) / 5
        assert A.decay_rate(np.sqrt([y1, y2]), method="log-linear") == pytest.approx(lin)


def test_decay_rate_nls_noisy_exponential_against_brute_force():
    # an exponential head on a noisy floor: the log-linear fit follows the floor, the
    # non-linear one the head; nls = the minimiser of its objective on a fine grid
    rng = np.random.default_rng(3)
    i = np.arange(1, 201)
    s2 = 0.9 * np.exp(-0.05 * i) + 0.01 * np.exp(rng.normal(0, 0.5, i.size))
    s = np.sort(np.sqrt(np.clip(s2, 0, 1)))[::-1]
    got = A.decay_rate(s)
    grid = np.linspace(0.001, 0.2, 200_001)
    objective = ((s[None, :] ** 2 - np.exp(-grid[:, None] * i[None, :])) ** 2).sum(axis=1)
    assert got == pytest.approx(grid[np.argmin(objective)], abs=2e-6)
    lin = A.decay_rate(s, method="log-linear")
    assert lin == pytest.approx(-np.sum(i * np.log(s ** 2)) / np.sum(i ** 2))
    assert got > 1.5 * lin


def test_decay_rate_scales_with_log_of_correlation():
    s1, s2 = hypercube_spectrum(5, 0.05), hypercube_spectrum(5, 0.3)
    ratio = A.decay_rate(s1, method="log-linear") / A.decay_rate(s2, method="log-linear")
    assert ratio == pytest.approx(np.log(0.9) / np.log(0.4))


@pytest.mark.parametrize("method", A.DECAY_METHODS)
def test_decay_rate_extremes(method):
    assert A.decay_rate(np.ones(10), method=method) == 0.0
    assert A.decay_rate(np.zeros(10), method=method) == np.inf


def test_decay_rate_order_and_floor():
    # unsorted input is sorted first; a hand example: s^2 = e^-1, e^-2 -> lambda = 1
    for method in A.DECAY_METHODS:
        assert A.decay_rate(np.exp([-1.0, -0.5]), method=method) == pytest.approx(1.0)
    # log-linear: zeros are left out of the fit, their indices are kept for the others
    assert A.decay_rate([np.exp(-0.5), 0.0], method="log-linear") == pytest.approx(1.0)
    # nls uses them: (e^-1 - q)^2 + q^4 is minimised below lambda = 1's q = e^-1
    assert A.decay_rate([np.exp(-0.5), 0.0]) > 1.0
    with pytest.raises(ValueError, match="method"):
        A.decay_rate([0.5], method="linear")


@pytest.mark.parametrize("bad", [[1.5, 0.2], [0.5, np.nan], [], [[0.5]]])
def test_spectrum_validation(bad):
    with pytest.raises(ValueError, match="s|spectrum|singular|values"):
        A.decay_rate(bad)


# ---------------------------------------------------------------------- tau
def test_tau_hand_example():
    s = np.array([0.9, 0.5, 0.1])
    total = 0.81 + 0.25 + 0.01
    tau_1 = 1 / (1 - 0.25) + 0.81 / total
    tau_2 = 1 / (1 - 0.01) + (0.81 + 0.25) / total
    res = A.tau(s)
    np.testing.assert_allclose(res.tau_d, [tau_1, tau_2])
    assert res.value == pytest.approx(min(tau_1, tau_2))
    assert res.d == 1 + int(tau_2 < tau_1)
    assert res.extreme is None and res.is_finite
    assert float(res) == res.value
    # beta weighs the second term; d0 normalises it
    np.testing.assert_allclose(A.tau(s, beta=0.0).tau_d, [1 / 0.75, 1 / 0.99])
    np.testing.assert_allclose(A.tau(s, d0=1).tau_d, [1 / 0.75 + 1.0])


def test_tau_d_does_not_follow_float_noise_in_a_vanishing_tail():
    # a cold attention head (notebook 08): s^2 falls from 0.9 to 1e-20, so tau_d for every
    # d past the tail differs from the minimum by float noise; perturbing the tail at 1e-13
    # (what another BLAS kernel does) moves numpy's arg-min but not the d tau reports
    s2 = np.array([0.92, 0.76, 0.31, 1.7e-4, 8.1e-6, 6.1e-6, 4.0e-7, 3.3e-8, 2.8e-9, 3.7e-11,
                   5.7e-12, 3.2e-13, 1.5e-16, 1.8e-17, 6.4e-18, 5.0e-21])
    rng = np.random.default_rng(0)
    reported, argmins = set(), set()
    for _ in range(40):
        res = A.tau(np.sqrt(s2 * (1 + 1e-13 * rng.standard_normal(s2.size))))
        reported.add(res.d)
        argmins.add(1 + int(np.argmin(res.tau_d)))
    assert len(argmins) > 1              # the plain arg-min is decided by noise
    (d,) = reported
    res = A.tau(np.sqrt(s2))
    # the smallest d within the tie tolerance of the minimum, and d - 1 is not within it
    assert res.tau_d[d - 1] - res.value <= A.TAU_TIE_RTOL * res.value
    assert res.tau_d[d - 2] - res.value > A.TAU_TIE_RTOL * res.value


def test_tau_label_context_closed_form():
    # C classes: s_1..s_{C-1} = 1, rest 0 -> tau_d infinite for d < C-1, tau_{C-1} = 1 + beta
    y = np.repeat(np.arange(5), 8)
    s = cl.contexture(cl.contexts.label(y), 4, method="dense").singular_values
    s = np.r_[s, np.zeros(6)]
    res = A.tau(s, beta=0.5)
    assert res.d == 4
    assert res.value == pytest.approx(1.5)
    assert np.isinf(res.tau_d[:3]).all()


def test_tau_identity_blows_up_and_says_so():
    s = cl.contexture(cl.contexts.identity(12), 11, method="dense").singular_values
    res = A.tau(s)
    assert res.value == np.inf and res.d is None
    assert res.extreme == "strong" and not res.is_finite


def test_tau_independent_says_so():
    res = A.tau(np.zeros(5))
    assert np.isnan(res.value) and res.extreme == "independent" and res.d is None


def test_tau_validation():
    with pytest.raises(ValueError, match="at least 2"):
        A.tau([0.5])
    with pytest.raises(ValueError, match="d0"):
        A.tau([0.5, 0.4], d0=3)
    with pytest.raises(ValueError, match="beta"):
        A.tau([0.5, 0.4], beta=-1.0)


# ---------------------------------------------------------------------- effective dimension
@pytest.mark.parametrize("n_bits,flip", [(3, 0.1), (6, 0.25)])
def test_effective_dimension_hypercube(n_bits, flip):
    r2 = (1 - 2 * flip) ** 2
    closed = ((1 + r2) ** n_bits - 1) ** 2 / ((1 + r2 ** 2) ** n_bits - 1)
    assert A.effective_dimension(hypercube_spectrum(n_bits, flip)) == pytest.approx(closed)


def test_effective_dimension_extremes():
    # the lab's own measure: the participation ratio (sum s^2)^2 / sum s^4
    s = np.array([0.9, 0.5, 0.1])
    assert A.effective_dimension(s) == pytest.approx((0.81 + 0.25 + 0.01) ** 2
                                                     / (0.81 ** 2 + 0.25 ** 2 + 0.01 ** 2))
    assert A.effective_dimension(np.ones(7)) == pytest.approx(7)
    assert A.effective_dimension(np.r_[np.ones(3), np.zeros(5)]) == pytest.approx(3)
    assert A.effective_dimension(np.zeros(4)) == 0.0


# ---------------------------------------------------------------------- kernel deviation
def _deviation_from_gram(ctx):
    """Independent computation: p^T |K - 1| p with the context's dense dual kernel."""
    p = ctx.p_x
    return float(p @ np.abs(ctx.dual_kernel() - 1.0) @ p)


def test_kernel_deviation_independent_is_zero():
    rng = np.random.default_rng(0)
    ctx = cl.contexts.independent(rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(9)))
    assert A.kernel_deviation(ctx) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("n", [5, 40])
def test_kernel_deviation_identity_closed_form(n):
    # K = diag(1/p): sum_i p_i^2 (1/p_i - 1) + sum_{i != j} p_i p_j = 2 (1 - 1/n)
    assert A.kernel_deviation(cl.contexts.identity(n)) == pytest.approx(2 * (1 - 1 / n))


@pytest.mark.parametrize("k", [3, 60])  # sparse kernel path, dense-block path
def test_kernel_deviation_matches_gram_on_knn(k):
    X = np.random.default_rng(1).normal(size=(150, 3))
    ctx = cl.contexts.knn(X, k)
    assert A.kernel_deviation(ctx) == pytest.approx(_deviation_from_gram(ctx), rel=1e-5)


def test_kernel_deviation_dense_blocks(monkeypatch):
    rng = np.random.default_rng(2)
    ctx = cl.Context(rng.random((70, 30)), normalize=True)
    monkeypatch.setattr(A, "KERNEL_BLOCK_ENTRIES", 200)  # several row blocks
    assert A.kernel_deviation(ctx) == pytest.approx(_deviation_from_gram(ctx), rel=1e-5)


def test_kernel_deviation_refuses_huge_dense(monkeypatch):
    monkeypatch.setattr(A, "MAX_KERNEL_ENTRIES", 100)
    with pytest.raises(ValueError, match="dense"):
        A.kernel_deviation(cl.contexts.hypercube(4, 0.1))


# ---------------------------------------------------------------------- components
def test_n_components_counts_unit_singular_values():
    y = np.repeat(np.arange(4), 5)
    assert A.n_components(cl.contexts.label(y)) == 4
    assert A.n_components(cl.contexts.identity(9)) == 9
    X = np.random.default_rng(3).normal(size=(60, 2))
    ctx = cl.contexts.knn(X, 1)
    s = cl.contexture(ctx, 59, method="dense").singular_values
    assert A.n_components(ctx) == 1 + int(np.sum(s > 1 - 1e-9))


def test_metrics_dict():
    ctx = cl.contexts.hypercube(4, 0.2)
    s = cl.contexture(ctx, 15).singular_values
    m = A.metrics(s, ctx)
    # s = 0.6^k with multiplicity C(4, k); the decay rate is the non-linear least-squares
    # fit of s_i^2 = exp(-lambda i), found here independently by a bounded scalar search
    i = np.arange(1, 16)
    fit = scipy.optimize.minimize_scalar(lambda lam: np.sum((s ** 2 - np.exp(-lam * i)) ** 2),
                                         bounds=(1e-6, 10.0), method="bounded",
                                         options={"xatol": 1e-12})
    assert m["decay_rate"] == pytest.approx(fit.x, rel=1e-6)
    assert m["n_components"] == 1
    # tau_d is smallest at d = 1 (1/(1 - 0.36) + 0.36 / total = 1.711; d = 4 gives 1.744)
    total = 1.36 ** 4 - 1                      # sum_S 0.36^|S| over non-empty S
    assert m["tau"] == pytest.approx(1 / (1 - 0.36) + 0.36 / total, rel=1e-12)
    assert m["tau_argmin"] == 1
    assert m["effective_dimension"] == pytest.approx(total ** 2 / (1.1296 ** 4 - 1), rel=1e-12)
    assert set(A.metrics(s)) == {"decay_rate", "tau", "tau_argmin", "effective_dimension"}


# ---------------------------------------------------------------------- knobs
def test_the_knob_registry_is_served_from_association_too():
    # the registry lives in contexts (tests there); association keeps the names
    assert A.KNOBS is cl.contexts.KNOBS and A.knob_contexts is cl.contexts.knob_contexts


def test_random_walk_sweep_closed_form():
    n = 12
    W = cl.datasets.ring_graph(n)
    lam = np.sort(np.abs(np.cos(2 * np.pi * np.arange(1, n) / n)))[::-1]
    for point in A.sweep("random_walk", [1, 2, 5], d=n - 1, W=W):
        np.testing.assert_allclose(point.singular_values, np.sort(lam ** point.value)[::-1],
                                   atol=1e-10)
        assert point.left.shape == (n, n - 1)


def test_hypercube_and_rbf_knobs():
    pts = list(A.sweep("hypercube", [0.1, 0.3], d=7, n_bits=3))
    np.testing.assert_allclose(pts[1].singular_values, hypercube_spectrum(3, 0.3))
    X = np.random.default_rng(6).normal(size=(30, 2))
    s = [p.singular_values[0] for p in A.sweep("rbf", [0.3, 1.0, 5.0], d=5, X=X)]
    assert s[0] > s[1] > s[2]  # wider bandwidth, weaker association


def test_tau_is_a_number():
    res = A.tau([0.9, 0.5, 0.1])
    assert isinstance(res, float) and 2 < res < 2.01 and res == res.value
    assert np.isinf(A.tau(np.ones(4))) and np.isnan(A.tau(np.zeros(4)))
    assert "extreme='strong'" in repr(A.tau(np.ones(4)))


# ---------------------------------------------------------------------- bad input (tables)
COMMON = {
    "decay_rate": lambda a: A.decay_rate(a(bic.S4)),
    "effective_dimension": lambda a: A.effective_dimension(a(bic.S4)),
    "tau": lambda a: A.tau(a(bic.S4)),
    "association.metrics": lambda a: A.metrics(a(bic.S4)),
}


_, test_common_checks = bad_input_tests((), COMMON)


def test_gram_measures_equal_the_spectrum_and_the_kernel_deviation():
    P = np.random.default_rng(8).random((7, 11)) ** 2
    ctx = cl.Context(P / P.sum())
    Q = ctx.normalized()
    out = A.gram_measures(Q @ Q.T, ctx.p_x)
    s = cl.contexture(ctx, 6, method="dense").singular_values
    assert out["sum_s2"] == pytest.approx(np.sum(s ** 2), rel=1e-12)
    assert out["kernel_deviation"] == pytest.approx(A.kernel_deviation(ctx), rel=1e-6)
    with pytest.raises(ValueError, match="gram has shape"):
        A.gram_measures(np.eye(3), ctx.p_x)


# ---------------------------------------------------------------------- distance correlation
def _dcor_by_sums(u, v):
    """Szekely's dCor from the three sums S1 + S2 - 2 S3 (no double centring), O(n^2)."""
    u = u.reshape(len(u), -1)
    v = v.reshape(len(v), -1)
    a = np.sqrt(((u[:, None] - u[None]) ** 2).sum(-1))
    b = np.sqrt(((v[:, None] - v[None]) ** 2).sum(-1))

    def dcov2(a, b):
        return (a * b).mean() + a.mean() * b.mean() - 2 * (a.mean(1) * b.mean(1)).mean()
    return np.sqrt(dcov2(a, b) / np.sqrt(dcov2(a, a) * dcov2(b, b)))


@pytest.mark.parametrize("shape_u, shape_v", [((25,), (25,)), ((30, 3), (30,)), ((12, 2), (12, 4))])
def test_distance_correlation_matches_the_sum_formula(shape_u, shape_v):
    rng = np.random.default_rng(4)
    u = rng.normal(size=shape_u)
    v = rng.normal(size=shape_v) + (u if u.shape == shape_v else 0.0)
    assert A.distance_correlation(u, v) == pytest.approx(_dcor_by_sums(u, v), rel=1e-10)


def test_distance_correlation_extremes():
    u = np.linspace(-1, 1, 21)
    assert A.distance_correlation(u, 3 * u - 2) == pytest.approx(1.0)
    assert A.distance_correlation(u, -u) == pytest.approx(1.0)
    # u^2 on a symmetric grid: Pearson's r is 0, the distance correlation is not
    assert abs(np.corrcoef(u, u ** 2)[0, 1]) < 1e-12
    assert A.distance_correlation(u, u ** 2) == pytest.approx(_dcor_by_sums(u, u ** 2))
    assert A.distance_correlation(u, u ** 2) > 0.4
    assert cl.association.distance_correlation is A.distance_correlation


def test_distance_correlation_bad_input():
    with pytest.raises(ValueError, match="u has 3 rows and v has 4"):
        A.distance_correlation([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="v is constant"):
        A.distance_correlation([1, 2, 3], [5, 5, 5])
    with pytest.raises(ValueError, match="at least 2 pairs"):
        A.distance_correlation([1.0], [2.0])
