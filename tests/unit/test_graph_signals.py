"""contexture_lab.graph_signals against loops written out (independent computations)."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.graph_signals import dirichlet_ratio, node_states


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
