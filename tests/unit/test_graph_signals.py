"""contexture_lab.graph_signals against loops written out (independent computations)."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.graph_signals import (
    dirichlet_ratio,
    node_states,
    pc_alignment,
    predecessor_residual,
    recent_mean,
)


def _ratio_by_loops(H, W):
    n = H.shape[0]
    D = np.array([[np.sum((H[i] - H[j]) ** 2) for j in range(n)] for i in range(n)])
    return (W * D).sum() / W.sum() / D.mean()


def test_dirichlet_ratio_equals_the_double_loop_and_is_invariant():
    rng = np.random.default_rng(0)
    W = cl.datasets.grid_graph(3, 4)
    H = rng.normal(size=(12, 5))
    r = dirichlet_ratio(H, W)
    assert r == pytest.approx(_ratio_by_loops(H, W), rel=1e-12)
    Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    assert dirichlet_ratio(3.0 * H @ Q + 7.0, W) == pytest.approx(r, rel=1e-9)


def test_dirichlet_ratio_is_small_for_the_grid_s_own_coordinates():
    W = cl.datasets.grid_graph(4, 4)
    coords = np.array([(i // 4, i % 4) for i in range(16)], dtype=float)
    # edges have squared length 1; all ordered pairs (self included): 2 * var * 2 * 16/16
    # mean of |h_i - h_j|^2 over all pairs = 2 * (var(row) + var(col)) = 2 * (1.25 + 1.25)
    assert dirichlet_ratio(coords, W) == pytest.approx(1 / 5, rel=1e-12)
    with pytest.raises(ValueError, match=r"expected \(n, p\) and \(n, n\)"):
        dirichlet_ratio(coords, W[:3])


def test_node_states_average_the_window_by_loops():
    rng = np.random.default_rng(1)
    walk = rng.integers(0, 4, size=30)
    walk[20:] = np.where(walk[20:] == 3, 0, walk[20:])     # node 3 absent late
    S = rng.normal(size=(2, 30, 3))                        # (layers + 1, T, dim)
    out = node_states(S, walk, 5, [10, 30], window=8)
    assert out.shape == (2, 2, 5, 3)
    for k, L in enumerate([10, 30]):
        for v in range(5):
            pos = [t for t in range(max(0, L - 8), L) if walk[t] == v]
            if pos:
                np.testing.assert_allclose(out[k, :, v], S[:, pos].mean(axis=1))
            else:
                assert np.isnan(out[k, :, v]).all()
    assert np.isnan(out[:, :, 4]).all()                    # node 4 never visited
    with pytest.raises(ValueError, match="one position per step"):
        node_states(S[:, :10], walk, 5, [5])
    with pytest.raises(ValueError, match="prefix length must be <= 30"):
        node_states(S, walk, 5, [31])


def test_pc_alignment_drops_absent_nodes_and_reads_the_top_span():
    rng = np.random.default_rng(2)
    U = rng.normal(size=(10, 2))
    # the top-2 principal span is U's (scale 10) plus small noise in other directions
    H = np.hstack([10 * U, 0.01 * rng.normal(size=(10, 3))]) @ np.linalg.qr(
        rng.normal(size=(5, 5)))[0]
    assert pc_alignment(H, U) == pytest.approx(1.0, abs=1e-5)
    H[3] = np.nan
    h = H[~np.isnan(H[:, 0])]
    h = h - h.mean(0)
    top = h @ np.linalg.eigh(h.T @ h)[1][:, ::-1][:, :1]
    keep = np.arange(10) != 3
    assert pc_alignment(H, U, k=1) == pytest.approx(cl.alignment.cca_r2(top, U[keep]),
                                                    abs=1e-12)
    with pytest.raises(ValueError, match=r"expected \(n, p\) and \(n, q\)"):
        pc_alignment(H, U[:4])


def test_predecessor_residual_is_the_least_squares_residual_on_the_predecessor():
    rng = np.random.default_rng(3)
    walk = rng.integers(0, 5, size=40)
    S = rng.normal(size=(2, 40, 3))
    R = predecessor_residual(S, walk, 5)
    onehot = np.eye(5)[walk[:-1]]
    X = np.hstack([np.ones((39, 1)), onehot])            # rank-deficient: lstsq's fit is unique
    for layer in range(2):
        beta = np.linalg.lstsq(X, S[layer, 1:], rcond=None)[0]
        np.testing.assert_allclose(R[layer, 1:], S[layer, 1:] - X @ beta, atol=1e-12)
        np.testing.assert_allclose(R[layer, 0], S[layer, 0] - S[layer].mean(0), atol=1e-12)
    # a state that is a function of the predecessor alone leaves nothing
    f = rng.normal(size=(5, 3))
    S2 = np.zeros((1, 40, 3))
    S2[0, 1:] = f[walk[:-1]]
    np.testing.assert_allclose(predecessor_residual(S2, walk, 5)[0, 1:], 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"expected indices in \[0, 3\]"):
        predecessor_residual(S, walk, 4)


def test_recent_mean_by_loops():
    rng = np.random.default_rng(4)
    S = rng.normal(size=(2, 9, 3))
    for window in (1, 3, 9, 20):
        got = recent_mean(S, window)
        for t in range(9):
            lo = max(0, t - window + 1)
            np.testing.assert_allclose(got[:, t], S[:, lo:t + 1].mean(axis=1), atol=1e-12)
    with pytest.raises(ValueError, match="window"):
        recent_mean(S, 0)
