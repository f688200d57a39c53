"""STKR on a finite context: the transformed kernel and kernel ridge regression."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import kernel_regression as kr


@pytest.fixture(scope="module")
def ctx():
    rng = np.random.default_rng(0)
    P = rng.random((12, 9)) * (rng.random((12, 9)) < 0.6) + 0.01
    return cl.Context(P / P.sum())


@pytest.mark.parametrize("p", [1, 2, 3])
def test_transformed_kernel_is_the_spectral_filter(ctx, p):
    """Against the full decomposition: sum_{i>=0} s_i^{2p} mu_i mu_i^T, constant included."""
    res = cl.contexture(ctx, ctx.n_contexts - 1, method="dense")
    s = np.concatenate([[1.0], res.singular_values])
    mu = np.hstack([np.ones((ctx.n_inputs, 1)), res.left])
    np.testing.assert_allclose(kr.transformed_kernel(ctx, p), (mu * s ** (2 * p)) @ mu.T,
                               atol=1e-9)


def test_p_one_is_the_dual_kernel_and_powers_compose(ctx):
    K1, K2 = kr.transformed_kernel(ctx, 1), kr.transformed_kernel(ctx, 2)
    np.testing.assert_allclose(K1, ctx.dual_kernel(), atol=1e-12)
    # the operator of K_2 in L2(P_X) is (T T*)^2: applying it to a function applies T T* twice
    f = np.random.default_rng(1).normal(size=ctx.n_inputs)
    TTs = lambda g: ctx.expect(ctx.expect_adjoint(g))  # noqa: E731
    np.testing.assert_allclose(K2 @ (ctx.p_x * f), TTs(TTs(f)), atol=1e-10)


def test_kernel_ridge_matches_the_closed_form_and_the_probe_draws():
    rng = np.random.default_rng(2)
    N = 30
    Z = rng.normal(size=(N, 4))
    K = Z @ Z.T + 0.1
    y = rng.integers(0, 3, N)
    res = kr.kernel_ridge_probe(K, y, 10, betas=[0.01, 1.0], n_repeats=3, random_state=7)
    # the same draws as probe.linear_probe with the same seed
    g = np.random.default_rng(7)
    onehot = np.eye(3)[y]
    for r in range(3):
        draw = g.choice(N, size=10, replace=True, p=np.full(N, 1 / N))
        for j, beta in enumerate([0.01, 1.0]):
            # primal ridge on the kernel's features Z~ with K = Z~ Z~^T (Z~ = [Z, sqrt(.1)])
            Zt = np.hstack([Z, np.full((N, 1), np.sqrt(0.1))])
            A = Zt[draw].T @ Zt[draw] / 10 + beta * np.eye(5)
            theta = np.linalg.solve(A, Zt[draw].T @ onehot[draw] / 10)
            out = Zt @ theta
            assert res.test_error[j, r] == pytest.approx(np.mean(out.argmax(1) != y))
            assert res.test_mse[j, r] == pytest.approx(np.mean(np.sum((onehot - out) ** 2, 1)))
    assert res.test_error_mean.shape == (2,)


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        kr.kernel_ridge_probe(np.ones((3, 4)), [0, 1, 0], 2)
    with pytest.raises(ValueError, match="beta"):
        kr.kernel_ridge_probe(np.eye(3), [0, 1, 0], 2, betas=[0.0])
    with pytest.raises(ValueError, match="p"):
        kr.transformed_kernel(cl.contexts.cycle(6, 0.3), 0)
