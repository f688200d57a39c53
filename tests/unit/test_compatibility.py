"""Tests of contexture_lab.compatibility (population quantities) against closed forms and
independent computations."""

import numpy as np
import pytest

import contexture_lab as cl

import bad_input_checks as bic
from bad_input_checks import bad_input_tests

C = cl.compatibility


@pytest.fixture(scope="module")
def small_context():
    rng = np.random.default_rng(1)
    ctx = cl.Context(rng.random((30, 36)) ** 4, normalize=True)
    return ctx, cl.contexture(ctx, 29)


# ---------------------------------------------------------------------------- compatibility
def test_compatibility_of_cycle_fourier_modes():
    n, p = 16, 0.3
    ctx = cl.contexts.cycle(n, p)
    x = np.arange(n)
    for k in range(1, n // 2 + 1):
        s_k = abs(1 - p + p * np.cos(2 * np.pi * k / n))
        for f in (np.cos(2 * np.pi * k * x / n), 5 * np.sin(2 * np.pi * k * x / n) + 2):
            if np.ptp(f) > 1e-9:
                assert C.compatibility(ctx, f) == pytest.approx(s_k, abs=1e-12)
    # a mixture: rho^2 = (a^2 s_1^2 + b^2 s_3^2) / (a^2 + b^2)
    s1, s3 = (abs(1 - p + p * np.cos(2 * np.pi * k / n)) for k in (1, 3))
    f = 2 * np.cos(2 * np.pi * x / n) + np.cos(2 * np.pi * 3 * x / n)
    assert C.compatibility(ctx, f) == pytest.approx(np.sqrt((4 * s1**2 + s3**2) / 5), abs=1e-12)


def test_compatibility_of_walsh_functions():
    ctx = cl.contexts.hypercube(4, 0.2)
    bits = ctx.x_features
    signs = 1 - 2 * bits
    F = np.c_[signs[:, 0], signs[:, 0] * signs[:, 2], signs[:, 1] * signs[:, 2] * signs[:, 3]]
    np.testing.assert_allclose(C.compatibility(ctx, F), 0.6 ** np.array([1, 2, 3]), atol=1e-12)


def test_compatibility_matches_spectral_expansion(small_context):
    ctx, res = small_context
    f = np.random.default_rng(17).standard_normal(30)
    u = res.coefficients(f - ctx.p_x @ f)
    expected = np.sqrt(np.sum(res.singular_values ** 2 * u ** 2) / np.sum(u ** 2))
    assert C.compatibility(ctx, f) == pytest.approx(expected, abs=1e-10)
    with pytest.raises(ValueError, match="constant"):
        C.compatibility(ctx, np.ones(30))


# ---------------------------------------------------------------------------- ratio trace
def test_ratio_trace_reaches_bound_only_for_the_contexture(small_context):
    ctx, res = small_context
    s2 = res.singular_values ** 2
    rng = np.random.default_rng(18)
    for d in (1, 3, 6):
        bound = s2[:d].sum()
        mixed = res.left[:, :d] @ rng.standard_normal((d, d)) + 1.0
        assert C.ratio_trace(ctx, mixed) == pytest.approx(bound, abs=1e-12)
        # the next d functions: exactly their own sum, which is smaller
        shifted = C.ratio_trace(ctx, res.left[:, 1:d + 1])
        assert shifted == pytest.approx(s2[1:d + 1].sum(), abs=1e-12)
        for _ in range(5):
            assert C.ratio_trace(ctx, rng.standard_normal((30, d))) < bound - 1e-6


def test_ratio_trace_label_context():
    y = np.repeat([0, 1, 2], 10)
    ctx = cl.contexts.label(y)
    onehot = np.eye(3)[y]
    assert C.ratio_trace(ctx, onehot) == pytest.approx(2.0, abs=1e-12)  # s_1 = s_2 = 1


# ---------------------------------------------------------------------------- probe errors
def test_linear_probe_error_against_weighted_lstsq(small_context):
    ctx, res = small_context
    rng = np.random.default_rng(19)
    Phi, f = rng.standard_normal((30, 4)), rng.standard_normal(30)
    w = np.sqrt(ctx.p_x)
    design = np.c_[Phi, np.ones(30)] * w[:, None]
    coef = np.linalg.lstsq(design, f * w, rcond=None)[0]
    resid = f - np.c_[Phi, np.ones(30)] @ coef
    expected = (ctx.p_x @ resid ** 2) / (ctx.p_x @ (f - ctx.p_x @ f) ** 2)
    assert C.linear_probe_error(ctx, Phi, f) == pytest.approx(expected, abs=1e-10)
    a, b = 0.6, 0.8
    task = a * res.left[:, 0] + b * res.left[:, 3]
    assert C.linear_probe_error(ctx, res.left[:, :3], task) == pytest.approx(b ** 2, abs=1e-12)


def test_optimal_worst_case_error_range_checks(small_context):
    _, res = small_context
    s = res.singular_values
    lo, hi = C.theorem_eps_range(s)
    assert lo == pytest.approx(1 - s[0])
    assert hi == pytest.approx(1 - np.sqrt((s[0] ** 2 + s[1] ** 2) / 2))
    assert C.optimal_worst_case_error(s, 3, lo) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="empty"):
        C.optimal_worst_case_error(s, 3, lo - 0.01)
    with pytest.raises(ValueError, match="theorem's range"):
        C.optimal_worst_case_error(s, 3, hi + 0.01)
    assert 0 < C.optimal_worst_case_error(s, 3, hi + 0.01, check_range=False) < 1
    with pytest.raises(ValueError, match="decreasing"):
        C.optimal_worst_case_error(s[::-1], 3, hi)
    with pytest.raises(ValueError, match="spectral gap"):
        C.optimal_worst_case_error([0.9, 0.9, 0.9], 2, 0.1)


def test_worst_case_error_matches_theorem_and_search(small_context):
    ctx, res = small_context
    s, mu = res.singular_values, res.left
    lo, hi = C.theorem_eps_range(s)
    rng = np.random.default_rng(20)
    for d in (1, 4):
        for eps in (lo + 0.4 * (hi - lo), hi):
            opt = C.optimal_worst_case_error(s, d, eps)
            assert C.worst_case_error(ctx, mu[:, :d], eps) == pytest.approx(opt, abs=1e-7)
            # the closed-form worst task sits on the boundary and attains the optimum
            task = np.sqrt(1 - opt) * mu[:, 0] + np.sqrt(opt) * mu[:, d]
            assert C.compatibility(ctx, task) == pytest.approx(1 - eps, abs=1e-10)
            assert C.linear_probe_error(ctx, mu[:, :d], task) == pytest.approx(opt, abs=1e-10)
            # every other encoder is worse in the worst case
            for other in (mu[:, 1:d + 1], rng.standard_normal((30, d))):
                assert C.worst_case_error(ctx, other, eps) > opt + 1e-6
            # a random search over compatible tasks never beats the exact worst case
            H = rng.standard_normal((30, 200))
            rho = C.compatibility(ctx, H)
            ok = rho >= 1 - eps
            if ok.any():
                errs = C.linear_probe_error(ctx, mu[:, :d], H[:, ok])
                assert errs.max() <= opt + 1e-9


def test_worst_case_error_input_checks(small_context):
    ctx, res = small_context
    s1 = res.singular_values[0]
    with pytest.raises(ValueError, match="empty"):
        C.worst_case_error(ctx, res.left[:, :2], 1 - s1 - 0.01)
    with pytest.raises(ValueError, match="rows"):
        C.worst_case_error(ctx, res.left[:5, :2], 0.5)
    # a weak enough requirement admits tasks the encoder misses entirely
    assert C.worst_case_error(ctx, res.left[:, :2], 1.0) == pytest.approx(1.0, abs=1e-9)


# ---------------------------------------------------------------------- bad input (tables)
_CTX20, _F20, _S = bic.CTX20, bic.F20, bic.S4
BAD_INPUT = [
    ("compatibility complex", lambda: C.compatibility(bic.CTX6, np.arange(6) + 0j), TypeError,
     "complex"),
    ("ratio_trace complex", lambda: C.ratio_trace(bic.CTX6, np.ones((6, 2)) + 0j), TypeError,
     "complex"),
]
COMMON = {
    "compatibility": lambda a: C.compatibility(_CTX20, a(_F20[:, 0])),
    "ratio_trace": lambda a: C.ratio_trace(_CTX20, a(_F20)),
    "linear_probe_error": lambda a: C.linear_probe_error(_CTX20, a(_F20), _F20[:, 0]),
    "theorem_eps_range": lambda a: C.theorem_eps_range(a(_S)),
    "optimal_worst_case_error": lambda a: C.optimal_worst_case_error(a(_S), 2, 0.3),
    "worst_case_error": lambda a: C.worst_case_error(_CTX20, a(_F20), 0.3),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


def test_constant_features_carry_nothing():
    ctx = bic.CTX6
    assert C.ratio_trace(ctx, np.ones((6, 2))) == 0.0
    # a constant column next to real ones changes nothing
    f = np.cos(2 * np.pi * np.arange(6) / 6)
    assert C.ratio_trace(ctx, np.c_[f, np.ones(6)]) == pytest.approx(
        C.ratio_trace(ctx, f), abs=1e-12)
    assert C.ratio_trace(ctx, f) == pytest.approx((1 - 0.3 + 0.3 * np.cos(np.pi / 3)) ** 2)
